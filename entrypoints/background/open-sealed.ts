// Opens one sealed text message (v2, or v1) with the keyring's keys and tells who sent it, for both paths
// that receive messages: text pasted or shown in a page (decrypt) and the relay mailbox (the inbox).
import { equalBytes, fromUtf8 } from '@/lib/bytes';
import { C2CError } from '@/lib/errors';
import { fingerprint, keyIdBytes, keyIdText } from '@/lib/crypto/identity';
import { openTextMessage } from '@/lib/crypto/open-message';
import type { ReplayCache } from '@/lib/crypto/replay-cache';
import { findContactByIdentityKey, listContacts } from '@/lib/keyring/contacts';
import type { KeyringDB } from '@/lib/keyring/db';
import { getIdentity, getOpeningKeys } from '@/lib/keyring/identity-store';

export interface OpenedForUser {
  status: 'verified' | 'unverified';
  plaintext: string;
  /** The full fingerprint, or only the key id's part of it when the sender is unknown (then unverified). */
  senderFingerprint: string;
  /** Set when verified: the pinned contact (or our own identity) whose key sealed the message. */
  senderHandle?: string;
  replay: 'fresh' | 'same';
}

/** The currently pinned identity key with this key id, if any contact has one. */
async function pinnedKeyFor(db: KeyringDB, keyId: Uint8Array): Promise<Uint8Array | undefined> {
  for (const contact of await listContacts(db)) {
    if (contact.bundle && equalBytes(await keyIdBytes(contact.bundle.identityKey), keyId)) return contact.bundle.identityKey;
  }
  return undefined;
}

/** Throws C2CError (tampered, not-addressed, replayed, malformed, …) for anything that does not open. */
export async function openSealed(db: KeyringDB, bytes: Uint8Array, replayCache: ReplayCache, context?: string): Promise<OpenedForUser> {
  const keys = await getOpeningKeys(db);
  const opened = await openTextMessage(bytes, keys, {
    replayCache,
    ...(context !== undefined ? { context } : {}),
    resolveSender: async (keyId) =>
      equalBytes(keyId, await keyIdBytes(keys.identityKey)) ? keys.identityKey : pinnedKeyFor(db, keyId),
  });
  let plaintext: string;
  try {
    plaintext = fromUtf8(opened.plaintext);
  } catch {
    throw new C2CError('malformed', 'The message text is not valid UTF-8.');
  }
  const senderKey = opened.sender.identityKey;
  const base = { plaintext, replay: opened.replay };
  if (!senderKey || opened.signature !== 'checked') return { status: 'unverified', ...base, senderFingerprint: keyIdText(opened.sender.keyId) };
  // Only the currently pinned key of a contact matches: old or pending keys read as 'unverified'.
  // One's own key counts as pinned, so the sender can read her own history.
  const own = equalBytes(senderKey, keys.identityKey) ? await getIdentity(db) : undefined;
  const contact = own ?? (await findContactByIdentityKey(db, senderKey));
  const senderFingerprint = await fingerprint(senderKey);
  return contact ? { status: 'verified', ...base, senderFingerprint, senderHandle: contact.handle } : { status: 'unverified', ...base, senderFingerprint };
}
