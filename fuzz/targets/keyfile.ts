// CLI key files (cli/keyfile.ts): parseKeyFile() on mutated modern and cryptico key files made by
// serializeKeyFile(). An accepted file writes back to a file that reads as the same key.
import { generateIdentity } from '../../lib/crypto/identity';
import { generatePrekey } from '../../lib/crypto/prekey';
import { generateLegacyKey } from '../../lib/legacy/legacy-key';
import { encodePublicKey, parseKeyFile, publicKeyOf, serializeKeyFile, type KeyFile } from '../../cli/keyfile';
import { check, type Target } from '../engine';
import { mutateJson, shrinkText } from '../mutate';

const PIECES = ['"c2c-key"', '"suite"', '"modern"', '"cryptico"', '"identity"', '"prekeys"', '"retired"', '"rsa"', '"n"', '"d"', 'A', '-', '_', '0', 'f'];

export const keyfileTarget: Target<string> = {
  name: 'keyfile',
  covers: 'parseKeyFile() (JSON, version and suite, schemas, Ed25519/X25519 imports, key match, prekey signatures, RSA numbers) on mutated modern and cryptico key files; accepted files write back to the same key',
  smoke: 3_000,
  async setup() {
    const identity = await generateIdentity(true);
    const prekeys = [await generatePrekey(identity, { extractable: true }), { ...(await generatePrekey(identity, { extractable: true, now: 1 })), retiredAt: 2 }];
    const keys: KeyFile[] = [
      { suite: 'modern', handle: 'alice', identity, prekeys },
      { suite: 'cryptico', handle: undefined, key: await generateLegacyKey(1024) },
    ];
    const files = await Promise.all(keys.map(serializeKeyFile));
    const values = files.map((f) => JSON.parse(f) as unknown);
    return {
      generate(rng) {
        const i = rng.int(files.length);
        return mutateJson(rng, files[i]!, values[i], PIECES, values, files);
      },
      async run(text) {
        const key = await parseKeyFile(text, 'fuzz.key');
        const again = await parseKeyFile(await serializeKeyFile(key), 'fuzz.key');
        check(again.suite === key.suite && again.handle === key.handle, 'a key file does not write back the same suite and handle');
        check(samePublic(again, key), 'a key file does not write back the same public key');
      },
      shrink: shrinkText,
      show: (text) => JSON.stringify(text),
    };
  },
};

function samePublic(a: KeyFile, b: KeyFile): boolean {
  try {
    return encodePublicKey(publicKeyOf(a)) === encodePublicKey(publicKeyOf(b));
  } catch {
    // A handle the public line cannot carry: compare the identity alone.
    return a.suite === 'modern' && b.suite === 'modern' ? a.identity.publicKey.join() === b.identity.publicKey.join() : false;
  }
}
