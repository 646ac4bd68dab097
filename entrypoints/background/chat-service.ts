// Secure chats, held by the background in memory only (docs/CHAT-PROTOCOL.md, "Rendezvous" and "Chat page
// ↔ background"). openChat joins the contact's pending invitation or makes a random room and invites the
// contact to it through the mailbox (re-sent while we wait); frames of a room go to its session; a chat
// page attaches over a port and sees state, messages and errors. Ending (button, tab closed, the peer's
// end, a failed handshake) destroys the session and leaves the room. Nothing is stored or logged.
import { randomBytes, toBase64Url } from '@/lib/bytes';
import { INVITE_ROOM_LENGTH, type Invite } from '@/lib/chat/invite';
import { createChatSession, type ChatError, type ChatSession } from '@/lib/chat/session';
import { C2CError } from '@/lib/errors';
import { MemoryReplayCache } from '@/lib/crypto/replay-cache';
import { safetyNumber } from '@/lib/crypto/safety-number';
import { getContact } from '@/lib/keyring/contacts';
import type { Contact, KeyringDB } from '@/lib/keyring/db';
import { getIdentity, getSenderKeys } from '@/lib/keyring/identity-store';
import {
  pageToBackgroundSchema,
  type BackgroundToPage,
  type ChatPageState,
  type ChatStateReason,
  type PageToBackground,
} from '@/lib/protocol/chat-port';
import { RelayError } from '@/lib/relay-client/client';
import { keyChanged, noIdentity, noPinnedContact, notRegistered } from './refusals';
import { gossipOption, keepSessionExtras } from './chat-session-extras';
import { acceptInvite, INVITE_TTL_MS, PendingInvites, sealInviteFor } from './chat-invites';
import { relayFailure } from './relay-access';
import type { RelayConnection } from './relay-connection';

export interface ChatTiming {
  /** While we wait in our room, the invitation is re-sent this often. */
  inviteResendMs: number;
  /** How long a received invitation stays shown after its last copy. */
  inviteTtlMs: number;
  /** A chat no page attached to within this time is ended (the tab never opened). */
  attachTimeoutMs: number;
  /** After our end, we stay in the room this long to repeat the end frame to a peer that missed it. */
  endLingerMs: number;
  /**
   * From the contact's first frame, the handshake must complete within this time, else the chat ends
   * (`handshake-timeout`): a relay that swaps the contact's handshake for another key's can stall a
   * responder forever, since the impostor cannot answer it.
   */
  handshakeTimeoutMs: number;
  /** Session: handshake retransmission and reorder wait (lib/chat/session.ts defaults when absent). */
  retryMs?: number;
  reorderWaitMs?: number;
}

export const CHAT_TIMING: ChatTiming = {
  inviteResendMs: 3000,
  inviteTtlMs: INVITE_TTL_MS,
  attachTimeoutMs: 60_000,
  endLingerMs: 10_000,
  handshakeTimeoutMs: 30_000,
};

/** What the service needs of a runtime.Port (entrypoints/background/chat-port.ts adapts the browser's). */
export interface ChatPortLike {
  postMessage(message: BackgroundToPage): void;
  onMessage(cb: (raw: unknown) => void): void;
  onDisconnect(cb: () => void): void;
  disconnect(): void;
}

/** Posts to every attached page of a chat; a closed port is skipped (its disconnect handler cleans up). */
export function broadcast(ports: Iterable<ChatPortLike>, message: BackgroundToPage): void {
  for (const port of ports) {
    try {
      port.postMessage(message);
    } catch {
      // Closed meanwhile.
    }
  }
}

/** A session's error, as a chat's pages see it; a fatal one also says why the chat will end. */
export function tellSessionError(chat: { endReason: ChatStateReason | null; ports: Set<ChatPortLike> }, e: ChatError): void {
  if (e.code === 'truncated' && e.lost) return broadcast(chat.ports, { t: 'lost', count: e.lost });
  if (e.fatal) chat.endReason = e.code === 'key-mismatch' || e.code === 'bad-signature' ? e.code : 'error';
  broadcast(chat.ports, { t: 'error', code: e.code, reason: e.reason, fatal: e.fatal });
}

/** Chats of another transport that share the chat page and its port (p2p-chat-service.ts). */
export interface PortChats {
  owns(chatId: string): boolean;
  attach(chatId: string, port: ChatPortLike): Promise<void>;
  fromPage(chatId: string, port: ChatPortLike, message: PageToBackground): Promise<void>;
  detach(chatId: string, port: ChatPortLike): void;
}

type Relay = Pick<RelayConnection, 'joinRoom' | 'leaveRoom' | 'sendToRoom' | 'send' | 'state'>;

interface Chat {
  id: string;
  handle: string;
  roomId: Uint8Array;
  roomKey: string;
  session: ChatSession;
  unsubscribe: (() => void)[];
  ports: Set<ChatPortLike>;
  everAttached: boolean;
  /** We made the room and invite the contact to it until the chat opens. */
  inviting: boolean;
  /** A frame arrived from the room: the contact is there. */
  peerSeen: boolean;
  /** Set when the end is our doing or a handshake failure, before the session reports 'ended'. */
  endReason: ChatStateReason | null;
  inviteTimer: ReturnType<typeof setInterval> | null;
  attachTimer: ReturnType<typeof setTimeout> | null;
  handshakeTimer: ReturnType<typeof setTimeout> | null;
  /** Frames the session sent while our relay connection was down (they are lost). */
  unsent: number;
}

const ENDED_REMEMBERED = 64;

export class ChatService {
  private readonly chats = new Map<string, Chat>();
  private readonly byRoom = new Map<string, Chat>();
  private readonly byHandle = new Map<string, Chat>();
  /** Why recently ended chats ended, so a page attaching late is told (no keys, no handles). */
  private readonly ended = new Map<string, ChatStateReason>();
  /** Rooms of chats that ended: rooms are random and never reused, so an invitation to one is a late copy. */
  private readonly endedRooms = new Set<string>();
  private readonly invites: PendingInvites;
  private readonly replayCache = new MemoryReplayCache(4096);
  private lock: Promise<unknown> = Promise.resolve();
  private readonly timing: ChatTiming;
  /** A contact's key-log checkpoint from its authenticated handshake (checked like a message's gossip). */
  private readonly onGossip: (value: Uint8Array) => void;
  /** Peer-to-peer chats: their pages attach through the same port. */
  p2p: PortChats | null = null;

  constructor(
    private readonly db: KeyringDB,
    private readonly relay: Relay,
    opts: { onInviteCount?: (count: number) => void; timing?: Partial<ChatTiming>; onGossip?: (value: Uint8Array) => void } = {},
  ) {
    this.timing = { ...CHAT_TIMING, ...opts.timing };
    this.onGossip = opts.onGossip ?? (() => undefined);
    this.invites = new PendingInvites((n) => opts.onInviteCount?.(n), this.timing.inviteTtlMs);
  }

  /** The contact invites us to a chat now. */
  hasInvite(handle: string): boolean {
    return this.invites.has(handle);
  }

  /** Joins the contact's invitation, or invites the contact to a new room; the same chat while one is live. */
  openChat(handle: string): Promise<{ chatId: string }> {
    return this.serial(async () => {
      if (!(await getIdentity(this.db))) throw noIdentity();
      const contact = await chattable(this.db, handle);
      const live = this.byHandle.get(contact.handle);
      if (live) return { chatId: live.id };
      const invited = this.invites.take(contact.handle);
      const roomId = invited ?? randomBytes(INVITE_ROOM_LENGTH);
      const chat = await this.startChat(contact, roomId, invited === undefined);
      chat.attachTimer = setTimeout(() => void this.endChat(chat.id, 'tab-closed'), this.timing.attachTimeoutMs);
      return { chatId: chat.id };
    });
  }

  /** A sealed invitation from the mailbox (isChatInvite). Only a pinned contact's, unchanged key, fresh. */
  receiveInvite(payload: Uint8Array): Promise<void> {
    return this.serial(async () => {
      const accepted = await acceptInvite(this.db, payload, this.replayCache);
      if (!accepted) return;
      const { contact, invite } = accepted;
      const chat = this.byHandle.get(contact.handle);
      if (invite.kind === 'withdraw') {
        this.invites.remove(contact.handle, invite.roomId);
        // We joined that room and the contact gave up before the handshake began: nobody will come.
        if (chat?.roomKey === toBase64Url(invite.roomId) && chat.session.state === 'connecting') await this.endChat(chat.id, 'peer-ended');
        return;
      }
      if (chat && chat.roomKey === toBase64Url(invite.roomId)) return; // we are in that room already
      // A copy the contact sent while the handshake was under way can arrive after that chat ended.
      if (this.endedRooms.has(toBase64Url(invite.roomId))) return;
      if (chat?.session.state === 'connecting' && this.shouldMove(chat)) return this.moveToRoom(chat, contact, invite);
      if (chat?.session.state === 'connecting') return; // both invited at once: the peer moves to our room
      this.invites.put(contact.handle, invite.roomId);
    });
  }

  /** A frame the relay forwarded from a room. */
  receiveRoomFrame(room: Uint8Array, payload: Uint8Array): void {
    const chat = this.byRoom.get(toBase64Url(room));
    if (!chat) return;
    if (!chat.peerSeen && chat.session.state === 'connecting') {
      chat.peerSeen = true;
      chat.handshakeTimer = setTimeout(() => {
        if (chat.session.state === 'connecting') void this.endChat(chat.id, 'handshake-timeout');
      }, this.timing.handshakeTimeoutMs);
      this.pushState(chat);
    }
    void chat.session.receive(payload);
  }

  /** The relay connection went up or down: pages show why a chat waits or cannot send. */
  relayStateChanged(): void {
    for (const chat of this.chats.values()) this.pushState(chat);
  }

  /** A chat page connected; the first message must be `attach`. */
  acceptPort(port: ChatPortLike): void {
    let chatId: string | undefined;
    let closed = false;
    let other: PortChats | null = null;
    port.onMessage((raw) => {
      const parsed = pageToBackgroundSchema.safeParse(raw);
      if (!parsed.success) {
        port.postMessage({ t: 'error', code: 'bad-request', reason: 'The chat page sent a message of the wrong shape.', fatal: false });
        return;
      }
      const message = parsed.data;
      if (message.t === 'ping') return port.postMessage({ t: 'pong' });
      if (chatId === undefined) {
        if (message.t !== 'attach') return port.disconnect();
        chatId = message.chatId;
        if (this.p2p?.owns(chatId)) {
          other = this.p2p;
          void other.attach(chatId, port);
          return;
        }
        if (!this.chats.has(chatId)) {
          port.postMessage({ t: 'state', state: 'ended', reason: this.ended.get(chatId) ?? 'unknown-chat' });
          return port.disconnect();
        }
        void this.attach(chatId, port, () => closed);
        return;
      }
      if (other) return void other.fromPage(chatId, port, message);
      void this.fromPage(chatId, port, message);
    });
    port.onDisconnect(() => {
      closed = true;
      if (other && chatId !== undefined) return other.detach(chatId, port);
      // The chat object changes when it moves rooms; its id does not.
      const chat = chatId === undefined ? undefined : this.chats.get(chatId);
      if (!chat) return;
      chat.ports.delete(port);
      // Closing the (last) chat tab ends the chat on both sides, like the end button.
      if (chat.ports.size === 0) void this.endChat(chat.id, 'tab-closed');
    });
  }

  // ---- internals ----

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.lock.then(op);
    this.lock = result.catch(() => undefined);
    return result;
  }

  /** Both sides opened a chat at once (or the peer restarted): who moves to the other's room. */
  private shouldMove(chat: Chat): boolean {
    // We joined the peer's room and the peer now waits in another: follow it. Both made rooms: the
    // initiator's room wins (chooseRole), so only the responder moves.
    return !chat.inviting || chat.session.role === 'responder';
  }

  private async startChat(contact: Contact, roomId: Uint8Array, inviting: boolean, id = toBase64Url(randomBytes(16))): Promise<Chat> {
    const bundle = contact.bundle!;
    try {
      await this.relay.joinRoom(roomId);
    } catch (e) {
      if (e instanceof RelayError && e.code === 'not-registered') throw notRegistered();
      throw relayFailure(e);
    }
    const { identity } = await getSenderKeys(this.db);
    const session = createChatSession({
      identity,
      ...(await gossipOption(this.db)),
      peerIdentityKey: bundle.identityKey,
      roomId,
      send: (frame) => {
        if (!this.relay.sendToRoom(roomId, frame)) chat.unsent++;
      },
      ...(this.timing.retryMs !== undefined ? { retryMs: this.timing.retryMs } : {}),
      ...(this.timing.reorderWaitMs !== undefined ? { reorderWaitMs: this.timing.reorderWaitMs } : {}),
    });
    const chat: Chat = {
      id,
      handle: contact.handle,
      roomId: roomId.slice(),
      roomKey: toBase64Url(roomId),
      session,
      unsubscribe: [],
      ports: new Set(),
      everAttached: false,
      inviting,
      peerSeen: false,
      endReason: null,
      inviteTimer: null,
      attachTimer: null,
      handshakeTimer: null,
      unsent: 0,
    };
    chat.unsubscribe.push(
      session.on('state', (s) => {
        if (s === 'open') this.stopInviting(chat);
        if (s === 'ended') void this.finish(chat);
        else this.pushState(chat);
      }),
      session.on('message', (m) => this.broadcast(chat, { t: 'message', ...m })),
      session.on('message-expired', ({ id: messageId }) => this.broadcast(chat, { t: 'expired', id: messageId })),
      session.on('error', (e) => tellSessionError(chat, e)),
      ...keepSessionExtras(session, this.db, { handle: chat.handle, identityKey: bundle.identityKey }, this.onGossip, () =>
        tellSessionError(chat, { code: 'unsupported', reason: 'the post-quantum secret for later messages could not be stored', fatal: false }),
      ),
    );
    this.chats.set(chat.id, chat);
    this.byRoom.set(chat.roomKey, chat);
    this.byHandle.set(chat.handle, chat);
    await session.start();
    if (inviting) {
      void this.invite(chat, contact);
      chat.inviteTimer = setInterval(() => void this.invite(chat, contact), this.timing.inviteResendMs);
    }
    return chat;
  }

  /** The same chat (id, pages) continues in the peer's room with a fresh session. */
  private async moveToRoom(chat: Chat, contact: Contact, invite: Invite): Promise<void> {
    this.detach(chat);
    this.stopInviting(chat);
    chat.session.destroy();
    this.byRoom.delete(chat.roomKey);
    void this.relay.leaveRoom(chat.roomId);
    let moved: Chat;
    try {
      moved = await this.startChat(contact, invite.roomId, false, chat.id);
    } catch {
      this.chats.delete(chat.id);
      if (this.byHandle.get(chat.handle) === chat) this.byHandle.delete(chat.handle);
      if (chat.attachTimer) clearTimeout(chat.attachTimer);
      this.rememberEnded(chat.id, 'error');
      this.broadcast(chat, { t: 'state', state: 'ended', reason: 'error' });
      return;
    }
    moved.everAttached = chat.everAttached;
    moved.attachTimer = chat.attachTimer;
    for (const port of chat.ports) moved.ports.add(port);
    this.pushState(moved);
  }

  private async invite(chat: Chat, contact: Contact, kind: Invite['kind'] = 'invite'): Promise<void> {
    try {
      const sealed = await sealInviteFor(this.db, contact, { kind, roomId: chat.roomId });
      // The relay only accepts it: whether the contact is online shows when they join the room.
      await this.relay.send(contact.handle, sealed);
    } catch {
      // Our relay connection is down: the state says so; the next resend tries again.
    }
    if (kind === 'invite') this.pushState(chat);
  }

  /** The chat opened or ended: no more invitations, no handshake deadline. */
  private stopInviting(chat: Chat): void {
    if (chat.inviteTimer) clearInterval(chat.inviteTimer);
    if (chat.handshakeTimer) clearTimeout(chat.handshakeTimer);
    chat.inviteTimer = chat.handshakeTimer = null;
  }

  private async attach(chatId: string, port: ChatPortLike, closed: () => boolean): Promise<void> {
    const first = this.chats.get(chatId)!;
    const [own, contact] = await Promise.all([getIdentity(this.db), getContact(this.db, first.handle)]);
    const number = own ? await safetyNumber(own.identityKey, first.session.peerIdentityKey) : '';
    if (closed()) return;
    // The chat may have moved rooms or ended meanwhile. From here on all is synchronous, so the page gets
    // contact, state and transcript first and then each live event exactly once.
    const chat = this.chats.get(chatId);
    if (!chat) {
      port.postMessage({ t: 'state', state: 'ended', reason: this.ended.get(chatId) ?? 'unknown-chat' });
      return port.disconnect();
    }
    chat.ports.add(port);
    chat.everAttached = true;
    port.postMessage({ t: 'contact', handle: chat.handle, safetyNumber: number, verified: contact?.verified ?? false, transport: 'relay' });
    port.postMessage(this.stateMessage(chat));
    for (const m of chat.session.transcript()) port.postMessage({ t: 'message', ...m });
  }

  private async fromPage(chatId: string, port: ChatPortLike, message: PageToBackground): Promise<void> {
    const chat = this.chats.get(chatId);
    if (!chat) return port.postMessage({ t: 'state', state: 'ended', reason: this.ended.get(chatId) ?? 'unknown-chat' });
    if (message.t === 'end') return this.endChat(chatId, 'you-ended');
    if (message.t !== 'send') return;
    if (this.relay.state !== 'connected') {
      return port.postMessage({ t: 'error', code: 'relay-unreachable', reason: 'Not connected to the relay: the message was not sent.', fatal: false });
    }
    const before = chat.unsent;
    try {
      await chat.session.sendText(message.text, message.ttlMs ? { ttlMs: message.ttlMs } : {});
      if (chat.unsent !== before) {
        port.postMessage({ t: 'error', code: 'relay-unreachable', reason: 'The relay connection dropped: this message did not leave.', fatal: false });
      }
    } catch (e) {
      const code = e instanceof C2CError ? e.code : 'internal';
      port.postMessage({ t: 'error', code, reason: e instanceof C2CError ? e.message : 'The message could not be sent.', fatal: false });
    }
  }

  /** Our side ends it: the session tells the peer (authenticated) and destroys itself. */
  private async endChat(chatId: string, reason: ChatStateReason): Promise<void> {
    const chat = this.chats.get(chatId);
    if (!chat || (reason === 'tab-closed' && chat.ports.size > 0)) return;
    chat.endReason ??= reason;
    await chat.session.end(); // emits 'ended' → finish()
  }

  /** The session ended (our end, the peer's, a failed handshake): tell pages, forget everything, leave. */
  private async finish(chat: Chat): Promise<void> {
    if (this.chats.get(chat.id) !== chat) return;
    const reason = chat.endReason ?? 'peer-ended';
    const weEnded = reason === 'you-ended' || reason === 'tab-closed';
    this.stopInviting(chat);
    if (chat.attachTimer) clearTimeout(chat.attachTimer);
    this.chats.delete(chat.id);
    this.byRoom.delete(chat.roomKey);
    if (this.byHandle.get(chat.handle) === chat) this.byHandle.delete(chat.handle);
    this.rememberEnded(chat.id, reason);
    this.endedRooms.add(chat.roomKey);
    if (this.endedRooms.size > ENDED_REMEMBERED) this.endedRooms.delete(this.endedRooms.values().next().value!);
    this.broadcast(chat, { t: 'state', state: 'ended', reason });
    chat.ports.clear();
    if (chat.inviting && !chat.peerSeen) {
      // The contact never came: take the invitation back so their popup stops showing it.
      const contact = await getContact(this.db, chat.handle);
      if (contact) await this.invite(chat, contact, 'withdraw');
    }
    if (weEnded && chat.peerSeen) {
      // Stay a little so the (ciphertext) end frame can be repeated to a peer that missed it.
      this.byRoom.set(chat.roomKey, chat);
      await new Promise((resolve) => setTimeout(resolve, this.timing.endLingerMs));
      if (this.byRoom.get(chat.roomKey) === chat) this.byRoom.delete(chat.roomKey);
    }
    this.detach(chat);
    await this.relay.leaveRoom(chat.roomId);
  }

  private detach(chat: Chat): void {
    for (const off of chat.unsubscribe.splice(0)) off();
  }

  private rememberEnded(id: string, reason: ChatStateReason): void {
    this.ended.set(id, reason);
    while (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.keys().next().value!);
  }

  private stateMessage(chat: Chat): BackgroundToPage {
    const state: ChatPageState = chat.session.state;
    if (state === 'ended') return { t: 'state', state, reason: chat.endReason ?? 'peer-ended' };
    const pq = chat.session.postQuantum;
    const keys = state === 'open' && pq !== null ? { postQuantum: pq } : {};
    if (this.relay.state !== 'connected') return { t: 'state', state, reason: 'relay-offline', ...keys };
    if (state === 'open') return { t: 'state', state, ...keys };
    if (chat.peerSeen || !chat.inviting) return { t: 'state', state, reason: 'handshake' };
    return { t: 'state', state, reason: 'invited' };
  }

  private pushState(chat: Chat): void {
    if (this.chats.get(chat.id) === chat) this.broadcast(chat, this.stateMessage(chat));
  }

  private broadcast(chat: Chat, message: BackgroundToPage): void {
    broadcast(chat.ports, message);
  }
}

/** The pinned contact, if a secure chat with it is allowed: a modern key that has not changed. */
export async function chattable(db: KeyringDB, handle: string): Promise<Contact> {
  const contact = await getContact(db, handle);
  if (!contact) throw noPinnedContact();
  if (!contact.bundle) throw new C2CError('unsupported', 'This contact has only a legacy key: a secure chat needs a modern key.');
  if (contact.keyChanged) throw keyChanged(contact.handle, 'chatting');
  return contact;
}
