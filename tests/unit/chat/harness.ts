// An in-memory relay room for two (or more) chat sessions. Every frame is captured; a `relay` hook can
// drop, duplicate, reorder, delay, alter or redirect frames, like a hostile relay would.
import { generateIdentity, type IdentityKeyPair } from '../../../lib/crypto/identity';
import { randomBytes } from '../../../lib/bytes';
import { createChatSession, type ChatError, type ChatMessage, type ChatSession, type ChatSessionOptions } from '../../../lib/chat/session';

export interface Peer {
  name: string;
  session: ChatSession;
  identity: IdentityKeyPair;
  shown: ChatMessage[];
  errors: ChatError[];
  expired: string[];
  states: string[];
  sent: Uint8Array[];
  /** The per-contact post-quantum secrets the session handed over (version 2). */
  secrets: Uint8Array[];
}

/** Decides what reaches `to`: return the frames to deliver (none = dropped). */
export type RelayHook = (frame: Uint8Array, from: string, to: string) => Uint8Array[];

export class Room {
  readonly captured: Array<{ from: string; frame: Uint8Array }> = [];
  readonly peers = new Map<string, Peer>();
  /** name → the name its frames are delivered to. */
  readonly routes = new Map<string, string>();
  relay: RelayHook = (f) => [f];
  private inflight = 0;

  constructor(readonly roomId: Uint8Array = randomBytes(16)) {}

  add(name: string, identity: IdentityKeyPair, peerIdentityKey: Uint8Array, extra: Partial<ChatSessionOptions> = {}): Peer {
    const peer: Peer = { name, identity, shown: [], errors: [], expired: [], states: [], sent: [], secrets: [], session: null as unknown as ChatSession };
    peer.session = createChatSession({
      identity,
      peerIdentityKey,
      roomId: this.roomId,
      retryMs: 50,
      reorderWaitMs: 100,
      send: (frame) => {
        peer.sent.push(frame);
        this.captured.push({ from: name, frame });
        const to = this.routes.get(name);
        if (to) for (const f of this.relay(frame, name, to)) this.deliver(to, f);
      },
      ...extra,
    });
    peer.session.on('message', (m) => peer.shown.push(m));
    peer.session.on('error', (e) => peer.errors.push(e));
    peer.session.on('message-expired', ({ id }) => peer.expired.push(id));
    peer.session.on('state', (s) => peer.states.push(s));
    peer.session.on('contact-secret', (secret) => peer.secrets.push(secret));
    this.peers.set(name, peer);
    return peer;
  }

  link(a: string, b: string): void {
    this.routes.set(a, b);
    this.routes.set(b, a);
  }

  deliver(to: string, frame: Uint8Array, delayMs = 0): void {
    this.inflight++;
    setTimeout(() => {
      const peer = this.peers.get(to)!;
      void peer.session.receive(frame).finally(() => this.inflight--);
    }, delayMs);
  }

  /** Waits until no frame is in flight for a while (timers may still fire later). */
  async settle(quietMs = 20): Promise<void> {
    for (let quiet = 0; quiet < 2; ) {
      await sleep(quietMs);
      quiet = this.inflight === 0 ? quiet + 1 : 0;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Two identities where `alice` is the natural initiator (lower key). */
export async function identities(): Promise<{ alice: IdentityKeyPair; bob: IdentityKeyPair; mallory: IdentityKeyPair }> {
  const ids = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()]);
  ids.sort((x, y) => Buffer.compare(Buffer.from(x.publicKey), Buffer.from(y.publicKey)));
  const [alice, bob, mallory] = ids as [IdentityKeyPair, IdentityKeyPair, IdentityKeyPair];
  return { alice, bob, mallory };
}

/**
 * A room with alice (initiator) and bob (responder) linked and started, waited until open (or until nothing
 * moves: options or a hostile `relay` may keep them from opening). bob gets alice's options unless given his.
 */
export async function openPair(aliceOpts: Partial<ChatSessionOptions> = {}, bobOpts: Partial<ChatSessionOptions> = aliceOpts, relay?: Room['relay']) {
  const ids = await identities();
  const room = new Room();
  if (relay) room.relay = relay;
  const alice = room.add('alice', ids.alice, ids.bob.publicKey, aliceOpts);
  const bob = room.add('bob', ids.bob, ids.alice.publicKey, bobOpts);
  room.link('alice', 'bob');
  await bob.session.start();
  await alice.session.start();
  await room.settle();
  return { room, alice, bob, ids };
}

/** Frame type byte (docs/CHAT-PROTOCOL.md): 1–3 handshake, 0x10 message. */
export const frameType = (f: Uint8Array): number => f[1]!;
