// Legacy keys: generated from the CSPRNG (never a passphrase), e = 3, stored as checked plain data.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from './error-code';
import type { Cryptico } from 'cryptico';
import {
  generateLegacyKey,
  importLegacyKey,
  legacyDecrypt,
  legacyEncrypt,
  legacyFingerprint,
  legacyPublicKeyString,
  sameLegacyKey,
  type LegacyPrivateKey,
} from '../../../lib/legacy/cryptico-suite';
import { legacyModulus } from '../../../lib/legacy/legacy-public-key';
import { loadStockCryptico, stockKeyOf } from './stock-cryptico';

let stock: Cryptico;
let a: LegacyPrivateKey;
let b: LegacyPrivateKey;

beforeAll(async () => {
  stock = loadStockCryptico();
  [a, b] = await Promise.all([generateLegacyKey(1024), generateLegacyKey(1024)]);
});


describe('generateLegacyKey', () => {
  it('makes distinct e = 3 keys of the requested size, each call from fresh randomness', () => {
    expect(a.publicKey).not.toBe(b.publicKey);
    expect(a.rsa.p).not.toBe(b.rsa.p);
    expect(a).toMatchObject({ suite: 'cryptico', bits: 1024 });
    expect(a.rsa.e).toBe('3');
  });

  it('defaults to 2048 bits', async () => {
    const key = await generateLegacyKey();
    expect(key.bits).toBe(2048);
    expect(legacyModulus(key.publicKey)).toHaveLength(256);
  });

  it('refuses sizes other than 1024, 2048 and 3072', async () => {
    await expect(generateLegacyKey(512 as 1024)).rejects.toMatchObject({ code: 'unsupported' });
  });

  it('the public key string is exactly stock cryptico.publicKeyString of the same key', () => {
    expect(legacyPublicKeyString(a)).toBe(stock.publicKeyString(stockKeyOf(stock, a)));
  });
});

describe('legacyFingerprint', () => {
  it('is SHA-256 of the modulus, shown as 16 groups of 4 upper-case hex digits', async () => {
    const expected = createHash('sha256').update(Buffer.from(a.publicKey, 'base64')).digest('hex').toUpperCase();
    const shown = await legacyFingerprint(a.publicKey);
    expect(shown).toMatch(/^([0-9A-F]{4} ){15}[0-9A-F]{4}$/);
    expect(shown.replace(/ /g, '')).toBe(expected);
    expect(await legacyFingerprint(b.publicKey)).not.toBe(shown);
  });

  it('rejects what is not a public key', async () => {
    await expect(legacyFingerprint('hello')).rejects.toMatchObject({ code: 'malformed' });
  });
});

describe('importLegacyKey', () => {
  it('round-trips through JSON (key file) and structured clone (IndexedDB)', () => {
    const fromJson = importLegacyKey(JSON.parse(JSON.stringify(a)));
    expect(fromJson).toEqual(a);
    const fromNumbers = importLegacyKey(JSON.parse(JSON.stringify(a.rsa)));
    expect(fromNumbers).toEqual(a);
    const cloned = structuredClone(a);
    expect(legacyDecrypt(legacyEncrypt('cloned key works', a.publicKey), cloned).plaintext).toBe('cloned key works');
  });

  it('accepts the JSON shape of stock cryptico\'s RSAKey.toJSON()', () => {
    const stockJson = JSON.parse(JSON.stringify(stockKeyOf(stock, a)));
    expect(importLegacyKey(stockJson).publicKey).toBe(a.publicKey);
  });

  it.each([
    ['null', () => null],
    ['a string', () => 'key'],
    ['a missing field', () => ({ ...a.rsa, coeff: undefined })],
    ['non-hex', () => ({ ...a.rsa, d: 'xyz' })],
    ['e = 65537', () => ({ ...a.rsa, e: '10001' })],
    ['a changed d', () => ({ ...a.rsa, d: (BigInt('0x' + a.rsa.d) + 2n).toString(16) })],
    ['mixed keys', () => ({ ...a.rsa, p: b.rsa.p })],
    ['a changed modulus', () => ({ ...a.rsa, n: b.rsa.n })],
    ['a changed coefficient', () => ({ ...a.rsa, coeff: '1' })],
  ])('rejects %s as malformed', (_name, make) => {
    expect(errorCode(() => importLegacyKey(make()))).toBe('malformed');
  });

  it('a corrupted key record fails with a clear error at use, not a crash inside cryptico', () => {
    const corrupted = { ...a, rsa: { ...a.rsa, dmp1: '2' } } as LegacyPrivateKey;
    expect(errorCode(() => legacyDecrypt(legacyEncrypt('x', a.publicKey), corrupted))).toBe('malformed');
  });
});

describe('public key strings', () => {
  it('sameLegacyKey compares moduli and never throws', () => {
    expect(sameLegacyKey(a.publicKey, ` ${a.publicKey}\n`)).toBe(true);
    expect(sameLegacyKey(a.publicKey, b.publicKey)).toBe(false);
    expect(sameLegacyKey(a.publicKey, 'garbage')).toBe(false);
  });

  it('rejects a passphrase-era 512-bit key for pinning, and non-canonical base64', () => {
    const weak = stock.publicKeyString(stock.generateRSAKey('weak', 512));
    expect(errorCode(() => legacyModulus(weak))).toBe('unsupported');
    expect(errorCode(() => legacyModulus(a.publicKey.replace(/=$/, '')))).toBe('malformed');
    expect(errorCode(() => legacyModulus(`${a.publicKey}|extra`))).toBe('malformed');
  });
});
