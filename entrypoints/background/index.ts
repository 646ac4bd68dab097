// The background owns the keyring and all crypto. Pages reach it only through the validated message
// API (lib/protocol/background-api.ts); the listener is registered synchronously so a worker woken by
// a message finds it in place.
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { KeyringDB } from '@/lib/keyring/db';
import { getSenderKeys } from '@/lib/keyring/identity-store';
import { PersistentReplayCache } from '@/lib/keyring/replay-store';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { ComposeTickets } from './compose-tickets';
import { isContentScriptRequest, routeContentScriptMessage } from './content-requests';
import { Inbox } from './inbox';
import { createMailboxService, relayTarget } from './mailbox-service';
import { RelayConnection } from './relay-connection';
import { routeMessage, type RouterContext } from './router';
import { createBackgroundService, type RegistrationStore } from './service';

export default defineBackground(() => {
  const db = new KeyringDB();
  const registrations: RegistrationStore = {
    // Not secret (a relay URL and our public handle): extension storage, not the keyring.
    get: async () => (await browser.storage.local.get('relayRegistration')).relayRegistration as Awaited<ReturnType<RegistrationStore['get']>>,
    set: (value) => browser.storage.local.set({ relayRegistration: value }),
  };
  const inbox = new Inbox(db, new PersistentReplayCache(db));
  const connection = new RelayConnection({
    WebSocket: globalThis.WebSocket as unknown as WebSocketConstructor,
    target: () => relayTarget(db, registrations),
    identity: async () => (await getSenderKeys(db)).identity,
    onMailbox: (from, payload) => void inbox.receive(from, payload),
  });
  const tickets = new ComposeTickets();
  const ctx: RouterContext = {
    ownId: browser.runtime.id,
    ownBaseUrl: browser.runtime.getURL('/'),
    service: createBackgroundService(db, registrations, createMailboxService(db, connection, inbox), tickets),
  };
  // Each request may have changed the identity, relay URL or registration: re-check the connection after it.
  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    if (isContentScriptRequest(message)) return Promise.resolve(routeContentScriptMessage(message, sender, ctx.ownId, tickets));
    return routeMessage(message, sender, ctx).finally(() => void connection.sync());
  });
  // This worker just started (browser start-up, or woken by an event): connect if we should be.
  void connection.sync();
});
