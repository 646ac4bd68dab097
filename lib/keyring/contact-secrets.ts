// Per-contact post-quantum secrets (lib/crypto/contact-pq.ts) in the keyring: wrapped under the device key
// like the other private keys, in backups, one current per contact; a replaced one stays
// CONTACT_SECRET_RETENTION_MS so that messages sealed with it still open. See docs/KEYRING.md.
import { toHex } from '../bytes';
import { newSelfPqSecret, PQ_SECRET_LENGTH } from '../crypto/contact-pq';
import type { SealPostQuantum } from '../crypto/message-v2';
import { C2CError } from '../errors';
import type { ContactSecretRow, KeyringDB, SelfPqSecretRow, StoredContactSecret } from './db';
import { prepareDeviceKey, requireDeviceKey, saveDeviceKeyIfNew, unwrapSecret, wrapSecret } from './device-key';
import { normalizeKeyringHandle } from './handle';

export const CONTACT_SECRET_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * Secrets kept per contact whatever their age (the current one included). Every version-2 chat makes a
 * new one, so without a bound a chatty pair piles them up, and each costs an unwrap and an HMAC per
 * prekey on every message opened, raises the chance that a foreign wrap's tag matches by accident, and
 * lengthens backups (whose restore bounds them).
 */
export const MAX_KEPT_CONTACT_SECRETS = 16;
const SELF_LABEL = 'self-pq';
const contactLabel = (handle: string, identityKey: Uint8Array) => `contact-pq:${handle}:${toHex(identityKey)}`;

const kept = (s: StoredContactSecret, now: number) => s.replacedAt === undefined || now - s.replacedAt < CONTACT_SECRET_RETENTION_MS;

/**
 * Stores a PQS just established with `handle` (whose identity key is `identityKey`) as the current one;
 * the previous one is marked replaced, expired ones and those beyond MAX_KEPT_CONTACT_SECRETS are dropped.
 * Makes the own pq secret on first use.
 */
export async function storeContactSecret(db: KeyringDB, handle: string, identityKey: Uint8Array, secret: Uint8Array, now = Date.now()): Promise<void> {
  if (secret.length !== PQ_SECRET_LENGTH) throw new C2CError('malformed', 'a contact secret is 32 bytes');
  const name = normalizeKeyringHandle(handle);
  const device = await prepareDeviceKey(db, now);
  const entry: StoredContactSecret = { identityKey: identityKey.slice(), wrapped: await wrapSecret(device.key, contactLabel(name, identityKey), secret), established: now };
  // Made only while there is none (then checked again inside the transaction, which cannot await WebCrypto).
  const selfRow = (await db.selfPqSecret.get('active')) ? undefined : await newSelfRow(device.key, now);
  await db.transaction('rw', db.contactSecrets, db.selfPqSecret, db.deviceKey, async () => {
    await saveDeviceKeyIfNew(db, device);
    if (selfRow && !(await db.selfPqSecret.get('active'))) await db.selfPqSecret.put(selfRow);
    const old = (await db.contactSecrets.get(name))?.secrets ?? [];
    const older = old.map((s) => (s.replacedAt === undefined ? { ...s, replacedAt: now } : s)).filter((s) => kept(s, now));
    await db.contactSecrets.put({ handle: name, secrets: [entry, ...older].slice(0, MAX_KEPT_CONTACT_SECRETS) });
  });
}

async function newSelfRow(deviceKey: CryptoKey, now: number): Promise<SelfPqSecretRow> {
  const self = newSelfPqSecret();
  try {
    return { slot: 'active', wrapped: await wrapSecret(deviceKey, SELF_LABEL, self), created: now };
  } finally {
    self.fill(0);
  }
}

/** The current secret for this contact and identity key, if any: what sealing mixes in. */
function currentFor(row: ContactSecretRow | undefined, identityKey: Uint8Array): StoredContactSecret | undefined {
  const first = row?.secrets[0];
  return first && first.replacedAt === undefined && toHex(first.identityKey) === toHex(identityKey) ? first : undefined;
}

/** Whether sealing to this contact's identity key is post-quantum (a current secret exists). */
export async function hasContactSecret(db: KeyringDB, handle: string, identityKey: Uint8Array): Promise<boolean> {
  return !!currentFor(await db.contactSecrets.get(normalizeKeyringHandle(handle)), identityKey);
}

/** What sealing to these recipients needs; undefined when none of them has a secret. */
export async function postQuantumForSending(db: KeyringDB, recipients: { handle: string; identityKey: Uint8Array }[]): Promise<SealPostQuantum | undefined> {
  const found = await Promise.all(recipients.map(async (r) => ({ r, s: currentFor(await db.contactSecrets.get(normalizeKeyringHandle(r.handle)), r.identityKey) })));
  const selfRow = await db.selfPqSecret.get('active');
  if (!selfRow || !found.some((f) => f.s)) return undefined;
  const deviceKey = await requireDeviceKey(db);
  const contacts = new Map<string, Uint8Array>();
  for (const { r, s } of found) {
    if (s) contacts.set(toHex(r.identityKey), await unwrapSecret(deviceKey, contactLabel(normalizeKeyringHandle(r.handle), s.identityKey), s.wrapped));
  }
  return { self: await unwrapSecret(deviceKey, SELF_LABEL, selfRow.wrapped), contacts };
}

/** What opening needs: every kept secret (current and replaced within 30 days) and the own pq secret. */
export async function postQuantumForOpening(db: KeyringDB, now = Date.now()): Promise<{ contactSecrets: Uint8Array[]; selfPqSecret?: Uint8Array }> {
  const [rows, selfRow] = await Promise.all([db.contactSecrets.toArray(), db.selfPqSecret.get('active')]);
  if (rows.length === 0 && !selfRow) return { contactSecrets: [] };
  const deviceKey = await requireDeviceKey(db);
  // At once: this runs for every message opened, and each unwrap mostly waits on WebCrypto.
  const [contactSecrets, selfPqSecret] = await Promise.all([
    Promise.all(rows.flatMap((row) => row.secrets.filter((x) => kept(x, now)).map((s) => unwrapSecret(deviceKey, contactLabel(row.handle, s.identityKey), s.wrapped)))),
    selfRow && unwrapSecret(deviceKey, SELF_LABEL, selfRow.wrapped),
  ]);
  return { contactSecrets, ...(selfPqSecret ? { selfPqSecret } : {}) };
}

/** For backups: every kept secret in clear (the caller seals them under the passphrase) and the own one. */
export interface ContactSecretsExport {
  self?: Uint8Array;
  contacts: { handle: string; identityKey: Uint8Array; secret: Uint8Array; established: number; replacedAt?: number }[];
}

export async function exportContactSecrets(db: KeyringDB, rows: ContactSecretRow[], selfRow: SelfPqSecretRow | undefined, now = Date.now()): Promise<ContactSecretsExport> {
  if (rows.length === 0 && !selfRow) return { contacts: [] };
  const deviceKey = await requireDeviceKey(db);
  const contacts: ContactSecretsExport['contacts'] = [];
  for (const row of rows) {
    for (const s of row.secrets.filter((x) => kept(x, now))) {
      const secret = await unwrapSecret(deviceKey, contactLabel(row.handle, s.identityKey), s.wrapped);
      contacts.push({ handle: row.handle, identityKey: s.identityKey, secret, established: s.established, ...(s.replacedAt !== undefined ? { replacedAt: s.replacedAt } : {}) });
    }
  }
  return { ...(selfRow ? { self: await unwrapSecret(deviceKey, SELF_LABEL, selfRow.wrapped) } : {}), contacts };
}

/** Re-wraps exported secrets under this keyring's device key, as rows to put. */
export async function importContactSecrets(deviceKey: CryptoKey, data: ContactSecretsExport, now = Date.now()): Promise<{ rows: ContactSecretRow[]; selfRow?: SelfPqSecretRow }> {
  const byHandle = new Map<string, StoredContactSecret[]>();
  for (const c of data.contacts) {
    if (c.secret.length !== PQ_SECRET_LENGTH) throw new C2CError('malformed', 'Backup contact secret has the wrong length.');
    const handle = normalizeKeyringHandle(c.handle);
    const entry: StoredContactSecret = {
      identityKey: c.identityKey,
      wrapped: await wrapSecret(deviceKey, contactLabel(handle, c.identityKey), c.secret),
      established: c.established,
      ...(c.replacedAt !== undefined ? { replacedAt: c.replacedAt } : {}),
    };
    byHandle.set(handle, [...(byHandle.get(handle) ?? []), entry]);
  }
  // Newest first: the current one (no replacedAt), then the replaced ones by when they were replaced.
  const order = (s: StoredContactSecret) => s.replacedAt ?? Infinity;
  const rows = [...byHandle].map(([handle, secrets]) => ({
    handle,
    secrets: secrets.sort((a, b) => order(b) - order(a) || b.established - a.established).slice(0, MAX_KEPT_CONTACT_SECRETS),
  }));
  if (data.self && data.self.length !== PQ_SECRET_LENGTH) throw new C2CError('malformed', 'Backup own post-quantum secret has the wrong length.');
  const selfRow = data.self && { slot: 'active' as const, wrapped: await wrapSecret(deviceKey, SELF_LABEL, data.self), created: now };
  return { rows, ...(selfRow ? { selfRow } : {}) };
}
