// Test users with real WebCrypto keys, and the error code a failing call ends with.
import { generateIdentity, type IdentityKeyPair } from '../../../lib/crypto/identity';
import { generatePrekey, type PrekeyPair } from '../../../lib/crypto/prekey';
import type { PublicBundle } from '../../../lib/crypto/public-bundle';
import { isC2CError, type C2CErrorCode } from '../../../lib/errors';

export interface TestUser {
  identity: IdentityKeyPair;
  prekey: PrekeyPair;
  bundle: PublicBundle;
  me: { identityKey: Uint8Array; prekeys: PrekeyPair[] };
}

export function bundleOf(identity: IdentityKeyPair, prekey: PrekeyPair, handle?: string): PublicBundle {
  return {
    identityKey: identity.publicKey,
    prekey: { publicKey: prekey.publicKey, created: prekey.created, signature: prekey.signature },
    ...(handle === undefined ? {} : { handle }),
  };
}

export async function makeUser(opts: { extractable?: boolean; handle?: string } = {}): Promise<TestUser> {
  const identity = await generateIdentity(opts.extractable ?? false);
  const prekey = await generatePrekey(identity, { extractable: opts.extractable ?? false });
  return { identity, prekey, bundle: bundleOf(identity, prekey, opts.handle), me: { identityKey: identity.publicKey, prekeys: [prekey] } };
}

/** The code of the C2CError `p` rejects with; anything else (a resolve, another error) fails the test. */
export async function codeOf(p: Promise<unknown>): Promise<C2CErrorCode> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isC2CError(e)) throw new Error(`expected a C2CError, got ${String(e)}`);
  return e.code;
}
