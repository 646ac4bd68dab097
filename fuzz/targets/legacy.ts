// The legacy cryptico suite: decodeLegacyPayload() on mutated armor payloads (format id 0x02 + cryptico
// string; accepted ones re-encode to the same bytes) and legacyDecrypt() on mutated cryptico strings, signed
// and unsigned, made by legacyEncrypt() with 1024-bit keys. cryptico authenticates nothing but its
// signature, so the property is: a changed message never verifies as the pinned sender with another text.
import { equalBytes, toHex } from '../../lib/bytes';
import { decodeLegacyPayload, encodeLegacyPayload, generateLegacyKey, legacyDecrypt, legacyEncrypt, legacyPublicKeyString } from '../../lib/legacy/cryptico-suite';
import { check, type Target } from '../engine';
import { mutateBytes, mutateText, shrinkBytes, shrinkText } from '../mutate';

type Input = { payload: Uint8Array } | { seed: number; cipher: string };

const PIECES = ['?', '=', '==', '+', '/', 'A', '0', '::52cee64bb3a38f6403386519a39ac91c::'];

export const legacyTarget: Target<Input> = {
  name: 'legacy',
  covers: 'decodeLegacyPayload() on mutated payloads (accepted ones re-encode the same) and legacyDecrypt() (cryptico string parser, RSA unwrap, AES-CBC, signature) on mutated signed and unsigned messages; never a verified signature on another text',
  smoke: 1_000,
  async setup() {
    const [alice, bob] = await Promise.all([generateLegacyKey(1024), generateLegacyKey(1024)]);
    const alicePub = legacyPublicKeyString(alice);
    const bobPub = legacyPublicKeyString(bob);
    const texts = ['hello from the old suite', 'привет ✓'];
    const ciphers = [legacyEncrypt(texts[0]!, bobPub, alice), legacyEncrypt(texts[1]!, bobPub)];
    const payloads = ciphers.map(encodeLegacyPayload);
    return {
      generate(rng) {
        if (rng.chance(0.5)) return { payload: mutateBytes(rng, rng.pick(payloads), payloads) };
        const seed = rng.int(ciphers.length);
        return { seed, cipher: mutateText(rng, ciphers[seed]!, PIECES, ciphers) };
      },
      run(input) {
        if ('payload' in input) {
          const cipher = decodeLegacyPayload(input.payload);
          check(equalBytes(encodeLegacyPayload(cipher), input.payload), 'a decoded legacy payload does not encode back to its bytes');
          return;
        }
        const opened = legacyDecrypt(input.cipher, bob, alicePub);
        // Only the first seed is signed (a splice may carry it whole into the other).
        if (opened.status === 'verified-legacy-signature') check(opened.plaintext === texts[0], 'a changed legacy message verified as the pinned sender with another text');
      },
      *shrink(input) {
        if ('payload' in input) for (const payload of shrinkBytes(input.payload)) yield { payload };
        else for (const cipher of shrinkText(input.cipher)) yield { ...input, cipher };
      },
      show: (input) => ('payload' in input ? `payload ${toHex(input.payload)}` : `seed ${input.seed}: ${JSON.stringify(input.cipher)}`),
    };
  },
};
