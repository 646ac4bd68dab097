// Protected key files (docs/CLI.md "Protected key files"): the whole plain key file sealed under a passphrase
// in the passphrase-protected format of the extension's backups (lib/keyring/backup-file.ts: scrypt, then
// AES-256-GCM), beside the public key line in clear, so pub, fingerprint and safety-number need no passphrase.
// Loaded only for protected files: plain key files never pay for scrypt.
import { z } from 'zod';
import { fromUtf8, utf8 } from '../lib/bytes';
import { C2CError } from '../lib/errors';
import { decryptBackupPayload, encryptBackupPayload } from '../lib/keyring/backup-file';

/** The backup `kind` of a sealed key file: authenticated, so a keyring backup is not taken for a key file. */
const KIND = 'c2c-key';

export interface ProtectedKeyFile {
  suite: string;
  /** The public key line (`c2c pub`), in clear; checked against the private parts when they are opened. */
  publicLine: string;
  /** The sealed plain key file, as the backup format's JSON object. */
  sealed: unknown;
}

const schema = z.strictObject({
  'c2c-key': z.literal(1),
  suite: z.string().max(32),
  public: z.string().min(1).max(4096),
  protected: z.looseObject({}),
});

/** The parts of a key file's JSON that has a `protected` field. */
export function protectedParts(json: object, what: string): ProtectedKeyFile {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new C2CError('malformed', `${what} is a corrupt protected key file`);
  return { suite: parsed.data.suite, publicLine: parsed.data.public, sealed: parsed.data.protected };
}

/** The plain key file text inside; `wrong-passphrase` (nothing else learned) or `tampered`/`malformed`. */
export async function openProtected(file: ProtectedKeyFile, passphrase: string, what: string): Promise<string> {
  let opened;
  try {
    opened = await decryptBackupPayload(JSON.stringify(file.sealed), passphrase);
  } catch (e) {
    if (!(e instanceof C2CError)) throw e;
    const words: Partial<Record<string, string>> = {
      'wrong-passphrase': `${what}: this passphrase does not open the key file`,
      tampered: `${what}: the protected key was altered or damaged`,
    };
    throw new C2CError(e.code, words[e.code] ?? `${what} is a corrupt protected key file`);
  }
  if (opened.kind !== KIND) throw new C2CError('malformed', `${what} holds a Crypt2Chat backup, not a key file`);
  try {
    return fromUtf8(opened.payload);
  } catch {
    throw new C2CError('malformed', `${what}: the protected key is not UTF-8 text`);
  }
}

/** The text of a protected key file holding `plainText`, the key file's plain JSON. */
export async function sealProtected(plainText: string, suite: string, publicLine: string, passphrase: string): Promise<string> {
  const sealed: unknown = JSON.parse(await encryptBackupPayload(utf8(plainText), passphrase, { kind: KIND }));
  return `${JSON.stringify({ 'c2c-key': 1, suite, public: publicLine, protected: sealed }, null, 2)}\n`;
}
