// File commands: encrypt-file and decrypt-file, streaming in constant memory (lib/files/). decrypt-file
// writes the plaintext beside OUT and renames it to OUT only after the last chunk and the sender's
// signature check out, so OUT never holds unauthenticated or partial plaintext.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { equalBytes } from '../../lib/bytes';
import { C2CError } from '../../lib/errors';
import { fingerprint } from '../../lib/crypto/identity';
import type { PublicBundle } from '../../lib/crypto/public-bundle';
import type { ByteSource } from '../../lib/files/byte-reader';
import type { ProxyAddress } from '../../lib/relay-client/proxy-url';
import { openFile, sealFile } from '../../lib/files/file-crypt';
import { checkMeta } from '../../lib/files/file-header';
import { CliError, EXIT, STDIO, examples, writeStderrLine } from '../io';
import { nodeFilePrimitives } from '../node-file-primitives';
import { type ModernKeyFile, type PublicKey, loadKeyFile, loadPublicKey } from '../keyfile';
import { proxyOption, withProxyOption } from '../proxy-option';
import { writeStreamTo } from '../stream-output';
import { escapeControls } from '../terminal-text';

/** File reads of this size: chunks are cut out of them without copying. */
const READ_SIZE = 1024 * 1024;
/** Read buffers used in turn; ByteSource allows reuse from the third pull on. */
const READ_RING = 3;

/**
 * A file read into a few buffers used in turn, the next read under way while the current chunk is worked
 * on: fresh buffers for every read would leave the garbage collector tens of MiB behind (peak RSS).
 */
async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  const ring = Array.from({ length: READ_RING }, () => Buffer.allocUnsafeSlow(READ_SIZE));
  const readInto = (buffer: Buffer) => handle.read(buffer, 0, READ_SIZE, null).then(({ bytesRead }) => buffer.subarray(0, bytesRead));
  let next = readInto(ring[0]!);
  try {
    for (let i = 1; ; i++) {
      const chunk = await next;
      if (chunk.length === 0) return;
      // Buffer i % READ_RING was handed out two pulls ago: ByteSource allows refilling it now.
      next = readInto(ring[i % READ_RING]!);
      yield chunk;
    }
  } finally {
    await next.catch(() => undefined);
    await handle.close();
  }
}

function inputStream(path: string): ByteSource {
  return path === STDIO ? (process.stdin as AsyncIterable<Uint8Array>) : fileChunks(path);
}

async function modernKeyFile(path: string, flag: string): Promise<ModernKeyFile> {
  const key = await loadKeyFile(path);
  if (key.suite !== 'modern') throw new C2CError('unsupported', `the ${flag} key file is a cryptico key; files need a modern key`);
  return key;
}

function modernBundle(key: PublicKey, flag: string): PublicBundle {
  if (key.suite !== 'modern') throw new C2CError('unsupported', `${flag} names a cryptico key; files need a modern key`);
  return key.bundle;
}

const isPublicKeyArg = (arg: string) => arg.startsWith('c2cpub') || existsSync(arg);

/** Recipients: public key lines and key files, and with --relay, handles looked up in its directory. */
async function recipientBundles(to: string[], relay: string | undefined, proxy: ProxyAddress | undefined): Promise<PublicBundle[]> {
  const handles = relay === undefined ? [] : to.filter((arg) => !isPublicKeyArg(arg.trim()));
  const keys = await Promise.all(to.filter((arg) => !handles.includes(arg)).map(async (arg) => modernBundle(await loadPublicKey(arg), '--to')));
  if (handles.length === 0) return keys;
  // ws and the relay client load only when a handle needs them.
  const { lookupHandles } = await import('./relay');
  return [...keys, ...(await lookupHandles(relay!, proxy, handles))];
}

async function encryptFile(input: string, output: string, opts: { from: string; to: string[]; relay?: string; proxy?: string; name?: string; type: string }) {
  const proxy = proxyOption(opts.proxy);
  if (proxy && opts.relay === undefined) throw new CliError('--proxy is for the relay: give --relay too', EXIT.usage);
  if (opts.to.includes(STDIO)) throw new CliError('--to - is not possible: stdin may carry the file', EXIT.usage);
  if (input === STDIO && opts.from === STDIO) throw new CliError('--from - and IN - cannot both read stdin', EXIT.usage);
  const meta = { name: opts.name ?? (input === STDIO ? '' : basename(input)), type: opts.type };
  checkMeta(meta);
  const [sender, recipients] = await Promise.all([modernKeyFile(opts.from, '--from'), recipientBundles(opts.to, opts.relay, proxy)]);
  await writeStreamTo(output, sealFile({ identity: sender.identity, recipients, meta, input: inputStream(input), primitives: nodeFilePrimitives }), 0o644);
}

async function decryptFile(input: string, output: string, opts: { key: string; from?: string }) {
  if (opts.key === STDIO) throw new CliError('--key - is not possible: the key file must be a file', EXIT.usage);
  const [key, expected] = await Promise.all([
    modernKeyFile(opts.key, '--key'),
    opts.from === undefined ? undefined : loadPublicKey(opts.from).then((k) => modernBundle(k, '--from')),
  ]);
  const opened = await openFile(inputStream(input), { identity: key.identity, prekeys: key.prekeys }, { primitives: nodeFilePrimitives });
  const sender = await fingerprint(opened.sender);
  if (expected !== undefined && !equalBytes(opened.sender, expected.identityKey)) {
    await opened.plaintext.return(undefined);
    throw new C2CError('key-mismatch', `the file was sent by ${sender}, not by the --from key`);
  }
  // Decrypted content is as private as the key that opened it.
  await writeStreamTo(output, opened.plaintext, 0o600);
  // Reported only once everything authenticated: a failure stays one line.
  writeStderrLine(`sender: ${sender}`);
  writeStderrLine(`status: ${expected === undefined ? 'unverified' : 'verified'}`);
  writeStderrLine(`name: ${escapeControls(opened.meta.name)}`);
  writeStderrLine(`type: ${opened.meta.type}`);
}

export function registerFileCommands(program: Command): void {
  withProxyOption(program.command('encrypt-file'))
    .description('encrypt a file of any size (IN, or - for stdin) to OUT (or - for stdout), streaming')
    .argument('<in>', 'the file to encrypt, or - for stdin')
    .argument('<out>', 'the encrypted file to write, or - for stdout')
    .requiredOption('--from <file>', 'your key file (signs the file; you can decrypt it too)')
    .requiredOption('--to <key>', 'recipient public key line, key file, or with --relay a handle (repeat for several)', (v: string, all: string[] = []) => [...all, v])
    .option('--relay <url>', 'look up --to handles in this relay’s directory')
    .option('--name <name>', 'the file name stored inside the encryption (default: the name of IN; none for stdin)')
    .option('--type <type>', 'the media type stored inside the encryption, e.g. image/png', '')
    .addHelpText('after', examples('c2c encrypt-file --from alice.key --to bob.pub photo.jpg photo.jpg.c2c', 'tar c notes | c2c encrypt-file --from alice.key --to bob --relay ws://127.0.0.1:8787 - notes.tar.c2c'))
    .action((input: string, output: string, opts: { from: string; to: string[]; relay?: string; proxy?: string; name?: string; type: string }) => encryptFile(input, output, opts));

  program
    .command('decrypt-file')
    .description('decrypt an encrypted file (IN, or - for stdin) to OUT (or - for stdout); sender, name and type go to stderr')
    .argument('<in>', 'the encrypted file, or - for stdin')
    .argument('<out>', 'where to write the plaintext, or - for stdout (an error after the start then leaves plaintext already written)')
    .requiredOption('--key <file>', 'your key file')
    .option('--from <key>', 'the public key the file must come from')
    .addHelpText('after', examples('c2c decrypt-file --key bob.key --from alice.pub photo.jpg.c2c photo.jpg', 'c2c decrypt-file --key bob.key notes.tar.c2c - | tar x'))
    .action((input: string, output: string, opts: { key: string; from?: string }) => decryptFile(input, output, opts));
}
