// Contact cards in the background: the user's own card for the compose overlay to send, a card shown in a
// message frame (whose is it, is it pinned), and pinning it from that frame. Pinning goes through the
// keyring's pinContact, as a relay lookup's pin does: a new handle is pinned (status `pinned` until safety
// numbers are compared), another identity key for a pinned handle is recorded as a key change.
import { armor, dearmor } from '@/lib/armor/armor';
import { equalBytes } from '@/lib/bytes';
import { C2CError } from '@/lib/errors';
import { CardSignatureError, decodeContactCard, encodeContactCard, type ContactCard } from '@/lib/crypto/contact-card';
import { fingerprint } from '@/lib/crypto/identity';
import { getContact, pinContact } from '@/lib/keyring/contacts';
import type { KeyringDB } from '@/lib/keyring/db';
import { getIdentity, getSenderKeys, publicBundle } from '@/lib/keyring/identity-store';
import type { CardSummary } from '@/lib/protocol/api/message-frame';
import { noIdentity } from './refusals';
import type { BackgroundService } from './router';

export type CardService = Pick<BackgroundService, 'getContactCard' | 'pinCard'> & {
  /** A dearmored card payload as a message frame shows it; throws a specific error for a changed card. */
  summarize(payload: Uint8Array): Promise<CardSummary>;
};

/** The card, or the error that names which of its signatures failed. */
async function decodeCard(payload: Uint8Array): Promise<ContactCard> {
  try {
    return await decodeContactCard(payload);
  } catch (e) {
    if (e instanceof CardSignatureError) throw new C2CError(e.part === 'prekey' ? 'card-prekey-swapped' : 'card-forged', e.message);
    throw e;
  }
}

export function createCardService(db: KeyringDB): CardService {
  async function summary(card: ContactCard): Promise<CardSummary> {
    const identity = await getIdentity(db);
    if (!identity) throw noIdentity();
    // One's own handle is "pinned" to one's own key: a card claiming it with another key is a change.
    const pinnedKey = card.handle === identity.handle ? identity.identityKey : (await getContact(db, card.handle))?.bundle?.identityKey;
    const known = equalBytes(card.identityKey, identity.identityKey)
      ? 'own'
      : !pinnedKey
        ? 'new'
        : equalBytes(pinnedKey, card.identityKey)
          ? 'pinned'
          : 'changed';
    return { handle: card.handle, fingerprint: await fingerprint(card.identityKey), known };
  }

  return {
    summarize: async (payload) => summary(await decodeCard(payload)),

    async getContactCard({ maxPartLength }) {
      if (!(await getIdentity(db))) throw noIdentity();
      const { identity } = await getSenderKeys(db);
      return { parts: armor(await encodeContactCard(identity, await publicBundle(db)), { maxPartLength }) };
    },

    async pinCard({ text }) {
      const card = await decodeCard(dearmor(text));
      const before = await summary(card);
      if (before.known === 'own') throw new C2CError('exists', 'This is your own contact card.');
      if (before.handle === (await getIdentity(db))?.handle) throw new C2CError('key-mismatch', 'This card claims your own handle with another key.');
      const result = await pinContact(db, card.handle, card);
      return { result, card: await summary(card) };
    },
  };
}
