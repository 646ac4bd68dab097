// The public key line: what `c2c pub` prints, `--to` accepts and the relay directory stores.
// Text: "c2cpub1." + base64url(binary). Binary layout in docs/FORMATS.md ("Public key line").
import { concat, fromBase64Url, fromUtf8, toBase64Url, u64be, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { ED25519_PUBLIC_LENGTH, ED25519_SIGNATURE_LENGTH } from './identity';
import { type SignedPrekey, verifyPrekey } from './prekey';
import { X25519_PUBLIC_LENGTH } from './x25519';

export interface PublicBundle {
  identityKey: Uint8Array; // Ed25519, 32 bytes
  prekey: SignedPrekey;
  handle?: string;
}

export const PUBLIC_BUNDLE_PREFIX = 'c2cpub1.';
const BUNDLE_VERSION = 0x01;
export const MAX_HANDLE_BYTES = 64;

/** identity 32 || prekey 32 || created u64be || signature 64: the keys part, also embedded in message headers. */
export const BUNDLE_KEYS_LENGTH = ED25519_PUBLIC_LENGTH + X25519_PUBLIC_LENGTH + 8 + ED25519_SIGNATURE_LENGTH;

export function encodeBundleKeys(b: PublicBundle): Uint8Array {
  const { identityKey, prekey } = b;
  if (
    identityKey.length !== ED25519_PUBLIC_LENGTH ||
    prekey.publicKey.length !== X25519_PUBLIC_LENGTH ||
    prekey.signature.length !== ED25519_SIGNATURE_LENGTH
  ) {
    throw new C2CError('malformed', 'a public bundle key or signature has the wrong length');
  }
  return concat(identityKey, prekey.publicKey, u64be(prekey.created), prekey.signature);
}

/** Reads the keys part at `at`; the caller has checked that BUNDLE_KEYS_LENGTH bytes are there. */
export function decodeBundleKeys(bytes: Uint8Array, at: number): PublicBundle {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const created = view.getBigUint64(at + 64);
  if (created > BigInt(Number.MAX_SAFE_INTEGER)) throw new C2CError('malformed', 'the prekey creation time is out of range');
  return {
    identityKey: bytes.slice(at, at + 32),
    prekey: {
      publicKey: bytes.slice(at + 32, at + 64),
      created: Number(created),
      signature: bytes.slice(at + 72, at + 72 + ED25519_SIGNATURE_LENGTH),
    },
  };
}

/** Throws C2CError 'bad-signature' unless the bundle's identity signed its prekey. */
export async function assertBundleSigned(b: PublicBundle): Promise<void> {
  if (!(await verifyPrekey(b.identityKey, b.prekey))) {
    throw new C2CError('bad-signature', 'the prekey in this public key is not signed by its identity key');
  }
}

function handleBytes(handle: string | undefined): Uint8Array {
  if (handle === undefined) return new Uint8Array(0);
  const bytes = utf8(handle);
  if (bytes.length === 0 || bytes.length > MAX_HANDLE_BYTES || /[\u0000-\u001f\u007f]/.test(handle)) {
    throw new C2CError('malformed', `a handle is 1 to ${MAX_HANDLE_BYTES} bytes of UTF-8 without control characters`);
  }
  return bytes;
}

export function encodePublicBundle(b: PublicBundle): string {
  const handle = handleBytes(b.handle);
  const binary = concat(new Uint8Array([BUNDLE_VERSION]), encodeBundleKeys(b), new Uint8Array([handle.length]), handle);
  return PUBLIC_BUNDLE_PREFIX + toBase64Url(binary);
}

export async function decodePublicBundle(text: string): Promise<PublicBundle> {
  const line = text.trim();
  if (!line.startsWith(PUBLIC_BUNDLE_PREFIX)) {
    if (/^c2cpub\d+\./.test(line)) throw new C2CError('unknown-version', 'this public key is from a newer, unsupported version');
    throw new C2CError('malformed', 'not a Crypt2Chat public key (expected a line starting with "c2cpub1.")');
  }
  let binary: Uint8Array;
  try {
    binary = fromBase64Url(line.slice(PUBLIC_BUNDLE_PREFIX.length));
  } catch {
    throw new C2CError('malformed', 'the public key contains characters outside base64url or was cut');
  }
  if (binary[0] !== BUNDLE_VERSION) {
    throw new C2CError(binary.length === 0 ? 'malformed' : 'unknown-version', 'unsupported public key version');
  }
  const handleAt = 1 + BUNDLE_KEYS_LENGTH;
  const handleLength = binary[handleAt];
  if (handleLength === undefined || binary.length !== handleAt + 1 + handleLength) {
    throw new C2CError('malformed', 'the public key has the wrong length');
  }
  const bundle = decodeBundleKeys(binary, 1);
  if (handleLength > 0) {
    let handle: string;
    try {
      handle = fromUtf8(binary.subarray(handleAt + 1));
    } catch {
      throw new C2CError('malformed', 'the handle in the public key is not valid UTF-8');
    }
    handleBytes(handle); // same rules as encoding
    bundle.handle = handle;
  }
  await assertBundleSigned(bundle);
  return bundle;
}
