// The inbox (entrypoints/background/inbox.ts) opens mailbox frames for our own mailbox only: a message
// sealed for a page or for someone else's mailbox shows wrong-channel, not a direct, verified message.
// Real keyring (fake-indexeddb), real crypto.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { utf8 } from '@/lib/bytes';
import type { Channel } from '@/lib/crypto/channel';
import { sealMessageV2 } from '@/lib/crypto/message-v2';
import { markVerified, pinContact } from '@/lib/keyring/contacts';
import { KeyringDB } from '@/lib/keyring/db';
import { createIdentity, publicBundle } from '@/lib/keyring/identity-store';
import { PersistentReplayCache } from '@/lib/keyring/replay-store';
import { Inbox } from '@/entrypoints/background/inbox';
import { makeUser } from './crypto/fixtures';

describe('inbox: mailbox channel', () => {
  it('opens messages sealed for our mailbox; others are wrong-channel and not recorded', async () => {
    const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
    await createIdentity(db, 'bob');
    const alice = await makeUser({ handle: 'alice' });
    await pinContact(db, 'alice', alice.bundle);
    await markVerified(db, 'alice');
    const bob = await publicBundle(db);
    const inbox = new Inbox(db, new PersistentReplayCache(db));
    const seal = async (text: string, channel?: Channel) =>
      sealMessageV2({ identity: alice.identity, recipients: [bob], plaintext: utf8(text), ...(channel ? { channel } : {}) });

    await inbox.receive('alice', await seal('for bob', { kind: 'mailbox', mailbox: 'bob' }));
    await inbox.receive('alice', await seal('for carol', { kind: 'mailbox', mailbox: 'carol' }));
    await inbox.receive('alice', await seal('from a group thread', { kind: 'site', site: 'https://chat.example', conversation: 'group' }));
    await inbox.receive('alice', await seal('unbound (c2c without --channel)'));
    const [unbound, fromPage, forCarol, forBob] = inbox.list();
    expect(forBob).toMatchObject({ status: 'verified', plaintext: 'for bob', senderHandle: 'alice' });
    for (const item of [forCarol, fromPage]) {
      expect(item).toMatchObject({ status: 'error', reason: { code: 'wrong-channel' } });
      expect(item).not.toHaveProperty('plaintext');
    }
    expect(unbound).toMatchObject({ status: 'verified', plaintext: 'unbound (c2c without --channel)' });
    expect(await db.replay.count()).toBe(2);
  });
});
