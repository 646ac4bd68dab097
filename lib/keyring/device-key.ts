// The device key: a non-extractable AES-256-GCM key that wraps the exportable copies of private keys.
// It lets an explicit backup read them without any extractable private key living in the store.
import { buf, concat, randomBytes, utf8 } from '../bytes';
import { C2CError } from '../errors';
import type { DeviceKeyRow, KeyringDB, WrappedSecret } from './db';

const WRAP_CONTEXT = 'c2c/v1/keyring-wrap';

/** A device key ready for use; `unsaved` is set when it was just made and must be stored with the data. */
export interface PreparedDeviceKey {
  key: CryptoKey;
  unsaved?: DeviceKeyRow;
}

/** Reads the device key, or makes a new one in memory (saved later, in the caller's transaction). */
export async function prepareDeviceKey(db: KeyringDB, now = Date.now()): Promise<PreparedDeviceKey> {
  const row = await db.deviceKey.get('device');
  if (row) return { key: row.key };
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  return { key, unsaved: { slot: 'device', key, created: now } };
}

/** Call inside the write transaction: `add` fails (and aborts everything) if another key appeared meanwhile. */
export async function saveDeviceKeyIfNew(db: KeyringDB, prepared: PreparedDeviceKey): Promise<void> {
  if (prepared.unsaved) await db.deviceKey.add(prepared.unsaved);
}

// The label (e.g. "identity:<hex>") is bound as AAD so a wrapped blob cannot be moved to another slot.
function aad(label: string): Uint8Array<ArrayBuffer> {
  return buf(concat(utf8(WRAP_CONTEXT), new Uint8Array([0]), utf8(label)));
}

export async function wrapSecret(deviceKey: CryptoKey, label: string, secret: Uint8Array): Promise<WrappedSecret> {
  const iv = randomBytes(12);
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: buf(iv), additionalData: aad(label) },
    deviceKey,
    buf(secret),
  );
  return { iv, ciphertext: new Uint8Array(ciphertext) };
}

export async function unwrapSecret(deviceKey: CryptoKey, label: string, wrapped: WrappedSecret): Promise<Uint8Array> {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(wrapped.iv), additionalData: aad(label) },
      deviceKey,
      buf(wrapped.ciphertext),
    );
    return new Uint8Array(plain);
  } catch {
    throw new C2CError('tampered', 'A stored key copy could not be unwrapped with this device key.');
  }
}

/** Reads the stored device key (for unwrapping); absent means no wrapped secret can be read. */
export async function requireDeviceKey(db: KeyringDB): Promise<CryptoKey> {
  const row = await db.deviceKey.get('device');
  if (!row) throw new C2CError('not-found', 'The keyring has no device key.');
  return row.key;
}
