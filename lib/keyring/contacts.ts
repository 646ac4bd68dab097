// Contacts with pinned keys (trust on first use). A different identity key for a pinned handle is
// never taken silently: it is recorded in the key history and parked as `pendingBundle`, the contact
// is flagged `keyChanged`, and sending stays blocked until the user decides (reverifyContact).
// A newer, validly signed prekey for the SAME identity key is taken silently (normal rotation).
// A removed contact is remembered: pinning its handle again restores its history, and a key other than
// the one it had is a key change to decide on, not a fresh first use.
import { equalBytes, toHex } from '../bytes';
import { C2CError } from '../errors';
import { assertBundleSigned, encodeBundleKeys, type PublicBundle } from '../crypto/public-bundle';
import { legacyModulus, sameLegacyKey } from '../legacy/legacy-public-key';
import type { Contact, ContactRow, KeyringDB } from './db';
import { normalizeKeyringHandle } from './handle';

export type PinResult = 'pinned' | 'unchanged' | 'prekey-updated' | 'key-changed';
export type ObserveResult = 'not-pinned' | 'unchanged' | 'prekey-updated' | 'key-changed';

/** A key change the relay's key log holds, signed by `oldKey` (lib/keylog/entry.ts). */
export interface LoggedKeyChange {
  oldKey: Uint8Array;
  newKey: Uint8Array;
}

/** Whether logged key changes, in log order, lead from `from` to `to`, each signed by the key before it. */
export function signedChain(changes: readonly LoggedKeyChange[], from: Uint8Array, to: Uint8Array): boolean {
  let key = from;
  for (const change of changes) if (equalBytes(change.oldKey, key)) key = change.newKey;
  return !equalBytes(from, to) && equalBytes(key, to);
}

function toContact(row: ContactRow): Contact {
  const { knownKeys: _knownKeys, ...contact } = row;
  return contact;
}

/** Shape, handle and prekey signature checks before anything is written. */
async function checkedBundle(handle: string, bundle: PublicBundle): Promise<PublicBundle> {
  if (typeof bundle !== 'object' || bundle === null || typeof bundle.prekey !== 'object' || bundle.prekey === null) {
    throw new C2CError('malformed', 'Not a public key bundle.');
  }
  encodeBundleKeys(bundle); // throws 'malformed' on wrong key or signature lengths
  if (bundle.handle !== undefined && normalizeKeyringHandle(bundle.handle) !== handle) {
    throw new C2CError('key-mismatch', 'This public key is labelled with a different handle.');
  }
  await assertBundleSigned(bundle);
  const { identityKey, prekey } = bundle;
  return {
    identityKey: identityKey.slice(),
    prekey: { publicKey: prekey.publicKey.slice(), created: prekey.created, signature: prekey.signature.slice() },
    handle,
  };
}

function newerPrekey(candidate: PublicBundle, known: PublicBundle): boolean {
  return candidate.prekey.created > known.prekey.created;
}

function withKeySeen(row: ContactRow, identityKey: Uint8Array, now: number): ContactRow {
  const keyHistory = row.keyHistory.map((e) => ({ ...e }));
  const entry = keyHistory.find((e) => equalBytes(e.identityKey, identityKey));
  if (entry) entry.lastSeen = Math.max(entry.lastSeen, now);
  else keyHistory.push({ identityKey: identityKey.slice(), firstSeen: now, lastSeen: now });
  return { ...row, keyHistory, knownKeys: keyHistory.map((e) => toHex(e.identityKey)) };
}

function newContactRow(handle: string, bundle: PublicBundle, now: number): ContactRow {
  return withKeySeen(
    { handle, bundle, pinnedAt: now, verified: false, keyHistory: [], keyChanged: false, suite: 'modern', knownKeys: [] },
    bundle.identityKey,
    now,
  );
}

/** Applies a seen bundle to a contact that has a pinned modern key. Pure: returns the new row. */
function applyObserved(
  row: ContactRow & { bundle: PublicBundle },
  b: PublicBundle,
  now: number,
  changes: readonly LoggedKeyChange[],
): { next: ContactRow; result: PinResult } {
  const next = withKeySeen(row, b.identityKey, now);
  let prekeyUpdated = false;
  if (equalBytes(b.identityKey, row.bundle.identityKey)) {
    if (newerPrekey(b, row.bundle)) {
      next.bundle = b;
      prekeyUpdated = true;
    }
  } else if (row.pendingBundle && equalBytes(b.identityKey, row.pendingBundle.identityKey)) {
    if (newerPrekey(b, row.pendingBundle)) next.pendingBundle = b;
    // A proof seen later upgrades the change; a lookup without one never downgrades it.
    if (signedChain(changes, row.bundle.identityKey, b.identityKey)) next.pendingProof = 'signed';
  } else {
    next.pendingBundle = b;
    next.keyChanged = true;
    next.pendingProof = signedChain(changes, row.bundle.identityKey, b.identityKey) ? 'signed' : 'unproven';
  }
  // While a change is pending, every observation reports it: sending stays blocked.
  const result: PinResult = next.keyChanged ? 'key-changed' : prekeyUpdated ? 'prekey-updated' : 'unchanged';
  return { next, result };
}

async function recordBundle(db: KeyringDB, handle: string, bundle: PublicBundle, now: number, pinIfNew: boolean, changes: readonly LoggedKeyChange[]) {
  const h = normalizeKeyringHandle(handle);
  const b = await checkedBundle(h, bundle);
  return db.transaction('rw', db.contacts, db.formerContacts, async (): Promise<ObserveResult | PinResult> => {
    const row = await db.contacts.get(h);
    if (!row?.bundle) {
      if (!pinIfNew) return 'not-pinned';
      const former = row ? undefined : await db.formerContacts.get(h);
      if (former?.row.bundle) {
        // Added again: its history comes back (not the comparison: it is made again), and another key
        // than the one it had is a key change against that key.
        await db.formerContacts.delete(h);
        const restored: ContactRow = { ...former.row, verified: false };
        delete restored.verifiedAt;
        const { next, result } = applyObserved({ ...restored, bundle: former.row.bundle }, b, now, changes);
        await db.contacts.put(next);
        return result === 'key-changed' ? 'key-changed' : 'pinned';
      }
      // First modern key (possibly for a legacy-only contact, whose legacy key is kept).
      await db.contacts.put(
        row ? withKeySeen({ ...row, bundle: b, pinnedAt: now, suite: 'modern' }, b.identityKey, now) : newContactRow(h, b, now),
      );
      return 'pinned';
    }
    const { next, result } = applyObserved({ ...row, bundle: row.bundle }, b, now, changes);
    await db.contacts.put(next);
    return result;
  });
}

/** Trust on first use: pins a new handle; for a pinned one, the same checks as observeContactKey. */
export async function pinContact(db: KeyringDB, handle: string, bundle: PublicBundle, now = Date.now(), changes: readonly LoggedKeyChange[] = []): Promise<PinResult> {
  return (await recordBundle(db, handle, bundle, now, true, changes)) as PinResult;
}

/**
 * A lookup or a message showed this key for the handle: detect changes, never pin a new handle.
 * `changes`: the key changes the relay's log proved for the handle, to tell a signed change from a
 * replacement without proof.
 */
export async function observeContactKey(db: KeyringDB, handle: string, bundle: PublicBundle, now = Date.now(), changes: readonly LoggedKeyChange[] = []): Promise<ObserveResult> {
  return (await recordBundle(db, handle, bundle, now, false, changes)) as ObserveResult;
}

async function requireContact(db: KeyringDB, handle: string): Promise<ContactRow> {
  const row = await db.contacts.get(normalizeKeyringHandle(handle));
  if (!row) throw new C2CError('not-found', 'No such contact.');
  return row;
}

/**
 * Resolves a key change. `identityKey` must be the key the user checked: the pending one (accept it;
 * the old key is marked replaced) or the currently pinned one (keep it, reject the change). The
 * `verified` flag is reset unless the caller says the user compared safety numbers for this key.
 */
export async function reverifyContact(
  db: KeyringDB,
  handle: string,
  identityKey: Uint8Array,
  opts: { verified?: boolean; now?: number } = {},
): Promise<Contact> {
  const now = opts.now ?? Date.now();
  return db.transaction('rw', db.contacts, async () => {
    const row = await requireContact(db, handle);
    const { bundle, pendingBundle } = row;
    if (!bundle) throw new C2CError('not-found', 'This contact has no modern key to verify.');
    let next: ContactRow;
    if (pendingBundle && equalBytes(identityKey, pendingBundle.identityKey)) {
      const keyHistory = row.keyHistory.map((e) =>
        equalBytes(e.identityKey, bundle.identityKey) ? { ...e, replacedAt: now } : { ...e },
      );
      next = { ...row, bundle: pendingBundle, pinnedAt: now, keyHistory, verified: false };
      delete next.verifiedAt; // that comparison was for the old key
    } else if (equalBytes(identityKey, bundle.identityKey)) {
      next = { ...row }; // keep the pinned key (and any earlier comparison of it)
    } else {
      throw new C2CError('key-mismatch', 'This is not the key that was shown for this contact.');
    }
    delete next.pendingBundle;
    delete next.pendingProof;
    next.keyChanged = false;
    if (opts.verified) Object.assign(next, { verified: true, verifiedAt: now });
    await db.contacts.put(next);
    return toContact(next);
  });
}

/** The user compared safety numbers. Refused while a key change is pending (which key would it be?). */
export async function markVerified(db: KeyringDB, handle: string, now = Date.now()): Promise<Contact> {
  return db.transaction('rw', db.contacts, async () => {
    const row = await requireContact(db, handle);
    if (!row.bundle) throw new C2CError('unsupported', 'A legacy-only contact has no safety number to compare.');
    if (row.keyChanged) throw new C2CError('key-mismatch', "This contact's key changed: re-verify the new key first.");
    const next: ContactRow = { ...row, verified: true, verifiedAt: now };
    await db.contacts.put(next);
    return toContact(next);
  });
}

/**
 * Removes the contact and drops it from every conversation binding (bindings left empty are removed).
 * Its row is remembered (formerContacts) so that adding the handle again keeps its key history.
 */
export async function removeContact(db: KeyringDB, handle: string, now = Date.now()): Promise<boolean> {
  const h = normalizeKeyringHandle(handle);
  return db.transaction('rw', db.contacts, db.conversations, db.formerContacts, async () => {
    const row = await db.contacts.get(h);
    if (!row) return false;
    await db.contacts.delete(h);
    if (row.bundle) await db.formerContacts.put({ handle: h, row, removedAt: now });
    const bound = await db.conversations.filter((c) => c.handles.includes(h)).toArray();
    for (const c of bound) {
      const handles = c.handles.filter((x) => x !== h);
      if (handles.length === 0) await db.conversations.delete([c.site, c.conversationId]);
      else await db.conversations.put({ ...c, handles });
    }
    return true;
  });
}

export async function getContact(db: KeyringDB, handle: string): Promise<Contact | undefined> {
  const row = await db.contacts.get(normalizeKeyringHandle(handle));
  return row && toContact(row);
}

export async function listContacts(db: KeyringDB): Promise<Contact[]> {
  return (await db.contacts.orderBy('handle').toArray()).map(toContact);
}

/** False for unknown contacts and while a key change is pending. */
export async function canSendTo(db: KeyringDB, handle: string): Promise<boolean> {
  const row = await db.contacts.get(normalizeKeyringHandle(handle));
  return !!row && !row.keyChanged && (!!row.bundle || !!row.legacyPublicKey);
}

/** The pinned modern bundles to seal to; throws a specific error for any handle that must not be used. */
export async function bundlesForSending(db: KeyringDB, handles: string[]): Promise<PublicBundle[]> {
  const out: PublicBundle[] = [];
  for (const handle of handles) {
    const row = await requireContact(db, handle);
    if (row.keyChanged) throw new C2CError('key-mismatch', `The key of ${row.handle} changed: re-verify before sending.`);
    if (!row.bundle) throw new C2CError('unsupported', `${row.handle} has only a legacy key.`);
    out.push(row.bundle);
  }
  return out;
}

/**
 * The contact whose PINNED key this is (what the UI calls a verified sender), if any. Old, replaced
 * keys and a pending changed key do not match: a message under them is not from the pinned key.
 */
export async function findContactByIdentityKey(db: KeyringDB, identityKey: Uint8Array): Promise<Contact | undefined> {
  const rows = await db.contacts.where('knownKeys').equals(toHex(identityKey)).toArray();
  const row = rows.find((r) => r.bundle && equalBytes(r.bundle.identityKey, identityKey));
  return row && toContact(row);
}

/**
 * The contact whose PENDING (changed, not yet accepted) key this is, if any: a message under it is not
 * from the pinned key, but the reader may be told whose change it is and whether the log proves it.
 */
export async function findContactByPendingKey(db: KeyringDB, identityKey: Uint8Array): Promise<Contact | undefined> {
  const rows = await db.contacts.where('knownKeys').equals(toHex(identityKey)).toArray();
  const row = rows.find((r) => r.pendingBundle && equalBytes(r.pendingBundle.identityKey, identityKey));
  return row && toContact(row);
}

/**
 * Opt-in legacy key for a contact. A different legacy key for the same handle is refused outright
 * (legacy keys carry no signed prekey to rotate): remove and re-add the contact after checking it.
 */
export async function pinLegacyContact(db: KeyringDB, handle: string, legacyPublicKey: string, now = Date.now()): Promise<'pinned' | 'unchanged'> {
  const h = normalizeKeyringHandle(handle);
  if (typeof legacyPublicKey !== 'string') throw new C2CError('malformed', 'Not a legacy (cryptico) public key.');
  const key = legacyPublicKey.trim();
  legacyModulus(key); // throws 'malformed' / 'unsupported' (too weak) / 'too-large'
  return db.transaction('rw', db.contacts, async () => {
    const row = await db.contacts.get(h);
    if (row?.legacyPublicKey && sameLegacyKey(row.legacyPublicKey, key)) return 'unchanged';
    if (row?.legacyPublicKey) throw new C2CError('key-mismatch', `${h} already has a different legacy key.`);
    // A contact with a modern key keeps the modern suite: legacy is never chosen for them.
    await db.contacts.put(
      row
        ? { ...row, legacyPublicKey: key }
        : { handle: h, pinnedAt: now, verified: false, keyHistory: [], keyChanged: false, legacyPublicKey: key, suite: 'legacy', knownKeys: [] },
    );
    return 'pinned';
  });
}
