// Contact cards: public key lines (decodePublicBundle: `c2c pub`, `--to`, the relay directory, pinning) and
// verification codes (checkVerificationPayload: the QR or pasted code). Mutated at the text and at the
// byte level. An accepted line is canonical (encodes back to itself) and carries a seed's signed keys; a
// code matches only when it is the right code.
import { fromBase64Url, toBase64Url, toHex } from '../../lib/bytes';
import { decodePublicBundle, encodePublicBundle, encodeBundleKeys, PUBLIC_BUNDLE_PREFIX } from '../../lib/crypto/public-bundle';
import { checkVerificationPayload, verificationPayload } from '../../lib/crypto/safety-number';
import { makeUser } from '../../tests/unit/crypto/fixtures';
import { check, type Target } from '../engine';
import { mutateBytes, mutateText, shrinkText } from '../mutate';

interface Input {
  kind: 'line' | 'code';
  text: string;
}

const PIECES = ['c2cpub1.', 'c2cpub2.', 'c2cverify1:', ':', 'A', '_', '-', '0', 'f', ' '];

export const cardsTarget: Target<Input> = {
  name: 'cards',
  covers: 'decodePublicBundle() (prefix, base64url, version, lengths, handle, prekey signature) and checkVerificationPayload() on mutated lines and codes; accepted lines are canonical and carry only signed keys, only the right code matches',
  smoke: 5_000,
  async setup() {
    const [alice, bob] = await Promise.all([makeUser({ handle: 'alice' }), makeUser()]);
    const lines = [encodePublicBundle(alice.bundle), encodePublicBundle(bob.bundle), encodePublicBundle({ ...alice.bundle, handle: 'Алиса 🙂' })];
    const signedKeys = new Set([alice, bob].map((u) => toHex(encodeBundleKeys(u.bundle))));
    const binaries = lines.map((l) => fromBase64Url(l.slice(PUBLIC_BUNDLE_PREFIX.length)));
    // Shown by bob for alice; checked by alice.
    const code = await verificationPayload(bob.identity.publicKey, alice.identity.publicKey);
    return {
      generate(rng) {
        if (rng.chance(0.2)) return { kind: 'code', text: mutateText(rng, code, PIECES) };
        if (rng.chance(0.5)) return { kind: 'line', text: mutateText(rng, rng.pick(lines), PIECES, lines) };
        return { kind: 'line', text: PUBLIC_BUNDLE_PREFIX + toBase64Url(mutateBytes(rng, rng.pick(binaries), binaries)) };
      },
      async run({ kind, text }) {
        if (kind === 'code') {
          const verdict = await checkVerificationPayload(text, alice.identity.publicKey, bob.identity.publicKey);
          check(verdict === 'mismatch' || text.trim() === code, 'a changed verification code matched');
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

