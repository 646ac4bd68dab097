// `npm run bench -- crypto`: cost of the modern suite (keys, seal+open, safety number) against the
// legacy cryptico suite measured in the same run: our hardened lib/legacy and, as the baseline, the
// stock cryptico 1.0.2 package as CRYPT2CHAT used it (passphrase keys). Slow cryptico figures take only
// a few runs within a time budget. Every measured message is checked to open to its plaintext.
// Fields: bench/README.md.
import { loadavg } from 'node:os';
import type { Cryptico, RSAKey } from 'cryptico';
import { safetyNumber } from '../lib/crypto/safety-number';
import { randomBytes, toHex } from '../lib/bytes';
import {
  generateLegacyKey,
  legacyDecrypt,
  legacyEncrypt,
  type LegacyKeyBits,
  type LegacyPrivateKey,
} from '../lib/legacy/cryptico-suite';
import { loadStockCryptico } from '../tests/unit/legacy/stock-cryptico';
import { check, hybridCost, kemTasks, logHybridCost, modernSealOpen, modernUser, modernV2SealOpen, x25519Agreement } from './crypto/modern-tasks';
import { runIfMain } from './main';

type Log = (line: string) => void;

interface Figure {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

interface Comparison {
  figure: string;
  baseline: string;
  /** baseline median ÷ figure median: how many times faster the figure is. */
  ratio: number;
  target?: number;
  met?: boolean;
}

interface Task {
  name: string;
  fn: () => unknown;
  /** Timed runs per round (fast tasks run more often so their median rests on more samples). */
  perRound?: number;
  /** One untimed run first (JIT, key caches); off for tasks that take seconds. */
  warmup?: boolean;
}

const SIZES = { '200B': 200, '64KB': 64 * 1024 } as const;
const TARGETS = { sealOpenVsStock2048: 10, keygenVsStock2048: 100 };

/**
 * Runs the tasks in alternating rounds, so figures that are compared with each other see the same
 * machine load (this machine is shared). Stops after `rounds`, or earlier once `budgetMs` is spent.
 */
async function measureRounds(rounds: number, tasks: Task[], budgetMs: number): Promise<Record<string, Figure>> {
  for (const task of tasks) if (task.warmup !== false) await task.fn();
  const times = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  const deadline = performance.now() + budgetMs;
  for (let round = 0; round < rounds && (round === 0 || performance.now() < deadline); round++) {
    for (const task of tasks) {
      for (let i = 0; i < (task.perRound ?? 1); i++) {
        const start = performance.now();
        await task.fn();
        times.get(task.name)!.push(performance.now() - start);
      }
    }
  }
  return Object.fromEntries(tasks.map((t) => [t.name, summarize(times.get(t.name)!)]));
}

function summarize(times: number[]): Figure {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { medianMs: round(median), minMs: round(sorted[0]!), maxMs: round(sorted[sorted.length - 1]!), runs: sorted.length };
}

function round(ms: number): number {
  return ms >= 100 ? Math.round(ms) : Math.round(ms * 1000) / 1000;
}

/** ASCII text of `size` bytes (what a CRYPT2CHAT user could send; stock cryptico corrupts non-Latin-1). */
function text(size: number): string {
  return toHex(randomBytes(Math.ceil(size / 2))).slice(0, size);
}

function legacyRoundTrip(key: LegacyPrivateKey, size: number): () => void {
  const message = text(size);
  return () => {
    const opened = legacyDecrypt(legacyEncrypt(message, key.publicKey, key), key, key.publicKey);
    check(opened.plaintext === message && opened.signature === 'valid', 'legacy');
  };
}

function stockRoundTrip(stock: Cryptico, key: RSAKey, size: number): () => void {
  const message = text(size);
  const pub = stock.publicKeyString(key);
  return () => {
    const { cipher } = stock.encrypt(message, pub, key) as { cipher: string };
    const opened = stock.decrypt(cipher, key) as { plaintext: string; signature: string };
    check(opened.plaintext === message && opened.signature === 'verified', 'stock cryptico');
  };
}

export async function cryptoBench(log: Log = console.log): Promise<Record<string, unknown>> {
  const started = Date.now();
  const loadAverageBefore = Math.round(loadavg()[0]! * 100) / 100;
  const figures: Record<string, Figure> = {};
  const record = (name: string, f: Figure) => {
    figures[name] = f;
    log(`${name.padEnd(36)} median ${String(f.medianMs).padStart(9)} ms  (min ${f.minMs}, max ${f.maxMs}, ${f.runs} runs)`);
  };
  log('crypto bench: modern suite, hardened legacy suite, stock cryptico 1.0.2 baseline (signed messages)');
  const stock = loadStockCryptico();
  const stockKeys = new Map<number, RSAKey>();
  const legacyKeys = new Map<number, LegacyPrivateKey>();
  const bitSizes = [1024, 2048] as const satisfies readonly LegacyKeyBits[];
  const recordAll = (group: Record<string, Figure>) => Object.entries(group).forEach(([name, f]) => record(name, f));

  log('key generation (stock cryptico 2048 takes seconds per key)…');
  recordAll(
    await measureRounds(
      3,
      [
        { name: 'modern.keygen', fn: modernUser, perRound: 30 },
        ...bitSizes.map((bits) => ({
          name: `legacy.${bits}.keygen`,
          fn: async () => void legacyKeys.set(bits, await generateLegacyKey(bits)),
          perRound: bits === 1024 ? 3 : 1,
          warmup: false,
        })),
        // A CRYPT2CHAT user derives the key from a passphrase: a new one per run.
        ...bitSizes.map((bits) => ({
          name: `stock.${bits}.keygen`,
          fn: () => void stockKeys.set(bits, stock.generateRSAKey(toHex(randomBytes(16)), bits)),
          warmup: false,
        })),
      ],
      60_000,
    ),
  );

  const sender = await modernUser();
  const recipients = await Promise.all(Array.from({ length: 10 }, modernUser));
  log('200-byte messages…');
  recordAll(
    await measureRounds(
      10,
      [
        { name: 'modern.sealOpen.200B.1', fn: modernSealOpen(sender, recipients.slice(0, 1), SIZES['200B']), perRound: 10 },
        { name: 'modern.sealOpen.200B.10', fn: modernSealOpen(sender, recipients, SIZES['200B']), perRound: 3 },
        { name: 'modern.v2.sealOpen.200B.1', fn: modernV2SealOpen(sender, recipients.slice(0, 1), SIZES['200B']), perRound: 10 },
        { name: 'modern.v2.sealOpen.200B.10', fn: modernV2SealOpen(sender, recipients, SIZES['200B']), perRound: 3 },
        { name: 'modern.x25519', fn: x25519Agreement(sender, recipients[0]!), perRound: 10 },
        ...bitSizes.map((bits) => ({ name: `legacy.${bits}.encryptDecrypt.200B`, fn: legacyRoundTrip(legacyKeys.get(bits)!, SIZES['200B']) })),
        ...bitSizes.map((bits) => ({ name: `stock.${bits}.encryptDecrypt.200B`, fn: stockRoundTrip(stock, stockKeys.get(bits)!, SIZES['200B']) })),
      ],
      30_000,
    ),
  );

  log('64 KiB messages (cryptico takes about a second each way)…');
  recordAll(
    await measureRounds(
      3,
      [
        { name: 'modern.sealOpen.64KB.1', fn: modernSealOpen(sender, recipients.slice(0, 1), SIZES['64KB']), perRound: 10 },
        { name: 'modern.sealOpen.64KB.10', fn: modernSealOpen(sender, recipients, SIZES['64KB']), perRound: 5 },
        { name: 'modern.v2.sealOpen.64KB.1', fn: modernV2SealOpen(sender, recipients.slice(0, 1), SIZES['64KB']), perRound: 10 },
        ...bitSizes.map((bits) => ({
          name: `legacy.${bits}.encryptDecrypt.64KB`,
          fn: legacyRoundTrip(legacyKeys.get(bits)!, SIZES['64KB']),
          warmup: false,
        })),
      ],
      30_000,
    ),
  );

  log('key agreement of the chat handshake: classical X25519 against post-quantum X-Wing…');
  const kem = await kemTasks();
  recordAll(await measureRounds(10, Object.entries(kem).map(([name, fn]) => ({ name, fn, perRound: 10 })), 30_000));

  recordAll(await measureRounds(20, [{ name: 'modern.safetyNumber', fn: () => safetyNumber(sender.identity.publicKey, recipients[0]!.identity.publicKey) }], 15_000));

  const compare = (figure: string, baseline: string, target?: number): Comparison => {
    const ratio = Math.round((figures[baseline]!.medianMs / figures[figure]!.medianMs) * 10) / 10;
    return { figure, baseline, ratio, ...(target === undefined ? {} : { target, met: ratio >= target }) };
  };
  const comparisons = [
    compare('modern.sealOpen.200B.1', 'stock.2048.encryptDecrypt.200B', TARGETS.sealOpenVsStock2048),
    compare('modern.keygen', 'stock.2048.keygen', TARGETS.keygenVsStock2048),
    compare('modern.sealOpen.200B.1', 'legacy.2048.encryptDecrypt.200B'),
    compare('modern.v2.sealOpen.200B.1', 'legacy.2048.encryptDecrypt.200B'),
    compare('modern.sealOpen.64KB.1', 'legacy.2048.encryptDecrypt.64KB'),
    compare('modern.keygen', 'legacy.2048.keygen'),
    compare('legacy.2048.keygen', 'stock.2048.keygen'),
    compare('legacy.2048.encryptDecrypt.200B', 'stock.2048.encryptDecrypt.200B'),
    compare('legacy.1024.encryptDecrypt.200B', 'stock.1024.encryptDecrypt.200B'),
    // How many X25519 agreements a seal+open costs (v1 to one recipient does six, and two key generations; v2 two and one).
    compare('modern.x25519', 'modern.sealOpen.200B.1'),
    compare('modern.x25519', 'modern.v2.sealOpen.200B.1'),
  ];
  for (const c of comparisons) {
    const verdict = c.target === undefined ? '' : `  target ≥ ${c.target}×: ${c.met ? 'met' : 'MISSED'}`;
    log(`${c.figure} is ${c.ratio}× faster than ${c.baseline}${verdict}`);
  }
  const pqCost = hybridCost(figures);
  logHybridCost(pqCost, log);
  return {
    figures,
    comparisons,
    hybridCost: pqCost,
    // Other work on this shared 2-core machine skews every figure; the 1-minute load average shows how much.
    loadAverageBefore,
    loadAverageAfter: Math.round(loadavg()[0]! * 100) / 100,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
}

// Run directly (`npx tsx bench/crypto.ts`) as well as from bench/run.ts.
runIfMain(import.meta.url, 'crypto', cryptoBench);
