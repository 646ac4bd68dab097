// Relay options: every limit is a flag with a documented default (docs/PROTOCOL.md "Limits").
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { LOG_KEY_FILE } from './log-key';
import { parseTestFault, type TestFault } from './test-faults';

export interface RelayOptions {
  host: string;
  port: number;
  dataDir: string;
  /** Cluster mode: the shared store and broker (both or neither), and the log key file every node shares. */
  cluster: { postgres: string; redis: string; logKeyFile: string } | null;
  /** With --postgres: apply the schema migrations the database lacks, then exit. */
  migrate: boolean;
  /** Origins auth signatures must name; empty = derived from host and port. */
  publicUrls: string[];
  maxFrame: number;
  rate: number; // frames per second per connection, 0 = unlimited
  burst: number;
  byteRate: number; // bytes per second per connection (burst 2×), 0 = unlimited
  maxRooms: number;
  maxConnsPerIp: number;
  maxConns: number;
  /** An unauthenticated connection is closed this long after it opened or made its last lookup. */
  authTimeoutMs: number;
  /** Lookups an unauthenticated connection may make. */
  unauthLookups: number;
  registerRate: number; // registrations per minute per IP prefix (/24, /56), 0 = unlimited
  registerRateGlobal: number; // registrations per minute in all, 0 = unlimited
  mailboxRate: number; // mailbox frames per second per (sender, recipient), burst 5×, 0 = unlimited
  recipientRate: number; // mailbox frames per second per recipient, burst 5×, 0 = unlimited
  idleTimeoutMs: number;
  heartbeatMs: number;
  maxBuffered: number;
  revocationPollMs: number;
  /** The admin listener (/metrics, /healthz); none when adminPort is undefined. */
  adminHost: string;
  adminPort?: number;
  /** Names a new key log (its checkpoints' origin line); an existing log keeps its name. */
  logOrigin?: string;
  /** A deliberate misbehaviour for tests (test-faults.ts); null in every real run. */
  testFault: TestFault | null;
}

export const DEFAULTS: RelayOptions = {
  host: '127.0.0.1',
  port: 8787,
  dataDir: './.c2c-relay',
  cluster: null,
  migrate: false,
  publicUrls: [],
  maxFrame: 128 * 1024,
  rate: 500,
  burst: 1000,
  byteRate: 4 * 1024 * 1024,
  maxRooms: 64,
  maxConnsPerIp: 64,
  maxConns: 20_000,
  authTimeoutMs: 10_000,
  unauthLookups: 32,
  registerRate: 30,
  registerRateGlobal: 1200,
  mailboxRate: 20,
  recipientRate: 100,
  idleTimeoutMs: 300_000,
  heartbeatMs: 30_000,
  maxBuffered: 1024 * 1024,
  revocationPollMs: 250,
  adminHost: '127.0.0.1',
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
      'max-conns': { type: 'string' },
      'auth-timeout': { type: 'string' },
      'unauth-lookups': { type: 'string' },
      'register-rate': { type: 'string' },
      'register-rate-global': { type: 'string' },
      'mailbox-rate': { type: 'string' },
      'recipient-rate': { type: 'string' },
      'idle-timeout': { type: 'string' },
      heartbeat: { type: 'string' },
      'max-buffered': { type: 'string' },
      'revocation-poll': { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-port': { type: 'string' },
      'log-origin': { type: 'string' },
      'test-fault': { type: 'string' },
      postgres: { type: 'string' },
      redis: { type: 'string' },
      'log-key': { type: 'string' },
      migrate: { type: 'boolean' },
    },
  });
  const d = DEFAULTS;
  const cluster = clusterOptions(values);
  return {
    host: values.host ?? d.host,
    port: count('port', values.port, d.port),
    dataDir: values.data ?? d.dataDir,
    cluster,
    migrate: values.migrate ?? false,
    publicUrls: values['public-url'] ?? [],
    maxFrame: count('max-frame', values['max-frame'], d.maxFrame, 64),
    rate: count('rate', values.rate, d.rate),
    burst: count('burst', values.burst, d.burst),
    byteRate: count('byte-rate', values['byte-rate'], d.byteRate),
    maxRooms: count('max-rooms', values['max-rooms'], d.maxRooms, 1),
    maxConnsPerIp: count('max-conns-per-ip', values['max-conns-per-ip'], d.maxConnsPerIp, 1),
    maxConns: count('max-conns', values['max-conns'], d.maxConns, 1),
    authTimeoutMs: count('auth-timeout', values['auth-timeout'], d.authTimeoutMs / 1000, 1) * 1000,
    unauthLookups: count('unauth-lookups', values['unauth-lookups'], d.unauthLookups),
    registerRate: count('register-rate', values['register-rate'], d.registerRate),
    registerRateGlobal: count('register-rate-global', values['register-rate-global'], d.registerRateGlobal),
    mailboxRate: count('mailbox-rate', values['mailbox-rate'], d.mailboxRate),
    recipientRate: count('recipient-rate', values['recipient-rate'], d.recipientRate),
    idleTimeoutMs: count('idle-timeout', values['idle-timeout'], d.idleTimeoutMs / 1000, 1) * 1000,
    heartbeatMs: count('heartbeat', values.heartbeat, d.heartbeatMs / 1000, 1) * 1000,
    maxBuffered: count('max-buffered', values['max-buffered'], d.maxBuffered, 1024),
    revocationPollMs: count('revocation-poll', values['revocation-poll'], d.revocationPollMs, 10),
    adminHost: values['admin-host'] ?? d.adminHost,
    adminPort: values['admin-port'] === undefined ? undefined : count('admin-port', values['admin-port'], 0),
    logOrigin: values['log-origin'],
    testFault: values['test-fault'] === undefined ? null : parseTestFault(values['test-fault'], env),
  };
}

/** A URL with one of `schemes`; the message never repeats the URL (it may hold a password). */
function serviceUrl(flag: string, text: string, schemes: string[]): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--${flag} is not a URL (expected ${schemes[0]}://HOST:PORT/…)`);
  }
  if (!schemes.includes(url.protocol.slice(0, -1))) throw new Error(`--${flag} must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL`);
  return text;
}

function clusterOptions(values: Record<string, string | boolean | string[] | undefined>): RelayOptions['cluster'] {
  const { postgres, redis, data, migrate } = values as { postgres?: string; redis?: string; data?: string; migrate?: boolean };
  const logKey = values['log-key'] as string | undefined;
  if (postgres === undefined && redis === undefined) {
    if (migrate || logKey !== undefined) throw new Error('--migrate and --log-key need --postgres URL --redis URL');
    return null;
  }
  if (data !== undefined) throw new Error('--data is for the embedded store; cluster mode (--postgres, --redis) keeps no data folder');
  if (values['test-fault'] !== undefined) throw new Error('--test-fault needs the embedded store (--data)');
  if (postgres === undefined) throw new Error('cluster mode needs --postgres URL as well as --redis URL');
  if (redis === undefined && !migrate) throw new Error('cluster mode needs --redis URL as well as --postgres URL');
  return {
    postgres: serviceUrl('postgres', postgres, ['postgres', 'postgresql']),
    redis: redis === undefined ? '' : serviceUrl('redis', redis, ['redis', 'rediss']),
    logKeyFile: logKey ?? join(DEFAULTS.dataDir, LOG_KEY_FILE),
  };
}
