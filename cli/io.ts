// Shared terminal I/O for every c2c command: bounded reads of files and stdin (`-`), writes to files or
// stdout, and the one-line error report with its exit code.
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { C2CError, type C2CErrorCode } from '../lib/errors';

/** Exit codes (documented in docs/CLI.md). */
export const EXIT = { ok: 0, failure: 1, usage: 2, logAlarm: 3 } as const;

/** Upper bound for anything read from stdin or a file: far above the largest message, far below memory trouble. */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

export const STDIO = '-';

/** A failure of the command line itself (a refused overwrite, a bad option combination): printed as is. */
export class CliError extends Error {
  readonly exitCode: number;
  /** Starts the stderr line; '' for lines scripts match by their first word (`log-inconsistent:`). */
  readonly prefix: string;
  constructor(message: string, exitCode: number = EXIT.failure, prefix = 'c2c: ') {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.prefix = prefix;
  }
}

export async function readStdin(limit = MAX_INPUT_BYTES): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw new C2CError('too-large', `input is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Reads a file, or stdin for `-`, with the same size bound. */
export async function readInput(path: string, limit = MAX_INPUT_BYTES): Promise<Uint8Array> {
  if (path === STDIO) return readStdin(limit);
  const data = await readFile(path);
  if (data.length > limit) throw new C2CError('too-large', `${path} is larger than ${limit} bytes`);
  return new Uint8Array(data);
}

export async function writeStdout(text: string | Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(text, (err) => (err ? reject(err) : resolve())),
  );
}

/** `--json`: one JSON object per line on stdout. */
export async function writeJsonLine(value: Record<string, unknown>): Promise<void> {
  await writeStdout(`${JSON.stringify(value)}\n`);
}

/** The "Example:" section every command's `--help` ends with. */
export function examples(...lines: string[]): string {
  return `\nExample:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export function writeStderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

// Partial: a code added to lib/errors.ts later still prints, as its own name.
const CODE_WORDS: Partial<Record<C2CErrorCode, string>> = {
  malformed: 'not valid input',
  'unknown-version': 'unsupported version or suite',
  checksum: 'checksum mismatch, the text was altered',
  truncated: 'input is incomplete',
  tampered: 'authentication failed, the message was altered or forged',
  'not-addressed': 'this message is not encrypted to your key',
  replayed: 'this message was already opened',
  'bad-signature': 'signature does not verify',
  'key-mismatch': 'the sender is not the expected key',
  'too-large': 'input too large',
  'wrong-passphrase': 'wrong passphrase',
  'weak-passphrase': 'passphrase too weak',
  exists: 'already exists',
  unsupported: 'not supported',
  'not-found': 'not found',
};

const SYSTEM_WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file already exists',
  ECONNREFUSED: 'connection refused',
  EPIPE: 'output closed',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for this system or its limits',
};

/**
 * One line for stderr. C2CError messages are plain words by contract (no plaintext, no keys). Other errors
 * are reduced to their system code and path, because library messages can quote input (JSON.parse does).
 */
export function errorLine(error: unknown): string {
  let line: string;
  if (error instanceof CliError) {
    line = error.message;
  } else if (error instanceof C2CError) {
    line = `${CODE_WORDS[error.code] ?? error.code} (${error.code}): ${error.message}`;
  } else if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') {
    const sys = error as NodeJS.ErrnoException & { address?: string };
    const code = sys.code!;
    const where = sys.path ?? sys.address ?? '';
    line = `${SYSTEM_WORDS[code] ?? 'system error'} (${code})${where ? `: ${where}` : ''}`;
  } else {
    line = `internal error (${error instanceof Error ? error.name : typeof error})`;
  }
  return `${error instanceof CliError ? error.prefix : 'c2c: '}${line.replace(/\s+/g, ' ').trim()}`;
}

/**
 * Replaces a file readable by the owner only: the new text goes to a new file beside it first and is
 * renamed over it, so a crash leaves the old file or the new one, never half of either.
 */
export async function replacePrivateFile(path: string, data: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeNewPrivateFile(temporary, data);
  try {
    await rename(temporary, path);
  } catch (e) {
    await unlink(temporary).catch(() => undefined);
    throw e;
  }
}

/** Writes a new file that must not exist yet (`wx`), readable by the owner only. */
export async function writeNewPrivateFile(path: string, data: string): Promise<void> {
  try {
    await writeFile(path, data, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new C2CError('exists', `${path} exists; refusing to overwrite it`);
    }
    throw e;
  }
}
