// Hostile input: altered, truncated, garbage, misaddressed and falsely signed legacy messages.
// AES-CBC in this format has no MAC, so some alterations of UNSIGNED messages cannot be detected: those
// tests pin down that such a message is never reported as authentic, which is the rule the product uses.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cryptico } from 'cryptico';
import {
  generateLegacyKey,
  isAuthenticLegacy,
  LEGACY_SIGNATURE_SEPARATOR,
  legacyDecrypt,
  legacyEncrypt,
  MAX_LEGACY_PLAINTEXT_BYTES,
  type LegacyPrivateKey,
} from '../../../lib/legacy/cryptico-suite';
import { C2CError, type C2CErrorCode } from '../../../lib/errors';
import { loadStockCryptico } from './stock-cryptico';

let alice: LegacyPrivateKey; // sender, pinned by bob
let bob: LegacyPrivateKey; // recipient
let mallory: LegacyPrivateKey; // attacker with her own valid key
let stock: Cryptico;

beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([generateLegacyKey(1024), generateLegacyKey(1024), generateLegacyKey(1024)]);
  stock = loadStockCryptico();
});

function code(fn: () => unknown): C2CErrorCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    if (e instanceof C2CError) return e.code;
    throw e; // anything else is a bug: callers must always get a C2CError
  }
}

/** Applies `edit` to the decoded AES field (IV ‖ CBC blocks) and re-encodes the message. */
function editBody(cipher: string, edit: (body: Buffer) => Buffer): string {
  const [rsaPart, aesPart] = cipher.split('?') as [string, string];
  return `${rsaPart}?${edit(Buffer.from(aesPart, 'base64')).toString('base64')}`;
}

describe('altered messages', () => {
  it('an IV bit flip on an unsigned message goes undetected by the format but is never authentic', () => {
    const cipher = legacyEncrypt('PAY 100', bob.publicKey);
    // '1' is byte 4 of the first block; flipping IV bit 0x08 there turns it into '9'.
    const altered = editBody(cipher, (b) => {
      b[4]! ^= 0x08;
      return b;
    });
    const opened = legacyDecrypt(altered, bob, alice.publicKey);
    expect(opened.plaintext).toBe('PAY 900');
    expect(opened.status).toBe('legacy');
    expect(opened.signature).toBe('none');
    expect(isAuthenticLegacy(opened, alice.publicKey)).toBe(false);
  });

  it('an IV bit flip that breaks UTF-8 is reported as tampered', () => {
    const cipher = legacyEncrypt('PAY 100', bob.publicKey);
    const altered = editBody(cipher, (b) => {
      b[0]! ^= 0x80;
      return b;
    });
    expect(code(() => legacyDecrypt(altered, bob))).toBe('tampered');
  });

  it('an IV bit flip on a signed message makes the signature forged: not authentic', () => {
    const cipher = legacyEncrypt('PAY 100', bob.publicKey, alice);
    const altered = editBody(cipher, (b) => {
      b[4]! ^= 0x08;
      return b;
    });
    const opened = legacyDecrypt(altered, bob, alice.publicKey);
    expect(opened.signature).toBe('forged');
    expect(opened.status).toBe('legacy');
    expect(isAuthenticLegacy(opened, alice.publicKey)).toBe(false);
  });

  it('a flipped bit in a middle ciphertext block of a signed message is detected', () => {
    const long = 'x'.repeat(100);
    const cipher = legacyEncrypt(long, bob.publicKey, alice);
    const altered = editBody(cipher, (b) => {
      b[40]! ^= 0x01;
      return b;
    });
    const result = code(() => legacyDecrypt(altered, bob, alice.publicKey));
    if (result === 'no error') {
      expect(isAuthenticLegacy(legacyDecrypt(altered, bob, alice.publicKey), alice.publicKey)).toBe(false);
    } else {
      expect(result).toBe('tampered');
    }
  });

  it('dropping trailing blocks of a signed message (signature stripping) never yields an authentic message', () => {
    const cipher = legacyEncrypt('short signed text', bob.publicKey, alice);
    const blocks = Buffer.from(cipher.split('?')[1]!, 'base64').length / 16;
    for (let drop = 1; drop < blocks - 1; drop++) {
      const cut = editBody(cipher, (b) => b.subarray(0, b.length - 16 * drop));
      const result = code(() => legacyDecrypt(cut, bob, alice.publicKey));
      if (result === 'no error') {
        expect(isAuthenticLegacy(legacyDecrypt(cut, bob, alice.publicKey), alice.publicKey)).toBe(false);
      } else {
        expect(result).toBe('tampered');
      }
    }
  });

  it('an altered RSA field means the message is not for this key', () => {
    const cipher = legacyEncrypt('hello', bob.publicKey);
    const [rsaPart, aesPart] = cipher.split('?') as [string, string];
    const wrapped = Buffer.from(rsaPart, 'base64');
    wrapped[10]! ^= 0x01;
    expect(code(() => legacyDecrypt(`${wrapped.toString('base64')}?${aesPart}`, bob))).toBe('not-addressed');
  });
});

describe('signatures', () => {
  it('a valid signature from a key that is not the pinned one is not authentic', () => {
    const cipher = legacyEncrypt('I am alice, honest', bob.publicKey, mallory);
    const opened = legacyDecrypt(cipher, bob, alice.publicKey);
    expect(opened.signature).toBe('valid');
    expect(opened.signer).toBe(mallory.publicKey);
    expect(opened.status).toBe('legacy');
    expect(isAuthenticLegacy(opened, alice.publicKey)).toBe(false);
  });

  it('alice\'s signature pasted onto other text under her key is forged', () => {
    const signed = legacyEncrypt('original', mallory.publicKey, alice);
    const inner = legacyDecrypt(signed, mallory); // mallory reads it, then re-sends with a new text
    expect(inner.signature).toBe('valid');
    const [, , sig] = (stock.decrypt(signed, stockKey(mallory)) as { plaintext: string }).plaintext.split(LEGACY_SIGNATURE_SEPARATOR);
    const forgedBody = ['changed', alice.publicKey, sig ?? ''].join(LEGACY_SIGNATURE_SEPARATOR);
    const { cipher } = stock.encrypt(forgedBody, bob.publicKey) as { cipher: string };
    const opened = legacyDecrypt(cipher, bob, alice.publicKey);
    expect(opened.signature).toBe('forged');
    expect(isAuthenticLegacy(opened, alice.publicKey)).toBe(false);
  });

  it('rejects a signature with shortened padding that stock cryptico\'s lax check accepts', async () => {
    const text = 'lax padding';
    const digestInfo = '3031300d060960864801650304020105000420';
    const hash = (await import('node:crypto')).createHash('sha256').update(text, 'utf8').digest('hex');
    const em = BigInt('0x0001ffff00' + digestInfo + hash); // far fewer than the required FF bytes
    const n = BigInt('0x' + alice.rsa.n);
    const sig = modPow(em, BigInt('0x' + alice.rsa.d), n).toString(16);
    const sigB64 = Buffer.from(sig.length % 2 ? '0' + sig : sig, 'hex').toString('base64');
    const body = [text, alice.publicKey, sigB64].join(LEGACY_SIGNATURE_SEPARATOR);
    const { cipher } = stock.encrypt(body, bob.publicKey) as { cipher: string };
    expect(stock.decrypt(cipher, stockKey(bob))).toMatchObject({ signature: 'verified' }); // stock is fooled
    expect(legacyDecrypt(cipher, bob, alice.publicKey).signature).toBe('forged');
  });

  it('a message whose signer field is garbage is tampered', () => {
    const body = ['hi', 'not a key!', 'AAAA'].join(LEGACY_SIGNATURE_SEPARATOR);
    const { cipher } = stock.encrypt(body, bob.publicKey) as { cipher: string };
    expect(code(() => legacyDecrypt(cipher, bob))).toBe('tampered');
  });

  it('a body with a stray separator (neither 1 nor 3 fields) is tampered', () => {
    const { cipher } = stock.encrypt(`a${LEGACY_SIGNATURE_SEPARATOR}b`, bob.publicKey) as { cipher: string };
    expect(code(() => legacyDecrypt(cipher, bob))).toBe('tampered');
  });
});

describe('truncated, garbage and misaddressed input', () => {
  it('a message cut mid-text is truncated; without its body it is malformed', () => {
    const cipher = legacyEncrypt('a message long enough to span blocks', bob.publicKey);
    expect(code(() => legacyDecrypt(cipher.slice(0, -3), bob))).toBe('truncated');
    expect(code(() => legacyDecrypt(editBody(cipher, (b) => b.subarray(0, b.length - 5)), bob))).toBe('truncated');
    expect(code(() => legacyDecrypt(editBody(cipher, (b) => b.subarray(0, 8)), bob))).toBe('truncated');
    expect(code(() => legacyDecrypt(cipher.split('?')[0]!, bob))).toBe('malformed');
    expect(code(() => legacyDecrypt(cipher.split('?')[0]! + '?', bob))).toBe('malformed');
  });

  it.each([
    ['empty', ''],
    ['plain words', 'hello there'],
    ['question marks only', '???'],
    ['three fields', 'QUJD?QUJD?QUJD'],
    ['non-base64', 'QUJD!?QUJD'],
    ['bad padding', 'QUJ=?QUJDQUJDQUJDQUJDQUJDQUJDQUJD'],
    ['unicode', 'Привет?мир'],
  ])('garbage (%s) is malformed', (_name, input) => {
    expect(code(() => legacyDecrypt(input, bob))).toBe('malformed');
  });

  it('random base64 of the right shape is not addressed to us', () => {
    const junk = Buffer.from(crypto.getRandomValues(new Uint8Array(128))).toString('base64');
    const body = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64');
    expect(code(() => legacyDecrypt(`${junk}?${body}`, bob))).toBe('not-addressed');
  });

  it('an RSA field longer than our modulus is not addressed to us', async () => {
    const big = await generateLegacyKey(2048);
    expect(code(() => legacyDecrypt(legacyEncrypt('for the big key', big.publicKey), bob))).toBe('not-addressed');
  });

  it('a message for another key is not addressed to us', () => {
    const cipher = legacyEncrypt('for alice only', alice.publicKey, mallory);
    expect(code(() => legacyDecrypt(cipher, bob))).toBe('not-addressed');
  });

  it('an oversized input is refused before any work', () => {
    expect(code(() => legacyDecrypt('A'.repeat(200_000) + '?AAAA', bob))).toBe('too-large');
  });
});

describe('legacyEncrypt input checks', () => {
  it.each([
    ['garbage key', 'not a key', 'malformed'],
    ['empty key', '', 'malformed'],
    ['even modulus', Buffer.alloc(128, 0xaa).toString('base64'), 'malformed'],
  ])('%s → %s', (_name, pub, expected) => {
    expect(code(() => legacyEncrypt('x', pub))).toBe(expected);
  });

  it('refuses text cryptico cannot carry, and text over the size bound', () => {
    expect(code(() => legacyEncrypt('a\u0000b', bob.publicKey))).toBe('unsupported');
    expect(code(() => legacyEncrypt(`a${LEGACY_SIGNATURE_SEPARATOR}b`, bob.publicKey))).toBe('unsupported');
    expect(code(() => legacyEncrypt('я'.repeat(MAX_LEGACY_PLAINTEXT_BYTES / 2 + 1), bob.publicKey))).toBe('too-large');
  });
});

function stockKey(key: LegacyPrivateKey) {
  const RSAKey = stock.publicKeyFromString('AQAB').constructor as new () => import('cryptico').RSAKey;
  const rsa = new RSAKey();
  const k = key.rsa;
  rsa.setPrivateEx(k.n, k.e, k.d, k.p, k.q, k.dmp1, k.dmq1, k.coeff);
  return rsa;
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
  }
  return result;
}
