// The relay's log key: an Ed25519 key kept in the data folder (`log-key.json`, owner-only), with the log's
// origin fixed when the key is made. It signs checkpoints (C2SP signed notes) and the entries the relay
// itself authors (revocations, adopted handles). The admin command loads the same file.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fromBase64Url, toBase64Url } from '../lib/bytes';
import { contextMessage, SIGNATURE_CONTEXT } from '../lib/crypto/identity';
import { formatVerifierKey, type NoteSigner } from '../lib/keylog/note';

export const LOG_KEY_FILE = 'log-key.json';

export interface LogKey {
  /** The checkpoint origin line and the note key name. */
  origin: string;
  publicKey: Uint8Array;
  /** `<origin>+<key id>+<key>`: what clients pin. */
  verifierKey: string;
  /** Signs an entry's bytes under SIGNATURE_CONTEXT.keyLogEntry (synchronous: runs inside a transaction). */
  signEntry(message: Uint8Array): Uint8Array;
  noteSigner(): Promise<NoteSigner>;
}

interface KeyFile {
  origin: string;
  privateKey: string; // base64url PKCS#8
}

function rawPublic(key: KeyObject): Uint8Array {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return fromBase64Url(jwk.x!);
}

/** A name for a log with no configured origin: stable, because it is derived from the key. */
function defaultOrigin(publicKey: Uint8Array): string {
  return `c2c-relay/${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}`;
}

/**
 * Loads the data folder's log key, making one on first start. `origin` (the `--log-origin` flag) names a
 * new log; for an existing one it must match, because a log's origin never changes.
 */
export function loadLogKey(dataDir: string, origin?: string): LogKey {
  return loadLogKeyFile(join(dataDir, LOG_KEY_FILE), origin);
}

/** The log key in the file at `path`, made on first use (cluster nodes share one file: `--log-key`). */
export function loadLogKeyFile(path: string, origin?: string): LogKey {
  let file: KeyFile;
  if (existsSync(path)) {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
    if (typeof file.origin !== 'string' || typeof file.privateKey !== 'string') throw new Error(`${basename(path)} is damaged`);
    if (origin !== undefined && origin !== file.origin) throw new Error(`this relay's log is named "${file.origin}"; a log's origin cannot change`);
  } else {
    const { privateKey } = generateKeyPairSync('ed25519');
    const der = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    file = { origin: origin ?? defaultOrigin(rawPublic(privateKey)), privateKey: toBase64Url(der) };
    formatVerifierKey(file.origin, rawPublic(privateKey)); // refuses an origin that cannot be a key name
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${JSON.stringify(file)}\n`, { flag: 'wx', mode: 0o600 });
  }
  const der = fromBase64Url(file.privateKey);
  const privateKey = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  const publicKey = rawPublic(privateKey);
  let signer: Promise<NoteSigner> | undefined;
  return {
    origin: file.origin,
    publicKey,
    verifierKey: formatVerifierKey(file.origin, publicKey),
    signEntry: (message) => new Uint8Array(sign(null, contextMessage(SIGNATURE_CONTEXT.keyLogEntry, message), privateKey)),
    noteSigner: () =>
      (signer ??= crypto.subtle
        .importKey('pkcs8', new Uint8Array(der), { name: 'Ed25519' }, false, ['sign'])
        .then((key) => ({ name: file.origin, publicKey, privateKey: key }))),
  };
}
