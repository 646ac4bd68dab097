// The keyring as one object for the background: each method is one transactional operation from the
// small modules next to this file (identity-store, contacts, settings, conversations, legacy-keys,
// replay-store, backup). See docs/KEYRING.md.
import type { PublicBundle } from '../crypto/public-bundle';
import type { LegacyPrivateKey } from '../legacy/legacy-key';
import { exportBackup, restoreBackup } from './backup';
import * as contacts from './contacts';
import * as contactSecrets from './contact-secrets';
import { rememberRecipients, recipientsFor } from './conversations';
import { KeyringDB, type KeyringDBOptions } from './db';
import * as identity from './identity-store';
import { legacyPublicKey, loadLegacyKey, saveLegacyKey } from './legacy-keys';
import { DEFAULT_REPLAY_ENTRIES, PersistentReplayCache } from './replay-store';
import * as settings from './settings';

export type { Contact, KeyHistoryEntry, SuitePreference } from './db';
export type { IdentityInfo } from './identity-store';
export type { ObserveResult, PinResult } from './contacts';
export type { Locale, SecurityImage, SettingKey, Settings } from './settings';
export { SECURITY_IMAGES, LOCALES } from './settings';

export interface KeyringOptions extends KeyringDBOptions {
  replayEntries?: number; // bound of the persistent replay cache
}

export class Keyring {
  readonly db: KeyringDB;
  readonly replayCache: PersistentReplayCache;

  constructor(options: KeyringOptions = {}) {
    this.db = new KeyringDB(options);
    this.replayCache = new PersistentReplayCache(this.db, options.replayEntries ?? DEFAULT_REPLAY_ENTRIES);
  }

  close(): void {
    this.db.close();
  }

  // Own identity
  createIdentity(handle: string, opts?: { replace?: boolean; now?: number }) {
    return identity.createIdentity(this.db, handle, opts);
  }
  getIdentity() {
    return identity.getIdentity(this.db);
  }
  getSenderKeys() {
    return identity.getSenderKeys(this.db);
  }
  getOpeningKeys() {
    return identity.getOpeningKeys(this.db);
  }
  rotatePrekey(now?: number) {
    return identity.rotatePrekey(this.db, now);
  }
  publicBundle() {
    return identity.publicBundle(this.db);
  }

  // Per-contact post-quantum secrets
  storeContactSecret(handle: string, identityKey: Uint8Array, secret: Uint8Array, now?: number) {
    return contactSecrets.storeContactSecret(this.db, handle, identityKey, secret, now);
  }
  postQuantumForSending(recipients: { handle: string; identityKey: Uint8Array }[]) {
    return contactSecrets.postQuantumForSending(this.db, recipients);
  }
  postQuantumForOpening(now?: number) {
    return contactSecrets.postQuantumForOpening(this.db, now);
  }

  // Contacts
  pinContact(handle: string, bundle: PublicBundle, now?: number) {
    return contacts.pinContact(this.db, handle, bundle, now);
  }
  observeContactKey(handle: string, bundle: PublicBundle, now?: number) {
    return contacts.observeContactKey(this.db, handle, bundle, now);
  }
  reverifyContact(handle: string, identityKey: Uint8Array, opts?: { verified?: boolean; now?: number }) {
    return contacts.reverifyContact(this.db, handle, identityKey, opts);
  }
  markVerified(handle: string, now?: number) {
    return contacts.markVerified(this.db, handle, now);
  }
  removeContact(handle: string) {
    return contacts.removeContact(this.db, handle);
  }
  listContacts() {
    return contacts.listContacts(this.db);
  }
  getContact(handle: string) {
    return contacts.getContact(this.db, handle);
  }
  canSendTo(handle: string) {
    return contacts.canSendTo(this.db, handle);
  }
  bundlesForSending(handles: string[]) {
    return contacts.bundlesForSending(this.db, handles);
  }
  findContactByIdentityKey(identityKey: Uint8Array) {
    return contacts.findContactByIdentityKey(this.db, identityKey);
  }
  pinLegacyContact(handle: string, legacyPublicKey: string, now?: number) {
    return contacts.pinLegacyContact(this.db, handle, legacyPublicKey, now);
  }

  // Settings
  getSettings() {
    return settings.getSettings(this.db);
  }
  getSetting<K extends settings.SettingKey>(key: K) {
    return settings.getSetting(this.db, key);
  }
  setSetting<K extends settings.SettingKey>(key: K, value: settings.Settings[K] | null | undefined) {
    return settings.setSetting(this.db, key, value);
  }
  setSettings(changes: Partial<Record<settings.SettingKey, unknown>>) {
    return settings.setSettings(this.db, changes);
  }

  // Conversation bindings
  rememberRecipients(site: string, conversationId: string, handles: string[], now?: number) {
    return rememberRecipients(this.db, site, conversationId, handles, now);
  }
  recipientsFor(site: string, conversationId: string) {
    return recipientsFor(this.db, site, conversationId);
  }

  // Own legacy key
  saveLegacyKey(key: LegacyPrivateKey, opts?: { replace?: boolean; now?: number }) {
    return saveLegacyKey(this.db, key, opts);
  }
  loadLegacyKey() {
    return loadLegacyKey(this.db);
  }
  legacyPublicKey() {
    return legacyPublicKey(this.db);
  }

  // Backups
  exportBackup(passphrase: string, opts?: { testingOnlyScryptN?: number; now?: number }) {
    return exportBackup(this.db, passphrase, opts);
  }
  restoreBackup(text: string, passphrase: string, opts?: { replace?: boolean }) {
    return restoreBackup(this.db, text, passphrase, opts);
  }
}

/** Opens lazily (Dexie opens on first use), so the background can call this synchronously at start. */
export function openKeyring(options: KeyringOptions = {}): Keyring {
  return new Keyring(options);
}
