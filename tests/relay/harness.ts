// Test harness: runs the relay as a real process on a free loopback port with a temp data folder,
// and makes real identities (Ed25519 + signed prekey + public bundle line).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { fromBase64Url, toBase64Url } from '../../lib/bytes';
import { SIGNATURE_CONTEXT, generateIdentity, signWithContext, type IdentityKeyPair } from '../../lib/crypto/identity';
import { authMessage, relayOrigin } from '../../lib/protocol/relay';
import { generatePrekey, type PrekeyPair } from '../../lib/crypto/prekey';
import { encodePublicBundle } from '../../lib/crypto/public-bundle';
import { RelayClient, type RelayMessage, type WebSocketConstructor } from '../../lib/relay-client/client';
import { prebuilt } from '../prebuilt/paths';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningRelay {
  proc: ChildProcess;
  port: number;
  url: string;
  /** '' in cluster mode. */
  dataDir: string;
  /** The admin listener's port, when started with `--admin-port`. */
  adminPort?: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

const running = new Set<RunningRelay>();
const tempDirs: string[] = [];

export function tempDir(prefix = 'c2c-relay-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Another program to run than this run's bundle: an installed command, in its own folder and environment. */
export interface Installed {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Starts this run's bundle of the relay (tests/prebuilt/), or `installed`, the `c2c-relay` of a package;
 * `env` is added to its environment. `dataDir` null: no `--data` (cluster mode, tests/relay/cluster-harness.ts).
 */
export async function startRelay(
  args: string[] = [],
  dataDir: string | null = tempDir(),
  { installed, env = {} }: { installed?: Installed; env?: Record<string, string> } = {},
): Promise<RunningRelay> {
  const [command, program] = installed ? [installed.command, []] : [process.execPath, [prebuilt('relay')]];
  const data = dataDir === null ? [] : ['--data', dataDir];
  const proc = spawn(command, [...program, '--port', '0', ...data, ...args], {
    cwd: installed?.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...(installed?.env ?? process.env), ...env },
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const [port, adminPort] = await new Promise<[number, number | undefined]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${err}`)), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"event":"listening"[^\n]*"port":(\d+)(?:,"adminPort":(\d+))?/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve([Number(m[1]), m[2] === undefined ? undefined : Number(m[2])]);
      }
    });
    void exited.then((code) => reject(new Error(`relay exited (${code}): ${err}`)));
  });
  const relay: RunningRelay = {
    proc,
    port,
    url: `ws://127.0.0.1:${port}`,
    dataDir: dataDir ?? '',
    adminPort,
    stdout: () => out,
    stderr: () => err,
    exited,
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const code = await exited;
      running.delete(relay);
      return code;
    },
  };
  running.add(relay);
  return relay;
}

/** The relay's Prometheus text from its admin listener (start it with `--admin-port 0`). */
export async function metrics(relay: RunningRelay): Promise<string> {
  if (relay.adminPort === undefined) throw new Error('the relay was started without --admin-port');
  return (await fetch(`http://127.0.0.1:${relay.adminPort}/metrics`)).text();
}

/** The value of one sample (`name{labels}`) in Prometheus text; 0 when absent. */
export function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Kills every relay still running and removes temp folders (call from afterAll/afterEach). */
export async function cleanup(): Promise<void> {
  await Promise.all([...running].map((r) => r.kill('SIGKILL')));
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface C2CRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `c2c` command line (this run's bundle of the current sources, see tests/prebuilt/, or
 * `installed`) with `stdin`; `kill()` ends a long-running one such as listen.
 */
export function c2c(args: string[], stdin = '', installed?: Installed): { done: Promise<C2CRun>; kill(): void } {
  const [command, program] = installed ? [installed.command, []] : [process.execPath, [prebuilt('c2c')]];
  const proc = spawn(command, [...program, ...args], {
    cwd: installed?.cwd ?? ROOT,
    env: installed?.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdin.end(stdin);
  const done = new Promise<C2CRun>((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
  return { done, kill: () => proc.kill('SIGKILL') };
}

export interface TestIdentity {
  identity: IdentityKeyPair;
  prekey: PrekeyPair;
  bundle: string;
}

export async function makeIdentity(handle?: string, now?: number): Promise<TestIdentity> {
  const identity = await generateIdentity(true);
  const prekey = await generatePrekey(identity, { extractable: true, now });
  const bundle = encodePublicBundle({ identityKey: identity.publicKey, prekey, handle });
  return { identity, prekey, bundle };
}

export function client(url: string | string[], identity?: IdentityKeyPair): RelayClient {
  return new RelayClient({ url, identity, WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: false, requestTimeoutMs: 5000 });
}

/** A new identity registered as `handle` at `url` (or the first of the list that answers), with its client. */
export async function registered(url: string | string[], handle: string) {
  const id = await makeIdentity(handle);
  const c = client(url, id.identity);
  await c.connect();
  await c.register(handle, id.bundle);
  return { ...id, c };
}

/** Another person's key event in the log: a new identity registers as `handle` and leaves. */
export async function registerElsewhere(url: string | string[], handle: string): Promise<void> {
  (await registered(url, handle)).c.close();
}

/** The relay messages `c` receives from now on, in arrival order. */
export function inbox(c: RelayClient): RelayMessage[] {
  const got: RelayMessage[] = [];
  c.onMessage((m) => got.push(m));
  return got;
}

/** A raw protocol socket for hostile-input tests. */
export function rawSocket(url: string, protocol: string | null = 'c2c-relay.v1'): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocol ? [protocol] : []);
    const frames: (string | Buffer)[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data, isBinary) => frames.push(isBinary ? (data as Buffer) : data.toString()));
    ws.once('open', () => resolve({ ws, frames, closed }));
    ws.once('error', reject);
  });
}

export interface RawSocket {
  ws: WebSocket;
  frames: (string | Buffer)[];
  closed: Promise<{ code: number; reason: string }>;
}

/** Registers `handle` with a new identity, then opens a raw socket authenticated as it (challenge and ok read). */
export async function authed(url: string, handle: string, id?: TestIdentity): Promise<RawSocket> {
  id ??= await makeIdentity(handle);
  const c = client(url, id.identity);
  await c.connect();
  await c.register(handle, id.bundle);
  c.close();
  const sock = await rawSocket(url);
  const nonce = fromBase64Url((JSON.parse((await until(() => sock.frames[0])) as string) as { nonce: string }).nonce);
  const sig = await signWithContext(id.identity.privateKey, SIGNATURE_CONTEXT.relayAuth, authMessage(nonce, relayOrigin(url)));
  sock.ws.send(JSON.stringify({ t: 'auth', id: 1, key: toBase64Url(id.identity.publicKey), sig: toBase64Url(sig) }));
  await until(() => sock.frames[1]);
  return sock;
}

/**
 * Sends with `send` until `heard` (a listener waiting for one message) settles: the relay accepts a frame
 * whether or not the recipient is connected yet, so the first ones may go out before the listener is there.
 */
export async function sendUntilHeard<T>(send: () => Promise<T>, heard: Promise<unknown>, timeoutMs = 20_000): Promise<T[]> {
  let done = false;
  const settled = heard.then(
    () => (done = true),
    () => (done = true),
  );
  const deadline = Date.now() + timeoutMs;
  const results: T[] = [];
  while (!done) {
    if (Date.now() > deadline) throw new Error('the listener heard nothing in time');
    results.push(await send());
    await Promise.race([settled, new Promise((r) => setTimeout(r, 500))]);
  }
  return results;
}

type Falsy = undefined | null | false;
export async function until<T>(fn: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A loopback port nothing listens on now: a relay or proxy that is down, or one to start a server on. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
