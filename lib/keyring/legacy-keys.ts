// The user's own legacy (cryptico) key. It is plain numbers, not a CryptoKey, so it is stored only as
// JSON wrapped under the device key and unwrapped when a legacy operation needs it.
import { fromUtf8, utf8 } from '../bytes';
import { C2CError } from '../errors';
import type { LegacyPrivateKey } from '../legacy/legacy-key';
import { legacyModulus } from '../legacy/legacy-public-key';
import type { KeyringDB, WrappedSecret } from './db';
import { prepareDeviceKey, requireDeviceKey, saveDeviceKeyIfNew, unwrapSecret, wrapSecret } from './device-key';

const LABEL = 'legacy:active';
const MAX_JSON = 16 * 1024;

/** Shape check only; lib/legacy re-checks the RSA numbers before every use (rsaKeyOf). */
export function checkLegacyKeyShape(key: unknown): LegacyPrivateKey {
  const k = key as Partial<LegacyPrivateKey> | null;
  if (typeof k !== 'object' || k === null || k.suite !== 'cryptico' || typeof k.publicKey !== 'string' || typeof k.rsa !== 'object' || k.rsa === null) {
    throw new C2CError('malformed', 'Not a legacy (cryptico) private key.');
  }
  legacyModulus(k.publicKey);
  return k as LegacyPrivateKey;
}

export function encodeLegacyKey(key: LegacyPrivateKey): Uint8Array {
  const json = utf8(JSON.stringify(checkLegacyKeyShape(key)));
  if (json.length > MAX_JSON) throw new C2CError('too-large', 'The legacy key is too large.');
  return json;
}

function decodeLegacyKey(bytes: Uint8Array): LegacyPrivateKey {
  try {
    return checkLegacyKeyShape(JSON.parse(fromUtf8(bytes)));
  } catch {
    throw new C2CError('malformed', 'The stored legacy key is not readable.');
  }
}

export async function wrapLegacyKey(deviceKey: CryptoKey, key: LegacyPrivateKey): Promise<WrappedSecret> {
  return wrapSecret(deviceKey, LABEL, encodeLegacyKey(key));
}

export async function unwrapLegacyKey(deviceKey: CryptoKey, wrapped: WrappedSecret): Promise<LegacyPrivateKey> {
  return decodeLegacyKey(await unwrapSecret(deviceKey, LABEL, wrapped));
}

/** Stores the legacy key; refuses to overwrite a different one unless `replace` is true. */
export async function saveLegacyKey(db: KeyringDB, key: LegacyPrivateKey, opts: { replace?: boolean; now?: number } = {}): Promise<void> {
  const now = opts.now ?? Date.now();
  const device = await prepareDeviceKey(db, now);
  const wrapped = await wrapLegacyKey(device.key, key);
  await db.transaction('rw', db.legacyKeys, db.deviceKey, async () => {
    if (!opts.replace && (await db.legacyKeys.get('active'))) {
      throw new C2CError('exists', 'A legacy key already exists. Replacing it needs an explicit confirmation.');
    }
    await saveDeviceKeyIfNew(db, device);
    await db.legacyKeys.put({ slot: 'active', publicKey: key.publicKey, wrapped, created: now });
  });
}

export async function loadLegacyKey(db: KeyringDB): Promise<LegacyPrivateKey | undefined> {
  const row = await db.legacyKeys.get('active');
  if (!row) return undefined;
  return unwrapLegacyKey(await requireDeviceKey(db), row.wrapped);
}

export async function legacyPublicKey(db: KeyringDB): Promise<string | undefined> {
  return (await db.legacyKeys.get('active'))?.publicKey;
}
