// Contact cards and public key lines: public key lines (decodePublicBundle: `c2c pub`, `--to`, the relay
// directory, pinning), contact card tokens (decodeContactCard after dearmor: the serverless card pinned from
// a message frame or `c2c pin-card`) and verification codes (checkVerificationPayload: the QR or pasted
// code). Mutated at the text and at the byte level. An accepted line is canonical (encodes back to itself)
// and carries a seed's signed keys; an accepted card is byte for byte a seed's card (Ed25519 signing is
// deterministic, so nothing else can carry a valid self-signature); a code matches only when it is right.
import { armor, dearmor } from '../../lib/armor/armor';
import { equalBytes, fromBase64Url, toBase64Url, toHex } from '../../lib/bytes';
import { decodeContactCard, encodeContactCard } from '../../lib/crypto/contact-card';
import { decodePublicBundle, encodePublicBundle, encodeBundleKeys, PUBLIC_BUNDLE_PREFIX } from '../../lib/crypto/public-bundle';
import { checkVerificationPayload, verificationPayload } from '../../lib/crypto/safety-number';
import { makeUser } from '../../tests/unit/crypto/fixtures';
import { check, type Target } from '../engine';
import { mutateBytes, mutateText, shrinkText } from '../mutate';

interface Input {
  kind: 'line' | 'code' | 'card';
  text: string;
}

const PIECES = ['c2cpub1.', 'c2cpub2.', 'c2cverify1:', 'c2c20', ':', 'A', '_', '-', '0', 'f', ' '];

export const cardsTarget: Target<Input> = {
  name: 'cards',
  covers: 'decodePublicBundle() (prefix, base64url, version, lengths, handle, prekey signature), decodeContactCard() on dearmored tokens (format id, lengths, canonical handle, prekey and self-signature) and checkVerificationPayload() on mutated lines, cards and codes; accepted lines are canonical and carry only signed keys, accepted cards are a seed card, only the right code matches',
  smoke: 5_000,
  async setup() {
    const [alice, bob] = await Promise.all([makeUser({ handle: 'alice' }), makeUser()]);
    const lines = [encodePublicBundle(alice.bundle), encodePublicBundle(bob.bundle), encodePublicBundle({ ...alice.bundle, handle: 'Алиса 🙂' })];
    const signedKeys = new Set([alice, bob].map((u) => toHex(encodeBundleKeys(u.bundle))));
    const binaries = lines.map((l) => fromBase64Url(l.slice(PUBLIC_BUNDLE_PREFIX.length)));
    // Shown by bob for alice; checked by alice.
    const code = await verificationPayload(bob.identity.publicKey, alice.identity.publicKey);
    const cards = await Promise.all([encodeContactCard(alice.identity, alice.bundle), encodeContactCard(bob.identity, { ...bob.bundle, handle: 'bob' })]);
    const cardTokens = cards.map((c) => armor(c)[0]!);
    return {
      generate(rng) {
        if (rng.chance(0.2)) return { kind: 'code', text: mutateText(rng, code, PIECES) };
        if (rng.chance(0.15)) return { kind: 'card', text: mutateText(rng, rng.pick(cardTokens), PIECES, cardTokens) };
        // Re-armored after a byte-level change: the armor's checksums hold, so the card decoder itself is tried.
        if (rng.chance(0.25)) return { kind: 'card', text: armor(mutateBytes(rng, rng.pick(cards), cards), { maxPartLength: Infinity })[0]! };
        if (rng.chance(0.5)) return { kind: 'line', text: mutateText(rng, rng.pick(lines), PIECES, lines) };
        return { kind: 'line', text: PUBLIC_BUNDLE_PREFIX + toBase64Url(mutateBytes(rng, rng.pick(binaries), binaries)) };
      },
      async run({ kind, text }) {
        if (kind === 'code') {
          const verdict = await checkVerificationPayload(text, alice.identity.publicKey, bob.identity.publicKey);
          check(verdict === 'mismatch' || text.trim() === code, 'a changed verification code matched');
          return;
        }
        if (kind === 'card') {
          let payload: Uint8Array;
          try {
            payload = dearmor(text);
          } catch {
            return; // the armor's own target covers refusals here
          }
          await decodeContactCard(payload);
          check(cards.some((c) => equalBytes(c, payload)), 'a changed contact card decoded');
          return;
        }
        const bundle = await decodePublicBundle(text);
        check(encodePublicBundle(bundle) === text.trim(), 'an accepted public key line is not canonical');
        check(signedKeys.has(toHex(encodeBundleKeys(bundle))), 'a public key line with changed keys or signature decoded');
      },
      *shrink(input) {
        for (const text of shrinkText(input.text)) yield { ...input, text };
      },
      show: (input) => `${input.kind}: ${JSON.stringify(input.text)}`,
    };
  },
};

