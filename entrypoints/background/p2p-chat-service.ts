// Peer-to-peer secure chats (docs/CHAT-PROTOCOL.md, "Peer-to-peer transport"): the same session as the relay
// chat (lib/chat/session.ts: Noise XX/XXhfs + double ratchet, transport-agnostic), whose frames go over a
// WebRTC data channel held by the chat page instead of a relay room. The invitation (with the offer) and the
// answer travel as tokens through the host chat (lib/chat/p2p-token.ts). The background keeps every key; the
// page only moves ciphertext frames. Nothing is stored or logged.
import { armor } from '@/lib/armor/armor';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, fromBase64Url, fromHex, randomBytes, toBase64Url, toHex, utf8 } from '@/lib/bytes';
import { minimizeSdp, rebuildSdp } from '@/lib/chat/p2p-sdp';
import { assertPeerFingerprint, newP2PId, openP2PToken, P2P_WINDOW_MS, sealP2PToken, type OwnP2PToken, type OpenedP2PToken } from '@/lib/chat/p2p-token';
import { createChatSession, type ChatSession } from '@/lib/chat/session';
import { gossipOption, keepSessionExtras } from './chat-session-extras';
import { keyIdBytes } from '@/lib/crypto/identity';
import { MemoryReplayCache } from '@/lib/crypto/replay-cache';
import { safetyNumber } from '@/lib/crypto/safety-number';
import { C2CError } from '@/lib/errors';
import { getContact, listContacts } from '@/lib/keyring/contacts';
import type { Contact, KeyringDB } from '@/lib/keyring/db';
import { getIdentity, getOpeningKeys, getSenderKeys } from '@/lib/keyring/identity-store';
import type { BackgroundToPage, ChatStateReason, PageToBackground } from '@/lib/protocol/chat-port';
import type { P2PSummary } from '@/lib/protocol/api/message-frame';
import { broadcast, chattable, tellSessionError, type ChatPortLike } from './chat-service';
import { noIdentity, noPinnedContact } from './refusals';

export interface P2PTiming {
  /** The page must attach and report its local description within this time. */
  pageMs: number;
  /** From the channel opening, the session's handshake must complete within this time. */
  handshakeTimeoutMs: number;
}

// The channel's linger after an end, so the end frame leaves, is the chat page's (ChatApp.tsx): it holds the channel.
export const P2P_TIMING: P2PTiming = { pageMs: 20_000, handshakeTimeoutMs: 30_000 };

export interface P2PDeps {
  /** Opens chat.html#chatId in a background tab (the host page keeps the focus: a token goes into it). */
  openChatTab(chatId: string): Promise<void>;
  /** Brings the chat's tab to the front. */
  showChatTab(chatId: string): Promise<void>;
  /**
   * The host tab's compose box, as the side panel chooses it (panel-compose.ts): its longest message, and a
   * writer that writes and sends parts there (false when they could not be sent). Null: no box.
   */
  hostBox(tabId: number): Promise<{ maxLength: number | undefined; write: (parts: string[]) => Promise<boolean> } | null>;
  /** A peer's key-log checkpoint from its authenticated handshake (checked like a message's gossip). */
  onGossip(value: Uint8Array): void;
}

interface P2PChat {
  id: string;
  p2pId: Uint8Array;
  handle: string;
  peerIdentityKey: Uint8Array;
  role: 'inviter' | 'joiner';
  /** The page that holds the RTCPeerConnection (the first to attach); others only show the chat. */
  owner: ChatPortLike | null;
  ports: Set<ChatPortLike>;
  /** Resolves with the page's local description. */
  local: { resolve: (sdp: string) => void; reject: (e: Error) => void } | null;
  /** The joiner's remote offer, given to the page when it attaches. */
  remoteOffer: string | null;
  /** The fingerprint the peer's identity key signed (set once the peer's token was opened). */
  peerFingerprint: Uint8Array | null;
  /** Our own page's DTLS fingerprint, from the description we signed. */
  ownFingerprint: Uint8Array | null;
  session: ChatSession | null;
  phase: 'waiting-answer' | 'connecting' | 'open' | 'ended';
  endReason: ChatStateReason | null;
  timers: ReturnType<typeof setTimeout>[];
  unsubscribe: (() => void)[];
}

const ENDED_REMEMBERED = 64;

export class P2PChatService {
  private readonly chats = new Map<string, P2PChat>();
  private readonly ended = new Map<string, ChatStateReason>();
  private readonly replayCache = new MemoryReplayCache(4096);
  /** Peer-to-peer ids of recently ended chats, so their answer in the host chat reads as used. */
  private readonly endedIds = new Set<string>();
  private readonly timing: P2PTiming;

  constructor(
    private readonly db: KeyringDB,
    private readonly deps: P2PDeps,
    timing: Partial<P2PTiming> = {},
  ) {
    this.timing = { ...P2P_TIMING, ...timing };
  }

  owns(chatId: string): boolean {
    return this.chats.has(chatId) || this.ended.has(chatId);
  }

  /** The compose overlay's `compose-p2p-chat`: a chat page makes the offer; the invitation token to send. */
  async invite(handle: string, maxPartLength?: number): Promise<{ parts: string[] }> {
    if (!(await getIdentity(this.db))) throw noIdentity();
    const contact = await chattable(this.db, handle);
    const chat = this.newChat(contact, 'inviter', newP2PId(), null);
    try {
      const description = minimizeSdp(await this.pageDescription(chat));
      chat.ownFingerprint = description.fingerprint;
      const { identity } = await getSenderKeys(this.db);
      const sealed = await sealP2PToken({ identity, recipient: contact.bundle!, token: { kind: 'offer', id: chat.p2pId, description } });
      // The answer must come within the token's window, or never.
      chat.timers.push(setTimeout(() => chat.phase === 'waiting-answer' && this.end(chat, 'no-direct-path'), P2P_WINDOW_MS));
      return { parts: armor(sealed, maxPartLength ? { maxPartLength } : {}) };
    } catch (e) {
      this.end(chat, 'error');
      throw e;
    }
  }

  /** What a message frame shows for a token (no replay cache: showing never uses it up). */
  async summarize(payload: Uint8Array): Promise<P2PSummary> {
    const opened = await this.open(payload, false);
    if (opened.ownCopy) return { kind: opened.kind, handle: null, own: true, state: 'sent' };
    const contact = await contactByKey(this.db, opened.senderIdentityKey);
    if (opened.kind === 'offer') return { kind: 'offer', handle: contact?.handle ?? null, own: false, state: 'join' };
    // An answer: accepted at once by the chat waiting for it (the user asked for this chat when inviting).
    const chat = [...this.chats.values()].find((c) => equalBytes(c.p2pId, opened.id));
    if (!chat || chat.phase !== 'waiting-answer') return { kind: 'answer', handle: contact?.handle ?? null, own: false, state: this.usedState(opened.id) };
    await this.accept(chat, payload);
    return { kind: 'answer', handle: contact?.handle ?? null, own: false, state: 'accepted' };
  }

  /** The message frame's `p2p-join`: opens a chat page that answers; the answer token to write into the host. */
  async join(payload: Uint8Array, maxPartLength?: number): Promise<{ parts: string[]; chatId: string }> {
    if (!(await getIdentity(this.db))) throw noIdentity();
    const opened = await this.open(payload, true);
    if (opened.ownCopy || opened.kind !== 'offer') throw new C2CError('unsupported', 'Only a contact’s invitation can be joined.');
    const known = await contactByKey(this.db, opened.senderIdentityKey);
    if (!known) throw noPinnedContact();
    const contact = await chattable(this.db, known.handle);
    const chat = this.newChat(contact, 'joiner', opened.id, rebuildSdp(opened.description));
    chat.peerFingerprint = opened.description.fingerprint;
    try {
      const description = minimizeSdp(await this.pageDescription(chat));
      chat.ownFingerprint = description.fingerprint;
      const { identity } = await getSenderKeys(this.db);
      const sealed = await sealP2PToken({ identity, recipient: contact.bundle!, token: { kind: 'answer', id: chat.p2pId, description } });
      chat.phase = 'connecting';
      this.pushState(chat);
      return { parts: armor(sealed, maxPartLength ? { maxPartLength } : {}), chatId: chat.id };
    } catch (e) {
      this.end(chat, 'error');
      throw e;
    }
  }

  /** joinP2PChat from a message frame in host tab `tabId`: join, write the answer into that tab's box, show the chat. */
  async joinFromFrame(payload: Uint8Array, tabId: number | undefined): Promise<{ written: boolean; parts: string[] }> {
    // The box is chosen first, while the host page still has the focus.
    const box = tabId === undefined ? null : await this.deps.hostBox(tabId);
    const { parts, chatId } = await this.join(payload, box?.maxLength);
    const written = box ? await box.write(parts) : false;
    await this.deps.showChatTab(chatId).catch(() => undefined);
    return { written, parts };
  }

  /** A chat page attached to one of our chats (chat-port routes `attach` here when we own the id). */
  async attach(chatId: string, port: ChatPortLike): Promise<void> {
    const chat = this.chats.get(chatId);
    if (!chat) return this.refuseAttach(chatId, port);
    const own = await getIdentity(this.db);
    const [number, contact] = await Promise.all([own ? safetyNumber(own.identityKey, chat.peerIdentityKey) : '', getContact(this.db, chat.handle)]);
    // Ended meanwhile: the page is told why, as one attaching later would be.
    if (!this.chats.has(chatId)) return this.refuseAttach(chatId, port);
    chat.ports.add(port);
    port.postMessage({ t: 'contact', handle: chat.handle, safetyNumber: number, verified: contact?.verified ?? false, transport: 'p2p' });
    port.postMessage(this.stateMessage(chat));
    for (const m of chat.session?.transcript() ?? []) port.postMessage({ t: 'message', ...m });
    if (chat.owner) return;
    chat.owner = port;
    port.postMessage(chat.remoteOffer !== null ? { t: 'p2p-answer', remote: chat.remoteOffer } : { t: 'p2p-offer' });
  }

  private refuseAttach(chatId: string, port: ChatPortLike): void {
    // Through broadcast: the page may itself have closed meanwhile.
    broadcast([port], this.endedState(chatId));
    port.disconnect();
  }

  /** A message from an attached page of a chat of ours. */
  async fromPage(chatId: string, port: ChatPortLike, message: PageToBackground): Promise<void> {
    const chat = this.chats.get(chatId);
    if (!chat) return port.postMessage(this.endedState(chatId));
    const fromOwner = port === chat.owner;
    switch (message.t) {
      case 'end':
        return this.endBySession(chat, 'you-ended');
      case 'send':
        return this.sendText(chat, port, message.text, message.ttlMs);
      case 'p2p-local':
        if (fromOwner) chat.local?.resolve(message.sdp);
        return;
      case 'p2p-open':
        if (fromOwner) this.channelOpen(chat, message.fingerprint);
        return;
      case 'p2p-frame':
        if (fromOwner && chat.session) void chat.session.receive(fromBase64Url(message.frame));
        return;
      case 'p2p-failed':
        if (fromOwner && chat.phase !== 'open') this.end(chat, 'no-direct-path');
        else if (fromOwner) this.endBySession(chat, 'peer-ended');
        return;
      default:
        return;
    }
  }

  /** A page's port closed: the owner's closing takes the channel with it, so the chat ends. */
  detach(chatId: string, port: ChatPortLike): void {
    const chat = this.chats.get(chatId);
    if (!chat) return;
    chat.ports.delete(port);
    if (port === chat.owner) {
      chat.owner = null;
      this.end(chat, 'tab-closed');
    } else if (chat.ports.size === 0 && chat.owner === null) this.end(chat, 'tab-closed');
  }

  // ---- internals ----

  private async open(payload: Uint8Array, use: boolean): Promise<(OpenedP2PToken & { ownCopy: false }) | OwnP2PToken> {
    const keys = await getOpeningKeys(this.db);
    const ownKeyId = await keyIdBytes(keys.identityKey);
    return openP2PToken(payload, keys, {
      resolveSender: async (keyId) => (equalBytes(keyId, ownKeyId) ? keys.identityKey : pinnedKeyFor(this.db, keyId)),
      ...(use ? { replayCache: this.replayCache } : {}),
    });
  }

  /** An answer no chat waits for: one we accepted before (its chat ended or goes on), or a stranger's. */
  private usedState(p2pId: Uint8Array): P2PSummary['state'] {
    const id = toHex(p2pId);
    return this.endedIds.has(id) || [...this.chats.values()].some((c) => toHex(c.p2pId) === id) ? 'accepted' : 'stale';
  }

  private newChat(contact: Contact, role: P2PChat['role'], p2pId: Uint8Array, remoteOffer: string | null): P2PChat {
    const chat: P2PChat = {
      id: toBase64Url(randomBytes(16)),
      p2pId,
      handle: contact.handle,
      peerIdentityKey: contact.bundle!.identityKey,
      role,
      owner: null,
      ports: new Set(),
      local: null,
      remoteOffer,
      peerFingerprint: null,
      ownFingerprint: null,
      session: null,
      phase: 'waiting-answer',
      endReason: null,
      timers: [],
      unsubscribe: [],
    };
    this.chats.set(chat.id, chat);
    return chat;
  }

  /** Opens the chat page and waits for the local description it gathers. */
  private async pageDescription(chat: P2PChat): Promise<string> {
    const local = new Promise<string>((resolve, reject) => (chat.local = { resolve, reject }));
    const timer = setTimeout(() => chat.local?.reject(new C2CError('unavailable', 'The chat page did not start the connection in time.')), this.timing.pageMs);
    try {
      await this.deps.openChatTab(chat.id);
      return await local;
    } finally {
      clearTimeout(timer);
      chat.local = null;
    }
  }

  /** The contact's answer (from the host chat) for our waiting invitation: checked, then given to our page. */
  private async accept(chat: P2PChat, payload: Uint8Array): Promise<void> {
    const opened = await this.open(payload, true);
    if (opened.ownCopy || opened.kind !== 'answer' || !equalBytes(opened.id, chat.p2pId)) throw new C2CError('unsupported', 'This answer is not for a chat of yours.');
    if (!equalBytes(opened.senderIdentityKey, chat.peerIdentityKey)) throw new C2CError('key-mismatch', 'This answer is not from the contact you invited.');
    chat.peerFingerprint = opened.description.fingerprint;
    chat.phase = 'connecting';
    chat.owner?.postMessage({ t: 'p2p-remote', remote: rebuildSdp(opened.description) });
    this.pushState(chat);
  }

  /** The data channel is open: the certificate must be the signed one before any chat frame goes over it. */
  private channelOpen(chat: P2PChat, observed: string | null): void {
    if (chat.session || chat.phase === 'ended' || !chat.peerFingerprint) return;
    try {
      // Where the browser reports no certificate, its own DTLS check against the signed fingerprint (in the
      // SDP we rebuilt) is what holds.
      if (observed !== null) assertPeerFingerprint(chat.peerFingerprint, fromHex(observed));
    } catch {
      return this.end(chat, 'foreign-fingerprint');
    }
    this.startSession(chat).catch(() => this.end(chat, 'error'));
  }

  private async startSession(chat: P2PChat): Promise<void> {
    const { identity } = await getSenderKeys(this.db);
    const gossip = await gossipOption(this.db);
    // Checked after the keyring reads: the chat may have ended, or a repeated report started a session, meanwhile.
    if (chat.session || chat.phase === 'ended' || !chat.ownFingerprint || !chat.peerFingerprint) return;
    const session = createChatSession({
      identity,
      ...gossip,
      peerIdentityKey: chat.peerIdentityKey,
      roomId: p2pRoomId(chat.p2pId, chat.role === 'inviter' ? [chat.ownFingerprint, chat.peerFingerprint] : [chat.peerFingerprint, chat.ownFingerprint]),
      send: (frame) => chat.owner?.postMessage({ t: 'p2p-send', frame: toBase64Url(frame) }),
    });
    chat.session = session;
    chat.unsubscribe.push(
      session.on('state', (s) => {
        if (s === 'open') {
          chat.phase = 'open';
          this.pushState(chat);
        }
        if (s === 'ended') this.finish(chat);
      }),
      session.on('message', (m) => this.broadcast(chat, { t: 'message', ...m })),
      session.on('message-expired', ({ id }) => this.broadcast(chat, { t: 'expired', id })),
      session.on('error', (e) => tellSessionError(chat, e)),
      ...keepSessionExtras(session, this.db, { handle: chat.handle, identityKey: chat.peerIdentityKey }, this.deps.onGossip, () =>
        tellSessionError(chat, { code: 'unsupported', reason: 'the post-quantum secret for later messages could not be stored', fatal: false }),
      ),
    );
    chat.timers.push(setTimeout(() => session.state === 'connecting' && this.endBySession(chat, 'handshake-timeout'), this.timing.handshakeTimeoutMs));
    await session.start();
  }

  private async sendText(chat: P2PChat, port: ChatPortLike, text: string, ttlMs: number | undefined): Promise<void> {
    try {
      if (!chat.session) throw new C2CError('unsupported', 'The chat is not open yet.');
      await chat.session.sendText(text, ttlMs ? { ttlMs } : {});
    } catch (e) {
      const code = e instanceof C2CError ? e.code : 'internal';
      port.postMessage({ t: 'error', code, reason: e instanceof C2CError ? e.message : 'The message could not be sent.', fatal: false });
    }
  }

  /** Ends through the session when there is one (the peer gets an authenticated end), else at once. */
  private endBySession(chat: P2PChat, reason: ChatStateReason): void {
    chat.endReason ??= reason;
    if (chat.session) void chat.session.end();
    else this.finish(chat);
  }

  private end(chat: P2PChat, reason: ChatStateReason): void {
    chat.endReason ??= reason;
    if (chat.session) chat.session.destroy();
    else this.finish(chat);
  }

  /** Tell pages, forget everything; the owner page closes its channel after a moment (the end frame leaves first). */
  private finish(chat: P2PChat): void {
    if (this.chats.get(chat.id) !== chat) return;
    chat.phase = 'ended';
    for (const t of chat.timers) clearTimeout(t);
    for (const off of chat.unsubscribe.splice(0)) off();
    chat.local?.reject(new C2CError('unavailable', 'The chat ended before the connection started.'));
    this.chats.delete(chat.id);
    this.ended.set(chat.id, chat.endReason ?? 'peer-ended');
    this.endedIds.add(toHex(chat.p2pId));
    while (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.keys().next().value!);
    while (this.endedIds.size > ENDED_REMEMBERED) this.endedIds.delete(this.endedIds.values().next().value!);
    this.broadcast(chat, { t: 'state', state: 'ended', reason: chat.endReason ?? 'peer-ended' });
    chat.ports.clear();
    chat.owner = null;
  }

  /** For a page of a chat we no longer have: why it ended, if we still know. */
  private endedState(chatId: string): BackgroundToPage {
    return { t: 'state', state: 'ended', reason: this.ended.get(chatId) ?? 'unknown-chat' };
  }

  private stateMessage(chat: P2PChat): BackgroundToPage {
    if (chat.phase === 'ended') return { t: 'state', state: 'ended', reason: chat.endReason ?? 'peer-ended' };
    if (chat.phase === 'open') {
      const pq = chat.session?.postQuantum;
      return { t: 'state', state: 'open', ...(pq === null || pq === undefined ? {} : { postQuantum: pq }) };
    }
    return { t: 'state', state: 'connecting', reason: chat.phase === 'waiting-answer' && chat.role === 'inviter' ? 'waiting-answer' : 'handshake' };
  }

  private pushState(chat: P2PChat): void {
    if (this.chats.get(chat.id) === chat) this.broadcast(chat, this.stateMessage(chat));
  }

  private broadcast(chat: P2PChat, message: BackgroundToPage): void {
    broadcast(chat.ports, message);
  }
}

/**
 * What stands for the relay room in the session's prologue and certificates: the chat id both tokens name and
 * both signed DTLS fingerprints (the inviter's first), so the Noise handshake is bound to this very channel.
 */
export function p2pRoomId(p2pId: Uint8Array, [inviter, joiner]: [Uint8Array, Uint8Array]): Uint8Array {
  return sha256(concat(utf8('c2c/p2p/v1/room'), p2pId, inviter, joiner));
}

/** The identity key of the pinned, unchanged contact with this key id; nobody else's token is accepted. */
async function pinnedKeyFor(db: KeyringDB, keyId: Uint8Array): Promise<Uint8Array | undefined> {
  for (const c of await listContacts(db)) {
    if (c.bundle && !c.keyChanged && equalBytes(await keyIdBytes(c.bundle.identityKey), keyId)) return c.bundle.identityKey;
  }
  return undefined;
}

async function contactByKey(db: KeyringDB, identityKey: Uint8Array): Promise<Contact | undefined> {
  return (await listContacts(db)).find((c) => c.bundle && !c.keyChanged && equalBytes(c.bundle.identityKey, identityKey));
}
