// Passphrases of protected key files: read from the file named by the global `--passphrase-file` (scripts),
// or asked on the controlling terminal without echo, as age and gpg do. Never from stdin: stdin carries the
// message or the key file itself.
import { openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ReadStream } from 'node:tty';
import { CliError, errorLine } from './io';

/** Far above any passphrase (the backup format takes 1024 characters), far below trouble. */
const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;

let passphraseFile: string | undefined;
let fromFile: Promise<string> | undefined;

/** Where passphrases come from for this run: main.ts sets it from `--passphrase-file`. */
export function usePassphraseFile(path: string | undefined): void {
  passphraseFile = path;
  fromFile = undefined;
}

/** The first line of the passphrase file (without its line ending); an empty one is refused. */
async function readPassphraseFile(path: string): Promise<string> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    throw new CliError(`cannot read the passphrase file: ${errorLine(e).replace(/^c2c: /, '')}`);
  }
  if (data.length > MAX_PASSPHRASE_FILE_BYTES) throw new CliError(`the passphrase file ${path} is too large to hold a passphrase`);
  const line = data.toString('utf8').split('\n')[0]!.replace(/\r$/, '');
  if (line === '') throw new CliError(`the passphrase file ${path} is empty (its first line is the passphrase)`);
  return line;
}

/** Reads one line from the terminal with echo off; Ctrl-C or Ctrl-D on an empty line cancels. */
async function askOnTerminal(prompt: string, needed: string): Promise<string> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    throw new CliError(`${needed}: give it with --passphrase-file FILE (there is no terminal to ask on)`);
  }
  const tty = new ReadStream(fd);
  tty.setRawMode(true);
  const write = (text: string) => new Promise<void>((done) => tty.write(text, () => done()));
  await write(prompt);
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      tty.on('data', (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return resolve(text);
          if (ch === '\u0003' || (ch === '\u0004' && text === '')) return reject(new CliError('cancelled: no passphrase given'));
          if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
          else if (ch >= ' ') text += ch;
        }
      });
      tty.once('error', reject);
    });
  } finally {
    tty.setRawMode(false);
    await write('\n');
    tty.destroy();
  }
}

/** The passphrase that opens `what` (a protected key file). */
export async function passphraseFor(what: string): Promise<string> {
  if (passphraseFile !== undefined) return (fromFile ??= readPassphraseFile(passphraseFile));
  const passphrase = await askOnTerminal(`Passphrase for ${what}: `, `${what} is protected by a passphrase`);
  if (passphrase === '') throw new CliError('cancelled: no passphrase given');
  return passphrase;
}

/** A new passphrase to protect `what`: from the passphrase file, or typed twice on the terminal. */
export async function newPassphraseFor(what: string): Promise<string> {
  if (passphraseFile !== undefined) return (fromFile ??= readPassphraseFile(passphraseFile));
  const needed = `protecting ${what} needs a passphrase`;
  const first = await askOnTerminal(`New passphrase for ${what}: `, needed);
  if (first === '') throw new CliError('cancelled: no passphrase given');
  const again = await askOnTerminal('Repeat it: ', needed);
  if (again !== first) throw new CliError('the two passphrases differ; nothing was written');
  return first;
}
