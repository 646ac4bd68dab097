// The one place that touches cryptico 1.0.2. Stock cryptico replaces the realm's Math.random, seeds its
// own ARC4 "SecureRandom" from Math.random and the clock, installs Math.seedrandom and assigns five
// undeclared variables (globals in Node). Every call goes through withCryptico(), which for the length of
// the (synchronous) call routes cryptico's three randomness entry points (AES key, IV, RSA padding) to
// crypto.getRandomValues, and afterwards restores Math.random, those globals and cryptico's own functions,
// so the shared module instance stays stock for anyone else and the realm is left as it was.
import cryptico from 'cryptico';
import type { BigInteger, BigIntegerConstructor, Cryptico, RSAKey, RSAKeyConstructor } from 'cryptico';
import { randomBytes, utf8 } from '../bytes';
import type { LegacyKeyNumbers } from './legacy-key';

// Names cryptico assigns without declaring them (the Vite plugin declares them in the extension bundle).
const LEAKED_GLOBALS = ['sPaddedMessageHex', 'v', 'i', 'pubkey', 'signString'] as const;
const globalRecord = globalThis as unknown as Record<string, unknown>;

// Loading cryptico put Math.seedrandom on the realm's Math; nothing may use it.
delete (Math as unknown as Record<string, unknown>).seedrandom;

/** Runs `fn` against cryptico with CSPRNG randomness, leaving Math.random and globals as they were. */
export function withCryptico<T>(fn: (c: Cryptico) => T): T {
  const realRandom = Math.random;
  const savedGlobals = LEAKED_GLOBALS.map((name) => Object.getOwnPropertyDescriptor(globalThis, name));
  const { blockIV, generateAESKey, publicKeyFromString } = cryptico;
  cryptico.blockIV = () => Array.from(randomBytes(16));
  cryptico.generateAESKey = () => Array.from(randomBytes(32));
  cryptico.publicKeyFromString = (text) => {
    const key = publicKeyFromString(text);
    key.encrypt = encryptWithCsprngPadding;
    return key;
  };
  try {
    return fn(cryptico);
  } finally {
    Object.assign(cryptico, { blockIV, generateAESKey, publicKeyFromString });
    Math.random = realRandom;
    LEAKED_GLOBALS.forEach((name, at) => {
      const saved = savedGlobals[at];
      if (saved) Object.defineProperty(globalThis, name, saved);
      else delete globalRecord[name];
    });
  }
}

// cryptico keeps its RSAKey and BigInteger classes private; reach them through an object it returns.
const probe = withCryptico((c) => c.publicKeyFromString('AQAB'));
const RSAKeyClass = probe.constructor as RSAKeyConstructor;
const BigIntegerClass = probe.n.constructor as BigIntegerConstructor;

/** A cryptico RSAKey holding a full private key (hex fields as in cryptico's RSAKey.toJSON()). */
export function crypticoPrivateKey(hex: LegacyKeyNumbers): RSAKey {
  const key = new RSAKeyClass();
  key.setPrivateEx(hex.n, hex.e, hex.d, hex.p, hex.q, hex.dmp1, hex.dmq1, hex.coeff);
  return key;
}

/**
 * Replacement for RSAKey.prototype.encrypt: the same bytes as cryptico's pkcs1pad2 (which UTF-8-encodes
 * the key string; for its 0..255 char codes that is exactly UTF-8) but with CSPRNG padding bytes.
 */
function encryptWithCsprngPadding(this: RSAKey, text: string): string {
  const size = (this.n.bitLength() + 7) >> 3;
  const message = utf8(text);
  if (message.length + 11 > size) throw new Error('message too long for this RSA key');
  const padding = nonZeroRandomBytes(size - message.length - 3);
  const block: BigInteger = new BigIntegerClass([0, 2, ...padding, 0, ...message]);
  const hex = this.doPublic(block).toString(16);
  return hex.length % 2 === 0 ? hex : '0' + hex;
}

function nonZeroRandomBytes(count: number): number[] {
  const out: number[] = [];
  while (out.length < count) {
    for (const b of randomBytes(count - out.length)) if (b !== 0) out.push(b);
  }
  return out;
}
