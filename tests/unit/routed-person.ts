// A person with a real background (fake-indexeddb keyring, real crypto) reached through routeMessage as the
// popup reaches it, for tests of what the background answers.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { KeyringDB } from '@/lib/keyring/db';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { createBackground } from '@/entrypoints/background/create-background';
import { routeMessage } from '@/entrypoints/background/router';
import type { RegistrationStore } from '@/entrypoints/background/service';

const SENDER = { id: 'ext', url: 'chrome-extension://ext/popup.html' };

/** A fresh background with an identity for `handle`; `call` sends a request as the popup does. */
export async function routedPerson(handle: string) {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  const registrations: RegistrationStore = { get: async () => undefined, set: async () => undefined };
  const { service } = createBackground({ db, registrations, WebSocket: WebSocket as unknown as WebSocketConstructor });
  const ctx = { ownId: 'ext', ownBaseUrl: 'chrome-extension://ext/', service, isEnabledSite: async () => true };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field by the tests
  const call = (request: Record<string, unknown>): Promise<any> => routeMessage(request, SENDER, ctx);
  expect(await call({ type: 'createIdentity', handle })).toMatchObject({ ok: true });
  const { bundle } = await call({ type: 'getPublicBundle' });
  return { db, call, bundle: bundle as string };
}

export type RoutedPerson = Awaited<ReturnType<typeof routedPerson>>;

/** `who` pins `whom` under `handle` from its bundle. */
export async function pinRouted(who: RoutedPerson, handle: string, whom: RoutedPerson): Promise<void> {
  expect(await who.call({ type: 'pinContact', handle, bundle: whom.bundle })).toMatchObject({ ok: true });
}
