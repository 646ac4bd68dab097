// Opens one sealed text message (v2, or v1) with the keyring's keys and tells who sent it, for both paths
// that receive messages: text pasted or shown in a page (decrypt) and the relay mailbox (the inbox).
import { equalBytes, fromUtf8 } from '@/lib/bytes';
import { C2CError } from '@/lib/errors';
import { fingerprint, keyIdBytes, keyIdText } from '@/lib/crypto/identity';
import type { Channel } from '@/lib/crypto/channel';
import { openTextMessage } from '@/lib/crypto/open-message';
import type { ReplayCache } from '@/lib/crypto/replay-cache';
import { findContactByIdentityKey, findContactByPendingKey, listContacts } from '@/lib/keyring/contacts';
import type { KeyringDB } from '@/lib/keyring/db';
import { GOSSIP_EXTENSION } from '@/lib/keylog/gossip';
import { getIdentity, getOpeningKeys } from '@/lib/keyring/identity-store';
import { postQuantumForOpening } from '@/lib/keyring/contact-secrets';

export interface OpenedForUser {
  /** verified: a contact whose safety number the user confirmed (or our own key); pinned: pinned on first use, never compared. */
  status: 'verified' | 'pinned' | 'unverified';
  plaintext: string;
  /** The full fingerprint, or only the key id's part of it when the sender is unknown (then unverified). */
  senderFingerprint: string;
  /** Set when verified or pinned: the contact (or our own identity) whose pinned key sealed the message. */
  senderHandle?: string;
  replay: 'fresh' | 'same';
  /** Unverified, but sealed by a contact's changed key awaiting the user's decision: whose, and whether the
   *  relay's key log proves the change signed by the pinned key. */
  keyChange?: { handle: string; proof: 'signed' | 'unproven' };
  /** The sender's key-log checkpoint gossip (lib/keylog/gossip.ts), only from a sender whose signature verified. */
  gossip?: Uint8Array;
  /** Every wrap of the message is post-quantum and ours opened through a per-contact secret (contact-pq.ts). */
  postQuantum: boolean;
}

/** The currently pinned identity key with this key id, if any contact has one; else a pending (changed) one. */
async function knownKeyFor(db: KeyringDB, keyId: Uint8Array): Promise<Uint8Array | undefined> {
  const contacts = await listContacts(db);
  for (const contact of contacts) {
    if (contact.bundle && equalBytes(await keyIdBytes(contact.bundle.identityKey), keyId)) return contact.bundle.identityKey;
  }
  // Only to check the signature and say whose change it is: such a message stays unverified.
  for (const contact of contacts) {
    if (contact.pendingBundle && equalBytes(await keyIdBytes(contact.pendingBundle.identityKey), keyId)) return contact.pendingBundle.identityKey;
  }
  return undefined;
}

/** Where a message is opened: the replay cache's context, and the channel it is shown in (if known). */
export interface OpeningPlace {
  context?: string;
  channel?: Channel;
}

/** The replay context a message frame sends: `page:` and the embedding origin as its browser reports it. */
const PAGE_CONTEXT = 'page:';

/**
 * The channel a message frame shows its message in: the site it is embedded in (from its `page:` context)
 * and the conversation its content script names, if any. Undefined for views outside any page (a text the
 * user pasted into the popup is shown wherever it was meant for).
 */
export function pageChannel(context: string | undefined, conversation: string | undefined): Channel | undefined {
  if (!context?.startsWith(PAGE_CONTEXT)) return undefined;
  const site = context.slice(PAGE_CONTEXT.length);
  return conversation ? { kind: 'site', site, conversation } : { kind: 'site', site };
}

/** Throws C2CError (tampered, not-addressed, replayed, wrong-channel, malformed, …) for anything that does not open. */
export async function openSealed(db: KeyringDB, bytes: Uint8Array, replayCache: ReplayCache, place: OpeningPlace = {}): Promise<OpenedForUser> {
  const keys = await getOpeningKeys(db);
  const pq = await postQuantumForOpening(db);
  const opened = await openTextMessage(bytes, { ...keys, ...pq }, {
    replayCache,
    ...place,
    resolveSender: async (keyId) =>
      equalBytes(keyId, await keyIdBytes(keys.identityKey)) ? keys.identityKey : knownKeyFor(db, keyId),
  }).finally(() => {
    pq.selfPqSecret?.fill(0);
    for (const secret of pq.contactSecrets) secret.fill(0);
  });
  let plaintext: string;
  try {
    plaintext = fromUtf8(opened.plaintext);
  } catch {
    throw new C2CError('malformed', 'The message text is not valid UTF-8.');
  }
  const senderKey = opened.sender.identityKey;
  const base = { plaintext, replay: opened.replay, postQuantum: opened.postQuantum };
  if (!senderKey || opened.signature !== 'checked') return { status: 'unverified', ...base, senderFingerprint: keyIdText(opened.sender.keyId) };
  // Only the currently pinned key of a contact matches: old or pending keys read as 'unverified'.
  // One's own key needs no comparing: the sender reads her own history as verified.
  const senderFingerprint = await fingerprint(senderKey);
  // Gossip counts only from a sender whose signature verified as ours or a pinned contact's: a stranger's
  // (anyone can seal a message) is not read at all, so it cannot make us accuse an honest relay.
  const gossip = opened.extensions.find((e) => e.type === GOSSIP_EXTENSION)?.value;
  const checked = { ...base, ...(gossip ? { gossip } : {}) };
  if (equalBytes(senderKey, keys.identityKey)) {
    const own = await getIdentity(db);
    if (own) return { status: 'verified', ...checked, senderFingerprint, senderHandle: own.handle };
  }
  const contact = await findContactByIdentityKey(db, senderKey);
  if (!contact) {
    const changing = await findContactByPendingKey(db, senderKey);
    const keyChange = changing && { handle: changing.handle, proof: changing.pendingProof ?? ('unproven' as const) };
    return { status: 'unverified', ...base, senderFingerprint, ...(keyChange ? { keyChange } : {}) };
  }
  // 'verified' only after the user compared safety numbers for this key; a key pinned on first use is 'pinned'.
  return { status: contact.verified ? 'verified' : 'pinned', ...checked, senderFingerprint, senderHandle: contact.handle };
}
