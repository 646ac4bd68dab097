// protect, unprotect: seal a key file's private parts under a passphrase, or take the protection off
// (docs/CLI.md "Protected key files"). The file is replaced atomically (written beside it, mode 0600,
// renamed over it), so a failure, a wrong passphrase included, leaves it as it was.
import type { Command } from 'commander';
import { CliError, STDIO, examples } from '../io';
import { loadKeyFile, replaceKeyFile } from '../keyfile';
import { newPassphraseFor } from '../passphrase';

function fileArg(file: string): string {
  if (file === STDIO) throw new CliError('protect and unprotect change a key file in place: give its path, not -');
  return file;
}

async function protect(file: string): Promise<void> {
  const key = await loadKeyFile(fileArg(file));
  if (key.protection !== undefined) throw new CliError(`${file} is protected already (c2c unprotect takes the protection off)`);
  await replaceKeyFile(file, { ...key, protection: { passphrase: await newPassphraseFor(file) } });
  process.stderr.write(`${file} is protected: commands that use it ask for its passphrase\n`);
}

async function unprotect(file: string): Promise<void> {
  const key = await loadKeyFile(fileArg(file));
  if (key.protection === undefined) throw new CliError(`${file} is not protected`);
  await replaceKeyFile(file, { ...key, protection: undefined });
  process.stderr.write(`${file} is no longer protected: its private keys are in clear (mode 0600)\n`);
}

export function registerProtectCommands(program: Command): void {
  program
    .command('protect')
    .description('encrypt the private keys of a key file with a passphrase (scrypt, AES-256-GCM)')
    .argument('<file>', 'key file to protect in place')
    .addHelpText('after', examples('c2c protect alice.key                              # asks for a new passphrase twice', 'c2c protect alice.key --passphrase-file pass.txt  # or reads it from a file'))
    .action(protect);
  program
    .command('unprotect')
    .description('decrypt the private keys of a protected key file, leaving them in clear')
    .argument('<file>', 'protected key file')
    .addHelpText('after', examples('c2c unprotect alice.key'))
    .action(unprotect);
}
