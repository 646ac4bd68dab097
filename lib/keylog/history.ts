// A handle's key history, replayed from its key-log entries (oldest first): each entry must follow from
// the one before it, so a relay cannot slip a key in between (docs/FORMATS.md "Key-log entry").
import { equalBytes } from '../bytes';
import type { PublicBundle } from '../crypto/public-bundle';
import { EntryError, entryKey, type KeyEvent } from './entry';

export interface HandleState {
  handle: string;
  key: Uint8Array;
  /** The public key line the handle serves now (the last register, rotate, key-change or adopt). */
  bundle: string;
  prekeyCreated: number;
  revoked: boolean;
}

/**
 * Applies one verified entry to a handle's state (null: no entry yet). The rules: a handle starts with
 * register or adopt; register again only by the same key with a newer prekey; rotate only by the current
 * key with a newer prekey; key-change only from the current key; nothing after revoke.
 * Throws EntryError naming the break.
 */
export function applyEntry(state: HandleState | null, event: KeyEvent, bundle: PublicBundle | undefined): HandleState {
  const broken = (why: string) => new EntryError(`the log's history of ${event.handle} is broken: ${why}`);
  if (state === null) {
    if ((event.type !== 'register' && event.type !== 'adopt') || !bundle) throw broken(`it starts with ${event.type}, not register`);
    return { handle: event.handle, key: event.key, bundle: event.bundle, prekeyCreated: bundle.prekey.created, revoked: false };
  }
  if (state.handle !== event.handle) throw broken('an entry of another handle is mixed in');
  if (state.revoked) throw broken(`${event.type} after revoke`);
  switch (event.type) {
    case 'adopt':
      throw broken('adopt after the first entry');
    case 'register':
    case 'rotate':
      if (!equalBytes(event.key, state.key)) throw broken(`${event.type} by a key the handle does not have`);
      if (!bundle || bundle.prekey.created <= state.prekeyCreated) throw broken(`${event.type} without a newer prekey`);
      return { ...state, bundle: event.bundle, prekeyCreated: bundle.prekey.created };
    case 'key-change':
      if (!equalBytes(event.oldKey, state.key)) throw broken('key-change from a key the handle does not have');
      if (!bundle) throw broken('key-change without a public key');
      return { ...state, key: event.newKey, bundle: event.bundle, prekeyCreated: bundle.prekey.created };
    case 'revoke':
      if (!equalBytes(event.key, state.key)) throw broken('revoke of a key the handle does not have');
      return { ...state, revoked: true };
  }
}

/**
 * Self-monitoring: the first entry of a handle's history (oldest first) that its owner, holding
 * `ownKey`, did not make: any entry from the one that gave the handle this key on that leaves it with
 * another key, or a revocation; or, when the key never held the handle, its last entry. Null when the
 * history is all the owner's. Entries before the key arrived belong to earlier keys (a signed change).
 */
export function foreignEntry(events: readonly KeyEvent[], ownKey: Uint8Array): KeyEvent | null {
  const first = events.findIndex((e) => equalBytes(entryKey(e), ownKey));
  if (first < 0) return events[events.length - 1] ?? null;
  return events.slice(first).find((e) => e.type === 'revoke' || !equalBytes(entryKey(e), ownKey)) ?? null;
}
