// Wires the background's parts together: keyring, inbox, the persistent relay connection, secure chats and
// the request service. index.ts runs it with the browser's globals; Node tests run the same wiring with `ws`.
import { getSenderKeys } from '@/lib/keyring/identity-store';
import type { KeyringDB } from '@/lib/keyring/db';
import { PersistentReplayCache } from '@/lib/keyring/replay-store';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { isChatInvite } from './chat-invites';
import { ChatService, type ChatTiming } from './chat-service';
import { Inbox } from './inbox';
import { createMailboxService, relayTarget } from './mailbox-service';
import { RelayConnection } from './relay-connection';
import { createBackgroundService, type RegistrationStore } from './service';

export interface BackgroundOptions {
  db: KeyringDB;
  registrations: RegistrationStore;
  WebSocket: WebSocketConstructor;
  /** The number of contacts inviting us to a chat now (the toolbar badge). */
  onInviteCount?: (count: number) => void;
  backoff?: { minMs: number; maxMs: number };
  requestTimeoutMs?: number;
  chatTiming?: Partial<ChatTiming>;
}

export function createBackground(opts: BackgroundOptions) {
  const { db, registrations } = opts;
  const inbox = new Inbox(db, new PersistentReplayCache(db));
  const connection = new RelayConnection({
    WebSocket: opts.WebSocket,
    target: () => relayTarget(db, registrations),
    identity: async () => (await getSenderKeys(db)).identity,
    // Chat invitations go to the chat service, never into the inbox as text. (`chats` is declared below;
    // the connection calls back only once it has connected, after that.)
    onMailbox: (from, payload) => void (isChatInvite(payload) ? chats.receiveInvite(payload) : inbox.receive(from, payload)),
    onRoom: (room, payload) => chats.receiveRoomFrame(room, payload),
    onState: () => chats.relayStateChanged(),
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
  });
  const chats = new ChatService(db, connection, {
    ...(opts.onInviteCount ? { onInviteCount: opts.onInviteCount } : {}),
    ...(opts.chatTiming ? { timing: opts.chatTiming } : {}),
  });
  const service = createBackgroundService(db, registrations, createMailboxService(db, connection, inbox), chats);
  return { inbox, connection, chats, service };
}
