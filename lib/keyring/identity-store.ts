// The user's own identity and prekeys in the keyring. Private keys live only as non-extractable
// CryptoKeys. The identity key also has a device-key-wrapped PKCS#8 copy (for explicit backups): it is
// generated extractable just long enough to export and wrap it, then re-imported non-extractable.
// Prekeys are generated non-extractable and have no copy at all (only prekeys restored from an older
// backup keep theirs): a backup restores the identity, and the restored keyring makes a new prekey.
// Nothing extractable is stored in clear.
import { buf, toHex, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { exportIdentityPrivate, fingerprint, generateIdentity, importIdentityPrivate, type IdentityKeyPair } from '../crypto/identity';
import { generatePrekey, importPrekey, PREKEY_RETENTION_MS, type PrekeyPair, type SignedPrekey } from '../crypto/prekey';
import type { PublicBundle } from '../crypto/public-bundle';
import type { IdentityRow, KeyringDB, StoredPrekey } from './db';
import { prepareDeviceKey, saveDeviceKeyIfNew, unwrapSecret, wrapSecret } from './device-key';
import { normalizeKeyringHandle } from './handle';

export { PREKEY_RETENTION_MS };
/** A bound on retired prekeys whatever their age (many "rotate now" clicks in a month). */
export const MAX_RETAINED_PREKEYS = 52;

export interface IdentityInfo {
  handle: string;
  identityKey: Uint8Array;
  fingerprint: string;
  created: number;
  prekey: { id: string; publicKey: Uint8Array; created: number };
  retainedPrekeys: number; // retired prekeys still able to open old messages
}

/** Private halves as PKCS#8: from fresh extractable keys or from a backup. Never stored like this. */
export interface PrekeyMaterial extends SignedPrekey {
  pkcs8: Uint8Array;
  retiredAt?: number;
}
export interface IdentityMaterial {
  handle: string;
  publicKey: Uint8Array;
  pkcs8: Uint8Array;
  created: number;
  prekeys: PrekeyMaterial[]; // [0] is current
}

const identityLabel = (publicKey: Uint8Array) => `identity:${toHex(publicKey)}`;
const prekeyLabel = (id: string) => `prekey:${id}`;

/** A prekey from a backup: imported non-extractable, with its wrapped copy so later backups still carry it. */
async function sealPrekey(deviceKey: CryptoKey, identityKey: Uint8Array, m: PrekeyMaterial): Promise<StoredPrekey> {
  const pair = await importPrekey(identityKey, m, false); // checks key match and signature
  const stored: StoredPrekey = { ...toPrekeyFields(pair), wrapped: await wrapSecret(deviceKey, prekeyLabel(pair.id), m.pkcs8) };
  if (m.retiredAt !== undefined) stored.retiredAt = m.retiredAt;
  return stored;
}

function toPrekeyFields(p: PrekeyPair): PrekeyPair {
  return { id: p.id, publicKey: p.publicKey, privateKey: p.privateKey, created: p.created, signature: p.signature };
}

/** A new prekey made here: non-extractable from the start, no copy anywhere. */
async function freshPrekey(identity: IdentityKeyPair, now: number): Promise<StoredPrekey> {
  return toPrekeyFields(await generatePrekey(identity, { extractable: false, now }));
}

/** Builds the stored row: non-extractable keys plus wrapped copies. Checks every private key matches. */
export async function sealIdentity(deviceKey: CryptoKey, m: IdentityMaterial, now = Date.now()): Promise<IdentityRow> {
  let privateKey: CryptoKey;
  try {
    privateKey = await importIdentityPrivate(m.pkcs8, false);
  } catch {
    throw new C2CError('malformed', 'The identity private key is not a valid Ed25519 PKCS#8 key.');
  }
  // A signature probe proves the private key belongs to the public key we are about to publish.
  const probe = utf8('c2c/v1/keyring-identity-probe');
  const signature = await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, buf(probe));
  const pub = await crypto.subtle.importKey('raw', buf(m.publicKey), { name: 'Ed25519' }, false, ['verify']);
  if (!(await crypto.subtle.verify({ name: 'Ed25519' }, pub, signature, buf(probe)))) {
    throw new C2CError('key-mismatch', 'The identity private key does not match its public key.');
  }
  const prekeys: StoredPrekey[] = [];
  for (const p of m.prekeys) prekeys.push(await sealPrekey(deviceKey, m.publicKey, p));
  // A new identity, or a backup without prekeys (made here, they are never copied): a new current prekey.
  if (prekeys.length === 0) prekeys.push(await freshPrekey({ publicKey: m.publicKey, privateKey }, now));
  return {
    slot: 'active',
    handle: normalizeKeyringHandle(m.handle),
    publicKey: m.publicKey,
    privateKey,
    wrapped: await wrapSecret(deviceKey, identityLabel(m.publicKey), m.pkcs8),
    prekeys,
    created: m.created,
  };
}

/** Unwraps the PKCS#8 copies (prekeys made here have none): only for an explicit, passphrase-protected backup. */
export async function unsealIdentity(deviceKey: CryptoKey, row: IdentityRow): Promise<IdentityMaterial> {
  const prekeys: PrekeyMaterial[] = [];
  for (const p of row.prekeys) {
    if (!p.wrapped) continue;
    const m: PrekeyMaterial = {
      publicKey: p.publicKey,
      created: p.created,
      signature: p.signature,
      pkcs8: await unwrapSecret(deviceKey, prekeyLabel(p.id), p.wrapped),
    };
    if (p.retiredAt !== undefined) m.retiredAt = p.retiredAt;
    prekeys.push(m);
  }
  return {
    handle: row.handle,
    publicKey: row.publicKey,
    pkcs8: await unwrapSecret(deviceKey, identityLabel(row.publicKey), row.wrapped),
    created: row.created,
    prekeys,
  };
}

async function requireIdentity(db: KeyringDB): Promise<IdentityRow> {
  const row = await db.identities.get('active');
  if (!row) throw new C2CError('not-found', 'No identity yet: create one first.');
  return row;
}

function current(row: IdentityRow): StoredPrekey {
  const p = row.prekeys[0];
  if (!p) throw new C2CError('not-found', 'The identity has no prekey.');
  return p;
}

export async function identityInfo(row: IdentityRow): Promise<IdentityInfo> {
  const p = current(row);
  return {
    handle: row.handle,
    identityKey: row.publicKey,
    fingerprint: await fingerprint(row.publicKey),
    created: row.created,
    prekey: { id: p.id, publicKey: p.publicKey, created: p.created },
    retainedPrekeys: row.prekeys.length - 1,
  };
}

const alreadyExists = () =>
  new C2CError('exists', 'An identity already exists. Replacing it needs an explicit confirmation (and a backup first).');

/** Creates the identity; refuses to overwrite one unless `replace` is true. Nothing changes on failure. */
export async function createIdentity(
  db: KeyringDB,
  handle: string,
  opts: { replace?: boolean; now?: number } = {},
): Promise<IdentityInfo> {
  const normalized = normalizeKeyringHandle(handle);
  const now = opts.now ?? Date.now();
  if (!opts.replace && (await db.identities.get('active'))) throw alreadyExists();
  const identity = await generateIdentity(true);
  // No prekey material: sealIdentity makes the first prekey, non-extractable.
  const material: IdentityMaterial = {
    handle: normalized,
    publicKey: identity.publicKey,
    pkcs8: await exportIdentityPrivate(identity.privateKey),
    created: now,
    prekeys: [],
  };
  const device = await prepareDeviceKey(db, now);
  const row = await sealIdentity(device.key, material, now);
  wipe(material);
  await db.transaction('rw', db.identities, db.deviceKey, async () => {
    if (!opts.replace && (await db.identities.get('active'))) throw alreadyExists();
    await saveDeviceKeyIfNew(db, device);
    await db.identities.put(row);
  });
  return identityInfo(row);
}

/** Best effort: JS cannot guarantee no other copy exists, but we do not keep ours around. */
export function wipe(m: IdentityMaterial): void {
  m.pkcs8.fill(0);
  for (const p of m.prekeys) p.pkcs8.fill(0);
}

export async function getIdentity(db: KeyringDB): Promise<IdentityInfo | undefined> {
  const row = await db.identities.get('active');
  return row ? identityInfo(row) : undefined;
}

/** What sealing needs: the identity and the current prekey (v1 formats only). */
export async function getSenderKeys(db: KeyringDB): Promise<{ identity: IdentityKeyPair; prekey: PrekeyPair }> {
  const row = await requireIdentity(db);
  return { identity: { publicKey: row.publicKey, privateKey: row.privateKey }, prekey: toPrekeyFields(current(row)) };
}

/**
 * What opening needs: every retained prekey, current first, and the identity (its public key names the
 * recipient in v1 messages; its private key derives the sender's own copy of v2 messages).
 */
export async function getOpeningKeys(db: KeyringDB): Promise<{ identity: IdentityKeyPair; identityKey: Uint8Array; prekeys: PrekeyPair[] }> {
  const row = await requireIdentity(db);
  return { identity: { publicKey: row.publicKey, privateKey: row.privateKey }, identityKey: row.publicKey, prekeys: row.prekeys.map(toPrekeyFields) };
}

export async function publicBundle(db: KeyringDB): Promise<PublicBundle> {
  const row = await requireIdentity(db);
  const p = current(row);
  return { identityKey: row.publicKey, prekey: { publicKey: p.publicKey, created: p.created, signature: p.signature }, handle: row.handle };
}

/**
 * New current prekey (non-extractable); the previous ones are kept to open older messages for
 * PREKEY_RETENTION_MS after they were replaced (at most MAX_RETAINED_PREKEYS), then deleted.
 */
export async function rotatePrekey(db: KeyringDB, now = Date.now()): Promise<IdentityInfo> {
  const row = await requireIdentity(db);
  const stored = await freshPrekey({ publicKey: row.publicKey, privateKey: row.privateKey }, now);
  const updated = await db.transaction('rw', db.identities, async () => {
    // Re-read inside the transaction so a concurrent rotation or replacement is not lost or mixed in.
    const latest = await requireIdentity(db);
    if (toHex(latest.publicKey) !== toHex(row.publicKey)) {
      throw new C2CError('key-mismatch', 'The identity was replaced while rotating the prekey.');
    }
    const retired = latest.prekeys
      .map((p) => (p.retiredAt === undefined ? { ...p, retiredAt: now } : p))
      .filter((p) => now - (p.retiredAt ?? now) < PREKEY_RETENTION_MS);
    const next: IdentityRow = { ...latest, prekeys: [stored, ...retired].slice(0, 1 + MAX_RETAINED_PREKEYS) };
    await db.identities.put(next);
    return next;
  });
  return identityInfo(updated);
}
