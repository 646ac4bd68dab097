// Key commands: keygen, pub, fingerprint, safety-number.
import type { Command } from 'commander';
import { generateIdentity } from '../../lib/crypto/identity';
import { generatePrekey } from '../../lib/crypto/prekey';
import { safetyNumber } from '../../lib/crypto/safety-number';
import type { LegacyKeyBits } from '../../lib/legacy/legacy-key';
import { normalizeKeyringHandle } from '../../lib/keyring/handle';
import { C2CError } from '../../lib/errors';
import { CliError, EXIT, STDIO, examples, writeJsonLine, writeStdout } from '../io';
import { newPassphraseFor } from '../passphrase';
import {
  type KeyFile,
  encodePublicKey,
  fingerprintOf,
  loadKeyFilePublic,
  loadPublicKey,
  parseSuite,
  publicKeyOf,
  saveKeyFile,
  type Suite,
} from '../keyfile';

async function generateKeyFile(suite: Suite, handle: string | undefined, bits: number | undefined): Promise<KeyFile> {
  if (suite === 'cryptico') {
    const { generateLegacyKey } = await import('../../lib/legacy/legacy-key'); // cryptico loads on demand
    return { suite, handle, key: await generateLegacyKey(bits as LegacyKeyBits | undefined) };
  }
  if (bits !== undefined) throw new CliError('--bits applies to the cryptico suite only', EXIT.usage);
  const identity = await generateIdentity(true);
  return { suite, handle, identity, prekeys: [await generatePrekey(identity, { extractable: true })] };
}

function parseBits(value: string): number {
  const bits = Number(value);
  if (!Number.isSafeInteger(bits)) throw new CliError(`--bits must be a number, not "${value.slice(0, 16)}"`, EXIT.usage);
  return bits;
}

export function registerKeyCommands(program: Command): void {
  program
    .command('keygen')
    .description('create a key file and print its public key and fingerprint')
    .requiredOption('--out <file>', 'where to write the new key file (mode 0600; never overwritten; - for stdout)')
    .option('--suite <suite>', 'modern, or cryptico for the legacy CRYPT2CHAT suite', 'modern')
    .option('--handle <name>', 'a name to put in the public key')
    .option('--bits <n>', 'RSA size for the cryptico suite', parseBits)
    .option('--protect', 'encrypt the private keys with a passphrase (asked twice, or --passphrase-file)')
    .addHelpText('after', examples('c2c keygen --out alice.key --handle alice', 'c2c keygen --out alice.key --protect --passphrase-file pass.txt'))
    .action(async (opts: { out: string; suite: string; handle?: string; bits?: number; protect?: boolean }) => {
      const suite = parseSuite(opts.suite);
      const handle = opts.handle === undefined ? undefined : normalizeKeyringHandle(opts.handle);
      // The passphrase first: a mistyped confirmation costs no key generation.
      const protection = opts.protect ? { passphrase: await newPassphraseFor(opts.out === STDIO ? 'the new key' : opts.out) } : undefined;
      const key = await generateKeyFile(suite, handle, opts.bits);
      await saveKeyFile(opts.out, { ...key, protection });
      const pub = publicKeyOf(key);
      const summary = `${encodePublicKey(pub)}\n${await fingerprintOf(pub)}\n`;
      // With --out - the key file owns stdout; the summary moves to stderr.
      if (opts.out === STDIO) process.stderr.write(summary);
      else await writeStdout(summary);
    });

  program
    .command('pub')
    .description('print the public key of a key file (one line, as --to accepts it)')
    .argument('<file>', 'key file, or - for stdin')
    .addHelpText('after', examples('c2c pub alice.key > alice.pub'))
    .action(async (file: string) => {
      await writeStdout(`${encodePublicKey(await loadKeyFilePublic(file))}\n`);
    });

  program
    .command('fingerprint')
    .description('print the fingerprint of a public key')
    .argument('<key>', 'public key line, cryptico public key, key file, or - for stdin')
    .option('--json', 'print {"suite", "fingerprint"} as one JSON line')
    .addHelpText('after', examples('c2c fingerprint bob.pub', 'c2c fingerprint --json alice.key'))
    .action(async (key: string, opts: { json?: boolean }) => {
      const pub = await loadPublicKey(key);
      const fp = await fingerprintOf(pub);
      if (opts.json) await writeJsonLine({ suite: pub.suite, fingerprint: fp });
      else await writeStdout(`${fp}\n`);
    });

  program
    .command('safety-number')
    .description('print the 60-digit safety number of two modern public keys (the same both ways)')
    .argument('<a>', 'public key line or key file')
    .argument('<b>', 'public key line or key file')
    .option('--json', 'print {"safetyNumber"} as one JSON line')
    .addHelpText('after', examples('c2c safety-number alice.key bob.pub'))
    .action(async (a: string, b: string, opts: { json?: boolean }) => {
      const [ka, kb] = await Promise.all([loadPublicKey(a), loadPublicKey(b)]);
      if (ka.suite !== 'modern' || kb.suite !== 'modern') {
        throw new C2CError('unsupported', 'safety numbers exist for modern keys only; compare cryptico fingerprints instead');
      }
      const number = await safetyNumber(ka.bundle.identityKey, kb.bundle.identityKey);
      if (opts.json) await writeJsonLine({ safetyNumber: number });
      else await writeStdout(`${number}\n`);
    });
}
