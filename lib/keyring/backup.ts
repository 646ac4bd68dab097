// Explicit, passphrase-protected backup of the keyring: identity + prekeys, contacts (pinned keys,
// verification state, key history), settings and the legacy key. Conversation bindings (who talks to
// whom) and the replay cache are left out. Restore checks everything and prepares every key before
// one write transaction, so a failure writes nothing.
import { z } from 'zod';
import { fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { decodePublicBundle, encodePublicBundle, type PublicBundle } from '../crypto/public-bundle';
import { type ContactSecretsExport, exportContactSecrets, importContactSecrets, MAX_KEPT_CONTACT_SECRETS } from './contact-secrets';
import { allTables, type ContactRow, type KeyringDB, type LegacyKeyRow } from './db';
import { prepareDeviceKey, requireDeviceKey, saveDeviceKeyIfNew } from './device-key';
import { normalizeKeyringHandle } from './handle';
import { identityInfo, sealIdentity, unsealIdentity, wipe, type IdentityInfo, type IdentityMaterial } from './identity-store';
import { checkLegacyKeyShape, unwrapLegacyKey, wrapLegacyKey } from './legacy-keys';
import { validateSettings } from './settings';
import { decryptBackupPayload, encryptBackupPayload } from './backup-file';

export { decryptBackupPayload, encryptBackupPayload, type BackupParams, type OpenedBackup } from './backup-file';

export const BACKUP_KIND = 'keyring';
const PAYLOAD_VERSION = 1;
const MAX_CONTACTS = 10_000;

const bytes = z
  .string()
  .max(4096)
  .transform((text, ctx) => {
    try {
      return fromBase64Url(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'bad base64url' });
      return z.NEVER;
    }
  });
const time = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const bundleLine = z.string().max(512);

const prekeySchema = z.strictObject({ publicKey: bytes, created: time, signature: bytes, privateKey: bytes, retiredAt: time.optional() });
const contactSchema = z.strictObject({
  handle: z.string().max(256),
  bundle: bundleLine.optional(),
  pinnedAt: time,
  verified: z.boolean(),
  verifiedAt: time.optional(),
  keyHistory: z.array(z.strictObject({ identityKey: bytes, firstSeen: time, lastSeen: time, replacedAt: time.optional() })).max(1000),
  keyChanged: z.boolean(),
  pendingBundle: bundleLine.optional(),
  pendingProof: z.enum(['signed', 'unproven']).optional(),
  legacyPublicKey: z.string().max(2048).optional(),
  suite: z.enum(['modern', 'legacy']),
});
const payloadSchema = z.strictObject({
  v: z.literal(PAYLOAD_VERSION),
  exportedAt: time,
  identity: z.strictObject({
    handle: z.string().max(256),
    publicKey: bytes,
    privateKey: bytes,
    created: time,
    // Prekeys made in the browser are never exported: a backup may carry none (the restore makes one).
    prekeys: z.array(prekeySchema).max(1000),
  }),
  contacts: z.array(contactSchema).max(MAX_CONTACTS),
  settings: z.record(z.string(), z.unknown()),
  legacy: z.unknown().optional(),
  // Per-contact post-quantum secrets and the own one (contact-secrets.ts); absent in older backups.
  postQuantum: z
    .strictObject({
      self: bytes.optional(),
      contacts: z
        .array(z.strictObject({ handle: z.string().max(256), identityKey: bytes, secret: bytes, established: time, replacedAt: time.optional() }))
        .max(MAX_KEPT_CONTACT_SECRETS * MAX_CONTACTS),
    })
    .optional(),
});
type BackupContact = z.input<typeof contactSchema>;

function contactToBackup(c: ContactRow): BackupContact {
  const out: BackupContact = {
    handle: c.handle,
    pinnedAt: c.pinnedAt,
    verified: c.verified,
    keyHistory: c.keyHistory.map((e) => ({
      identityKey: toBase64Url(e.identityKey),
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      ...(e.replacedAt !== undefined ? { replacedAt: e.replacedAt } : {}),
    })),
    keyChanged: c.keyChanged,
    suite: c.suite,
  };
  if (c.bundle) out.bundle = encodePublicBundle(c.bundle);
  if (c.pendingBundle) out.pendingBundle = encodePublicBundle(c.pendingBundle);
  if (c.pendingProof) out.pendingProof = c.pendingProof;
  if (c.verifiedAt !== undefined) out.verifiedAt = c.verifiedAt;
  if (c.legacyPublicKey !== undefined) out.legacyPublicKey = c.legacyPublicKey;
  return out;
}

async function contactFromBackup(c: z.output<typeof contactSchema>): Promise<ContactRow> {
  const handle = normalizeKeyringHandle(c.handle);
  // decodePublicBundle re-verifies each prekey signature.
  const asBundle = async (line: string): Promise<PublicBundle> => ({ ...(await decodePublicBundle(line)), handle });
  const row: ContactRow = {
    handle,
    pinnedAt: c.pinnedAt,
    verified: c.verified,
    keyHistory: c.keyHistory.map((e) => ({ ...e })),
    keyChanged: c.keyChanged,
    suite: c.suite,
    knownKeys: c.keyHistory.map((e) => toHex(e.identityKey)),
  };
  if (c.bundle) row.bundle = await asBundle(c.bundle);
  if (c.pendingBundle) row.pendingBundle = await asBundle(c.pendingBundle);
  if (c.pendingProof && c.pendingBundle) row.pendingProof = c.pendingProof;
  if (c.verifiedAt !== undefined) row.verifiedAt = c.verifiedAt;
  if (c.legacyPublicKey !== undefined) row.legacyPublicKey = c.legacyPublicKey;
  if ((!row.bundle && !row.legacyPublicKey) || row.keyChanged !== !!row.pendingBundle || (row.pendingBundle && !row.bundle)) {
    throw new C2CError('malformed', `Backup contact ${handle} is inconsistent.`);
  }
  return row;
}

/** Reads a consistent snapshot, unwraps the private keys and seals them under the passphrase. */
export async function exportBackup(
  db: KeyringDB,
  passphrase: string,
  opts: { testingOnlyScryptN?: number; now?: number } = {},
): Promise<string> {
  const snapshot = await db.transaction('r', allTables(db), async () => ({
    identity: await db.identities.get('active'),
    contacts: await db.contacts.toArray(),
    settings: await db.settings.toArray(),
    legacy: await db.legacyKeys.get('active'),
    contactSecrets: await db.contactSecrets.toArray(),
    selfPq: await db.selfPqSecret.get('active'),
  }));
  if (!snapshot.identity) throw new C2CError('not-found', 'There is no identity to back up.');
  const deviceKey = await requireDeviceKey(db);
  const material = await unsealIdentity(deviceKey, snapshot.identity);
  const legacy = snapshot.legacy && (await unwrapLegacyKey(deviceKey, snapshot.legacy.wrapped));
  const pq = await exportContactSecrets(db, snapshot.contactSecrets, snapshot.selfPq, opts.now);
  const payload = utf8(
    JSON.stringify({
      v: PAYLOAD_VERSION,
      exportedAt: opts.now ?? Date.now(),
      identity: {
        handle: material.handle,
        publicKey: toBase64Url(material.publicKey),
        privateKey: toBase64Url(material.pkcs8),
        created: material.created,
        prekeys: material.prekeys.map((p) => ({
          publicKey: toBase64Url(p.publicKey),
          created: p.created,
          signature: toBase64Url(p.signature),
          privateKey: toBase64Url(p.pkcs8),
          ...(p.retiredAt !== undefined ? { retiredAt: p.retiredAt } : {}),
        })),
      },
      contacts: snapshot.contacts.map(contactToBackup),
      settings: Object.fromEntries(snapshot.settings.map((s) => [s.key, s.value])),
      ...(legacy ? { legacy } : {}),
      ...(pq.self || pq.contacts.length > 0
        ? {
            postQuantum: {
              ...(pq.self ? { self: toBase64Url(pq.self) } : {}),
              contacts: pq.contacts.map((c) => ({
                handle: c.handle,
                identityKey: toBase64Url(c.identityKey),
                secret: toBase64Url(c.secret),
                established: c.established,
                ...(c.replacedAt !== undefined ? { replacedAt: c.replacedAt } : {}),
              })),
            },
          }
        : {}),
    }),
  );
  wipe(material);
  wipeContactSecrets(pq);
  try {
    return await encryptBackupPayload(payload, passphrase, {
      kind: BACKUP_KIND,
      ...(opts.testingOnlyScryptN !== undefined ? { testingOnlyScryptN: opts.testingOnlyScryptN } : {}),
    });
  } finally {
    payload.fill(0);
  }
}

/** Zeroes a backup's post-quantum secrets once re-wrapped, or refused (a wrong length). */
function wipeContactSecrets(pq: ContactSecretsExport | undefined): void {
  pq?.self?.fill(0);
  for (const c of pq?.contacts ?? []) c.secret.fill(0);
}

function parsePayload(payload: Uint8Array): z.output<typeof payloadSchema> {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(payload));
  } catch {
    throw new C2CError('malformed', 'The backup content is not readable.');
  }
  if (typeof json === 'object' && json !== null && 'v' in json && json.v !== PAYLOAD_VERSION) {
    throw new C2CError('unknown-version', 'This backup was made by an unsupported version.');
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) throw new C2CError('malformed', 'The backup content is damaged: a field is missing or invalid.');
  return parsed.data;
}

async function keyringHasData(db: KeyringDB): Promise<boolean> {
  return (await db.identities.count()) + (await db.contacts.count()) + (await db.legacyKeys.count()) > 0;
}

const notEmpty = () =>
  new C2CError('exists', 'This keyring already holds keys or contacts: restore into an empty keyring, or confirm replacing it.');

/**
 * Restores into an EMPTY keyring (no identity, contacts or legacy key), or over it with `replace`.
 * Private keys come back non-extractable, re-wrapped under this keyring's device key.
 */
export async function restoreBackup(db: KeyringDB, text: string, passphrase: string, opts: { replace?: boolean } = {}): Promise<IdentityInfo> {
  if (!opts.replace && (await keyringHasData(db))) throw notEmpty(); // before the slow KDF
  const opened = await decryptBackupPayload(text, passphrase);
  if (opened.kind !== BACKUP_KIND) throw new C2CError('malformed', 'This file is not a keyring backup.');
  const data = parsePayload(opened.payload);
  opened.payload.fill(0);

  const material: IdentityMaterial = {
    handle: data.identity.handle,
    publicKey: data.identity.publicKey,
    pkcs8: data.identity.privateKey,
    created: data.identity.created,
    prekeys: data.identity.prekeys.map((p) => ({
      publicKey: p.publicKey,
      created: p.created,
      signature: p.signature,
      pkcs8: p.privateKey,
      ...(p.retiredAt !== undefined ? { retiredAt: p.retiredAt } : {}),
    })),
  };
  const device = await prepareDeviceKey(db);
  const identity = await sealIdentity(device.key, material).finally(() => wipe(material));
  const contacts: ContactRow[] = [];
  for (const c of data.contacts) contacts.push(await contactFromBackup(c));
  const settings = validateSettings(data.settings);
  const legacy = data.legacy === undefined ? undefined : checkLegacyKeyShape(data.legacy);
  const legacyRow: LegacyKeyRow | undefined = legacy && {
    slot: 'active',
    publicKey: legacy.publicKey,
    wrapped: await wrapLegacyKey(device.key, legacy),
    created: data.exportedAt,
  };
  const pq = data.postQuantum && (await importContactSecrets(device.key, data.postQuantum).finally(() => wipeContactSecrets(data.postQuantum)));

  await db.transaction('rw', allTables(db), async () => {
    if (opts.replace) {
      for (const table of [db.identities, db.contacts, db.conversations, db.legacyKeys, db.contactSecrets, db.selfPqSecret]) await table.clear();
    } else if (await keyringHasData(db)) {
      throw notEmpty();
    }
    await saveDeviceKeyIfNew(db, device);
    await db.identities.put(identity);
    await db.contacts.bulkPut(contacts);
    for (const [key, value] of settings) if (value !== undefined) await db.settings.put({ key, value });
    if (legacyRow) await db.legacyKeys.put(legacyRow);
    if (pq) await db.contactSecrets.bulkPut(pq.rows);
    if (pq?.selfRow) await db.selfPqSecret.put(pq.selfRow);
  });
  return identityInfo(identity);
}
