// c2c encrypt-file / decrypt-file as real child processes: round trips through files and through
// stdin/stdout, --from checks, and failures that must leave nothing under the output name (a cut or altered
// file, someone else's file, a wrong --from) and a full disk (stdout on /dev/full; a file-size limit).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat } from '../../../lib/bytes';
import { SEGMENT_SIZE } from '../../../lib/files/file-crypt';
import { prebuilt } from '../../prebuilt/paths';
import { bodyAt, noise } from '../files/file-fixtures';
import { c2c, expectFailure, expectOk, FINGERPRINT, report, type RunResult, keygenAll, tempDir } from './run-cli';

const { dir, cleanup } = tempDir();
const pub: Record<string, string> = {};
const fp: Record<string, string> = {};
const at = (name: string) => join(dir, name);
const KIB = 1024;

/** Files in the test folder that are not keys or inputs we made: leftovers of a failed write. */
const leftovers = () => readdirSync(dir).filter((f) => f.endsWith('.part'));

/**
 * Runs `command args`, with stdout on the file descriptor `stdoutFd` (e.g. /dev/full) or ignored; with
 * `stdin`, feeds it its first part, waits, then the rest (so the program waits on its input for a while).
 */
function run(command: string, args: string[], stdoutFd: number | 'ignore' = 'ignore', stdin?: [Uint8Array, Uint8Array]): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: dir, stdio: [stdin ? 'pipe' : 'ignore', stdoutFd, 'pipe'] });
    if (stdin) {
      child.stdin!.on('error', () => {}); // it may have exited already
      child.stdin!.write(stdin[0]);
      setTimeout(() => child.stdin!.end(stdin[1]), 1000);
    }
    const err: Buffer[] = [];
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: '', stderr: Buffer.concat(err).toString('utf8'), stdoutBytes: Buffer.alloc(0) }));
  });
}

const c2cToFd = (args: string[], stdoutFd: number) => run(process.execPath, [prebuilt('c2c'), ...args], stdoutFd);
/** c2c under a file-size limit (util-linux prlimit): past it a write fails as on a full disk (EFBIG). */
const c2cWithFileLimit = (bytes: number, args: string[], stdin: [Uint8Array, Uint8Array]) => run('prlimit', [`--fsize=${bytes}`, process.execPath, prebuilt('c2c'), ...args], 'ignore', stdin);

beforeAll(async () => {
  const made = await keygenAll(dir, ['alice', 'bob', 'carol', 'mallory']);
  Object.assign(pub, made.pub);
  Object.assign(fp, made.fp);
}, 180_000);
afterAll(cleanup);

describe('c2c encrypt-file / decrypt-file', { timeout: 180_000 }, () => {
  it.each([
    ['empty', 0],
    ['exactly 64 KiB', 64 * KIB],
    ['several chunks', 3 * 64 * KIB + 777],
  ])('%s: round trip through files; the report names sender, status, name and type', async (label, size) => {
    const data = noise(size);
    const name = `in-${size}.bin`;
    writeFileSync(at(name), data);
    expectOk(await c2c(dir, ['encrypt-file', '--from', 'alice.key', '--to', pub.bob!, '--type', 'application/octet-stream', name, `${name}.c2c`]));
    const sealed = readFileSync(at(`${name}.c2c`));
    expect(sealed[0], label).toBe(0x05);
    const r = await c2c(dir, ['decrypt-file', '--key', 'bob.key', '--from', 'alice.key', `${name}.c2c`, `${name}.out`]);
    expectOk(r);
    expect(r.stdout).toBe('');
    expect(report(r)).toEqual({ sender: fp.alice, status: 'verified', name, type: 'application/octet-stream' });
    expect(Buffer.compare(readFileSync(at(`${name}.out`)), data)).toBe(0);
    // Plaintext is as private as the key that opened it.
    expect(statSync(at(`${name}.out`)).mode & 0o777).toBe(0o600);
    expect(leftovers()).toEqual([]);
  });

  it('stdin to stdout both ways (several chunks); the sender and every recipient read it', async () => {
    const data = noise(200 * KIB + 3);
    const sealed = await c2c(dir, ['encrypt-file', '--from', 'alice.key', '--to', pub.bob!, '--to', 'carol.key', '--name', 'photo.jpg', '-', '-'], data);
    expectOk(sealed);
    for (const who of ['bob', 'carol', 'alice']) {
      const r = await c2c(dir, ['decrypt-file', '--key', `${who}.key`, '-', '-'], sealed.stdoutBytes);
      expectOk(r);
      expect(Buffer.compare(r.stdoutBytes, data), who).toBe(0);
      expect(report(r)).toMatchObject({ sender: fp.alice, status: 'unverified', name: 'photo.jpg', type: '' });
    }
    expect(fp.alice).toMatch(FINGERPRINT);
  });

  it('a wrong --from: key-mismatch, no output file, nothing left behind', async () => {
    writeFileSync(at('w.bin'), noise(1000));
    expectOk(await c2c(dir, ['encrypt-file', '--from', 'alice.key', '--to', pub.bob!, 'w.bin', 'w.c2c']));
    expectFailure(await c2c(dir, ['decrypt-file', '--key', 'bob.key', '--from', pub.mallory!, 'w.c2c', 'w.out']), 'key-mismatch');
    expect(existsSync(at('w.out'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('a file for someone else: not-addressed, no output file', async () => {
    expectFailure(await c2c(dir, ['decrypt-file', '--key', 'mallory.key', 'w.c2c', 'm.out']), 'not-addressed');
    expect(existsSync(at('m.out'))).toBe(false);
  });

  describe('a cut or altered file never leaves plaintext under the output name', () => {
    let sealed: Uint8Array;
    beforeAll(async () => {
      writeFileSync(at('big.bin'), noise(6 * 64 * KIB));
      expectOk(await c2c(dir, ['encrypt-file', '--from', 'alice.key', '--to', pub.bob!, 'big.bin', 'big.c2c']));
      sealed = new Uint8Array(readFileSync(at('big.c2c')));
    });

    it('cut at a chunk edge (final chunk gone): truncated; an existing output file keeps its old content', async () => {
      writeFileSync(at('cut.c2c'), sealed.subarray(0, sealed.length - (8 + 64 + 16)));
      writeFileSync(at('cut.out'), 'old content');
      expectFailure(await c2c(dir, ['decrypt-file', '--key', 'bob.key', 'cut.c2c', 'cut.out']), 'truncated');
      expect(readFileSync(at('cut.out'), 'utf8')).toBe('old content');
      expect(leftovers()).toEqual([]);
    });

    it('an altered chunk after several good ones (plaintext already written aside): tampered, no output', async () => {
      const bad = sealed.slice();
      bad[bodyAt(bad) + 4 * SEGMENT_SIZE + 10]! ^= 1;
      writeFileSync(at('bad.c2c'), bad);
      expectFailure(await c2c(dir, ['decrypt-file', '--key', 'bob.key', 'bad.c2c', 'bad.out']), /\(tampered\): chunk 5 /);
      expect(existsSync(at('bad.out'))).toBe(false);
      expect(leftovers()).toEqual([]);
    });

    it('chunks swapped: tampered; the same through stdin: nothing on stdout', async () => {
      const head = sealed.subarray(0, bodyAt(sealed));
      const c0 = sealed.subarray(head.length, head.length + SEGMENT_SIZE);
      const c1 = sealed.subarray(head.length + SEGMENT_SIZE, head.length + 2 * SEGMENT_SIZE);
      const swapped = concat(head, c1, c0, sealed.subarray(head.length + 2 * SEGMENT_SIZE));
      expectFailure(await c2c(dir, ['decrypt-file', '--key', 'bob.key', '-', '-'], swapped), 'tampered');
    });

    it('not an encrypted file at all: one line, nothing written', async () => {
      writeFileSync(at('plain.txt'), 'hello, this is not encrypted');
      expectFailure(await c2c(dir, ['decrypt-file', '--key', 'bob.key', 'plain.txt', 'plain.out']), 'unknown-version');
      expect(existsSync(at('plain.out'))).toBe(false);
    });
  });

  it('a full disk (stdout on /dev/full): one error line naming ENOSPC, exit 1', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const enc = await c2cToFd(['encrypt-file', '--from', 'alice.key', '--to', pub.bob!, 'big.bin', '-'], full);
      expectFailure(enc, 'ENOSPC');
      const dec = await c2cToFd(['decrypt-file', '--key', 'bob.key', 'big.c2c', '-'], full);
      expectFailure(dec, 'ENOSPC');
    } finally {
      closeSync(full);
    }
  });

  it('a full disk while writing a file (a file-size limit, EFBIG): one line, no output, no partial file', async () => {
    // The input comes in two parts, a second apart: the first 1 MiB batch is written (in part, to the limit)
    // and fails while the program waits for more input, which is when a failure must not end it early.
    const limit = 100 * KIB;
    const data = noise(3 * 1024 * KIB);
    const halves = (b: Uint8Array): [Uint8Array, Uint8Array] => [b.subarray(0, 1.5 * 1024 * KIB), b.subarray(1.5 * 1024 * KIB)];
    writeFileSync(at('kept.out'), 'old content');
    const enc = await c2cWithFileLimit(limit, ['encrypt-file', '--from', 'alice.key', '--to', pub.bob!, '-', 'limited.c2c'], halves(data));
    expectFailure(enc, /file too large .*\(EFBIG\)/);
    expect(existsSync(at('limited.c2c'))).toBe(false);
    expect(leftovers()).toEqual([]);
    const sealed = await c2c(dir, ['encrypt-file', '--from', 'alice.key', '--to', pub.bob!, '-', '-'], data);
    expectOk(sealed);
    const dec = await c2cWithFileLimit(limit, ['decrypt-file', '--key', 'bob.key', '-', 'kept.out'], halves(sealed.stdoutBytes));
    expectFailure(dec, /file too large .*\(EFBIG\)/);
    expect(readFileSync(at('kept.out'), 'utf8')).toBe('old content');
    expect(leftovers()).toEqual([]);
  });

  it('usage errors: a missing input, a device as OUT, a cryptico key, --to -', async () => {
    expectFailure(await c2c(dir, ['encrypt-file', '--from', 'alice.key', '--to', pub.bob!, 'nope.bin', 'nope.c2c']), /no such file/);
    expect(existsSync(at('nope.c2c'))).toBe(false);
    expectFailure(await c2c(dir, ['decrypt-file', '--key', 'bob.key', 'big.c2c', '/dev/null']), /not a regular file/);
    expectFailure(await c2c(dir, ['encrypt-file', '--from', 'alice.key', '--to', '-', 'big.bin', 'x.c2c']), /--to -/);
    expectOk(await c2c(dir, ['keygen', '--out', 'legacy.key', '--suite', 'cryptico']));
    expectFailure(await c2c(dir, ['encrypt-file', '--from', 'legacy.key', '--to', pub.bob!, 'big.bin', 'x.c2c']), 'unsupported');
    expect(leftovers()).toEqual([]);
  });
});
