import Dexie, { type Table } from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { utf8, fromUtf8 } from '../../../lib/bytes';
import { openMessage, sealMessage } from '../../../lib/crypto/message';
import { declareKeyringSchema, KEYRING_DB_NAME, SCHEMA_V1, type ContactRow } from '../../../lib/keyring/db';
import { freshFactory, makePerson, openTestKeyring } from './helpers';

// A test-only version 5, written exactly the way docs/KEYRING.md tells the next schema change to be:
// append a version that lists the changed table, with an upgrade that fills the new field.
class KeyringDBv2 extends Dexie {
  contacts!: Table<ContactRow & { displayName: string }, string>;
  constructor(indexedDB: IDBFactory) {
    super(KEYRING_DB_NAME, { indexedDB, IDBKeyRange });
    declareKeyringSchema(this);
    this.version(5)
      .stores({ contacts: 'handle, *knownKeys, displayName' })
      .upgrade((tx) =>
        tx
          .table('contacts')
          .toCollection()
          .modify((c: ContactRow & { displayName?: string }) => {
            c.displayName = c.handle.toUpperCase();
          }),
      );
  }
}

describe('keyring schema migrations', () => {
  it('upgrades a v1 database with data to v2: data survives, new index works, stored keys still work', async () => {
    const factory = freshFactory();
    const v1 = openTestKeyring(factory);
    await v1.createIdentity('alice');
    const bob = await makePerson('bob');
    await v1.pinContact('bob', await bob.bundleAt(1));
    await v1.markVerified('bob', 2);
    await v1.setSetting('relayUrl', 'wss://relay.example');
    const sealedBefore = await sealMessage({ sender: await v1.getSenderKeys(), recipients: [], plaintext: utf8('before upgrade') });
    const fingerprintBefore = (await v1.getIdentity())?.fingerprint;
    v1.close();

    const v2 = new KeyringDBv2(factory);
    await v2.open();
    expect(v2.verno).toBe(5);
    const upgraded = await v2.contacts.where('displayName').equals('BOB').first();
    expect(upgraded).toMatchObject({ handle: 'bob', verified: true, verifiedAt: 2, keyChanged: false });
    expect(upgraded?.bundle?.identityKey).toEqual(bob.identity.publicKey);
    const identity = await v2.table('identities').get('active');
    expect(identity.privateKey.extractable).toBe(false);
    const opened = await openMessage(sealedBefore, { identityKey: identity.publicKey, prekeys: identity.prekeys });
    expect(fromUtf8(opened.plaintext)).toBe('before upgrade');
    expect(opened.senderFingerprint).toBe(fingerprintBefore);
    expect((await v2.table('settings').get('relayUrl')).value).toBe('wss://relay.example');
    v2.close();
  });

  it('version 2 drops the v1 replay rows, which held raw message ids, digests and contexts; version 3 adds the log states', async () => {
    const factory = freshFactory();
    const v1 = new Dexie(KEYRING_DB_NAME, { indexedDB: factory, IDBKeyRange });
    v1.version(1).stores(SCHEMA_V1);
    await v1.table('replay').add({ messageId: 'ab'.repeat(24), digest: 'cd'.repeat(32), context: 'page:https://chat.example', seen: 1 });
    await v1.table('settings').put({ key: 'relayUrl', value: 'wss://relay.example' });
    v1.close();

    const k = openTestKeyring(factory);
    expect(await k.getSetting('relayUrl')).toBe('wss://relay.example');
    expect(await k.db.replay.count()).toBe(0);
    expect(k.db.verno).toBe(4);
    // Version 3 adds the relays' key-log states, empty until a relay's checkpoint verifies.
    expect(await k.db.logStates.count()).toBe(0);
    expect(await k.replayCache.check({ sender: 'alice', messageId: 'ab'.repeat(24), digest: 'd', context: '' })).toBe('fresh');
  });

  it('a failing upgrade leaves the current database as it was', async () => {
    const factory = freshFactory();
    const v1 = openTestKeyring(factory);
    const info = await v1.createIdentity('alice');
    v1.close();

    const broken = new Dexie(KEYRING_DB_NAME, { indexedDB: factory, IDBKeyRange });
    declareKeyringSchema(broken);
    broken.version(5).stores({ contacts: 'handle, *knownKeys, displayName' }).upgrade(async (tx) => {
      await tx.table('identities').clear();
      throw new Error('upgrade bug');
    });
    await expect(broken.open()).rejects.toThrow();
    broken.close();

    const again = openTestKeyring(factory);
    expect((await again.getIdentity())?.fingerprint).toBe(info.fingerprint);
    expect(again.db.verno).toBe(4);
  });
});
