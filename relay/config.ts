// Relay options: every limit is a flag with a documented default (docs/PROTOCOL.md "Limits").
import { parseArgs } from 'node:util';
import { parseTestFault, type TestFault } from './test-faults';

export interface RelayOptions {
  host: string;
  port: number;
  dataDir: string;
  /** Origins auth signatures must name; empty = derived from host and port. */
  publicUrls: string[];
  maxFrame: number;
  rate: number; // frames per second per connection, 0 = unlimited
  burst: number;
  byteRate: number; // bytes per second per connection (burst 2×), 0 = unlimited
  maxRooms: number;
  maxConnsPerIp: number;
  idleTimeoutMs: number;
  heartbeatMs: number;
  maxBuffered: number;
  revocationPollMs: number;
  /** Names a new key log (its checkpoints' origin line); an existing log keeps its name. */
  logOrigin?: string;
  /** A deliberate misbehaviour for tests (test-faults.ts); null in every real run. */
  testFault: TestFault | null;
}

export const DEFAULTS: RelayOptions = {
  host: '127.0.0.1',
  port: 8787,
  dataDir: './.c2c-relay',
  publicUrls: [],
  maxFrame: 128 * 1024,
  rate: 500,
  burst: 1000,
  byteRate: 4 * 1024 * 1024,
  maxRooms: 64,
  maxConnsPerIp: 64,
  idleTimeoutMs: 300_000,
  heartbeatMs: 30_000,
  maxBuffered: 1024 * 1024,
  revocationPollMs: 250,
  testFault: null,
};

function count(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
}

export function parseRelayArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RelayOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      data: { type: 'string' },
      'public-url': { type: 'string', multiple: true },
      'max-frame': { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'string' },
      'byte-rate': { type: 'string' },
      'max-rooms': { type: 'string' },
      'max-conns-per-ip': { type: 'string' },
      'idle-timeout': { type: 'string' },
      heartbeat: { type: 'string' },
      'max-buffered': { type: 'string' },
      'revocation-poll': { type: 'string' },
      'log-origin': { type: 'string' },
      'test-fault': { type: 'string' },
    },
  });
  const d = DEFAULTS;
  return {
    host: values.host ?? d.host,
    port: count('port', values.port, d.port),
    dataDir: values.data ?? d.dataDir,
    publicUrls: values['public-url'] ?? [],
    maxFrame: count('max-frame', values['max-frame'], d.maxFrame, 64),
    rate: count('rate', values.rate, d.rate),
    burst: count('burst', values.burst, d.burst),
    byteRate: count('byte-rate', values['byte-rate'], d.byteRate),
    maxRooms: count('max-rooms', values['max-rooms'], d.maxRooms, 1),
    maxConnsPerIp: count('max-conns-per-ip', values['max-conns-per-ip'], d.maxConnsPerIp, 1),
    idleTimeoutMs: count('idle-timeout', values['idle-timeout'], d.idleTimeoutMs / 1000, 1) * 1000,
    heartbeatMs: count('heartbeat', values.heartbeat, d.heartbeatMs / 1000, 1) * 1000,
    maxBuffered: count('max-buffered', values['max-buffered'], d.maxBuffered, 1024),
    revocationPollMs: count('revocation-poll', values['revocation-poll'], d.revocationPollMs, 10),
    logOrigin: values['log-origin'],
    testFault: values['test-fault'] === undefined ? null : parseTestFault(values['test-fault'], env),
  };
}
