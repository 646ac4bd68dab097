// Both directions against the stock cryptico package: what a CRYPT2CHAT user running stock cryptico
// sends, we read; what we send, stock cryptico.decrypt reads (with the signature status it reports).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cryptico, RSAKey } from 'cryptico';
import {
  generateLegacyKey,
  isAuthenticLegacy,
  legacyDecrypt,
  legacyEncrypt,
  type LegacyPrivateKey,
} from '../../../lib/legacy/cryptico-suite';
import { isC2CError } from '../../../lib/errors';
import { loadStockCryptico, stockKeyOf } from './stock-cryptico';

let stock: Cryptico;
let stockUser: RSAKey; // a CRYPT2CHAT user: passphrase-derived 1024-bit key, as in the paper
let stockUserPub: string;
let me: LegacyPrivateKey;

beforeAll(async () => {
  stock = loadStockCryptico();
  stockUser = stock.generateRSAKey('correct horse battery staple', 1024);
  stockUserPub = stock.publicKeyString(stockUser);
  me = await generateLegacyKey(1024);
});

describe('stock cryptico → legacyDecrypt', () => {
  it('reads an unsigned stock message', () => {
    const { cipher } = stock.encrypt('meet at 6, bring the keys', me.publicKey) as { cipher: string };
    const opened = legacyDecrypt(cipher, me, stockUserPub);
    expect(opened).toEqual({ plaintext: 'meet at 6, bring the keys', status: 'legacy', signature: 'none' });
    expect(isAuthenticLegacy(opened, stockUserPub)).toBe(false);
  });

  it('reads a stock signed message and authenticates it against the pinned stock key', () => {
    const { cipher } = stock.encrypt('signed by a stock user', me.publicKey, stockUser) as { cipher: string };
    const opened = legacyDecrypt(cipher, me, stockUserPub);
    expect(opened.plaintext).toBe('signed by a stock user');
    expect(opened.signature).toBe('valid');
    expect(opened.signer).toBe(stockUserPub);
    expect(opened.status).toBe('verified-legacy-signature');
    expect(isAuthenticLegacy(opened, stockUserPub)).toBe(true);
  });

  it('reports a valid stock signature but no pinned status when nothing is pinned', () => {
    const { cipher } = stock.encrypt('who am I', me.publicKey, stockUser) as { cipher: string };
    const opened = legacyDecrypt(cipher, me);
    expect(opened.status).toBe('legacy');
    expect(opened.signature).toBe('valid');
  });

  it('rejects stock non-ASCII Latin-1 text as not UTF-8 (documented: stock users must send ASCII)', () => {
    const { cipher } = stock.encrypt('café', me.publicKey) as { cipher: string };
    expect(() => legacyDecrypt(cipher, me)).toThrowError(expect.objectContaining({ code: 'tampered' }));
  });
});

describe('legacyEncrypt → stock cryptico.decrypt', () => {
  it('is read by stock cryptico, unsigned', () => {
    const cipher = legacyEncrypt('hello from the hardened side', stockUserPub);
    expect(stock.decrypt(cipher, stockUser)).toEqual({
      status: 'success',
      plaintext: 'hello from the hardened side',
      signature: 'unsigned',
    });
  });

  it('is read by stock cryptico with the signature verified and attributed to our key', () => {
    const cipher = legacyEncrypt('signed hello', stockUserPub, me);
    expect(stock.decrypt(cipher, stockUser)).toEqual({
      status: 'success',
      plaintext: 'signed hello',
      signature: 'verified',
      publicKeyString: me.publicKey,
    });
  });

  it('carries Unicode as UTF-8 bytes, one per char: stock sees those bytes, we see the text', async () => {
    const text = 'Привет, мир! 👋🏽 ☕';
    const toStock = legacyEncrypt(text, stockUserPub, me);
    const seen = stock.decrypt(toStock, stockUser) as { plaintext: string; signature: string };
    expect(seen.signature).toBe('verified');
    expect(Buffer.from(seen.plaintext, 'latin1').toString('utf8')).toBe(text);

    const other = await generateLegacyKey(1024);
    const opened = legacyDecrypt(legacyEncrypt(text, other.publicKey, me), other, me.publicKey);
    expect(opened.plaintext).toBe(text);
    expect(opened.status).toBe('verified-legacy-signature');
  });

  it('our public key string is one stock cryptico encrypts to, and our key decrypts with stock code', () => {
    const stockMe = stockKeyOf(stock, me);
    expect(stock.publicKeyString(stockMe)).toBe(me.publicKey);
    const cipher = legacyEncrypt('round trip through stock', me.publicKey, me);
    expect(stock.decrypt(cipher, stockMe)).toMatchObject({ plaintext: 'round trip through stock', signature: 'verified' });
  });

  it('accepts the 1023-bit moduli that about a third of stock "1024-bit" keys have, both ways', () => {
    let short: RSAKey | undefined;
    for (let i = 0; i < 60 && !short; i++) {
      const candidate = stock.generateRSAKey(`passphrase ${i}`, 1024);
      if (candidate.n.bitLength() === 1023) short = candidate;
    }
    expect(short).toBeDefined();
    const shortPub = stock.publicKeyString(short!);
    const toThem = legacyEncrypt('to a 1023-bit key', shortPub, me);
    expect(stock.decrypt(toThem, short!)).toMatchObject({ plaintext: 'to a 1023-bit key', signature: 'verified' });
    const sent = stock.encrypt('from a 1023-bit key', me.publicKey, short!);
    expect(sent.status).toBe('success');
    const fromThem = (sent as { cipher: string }).cipher;
    expect(legacyDecrypt(fromThem, me, shortPub)).toMatchObject({ plaintext: 'from a 1023-bit key', signature: 'valid' });
  });

  it('refuses to encrypt to a stock 512-bit key (factorable), with a clear error', () => {
    const weak = stock.publicKeyString(stock.generateRSAKey('weak', 512));
    let error: unknown;
    try {
      legacyEncrypt('x', weak);
    } catch (e) {
      error = e;
    }
    expect(isC2CError(error, 'unsupported')).toBe(true);
    expect(String((error as Error).message)).toMatch(/512 bits is too weak/);
  });
});
