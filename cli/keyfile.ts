// Key files and public keys on the command line. A key file is versioned JSON (docs/CLI.md "Key files"),
// validated with zod and checked for internal consistency on load, so a corrupt or hand-edited file fails
// with one clear error instead of producing messages nobody can open. A protected key file
// (./key-protection.ts) is opened here too, with the passphrase asked for by ./passphrase.ts, so every
// command that loads a key reads protected ones.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { equalBytes, fromBase64Url, fromUtf8, toBase64Url } from '../lib/bytes';
import { C2CError } from '../lib/errors';
import {
  type IdentityKeyPair,
  exportIdentityPrivate,
  fingerprint,
  importIdentityPrivate,
} from '../lib/crypto/identity';
import { type PrekeyPair, exportPrekeyPrivate, importPrekey } from '../lib/crypto/prekey';
import {
  type PublicBundle,
  PUBLIC_BUNDLE_PREFIX,
  decodePublicBundle,
  encodePublicBundle,
} from '../lib/crypto/public-bundle';
import type { LegacyPrivateKey } from '../lib/legacy/legacy-key';
import { MIN_SIGNER_BITS, legacyFingerprint, legacyModulus } from '../lib/legacy/legacy-public-key';
import { STDIO, readInput, replacePrivateFile, writeNewPrivateFile, writeStdout } from './io';

export const KEY_FILE_VERSION = 1;
/** Key files are small; anything bigger is not one. */
const MAX_KEY_FILE_BYTES = 256 * 1024;

export const SUITES = ['modern', 'cryptico'] as const;
export type Suite = (typeof SUITES)[number];

/** A --suite value; never guessed, so anything else is an error. */
export function parseSuite(value: string): Suite {
  if (!(SUITES as readonly string[]).includes(value)) {
    throw new C2CError('unknown-version', `unknown suite "${value.slice(0, 32)}" (known: ${SUITES.join(', ')})`);
  }
  return value as Suite;
}

/** `retiredAt`: when `c2c rotate` replaced it (it is deleted PREKEY_RETENTION_MS later). */
export type KeyFilePrekey = PrekeyPair & { retiredAt?: number };

/** Set on a key loaded from, or to be written as, a protected key file: written back protected the same way. */
export interface KeyProtection {
  passphrase: string;
}

export interface ModernKeyFile {
  suite: 'modern';
  protection?: KeyProtection;
  handle?: string;
  identity: IdentityKeyPair;
  /** Newest first; the first one is published in the public key line. Older ones still open old messages. */
  prekeys: KeyFilePrekey[];
}

export interface LegacyKeyFile {
  suite: 'cryptico';
  protection?: KeyProtection;
  handle?: string;
  key: LegacyPrivateKey;
}

export type KeyFile = ModernKeyFile | LegacyKeyFile;

/** A public key given on the command line: a `c2cpub1.` line, a stock cryptico key string, or a key file. */
export type PublicKey = { suite: 'modern'; bundle: PublicBundle } | { suite: 'cryptico'; publicKey: string };

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url');
const handle = z.string().min(1).max(64).optional();

const modernSchema = z
  .object({
    'c2c-key': z.literal(KEY_FILE_VERSION),
    suite: z.literal('modern'),
    handle,
    identity: z.object({ public: b64url, private: b64url }).strict(),
    prekeys: z
      .array(
        z
          .object({
            public: b64url,
            private: b64url,
            created: z.number().int().nonnegative(),
            signature: b64url,
            retired: z.number().int().nonnegative().optional(),
          })
          .strict(),
      )
      .min(1)
      .max(64),
  })
  .strict();

const legacySchema = z
  .object({
    'c2c-key': z.literal(KEY_FILE_VERSION),
    suite: z.literal('cryptico'),
    handle,
    rsa: z.record(z.string(), z.string().max(4096)),
  })
  .strict();

const headerSchema = z.object({ 'c2c-key': z.number(), suite: z.string().optional() });

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the input, and the input is a private key.
    throw new C2CError('malformed', `${what} is not a c2c key file (not JSON)`);
  }
}

function decodeB64(text: string, what: string): Uint8Array {
  try {
    return fromBase64Url(text);
  } catch {
    throw new C2CError('malformed', `${what}: a key field is not valid base64url`);
  }
}

/** The sealed parts when `json` is a protected key file (its module loads only then). */
async function protectedPartsOf(json: unknown, what: string) {
  if (typeof json !== 'object' || json === null || !('protected' in json)) return undefined;
  const protection = await import('./key-protection');
  return { protection, parts: protection.protectedParts(json, what) };
}

/** Parses key file JSON text; a protected one asks for its passphrase. `what` names the source in errors (a path, or "stdin"). */
export async function parseKeyFile(text: string, what: string): Promise<KeyFile> {
  const json = parseJson(text, what);
  const sealed = await protectedPartsOf(json, what);
  if (sealed === undefined) return parsePlainKeyFile(json, what);
  const { passphraseFor } = await import('./passphrase');
  const passphrase = await passphraseFor(what);
  const inner = parseJson(await sealed.protection.openProtected(sealed.parts, passphrase, what), what);
  if ((await protectedPartsOf(inner, what)) !== undefined) throw new C2CError('malformed', `${what} is protected twice`);
  const key = await parsePlainKeyFile(inner, what);
  if (encodePublicKey(publicKeyOf(key)) !== sealed.parts.publicLine.trim()) {
    throw new C2CError('key-mismatch', `${what}: the public key line does not match the protected key`);
  }
  return { ...key, protection: { passphrase } };
}

async function parsePlainKeyFile(json: unknown, what: string): Promise<KeyFile> {
  const header = headerSchema.safeParse(json);
  if (!header.success) throw new C2CError('malformed', `${what} is not a c2c key file`);
  if (header.data['c2c-key'] !== KEY_FILE_VERSION) {
    throw new C2CError('unknown-version', `${what} is a key file of unsupported version ${header.data['c2c-key']}`);
  }
  if (header.data.suite === 'cryptico') {
    const parsed = legacySchema.safeParse(json);
    if (!parsed.success) throw new C2CError('malformed', `${what} is a corrupt cryptico key file`);
    // Loaded on demand: cryptico is a large script that modern-only runs never need.
    const { importLegacyKey } = await import('../lib/legacy/legacy-key');
    let key: LegacyPrivateKey;
    try {
      key = importLegacyKey(parsed.data.rsa);
    } catch {
      throw new C2CError('malformed', `${what}: the RSA numbers do not form a valid cryptico key`);
    }
    return { suite: 'cryptico', handle: parsed.data.handle, key };
  }
  if (header.data.suite !== 'modern') {
    throw new C2CError('unknown-version', `${what} uses an unknown suite "${String(header.data.suite).slice(0, 32)}"`);
  }
  const parsed = modernSchema.safeParse(json);
  if (!parsed.success) throw new C2CError('malformed', `${what} is a corrupt key file`);
  const f = parsed.data;
  const identityPublic = decodeB64(f.identity.public, what);
  let privateKey: CryptoKey;
  try {
    // Extractable: the CLI writes keys back (e.g. after a prekey rotation).
    privateKey = await importIdentityPrivate(decodeB64(f.identity.private, what), true);
  } catch {
    throw new C2CError('malformed', `${what}: the identity private key is not a valid Ed25519 key`);
  }
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  if (jwk.x === undefined || !equalBytes(decodeB64(jwk.x, what), identityPublic)) {
    throw new C2CError('key-mismatch', `${what}: the identity private key does not match its public key`);
  }
  const prekeys = await Promise.all(
    f.prekeys.map(async (p): Promise<KeyFilePrekey> => {
      const pair = await importPrekey(
        identityPublic,
        {
          publicKey: decodeB64(p.public, what),
          pkcs8: decodeB64(p.private, what),
          created: p.created,
          signature: decodeB64(p.signature, what),
        },
        true,
      );
      return p.retired === undefined ? pair : { ...pair, retiredAt: p.retired };
    }),
  );
  return { suite: 'modern', handle: f.handle, identity: { publicKey: identityPublic, privateKey }, prekeys };
}

async function readText(path: string, limit: number): Promise<{ text: string; what: string }> {
  const what = path === STDIO ? 'stdin' : path;
  const bytes = await readInput(path, limit);
  try {
    return { text: fromUtf8(bytes), what };
  } catch {
    throw new C2CError('malformed', `${what} is not UTF-8 text`);
  }
}

/** Loads and checks a key file (`-` reads it from stdin). */
export async function loadKeyFile(path: string): Promise<KeyFile> {
  const { text, what } = await readText(path, MAX_KEY_FILE_BYTES);
  return parseKeyFile(text, what);
}

/** The public key of a key file (`-`: stdin); a protected one needs no passphrase for it. */
export async function loadKeyFilePublic(path: string): Promise<PublicKey> {
  const { text, what } = await readText(path, MAX_KEY_FILE_BYTES);
  return publicKeyOfKeyFile(text, what);
}

/** The JSON text of a key file, protected when `key.protection` is set. */
export async function serializeKeyFile(key: KeyFile): Promise<string> {
  const plain = await serializePlainKeyFile(key);
  if (key.protection === undefined) return plain;
  const { sealProtected } = await import('./key-protection');
  return sealProtected(plain, key.suite, encodePublicKey(publicKeyOf(key)), key.protection.passphrase);
}

async function serializePlainKeyFile(key: KeyFile): Promise<string> {
  const json =
    key.suite === 'modern'
      ? {
          'c2c-key': KEY_FILE_VERSION,
          suite: 'modern',
          handle: key.handle,
          identity: {
            public: toBase64Url(key.identity.publicKey),
            private: toBase64Url(await exportIdentityPrivate(key.identity.privateKey)),
          },
          prekeys: await Promise.all(
            key.prekeys.map(async (p) => ({
              public: toBase64Url(p.publicKey),
              private: toBase64Url(await exportPrekeyPrivate(p)),
              created: p.created,
              signature: toBase64Url(p.signature),
              ...(p.retiredAt === undefined ? {} : { retired: p.retiredAt }),
            })),
          ),
        }
      : { 'c2c-key': KEY_FILE_VERSION, suite: 'cryptico', handle: key.handle, rsa: key.key.rsa };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Writes a new key file, mode 0600, refusing to overwrite one; `-` writes it to stdout. */
export async function saveKeyFile(path: string, key: KeyFile): Promise<void> {
  const text = await serializeKeyFile(key);
  if (path === STDIO) await writeStdout(text);
  else await writeNewPrivateFile(path, text);
}

/** Replaces a key file in place (rotation): written beside it, mode 0600, then renamed over it. */
export async function replaceKeyFile(path: string, key: KeyFile): Promise<void> {
  await replacePrivateFile(path, await serializeKeyFile(key));
}

/** The public half of a key file, as other people use it. */
export function publicKeyOf(key: KeyFile): PublicKey {
  if (key.suite === 'cryptico') return { suite: 'cryptico', publicKey: key.key.publicKey };
  const prekey = key.prekeys[0]!;
  return {
    suite: 'modern',
    bundle: {
      identityKey: key.identity.publicKey,
      prekey: { publicKey: prekey.publicKey, created: prekey.created, signature: prekey.signature },
      handle: key.handle,
    },
  };
}

/** The one-line form `--to` accepts and `c2c pub` prints. */
export function encodePublicKey(key: PublicKey): string {
  return key.suite === 'modern' ? encodePublicBundle(key.bundle) : key.publicKey;
}

export async function fingerprintOf(key: PublicKey): Promise<string> {
  return key.suite === 'modern' ? fingerprint(key.bundle.identityKey) : legacyFingerprint(key.publicKey);
}

/** Base64 of an RSA modulus, as stock cryptico prints public keys. */
const CRYPTICO_PUBLIC = /^[A-Za-z0-9+/]{40,}={0,2}$/;

/** The public key of a key file's text: a protected one gives its public key line (no passphrase needed). */
async function publicKeyOfKeyFile(text: string, what: string): Promise<PublicKey> {
  const json = parseJson(text, what);
  const sealed = await protectedPartsOf(json, what);
  if (sealed === undefined) return publicKeyOf(await parsePlainKeyFile(json, what));
  const line = sealed.parts.publicLine.trim();
  const pub = line.startsWith('{') ? undefined : await parsePublicText(line, what);
  if (pub === undefined || pub.suite !== sealed.parts.suite) throw new C2CError('malformed', `${what} is a corrupt protected key file`);
  return pub;
}

async function parsePublicText(text: string, what: string): Promise<PublicKey> {
  const line = text.trim();
  if (line.startsWith('{')) return publicKeyOfKeyFile(line, what);
  if (/^c2cpub/.test(line)) return { suite: 'modern', bundle: await decodePublicBundle(line) };
  if (CRYPTICO_PUBLIC.test(line)) {
    legacyModulus(line, MIN_SIGNER_BITS); // validates; the suite enforces its stricter size for encryption
    return { suite: 'cryptico', publicKey: line };
  }
  throw new C2CError('malformed', `${what} is not a public key (expected "${PUBLIC_BUNDLE_PREFIX}…", a cryptico key or a key file)`);
}

/**
 * Resolves a public key argument: a `c2cpub1.` line, a stock cryptico public key string, `-` (stdin), or
 * the path of a key file or of a file holding one public key line. The relay commands use it for --from.
 */
export async function loadPublicKey(textOrPath: string): Promise<PublicKey> {
  const arg = textOrPath.trim();
  if (arg === STDIO || (!arg.startsWith('c2cpub') && existsSync(arg))) {
    const { text, what } = await readText(arg, MAX_KEY_FILE_BYTES);
    return parsePublicText(text, what);
  }
  if (arg.startsWith('c2cpub') || CRYPTICO_PUBLIC.test(arg)) return parsePublicText(arg, 'the public key');
  throw new C2CError('not-found', `no such key file, and not a public key: "${arg.slice(0, 40)}"`);
}
