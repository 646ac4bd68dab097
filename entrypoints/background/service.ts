// What each background request does, on top of the keyring and the modern message suite.
// Runs only in the background: the keyring's private keys never leave this context.
import { armor, dearmor } from '@/lib/armor/armor';
import { p2pKindOf } from '@/lib/chat/p2p-token';
import { C2CError } from '@/lib/errors';
import { FORMAT_ID, formatIdOf } from '@/lib/crypto/format-ids';
import { decodePublicBundle, encodePublicBundle } from '@/lib/crypto/public-bundle';
import { fingerprint } from '@/lib/crypto/identity';
import { safetyNumber } from '@/lib/crypto/safety-number';
import { getContact, listContacts, markVerified, observeContactKey, pinContact, type LoggedKeyChange } from '@/lib/keyring/contacts';
import type { Contact, KeyringDB } from '@/lib/keyring/db';
import { createIdentity, getIdentity, getSenderKeys, publicBundle } from '@/lib/keyring/identity-store';
import { PersistentReplayCache } from '@/lib/keyring/replay-store';
import { hasContactSecret } from '@/lib/keyring/contact-secrets';
import { dismissLogAlarm, listLogAlarms } from '@/lib/keyring/log-states';
import { getSetting, getSiteMode, setSettings, setSiteMode } from '@/lib/keyring/settings';
import { setSitePartLength, sitePartLength } from '@/lib/keyring/site-part-lengths';
import { recipientsFor, rememberRecipients } from '@/lib/keyring/conversations';
import type { ContactInfo } from '@/lib/protocol/background-api';
import { normalizeHandle } from '@/lib/protocol/relay';
import { identityExists, noIdentity } from './refusals';
import type { ChatService } from './chat-service';
import { createCardService } from './card-service';
import { createContactsService } from './contacts-service';
import { ComposeTickets } from './compose-tickets';
import { classifyCiphertext, createLegacyService } from './legacy-service';
import { relayTarget, type MailboxService } from './mailbox-service';
import { openSealed, pageChannel } from './open-sealed';
import { rotateAndPublish } from './prekey-rotation';
import type { KeyLog } from './key-log';
import { relayFailure, withRelay } from './relay-access';
import type { RelayRoute } from './relay-route';
import type { PanelRequestType } from '@/lib/protocol/api/panel';
import type { BackgroundService, RequestOrigin } from './router';
import type { P2PChatService } from './p2p-chat-service';
import { sealForContacts } from './seal-for-contacts';

/** Where the background remembers, outside the keyring, that a relay confirmed our registration. */
export interface RegistrationStore {
  get(): Promise<{ relayUrl: string; handle: string } | undefined>;
  set(value: { relayUrl: string; handle: string }): Promise<void>;
}

async function contactInfo(db: KeyringDB, c: Contact, ownIdentityKey: Uint8Array | undefined, chatInvite: boolean): Promise<ContactInfo> {
  return {
    handle: c.handle,
    fingerprint: c.bundle ? await fingerprint(c.bundle.identityKey) : '',
    verified: c.verified,
    keyChanged: c.keyChanged,
    keyChangeProof: c.keyChanged ? (c.pendingProof ?? 'unproven') : null,
    safetyNumber: c.bundle && ownIdentityKey ? await safetyNumber(ownIdentityKey, c.bundle.identityKey) : '',
    chatInvite,
    postQuantum: c.bundle ? await hasContactSecret(db, c.handle, c.bundle.identityKey) : false,
  };
}

export function createBackgroundService(
  db: KeyringDB,
  registrations: RegistrationStore,
  mailbox: MailboxService,
  chats: ChatService,
  route: RelayRoute,
  keyLog: KeyLog,
  hearGossip: (value: Uint8Array) => void,
  p2p: P2PChatService,
  tickets = new ComposeTickets(),
): Omit<BackgroundService, PanelRequestType> {
  const replayCache = new PersistentReplayCache(db);
  // The key changes the log proved at the last lookup of each handle, for the pin that follows it.
  const loggedChanges = new Map<string, LoggedKeyChange[]>();
  const legacy = createLegacyService(db);
  const cards = createCardService(db);
  async function identityOrFail() {
    const identity = await getIdentity(db);
    if (!identity) throw noIdentity();
    return identity;
  }

  async function relayUrlOrFail(): Promise<string> {
    const url = await getSetting(db, 'relayUrl');
    if (!url) throw new C2CError('no-relay', 'Set the relay address in the settings first.');
    return url;
  }

  async function describe(contact: Contact) {
    return contactInfo(db, contact, (await getIdentity(db))?.identityKey, chats.hasInvite(contact.handle));
  }

  return {
    ...createContactsService(db, describe),
    createLegacyKey: () => legacy.createLegacyKey(),
    getLegacyPublicKey: () => legacy.getLegacyPublicKey(),
    pinLegacyContact: (request) => legacy.pinLegacyContact(request),
    getContactCard: (request) => cards.getContactCard(request),
    startP2PChat: ({ handle, maxPartLength }) => p2p.invite(handle, maxPartLength),
    joinP2PChat: async ({ text }, from?: RequestOrigin) => {
      await identityOrFail();
      return p2p.joinFromFrame(dearmor(text), from?.tabId);
    },
    pinCard: (request) => cards.pinCard(request),

    rotatePrekey: () => rotateAndPublish(db, registrations, route),
    getInbox: (request) => mailbox.getInbox(request),
    sendToContact: (request) => mailbox.sendToContact(request),
    openChat: ({ handle }) => chats.openChat(handle),

    async getState() {
      const identity = await getIdentity(db);
      const relayUrl = (await getSetting(db, 'relayUrl')) ?? '';
      const proxy = (await getSetting(db, 'proxy')) ?? '';
      return {
        identity: identity ? { handle: identity.handle, fingerprint: identity.fingerprint } : null,
        settings: { relayUrl, proxy },
        relay: { registered: (await relayTarget(db, registrations)) !== undefined, connection: await mailbox.connection() },
      };
    },

    async createIdentity({ handle }) {
      // One's own handle must also be registrable on a relay later.
      const normalized = normalizeHandle(handle);
      if (normalized === null) throw new C2CError('bad-request', 'A handle is 3 to 32 characters: a-z, 0-9, dots, dashes and underscores.');
      if (await getIdentity(db)) throw identityExists();
      const identity = await createIdentity(db, normalized);
      return { identity: { handle: identity.handle, fingerprint: identity.fingerprint } };
    },

    async saveSettings({ relayUrl, proxy }) {
      // Both or neither: a relay address saved without the proxy meant for it would be reached directly.
      await setSettings(db, { relayUrl, ...(proxy !== undefined ? { proxy: proxy === '' ? null : proxy } : {}) });
      const settings = { relayUrl: (await getSetting(db, 'relayUrl')) ?? '', proxy: (await getSetting(db, 'proxy')) ?? '' };
      // The browser's routing follows now (a cleared proxy is cleared now), and a proxy it cannot apply is said now.
      await route.ensure(settings.relayUrl || undefined).catch((e: unknown) => {
        throw relayFailure(e);
      });
      return { settings };
    },

    async getPublicBundle() {
      await identityOrFail();
      return { bundle: encodePublicBundle(await publicBundle(db)) };
    },

    async pinContact({ handle, bundle }) {
      const decoded = await decodePublicBundle(bundle);
      const result = await pinContact(db, handle, decoded, Date.now(), loggedChanges.get(handle) ?? []);
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
      await withRelay(route, relayUrl, keys, (client) => client.register(identity.handle, bundle));
      await registrations.set({ relayUrl, handle: identity.handle });
      // The log now holds our registration: check it (and keep the relay's checkpoint) at once. A relay
      // that cannot be reached now is checked again later; an inconsistency is kept as an alarm.
      await keyLog.checkOwnHandle(registrations).catch(() => null);
      return { relay: { registered: true as const } };
    },

    async lookupContact({ handle }) {
      // Only a key the relay's log proves to hold is used (key-log.ts); an inconsistency fails closed.
      const relayUrl = await relayUrlOrFail();
      const { verified, ...found } = await withRelay(route, relayUrl, undefined, (client) => keyLog.lookup(client, relayUrl, handle));
      // The relay's answer is checked like any key from outside: signature and handle label.
      const bundle = await decodePublicBundle(found.bundle);
      if (bundle.handle !== undefined && bundle.handle !== found.handle) {
        throw new C2CError('key-mismatch', 'The relay returned a key labelled with a different handle.');
      }
      // A pinned contact showing another identity key is flagged now (keyChanged), not only when pinned again.
      // The log's signed key changes tell a change the old key vouched for from a bare replacement.
      const changes = verified.events.flatMap((e) => (e.type === 'key-change' ? [{ oldKey: e.oldKey, newKey: e.newKey }] : []));
      loggedChanges.set(found.handle, changes);
      if (await getIdentity(db)) await observeContactKey(db, found.handle, bundle, Date.now(), changes);
      return { handle: found.handle, bundle: found.bundle, fingerprint: await fingerprint(bundle.identityKey) };
    },

    async getLogAlarms() {
      return { alarms: (await listLogAlarms(db)).map(({ relay, alarm }) => ({ relay, ...alarm })) };
    },

    async dismissLogAlarm({ relay, at, reason }) {
      return { dismissed: await dismissLogAlarm(db, relay, at, reason, Date.now()) };
    },

    async encrypt({ recipients, plaintext, suite, raw, maxPartLength, channel }) {
      await identityOrFail();
      if (suite === 'cryptico') return legacy.encrypt(recipients, plaintext, raw === true, maxPartLength);
      if (raw) throw new C2CError('bad-request', 'Only the legacy suite has a raw form.');
      const bound = channel && { kind: 'site' as const, site: channel.site, ...(channel.conversation ? { conversation: channel.conversation } : {}) };
      return { parts: armor(await sealForContacts(db, recipients, plaintext, bound), { maxPartLength }) };
    },

    getSiteMode: async ({ site }) => ({ mode: await getSiteMode(db, site) }),
    saveSiteMode: async ({ site, mode }) => ({ mode: await setSiteMode(db, site, mode) }),
    getBackupReminder: async () => ({ due: (await getIdentity(db)) !== undefined && (await getSetting(db, 'backupMade')) === undefined }),

    getSitePartLength: async ({ site }) => ({ maxPartLength: await sitePartLength(db, site) }),
    saveSitePartLength: async ({ site, maxPartLength }) => ({ maxPartLength: await setSitePartLength(db, site, maxPartLength) }),

    async claimComposeTicket({ id }) {
      const { secret, site, maxLength, conversation } = tickets.claim(id);
      return { ticket: { secret, site, maxLength: maxLength ?? null, conversation: conversation ?? null } };
    },
    getConversationRecipients: async ({ site, conversation }) => ({ handles: await recipientsFor(db, site, conversation) }),
    async saveConversationRecipients({ site, conversation, handles }) {
      await rememberRecipients(db, site, conversation, handles);
      return { handles: await recipientsFor(db, site, conversation) };
    },

    async decrypt({ text, context, conversation, userAction }) {
      try {
        await identityOrFail();
        const ciphertext = classifyCiphertext(text);
        if (ciphertext.suite === 'cryptico') return { result: await legacy.decrypt(ciphertext.cipher, userAction === true) };
        if (formatIdOf(ciphertext.payload) === FORMAT_ID.contactCardV1) return { result: { status: 'card' as const, card: await cards.summarize(ciphertext.payload) } };
        if (p2pKindOf(ciphertext.payload)) return { result: { status: 'p2p' as const, p2p: await p2p.summarize(ciphertext.payload) } };
        const channel = pageChannel(context, conversation);
        const place = { ...(context !== undefined ? { context } : {}), ...(channel ? { channel } : {}) };
        const { replay: _seenBefore, gossip, ...result } = await openSealed(db, ciphertext.payload, replayCache, place);
        if (gossip) hearGossip(gossip);
        return { result };
      } catch (e) {
        if (e instanceof C2CError) return { result: { status: 'error' as const, reason: { code: e.code, message: e.message } } };
        throw e;
      }
    },
  };
}
