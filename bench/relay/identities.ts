// Real identities for the bench, made before any timing starts: an Ed25519 identity key, a signed X25519
// prekey and the public bundle line the relay's directory stores at registration.
import { generateIdentity, type IdentityKeyPair } from '../../lib/crypto/identity';
import { generatePrekey } from '../../lib/crypto/prekey';
import { encodePublicBundle } from '../../lib/crypto/public-bundle';

export interface BenchIdentity extends IdentityKeyPair {
  handle: string;
  bundle: string;
}

/** `prefix` keeps handles of different groups apart; handles are 3–32 of a-z 0-9 . _ - */
export async function makeIdentities(count: number, prefix: string): Promise<BenchIdentity[]> {
  const out: BenchIdentity[] = [];
  for (let i = 0; i < count; i++) {
    const identity = await generateIdentity();
    const prekey = await generatePrekey(identity);
    const handle = `${prefix}${i}`;
    out.push({ ...identity, handle, bundle: encodePublicBundle({ identityKey: identity.publicKey, prekey, handle }) });
  }
  return out;
}

/** Identity keys alone, for connections that authenticate but never register. */
export async function makeKeys(count: number): Promise<IdentityKeyPair[]> {
  const out: IdentityKeyPair[] = [];
  for (let i = 0; i < count; i++) out.push(await generateIdentity());
  return out;
}
