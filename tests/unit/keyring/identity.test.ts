import { describe, expect, it } from 'vitest';
import { utf8, fromUtf8 } from '../../../lib/bytes';
import { fingerprint } from '../../../lib/crypto/identity';
import { openMessage, sealMessage } from '../../../lib/crypto/message';
import { decodePublicBundle, encodePublicBundle } from '../../../lib/crypto/public-bundle';
import { isC2CError } from '../../../lib/errors';
import { MAX_RETAINED_PREKEYS } from '../../../lib/keyring/identity-store';
import { dumpKeyring, freshFactory, openTestKeyring } from './helpers';

describe('keyring identity', () => {
  it('creates an identity whose private keys are non-extractable and survive reopening the database', async () => {
    const factory = freshFactory();
    const k = openTestKeyring(factory);
    const info = await k.createIdentity('  Alice ');
    expect(info.handle).toBe('alice');
    expect(info.fingerprint).toBe(await fingerprint(info.identityKey));
    expect(info.fingerprint).toMatch(/^([0-9A-F]{4} ){15}[0-9A-F]{4}$/);
    k.close();

    const reopened = openTestKeyring(factory);
    expect((await reopened.getIdentity())?.fingerprint).toBe(info.fingerprint);
    const { identity, prekey } = await reopened.getSenderKeys();
    for (const key of [identity.privateKey, prekey.privateKey]) {
      expect(key.extractable).toBe(false);
      await expect(crypto.subtle.exportKey('pkcs8', key)).rejects.toThrow();
    }
    const device = await reopened.db.deviceKey.get('device');
    expect(device?.key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', device!.key)).rejects.toThrow();
    // Nothing extractable anywhere in the store.
    expect(JSON.stringify(await dumpKeyring(reopened))).not.toContain('"extractable":true');
    // The stored keys still work: seal to myself and open.
    const sealed = await sealMessage({ sender: { identity, prekey }, recipients: [], plaintext: utf8('hello Привет 👋') });
    const opened = await openMessage(sealed, await reopened.getOpeningKeys());
    expect(fromUtf8(opened.plaintext)).toBe('hello Привет 👋');
    expect(opened.senderFingerprint).toBe(info.fingerprint);
  });

  it('publishes a bundle that decodes and verifies, with the handle', async () => {
    const k = openTestKeyring();
    const info = await k.createIdentity('bob');
    const decoded = await decodePublicBundle(encodePublicBundle(await k.publicBundle()));
    expect(decoded.handle).toBe('bob');
    expect(decoded.identityKey).toEqual(info.identityKey);
    expect(decoded.prekey.publicKey).toEqual(info.prekey.publicKey);
  });

  it('refuses to overwrite an identity unless replace is true, and leaves it intact', async () => {
    const k = openTestKeyring();
    const first = await k.createIdentity('alice');
    const before = await dumpKeyring(k);
    await expect(k.createIdentity('mallory')).rejects.toSatisfy((e) => isC2CError(e, 'exists'));
    expect(await dumpKeyring(k)).toEqual(before);
    const second = await k.createIdentity('alice2', { replace: true });
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect((await k.getIdentity())?.handle).toBe('alice2');
  });

  it('rejects bad handles with a clear error and without writing', async () => {
    const k = openTestKeyring();
    for (const bad of ['', '   ', 'has space', 'tab\there', 'x'.repeat(65), 'zero\u200bwidth']) {
      await expect(k.createIdentity(bad)).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));
    }
    expect(await k.getIdentity()).toBeUndefined();
    expect(await k.db.deviceKey.count()).toBe(0);
  });

  it('needs an identity before giving out keys', async () => {
    const k = openTestKeyring();
    await expect(k.getSenderKeys()).rejects.toSatisfy((e) => isC2CError(e, 'not-found'));
    await expect(k.publicBundle()).rejects.toSatisfy((e) => isC2CError(e, 'not-found'));
    await expect(k.rotatePrekey()).rejects.toSatisfy((e) => isC2CError(e, 'not-found'));
  });

  it('rotates the prekey and keeps old ones, so messages sealed to an old prekey still open', async () => {
    const alice = openTestKeyring();
    const bob = openTestKeyring();
    await alice.createIdentity('alice');
    const bobInfo = await bob.createIdentity('bob', { now: 1_000 });
    const oldBundle = await bob.publicBundle();
    const toOld = await sealMessage({ sender: await alice.getSenderKeys(), recipients: [oldBundle], plaintext: utf8('old') });

    const rotated = await bob.rotatePrekey(2_000);
    expect(rotated.prekey.id).not.toBe(bobInfo.prekey.id);
    expect(rotated.retainedPrekeys).toBe(1);
    const newBundle = await bob.publicBundle();
    expect(newBundle.prekey.created).toBe(2_000);
    expect(newBundle.prekey.publicKey).not.toEqual(oldBundle.prekey.publicKey);
    expect((await bob.getSenderKeys()).prekey.id).toBe(rotated.prekey.id);
    const toNew = await sealMessage({ sender: await alice.getSenderKeys(), recipients: [newBundle], plaintext: utf8('new') });

    const keys = await bob.getOpeningKeys();
    expect(keys.prekeys.map((p) => p.id)).toEqual([rotated.prekey.id, bobInfo.prekey.id]);
    expect(fromUtf8((await openMessage(toOld, keys)).plaintext)).toBe('old');
    expect(fromUtf8((await openMessage(toNew, keys)).plaintext)).toBe('new');
    const row = await bob.db.identities.get('active');
    expect(row?.prekeys[1]?.retiredAt).toBe(2_000);
    expect(row?.prekeys[0]?.retiredAt).toBeUndefined();
  });

  it('bounds the number of retained prekeys, dropping the oldest', async () => {
    const k = openTestKeyring();
    const first = await k.createIdentity('carol', { now: 1 });
    let last;
    for (let i = 0; i < MAX_RETAINED_PREKEYS + 2; i++) last = await k.rotatePrekey(10 + i);
    const ids = (await k.getOpeningKeys()).prekeys.map((p) => p.id);
    expect(ids).toHaveLength(MAX_RETAINED_PREKEYS + 1);
    expect(ids[0]).toBe(last!.prekey.id);
    expect(ids).not.toContain(first.prekey.id);
  });
});
