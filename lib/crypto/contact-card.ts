// The contact card: a user's handle and public keys, signed by their identity key, sent through the host
// chat as an armor token (format id 0x07) so two people can pin each other with no relay at all.
// Binary layout in docs/FORMATS.md ("Contact card v1").
import { concat, fromUtf8, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { normalizeKeyringHandle } from '../keyring/handle';
import { FORMAT_ID } from './format-ids';
import { ED25519_SIGNATURE_LENGTH, type IdentityKeyPair, SIGNATURE_CONTEXT, signWithContext, verifyWithContext } from './identity';
import { verifyPrekey } from './prekey';
import { BUNDLE_KEYS_LENGTH, decodeBundleKeys, encodeBundleKeys, MAX_HANDLE_BYTES, type PublicBundle } from './public-bundle';

/** A card as decoded: its handle is always set (a card names the person it pins). */
export type ContactCard = PublicBundle & { handle: string };

const HANDLE_LENGTH_AT = 1 + BUNDLE_KEYS_LENGTH;
/** Bytes of a card without its handle: format id, bundle keys, handle length, self-signature. */
export const CARD_FIXED_BYTES = HANDLE_LENGTH_AT + 1 + ED25519_SIGNATURE_LENGTH;

/** Which signature of a card failed: its prekey's (a prekey swapped in) or the card's own (handle or keys changed). */
export class CardSignatureError extends C2CError {
  constructor(
    readonly part: 'prekey' | 'card',
    message: string,
  ) {
    super('bad-signature', message);
  }
}

/** The card's handle as stored and signed: the keyring's one spelling (trimmed, NFC, lower case). */
function cardHandleBytes(handle: string | undefined): Uint8Array {
  if (handle === undefined) throw new C2CError('malformed', 'A contact card needs a handle.');
  return utf8(normalizeKeyringHandle(handle));
}

/** The signed part: everything before the self-signature. */
function signedPart(bundle: PublicBundle, handle: Uint8Array): Uint8Array {
  return concat(new Uint8Array([FORMAT_ID.contactCardV1]), encodeBundleKeys(bundle), new Uint8Array([handle.length]), handle);
}

/** The card payload (to armor) for one's own bundle; `identity` must be the bundle's identity key pair. */
export async function encodeContactCard(identity: IdentityKeyPair, bundle: PublicBundle): Promise<Uint8Array> {
  const signed = signedPart(bundle, cardHandleBytes(bundle.handle));
  const signature = await signWithContext(identity.privateKey, SIGNATURE_CONTEXT.contactCard, signed);
  return concat(signed, signature);
}

/**
 * A card payload (dearmored) → the card, strictly: format id, exact length, a canonical handle, the prekey
 * signed by the identity key, and the whole card signed by it. Throws C2CError 'malformed', or
 * CardSignatureError ('bad-signature') naming which signature failed.
 */
export async function decodeContactCard(payload: Uint8Array): Promise<ContactCard> {
  if (payload[0] !== FORMAT_ID.contactCardV1) throw new C2CError('malformed', 'This is not a Crypt2Chat contact card.');
  const handleLength = payload[HANDLE_LENGTH_AT];
  if (handleLength === undefined || handleLength === 0 || handleLength > MAX_HANDLE_BYTES || payload.length !== CARD_FIXED_BYTES + handleLength) {
    throw new C2CError('malformed', 'The contact card has the wrong length.');
  }
  const handleEnd = HANDLE_LENGTH_AT + 1 + handleLength;
  let handle: string;
  try {
    handle = fromUtf8(payload.subarray(HANDLE_LENGTH_AT + 1, handleEnd));
  } catch {
    throw new C2CError('malformed', 'The handle in the contact card is not valid UTF-8.');
  }
  // One spelling only: a card that would pin under another form of its handle is not ours.
  let canonical: string;
  try {
    canonical = normalizeKeyringHandle(handle);
  } catch {
    throw new C2CError('malformed', 'The handle in the contact card is not a valid handle.');
  }
  if (canonical !== handle) throw new C2CError('malformed', 'The handle in the contact card is not written in its one canonical form.');
  const card: ContactCard = { ...decodeBundleKeys(payload, 1), handle };
  if (!(await verifyPrekey(card.identityKey, card.prekey))) {
    throw new CardSignatureError('prekey', 'The prekey in this contact card is not signed by its identity key (it was swapped).');
  }
  const signature = payload.subarray(handleEnd);
  if (!(await verifyWithContext(card.identityKey, SIGNATURE_CONTEXT.contactCard, payload.subarray(0, handleEnd), signature))) {
    throw new CardSignatureError('card', 'The contact card’s self-signature does not verify: its handle or keys were changed.');
  }
  return card;
}
