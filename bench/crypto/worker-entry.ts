// Bundled by bench/crypto-worker.ts and evaluated in the extension's service worker: defines
// globalThis.__c2cCryptoBench, which measures the modern suite there as bench/crypto.ts does in Node.
import { kemTasks, modernSealOpen, modernUser, modernV2SealOpen, x25519Agreement } from './modern-tasks';

/**
 * Median ms per run of each task. Runs are timed in batches of `batch` (a service worker's clock has
 * 100 µs steps), the tasks interleaved batch by batch so they see the same load; one untimed batch first.
 */
async function measure(tasks: Record<string, () => Promise<void>>, rounds: number, batch: number): Promise<Record<string, { medianMs: number; runs: number }>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]));
  for (const fn of Object.values(tasks)) for (let i = 0; i < batch; i++) await fn();
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(tasks)) {
      const start = performance.now();
      for (let i = 0; i < batch; i++) await fn();
      times[name]!.push((performance.now() - start) / batch);
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([name, t]) => {
      const sorted = [...t].sort((a, b) => a - b);
      return [name, { medianMs: Math.round(sorted[sorted.length >> 1]! * 1000) / 1000, runs: sorted.length * batch }];
    }),
  );
}

(globalThis as { __c2cCryptoBench?: unknown }).__c2cCryptoBench = async (rounds: number, batch: number) => {
  const sender = await modernUser();
  const recipients = await Promise.all(Array.from({ length: 10 }, modernUser));
  // Where the secure chat runs its handshake: the post-quantum KEM beside classical X25519.
  const kem = Object.entries(await kemTasks()).map(([name, fn]) => [name, async () => void (await fn())] as const);
  return measure(
    {
      'modern.sealOpen.200B.1': modernSealOpen(sender, recipients.slice(0, 1), 200),
      'modern.sealOpen.200B.10': modernSealOpen(sender, recipients, 200),
      'modern.v2.sealOpen.200B.1': modernV2SealOpen(sender, recipients.slice(0, 1), 200),
      'modern.v2.sealOpen.200B.10': modernV2SealOpen(sender, recipients, 200),
      'modern.x25519': x25519Agreement(sender, recipients[0]!),
      ...Object.fromEntries(kem),
    },
    rounds,
    batch,
  );
};
