// The keyring's IndexedDB database (Dexie). Private keys are stored as non-extractable CryptoKeys
// (IndexedDB structured-clones them); the only exportable copies are AES-GCM blobs wrapped under the
// non-extractable device key, so an explicit passphrase backup stays possible. See docs/KEYRING.md.
import Dexie, { type Table } from 'dexie';
import type { PublicBundle } from '../crypto/public-bundle';
import type { LogState } from '../keylog/verify';

export const KEYRING_DB_NAME = 'crypt2chat';

/** AES-256-GCM ciphertext of a secret (PKCS#8 key or legacy key JSON) under the device key. */
export interface WrappedSecret {
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

export interface StoredPrekey {
  id: string;
  publicKey: Uint8Array;
  privateKey: CryptoKey; // X25519, non-extractable
  created: number;
  signature: Uint8Array;
  // Only for prekeys imported from an older backup. Prekeys made in this browser are generated
  // non-extractable and have no copy: they never leave WebCrypto, so backups do not carry them.
  wrapped?: WrappedSecret;
  retiredAt?: number; // set when a newer prekey replaced it; kept to open older messages
}

export interface IdentityRow {
  slot: 'active'; // one active identity
  handle: string;
  publicKey: Uint8Array;
  privateKey: CryptoKey; // Ed25519, non-extractable
  wrapped: WrappedSecret;
  prekeys: StoredPrekey[]; // [0] is current, then retired ones, newest first
  created: number;
}

export interface DeviceKeyRow {
  slot: 'device';
  key: CryptoKey; // AES-256-GCM, non-extractable
  created: number;
}

export interface KeyHistoryEntry {
  identityKey: Uint8Array;
  firstSeen: number;
  lastSeen: number;
  replacedAt?: number;
}

export type SuitePreference = 'modern' | 'legacy';

export interface Contact {
  handle: string;
  bundle?: PublicBundle; // pinned modern key; absent only for a legacy-only contact
  pinnedAt: number;
  verified: boolean; // the user compared safety numbers
  verifiedAt?: number;
  keyHistory: KeyHistoryEntry[];
  keyChanged: boolean; // a different identity key was seen: sending blocked until re-verified
  pendingBundle?: PublicBundle; // the newly seen key awaiting the user's decision
  // Whether the relay's key log proves the pending key came by key changes each signed by the key before
  // it, starting from the pinned one ('signed'), or not ('unproven': a replacement without proof).
  pendingProof?: 'signed' | 'unproven';
  legacyPublicKey?: string;
  suite: SuitePreference; // 'legacy' only while the contact has no modern key
}

export interface ContactRow extends Contact {
  knownKeys: string[]; // hex of every identity key in keyHistory (multi-entry index)
}

/** A removed contact, kept so that adding the handle again keeps its key history (contacts.ts). */
export interface FormerContactRow {
  handle: string;
  row: ContactRow;
  removedAt: number;
}

export interface ConversationRow {
  site: string;
  conversationId: string;
  handles: string[];
  updated: number;
}

export interface SettingRow {
  key: string;
  value: unknown;
}

/** Keyed hashes only (replay-store.ts): the table says nothing about who sent what, or where, at rest. */
export interface ReplayRow {
  seq?: number; // auto-increment: insertion order, used to evict the oldest
  key: string; // HMAC of (sender, message id)
  sighting: string; // HMAC of (digest, context)
  day: number; // day (UTC, since the epoch) it was last seen: coarse, for the age limit
}

/** The per-keyring secret of the replay table's HMACs, made in this browser and never exported. */
export interface ReplaySecretRow {
  slot: 'active';
  key: CryptoKey; // HMAC-SHA-256, non-extractable
}

export interface LegacyKeyRow {
  slot: 'active';
  publicKey: string;
  wrapped: WrappedSecret; // JSON of the legacy private key under the device key
  created: number;
}

/**
 * What the background keeps per relay about its key log (lib/keylog/verify.ts, docs/KEYRING.md): the
 * pinned log key and last verified checkpoint, and the alarms raised against it. Not secret.
 */
export interface LogStateRow {
  relay: string; // the relay's origin (relayOrigin)
  state?: LogState; // absent until a checkpoint of this relay verified
  alarms: LogAlarm[];
  /** Alarms the user dismissed after seeing their evidence: the same evidence does not raise them again. */
  dismissed?: DismissedLogAlarm[];
}

/** A dismissed alarm, as it was, and when the user dismissed it. */
export interface DismissedLogAlarm extends LogAlarm {
  dismissedAt: number;
}

/** An inconsistency the relay's log showed, kept with its evidence until the user sees it. */
export interface LogAlarm {
  /** An InconsistencyReason, or 'foreign-entry' (self-monitoring: an entry for our handle we did not make). */
  reason: string;
  message: string;
  at: number;
  /** The two signed checkpoints that disagree, when there are two. */
  kept?: string;
  served?: string;
}

/** One per-contact post-quantum secret (contact-secrets.ts), wrapped under the device key. */
export interface StoredContactSecret {
  identityKey: Uint8Array; // the contact's identity key it was established with
  wrapped: WrappedSecret;
  established: number;
  replacedAt?: number; // a newer one replaced it: kept CONTACT_SECRET_RETENTION_MS to open older messages
}

export interface ContactSecretRow {
  handle: string;
  secrets: StoredContactSecret[]; // newest first
}

/** The own post-quantum secret mixed into the content key of post-quantum messages (contact-pq.ts). */
export interface SelfPqSecretRow {
  slot: 'active';
  wrapped: WrappedSecret;
  created: number;
}

/** Version 1 stores. Later versions list only the tables they change (Dexie keeps the rest). */
export const SCHEMA_V1 = {
  identities: 'slot',
  deviceKey: 'slot',
  contacts: 'handle, *knownKeys',
  conversations: '[site+conversationId]',
  settings: 'key',
  replay: '++seq, &messageId',
  legacyKeys: 'slot',
} as const;

/**
 * Declares every schema version in order. Migration path: never edit a released version; append
 *   db.version(2).stores({ contacts: 'handle, *knownKeys, suite' })
 *     .upgrade((tx) => tx.table('contacts').toCollection().modify((c) => { c.newField = derive(c); }));
 * Dexie runs each missing upgrade in one versionchange transaction when an older database opens,
 * so a failed upgrade leaves the old version intact. Upgrades must not call WebCrypto (the
 * transaction would commit while awaiting it); CryptoKeys are carried over as they are.
 */
export function declareKeyringSchema(db: Dexie): void {
  db.version(1).stores(SCHEMA_V1);
  // Version 2: the replay table holds keyed hashes instead of raw ids, digests and contexts. The raw v1
  // rows are dropped (their messages read as first seen once more) rather than kept readable at rest.
  db.version(2)
    .stores({ replay: '++seq, &key, day', replaySecret: 'slot' })
    .upgrade((tx) => tx.table('replay').clear());
  // Version 3: the relays' key-log checkpoints and alarms; removed contacts' key histories.
  db.version(3).stores({ logStates: 'relay', formerContacts: 'handle' });
  // Version 4: per-contact post-quantum secrets from version-2 chats, and the own pq secret.
  db.version(4).stores({ contactSecrets: 'handle', selfPqSecret: 'slot' });
}

export interface KeyringDBOptions {
  name?: string;
  indexedDB?: IDBFactory; // fake-indexeddb in tests; the global one in the browser
  IDBKeyRange?: typeof IDBKeyRange;
}

export class KeyringDB extends Dexie {
  identities!: Table<IdentityRow, string>;
  deviceKey!: Table<DeviceKeyRow, string>;
  contacts!: Table<ContactRow, string>;
  conversations!: Table<ConversationRow, [string, string]>;
  settings!: Table<SettingRow, string>;
  replay!: Table<ReplayRow, number>;
  replaySecret!: Table<ReplaySecretRow, string>;
  legacyKeys!: Table<LegacyKeyRow, string>;
  logStates!: Table<LogStateRow, string>;
  formerContacts!: Table<FormerContactRow, string>;
  contactSecrets!: Table<ContactSecretRow, string>;
  selfPqSecret!: Table<SelfPqSecretRow, string>;

  constructor(options: KeyringDBOptions = {}) {
    // Dexie treats an explicit `indexedDB: undefined` as "none": pass only what was given.
    super(options.name ?? KEYRING_DB_NAME, {
      ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
      ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
    });
    declareKeyringSchema(this);
  }
}

/** Every table, for transactions that must see or change the whole keyring at once. */
export function allTables(db: KeyringDB) {
  return [db.identities, db.deviceKey, db.contacts, db.conversations, db.settings, db.replay, db.replaySecret, db.legacyKeys, db.logStates, db.formerContacts, db.contactSecrets, db.selfPqSecret];
}
