import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../../../lib/bytes';
import { FORMAT_ID, formatIdOf } from '../../../lib/crypto/format-ids';
import { generateIdentity } from '../../../lib/crypto/identity';
import { exportPrekeyPrivate, generatePrekey, importPrekey, prekeyId, verifyPrekey } from '../../../lib/crypto/prekey';
import { decodePublicBundle, encodePublicBundle, PUBLIC_BUNDLE_PREFIX } from '../../../lib/crypto/public-bundle';
import { isC2CError } from '../../../lib/errors';
import { makeUser } from './fixtures';

async function errorCode(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isC2CError(e)) throw new Error(`expected a C2CError, got ${String(e)}`);
  return e.code;
}

describe('prekeys', () => {
  it('are signed by the identity over key and creation time, with an id from the key hash', async () => {
    const identity = await generateIdentity();
    const prekey = await generatePrekey(identity, { now: 1_700_000_000_000 });
    expect(prekey.publicKey.length).toBe(32);
    expect(prekey.created).toBe(1_700_000_000_000);
    expect(prekey.id).toMatch(/^[0-9a-f]{16}$/);
    expect(prekey.id).toBe(await prekeyId(prekey.publicKey));
    expect(prekey.privateKey.extractable).toBe(false);
    expect(await verifyPrekey(identity.publicKey, prekey)).toBe(true);
    // Changing the date, the key or the signer breaks the signature.
    expect(await verifyPrekey(identity.publicKey, { ...prekey, created: prekey.created + 1 })).toBe(false);
    const otherKey = prekey.publicKey.slice();
    otherKey[0]! ^= 1;
    expect(await verifyPrekey(identity.publicKey, { ...prekey, publicKey: otherKey })).toBe(false);
    expect(await verifyPrekey((await generateIdentity()).publicKey, prekey)).toBe(false);
    expect(await verifyPrekey(identity.publicKey, { ...prekey, signature: new Uint8Array(10) })).toBe(false);
  });

  it('export to PKCS#8 and import back (CLI key files); non-extractable ones refuse export', async () => {
    const identity = await generateIdentity(true);
    const prekey = await generatePrekey(identity, { extractable: true });
    const pkcs8 = await exportPrekeyPrivate(prekey);
    const restored = await importPrekey(identity.publicKey, { ...prekey, pkcs8 });
    expect(restored.id).toBe(prekey.id);
    expect(restored.privateKey.extractable).toBe(false);
    const other = await generatePrekey(identity, { extractable: true });
    expect(await errorCode(importPrekey(identity.publicKey, { ...other, pkcs8 }))).toBe('key-mismatch');
    expect(await errorCode(importPrekey((await generateIdentity()).publicKey, { ...prekey, pkcs8 }))).toBe('bad-signature');
    expect(await errorCode(importPrekey(identity.publicKey, { ...prekey, pkcs8: pkcs8.slice(0, 20) }))).toBe('malformed');
    expect(await errorCode(exportPrekeyPrivate(await generatePrekey(identity)))).toBe('unsupported');
  });
});

describe('public key line', () => {
  it('round-trips with and without a handle (Cyrillic too) and tolerates surrounding whitespace', async () => {
    for (const handle of [undefined, 'alice', 'Мария 🙂']) {
      const user = await makeUser({ handle });
      const line = encodePublicBundle(user.bundle);
      expect(line.startsWith(PUBLIC_BUNDLE_PREFIX)).toBe(true);
      expect(line).toMatch(/^c2cpub1\.[A-Za-z0-9_-]+$/);
      const decoded = await decodePublicBundle(`\n  ${line}  \r\n`);
      expect(decoded).toEqual(user.bundle);
    }
  });

  it('rejects garbage, a wrong prefix, bad base64 and wrong lengths as malformed', async () => {
    const line = encodePublicBundle((await makeUser({ handle: 'bob' })).bundle);
    const binary = fromBase64Url(line.slice(PUBLIC_BUNDLE_PREFIX.length));
    const bad = [
      '',
      'hello',
      'C2CPUB1.' + line.slice(8),
      line + '!',
      line.slice(0, 8) + ' ' + line.slice(8),
      `${line} ${line}`,
      PUBLIC_BUNDLE_PREFIX,
      PUBLIC_BUNDLE_PREFIX + toBase64Url(binary.slice(0, -1)),
      PUBLIC_BUNDLE_PREFIX + toBase64Url(new Uint8Array([...binary, 0])),
      PUBLIC_BUNDLE_PREFIX + toBase64Url(binary.slice(0, 100)),
    ];
    for (const text of bad) expect(await errorCode(decodePublicBundle(text)), text).toBe('malformed');
    for (let cut = 9; cut < line.length; cut += 17) {
      expect(await errorCode(decodePublicBundle(line.slice(0, cut)))).toBe('malformed');
    }
  });

  it('rejects unknown versions (in the prefix or the version byte)', async () => {
    const line = encodePublicBundle((await makeUser()).bundle);
    const binary = fromBase64Url(line.slice(PUBLIC_BUNDLE_PREFIX.length));
    binary[0] = 2;
    expect(await errorCode(decodePublicBundle(PUBLIC_BUNDLE_PREFIX + toBase64Url(binary)))).toBe('unknown-version');
    expect(await errorCode(decodePublicBundle('c2cpub2.' + line.slice(8)))).toBe('unknown-version');
  });

  it('rejects a forged prekey signature, a swapped prekey and a swapped identity as bad-signature', async () => {
    const alice = await makeUser();
    const mallory = await makeUser();
    const forgedSig = { ...alice.bundle, prekey: { ...alice.bundle.prekey, signature: alice.bundle.prekey.signature.map((b, i) => (i === 5 ? b ^ 1 : b)) } };
    const swappedPrekey = { ...alice.bundle, prekey: mallory.bundle.prekey };
    const swappedIdentity = { ...alice.bundle, identityKey: mallory.identity.publicKey };
    for (const b of [forgedSig, swappedPrekey, swappedIdentity]) {
      expect(await errorCode(decodePublicBundle(encodePublicBundle(b)))).toBe('bad-signature');
    }
  });

  it('refuses to encode or decode an invalid handle', async () => {
    const user = await makeUser();
    for (const handle of ['', 'x'.repeat(65), 'a\nb', 'tab\there']) {
      expect(() => encodePublicBundle({ ...user.bundle, handle })).toThrow(/handle/);
    }
    // A control character smuggled into the binary form is refused on decode.
    const line = encodePublicBundle({ ...user.bundle, handle: 'ab' });
    const binary = fromBase64Url(line.slice(PUBLIC_BUNDLE_PREFIX.length));
    binary[binary.length - 1] = 0x0a;
    expect(await errorCode(decodePublicBundle(PUBLIC_BUNDLE_PREFIX + toBase64Url(binary)))).toBe('malformed');
    binary[binary.length - 1] = 0xff; // not UTF-8
    expect(await errorCode(decodePublicBundle(PUBLIC_BUNDLE_PREFIX + toBase64Url(binary)))).toBe('malformed');
  });
});

describe('format ids', () => {
  it('route by the first byte and reject the unknown', () => {
    expect(formatIdOf(new Uint8Array([FORMAT_ID.modernMessageV1, 9]))).toBe(0x01);
    expect(formatIdOf(new Uint8Array([FORMAT_ID.legacyCryptico]))).toBe(0x02);
    expect(formatIdOf(new Uint8Array([FORMAT_ID.chatInviteV1]))).toBe(0x03);
    expect(formatIdOf(new Uint8Array([FORMAT_ID.modernMessageV2]))).toBe(0x04);
    expect(formatIdOf(new Uint8Array([FORMAT_ID.fileV1]))).toBe(0x05);
    expect(formatIdOf(new Uint8Array([0x06]))).toBeUndefined();
    expect(formatIdOf(new Uint8Array(0))).toBeUndefined();
  });
});
