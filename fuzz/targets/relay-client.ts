// Relay → client: the relay client (lib/relay-client) fed what a hostile relay could send on an open
// connection, through an in-process WebSocket: the challenge, answers to a lookup, a join and a mailbox send
// (ok, error, accepted, undelivered), and room and mailbox data frames, each possibly mutated. The client must
// never throw from its message handler, must close with 4400 on a frame that is not a valid ServerFrame,
// settle every request with a value of the right shape or a RelayError, and pass on only well-formed data.
import { toHex, utf8 } from '../../lib/bytes';
import { CLOSE, DATA, ServerFrame, encodeDataFrame } from '../../lib/protocol/relay';
import { RelayClient, RelayError, type RelayMessage, type WebSocketLike } from '../../lib/relay-client/client';
import { check, type Target } from '../engine';
import { mutateBytes, mutateJson, shrinkText } from '../mutate';

type Frame = { text: string } | { bytes: Uint8Array };

const PIECES = ['"t"', '"id"', '"ok"', '"error"', '"accepted"', '"undelivered"', '"challenge"', '"ref"', '"handle"', '"bundle"', 'null', '1', '2'];

/** An in-process WebSocket: records what the client sends and how it closes. */
class FakeSocket implements WebSocketLike {
  static last: FakeSocket | null = null;
  readyState = 1;
  binaryType = 'arraybuffer';
  readonly sent: (string | Uint8Array)[] = [];
  closeCode: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor() {
    FakeSocket.last = this;
  }
  send(data: string | Uint8Array): void {
    this.sent.push(data);
  }
  close(code = 1000, reason = ''): void {
    if (this.readyState !== 1) return;
    this.readyState = 3;
    this.closeCode = code;
    this.onclose?.({ code, reason });
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

export const relayClientTarget: Target<Frame[]> = {
  name: 'relay-client',
  covers: 'RelayClient\'s handling of relay frames (ServerFrame schema, answers to pending requests, data-frame header) on mutated relay sessions; malformed frames close with 4400, requests settle well-typed',
  smoke: 5_000,
  async setup() {
    const nonce = 'A'.repeat(43);
    const bundle = 'c2cpub1.' + 'A'.repeat(200);
    const text = (v: unknown): Frame => ({ text: JSON.stringify(v) });
    const seed: Frame[] = [
      text({ t: 'challenge', v: 1, nonce }),
      text({ t: 'ok', id: 1, handle: 'bobby', bundle }),
      text({ t: 'ok', id: 2, present: 1 }),
      text({ t: 'accepted', ref: 1 }),
      text({ t: 'error', id: 3, code: 'not-member', message: 'join first' }),
      text({ t: 'undelivered', ref: 2, code: 'rate-limited', message: 'slow down' }),
      { bytes: encodeDataFrame(DATA.fromRoom, 0, new Uint8Array(16).fill(1), utf8('room payload')) },
      { bytes: encodeDataFrame(DATA.fromHandle, 0, utf8('alice'), utf8('mail')) },
    ];
    const donors = seed.flatMap((f) => ('text' in f ? [JSON.parse(f.text) as unknown] : []));
    const binaryDonors = seed.flatMap((f) => ('bytes' in f ? [f.bytes] : []));
    return {
      generate(rng) {
        const frames = seed.slice();
        for (let edits = rng.small(4); edits > 0 && frames.length > 0; edits--) {
          const i = rng.int(frames.length);
          const f = frames[i]!;
          switch (rng.int(5)) {
            case 0:
              frames.splice(i, 1);
              break;
            case 1:
              frames.splice(rng.int(frames.length), 0, f);
              break;
            default:
              frames[i] = 'bytes' in f
                ? { bytes: mutateBytes(rng, f.bytes, binaryDonors) }
                : { text: mutateJson(rng, f.text, parseOr(f.text), PIECES, donors) };
          }
        }
        return frames;
      },
      async run(frames) {
        const client = new RelayClient({ url: 'ws://127.0.0.1:8787', WebSocket: FakeSocket, reconnect: false, requestTimeoutMs: 60_000 });
        const received: RelayMessage[] = [];
        client.onMessage((m) => received.push(m));
        // Each request's outcome, caught at once (a rejection is checked below, not left unhandled).
        const outcomes: Promise<unknown>[] = [];
        const track = (...ps: Promise<unknown>[]) => outcomes.push(...ps.map((p) => p.then(() => undefined, (e: unknown) => e ?? new Error('rejected without a reason'))));
        track(client.connect());
        const ws = FakeSocket.last!;
        let invalid = false;
        for (const [n, frame] of frames.entries()) {
          if (ws.readyState !== 1) break;
          if ('text' in frame) {
            invalid ||= !isServerFrame(frame.text);
            ws.onmessage!({ data: frame.text });
          } else ws.onmessage!({ data: frame.bytes.slice().buffer });
          if (n === 0) {
            // Once open: a lookup (id 1), a join (id 2), a leave (id 3) and two mailbox sends (refs 1, 2).
            await tick();
            if (ws.readyState === 1) {
              track(
                client.lookup('bobby').then((r) => check(typeof r.handle === 'string' && r.handle !== '' && typeof r.bundle === 'string', 'a lookup resolved without a handle and key')),
                client.joinRoom(new Uint8Array(16)).then((n) => check(Number.isSafeInteger(n) && n >= 0, 'a join resolved with a bad count')),
                client.leaveRoom(new Uint8Array(16).fill(9)),
                client.sendToHandle('bobby', utf8('hi')).then((v) => check(v === undefined, 'a send resolved with a value')),
                client.sendToHandle('bobby', utf8('hi')),
              );
            }
          }
          await tick();
        }
        if (invalid) check(ws.closeCode === CLOSE.malformed, `a frame that is not a valid ServerFrame did not close the connection with 4400 (closed: ${ws.closeCode})`);
        for (const m of received) {
          if (m.kind === 'room') check(m.room.length >= 16 && m.room.length <= 32, 'a room frame with a bad room id was passed on');
          else check(typeof m.from === 'string' && m.from.length >= 3 && m.from.length <= 32, 'a mailbox frame with a bad sender was passed on');
        }
        client.close();
        for (const e of await Promise.all(outcomes)) if (e !== undefined && !(e instanceof RelayError)) throw e;
      },
      *shrink(frames) {
        for (let i = 0; i < frames.length; i++) yield frames.filter((_, j) => j !== i);
        for (let i = 0; i < frames.length; i++) {
          const f = frames[i]!;
          if ('text' in f) for (const t of shrinkText(f.text)) yield frames.map((x, j) => (j === i ? { text: t } : x));
        }
      },
      show: (frames) => JSON.stringify(frames.map((f) => ('bytes' in f ? { hex: toHex(f.bytes) } : f))),
    };
  },
  typedErrors: [RelayError],
};

function isServerFrame(text: string): boolean {
  try {
    return ServerFrame.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
