// Prekey rotation in the background, against a real relay process: "rotate now" and the weekly alarm's
// check publish the new signed prekey to the relay when registered (a lookup then returns it), and a
// relay that cannot be reached leaves the rotation done but unpublished.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodePublicBundle } from '@/lib/crypto/public-bundle';
import { PREKEY_ROTATION_MS } from '@/lib/crypto/prekey';
import { KeyringDB } from '@/lib/keyring/db';
import { getIdentity } from '@/lib/keyring/identity-store';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { createBackground } from '@/entrypoints/background/create-background';
import { rotateIfDue } from '@/entrypoints/background/prekey-rotation';
import { routeMessage } from '@/entrypoints/background/router';
import type { RegistrationStore } from '@/entrypoints/background/service';
import { join } from 'node:path';
import { c2c, cleanup, client, startRelay, tempDir, type RunningRelay } from './harness';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const POPUP = { id: 'ext', url: 'chrome-extension://ext/popup.html' };

function makeBackground() {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  let stored: { relayUrl: string; handle: string } | undefined;
  const registrations: RegistrationStore = { get: async () => stored, set: async (v) => void (stored = v) };
  const { service, connection } = createBackground({ db, registrations, WebSocket: WebSocket as unknown as WebSocketConstructor });
  const ctx = { ownId: 'ext', ownBaseUrl: 'chrome-extension://ext/', service, isEnabledSite: async () => true };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = (request: Record<string, unknown>): Promise<any> => routeMessage(request, POPUP, ctx as never);
  return { db, registrations, call, connection };
}

async function prekeyOnRelay(url: string, handle: string): Promise<number> {
  const c = client(url);
  await c.connect();
  try {
    return (await decodePublicBundle((await c.lookup(handle)).bundle)).prekey.created;
  } finally {
    c.close();
  }
}

describe('prekey rotation through the background', { timeout: 60_000 }, () => {
  let relay: RunningRelay;
  let bob: ReturnType<typeof makeBackground>;

  beforeAll(async () => {
    relay = await startRelay();
    bob = makeBackground();
    expect(await bob.call({ type: 'createIdentity', handle: 'bob' })).toMatchObject({ ok: true });
    expect(await bob.call({ type: 'saveSettings', relayUrl: relay.url })).toMatchObject({ ok: true });
    expect(await bob.call({ type: 'relayRegister' })).toMatchObject({ ok: true });
  }, 60_000);

  afterAll(async () => {
    bob?.connection.stop();
    await cleanup();
  });

  it('"rotate now" makes a new prekey, keeps the old one, and the relay serves the new one', async () => {
    const before = (await getIdentity(bob.db))!.prekey;
    expect(await prekeyOnRelay(relay.url, 'bob')).toBe(before.created);
    await new Promise((r) => setTimeout(r, 5)); // a later creation time than the first prekey's
    const rotated = await bob.call({ type: 'rotatePrekey' });
    expect(rotated).toMatchObject({ ok: true, published: true, retainedPrekeys: 1 });
    expect(rotated.prekeyCreated).toBeGreaterThan(before.created);
    expect(await prekeyOnRelay(relay.url, 'bob')).toBe(rotated.prekeyCreated);
    // The bundle the popup shows is the new one too.
    const shown = await decodePublicBundle((await bob.call({ type: 'getPublicBundle' })).bundle);
    expect(shown.prekey.created).toBe(rotated.prekeyCreated);
  });

  it('the alarm rotates only once the current prekey is a week old, and publishes it', async () => {
    const current = (await getIdentity(bob.db))!.prekey.created;
    expect(await rotateIfDue(bob.db, bob.registrations, current + PREKEY_ROTATION_MS - 1)).toBe(false);
    expect((await getIdentity(bob.db))!.prekey.created).toBe(current);
    expect(await rotateIfDue(bob.db, bob.registrations, current + PREKEY_ROTATION_MS)).toBe(true);
    expect((await getIdentity(bob.db))!.prekey.created).toBe(current + PREKEY_ROTATION_MS);
    expect(await prekeyOnRelay(relay.url, 'bob')).toBe(current + PREKEY_ROTATION_MS);
  });

  it('with the relay down, the rotation still happens and says it was not published', async () => {
    await relay.kill();
    const rotated = await bob.call({ type: 'rotatePrekey' });
    expect(rotated).toMatchObject({ ok: true, published: false });
    expect((await getIdentity(bob.db))!.prekey.created).toBe(rotated.prekeyCreated);
  });

  it('without an identity the alarm does nothing', async () => {
    const nobody = makeBackground();
    expect(await rotateIfDue(nobody.db, nobody.registrations, Date.now())).toBe(false);
  });
});

describe('c2c rotate --relay', { timeout: 60_000 }, () => {
  it('publishes the new prekey: a lookup returns the rotated public key; with the relay gone it says so and keeps the rotation', async () => {
    const relay = await startRelay();
    const key = join(tempDir(), 'carol.key');
    expect((await c2c(['keygen', '--out', key, '--handle', 'carol']).done).code).toBe(0);
    expect((await c2c(['register', '--relay', relay.url, '--key', key, '--handle', 'carol']).done).code).toBe(0);
    const before = (await c2c(['lookup', '--relay', relay.url, 'carol']).done).stdout.split('\n')[0];

    const rotated = await c2c(['rotate', '--key', key, '--relay', relay.url]).done;
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stderr).toContain('published to the relay');
    const now = (await c2c(['lookup', '--relay', relay.url, 'carol']).done).stdout.split('\n')[0];
    expect(now).not.toBe(before);
    expect(now).toBe(rotated.stdout.trim());

    await relay.kill();
    const offline = await c2c(['rotate', '--key', key, '--relay', relay.url]).done;
    expect(offline.code).not.toBe(0);
    expect(offline.stderr).toMatch(/the key file was rotated, but the relay did not take the new prekey/);
    expect((await c2c(['pub', key]).done).stdout.trim()).not.toBe(now); // rotated locally all the same
  });
});
