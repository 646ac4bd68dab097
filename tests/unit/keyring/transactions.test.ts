// Every keyring operation is all-or-nothing. Failures are injected into the real database mid-way
// (a Dexie hook that throws on one write, like a quota error would), after other writes of the same
// operation already happened; the keyring must then be exactly as it was.
import { describe, expect, it } from 'vitest';
import type { Table } from 'dexie';
import { dumpKeyring, makePerson, openTestKeyring } from './helpers';

function failOn(table: Table, event: 'creating' | 'updating' | 'deleting', after = 0): () => void {
  let seen = 0;
  const hook = () => {
    if (seen++ >= after) throw new Error('injected storage failure');
  };
  table.hook(event as 'creating', hook);
  return () => table.hook(event as 'creating').unsubscribe(hook);
}

const PASS = 'correct horse battery staple';

describe('keyring transactions', () => {
  it('createIdentity: a failure while writing the identity also drops the new device key', async () => {
    const k = openTestKeyring();
    const undo = failOn(k.db.identities, 'creating');
    await expect(k.createIdentity('alice')).rejects.toThrow('injected');
    undo();
    expect(await k.db.deviceKey.count()).toBe(0);
    expect(await k.getIdentity()).toBeUndefined();
    // And the keyring still works afterwards.
    expect((await k.createIdentity('alice')).handle).toBe('alice');
  });

  it('rotatePrekey: a failed write keeps the current prekey', async () => {
    const k = openTestKeyring();
    await k.createIdentity('alice');
    const before = await dumpKeyring(k);
    const undo = failOn(k.db.identities, 'updating');
    await expect(k.rotatePrekey()).rejects.toThrow('injected');
    undo();
    expect(await dumpKeyring(k)).toEqual(before);
  });

  it('setSettings: the second of two writes fails → the first is rolled back', async () => {
    const k = openTestKeyring();
    await k.setSetting('relayUrl', 'ws://127.0.0.1:1');
    const undo = failOn(k.db.settings, 'creating', 1);
    await expect(k.setSettings({ securityImage: 'owl', securityColour: '#000000' })).rejects.toThrow('injected');
    undo();
    expect(await k.getSettings()).toEqual({ relayUrl: 'ws://127.0.0.1:1' });
  });

  it('removeContact: failing to update a conversation binding keeps the contact', async () => {
    const k = openTestKeyring();
    await k.pinContact('bob', await (await makePerson('bob')).bundleAt(1));
    await k.pinContact('carol', await (await makePerson('carol')).bundleAt(1));
    await k.rememberRecipients('site', 'room', ['bob', 'carol']);
    const before = await dumpKeyring(k);
    const undo = failOn(k.db.conversations, 'updating');
    await expect(k.removeContact('bob')).rejects.toThrow('injected');
    undo();
    expect(await dumpKeyring(k)).toEqual(before);
    expect(await k.canSendTo('bob')).toBe(true);
  });

  it('restoreBackup with replace: a failure after clearing and writing keys leaves the old keyring intact', async () => {
    const source = openTestKeyring();
    await source.createIdentity('alice');
    await source.setSetting('securityImage', 'cat');
    await source.pinContact('bob', await (await makePerson('bob')).bundleAt(1));
    const text = await source.exportBackup(PASS, { testingOnlyScryptN: 2 ** 14 });

    const target = openTestKeyring();
    const mine = await target.createIdentity('zed');
    await target.pinContact('yan', await (await makePerson('yan')).bundleAt(1));
    await target.rememberRecipients('site', 'room', ['yan']);
    const before = await dumpKeyring(target);
    // The settings are written last, after identities/contacts/conversations were cleared and rewritten.
    const undo = failOn(target.db.settings, 'creating');
    await expect(target.restoreBackup(text, PASS, { replace: true })).rejects.toThrow('injected');
    undo();
    expect(await dumpKeyring(target)).toEqual(before);
    expect((await target.getIdentity())?.fingerprint).toBe(mine.fingerprint);
    expect(await target.recipientsFor('site', 'room')).toEqual(['yan']);
  });

  it('pinContact: a failed write of a key change leaves the pinned key and sending state as they were', async () => {
    const k = openTestKeyring();
    await k.pinContact('bob', await (await makePerson('bob')).bundleAt(1));
    const before = await dumpKeyring(k);
    const undo = failOn(k.db.contacts, 'updating');
    await expect(k.pinContact('bob', await (await makePerson('bob')).bundleAt(2))).rejects.toThrow('injected');
    undo();
    expect(await dumpKeyring(k)).toEqual(before);
  });
});
