// Opens one sealed modern message with the keyring's keys and tells who sent it, for both paths that
// receive messages: text pasted or shown in a page (decrypt) and the relay mailbox (the inbox).
import { equalBytes, fromUtf8 } from '@/lib/bytes';
import { C2CError } from '@/lib/errors';
import { openMessage } from '@/lib/crypto/message';
import type { ReplayCache } from '@/lib/crypto/replay-cache';
import { findContactByIdentityKey } from '@/lib/keyring/contacts';
import type { KeyringDB } from '@/lib/keyring/db';
import { getIdentity, getOpeningKeys } from '@/lib/keyring/identity-store';

export interface OpenedForUser {
  status: 'verified' | 'unverified';
  plaintext: string;
  senderFingerprint: string;
  /** Set when verified: the pinned contact (or our own identity) whose key sealed the message. */
  senderHandle?: string;
  replay: 'fresh' | 'same';
}

/** Throws C2CError (tampered, not-addressed, replayed, malformed, …) for anything that does not open. */
export async function openSealed(db: KeyringDB, bytes: Uint8Array, replayCache: ReplayCache, context?: string): Promise<OpenedForUser> {
  const keys = await getOpeningKeys(db);
  const opened = await openMessage(bytes, keys, { replayCache, ...(context !== undefined ? { context } : {}) });
  let plaintext: string;
  try {
    plaintext = fromUtf8(opened.plaintext);
  } catch {
    throw new C2CError('malformed', 'The message text is not valid UTF-8.');
  }
  // Only the currently pinned key of a contact matches: old or pending keys read as 'unverified'.
  // One's own key counts as pinned, so the sender can read her own history.
  const own = equalBytes(opened.sender.identityKey, keys.identityKey) ? await getIdentity(db) : undefined;
  const contact = own ?? (await findContactByIdentityKey(db, opened.sender.identityKey));
  const base = { plaintext, senderFingerprint: opened.senderFingerprint, replay: opened.replay };
  return contact ? { status: 'verified', ...base, senderHandle: contact.handle } : { status: 'unverified', ...base };
}
