// Wires the background's parts together: keyring, inbox, the persistent relay connection, secure chats,
// compose tickets and the request service. index.ts runs it with the browser's globals; Node tests run the same wiring with `ws`.
import { getSenderKeys } from '@/lib/keyring/identity-store';
import type { KeyringDB } from '@/lib/keyring/db';
import { PersistentReplayCache } from '@/lib/keyring/replay-store';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { isChatInvite } from './chat-invites';
import { ChatService, type ChatTiming } from './chat-service';
import { P2PChatService, type P2PDeps, type P2PTiming } from './p2p-chat-service';
import { isPanelBoxAnswer, isPanelWriteAnswer, PANEL_BOX, PANEL_WRITE } from '@/lib/protocol/api/panel-messages';
import { ComposeTickets } from './compose-tickets';
import { Inbox } from './inbox';
import { KeyLog } from './key-log';
import { createMailboxService, relayTarget } from './mailbox-service';
import { RelayConnection } from './relay-connection';
import { NO_PROXY_SUPPORT, SettingsRelayRoute, type RelayRoute } from './relay-route';
import type { BackgroundService } from './router';
import { PanelService, type PanelTabs } from './panel-service';
import { createBackgroundService, type RegistrationStore } from './service';

/** Without a browser (Node tests) there are no tabs: every tab reads as closed. */
const NO_TABS: PanelTabs = {
  sendToTab: () => Promise.reject(new Error('no tabs here')),
  tabUrl: () => Promise.resolve(undefined),
  isEnabledSite: () => Promise.resolve(false),
};

export interface BackgroundOptions {
  db: KeyringDB;
  registrations: RegistrationStore;
  WebSocket: WebSocketConstructor;
  /** The number of contacts inviting us to a chat now (the toolbar badge). */
  onInviteCount?: (count: number) => void;
  backoff?: { minMs: number; maxMs: number };
  requestTimeoutMs?: number;
  chatTiming?: Partial<ChatTiming>;
  /** The browser's tabs, for the side panel. */
  tabs?: PanelTabs;
  /** Chat tabs for peer-to-peer chats (index.ts: browser.tabs); without them, starting one fails. */
  chatTabs?: Pick<P2PDeps, 'openChatTab' | 'showChatTab'>;
  p2pTiming?: Partial<P2PTiming>;
  /** How relay connections are routed (the proxy setting); by default a proxy setting refuses them all. */
  route?: RelayRoute;
}

export function createBackground(opts: BackgroundOptions) {
  const { db, registrations } = opts;
  const route = opts.route ?? new SettingsRelayRoute(db, NO_PROXY_SUPPORT);
  const keyLog = new KeyLog(db, route);
  // Checkpoints contacts gossip in their messages are checked in the background, never waited for.
  const hearGossip = (value: Uint8Array) => void keyLog.hearGossip(value).catch(() => undefined);
  const inbox = new Inbox(db, new PersistentReplayCache(db), hearGossip);
  const connection = new RelayConnection({
    WebSocket: opts.WebSocket,
    // No connection at all while its route cannot be ensured (a proxy set, but not in force).
    target: async () => {
      const target = await relayTarget(db, registrations);
      return route.ensure(target?.url).then(
        () => target,
        () => undefined,
      );
    },
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
    onGossip: hearGossip,
  });
  const tabs = opts.tabs ?? NO_TABS;
  const p2p = new P2PChatService(
    db,
    {
      ...(opts.chatTabs ?? { openChatTab: () => Promise.reject(new Error('no tabs here')), showChatTab: () => Promise.resolve() }),
      // The host box as the side panel writes to it (panel-compose.ts): chosen first, written once sealed.
      hostBox: async (tabId) => {
        const box = await tabs.sendToTab(tabId, { type: PANEL_BOX }).catch(() => undefined);
        if (!isPanelBoxAnswer(box) || box.outcome !== 'found') return null;
        return {
          maxLength: box.maxLength,
          write: async (parts) => {
            const written = await tabs.sendToTab(tabId, { type: PANEL_WRITE, parts }).catch(() => undefined);
            return isPanelWriteAnswer(written) && written.sent;
          },
        };
      },
      onGossip: hearGossip,
    },
    opts.p2pTiming,
  );
  chats.p2p = p2p;
  // One-time tickets the content script leaves for its compose frames (lib/content/frames.ts).
  const tickets = new ComposeTickets();
  const base = createBackgroundService(db, registrations, createMailboxService(db, connection, inbox), chats, route, keyLog, hearGossip, p2p, tickets);
  // The side panel's tab state lives beside the request service and uses its handlers (panel-service.ts).
  const panel = new PanelService({
    ...(opts.tabs ?? NO_TABS),
    decrypt: async (text, context, conversation) =>
      (await base.decrypt({ type: 'decrypt', text, ...(context !== undefined ? { context } : {}), ...(conversation !== undefined ? { conversation } : {}) })).result,
    siteMode: async (site) => (await base.getSiteMode({ type: 'getSiteMode', site })).mode,
    partLength: async (site) => (await base.getSitePartLength({ type: 'getSitePartLength', site })).maxPartLength,
    seal: async (recipients, plaintext, maxPartLength, channel) =>
      (await base.encrypt({ type: 'encrypt', recipients, plaintext, channel, ...(maxPartLength !== undefined ? { maxPartLength } : {}) })).parts,
  });
  const service: BackgroundService = {
    ...base,
    getPanelMessages: (request) => panel.messages(request),
    panelSend: (request) => panel.send(request),
  };
  return { inbox, connection, chats, p2p, service, tickets, panel, route, keyLog };
}
