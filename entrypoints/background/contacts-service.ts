// Contact and identity care: a contact's details (key history, our QR verification code, a pending key
// change), verifying by the other side's code, resolving a key change, removing a contact, passphrase
// backups and the security colour/image. Runs only in the background, beside service.ts.
import { equalBytes } from '@/lib/bytes';
import { C2CError } from '@/lib/errors';
import { fingerprint } from '@/lib/crypto/identity';
import { checkVerificationPayload, safetyNumber, verificationPayload } from '@/lib/crypto/safety-number';
import { exportBackup, restoreBackup } from '@/lib/keyring/backup';
import { getContact, markVerified, removeContact, reverifyContact } from '@/lib/keyring/contacts';
import type { Contact, KeyringDB } from '@/lib/keyring/db';
import { getIdentity } from '@/lib/keyring/identity-store';
import { getSettings, setSettings } from '@/lib/keyring/settings';
import type { ContactInfo, KeyHistoryItem } from '@/lib/protocol/background-api';
import { identityExists, noIdentity, noPinnedContact } from './refusals';
import type { BackgroundService } from './router';

export type ContactsService = Pick<
  BackgroundService,
  'getContactDetails' | 'verifyContactCode' | 'reverifyContact' | 'removeContact' | 'exportBackup' | 'restoreBackup' | 'getSecurity' | 'saveSecurity'
>;

/** Fingerprints as typed or copied: spaces and letter case do not matter. */
const sameFingerprint = (a: string, b: string) => a.replace(/\s+/g, '').toUpperCase() === b.replace(/\s+/g, '').toUpperCase();

export function createContactsService(db: KeyringDB, describe: (contact: Contact) => Promise<ContactInfo>): ContactsService {
  async function ownKey(): Promise<Uint8Array> {
    const identity = await getIdentity(db);
    if (!identity) throw noIdentity();
    return identity.identityKey;
  }

  async function contactOrFail(handle: string): Promise<Contact> {
    const contact = await getContact(db, handle);
    if (!contact) throw noPinnedContact();
    return contact;
  }

  async function keyHistory(c: Contact): Promise<KeyHistoryItem[]> {
    const items = await Promise.all(
      c.keyHistory.map(async (e) => ({
        fingerprint: await fingerprint(e.identityKey),
        firstSeen: e.firstSeen,
        lastSeen: e.lastSeen,
        ...(e.replacedAt !== undefined ? { replacedAt: e.replacedAt } : {}),
        state: c.bundle && equalBytes(e.identityKey, c.bundle.identityKey)
          ? ('pinned' as const)
          : c.pendingBundle && equalBytes(e.identityKey, c.pendingBundle.identityKey)
            ? ('pending' as const)
            : ('previous' as const),
      })),
    );
    return items.sort((a, b) => b.firstSeen - a.firstSeen); // newest first
  }

  async function security() {
    const s = await getSettings(db);
    return { colour: s.securityColour ?? null, image: s.securityImage ?? null };
  }

  return {
    async getContactDetails({ handle }) {
      const mine = await ownKey();
      const c = await contactOrFail(handle);
      return {
        contact: await describe(c),
        verificationCode: c.bundle ? await verificationPayload(mine, c.bundle.identityKey) : '',
        keyHistory: await keyHistory(c),
        pendingKey: c.pendingBundle
          ? { fingerprint: await fingerprint(c.pendingBundle.identityKey), safetyNumber: await safetyNumber(mine, c.pendingBundle.identityKey) }
          : null,
      };
    },

    async verifyContactCode({ handle, code }) {
      const mine = await ownKey();
      const c = await contactOrFail(handle);
      if (!c.bundle) throw new C2CError('unsupported', 'A legacy-only contact has no verification code.');
      if (c.keyChanged) throw new C2CError('key-changed', "This contact's key changed: accept or refuse the new key first.");
      const result = await checkVerificationPayload(code, mine, c.bundle.identityKey); // 'malformed' for non-codes
      return { result, contact: await describe(result === 'match' ? await markVerified(db, c.handle) : c) };
    },

    async reverifyContact({ handle, fingerprint: chosen }) {
      const c = await contactOrFail(handle);
      const candidates = [c.pendingBundle, c.bundle].filter((b) => b !== undefined);
      let key: Uint8Array | undefined;
      for (const b of candidates) if (sameFingerprint(await fingerprint(b.identityKey), chosen)) key = b.identityKey;
      // A fingerprint that is neither key: the contact changed again since the user looked.
      if (!key) throw new C2CError('key-mismatch', 'This is not the key that was shown for this contact.');
      return { contact: await describe(await reverifyContact(db, c.handle, key)) };
    },

    async removeContact({ handle }) {
      if (!(await removeContact(db, handle))) throw noPinnedContact();
      return { removed: true as const };
    },

    async exportBackup({ passphrase }) {
      await ownKey();
      const backup = await exportBackup(db, passphrase);
      await setSettings(db, { backupMade: Date.now() }); // the popup stops reminding
      return { backup };
    },

    async restoreBackup({ backup, passphrase }) {
      // Never over an existing identity from the popup: the user would lose it.
      if (await getIdentity(db)) throw identityExists();
      const identity = await restoreBackup(db, backup, passphrase);
      await setSettings(db, { backupMade: Date.now() }); // restored from one: a backup exists
      return { identity: { handle: identity.handle, fingerprint: identity.fingerprint } };
    },

    async getSecurity() {
      return { security: await security() };
    },

    async saveSecurity({ colour, image }) {
      await setSettings(db, { securityColour: colour, securityImage: image });
      return { security: await security() };
    },
  };
}
