// Client → relay: the relay's own frame handling (relay/server.ts), driven in process through the same
// entry a WebSocket connection uses, over a real SQLite directory. Each input is one connection's frames:
// a valid session (auth signed over the relay's challenge, register, lookup, rotate, key change, join,
// room and mailbox data frames, leave, ping) with some frames mutated, dropped, repeated or reordered.
// Every answer must be a valid relay frame, every close one of the protocol's codes, and nothing may end
// in an 'internal' answer, an error log line or an unhandled rejection.
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBase64Url, toBase64Url, toHex, utf8 } from '../../lib/bytes';
import { SIGNATURE_CONTEXT, signWithContext } from '../../lib/crypto/identity';
import { generatePrekey } from '../../lib/crypto/prekey';
import { encodePublicBundle } from '../../lib/crypto/public-bundle';
import {
  CLOSE, DATA, ServerFrame, authMessage, decodeDataFrame, encodeDataFrame, keyChangeMessage, registerMessage,
} from '../../lib/protocol/relay';
import { DEFAULTS } from '../../relay/config';
import { SqliteDirectory } from '../../relay/directory';
import { Relay } from '../../relay/server';
import { bundleOf, makeUser, type TestUser } from '../../tests/unit/crypto/fixtures';
import { check, type Target } from '../engine';
import { mutateBytes, mutateJson, mutateText, shrinkText } from '../mutate';
import type { Rng } from '../rng';

export type Step = { kind: 'auth' } | { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array };

const ORIGIN = 'ws://127.0.0.1:8787';
const CLOSE_CODES = new Set<number>(Object.values(CLOSE));
const PIECES = ['"t"', '"id"', '"auth"', '"register"', '"join"', '"leave"', '"ping"', '"rotate"', '"key-change"', '"lookup"', 'alice', '-', '_', '='];

/** The part of a `ws` WebSocket the relay uses, recording what it sends. */
class FakeSocket extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: (string | Uint8Array)[] = [];
  closeCode: number | null = null;
  send(data: string | Uint8Array): void {
    this.sent.push(data);
  }
  close(code: number): void {
    if (this.readyState !== 1) return;
    this.readyState = 2;
    this.closeCode = code;
  }
  terminate(): void {
    this.readyState = 3;
  }
  ping(): void {}
}

/** What the fuzz reaches of the relay's private connection handling (the same calls a real upgrade makes). */
interface RelayInside {
  connected(ws: FakeSocket, ip: string): void;
  conns: Set<{ ws: FakeSocket; queue: Promise<void> | null }>;
}

/** One connection: who connects (alice registers "alice"; dave may take over "carol") and the frames it sends. */
interface Input {
  who: 'alice' | 'dave';
  steps: Step[];
}

export const relayServerTarget: Target<Input> = {
  name: 'relay-server',
  covers: 'the relay\'s frame handling (relay/server.ts onFrame: ClientRequest schema, binary data-frame header, auth, directory requests, rooms, mailboxes) on mutated sessions; answers parse as ServerFrame, no internal errors',
  smoke: 3_000,
  async setup() {
    // In memory where the system has a tmpfs: the fuzz needs no durability, and fsync would set its pace.
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'c2c-fuzz-relay-'));
    const directory = new SqliteDirectory(dir);
    const relay = new Relay({ ...DEFAULTS, publicUrls: [ORIGIN], rate: 0, byteRate: 0, idleTimeoutMs: 3_600_000 }, directory);
    const inside = relay as unknown as RelayInside;
    const [alice, bob, carol, dave] = await Promise.all([makeUser({ handle: 'alice' }), makeUser({ handle: 'bobby' }), makeUser(), makeUser()]);
    const room = toBase64Url(new Uint8Array(16).fill(5));
    const line = (u: TestUser) => encodePublicBundle(u.bundle);
    const registration = async (u: TestUser, handle: string) => ({
      t: 'register', id: 2, handle, bundle: line(u), sig: toBase64Url(await signWithContext(u.identity.privateKey, SIGNATURE_CONTEXT.relayRegister, registerMessage(handle, line(u)))),
    });
    const newer = await generatePrekey(alice.identity, { now: Date.now() + 1000 });
    const rotated = encodePublicBundle(bundleOf(alice.identity, newer, 'alice'));
    // carol owns "carol"; a key change hands it to dave, signed by carol's key.
    const statement = toBase64Url(await signWithContext(carol.identity.privateKey, SIGNATURE_CONTEXT.keyChange, keyChangeMessage('carol', carol.identity.publicKey, dave.identity.publicKey)));
    const json = (v: unknown): Step => ({ kind: 'text', text: JSON.stringify(v) });
    const data = (type: number, target: Uint8Array, ref: number): Step => ({ kind: 'binary', bytes: encodeDataFrame(type, ref, target, utf8('payload bytes')) });
    const sessions: Step[][] = [
      [{ kind: 'auth' }, json(await registration(alice, 'alice')), json({ t: 'lookup', id: 3, handle: 'bobby' }), json({ t: 'join', id: 4, room }),
        data(DATA.toRoom, fromBase64Url(room), 7), data(DATA.toHandle, utf8('bobby'), 8), json({ t: 'leave', id: 5, room }), json({ t: 'ping', id: 6 })],
      [{ kind: 'auth' }, json({ t: 'rotate', id: 2, bundle: rotated }), json({ t: 'ping', id: 3 })],
      [json({ t: 'lookup', id: 1, handle: 'alice' }), data(DATA.toHandle, utf8('alice'), 1), { kind: 'auth' }, json({ t: 'ping', id: 2 })],
    ];
    const changeKey: Step[] = [{ kind: 'auth' }, json({ t: 'key-change', id: 2, handle: 'carol', bundle: line(dave), statement })];
    const donors = sessions.flat().flatMap((s) => (s.kind === 'text' ? [JSON.parse(s.text) as unknown] : []));
    const binaryDonors = sessions.flat().flatMap((s) => (s.kind === 'binary' ? [s.bytes] : []));

    let errorsLogged = 0;
    let unhandled = 0;
    const onUnhandled = () => unhandled++;
    process.on('unhandledRejection', onUnhandled);
    const write = process.stdout.write.bind(process.stdout);
    // The relay logs every refusal on stdout; an error line means a handler met an unexpected exception.
    const quiet = ((chunk: string | Uint8Array) => {
      if (String(chunk).includes('"level":"error"')) errorsLogged++;
      return true;
    }) as typeof process.stdout.write;

    /** One connection as `who`: feeds the steps, waits for each answer, then closes. */
    const connect = async (who: TestUser, steps: Step[]): Promise<FakeSocket> => {
      const ws = new FakeSocket();
      inside.connected(ws, '127.0.0.1');
      const conn = [...inside.conns].find((c) => c.ws === ws)!;
      const nonce = fromBase64Url((JSON.parse(ws.sent[0] as string) as { nonce: string }).nonce);
      for (const step of steps) {
        if (ws.readyState !== 1) break;
        let frame: Buffer;
        if (step.kind === 'auth') {
          const sig = await signWithContext(who.identity.privateKey, SIGNATURE_CONTEXT.relayAuth, authMessage(nonce, ORIGIN));
          frame = Buffer.from(JSON.stringify({ t: 'auth', id: 1, key: toBase64Url(who.identity.publicKey), sig: toBase64Url(sig) }));
        } else frame = Buffer.from(step.kind === 'text' ? utf8(step.text) : step.bytes);
        ws.emit('message', frame, step.kind === 'binary');
        for (let q = conn.queue; q; q = conn.queue) await q;
      }
      ws.readyState = 3;
      ws.emit('close');
      return ws;
    };

    await runQuietly(write, quiet, async () => {
      await connect(carol, [{ kind: 'auth' }, json(await registration(carol, 'carol'))]);
    });
    // bob stays connected in the room and at his mailbox, to receive what the fuzzed connections send.
    const listener = await runQuietly(write, quiet, () => listen(inside, bob, registration, room));

    return {
      generate(rng) {
        const rekey = rng.chance(0.05);
        return { who: rekey ? 'dave' : 'alice', steps: mutateSession(rng, rekey ? changeKey : rng.pick(sessions), donors, binaryDonors) };
      },
      async run({ who, steps }) {
        const beforeErrors = errorsLogged;
        const beforeUnhandled = unhandled;
        listener.sent.length = 0;
        const ws = await runQuietly(write, quiet, () => connect(who === 'alice' ? alice : dave, steps));
        await new Promise((resolve) => setImmediate(resolve));
        for (const out of ws.sent.slice(1)) checkServerOutput(out);
        for (const out of listener.sent) checkServerOutput(out);
        check(ws.closeCode === null || CLOSE_CODES.has(ws.closeCode), `the relay closed with an unknown code ${ws.closeCode}`);
        if (errorsLogged > beforeErrors) throw new Error('the relay logged an error while handling these frames');
        if (unhandled > beforeUnhandled) throw new Error('the relay left a promise rejection unhandled');
      },
      *shrink({ who, steps }) {
        for (let i = 0; i < steps.length; i++) yield { who, steps: steps.filter((_, j) => j !== i) };
        for (let i = 0; i < steps.length; i++) {
          const s = steps[i]!;
          if (s.kind === 'text') for (const text of shrinkText(s.text)) yield { who, steps: steps.map((x, j) => (j === i ? { kind: 'text' as const, text } : x)) };
        }
      },
      show: ({ who, steps }) => `as ${who}: ${JSON.stringify(steps.map((s) => (s.kind === 'binary' ? { kind: 'binary', hex: toHex(s.bytes) } : s)))}`,
      async close() {
        process.off('unhandledRejection', onUnhandled);
        await relay.stop().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

async function runQuietly<T>(write: typeof process.stdout.write, quiet: typeof process.stdout.write, fn: () => Promise<T>): Promise<T> {
  process.stdout.write = quiet;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

/** bob: registered, in the room and at his mailbox for the rest of the run. */
async function listen(
  inside: RelayInside,
  bob: TestUser,
  registration: (u: TestUser, handle: string) => Promise<object>,
  room: string,
): Promise<FakeSocket> {
  const ws = new FakeSocket();
  inside.connected(ws, '127.0.0.1');
  const conn = [...inside.conns].find((c) => c.ws === ws)!;
  const nonce = fromBase64Url((JSON.parse(ws.sent[0] as string) as { nonce: string }).nonce);
  const sig = await signWithContext(bob.identity.privateKey, SIGNATURE_CONTEXT.relayAuth, authMessage(nonce, ORIGIN));
  for (const frame of [
    { t: 'auth', id: 1, key: toBase64Url(bob.identity.publicKey), sig: toBase64Url(sig) },
    await registration(bob, 'bobby'),
    { t: 'join', id: 3, room },
  ]) {
    ws.emit('message', Buffer.from(JSON.stringify(frame)), false);
    for (let q = conn.queue; q; q = conn.queue) await q;
  }
  check(ws.sent.length === 4 && ws.readyState === 1, 'the listening connection was not set up');
  return ws;
}

/** Anything the relay sends: a JSON frame that parses as ServerFrame, or a relay → client data frame. */
function checkServerOutput(out: string | Uint8Array): void {
  if (typeof out === 'string') {
    const parsed = ServerFrame.safeParse(JSON.parse(out));
    check(parsed.success, `the relay sent a frame that is not a valid ServerFrame: ${out.slice(0, 200)}`);
    check(!(parsed.data.t === 'error' && parsed.data.code === 'internal'), 'the relay answered "internal" (an unexpected exception)');
    return;
  }
  const f = decodeDataFrame(out);
  check(f && (f.type === DATA.fromRoom || f.type === DATA.fromHandle) && f.ref === 0, 'the relay delivered a malformed data frame');
}

function mutateSession(rng: Rng, base: Step[], donors: unknown[], binaryDonors: Uint8Array[]): Step[] {
  const steps = base.slice();
  for (let edits = rng.small(3); edits > 0 && steps.length > 0; edits--) {
    const i = rng.int(steps.length);
    const s = steps[i]!;
    switch (rng.int(6)) {
      case 0: // drop a frame
        steps.splice(i, 1);
        break;
      case 1: // repeat one
        steps.splice(i, 0, s);
        break;
      case 2: // move one
        steps.splice(rng.int(steps.length), 0, ...steps.splice(i, 1));
        break;
      default: // change one
        if (s.kind === 'text') {
          const value = parseOr(s.text);
          steps[i] = {
            kind: 'text',
            text: mutateJson(rng, s.text, value, PIECES, donors),
          };
        } else if (s.kind === 'binary') steps[i] = { kind: 'binary', bytes: mutateBytes(rng, s.bytes, binaryDonors) };
        else steps[i] = rng.chance(0.5) ? { kind: 'binary', bytes: rng.bytes(rng.int(40)) } : { kind: 'text', text: mutateText(rng, '{"t":"auth","id":1}', PIECES) };
    }
  }
  return steps;
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
