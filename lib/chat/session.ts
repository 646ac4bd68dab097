// The secure-chat session state machine (docs/CHAT-PROTOCOL.md). Transport-agnostic: frames go out
// through `send` and come in through `receive`; the relay may drop, duplicate, reorder, replay or forge
// them. Handshake: Noise XX with per-session static keys certified by the Ed25519 identities; version 2
// adds the X-Wing hybrid KEM (Noise XXhfs), and a version-1 fallback from a side that speaks 2 is refused
// by a side that speaks 2 (downgrade). Messages: Double Ratchet. end() tells the peer (authenticated) and
// destroys every key and the transcript.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, randomBytes, toHex, utf8 } from '../bytes';
import { C2CError, isC2CError, type C2CErrorCode } from '../errors';
import { SIGNATURE_CONTEXT, signWithContext, verifyWithContext, type IdentityKeyPair } from '../crypto/identity';
import { safetyNumber } from '../crypto/safety-number';
import { contactSecretFromChat } from '../crypto/contact-pq';
import { decodeExtensions, encodeExtensions, type Extension } from '../crypto/extensions';
import { MAX_TTL_MS, MESSAGE_ID_LENGTH, decodeContent, encodeContent } from './content';
import {
  CHAT_VERSION,
  CHAT_VERSIONS,
  FRAME_TYPE,
  HANDSHAKE_PAYLOAD_LENGTH,
  MAX_HANDSHAKE_EXTENSIONS_LENGTH,
  SESSION_ID_LENGTH,
  decodeFrame,
  encodeFrame,
  framePrefix,
  type ChatVersion,
  type Frame,
} from './frame';
import { NoiseXXHandshake, generateX25519, type X25519KeyPair } from './noise';
import { DoubleRatchet } from './ratchet';

export type ChatRole = 'initiator' | 'responder';
export type ChatState = 'connecting' | 'open' | 'ended';

export interface ChatMessage {
  id: string; // 16 hex digits, the same on both sides
  direction: 'in' | 'out';
  text: string;
  at: number; // ms since the epoch, when sent or shown here
  expiresAt?: number;
}

export interface ChatError {
  code: C2CErrorCode;
  reason: string; // plain words, never contents or keys
  /** True when the session ended because of it. */
  fatal: boolean;
  /** With code 'truncated' for a gap given up on: how many messages did not arrive. */
  lost?: number;
}

export interface ChatEvents {
  state: ChatState;
  message: ChatMessage;
  'message-expired': { id: string };
  error: ChatError;
  /** Version 2 only, once, just before 'open': the per-contact post-quantum secret (contact-pq.ts), a copy for the listener to keep. */
  'contact-secret': Uint8Array;
  /** The peer's key-log checkpoint (lib/keylog/gossip.ts value), from its authenticated handshake payload. */
  gossip: Uint8Array;
}

export interface ChatSessionOptions {
  /** Default: chooseRole(identity.publicKey, peerIdentityKey). Both sides must agree. */
  role?: ChatRole;
  identity: IdentityKeyPair;
  /** The contact's pinned Ed25519 identity key: the handshake fails unless the peer proves this key. */
  peerIdentityKey: Uint8Array;
  /** The relay room both sides joined (16–32 bytes). */
  roomId: Uint8Array;
  send: (frame: Uint8Array) => void;
  now?: () => number;
  /** Handshake frames are re-sent this often until answered (default 1000 ms). */
  retryMs?: number;
  /** How long an out-of-order message waits for the ones before it (default 2000 ms). */
  reorderWaitMs?: number;
  /**
   * The protocol versions this side speaks (default: all, CHAT_VERSIONS). `[1]` behaves exactly like a
   * release before version 2 (how the interoperability tests stand in for one).
   */
  versions?: readonly ChatVersion[];
  /** Our key-log checkpoint (lib/keylog/gossip.ts value), sent in the handshake to a peer that reads it. */
  gossip?: Uint8Array;
  /**
   * Whether this side speaks handshake extensions (default true). `false` behaves exactly like a release
   * before them (how the interoperability tests stand in for one).
   */
  handshakeExtensions?: boolean;
}

/** The handshake payload extension carrying key-log gossip: the type one-shot messages use for it. */
export const HANDSHAKE_GOSSIP_EXTENSION = 0x01;

const PROTOCOL_LABEL: Record<ChatVersion, Uint8Array> = { 1: utf8('c2c/chat/v1'), 2: utf8('c2c/chat/v2') };
const SEED_INFO: Record<ChatVersion, Uint8Array> = { 1: utf8('c2c/chat/v1/seed'), 2: utf8('c2c/chat/v2/seed') };
/**
 * An initiator that speaks version 2 or later ends its session id with this label and its highest
 * version. The session id is in the prologue and the signed certificate, so this claim is authenticated
 * in every version, including 1, which predates it and ignores it: a responder that shares a higher
 * version refuses a lower-version handshake under such an id (a relay that dropped the better one).
 */
const VERSION_CLAIM_LABEL = utf8('c2c/ver');
const VERSION_CLAIM_LENGTH = VERSION_CLAIM_LABEL.length + 1;
/**
 * The claim's high bit: the initiator speaks handshake extensions (an extension list after HS2's and
 * HS3's payload). Releases before them read the byte as a version above theirs, which changes nothing.
 */
const EXTENSIONS_CLAIM = 0x80;
/** Responder: handshakes started by distinct HS1 frames kept at once (a replayed HS1 cannot evict the real one). */
const MAX_PENDING_HANDSHAKES = 4;
/** Message frames that may arrive before the handshake's last frame and wait for it. */
const MAX_EARLY_FRAMES = 32;
/** Out-of-order messages held for reordering. */
const MAX_REORDER = 200;

/** Deterministic roles: the lower identity key (bytewise) initiates, so two sides never both do. */
export function chooseRole(myIdentityKey: Uint8Array, peerIdentityKey: Uint8Array): ChatRole {
  for (let i = 0; i < Math.min(myIdentityKey.length, peerIdentityKey.length); i++) {
    if (myIdentityKey[i] !== peerIdentityKey[i]) return myIdentityKey[i]! < peerIdentityKey[i]! ? 'initiator' : 'responder';
  }
  throw new C2CError('unsupported', 'a secure chat needs two different identities');
}

/** Noise prologue: protocol label, room, session and both expected identities (sorted), so spliced handshakes fail. */
export function chatPrologue(version: ChatVersion, roomId: Uint8Array, sessionId: Uint8Array, a: Uint8Array, b: Uint8Array): Uint8Array {
  const [lo, hi] = chooseRole(a, b) === 'initiator' ? [a, b] : [b, a];
  return concat(PROTOCOL_LABEL[version], new Uint8Array([roomId.length]), roomId, sessionId, lo, hi);
}

/** A fresh session id; from an initiator speaking version 2 or later it carries the version claim. */
export function newSessionId(versions: readonly ChatVersion[], extensions = true): Uint8Array {
  const highest = Math.max(...versions);
  if (highest < CHAT_VERSION.hybrid) return randomBytes(SESSION_ID_LENGTH);
  return concat(randomBytes(SESSION_ID_LENGTH - VERSION_CLAIM_LENGTH), VERSION_CLAIM_LABEL, new Uint8Array([highest | (extensions ? EXTENSIONS_CLAIM : 0)]));
}

function claimByte(sessionId: Uint8Array): number | null {
  const at = SESSION_ID_LENGTH - VERSION_CLAIM_LENGTH;
  return equalBytes(sessionId.subarray(at, at + VERSION_CLAIM_LABEL.length), VERSION_CLAIM_LABEL) ? sessionId[SESSION_ID_LENGTH - 1]! : null;
}

/** The highest version the initiator of this session id claims to speak (1 without a claim). */
export function claimedVersion(sessionId: Uint8Array): number {
  const claim = claimByte(sessionId);
  return claim === null ? CHAT_VERSION.classical : claim & ~EXTENSIONS_CLAIM;
}

/** Whether the initiator of this session id claims to speak handshake extensions. */
export function claimsExtensions(sessionId: Uint8Array): boolean {
  return ((claimByte(sessionId) ?? 0) & EXTENSIONS_CLAIM) !== 0;
}

/** What a session's static key certificate signs, under SIGNATURE_CONTEXT.chatStatic. */
export function certificateMessage(staticPub: Uint8Array, roomId: Uint8Array, sessionId: Uint8Array): Uint8Array {
  return concat(staticPub, roomId, sessionId);
}

interface Handshake {
  version: ChatVersion;
  sessionId: Uint8Array;
  noise: NoiseXXHandshake;
  statics: X25519KeyPair;
  ratchetKey: X25519KeyPair;
  /** Both sides speak handshake extensions: HS2 (initiator: HS2 may) and HS3 carry an extension list. */
  extensions: boolean;
  /** Our last handshake frame, re-sent when the peer repeats theirs or the retry timer fires. */
  lastFrame: Uint8Array | null;
  early: Frame[];
}

export function createChatSession(opts: ChatSessionOptions): ChatSession {
  return new ChatSession(opts);
}

export class ChatSession {
  readonly role: ChatRole;
  readonly peerIdentityKey: Uint8Array;
  private stateValue: ChatState = 'connecting';
  private identity: IdentityKeyPair | null;
  private readonly roomId: Uint8Array;
  private readonly sendFrame: (frame: Uint8Array) => void;
  private readonly now: () => number;
  private readonly retryMs: number;
  private readonly reorderWaitMs: number;
  private readonly versions: readonly ChatVersion[];
  /** Our extension list (with our gossip, if any), for handshakes where both sides speak them. */
  private readonly ownExtensions: Uint8Array;
  private readonly handshakeExtensions: boolean;
  private listeners: { [K in keyof ChatEvents]: Set<(v: ChatEvents[K]) => void> } = {
    state: new Set(), message: new Set(), 'message-expired': new Set(), error: new Set(), 'contact-secret': new Set(), gossip: new Set(),
  };
  private queue: Promise<unknown> = Promise.resolve();
  private started = false;

  // Handshakes keyed by version:session id hex (initiator: one per version it speaks, one session id;
  // responder: up to MAX_PENDING_HANDSHAKES).
  private pending = new Map<string, Handshake>();
  private retryTimer: ReturnType<typeof setInterval> | null = null;
  // Open session.
  private sessionId: Uint8Array | null = null;
  private version: ChatVersion | null = null;
  private ratchet: DoubleRatchet | null = null;
  /** Our final handshake frame (initiator's HS3), re-sent if the peer repeats HS2. */
  private finalFrame: Uint8Array | null = null;
  private sendSeq = 0;
  private recvSeq = 0;
  private reorder = new Map<number, ChatMessage>();
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  private messages: ChatMessage[] = [];
  private expiryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  // After end(): the end frame (ciphertext only) is re-sent if the peer keeps talking to this session.
  private endFrame: Uint8Array | null = null;
  private lastEndResend = -Infinity;

  constructor(opts: ChatSessionOptions) {
    if (opts.roomId.length < 16 || opts.roomId.length > 32) throw new C2CError('malformed', 'a chat room id must be 16–32 bytes');
    if (opts.peerIdentityKey.length !== 32) throw new C2CError('malformed', 'an identity key must be 32 bytes');
    const natural = chooseRole(opts.identity.publicKey, opts.peerIdentityKey);
    this.role = opts.role ?? natural;
    this.identity = opts.identity;
    this.peerIdentityKey = opts.peerIdentityKey.slice();
    this.roomId = opts.roomId.slice();
    this.sendFrame = opts.send;
    this.now = opts.now ?? Date.now;
    this.retryMs = opts.retryMs ?? 1000;
    this.reorderWaitMs = opts.reorderWaitMs ?? 2000;
    this.versions = opts.versions ?? CHAT_VERSIONS;
    this.ownExtensions = encodeExtensions(opts.gossip ? [{ type: HANDSHAKE_GOSSIP_EXTENSION, value: opts.gossip }] : []);
    // A longer list would be refused by every peer's frame decoder: the chat would never open.
    if (this.ownExtensions.length > MAX_HANDSHAKE_EXTENSIONS_LENGTH) throw new C2CError('too-large', 'the handshake extensions are longer than the protocol allows');
    this.handshakeExtensions = opts.handshakeExtensions ?? true;
    if (this.versions.length === 0 || this.versions.some((v) => !CHAT_VERSIONS.includes(v))) throw new C2CError('unsupported', 'unknown secure chat protocol version');
  }

  get state(): ChatState {
    return this.stateValue;
  }

  /** Once open: whether the session keys include the post-quantum KEM (version 2); null before. */
  get postQuantum(): boolean | null {
    return this.version === null ? null : this.version === CHAT_VERSION.hybrid;
  }

  on<K extends keyof ChatEvents>(type: K, cb: (v: ChatEvents[K]) => void): () => void {
    this.listeners[type].add(cb);
    return () => this.listeners[type].delete(cb);
  }

  /** The 60-digit number both people compare out of band (the same on both sides). */
  safetyNumber(): Promise<string> {
    return safetyNumber(this.myIdentityKey(), this.peerIdentityKey);
  }

  /** Initiator: sends the first handshake frame (and re-sends it until answered). Responder: starts listening. */
  start(): Promise<void> {
    return this.run(async () => {
      if (this.started || this.stateValue === 'ended') return;
      this.started = true;
      if (this.role === 'initiator') {
        // One HS1 per version, best first, under one session id: a peer takes the best it speaks.
        const sessionId = newSessionId(this.versions, this.handshakeExtensions);
        for (const version of [...this.versions].sort((a, b) => b - a)) {
          const hs = await this.newHandshake(version, sessionId);
          hs.lastFrame = encodeFrame(version, FRAME_TYPE.hs1, sessionId, await hs.noise.writeMessage(new Uint8Array(0)));
          if (this.isEnded()) return hs.noise.destroy();
          this.pending.set(pendingKey(version, sessionId), hs);
          this.sendFrame(hs.lastFrame);
        }
      }
      this.retryTimer = setInterval(() => this.resendHandshake(), this.retryMs);
    });
  }

  /** Feeds one frame from the transport. Never throws: problems become 'error' events. */
  receive(bytes: Uint8Array): Promise<void> {
    const copy = bytes.slice();
    return this.run(() => this.handle(copy)).catch((e: unknown) => this.report(e));
  }

  /** Encrypts and sends a text. Throws C2CError when the chat is not open or the text is too long. */
  sendText(text: string, options: { ttlMs?: number } = {}): Promise<ChatMessage> {
    return this.run(async () => {
      const ttlMs = options.ttlMs ?? 0;
      if (!Number.isSafeInteger(ttlMs) || ttlMs < 0 || ttlMs > MAX_TTL_MS) throw new C2CError('malformed', 'a message timer must be 0 … 2^32−1 ms');
      if (this.stateValue !== 'open' || !this.ratchet || !this.sessionId || !this.version) throw new C2CError('unsupported', 'the secure chat is not open');
      const id = randomBytes(MESSAGE_ID_LENGTH);
      const content = encodeContent({ kind: 'text', seq: this.sendSeq, id, ttlMs, text });
      const prefix = framePrefix(this.version, FRAME_TYPE.message, this.sessionId);
      const frame = concat(prefix, await this.ratchet.encrypt(content, prefix));
      if (this.stateValue !== 'open') throw new C2CError('unsupported', 'the secure chat has ended');
      this.sendSeq++;
      this.sendFrame(frame);
      const message = this.stamp({ id: toHex(id), direction: 'out', text }, ttlMs);
      this.show(message);
      return message;
    });
  }

  /** Ends the chat on both sides: sends an authenticated end message, then destroys this session. */
  end(): Promise<void> {
    return this.run(async () => {
      if (this.stateValue === 'open' && this.ratchet && this.sessionId && this.version) {
        const prefix = framePrefix(this.version, FRAME_TYPE.message, this.sessionId);
        const frame = concat(prefix, await this.ratchet.encrypt(encodeContent({ kind: 'end' }), prefix));
        this.sendFrame(frame);
        this.endFrame = frame;
        this.lastEndResend = this.now();
      }
      this.destroy();
    });
  }

  /** Messages currently shown, in order (memory only; emptied by destroy). */
  transcript(): ChatMessage[] {
    return this.messages.map((m) => ({ ...m }));
  }

  /**
   * Zeroes what can be zeroed (chain, root, message and handshake keys) and drops every reference to
   * key material, the transcript and queued frames. Emits 'ended' once; the session is dead after.
   */
  destroy(): void {
    if (this.stateValue === 'ended' && !this.ratchet && this.pending.size === 0) return;
    this.ratchet?.destroy();
    this.ratchet = null;
    for (const hs of this.pending.values()) hs.noise.destroy();
    this.pending.clear();
    this.identity = null;
    this.finalFrame = null;
    for (const t of this.expiryTimers.values()) clearTimeout(t);
    this.expiryTimers.clear();
    if (this.retryTimer) clearInterval(this.retryTimer);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.retryTimer = this.gapTimer = null;
    for (const m of this.messages) m.text = '';
    this.messages = [];
    this.reorder.clear();
    this.setState('ended');
    for (const set of Object.values(this.listeners)) set.clear();
  }

  // ---- internals ----

  private run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(op);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** A method, not a field read, so TypeScript does not assume the state is unchanged across awaits. */
  private isEnded(): boolean {
    return this.stateValue === 'ended';
  }

  private myIdentityKey(): Uint8Array {
    if (!this.identity) throw new C2CError('unsupported', 'this chat session has ended');
    return this.identity.publicKey;
  }

  private async newHandshake(version: ChatVersion, sessionId: Uint8Array): Promise<Handshake> {
    const [statics, ratchetKey] = await Promise.all([generateX25519(), generateX25519()]);
    const noise = new NoiseXXHandshake({
      initiator: this.role === 'initiator',
      prologue: chatPrologue(version, this.roomId, sessionId, this.myIdentityKey(), this.peerIdentityKey),
      s: statics,
      hybrid: version === CHAT_VERSION.hybrid,
    });
    const extensions = this.handshakeExtensions && claimsExtensions(sessionId);
    return { version, sessionId, noise, statics, ratchetKey, extensions, lastFrame: null, early: [] };
  }

  /**
   * Our handshake payload: identity ‖ signature over (static key ‖ room ‖ session) ‖ first ratchet key,
   * then, when both sides speak them, the extension list (our key-log gossip, if we have a checkpoint).
   */
  private async handshakePayload(hs: Handshake): Promise<Uint8Array> {
    const identity = this.identity;
    if (!identity) throw new C2CError('unsupported', 'this chat session has ended');
    const sig = await signWithContext(identity.privateKey, SIGNATURE_CONTEXT.chatStatic, certificateMessage(hs.statics.publicKey, this.roomId, hs.sessionId));
    const base = concat(identity.publicKey, sig, hs.ratchetKey.publicKey);
    if (!hs.extensions) return base;
    return concat(base, this.ownExtensions);
  }

  /**
   * Checks the peer's handshake payload; returns its first ratchet key and its extensions. The initiator
   * learns here whether the responder speaks extensions (its HS2 carries a list). Errors here are fatal.
   */
  private async checkPeer(hs: Handshake, payload: Uint8Array): Promise<{ ratchetKey: Uint8Array; extensions: Extension[] }> {
    if (this.role === 'initiator' && hs.extensions) hs.extensions = payload.length > HANDSHAKE_PAYLOAD_LENGTH;
    if (hs.extensions ? payload.length <= HANDSHAKE_PAYLOAD_LENGTH : payload.length !== HANDSHAKE_PAYLOAD_LENGTH) {
      throw new C2CError('malformed', 'the handshake payload has the wrong length');
    }
    const malformed = () => new C2CError('malformed', 'the handshake payload ends inside its extensions');
    const list = hs.extensions ? decodeExtensions(payload, HANDSHAKE_PAYLOAD_LENGTH, 'the handshake', malformed) : { extensions: [], end: payload.length };
    if (list.end !== payload.length) throw new C2CError('malformed', 'the handshake payload has bytes after its extensions');
    const claimed = payload.subarray(0, 32);
    if (!equalBytes(claimed, this.peerIdentityKey)) {
      throw new C2CError('key-mismatch', 'the other side is not the contact you pinned: someone may be intercepting this chat');
    }
    const rs = hs.noise.remoteStatic!;
    const ok = await verifyWithContext(this.peerIdentityKey, SIGNATURE_CONTEXT.chatStatic, certificateMessage(rs, this.roomId, hs.sessionId), payload.subarray(32, 96));
    if (!ok) throw new C2CError('bad-signature', 'the other side’s session key is not signed by your contact’s identity key');
    return { ratchetKey: payload.slice(96, 128), extensions: list.extensions };
  }

  /** The peer authenticated: pass on what its handshake gossiped (unknown extensions are ignored). */
  private hearExtensions(extensions: Extension[]): void {
    const gossip = extensions.find((e) => e.type === HANDSHAKE_GOSSIP_EXTENSION);
    if (gossip) this.emit('gossip', gossip.value);
  }

  /** Root of the ratchet: HKDF over both Noise transport keys, salted with the handshake hash. */
  private async openRatchet(hs: Handshake, theirRatchetKey: Uint8Array): Promise<void> {
    const [k1, k2] = hs.noise.splitKeys();
    const h = hs.noise.handshakeHash;
    const seed = hkdf(sha256, concat(k1, k2), h, SEED_INFO[hs.version], 32);
    // Another info than the seed's: the ratchet and the contact secret are independent keys.
    const contactSecret = hs.version === CHAT_VERSION.hybrid ? contactSecretFromChat(k1, k2, h) : null;
    k1.fill(0);
    k2.fill(0);
    const init = { sharedKey: seed, associatedData: h, ours: hs.ratchetKey, theirs: theirRatchetKey };
    const ratchet = this.role === 'initiator' ? await DoubleRatchet.initiator(init) : await DoubleRatchet.responder(init);
    seed.fill(0);
    if (this.isEnded()) {
      contactSecret?.fill(0);
      return ratchet.destroy();
    }
    this.ratchet = ratchet;
    this.sessionId = hs.sessionId;
    this.version = hs.version;
    for (const other of this.pending.values()) other.noise.destroy();
    this.pending.clear();
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    if (contactSecret) {
      this.emit('contact-secret', contactSecret.slice());
      contactSecret.fill(0);
    }
    this.setState('open');
    for (const frame of hs.early) await this.onMessage(frame).catch((e: unknown) => this.report(e));
  }

  private async handle(bytes: Uint8Array): Promise<void> {
    if (this.stateValue === 'ended') return this.afterEnd(bytes);
    if (!this.started) throw new C2CError('unsupported', 'a frame arrived before the chat was started');
    const frame = decodeFrame(bytes, this.versions, this.handshakeExtensions);
    const sid = toHex(frame.sessionId);
    if (frame.type === FRAME_TYPE.hs1) return this.onHs1(frame, sid);
    if (frame.type === FRAME_TYPE.hs2) return this.onHs2(frame, sid);
    if (frame.type === FRAME_TYPE.hs3) return this.onHs3(frame, sid);
    if (this.sessionId && equalBytes(frame.sessionId, this.sessionId)) return this.onMessage(frame);
    const hs = this.pending.get(pendingKey(frame.version, frame.sessionId));
    if (hs && this.role === 'responder') {
      // The peer may send right after its last handshake frame; the relay may deliver that one later.
      if (hs.early.length >= MAX_EARLY_FRAMES) throw new C2CError('too-large', 'too many messages arrived before the handshake finished');
      hs.early.push(frame);
      return;
    }
    throw otherSession();
  }

  private async onHs1(frame: Frame, sid: string): Promise<void> {
    if (this.role === 'initiator') throw new C2CError('unsupported', 'both sides tried to start this chat; one must be the responder');
    if (this.sessionId) {
      if (sid === toHex(this.sessionId)) return; // a late duplicate of the handshake we finished
      throw new C2CError('replayed', 'a handshake for another chat session arrived; if your contact restarted the chat, start a new one');
    }
    const key = pendingKey(frame.version, frame.sessionId);
    const known = this.pending.get(key);
    if (known) {
      if (known.lastFrame) this.sendFrame(known.lastFrame);
      return;
    }
    if (this.isDowngrade(frame)) {
      // Expected right after the better HS1 of the same session (the initiator sends both); alone, it
      // means the better one was removed on the way.
      if (this.pending.has(pendingKey(this.bestShared(frame), frame.sessionId))) return;
      throw new C2CError('tampered', 'your contact’s app offered only an older, weaker handshake although both of you speak a post-quantum one: the relay may have removed it; still waiting for it');
    }
    const hs = await this.newHandshake(frame.version, frame.sessionId);
    await hs.noise.readMessage(frame.body);
    hs.lastFrame = encodeFrame(hs.version, FRAME_TYPE.hs2, hs.sessionId, await hs.noise.writeMessage(await this.handshakePayload(hs)));
    if (this.stateValue !== 'connecting' || this.sessionId) return hs.noise.destroy();
    this.pending.set(key, hs);
    for (const [oldSid, old] of this.pending) {
      if (this.pending.size <= MAX_PENDING_HANDSHAKES) break;
      old.noise.destroy();
      this.pending.delete(oldSid);
    }
    this.sendFrame(hs.lastFrame);
  }

  private async onHs2(frame: Frame, sid: string): Promise<void> {
    if (this.role === 'responder') throw new C2CError('unsupported', 'both sides answered this chat; one must be the initiator');
    if (this.sessionId) {
      if (sid !== toHex(this.sessionId) || frame.version !== this.version) throw otherSession();
      // The peer did not get our last handshake frame: send it again.
      if (this.finalFrame) this.sendFrame(this.finalFrame);
      return;
    }
    const hs = this.pending.get(pendingKey(frame.version, frame.sessionId));
    if (!hs) throw otherSession();
    await this.fatal(async () => {
      const theirs = await this.checkPeer(hs, await hs.noise.readMessage(frame.body));
      const final = encodeFrame(hs.version, FRAME_TYPE.hs3, hs.sessionId, await hs.noise.writeMessage(await this.handshakePayload(hs)));
      await this.openRatchet(hs, theirs.ratchetKey);
      if (this.stateValue !== 'open') return;
      this.hearExtensions(theirs.extensions);
      this.finalFrame = final;
      this.sendFrame(final);
    });
  }

  private async onHs3(frame: Frame, sid: string): Promise<void> {
    if (this.role === 'initiator') throw new C2CError('unsupported', 'both sides tried to start this chat; one must be the responder');
    if (this.sessionId) {
      if (sid === toHex(this.sessionId)) return; // duplicate of the frame that opened this session
      throw otherSession();
    }
    const hs = this.pending.get(pendingKey(frame.version, frame.sessionId));
    if (!hs) throw otherSession();
    await this.fatal(async () => {
      const theirs = await this.checkPeer(hs, await hs.noise.readMessage(frame.body));
      await this.openRatchet(hs, theirs.ratchetKey);
      if (this.stateValue === 'open') this.hearExtensions(theirs.extensions);
    });
  }

  private async onMessage(frame: Frame): Promise<void> {
    if (frame.type !== FRAME_TYPE.message) throw new C2CError('malformed', 'unexpected frame type');
    const ratchet = this.ratchet;
    if (!ratchet) throw new C2CError('unsupported', 'a message arrived before the handshake finished');
    const content = decodeContent(await ratchet.decrypt(frame.body, frame.prefix));
    if (this.stateValue !== 'open') return;
    if (content.kind === 'end') return this.destroy();
    const message = this.stamp({ id: toHex(content.id), direction: 'in', text: content.text }, content.ttlMs);
    if (content.seq < this.recvSeq) return this.show(message); // late, after its gap was given up on
    if (this.reorder.has(content.seq)) throw new C2CError('replayed', 'two messages claim the same place in the conversation');
    this.reorder.set(content.seq, message);
    this.flushReorder();
    if (this.reorder.size > MAX_REORDER) this.skipGap();
  }

  /** Shows held messages that are next in order; waits reorderWaitMs for a missing one, then skips it. */
  private flushReorder(): void {
    for (let next = this.reorder.get(this.recvSeq); next; next = this.reorder.get(this.recvSeq)) {
      this.reorder.delete(this.recvSeq++);
      this.show(next);
    }
    if (this.reorder.size === 0) {
      if (this.gapTimer) clearTimeout(this.gapTimer);
      this.gapTimer = null;
    } else if (!this.gapTimer) {
      this.gapTimer = setTimeout(() => this.skipGap(), this.reorderWaitMs);
    }
  }

  private skipGap(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    if (this.reorder.size === 0 || this.stateValue !== 'open') return;
    const first = Math.min(...this.reorder.keys());
    const lost = first - this.recvSeq;
    this.recvSeq = first;
    this.emit('error', { code: 'truncated', reason: `${lost} message${lost === 1 ? '' : 's'} did not arrive`, fatal: false, lost });
    this.flushReorder();
  }

  private stamp(m: Omit<ChatMessage, 'at' | 'expiresAt'>, ttlMs: number): ChatMessage {
    const at = this.now();
    return ttlMs > 0 ? { ...m, at, expiresAt: at + ttlMs } : { ...m, at };
  }

  private show(message: ChatMessage): void {
    this.messages.push(message);
    if (message.expiresAt !== undefined) {
      const timer = setTimeout(() => this.expire(message.id), Math.max(0, message.expiresAt - this.now()));
      this.expiryTimers.set(message.id, timer);
    }
    this.emit('message', { ...message });
  }

  private expire(id: string): void {
    this.expiryTimers.delete(id);
    const at = this.messages.findIndex((m) => m.id === id);
    if (at < 0) return;
    this.messages[at]!.text = '';
    this.messages.splice(at, 1);
    this.emit('message-expired', { id });
  }

  private resendHandshake(): void {
    if (this.stateValue !== 'connecting') return;
    if (this.role === 'initiator') {
      for (const hs of this.pending.values()) if (hs.lastFrame) this.sendFrame(hs.lastFrame);
      return;
    }
    // The newest pending handshake is the one the peer most likely still waits on.
    const latest = [...this.pending.values()].pop();
    if (latest?.lastFrame) this.sendFrame(latest.lastFrame);
  }

  /** The best version both this side and the initiator of `frame`'s session (by its claim) speak. */
  private bestShared(frame: Frame): ChatVersion {
    const claimed = claimedVersion(frame.sessionId);
    return Math.max(...this.versions.filter((v) => v <= claimed)) as ChatVersion;
  }

  /** A handshake in a lower version than both sides speak. */
  private isDowngrade(frame: Frame): boolean {
    return frame.version < this.bestShared(frame);
  }

  /** After the end: a peer still talking to this session missed our end frame, so repeat it (rate-limited). */
  private afterEnd(bytes: Uint8Array): void {
    if (!this.endFrame || !this.sessionId) return;
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch {
      return;
    }
    if (!equalBytes(frame.sessionId, this.sessionId) || frame.version !== this.version || this.now() - this.lastEndResend < this.retryMs) return;
    this.lastEndResend = this.now();
    this.sendFrame(this.endFrame);
  }

  /** Runs a handshake step whose failure means the peer could not be authenticated: the session ends. */
  private async fatal(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (e) {
      // With the expected identities in the prologue, a peer using other keys and a relay altering the
      // handshake look the same: the transcript does not authenticate. Both mean "not your contact".
      const error = isC2CError(e, 'tampered')
        ? { code: 'key-mismatch' as const, reason: 'the handshake did not authenticate as your contact: another key was used or it was altered in transit', fatal: true }
        : toChatError(e, true);
      this.emit('error', error);
      this.destroy();
    }
  }

  private report(e: unknown): void {
    if (this.stateValue === 'ended') return;
    this.emit('error', toChatError(e, false));
  }

  private setState(state: ChatState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  private emit<K extends keyof ChatEvents>(type: K, value: ChatEvents[K]): void {
    for (const cb of [...this.listeners[type]]) {
      try {
        cb(value);
      } catch {
        // A listener's bug must not break the protocol state machine.
      }
    }
  }
}

function pendingKey(version: ChatVersion, sessionId: Uint8Array): string {
  return `${version}:${toHex(sessionId)}`;
}

function otherSession(): C2CError {
  return new C2CError('replayed', 'a frame from another chat session was ignored');
}

function toChatError(e: unknown, fatal: boolean): ChatError {
  if (isC2CError(e)) return { code: e.code, reason: e.message, fatal };
  return { code: 'malformed', reason: 'a chat frame could not be processed', fatal };
}
