// Contact cards in the background: the user's own card for the compose overlay to send, a card shown in a
// message frame (whose is it, is it pinned), and pinning it from that frame. Pinning goes through the
// keyring's pinContact, as a relay lookup's pin does: a new handle is pinned (status `pinned` until safety
// numbers are compared), another identity key for a pinned handle is recorded as a key change.
import { armor, dearmor } from '@/lib/armor/armor';
import { equalBytes } from '@/lib/bytes';
import { CardSignatureError, decodeContactCard, encodeContactCard, type ContactCard } from '@/lib/crypto/contact-card';
import { fingerprint } from '@/lib/crypto/identity';
import { getContact, pinContact } from '@/lib/keyring/contacts';
import type { KeyringDB } from '@/lib/keyring/db';
import { getIdentity, getSenderKeys, publicBundle } from '@/lib/keyring/identity-store';
import type { CardSummary } from '@/lib/protocol/api/message-frame';
import { ApiFailure } from './api-failure';
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
    if (e instanceof CardSignatureError) throw new ApiFailure(e.part === 'prekey' ? 'card-prekey-swapped' : 'card-forged', e.message);
    throw e;
  }
}

export function createCardService(db: KeyringDB): CardService {
  async function summary(card: ContactCard): Promise<CardSummary> {
    const identity = await getIdentity(db);
    if (!identity) throw new ApiFailure('no-identity', 'Create your identity first.');
    const contact = await getContact(db, card.handle);
    const known = equalBytes(card.identityKey, identity.identityKey)
      ? 'own'
      : !contact?.bundle
        ? 'new'
        : equalBytes(contact.bundle.identityKey, card.identityKey)
          ? 'pinned'
          : 'changed';
    return { handle: card.handle, fingerprint: await fingerprint(card.identityKey), known };
  }

  return {
    summarize: async (payload) => summary(await decodeCard(payload)),

    async getContactCard({ maxPartLength }) {
      if (!(await getIdentity(db))) throw new ApiFailure('no-identity', 'Create your identity first.');
      const { identity } = await getSenderKeys(db);
      return { parts: armor(await encodeContactCard(identity, await publicBundle(db)), { maxPartLength }) };
    },

    async pinCard({ text }) {
      const card = await decodeCard(dearmor(text));
      const before = await summary(card);
      if (before.known === 'own') throw new ApiFailure('exists', 'This is your own contact card.');
      const result = await pinContact(db, card.handle, card);
      return { result, card: await summary(card) };
    },
  };
}
