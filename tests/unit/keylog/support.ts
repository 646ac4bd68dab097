// Helpers shared by the key-log tests.
import { generateIdentity } from '../../../lib/crypto/identity';
import { type C2CErrorCode, isC2CError } from '../../../lib/errors';
import { formatVerifierKey, parseVerifierKey, type NoteSigner, type NoteVerifier } from '../../../lib/keylog/note';

/** The C2CError code and message `run` throws, or undefined when it succeeds; anything else is rethrown. */
export async function codeOf(run: () => Promise<unknown> | unknown): Promise<[C2CErrorCode, string] | undefined> {
  try {
    await run();
  } catch (e) {
    if (isC2CError(e)) return [e.code, e.message];
    throw e;
  }
  return undefined;
}

/** A fresh Ed25519 key under a note key name. */
export async function freshSigner(name: string): Promise<NoteSigner> {
  const { publicKey, privateKey } = await generateIdentity();
  return { name, publicKey, privateKey };
}

/** The verifier a log publishes for a signer, through the text form clients are configured with. */
export function verifierOf(signer: NoteSigner): NoteVerifier {
  return parseVerifierKey(formatVerifierKey(signer.name, signer.publicKey));
}
