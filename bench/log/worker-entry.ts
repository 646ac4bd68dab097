// Bundled by bench/log.ts and evaluated in the extension's service worker: defines
// globalThis.__c2cCheckpointBench, which times openCheckpoint there as bench/log.ts does in Node.
import { openCheckpoint } from '../../lib/keylog/checkpoint';
import { parseVerifierKey } from '../../lib/keylog/note';

/** Median ms per verification, timed in batches of `batch` (a service worker's clock has 100 µs steps). */
(globalThis as { __c2cCheckpointBench?: unknown }).__c2cCheckpointBench = async (checkpoint: string, key: string, rounds: number, batch: number) => {
  const verifier = parseVerifierKey(key);
  const verify = async () => void (await openCheckpoint(checkpoint, verifier.name, [verifier]));
  for (let i = 0; i < batch; i++) await verify();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) await verify();
    times.push((performance.now() - start) / batch);
  }
  times.sort((a, b) => a - b);
  return { median: Math.round(times[times.length >> 1]! * 10_000) / 10_000, runs: rounds * batch };
};
