// cryptico must leave the realm as it found it, and its randomness must come from the CSPRNG.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  generateLegacyKey,
  importLegacyKey,
  legacyDecrypt,
  legacyEncrypt,
  legacyFingerprint,
  type LegacyPrivateKey,
} from '../../../lib/legacy/cryptico-suite';

const LEAKY_NAMES = ['sPaddedMessageHex', 'v', 'i', 'pubkey', 'signString'];
const realRandom = Math.random;
let key: LegacyPrivateKey;

beforeAll(async () => {
  key = await generateLegacyKey(1024);
});

afterEach(() => {
  Math.random = realRandom;
  vi.restoreAllMocks();
});

/** Every public call that reaches cryptico. */
async function everyCall(): Promise<void> {
  const fresh = await generateLegacyKey(1024);
  const signed = legacyEncrypt('hygiene check ✓', fresh.publicKey, key);
  legacyDecrypt(signed, fresh, key.publicKey);
  legacyDecrypt(legacyEncrypt('unsigned', key.publicKey), importLegacyKey(JSON.parse(JSON.stringify(key))));
  await legacyFingerprint(fresh.publicKey);
}

describe('realm hygiene', () => {
  it('loading cryptico left no Math.seedrandom behind', () => {
    expect('seedrandom' in Math).toBe(false);
  });

  it('Math.random is the original function after every call', async () => {
    await everyCall();
    expect(Math.random).toBe(realRandom);
  });

  it('no call uses Math.random at all (a throwing stub stays untouched)', async () => {
    const stub = () => {
      throw new Error('Math.random must not be called');
    };
    Math.random = stub;
    await everyCall();
    expect(Math.random).toBe(stub);
  });

  it('cryptico\'s undeclared variables do not leak into globalThis, and existing globals survive', async () => {
    const record = globalThis as unknown as Record<string, unknown>;
    record.i = 'an application global';
    try {
      await everyCall();
      expect(record.i).toBe('an application global');
      expect(LEAKY_NAMES.filter((n) => n !== 'i' && n in globalThis)).toEqual([]);
    } finally {
      delete record.i;
    }
  });
});

describe('randomness', () => {
  it('two encryptions of the same text differ in both the wrapped key and the IV', () => {
    const a = legacyEncrypt('same text', key.publicKey).split('?');
    const b = legacyEncrypt('same text', key.publicKey).split('?');
    expect(a[0]).not.toBe(b[0]);
    expect(Buffer.from(a[1]!, 'base64').subarray(0, 16)).not.toEqual(Buffer.from(b[1]!, 'base64').subarray(0, 16));
  });

  it('all of it comes from crypto.getRandomValues: a constant source gives identical ciphertexts', () => {
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      if (array) new Uint8Array(array.buffer, array.byteOffset, array.byteLength).fill(0x5a);
      return array;
    });
    const a = legacyEncrypt('same text', key.publicKey, key);
    const b = legacyEncrypt('same text', key.publicKey, key);
    expect(a).toBe(b);
    vi.restoreAllMocks();
    expect(legacyDecrypt(a, key, key.publicKey).plaintext).toBe('same text'); // still a valid message
  });
});
