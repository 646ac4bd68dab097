// What each background request does, on top of the keyring and the modern message suite.
// Runs only in the background: the keyring's private keys never leave this context.
import { dearmor, armor } from '@/lib/armor/armor';
import { equalBytes, fromUtf8, utf8 } from '@/lib/bytes';
import { C2CError } from '@/lib/errors';
import { openMessage, sealMessage } from '@/lib/crypto/message';
import { decodePublicBundle, encodePublicBundle } from '@/lib/crypto/public-bundle';
import { fingerprint } from '@/lib/crypto/identity';
import { safetyNumber } from '@/lib/crypto/safety-number';
import { bundlesForSending, findContactByIdentityKey, getContact, listContacts, markVerified, pinContact } from '@/lib/keyring/contacts';
import type { Contact, KeyringDB } from '@/lib/keyring/db';
import { createIdentity, getIdentity, getOpeningKeys, getSenderKeys, publicBundle } from '@/lib/keyring/identity-store';
import { PersistentReplayCache } from '@/lib/keyring/replay-store';
import { getSetting, setSetting } from '@/lib/keyring/settings';
import type { ContactInfo } from '@/lib/protocol/background-api';
import { normalizeHandle } from '@/lib/protocol/relay';
import { ApiFailure } from './api-failure';
import { withRelay } from './relay-access';
import type { BackgroundService } from './router';

/** Where the background remembers, outside the keyring, that a relay confirmed our registration. */
export interface RegistrationStore {
  get(): Promise<{ relayUrl: string; handle: string } | undefined>;
  set(value: { relayUrl: string; handle: string }): Promise<void>;
}

async function contactInfo(c: Contact, ownIdentityKey: Uint8Array | undefined): Promise<ContactInfo> {
  return {
    handle: c.handle,
    fingerprint: c.bundle ? await fingerprint(c.bundle.identityKey) : '',
    verified: c.verified,
    keyChanged: c.keyChanged,
    safetyNumber: c.bundle && ownIdentityKey ? await safetyNumber(ownIdentityKey, c.bundle.identityKey) : '',
  };
}

export function createBackgroundService(db: KeyringDB, registrations: RegistrationStore): BackgroundService {
  const replayCache = new PersistentReplayCache(db);
  async function identityOrFail() {
    const identity = await getIdentity(db);
    if (!identity) throw new ApiFailure('no-identity', 'Create your identity first.');
    return identity;
  }

  async function relayUrlOrFail(): Promise<string> {
    const url = await getSetting(db, 'relayUrl');
    if (!url) throw new ApiFailure('no-relay', 'Set the relay address in the settings first.');
    return url;
  }

  async function describe(contact: Contact) {
    return contactInfo(contact, (await getIdentity(db))?.identityKey);
  }

  return {
    async getState() {
      const identity = await getIdentity(db);
      const relayUrl = (await getSetting(db, 'relayUrl')) ?? '';
      const registration = await registrations.get();
      return {
        identity: identity ? { handle: identity.handle, fingerprint: identity.fingerprint } : null,
        settings: { relayUrl },
        relay: { registered: !!identity && registration?.relayUrl === relayUrl && registration.handle === identity.handle },
      };
    },

    async createIdentity({ handle }) {
      // One's own handle must also be registrable on a relay later.
      const normalized = normalizeHandle(handle);
      if (normalized === null) throw new ApiFailure('bad-request', 'A handle is 3 to 32 characters: a-z, 0-9, dots, dashes and underscores.');
      if (await getIdentity(db)) throw new ApiFailure('identity-exists', 'This browser already has an identity.');
      const identity = await createIdentity(db, normalized);
      return { identity: { handle: identity.handle, fingerprint: identity.fingerprint } };
    },

    async saveSettings({ relayUrl }) {
      await setSetting(db, 'relayUrl', relayUrl);
      return { settings: { relayUrl: (await getSetting(db, 'relayUrl')) ?? '' } };
    },

    async getPublicBundle() {
      await identityOrFail();
      return { bundle: encodePublicBundle(await publicBundle(db)) };
    },

    async pinContact({ handle, bundle }) {
      const decoded = await decodePublicBundle(bundle);
      const result = await pinContact(db, handle, decoded);
      const contact = await getContact(db, handle);
      if (!contact) throw new C2CError('not-found', 'The contact was not saved.');
      return { result, contact: await describe(contact) };
    },

    async listContacts() {
      const contacts = await listContacts(db);
      return { contacts: await Promise.all(contacts.map(describe)) };
    },

    async markVerified({ handle }) {
      return { contact: await describe(await markVerified(db, handle)) };
    },

    async relayRegister() {
      const identity = await identityOrFail();
      const relayUrl = await relayUrlOrFail();
      const { identity: keys } = await getSenderKeys(db);
      const bundle = encodePublicBundle(await publicBundle(db));
      await withRelay(relayUrl, keys, (client) => client.register(identity.handle, bundle));
      await registrations.set({ relayUrl, handle: identity.handle });
      return { relay: { registered: true as const } };
    },

    async lookupContact({ handle }) {
      const found = await withRelay(await relayUrlOrFail(), undefined, (client) => client.lookup(handle));
      // The relay's answer is checked like any key from outside: signature and handle label.
      const bundle = await decodePublicBundle(found.bundle);
      if (bundle.handle !== undefined && bundle.handle !== found.handle) {
        throw new C2CError('key-mismatch', 'The relay returned a key labelled with a different handle.');
      }
      return { handle: found.handle, bundle: found.bundle, fingerprint: await fingerprint(bundle.identityKey) };
    },

    async encrypt({ recipients, plaintext }) {
      await identityOrFail();
      const handles = [...new Set(recipients)];
      // A changed key gets its own code, so the UI can point the user at re-verifying that contact.
      for (const handle of handles) {
        if ((await getContact(db, handle))?.keyChanged) {
          throw new ApiFailure('key-changed', `The key of ${handle} changed since you pinned it. Verify the new key before sending.`);
        }
      }
      const bundles = await bundlesForSending(db, handles);
      const sealed = await sealMessage({ sender: await getSenderKeys(db), recipients: bundles, plaintext: utf8(plaintext) });
      return { parts: armor(sealed) };
    },

    async decrypt({ text, context }) {
      try {
        await identityOrFail();
        const bytes = dearmor(text);
        const keys = await getOpeningKeys(db);
        const opened = await openMessage(bytes, keys, {
          replayCache,
          ...(context !== undefined ? { context } : {}),
        });
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
        return {
          result: contact
            ? { status: 'verified' as const, plaintext, senderFingerprint: opened.senderFingerprint, senderHandle: contact.handle }
            : { status: 'unverified' as const, plaintext, senderFingerprint: opened.senderFingerprint },
        };
      } catch (e) {
        if (e instanceof C2CError || e instanceof ApiFailure) return { result: { status: 'error' as const, reason: { code: e.code, message: e.message } } };
        throw e;
      }
    },
  };
}
