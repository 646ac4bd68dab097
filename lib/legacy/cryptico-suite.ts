// The legacy CRYPT2CHAT-compatible suite: stock cryptico.encrypt strings, hardened on our side.
// Text is carried as UTF-8 bytes, one byte per char code (a "Latin-1 string"), because cryptico encrypts
// char codes as bytes and corrupts anything above 0xFF. ASCII is identical either way, so stock→us and
// us→stock ASCII interoperate; us↔us carries all of Unicode. AES-CBC here has no MAC: an unsigned
// message can be altered undetected. Only a valid signature by the sender's pinned key (isAuthenticLegacy)
// makes a legacy message trustworthy, and even then the signature does not name the recipient.
import { fromBase64, fromUtf8, toHex, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { withCryptico } from './cryptico-runtime';
import { rsaKeyOf, type LegacyPrivateKey } from './legacy-key';
import { legacyModulus, legacyPublicKeyFromModulus, MIN_SIGNER_BITS, sameLegacyKey } from './legacy-public-key';
import { splitCrypticoString } from './legacy-payload';
import { verifyLegacySignature } from './legacy-signature';

export { generateLegacyKey, importLegacyKey, legacyPublicKeyString } from './legacy-key';
export type { LegacyKeyBits, LegacyKeyNumbers, LegacyPrivateKey } from './legacy-key';
export { legacyFingerprint, sameLegacyKey } from './legacy-public-key';
export { decodeLegacyPayload, encodeLegacyPayload } from './legacy-payload';

/** cryptico's marker between text, signer key and signature inside the encrypted body. */
export const LEGACY_SIGNATURE_SEPARATOR = '::52cee64bb3a38f6403386519a39ac91c::';
/** Bounds the work (cryptico's CBC is quadratic in the message length). */
export const MAX_LEGACY_PLAINTEXT_BYTES = 64 * 1024;
export const MAX_LEGACY_CIPHER_CHARS = 96 * 1024;

export interface LegacyOpened {
  plaintext: string;
  /** Never 'verified': a legacy message is shown as `legacy` even when its signature is good. */
  status: 'legacy' | 'verified-legacy-signature';
  /** The signer's public key string, when the message carries a signature. */
  signer?: string;
  /** 'forged' means altered or falsely attributed: callers must show an error, not the text. */
  signature: 'none' | 'valid' | 'forged';
}

/** Encrypts to a stock cryptico public key; the result is exactly what stock cryptico.decrypt reads. */
export function legacyEncrypt(plaintext: string, recipientPub: string, signer?: LegacyPrivateKey): string {
  const recipient = legacyPublicKeyFromModulus(legacyModulus(recipientPub));
  const bytes = utf8(plaintext);
  if (bytes.length > MAX_LEGACY_PLAINTEXT_BYTES) throw new C2CError('too-large', 'message too long for the legacy suite');
  // cryptico strips trailing zero bytes and splits on its separator: such text would not survive.
  if (bytes.includes(0)) throw new C2CError('unsupported', 'the legacy suite cannot carry NUL characters');
  const body = bytesToLatin1(bytes);
  if (body.includes(LEGACY_SIGNATURE_SEPARATOR)) {
    throw new C2CError('unsupported', 'the text contains the legacy signature marker');
  }
  const signingKey = signer ? rsaKeyOf(signer) : undefined;
  const result = withCryptico((c) => c.encrypt(body, recipient, signingKey));
  if (result.status !== 'success') throw new C2CError('malformed', 'not a legacy (cryptico) public key');
  return result.cipher;
}

/**
 * Opens a stock cryptico string. Throws C2CError: 'too-large', 'malformed' (not a cryptico string),
 * 'truncated' (body not whole AES blocks), 'not-addressed' (the RSA layer fails for this key),
 * 'tampered' (body does not decode: altered in transit, or stock non-ASCII text that is not UTF-8).
 */
export function legacyDecrypt(cipher: string, key: LegacyPrivateKey, pinnedSignerPub?: string): LegacyOpened {
  const text = cipher.trim();
  if (text.length > MAX_LEGACY_CIPHER_CHARS) throw new C2CError('too-large', 'legacy message too long');
  const fields = splitCrypticoString(text);
  if (!fields) throw new C2CError('malformed', 'not a legacy (cryptico) message');
  const [rsaPart, aesPart] = fields;
  const wrappedKey = decodeBase64(rsaPart);
  if (aesPart.length % 4 !== 0) throw new C2CError('truncated', 'legacy message is cut short');
  const body = decodeBase64(aesPart);
  if (body.length < 16 || body.length % 16 !== 0) throw new C2CError('truncated', 'legacy message is cut short');

  const rsa = rsaKeyOf(key);
  const inner = withCryptico((c) => {
    const aesKey = wrappedKey.length <= (rsa.n.bitLength() + 7) >> 3 ? rsa.decrypt(toHex(wrappedKey)) : null;
    // A wrong key can pass the padding check by chance; a 32-byte AES key is what cryptico always wraps.
    if (aesKey === null || aesKey.length !== 32 || Array.from(aesKey).some((ch) => ch.charCodeAt(0) > 0xff)) return null;
    return c.decryptAESCBC(aesPart, Array.from(aesKey, (ch) => ch.charCodeAt(0)));
  });
  if (inner === null) throw new C2CError('not-addressed', 'this legacy message is not encrypted to your key');

  const parts = inner.split(LEGACY_SIGNATURE_SEPARATOR);
  if (parts.length !== 1 && parts.length !== 3) throw new C2CError('tampered', 'legacy message was altered');
  const plaintext = decodeText(parts[0]!);
  if (parts.length === 1) return { plaintext, status: 'legacy', signature: 'none' };

  let signerModulus: Uint8Array;
  try {
    signerModulus = legacyModulus(parts[1]!, MIN_SIGNER_BITS);
  } catch {
    throw new C2CError('tampered', 'legacy message carries an unreadable signer key');
  }
  const signer = legacyPublicKeyFromModulus(signerModulus);
  let valid: boolean;
  try {
    valid = verifyLegacySignature(parts[0]!, fromBase64(parts[2]!), signerModulus);
  } catch {
    valid = false;
  }
  const pinned = valid && pinnedSignerPub !== undefined && sameLegacyKey(signer, pinnedSignerPub);
  return {
    plaintext,
    status: pinned ? 'verified-legacy-signature' : 'legacy',
    signer,
    signature: valid ? 'valid' : 'forged',
  };
}

/** A legacy message is authentic only with a valid signature made by the contact's pinned key. */
export function isAuthenticLegacy(opened: LegacyOpened, pinnedPub: string): boolean {
  return opened.signature === 'valid' && opened.signer !== undefined && sameLegacyKey(opened.signer, pinnedPub);
}

function decodeBase64(text: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch {
    throw new C2CError('malformed', 'not a legacy (cryptico) message');
  }
}

function decodeText(latin1: string): string {
  try {
    return fromUtf8(Uint8Array.from(latin1, (ch) => ch.charCodeAt(0)));
  } catch {
    throw new C2CError('tampered', 'legacy message was altered (or sent as non-UTF-8 text by stock cryptico)');
  }
}

function bytesToLatin1(bytes: Uint8Array): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 8192) out += String.fromCharCode(...bytes.subarray(at, at + 8192));
  return out;
}
