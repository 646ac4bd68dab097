import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from '../../../lib/bytes';
import { exportIdentityPrivate, generateIdentity } from '../../../lib/crypto/identity';
import { exportPrekeyPrivate, generatePrekey } from '../../../lib/crypto/prekey';
import { decodePublicBundle, encodePublicBundle } from '../../../lib/crypto/public-bundle';
import { openMessage, sealMessage } from '../../../lib/crypto/message';
import { isC2CError, type C2CErrorCode } from '../../../lib/errors';
import { generateLegacyKey } from '../../../lib/legacy/legacy-key';
import { decryptBackupPayload, encryptBackupPayload } from '../../../lib/keyring/backup';
import { deriveBackupKeyMaterial, SCRYPT_N } from '../../../lib/keyring/backup-file';
import { dumpKeyring, makePerson, openTestKeyring } from './helpers';

const PASS = 'correct horse battery staple';
const FAST = { testingOnlyScryptN: 2 ** 14 };
const code = (c: C2CErrorCode) => (e: unknown) => isC2CError(e, c);

async function populated() {
  const k = openTestKeyring();
  await k.createIdentity('alice', { now: 1_000 });
  await k.rotatePrekey(2_000);
  const bob = await makePerson('bob');
  const carol = await makePerson('carol');
  await k.pinContact('bob', await bob.bundleAt(1), 10);
  await k.markVerified('bob', 11);
  await k.pinContact('carol', await carol.bundleAt(1), 12);
  await k.pinContact('carol', await (await makePerson('carol')).bundleAt(2), 13); // pending key change
  await k.setSettings({ relayUrl: 'wss://relay.example', securityColour: '#123456' });
  return { k, bob, carol };
}

describe('passphrase backups', () => {
  it('derives keys with scrypt exactly as RFC 7914 §12 (test vector 3)', async () => {
    const out = await deriveBackupKeyMaterial('pleaseletmein', utf8('SodiumChloride'), { N: 16384, r: 8, p: 1 });
    expect(toHex(out)).toBe(
      '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2' +
        'd5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887',
    );
  });

  it('restores into a fresh keyring: same fingerprint, contacts, verification, settings; a new prekey, the old ones stay behind', async () => {
    const { k, bob, carol } = await populated();
    const alice = await k.getIdentity();
    // Messages sealed to Alice's current and retired prekeys before the backup.
    const oldKeys = await k.getOpeningKeys();
    const toAlice = await sealMessage({ sender: await k.getSenderKeys(), recipients: [], plaintext: utf8('to myself, Привет 🙂') });
    const sender = openTestKeyring();
    await sender.createIdentity('dan');
    const retiredBundle = { ...(await k.publicBundle()) };
    retiredBundle.prekey = { ...oldKeys.prekeys[1]! };
    const toRetired = await sealMessage({ sender: await sender.getSenderKeys(), recipients: [retiredBundle], plaintext: utf8('old prekey') });

    const text = await k.exportBackup(PASS, FAST);
    expect(text).not.toContain('alice'); // nothing readable in the file
    expect(text).not.toContain('wss://');
    // Prekeys are generated non-extractable: the backup carries the identity, no prekey.
    expect(JSON.parse(fromUtf8((await decryptBackupPayload(text, PASS)).payload)).identity.prekeys).toEqual([]);

    const fresh = openTestKeyring();
    const restored = await fresh.restoreBackup(text, PASS);
    expect(restored.fingerprint).toBe(alice?.fingerprint);
    expect(restored.handle).toBe('alice');
    // A fresh prekey, made at the restore; none of the old ones.
    expect(restored.retainedPrekeys).toBe(0);
    expect(restored.prekey.id).not.toBe(oldKeys.prekeys[0]!.id);
    expect(restored.prekey.id).not.toBe(oldKeys.prekeys[1]!.id);
    expect(await fresh.listContacts()).toEqual(await k.listContacts());
    expect(await fresh.getContact('bob')).toMatchObject({ verified: true, verifiedAt: 11, keyChanged: false });
    expect(await fresh.getContact('carol')).toMatchObject({ keyChanged: true });
    expect(await fresh.canSendTo('carol')).toBe(false);
    expect((await fresh.findContactByIdentityKey(bob.identity.publicKey))?.handle).toBe('bob');
    expect((await fresh.getContact('carol'))?.bundle?.identityKey).toEqual(carol.identity.publicKey);
    expect(await fresh.getSettings()).toEqual({ relayUrl: 'wss://relay.example', securityColour: '#123456' });

    // Messages sealed to the old prekeys open in the old keyring only: their private keys never left it.
    const keys = await fresh.getOpeningKeys();
    expect(fromUtf8((await openMessage(toAlice, oldKeys)).plaintext)).toBe('to myself, Привет 🙂');
    expect(fromUtf8((await openMessage(toRetired, oldKeys)).plaintext)).toBe('old prekey');
    await expect(openMessage(toAlice, keys)).rejects.toSatisfy(code('not-addressed'));
    await expect(openMessage(toRetired, keys)).rejects.toSatisfy(code('not-addressed'));
    // New messages to the restored keyring open.
    const toRestored = await sealMessage({ sender: await sender.getSenderKeys(), recipients: [await fresh.publicBundle()], plaintext: utf8('after restore') });
    expect(fromUtf8((await openMessage(toRestored, keys)).plaintext)).toBe('after restore');

    // Restored private keys are non-extractable again, re-wrapped under the new keyring's own device key.
    const { identity, prekey } = await fresh.getSenderKeys();
    for (const key of [identity.privateKey, prekey.privateKey]) {
      expect(key.extractable).toBe(false);
      await expect(crypto.subtle.exportKey('pkcs8', key)).rejects.toThrow();
    }
    const [a, b] = [await k.db.identities.get('active'), await fresh.db.identities.get('active')];
    expect(b?.wrapped.ciphertext).not.toEqual(a?.wrapped.ciphertext);
    // And the restored keyring can itself be backed up again.
    expect((await decryptBackupPayload(await fresh.exportBackup(PASS, FAST), PASS)).kind).toBe('keyring');
  });

  it('uses scrypt N = 2^17, r = 8, p = 1 by default and stores the parameters in the file', async () => {
    const k = openTestKeyring();
    await k.createIdentity('alice');
    const text = await k.exportBackup(PASS);
    const file = JSON.parse(text);
    expect(file.kdf).toMatchObject({ name: 'scrypt', N: SCRYPT_N, r: 8, p: 1 });
    expect(SCRYPT_N).toBe(2 ** 17);
    expect(file.kdf.salt).toMatch(/^[A-Za-z0-9_-]{22}$/); // 16 bytes
    expect(file).toMatchObject({ format: 'c2c-backup', version: 1, kind: 'keyring', cipher: { name: 'AES-256-GCM' } });
    const opened = await decryptBackupPayload(text, PASS);
    expect(opened.kdf).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });

  it('rejects short passphrases and a scrypt cost below 2^14', async () => {
    const k = openTestKeyring();
    await k.createIdentity('alice');
    await expect(k.exportBackup('short pw', FAST)).rejects.toSatisfy((e) => code('weak-passphrase')(e) && /at least 10 characters/.test((e as Error).message));
    await expect(k.exportBackup('ёжик🦔', FAST)).rejects.toSatisfy(code('weak-passphrase')); // 6 characters, more bytes
    await expect(k.exportBackup(PASS, { testingOnlyScryptN: 2 ** 13 })).rejects.toSatisfy(code('unsupported'));
    await expect(k.exportBackup(PASS, { testingOnlyScryptN: 3 * 2 ** 14 })).rejects.toSatisfy(code('unsupported'));
    await expect(openTestKeyring().exportBackup(PASS, FAST)).rejects.toSatisfy(code('not-found'));
  });

  it('wrong passphrase → wrong-passphrase, and nothing is written', async () => {
    const { k } = await populated();
    const text = await k.exportBackup(PASS, FAST);
    const fresh = openTestKeyring();
    await expect(fresh.restoreBackup(text, PASS + '!')).rejects.toSatisfy(code('wrong-passphrase'));
    await expect(fresh.restoreBackup(text, 'Correct horse battery staple')).rejects.toSatisfy(code('wrong-passphrase'));
    expect(await fresh.getIdentity()).toBeUndefined();
    expect(await fresh.db.deviceKey.count()).toBe(0);
    expect(await fresh.listContacts()).toEqual([]);
  });

  it('accepts the passphrase typed in another Unicode normalization form', async () => {
    const composed = 'пароль йод длинный'; // й as one code point
    const text = await encryptBackupPayload(utf8('x'), composed, { kind: 'test', ...FAST });
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(fromUtf8((await decryptBackupPayload(text, decomposed)).payload)).toBe('x');
  });

  it('tampering anywhere is detected with a specific error and writes nothing', async () => {
    const { k } = await populated();
    const text = await k.exportBackup(PASS, FAST);
    const file = JSON.parse(text);
    const flipB64 = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const variants: Array<[string, unknown, C2CErrorCode]> = [];
    for (const at of [0, 10, 100, 1000, file.ciphertext.length - 10, file.ciphertext.length - 2]) {
      variants.push([`ciphertext@${at}`, { ...file, ciphertext: flipB64(file.ciphertext, at) }, 'tampered']);
    }
    variants.push(['iv', { ...file, cipher: { ...file.cipher, iv: flipB64(file.cipher.iv, 3) } }, 'tampered']);
    variants.push(['kind', { ...file, kind: 'cli-key' }, 'tampered']);
    const cut = toBase64Url(fromBase64Url(file.ciphertext).slice(0, -5));
    variants.push(['ciphertext cut', { ...file, ciphertext: cut }, 'tampered']);
    // The passphrase-derived key depends on salt and cost: a change there cannot be told from a wrong passphrase.
    variants.push(['salt', { ...file, kdf: { ...file.kdf, salt: flipB64(file.kdf.salt, 4) } }, 'wrong-passphrase']);
    variants.push(['N', { ...file, kdf: { ...file.kdf, N: 2 ** 15 } }, 'wrong-passphrase']);
    variants.push(['check', { ...file, check: flipB64(file.check, 2) }, 'wrong-passphrase']);
    variants.push(['version 2', { ...file, version: 2 }, 'unknown-version']);
    variants.push(['version text', { ...file, version: '1' }, 'malformed']);
    variants.push(['N too low', { ...file, kdf: { ...file.kdf, N: 2 ** 10 } }, 'malformed']);
    variants.push(['N too high', { ...file, kdf: { ...file.kdf, N: 2 ** 30 } }, 'malformed']);
    variants.push(['N not power of two', { ...file, kdf: { ...file.kdf, N: 20000 } }, 'malformed']);
    // Found by `npm run fuzz -- backup`: more work than one N = 2^18 derivation (seconds of CPU), refused unread.
    variants.push(['N·p too high', { ...file, kdf: { ...file.kdf, N: 2 ** 18, p: 4 } }, 'malformed']);
    variants.push(['N·p too high (2^17 × 4)', { ...file, kdf: { ...file.kdf, N: 2 ** 17, p: 4 } }, 'malformed']);
    variants.push(['other kdf', { ...file, kdf: { ...file.kdf, name: 'pbkdf2' } }, 'malformed']);
    variants.push(['extra field', { ...file, note: 'hi' }, 'malformed']);
    variants.push(['missing iv', { ...file, cipher: { name: 'AES-256-GCM' } }, 'malformed']);
    variants.push(['bad base64', { ...file, ciphertext: file.ciphertext.slice(0, 20) + '*' }, 'malformed']);
    variants.push(['short salt', { ...file, kdf: { ...file.kdf, salt: file.kdf.salt.slice(0, 12) } }, 'malformed']);
    variants.push(['not a backup', { hello: 'world' }, 'malformed']);

    const fresh = openTestKeyring();
    const before = await dumpKeyring(fresh);
    for (const [name, variant, expected] of variants) {
      const attempt = fresh.restoreBackup(JSON.stringify(variant), PASS);
      await expect(attempt, name).rejects.toSatisfy(code(expected));
    }
    expect(await dumpKeyring(fresh)).toEqual(before);
  });

  it('truncated or garbage text → malformed (never a crash)', async () => {
    const text = await encryptBackupPayload(utf8('payload'), PASS, { kind: 'test', ...FAST });
    const cuts = new Set([0, 1, 2, 20, 60, 120, 200, text.length - 3, text.length - 2]);
    for (const cut of cuts) {
      await expect(decryptBackupPayload(text.slice(0, cut), PASS), `cut at ${cut}`).rejects.toSatisfy(code('malformed'));
    }
    for (const garbage of ['', 'null', '[]', '42', '"c2c-backup"', '{"format":"c2c-backup"}', '\u0000\u0001', 'x'.repeat(1000)]) {
      await expect(decryptBackupPayload(garbage, PASS), garbage.slice(0, 20)).rejects.toSatisfy(code('malformed'));
    }
    await expect(decryptBackupPayload(42 as never, PASS)).rejects.toSatisfy(code('malformed'));
    await expect(decryptBackupPayload('x'.repeat(7 * 1024 * 1024), PASS)).rejects.toSatisfy(code('too-large'));
    // Whitespace and key order do not matter: the associated data is canonical.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text)).reverse()));
    expect(fromUtf8((await decryptBackupPayload(reordered, PASS)).payload)).toBe('payload');
  });

  it('refuses to restore a file of another kind (e.g. a CLI key file in the same format)', async () => {
    const text = await encryptBackupPayload(utf8('{}'), PASS, { kind: 'cli-key', ...FAST });
    await expect(openTestKeyring().restoreBackup(text, PASS)).rejects.toSatisfy(code('malformed'));
  });

  it('restores only into an empty keyring unless replace is confirmed', async () => {
    const { k } = await populated();
    const text = await k.exportBackup(PASS, FAST);
    const other = openTestKeyring();
    const otherInfo = await other.createIdentity('zed');
    const before = await dumpKeyring(other);
    await expect(other.restoreBackup(text, PASS)).rejects.toSatisfy(code('exists'));
    expect(await dumpKeyring(other)).toEqual(before);
    expect((await other.getIdentity())?.fingerprint).toBe(otherInfo.fingerprint);

    const replaced = await other.restoreBackup(text, PASS, { replace: true });
    expect(replaced.fingerprint).toBe((await k.getIdentity())?.fingerprint);
    expect((await other.listContacts()).map((c) => c.handle)).toEqual(['bob', 'carol']);
  });

  it('backs up and restores the legacy key (still wrapped, never a clear record)', async () => {
    const k = openTestKeyring();
    await k.createIdentity('alice');
    const legacy = await generateLegacyKey(1024);
    await k.saveLegacyKey(legacy);
    const row = await k.db.legacyKeys.get('active');
    expect(JSON.stringify(row)).not.toContain(legacy.rsa.d);
    const fresh = openTestKeyring();
    await fresh.restoreBackup(await k.exportBackup(PASS, FAST), PASS);
    expect(await fresh.loadLegacyKey()).toEqual(JSON.parse(JSON.stringify(legacy)));
    expect(await fresh.legacyPublicKey()).toBe(legacy.publicKey);
  });

  it('a backup from before prekeys stayed in the browser restores its prekeys; later backups carry them on', async () => {
    // Such a backup holds the prekeys' private halves: build one for an identity made here, exportable.
    const { k } = await populated();
    const inner = JSON.parse(fromUtf8((await decryptBackupPayload(await k.exportBackup(PASS, FAST), PASS)).payload));
    const identity = await generateIdentity(true);
    const prekey = await generatePrekey(identity, { extractable: true, now: 3_000 });
    const old = {
      ...inner,
      identity: {
        handle: 'erin',
        publicKey: toBase64Url(identity.publicKey),
        privateKey: toBase64Url(await exportIdentityPrivate(identity.privateKey)),
        created: 3_000,
        prekeys: [{ publicKey: toBase64Url(prekey.publicKey), created: 3_000, signature: toBase64Url(prekey.signature), privateKey: toBase64Url(await exportPrekeyPrivate(prekey)) }],
      },
    };
    const sender = openTestKeyring();
    await sender.createIdentity('dan');
    const bundle = { identityKey: identity.publicKey, prekey: { publicKey: prekey.publicKey, created: 3_000, signature: prekey.signature }, handle: 'erin' };
    const sealed = await sealMessage({ sender: await sender.getSenderKeys(), recipients: [bundle], plaintext: utf8('to the old prekey') });

    const fresh = openTestKeyring();
    const restored = await fresh.restoreBackup(await encryptBackupPayload(utf8(JSON.stringify(old)), PASS, { kind: 'keyring', ...FAST }), PASS);
    expect(restored.prekey.publicKey).toEqual(prekey.publicKey);
    expect(fromUtf8((await openMessage(sealed, await fresh.getOpeningKeys())).plaintext)).toBe('to the old prekey');
    const again = JSON.parse(fromUtf8((await decryptBackupPayload(await fresh.exportBackup(PASS, FAST), PASS)).payload));
    expect(again.identity.prekeys.map((p: { publicKey: string }) => p.publicKey)).toEqual([toBase64Url(prekey.publicKey)]);
    // Once rotated, the new prekey is not in backups; the restored one still is, until it is dropped.
    await fresh.rotatePrekey(4_000);
    const rotated = JSON.parse(fromUtf8((await decryptBackupPayload(await fresh.exportBackup(PASS, FAST), PASS)).payload));
    expect(rotated.identity.prekeys).toHaveLength(1);
    expect(rotated.identity.prekeys[0]).toMatchObject({ publicKey: toBase64Url(prekey.publicKey), retiredAt: 4_000 });
  });

  it('a backup whose content is authentic but inconsistent is refused and writes nothing', async () => {
    // Someone who knows the passphrase could hand-craft content; the restore still checks every key.
    const { k } = await populated();
    const inner = JSON.parse(fromUtf8((await decryptBackupPayload(await k.exportBackup(PASS, FAST), PASS)).payload));
    const otherKeyring = openTestKeyring();
    await otherKeyring.createIdentity('mallory');
    const otherInner = JSON.parse(fromUtf8((await decryptBackupPayload(await otherKeyring.exportBackup(PASS, FAST), PASS)).payload));
    // A prekey as older backups carried it (private key included), but signed by another identity.
    const other = await makePerson('mallory');
    const otherPrekey = await generatePrekey(other.identity, { extractable: true, now: 5 });
    const foreignPrekey = {
      publicKey: toBase64Url(otherPrekey.publicKey),
      created: otherPrekey.created,
      signature: toBase64Url(otherPrekey.signature),
      privateKey: toBase64Url(await exportPrekeyPrivate(otherPrekey)),
    };
    const forged = await decodePublicBundle(inner.contacts[0].bundle);
    forged.prekey.signature[0]! ^= 1;
    const cases: Array<[string, unknown, C2CErrorCode]> = [
      ['private key of another identity', { ...inner, identity: { ...inner.identity, privateKey: otherInner.identity.privateKey } }, 'key-mismatch'],
      ['prekey of another identity', { ...inner, identity: { ...inner.identity, prekeys: [foreignPrekey] } }, 'bad-signature'],
      ['contact bundle with forged signature', { ...inner, contacts: [{ ...inner.contacts[0], bundle: encodePublicBundle(forged) }] }, 'bad-signature'],
      ['contact flagged as changed without a pending key', { ...inner, contacts: [{ ...inner.contacts[0], keyChanged: true }] }, 'malformed'],
      ['invalid setting', { ...inner, settings: { relayUrl: 'http://x' } }, 'malformed'],
      ['payload version 9', { ...inner, v: 9 }, 'unknown-version'],
      ['a prekey that is not X25519', { ...inner, identity: { ...inner.identity, prekeys: [{ ...foreignPrekey, privateKey: toBase64Url(new Uint8Array(48)) }] } }, 'malformed'],
    ];
    const fresh = openTestKeyring();
    for (const [name, content, expected] of cases) {
      const text = await encryptBackupPayload(utf8(JSON.stringify(content)), PASS, { kind: 'keyring', ...FAST });
      await expect(fresh.restoreBackup(text, PASS), name).rejects.toSatisfy(code(expected));
    }
    expect(await fresh.getIdentity()).toBeUndefined();
    expect(await fresh.db.deviceKey.count()).toBe(0);
    expect(await fresh.listContacts()).toEqual([]);
  });
});
