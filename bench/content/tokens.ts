// Real ciphertext tokens for the content bench: a peer identity made in Node seals messages to the
// reader's public key (what the extension in the bench browser holds), armored as a host page carries them.
import { armor } from '../../lib/armor/armor';
import { utf8 } from '../../lib/bytes';
import { generateIdentity } from '../../lib/crypto/identity';
import { sealMessageV2 } from '../../lib/crypto/message-v2';
import { generatePrekey } from '../../lib/crypto/prekey';
import { decodePublicBundle, encodePublicBundle } from '../../lib/crypto/public-bundle';

export interface Peer {
  /** The peer's public key line, to pin in the reader's extension. */
  bundle: string;
  /** `count` tokens, each one armor part, and the plaintext each one opens to. */
  tokens: string[];
  plaintexts: string[];
}

const WORDS = 'lunch moved to friday bring the slides keys are under the mat see you at nine sharp'.split(' ');

export async function peerTokens(handle: string, readerBundle: string, count: number): Promise<Peer> {
  const identity = await generateIdentity();
  const prekey = await generatePrekey(identity);
  const reader = await decodePublicBundle(readerBundle);
  // Chat-sized texts of varying length (at least 30 characters: longer than the frame's "Decrypting…",
  // so painting one is a largest-contentful-paint); the index makes each one unique and checkable.
  const plaintexts = Array.from({ length: count }, (_, i) => `#${i} ${WORDS.slice(0, 5 + (i % 12)).join(' ')}`);
  const tokens: string[] = [];
  for (const text of plaintexts) {
    const sealed = await sealMessageV2({ identity, recipients: [reader], plaintext: utf8(text) });
    tokens.push(armor(sealed, { maxPartLength: Infinity })[0]!);
  }
  const bundle = encodePublicBundle({
    identityKey: identity.publicKey,
    prekey: { publicKey: prekey.publicKey, created: prekey.created, signature: prekey.signature },
    handle,
  });
  return { bundle, tokens, plaintexts };
}
