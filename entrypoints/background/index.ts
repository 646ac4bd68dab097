// The background owns the keyring and all crypto. Pages reach it only through the validated message
// API (lib/protocol/background-api.ts); the listener is registered synchronously so a worker woken by
// a message finds it in place.
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { KeyringDB } from '@/lib/keyring/db';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { acceptChatPort } from './chat-port';
import { acceptBrowserFilePort } from './file-port';
import { type FileLinkHost, isFileLinkRequest, routeFileLink } from './file-links';
import { FILE_PORT_NAME } from '@/lib/protocol/file-port';
import { isContentScriptRequest, isPanelReport, routeContentScriptMessage, routePanelReport } from './content-requests';
import { createBackground } from './create-background';
import type { IsEnabledSite } from './frame-entitlement';
import { isComposeHereRequest, listenForComposeCommand, routeComposeHere } from './open-compose';
import { listenForPanelCommand } from './open-panel';
import { listenForOwnLogAlarm } from './key-log';
import { listenForRotationAlarm } from './prekey-rotation';
import { routeMessage, type RouterContext } from './router';
import { chromeProxyControl, firefoxProxyControl } from './relay-proxy';
import { SettingsRelayRoute } from './relay-route';
import type { RegistrationStore } from './service';
import { isSiteEnabled, sitePattern } from '../shared/enabled-site';

export default defineBackground(() => {
  const db = new KeyringDB();
  const registrations: RegistrationStore = {
    // Not secret (a relay URL and our public handle): extension storage, not the keyring.
    get: async () => (await browser.storage.local.get('relayRegistration')).relayRegistration as Awaited<ReturnType<RegistrationStore['get']>>,
    set: (value) => browser.storage.local.set({ relayRegistration: value }),
  };
  const isEnabledSite: IsEnabledSite = (origin) => {
    const pattern = sitePattern(new URL(origin));
    return pattern === null ? Promise.resolve(false) : isSiteEnabled(pattern);
  };
  // The proxy setting's route for every relay connection (relay-route.ts, relay-proxy.ts).
  const route = new SettingsRelayRoute(db, import.meta.env.FIREFOX ? firefoxProxyControl(browser.runtime.getURL('/')) : chromeProxyControl());
  /** Peer-to-peer chat pages the background opened, by chat id (to bring one to the front). */
  const chatTabs = new Map<string, number>();
  const { connection, chats, service, tickets, panel, keyLog } = createBackground({
    db,
    registrations,
    route,
    WebSocket: globalThis.WebSocket as unknown as WebSocketConstructor,
    onInviteCount: showInviteBadge,
    chatTabs: {
      // A background tab: the host page keeps the focus while the invitation or answer is written into it.
      openChatTab: async (chatId) => {
        const tab = await browser.tabs.create({ url: `${browser.runtime.getURL('/chat.html')}#${chatId}`, active: false });
        if (tab.id !== undefined) chatTabs.set(chatId, tab.id);
        // Only the newest few are ever brought to the front (right after joining).
        if (chatTabs.size > 16) chatTabs.delete(chatTabs.keys().next().value!);
      },
      showChatTab: async (chatId) => {
        const tabId = chatTabs.get(chatId);
        if (tabId !== undefined) await browser.tabs.update(tabId, { active: true });
      },
    },
    tabs: {
      sendToTab: (tabId, message) => browser.tabs.sendMessage(tabId, message),
      tabUrl: (tabId) => browser.tabs.get(tabId).then((tab) => tab.url ?? '', () => undefined),
      isEnabledSite,
    },
  });
  const ctx: RouterContext = {
    ownId: browser.runtime.id,
    ownBaseUrl: browser.runtime.getURL('/'),
    service,
    isEnabledSite,
  };
  const fileLinkHost: FileLinkHost = {
    keep: (key, url) => browser.storage.session.set({ [key]: url }),
    openPage: async (path) => void (await browser.tabs.create({ url: browser.runtime.getURL(path as '/popup.html') })),
  };
  // Chat pages: a long-lived port each (chat-port.ts); registered synchronously like the message listener.
  // Files: a port per job from the popup, options page or side panel (file-port.ts).
  browser.runtime.onConnect.addListener((port) =>
    port.name === FILE_PORT_NAME ? acceptBrowserFilePort(port, db, ctx.ownId, ctx.ownBaseUrl) : acceptChatPort(port, chats, ctx.ownId, ctx.ownBaseUrl),
  );
  // Each request may have changed the identity, relay URL or registration: re-check the connection after it.
  browser.runtime.onMessage.addListener((message: unknown, sender) => {
    if (isContentScriptRequest(message)) return Promise.resolve(routeContentScriptMessage(message, sender, ctx.ownId, tickets));
    if (isPanelReport(message)) return routePanelReport(message, sender, ctx.ownId, panel);
    if (isComposeHereRequest(message)) return routeComposeHere(message, sender, ctx.ownId, ctx.ownBaseUrl);
    if (isFileLinkRequest(message)) return routeFileLink(message, sender, ctx.ownId, fileLinkHost);
    const answer = routeMessage(message, sender, ctx);
    if (!isPanelPoll(message)) return answer.finally(() => void connection.sync());
    // (The side panel's poll changes none of them: no re-check ten times a second.)
    watchTabs();
    return answer;
  });
  // The side panel shows a tab's page only while it is there (panel-service.ts). Listened to only once a
  // panel has asked for a tab, not from the start: a listener registered when the worker starts wakes it
  // for every tab anyone loads or closes. What the panel service holds goes with the worker anyway.
  let watchingTabs = false;
  function watchTabs(): void {
    if (watchingTabs) return;
    watchingTabs = true;
    browser.tabs.onRemoved.addListener((tabId) => panel.forgetTab(tabId));
    browser.tabs.onUpdated.addListener((tabId, change) => {
      if (change.url !== undefined) panel.navigated(tabId, change.url);
    });
  }
  listenForComposeCommand();
  listenForRotationAlarm(db, registrations, route);
  listenForOwnLogAlarm(() => keyLog.checkOwnHandle(registrations));
  listenForPanelCommand();
  // A new install starts with the first-run flow on the options page (entrypoints/options/FirstRun.tsx).
  browser.runtime.onInstalled.addListener(({ reason }) => {
    if (reason === 'install') void browser.tabs.create({ url: browser.runtime.getURL('/options.html#setup') });
  });
  // This worker just started (browser start-up, or woken by an event): connect if we should be.
  void connection.sync();
});

function isPanelPoll(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'getPanelMessages';
}

/** The toolbar badge shows how many contacts invite us to a secure chat now. */
function showInviteBadge(count: number): void {
  browser.action.setBadgeText({ text: count > 0 ? String(count) : '' }).catch(() => undefined);
}
