// The background owns the keyring and all crypto. Pages reach it only through the validated message
// API (lib/protocol/background-api.ts); the listener is registered synchronously so a worker woken by
// a message finds it in place.
import '../shared/zod-jitless';
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { KeyringDB } from '@/lib/keyring/db';
import { routeMessage, type RouterContext } from './router';
import { createBackgroundService, type RegistrationStore } from './service';

export default defineBackground(() => {
  const ctx: RouterContext = {
    ownId: browser.runtime.id,
    ownBaseUrl: browser.runtime.getURL('/'),
    service: createBackgroundService(new KeyringDB(), {
      // Not secret (a relay URL and our public handle): extension storage, not the keyring.
      get: async () => (await browser.storage.local.get('relayRegistration')).relayRegistration as Awaited<ReturnType<RegistrationStore['get']>>,
      set: (value) => browser.storage.local.set({ relayRegistration: value }),
    }),
  };
  browser.runtime.onMessage.addListener((message: unknown, sender) => routeMessage(message, sender, ctx));
});
