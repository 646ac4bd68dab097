// The contacts file of `c2c pin-card --contacts FILE`, `encrypt --contacts FILE --to HANDLE` and
// `decrypt --contacts FILE` (names a pinned sender): handles pinned from contact cards, with no relay
// (docs/CLI.md, "Contacts file"). JSON:
//   {"c2c-contacts": 1, "contacts": {"alice": {"public": "c2cpub1.…", "pinnedAt": 1765000000000}}}
// Every entry is checked on load like any public key from outside (prekey signature, handle label).
import { existsSync } from 'node:fs';
import { equalBytes, fromUtf8 } from '../lib/bytes';
import { C2CError } from '../lib/errors';
import type { ContactCard } from '../lib/crypto/contact-card';
import { fingerprint } from '../lib/crypto/identity';
import { decodePublicBundle, encodePublicBundle, type PublicBundle } from '../lib/crypto/public-bundle';
import { normalizeKeyringHandle } from '../lib/keyring/handle';
import { readInput, replacePrivateFile } from './io';

export const CONTACTS_FILE_VERSION = 1;
/** A contacts file is small: a thousand contacts are ~250 KB. */
const MAX_CONTACTS_FILE_BYTES = 1024 * 1024;

interface Entry {
  bundle: PublicBundle;
  pinnedAt: number;
}

/** Handle → pinned key, in the file's order. */
export type Contacts = Map<string, Entry>;

export type CardPinResult = 'pinned' | 'unchanged' | 'prekey-updated';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The contacts in FILE; a file that does not exist yet has none. Anything malformed refuses the whole file. */
export async function loadContacts(path: string): Promise<Contacts> {
  const contacts: Contacts = new Map();
  if (!existsSync(path)) return contacts;
  const bad = (why: string) => new C2CError('malformed', `${path} is not a contacts file: ${why}`);
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(await readInput(path, MAX_CONTACTS_FILE_BYTES)));
  } catch (e) {
    if (e instanceof C2CError) throw e;
    throw bad('not JSON'); // JSON.parse quotes its input: never shown
  }
  if (!isRecord(json) || json['c2c-contacts'] !== CONTACTS_FILE_VERSION || !isRecord(json.contacts)) {
    throw bad(`expected {"c2c-contacts": ${CONTACTS_FILE_VERSION}, "contacts": {…}}`);
  }
  for (const [handle, entry] of Object.entries(json.contacts)) {
    if (!isRecord(entry) || typeof entry.public !== 'string' || !Number.isSafeInteger(entry.pinnedAt)) throw bad('an entry is not {"public", "pinnedAt"}');
    let canonical: string;
    try {
      canonical = normalizeKeyringHandle(handle);
    } catch {
      throw bad('a handle is not valid');
    }
    const bundle = await decodePublicBundle(entry.public);
    if (canonical !== handle || bundle.handle !== handle) throw bad(`the entry of ${canonical} is not labelled with its own handle`);
    contacts.set(handle, { bundle, pinnedAt: entry.pinnedAt as number });
  }
  return contacts;
}

export async function saveContacts(path: string, contacts: Contacts): Promise<void> {
  const json = {
    'c2c-contacts': CONTACTS_FILE_VERSION,
    contacts: Object.fromEntries([...contacts].map(([handle, e]) => [handle, { public: encodePublicBundle(e.bundle), pinnedAt: e.pinnedAt }])),
  };
  // Who one talks to is private: owner-only, replaced whole.
  await replacePrivateFile(path, `${JSON.stringify(json, null, 2)}\n`);
}

/**
 * Pins a card (trust on first use). The same identity key again: a newer prekey is taken (rotation), an
 * older or equal one changes nothing. Another identity key for a pinned handle is a key change: refused
 * with 'key-mismatch' and both fingerprints, and the file is left as it is.
 */
export async function pinCard(contacts: Contacts, card: ContactCard, now = Date.now()): Promise<CardPinResult> {
  const known = contacts.get(card.handle);
  if (!known) {
    contacts.set(card.handle, { bundle: card, pinnedAt: now });
    return 'pinned';
  }
  if (!equalBytes(known.bundle.identityKey, card.identityKey)) {
    throw new C2CError(
      'key-mismatch',
      `the card for ${card.handle} has another identity key (${await fingerprint(card.identityKey)}) than the one pinned (${await fingerprint(known.bundle.identityKey)}): compare fingerprints with ${card.handle}, and remove the old entry from the contacts file only if the new key is theirs`,
    );
  }
  if (card.prekey.created <= known.bundle.prekey.created) return 'unchanged';
  contacts.set(card.handle, { bundle: card, pinnedAt: known.pinnedAt });
  return 'prekey-updated';
}

/** The handle whose pinned identity key this is, if any. */
export function contactWithKey(contacts: Contacts, identityKey: Uint8Array): string | undefined {
  for (const [handle, entry] of contacts) if (equalBytes(entry.bundle.identityKey, identityKey)) return handle;
  return undefined;
}

/** The pinned key of a handle, or 'not-found' naming the file. */
export function contactBundle(contacts: Contacts, handle: string, path: string): PublicBundle {
  let canonical: string;
  try {
    canonical = normalizeKeyringHandle(handle);
  } catch {
    throw new C2CError('not-found', `"${handle.slice(0, 40)}" is neither a public key, a key file nor a handle`);
  }
  const entry = contacts.get(canonical);
  if (!entry) throw new C2CError('not-found', `${canonical} is not pinned in ${path} (pin their card with c2c pin-card)`);
  return entry.bundle;
}
