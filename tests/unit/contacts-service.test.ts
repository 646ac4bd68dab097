// The background's contact and identity care requests (contacts-service.ts), through routeMessage as the
// popup reaches them: real keyrings (fake-indexeddb), real crypto, hostile and stale inputs.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateIdentity } from '@/lib/crypto/identity';
import { generatePrekey } from '@/lib/crypto/prekey';
import { decodePublicBundle, encodePublicBundle } from '@/lib/crypto/public-bundle';
import { safetyNumber } from '@/lib/crypto/safety-number';
import { KeyringDB } from '@/lib/keyring/db';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { createBackground } from '@/entrypoints/background/create-background';
import { routeMessage } from '@/entrypoints/background/router';
import type { RegistrationStore } from '@/entrypoints/background/service';

const SENDER = { id: 'ext', url: 'chrome-extension://ext/popup.html' };
const PASS = 'a long enough passphrase';

/** The background as index.ts wires it; no relay is set, so the connection never opens. */
function makeBackground() {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  const registrations: RegistrationStore = { get: async () => undefined, set: async () => undefined };
  const { service } = createBackground({ db, registrations, WebSocket: WebSocket as unknown as WebSocketConstructor });
  const ctx = { ownId: 'ext', ownBaseUrl: 'chrome-extension://ext/', service, isEnabledSite: async () => true };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
  return (request: Record<string, unknown>): Promise<any> => routeMessage(request, SENDER, ctx);
}

async function person(handle: string) {
  const call = makeBackground();
  expect(await call({ type: 'createIdentity', handle })).toMatchObject({ ok: true });
  const { bundle } = await call({ type: 'getPublicBundle' });
  return { call, bundle: bundle as string, key: (await decodePublicBundle(bundle)).identityKey };
}

async function pair() {
  const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
  expect(await alice.call({ type: 'pinContact', handle: 'bob', bundle: bob.bundle })).toMatchObject({ ok: true, result: 'pinned' });
  expect(await bob.call({ type: 'pinContact', handle: 'alice', bundle: alice.bundle })).toMatchObject({ ok: true, result: 'pinned' });
  return { alice, bob };
}

const failure = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });

async function impostorBundle(handle: string) {
  const id = await generateIdentity(true);
  return { key: id.publicKey, bundle: encodePublicBundle({ identityKey: id.publicKey, prekey: await generatePrekey(id), handle }) };
}

describe('contacts-service: details and verification by code', () => {
  it('gives the key history, a QR payload per side and the same safety number on both sides', async () => {
    const { alice, bob } = await pair();
    const a = await alice.call({ type: 'getContactDetails', handle: 'bob' });
    const b = await bob.call({ type: 'getContactDetails', handle: 'alice' });
    expect(a.ok).toBe(true);
    expect(a.contact.safetyNumber).toBe(b.contact.safetyNumber);
    expect(a.contact.safetyNumber).toBe(await safetyNumber(alice.key, bob.key));
    expect(a.verificationCode).toMatch(/^c2cverify1:[0-9a-f]{64}:[0-9a-f]{64}$/);
    expect(a.verificationCode).not.toBe(b.verificationCode);
    expect(a.pendingKey).toBeNull();
    expect(a.keyHistory).toEqual([{ fingerprint: a.contact.fingerprint, firstSeen: expect.any(Number), lastSeen: expect.any(Number), state: 'pinned' }]);
    expect(await alice.call({ type: 'getContactDetails', handle: 'carol' })).toEqual(failure('not-found'));
  });

  it('refuses garbage, truncated and oversized codes; a wrong or tampered code is a mismatch and verifies nothing', async () => {
    const { alice, bob } = await pair();
    const own = (await alice.call({ type: 'getContactDetails', handle: 'bob' })).verificationCode as string;
    const theirs = (await bob.call({ type: 'getContactDetails', handle: 'alice' })).verificationCode as string;
    const verify = (code: string) => alice.call({ type: 'verifyContactCode', handle: 'bob', code });

    expect(await verify('hello')).toEqual(failure('malformed'));
    expect(await verify(theirs.slice(0, -1))).toEqual(failure('malformed'));
    expect(await verify(`${theirs}00`)).toEqual(failure('malformed'));
    expect(await verify('x'.repeat(600))).toEqual(failure('bad-request'));
    expect(await verify(own)).toMatchObject({ ok: true, result: 'mismatch', contact: { verified: false } });
    const flipped = theirs.slice(0, 20) + (theirs[20] === '0' ? '1' : '0') + theirs.slice(21);
    expect(await verify(flipped)).toMatchObject({ ok: true, result: 'mismatch', contact: { verified: false } });
    expect((await alice.call({ type: 'listContacts' })).contacts[0].verified).toBe(false);

    expect(await verify(`  ${theirs}\n`)).toMatchObject({ ok: true, result: 'match', contact: { verified: true } });
    expect((await alice.call({ type: 'listContacts' })).contacts[0].verified).toBe(true);
    expect(await alice.call({ type: 'verifyContactCode', handle: 'nobody', code: theirs })).toEqual(failure('not-found'));
  });
});

describe('contacts-service: key change, re-verify, remove', () => {
  it('a changed key shows its new safety number, blocks code verification, and is accepted only by its own fingerprint', async () => {
    const { alice, bob } = await pair();
    const theirs = (await bob.call({ type: 'getContactDetails', handle: 'alice' })).verificationCode as string;
    expect(await alice.call({ type: 'verifyContactCode', handle: 'bob', code: theirs })).toMatchObject({ result: 'match' });
    const oldFingerprint = (await alice.call({ type: 'getContactDetails', handle: 'bob' })).contact.fingerprint as string;

    const impostor = await impostorBundle('bob');
    expect(await alice.call({ type: 'pinContact', handle: 'bob', bundle: impostor.bundle })).toMatchObject({ ok: true, result: 'key-changed' });
    const d = await alice.call({ type: 'getContactDetails', handle: 'bob' });
    expect(d.contact).toMatchObject({ keyChanged: true, fingerprint: oldFingerprint, safetyNumber: await safetyNumber(alice.key, bob.key) });
    expect(d.pendingKey.safetyNumber).toBe(await safetyNumber(alice.key, impostor.key));
    expect(d.keyHistory.map((k: { state: string }) => k.state).sort()).toEqual(['pending', 'pinned']);
    expect(await alice.call({ type: 'verifyContactCode', handle: 'bob', code: theirs })).toEqual(failure('key-changed'));
    expect(await alice.call({ type: 'encrypt', recipients: ['bob'], plaintext: 'hi' })).toEqual(failure('key-changed'));

    // A fingerprint that is neither key (the contact changed again, or a forged request) changes nothing.
    expect(await alice.call({ type: 'reverifyContact', handle: 'bob', fingerprint: 'ABCD'.repeat(16) })).toEqual(failure('key-mismatch'));
    expect(await alice.call({ type: 'reverifyContact', handle: 'bob', fingerprint: '' })).toEqual(failure('key-mismatch'));
    expect((await alice.call({ type: 'getContactDetails', handle: 'bob' })).contact.keyChanged).toBe(true);

    // Accepting by the pending key's fingerprint, typed without spaces and in lower case.
    const accepted = await alice.call({ type: 'reverifyContact', handle: 'bob', fingerprint: d.pendingKey.fingerprint.replace(/ /g, '').toLowerCase() });
    expect(accepted).toMatchObject({ ok: true, contact: { keyChanged: false, verified: false, fingerprint: d.pendingKey.fingerprint } });
    const after = await alice.call({ type: 'getContactDetails', handle: 'bob' });
    expect(after.contact.safetyNumber).toBe(d.pendingKey.safetyNumber);
    const previous = after.keyHistory.find((k: { state: string }) => k.state === 'previous');
    expect(previous).toMatchObject({ fingerprint: oldFingerprint, replacedAt: expect.any(Number) });
    expect(await alice.call({ type: 'encrypt', recipients: ['bob'], plaintext: 'hi' })).toMatchObject({ ok: true });
  });

  it('keeping the pinned key clears the flag and keeps the earlier comparison', async () => {
    const { alice, bob } = await pair();
    const theirs = (await bob.call({ type: 'getContactDetails', handle: 'alice' })).verificationCode as string;
    await alice.call({ type: 'verifyContactCode', handle: 'bob', code: theirs });
    await alice.call({ type: 'pinContact', handle: 'bob', bundle: (await impostorBundle('bob')).bundle });
    const pinned = (await alice.call({ type: 'getContactDetails', handle: 'bob' })).contact.fingerprint;
    expect(await alice.call({ type: 'reverifyContact', handle: 'bob', fingerprint: pinned })).toMatchObject({
      ok: true,
      contact: { keyChanged: false, verified: true, safetyNumber: await safetyNumber(alice.key, bob.key) },
    });
  });

  it('removes a contact once; sending to it then fails plainly', async () => {
    const { alice } = await pair();
    expect(await alice.call({ type: 'removeContact', handle: 'bob' })).toEqual({ ok: true, removed: true });
    expect(await alice.call({ type: 'removeContact', handle: 'bob' })).toEqual(failure('not-found'));
    expect(await alice.call({ type: 'encrypt', recipients: ['bob'], plaintext: 'hi' })).toEqual(failure('not-found'));
  });
});

describe('contacts-service: backup, restore and security choice', () => {
  it('restores into a fresh keyring only, with the right passphrase; fingerprint and safety numbers are unchanged', async () => {
    const { alice, bob } = await pair();
    expect(await alice.call({ type: 'exportBackup', passphrase: 'short' })).toEqual(failure('weak-passphrase'));
    const { backup } = await alice.call({ type: 'exportBackup', passphrase: PASS });
    expect(await alice.call({ type: 'restoreBackup', backup, passphrase: PASS })).toEqual(failure('identity-exists'));

    const fresh = makeBackground();
    expect(await fresh({ type: 'exportBackup', passphrase: PASS })).toEqual(failure('no-identity'));
    expect(await fresh({ type: 'restoreBackup', backup, passphrase: 'not the passphrase' })).toEqual(failure('wrong-passphrase'));
    expect((await fresh({ type: 'restoreBackup', backup: backup.slice(0, backup.length / 2), passphrase: PASS })).ok).toBe(false);
    expect(await fresh({ type: 'restoreBackup', backup: 'garbage', passphrase: PASS })).toMatchObject({ ok: false });
    expect(await fresh({ type: 'restoreBackup', backup: '  ', passphrase: PASS })).toEqual(failure('bad-request'));
    expect(await fresh({ type: 'getState' })).toMatchObject({ ok: true, identity: null }); // nothing half-restored

    const restored = await fresh({ type: 'restoreBackup', backup, passphrase: PASS });
    const original = await alice.call({ type: 'getState' });
    expect(restored).toEqual({ ok: true, identity: original.identity });
    expect((await fresh({ type: 'listContacts' })).contacts).toEqual((await alice.call({ type: 'listContacts' })).contacts);
    expect((await fresh({ type: 'listContacts' })).contacts[0].safetyNumber).toBe(await safetyNumber(alice.key, bob.key));
  });

  it('saves a valid colour and image only; invalid ones change nothing', async () => {
    const { alice } = await pair();
    expect(await alice.call({ type: 'getSecurity' })).toEqual({ ok: true, security: { colour: null, image: null } });
    expect(await alice.call({ type: 'saveSecurity', colour: 'red', image: 'owl' })).toEqual(failure('malformed'));
    expect(await alice.call({ type: 'saveSecurity', colour: '#00ff00', image: 'dragon' })).toEqual(failure('malformed'));
    expect(await alice.call({ type: 'saveSecurity', colour: '#00ff00'.repeat(5), image: 'owl' })).toEqual(failure('bad-request'));
    expect(await alice.call({ type: 'getSecurity' })).toEqual({ ok: true, security: { colour: null, image: null } });
    expect(await alice.call({ type: 'saveSecurity', colour: '#C0FFEE', image: 'owl' })).toEqual({ ok: true, security: { colour: '#c0ffee', image: 'owl' } });
    expect(await alice.call({ type: 'getSecurity' })).toEqual({ ok: true, security: { colour: '#c0ffee', image: 'owl' } });
  });
});
