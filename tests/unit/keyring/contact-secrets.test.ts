// Per-contact post-quantum secrets in the keyring (lib/keyring/contact-secrets.ts): wrapped at rest,
// replaced with a 30-day overlap, carried by backups, and used by sealing and opening.
import Dexie from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { fromUtf8, toBase64Url, toHex, utf8 } from '../../../lib/bytes';
import { newSelfPqSecret } from '../../../lib/crypto/contact-pq';
import { openMessageV2, sealMessageV2 } from '../../../lib/crypto/message-v2';
import { decryptBackupPayload, encryptBackupPayload } from '../../../lib/keyring/backup';
import { CONTACT_SECRET_RETENTION_MS, MAX_KEPT_CONTACT_SECRETS } from '../../../lib/keyring/contact-secrets';
import { KEYRING_DB_NAME, SCHEMA_V1 } from '../../../lib/keyring/db';
import { freshFactory, makePerson, openTestKeyring } from './helpers';

const DAY = 24 * 60 * 60 * 1000;
const PASS = 'correct horse battery staple';

async function setUp() {
  const k = openTestKeyring();
  await k.createIdentity('alice');
  const bob = await makePerson('bob');
  await k.pinContact('bob', await bob.bundleAt(1));
  return { k, bob };
}

describe('contact secrets in the keyring', () => {
  it('are stored wrapped: the raw secret appears nowhere in the database', async () => {
    const { k, bob } = await setUp();
    const secret = newSelfPqSecret();
    await k.storeContactSecret('bob', bob.identity.publicKey, secret, 10);
    const rows = JSON.stringify(await k.db.contactSecrets.toArray(), (_k, v) => (v instanceof Uint8Array ? toHex(v) : v));
    expect(rows).not.toContain(toHex(secret));
    expect((await k.postQuantumForOpening(11)).contactSecrets.map(toHex)).toEqual([toHex(secret)]);
  });

  it('a new secret replaces the old one for sending; the old one still opens for 30 days', async () => {
    const { k, bob } = await setUp();
    const [first, second] = [newSelfPqSecret(), newSelfPqSecret()];
    await k.storeContactSecret('bob', bob.identity.publicKey, first, 0);
    const ownBefore = (await k.postQuantumForOpening(0)).selfPqSecret!;
    await k.storeContactSecret('bob', bob.identity.publicKey, second, DAY);
    const sending = await k.postQuantumForSending([{ handle: 'bob', identityKey: bob.identity.publicKey }]);
    expect(toHex(sending!.contacts.get(toHex(bob.identity.publicKey))!)).toBe(toHex(second));
    // The own pq secret is made once: own copies sealed before still open.
    expect(toHex(sending!.self)).toBe(toHex(ownBefore));
    expect((await k.postQuantumForOpening(DAY + 1)).contactSecrets.map(toHex)).toEqual([toHex(second), toHex(first)]);
    expect((await k.postQuantumForOpening(DAY + CONTACT_SECRET_RETENTION_MS)).contactSecrets.map(toHex)).toEqual([toHex(second)]);
    // The next replacement drops what has expired.
    const third = newSelfPqSecret();
    await k.storeContactSecret('bob', bob.identity.publicKey, third, DAY + CONTACT_SECRET_RETENTION_MS + 5);
    expect((await k.db.contactSecrets.get('bob'))!.secrets).toHaveLength(2);
  });

  it('a contact who chats often keeps at most MAX_KEPT_CONTACT_SECRETS, the newest, whatever their age', async () => {
    const { k, bob } = await setUp();
    const made = Array.from({ length: MAX_KEPT_CONTACT_SECRETS + 3 }, () => newSelfPqSecret());
    const start = Date.now();
    for (const [i, secret] of made.entries()) await k.storeContactSecret('bob', bob.identity.publicKey, secret, start + i);
    const opening = (await k.postQuantumForOpening(start + DAY)).contactSecrets.map(toHex);
    expect(opening).toEqual(made.slice(3).reverse().map(toHex));
    // Still current for sending: the newest.
    const sending = await k.postQuantumForSending([{ handle: 'bob', identityKey: bob.identity.publicKey }]);
    expect(toHex(sending!.contacts.get(toHex(bob.identity.publicKey))!)).toBe(toHex(made.at(-1)!));
    // A backup carries exactly the kept ones and restores them.
    const fresh = openTestKeyring();
    await fresh.restoreBackup(await k.exportBackup(PASS, { testingOnlyScryptN: 2 ** 14 }), PASS);
    expect((await fresh.postQuantumForOpening(start + DAY)).contactSecrets.map(toHex)).toEqual(opening);
  });

  it('a secret made with an older key of the contact is not used for sending to the new key', async () => {
    const { k, bob } = await setUp();
    await k.storeContactSecret('bob', bob.identity.publicKey, newSelfPqSecret(), 5);
    const other = await makePerson('bob');
    expect(await k.postQuantumForSending([{ handle: 'bob', identityKey: other.identity.publicKey }])).toBeUndefined();
  });

  it('travel in backups and open the same messages after a restore', async () => {
    const { k, bob } = await setUp();
    const secret = newSelfPqSecret();
    await k.storeContactSecret('bob', bob.identity.publicKey, secret, Date.now());
    const bobBundle = await bob.bundleAt(1);
    const pq = await k.postQuantumForSending([{ handle: 'bob', identityKey: bob.identity.publicKey }]);
    const { identity } = await k.getSenderKeys();
    const sealed = await sealMessageV2({ identity, recipients: [bobBundle], plaintext: utf8('kept'), postQuantum: pq! });
    const text = await k.exportBackup(PASS, { testingOnlyScryptN: 2 ** 14 });

    const fresh = openTestKeyring();
    await fresh.restoreBackup(text, PASS);
    const opening = await fresh.postQuantumForOpening();
    expect(opening.contactSecrets.map(toHex)).toEqual([toHex(secret)]);
    const own = await openMessageV2(sealed, { ...(await fresh.getOpeningKeys()), ...opening });
    expect(fromUtf8(own.plaintext)).toBe('kept');
    expect(own.postQuantum).toBe(true);
    // Sending after the restore is post-quantum again, with the same secret.
    const again = await fresh.postQuantumForSending([{ handle: 'bob', identityKey: bob.identity.publicKey }]);
    expect(toHex(again!.contacts.get(toHex(bob.identity.publicKey))!)).toBe(toHex(secret));
  });

  it('a backup that predates them restores with none: own post-quantum copies no longer open (not-addressed)', async () => {
    const { k, bob } = await setUp();
    const old = await k.exportBackup(PASS, { testingOnlyScryptN: 2 ** 14 });
    await k.storeContactSecret('bob', bob.identity.publicKey, newSelfPqSecret());
    const pq = await k.postQuantumForSending([{ handle: 'bob', identityKey: bob.identity.publicKey }]);
    const { identity } = await k.getSenderKeys();
    const sealed = await sealMessageV2({ identity, recipients: [await bob.bundleAt(1)], plaintext: utf8('x'), postQuantum: pq! });
    const fresh = openTestKeyring();
    await fresh.restoreBackup(old, PASS);
    const opening = await fresh.postQuantumForOpening();
    expect(opening).toEqual({ contactSecrets: [] });
    await expect(openMessageV2(sealed, { ...(await fresh.getOpeningKeys()), ...opening })).rejects.toMatchObject({ code: 'not-addressed' });
  });

  it('a backup carrying a secret of the wrong length is malformed and restores nothing', async () => {
    const { k, bob } = await setUp();
    await k.storeContactSecret('bob', bob.identity.publicKey, newSelfPqSecret());
    const opened = await decryptBackupPayload(await k.exportBackup(PASS, { testingOnlyScryptN: 2 ** 14 }), PASS);
    const payload = JSON.parse(fromUtf8(opened.payload));
    payload.postQuantum.contacts[0].secret = toBase64Url(new Uint8Array(31));
    const bad = await encryptBackupPayload(utf8(JSON.stringify(payload)), PASS, { kind: opened.kind, testingOnlyScryptN: 2 ** 14 });
    const fresh = openTestKeyring();
    await expect(fresh.restoreBackup(bad, PASS)).rejects.toMatchObject({ code: 'malformed', message: expect.stringMatching(/contact secret has the wrong length/) });
    expect(await fresh.db.identities.count()).toBe(0);
    expect(await fresh.db.contactSecrets.count()).toBe(0);
  });

  it('a wrong-length secret is refused and stores nothing', async () => {
    const { k, bob } = await setUp();
    await expect(k.storeContactSecret('bob', bob.identity.publicKey, new Uint8Array(31))).rejects.toMatchObject({ code: 'malformed' });
    expect(await k.db.contactSecrets.count()).toBe(0);
  });
});

describe('keyring version 4', () => {
  it('upgrades a version 3 database: contacts kept, secret tables empty and usable', async () => {
    const factory = freshFactory();
    const v3 = new Dexie(KEYRING_DB_NAME, { indexedDB: factory, IDBKeyRange });
    // Versions 1 to 3 as db.ts declares them (a build before version 4).
    v3.version(1).stores(SCHEMA_V1);
    v3.version(2).stores({ replay: '++seq, &key, day', replaySecret: 'slot' });
    v3.version(3).stores({ logStates: 'relay', formerContacts: 'handle' });
    await v3.open();
    expect(v3.verno).toBe(3);
    await v3.table('contacts').put({ handle: 'bob', pinnedAt: 1, verified: false, keyHistory: [], keyChanged: false, suite: 'legacy', legacyPublicKey: 'x', knownKeys: [] });
    v3.close();

    const k = openTestKeyring(factory);
    await k.createIdentity('alice');
    expect(k.db.verno).toBe(4);
    expect((await k.listContacts()).map((c) => c.handle)).toEqual(['bob']);
    expect(await k.db.contactSecrets.count()).toBe(0);
    const bob = await makePerson('bob');
    await k.storeContactSecret('bob', bob.identity.publicKey, newSelfPqSecret());
    expect((await k.postQuantumForOpening()).contactSecrets).toHaveLength(1);
  });
});
