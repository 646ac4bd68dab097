// Secure-chat frames: decodeFrame() and decodeContent() on mutated frames and contents (accepted ones
// encode back the same), and a live session (after a real Noise handshake) fed mutated handshake and
// message frames of its peer: no changed frame ever shows a message, and every refusal is a typed error.
import { equalBytes, toHex } from '../../lib/bytes';
import { C2CError } from '../../lib/errors';
import { generateIdentity } from '../../lib/crypto/identity';
import { decodeContent, encodeContent } from '../../lib/chat/content';
import { decodeFrame, encodeFrame } from '../../lib/chat/frame';
import { createChatSession, type ChatSession } from '../../lib/chat/session';
import { check, type Target } from '../engine';
import { mutateBytes, shrinkBytes } from '../mutate';

type Layer = 'frame' | 'content' | 'session';

interface Input {
  layer: Layer;
  seed: number;
  bytes: Uint8Array;
}

/** The reason a session gives for an exception that was not one of our typed errors (session.ts toChatError). */
const UNTYPED_REASON = 'a chat frame could not be processed';

interface Pair {
  receiver: ChatSession;
  shown: string[];
  untyped: number;
  /** The refusals of the last frame, as typed errors. */
  errors: C2CError[];
  close(): void;
}

/** Two sessions that finished their handshake; the sender's frames (handshake and texts) are recorded. */
async function openPair(texts: string[]): Promise<{ pair: Pair; frames: Uint8Array[] }> {
  const [a, b] = await Promise.all([generateIdentity(), generateIdentity()]);
  const roomId = new Uint8Array(16).fill(3);
  const wire: { to: 'a' | 'b'; frame: Uint8Array }[] = [];
  const fromA: Uint8Array[] = [];
  const sa = createChatSession({ identity: a, peerIdentityKey: b.publicKey, roomId, retryMs: 60_000, send: (frame) => (fromA.push(frame), wire.push({ to: 'b', frame })) });
  const sb = createChatSession({ identity: b, peerIdentityKey: a.publicKey, roomId, retryMs: 60_000, send: (frame) => wire.push({ to: 'a', frame }) });
  await Promise.all([sa.start(), sb.start()]);
  while (wire.length > 0) {
    const { to, frame } = wire.shift()!;
    await (to === 'a' ? sa : sb).receive(frame);
  }
  check(sa.state === 'open' && sb.state === 'open', 'the chat handshake did not finish');
  // Texts the receiver has not seen yet: a changed copy must never show one.
  for (const text of texts) await sa.sendText(text);
  const pair: Pair = { receiver: sb, shown: [], untyped: 0, errors: [], close: () => (sa.destroy(), sb.destroy()) };
  sb.on('message', (m) => pair.shown.push(m.text));
  sb.on('error', (e) => {
    if (e.reason === UNTYPED_REASON) pair.untyped++;
    else pair.errors.push(new C2CError(e.code, e.reason));
  });
  return { pair, frames: fromA.slice() };
}

export const chatTarget: Target<Input> = {
  name: 'chat',
  covers: 'decodeFrame() and decodeContent() on mutated frames/contents (accepted ones round-trip) and ChatSession.receive() with mutated handshake and message frames (never shows a changed message, only typed errors)',
  smoke: 5_000,
  async setup() {
    const texts = ['hello', 'привет 👋', 'x'.repeat(600)];
    let { pair, frames } = await openPair(texts);
    const contents = [encodeContent({ kind: 'end' }), ...texts.map((text, i) => encodeContent({ kind: 'text', seq: i, id: new Uint8Array(8).fill(i), ttlMs: i * 1000, text }))];
    const pools: Record<Layer, Uint8Array[]> = { frame: frames, content: contents, session: frames };
    return {
      generate(rng) {
        const layer = rng.pick(['frame', 'content', 'session', 'session'] as const);
        const seed = rng.int(pools[layer].length);
        return { layer, seed, bytes: mutateBytes(rng, pools[layer][seed]!, pools[layer]) };
      },
      async run({ layer, bytes }) {
        if (layer === 'frame') {
          const f = decodeFrame(bytes);
          check(equalBytes(encodeFrame(f.version, f.type, f.sessionId, f.body), bytes), 'a decoded chat frame does not encode back to its bytes');
          return;
        }
        if (layer === 'content') {
          const c = decodeContent(bytes);
          check(JSON.stringify(decodeContent(encodeContent(c)), replacer) === JSON.stringify(c, replacer), 'decoded chat content does not round-trip');
          return;
        }
        // One of the recorded frames, unchanged or spliced in whole from the donors: delivering it would rightly
        // show its text (and consume it), so only changed frames are delivered.
        if (frames.some((f) => equalBytes(f, bytes))) return;
        if (pair.receiver.state === 'ended') {
          pair.close();
          ({ pair, frames } = await openPair(texts));
          pools.frame = pools.session = frames;
        }
        const before = pair.untyped;
        pair.errors = [];
        pair.shown = [];
        await pair.receiver.receive(bytes);
        check(pair.shown.length === 0, `a changed chat frame showed a message: ${JSON.stringify(pair.shown)}`);
        if (pair.untyped > before) throw new Error('ChatSession.receive met an exception that is not a typed error');
        if (pair.errors[0]) throw pair.errors[0];
      },
      *shrink(input) {
        for (const bytes of shrinkBytes(input.bytes)) yield { ...input, bytes };
      },
      show: ({ layer, seed, bytes }) => `${layer}, seed ${seed}: ${toHex(bytes)}`,
      close: () => pair.close(),
    };
  },
};

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? toHex(value) : value;
}
