// Protected key files (keygen --protect, protect, unprotect, --passphrase-file, the terminal prompt) and
// the bad inputs around them, run as real child processes. Each open runs the real scrypt (N = 2^17), so
// independent runs go in parallel.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prebuilt } from '../../prebuilt/paths';
import { FINGERPRINT, c2c, expectFailure, expectOk, tempDir } from './run-cli';

const { dir, cleanup } = tempDir();
const at = (name: string) => join(dir, name);
const PASSPHRASE = 'correct horse battery staple';
let plainText = ''; // plain.key as keygen wrote it
let plainPub = '';
let lockedPub = '';
let lockedFp = '';

/** Every file in the folder with its bytes: a failed command must leave all of them as they were. */
function snapshot(): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(at(f), 'base64')]));
}

beforeAll(async () => {
  writeFileSync(at('pass.txt'), `${PASSPHRASE}\n`);
  writeFileSync(at('pass-crlf.txt'), `${PASSPHRASE}\r\nsecond line ignored\n`);
  writeFileSync(at('wrong.txt'), 'not the passphrase at all\n');
  writeFileSync(at('empty.txt'), '');
  writeFileSync(at('blank-line.txt'), '\nthe passphrase is the first line\n');
  const [locked, plain] = await Promise.all([
    c2c(dir, ['keygen', '--out', 'locked.key', '--handle', 'alice', '--protect', '--passphrase-file', 'pass.txt']),
    c2c(dir, ['keygen', '--out', 'plain.key', '--handle', 'bob']),
  ]);
  expectOk(locked);
  expectOk(plain);
  [lockedPub = '', lockedFp = ''] = locked.stdout.trimEnd().split('\n');
  plainPub = plain.stdout.split('\n')[0]!;
  plainText = readFileSync(at('plain.key'), 'utf8');
  const message = await c2c(dir, ['encrypt', '--from', 'plain.key', '--to', lockedPub, '--out', 'to-alice.txt'], 'hi Alice\n');
  expectOk(message);
}, 120_000);
afterAll(cleanup);

describe('keygen --protect', { timeout: 120_000 }, () => {
  it('writes no private key in clear, mode 0600, and its public key line in clear', () => {
    expect(statSync(at('locked.key')).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(at('locked.key'), 'utf8'));
    expect(Object.keys(file).sort()).toEqual(['c2c-key', 'protected', 'public', 'suite']);
    expect(file.public).toBe(lockedPub);
    expect(file.protected).toMatchObject({ format: 'c2c-backup', kind: 'c2c-key', kdf: { name: 'scrypt', N: 2 ** 17 }, cipher: { name: 'AES-256-GCM' } });
    expect(JSON.stringify(file)).not.toMatch(/"private"/);
  });

  it('pub, fingerprint and encrypt --to read it without the passphrase', async () => {
    const [pub, fp] = await Promise.all([c2c(dir, ['pub', 'locked.key']), c2c(dir, ['fingerprint', 'locked.key'])]);
    expectOk(pub);
    expectOk(fp);
    expect(pub.stdout).toBe(`${lockedPub}\n`);
    expect(fp.stdout).toBe(`${lockedFp}\n`);
    expect(lockedFp).toMatch(FINGERPRINT);
  });

  it('opens with --passphrase-file, before or after the command name, first line only', async () => {
    const [after, before] = await Promise.all([
      c2c(dir, ['decrypt', '--key', 'locked.key', '--passphrase-file', 'pass-crlf.txt', '--in', 'to-alice.txt', '--json']),
      c2c(dir, ['--passphrase-file', 'pass.txt', 'encrypt', '--from', 'locked.key', '--to', plainPub], 'hi Bob'),
    ]);
    expectOk(after);
    expect(JSON.parse(after.stdout)).toMatchObject({ text: 'hi Alice\n', status: 'unverified' });
    expectOk(before);
    const opened = await c2c(dir, ['decrypt', '--key', 'plain.key', '--from', 'locked.key'], before.stdout);
    expectOk(opened);
    expect(opened.stdout).toBe('hi Bob');
  });
});

describe('protect and unprotect', { timeout: 120_000 }, () => {
  it('protect seals a plain key file in place; unprotect gives back the same file', async () => {
    writeFileSync(at('round.key'), plainText, { mode: 0o600 });
    const protect = await c2c(dir, ['protect', 'round.key', '--passphrase-file', 'pass.txt']);
    expectOk(protect);
    expect(protect.stderr).toMatch(/^round\.key is protected/);
    const sealed = readFileSync(at('round.key'), 'utf8');
    expect(JSON.parse(sealed).public).toBe(plainPub);
    expect(sealed).not.toContain(JSON.parse(plainText).identity.private);
    expect(statSync(at('round.key')).mode & 0o777).toBe(0o600);
    const [pub, again] = await Promise.all([
      c2c(dir, ['pub', 'round.key']),
      c2c(dir, ['protect', 'round.key', '--passphrase-file', 'pass.txt']),
    ]);
    expect(pub.stdout).toBe(`${plainPub}\n`);
    expectFailure(again, /protected already/);
    const unprotect = await c2c(dir, ['unprotect', 'round.key', '--passphrase-file', 'pass.txt']);
    expectOk(unprotect);
    expect(readFileSync(at('round.key'), 'utf8')).toBe(plainText);
    expect(statSync(at('round.key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('protects a cryptico key file too: pub without the passphrase, the same key after unprotect', async () => {
    const made = await c2c(dir, ['keygen', '--suite', 'cryptico', '--bits', '1024', '--out', 'legacy.key', '--protect', '--passphrase-file', 'pass.txt']);
    expectOk(made);
    const publicKey = made.stdout.split('\n')[0]!;
    const pub = await c2c(dir, ['pub', 'legacy.key']);
    expect(pub.stdout).toBe(`${publicKey}\n`);
    expect(readFileSync(at('legacy.key'), 'utf8')).not.toMatch(/"rsa"/);
    expectOk(await c2c(dir, ['unprotect', 'legacy.key', '--passphrase-file', 'pass.txt']));
    const plain = JSON.parse(readFileSync(at('legacy.key'), 'utf8'));
    expect(plain).toMatchObject({ 'c2c-key': 1, suite: 'cryptico' });
    expect((await c2c(dir, ['pub', 'legacy.key'])).stdout).toBe(`${publicKey}\n`);
  });

  it('refuses a passphrase under 10 characters, and unprotect of a plain file, leaving it as it was', async () => {
    writeFileSync(at('short.txt'), 'short\n');
    const before = snapshot();
    const [weak, plain] = await Promise.all([
      c2c(dir, ['protect', 'plain.key', '--passphrase-file', 'short.txt']),
      c2c(dir, ['unprotect', 'plain.key', '--passphrase-file', 'pass.txt']),
    ]);
    expectFailure(weak, 'weak-passphrase');
    expectFailure(plain, /plain\.key is not protected/);
    expect(snapshot()).toEqual(before);
  });
});

describe('bad input: one line, non-zero exit, the key file untouched', { timeout: 120_000 }, () => {
  it('a wrong passphrase, for every command that opens the key', async () => {
    const before = snapshot();
    const runs = await Promise.all([
      c2c(dir, ['decrypt', '--key', 'locked.key', '--passphrase-file', 'wrong.txt', '--in', 'to-alice.txt']),
      c2c(dir, ['unprotect', 'locked.key', '--passphrase-file', 'wrong.txt']),
      c2c(dir, ['rotate', '--key', 'locked.key', '--passphrase-file', 'wrong.txt']),
    ]);
    for (const r of runs) {
      expectFailure(r, 'wrong-passphrase', [PASSPHRASE]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('c2c: wrong passphrase (wrong-passphrase): locked.key: this passphrase does not open the key file\n');
    }
    expect(snapshot()).toEqual(before);
  });

  it('a missing, empty or blank-first-line passphrase file; no passphrase and no terminal', async () => {
    const before = snapshot();
    const [missing, empty, blank, none, protectMissing] = await Promise.all([
      c2c(dir, ['decrypt', '--key', 'locked.key', '--passphrase-file', 'no-such.txt', '--in', 'to-alice.txt']),
      c2c(dir, ['unprotect', 'locked.key', '--passphrase-file', 'empty.txt']),
      c2c(dir, ['decrypt', '--key', 'locked.key', '--passphrase-file', 'blank-line.txt', '--in', 'to-alice.txt']),
      c2c(dir, ['decrypt', '--key', 'locked.key', '--in', 'to-alice.txt']),
      c2c(dir, ['protect', 'plain.key', '--passphrase-file', 'no-such.txt']),
    ]);
    expectFailure(missing, /^c2c: cannot read the passphrase file: no such file \(ENOENT\): no-such\.txt$/);
    expectFailure(empty, /^c2c: the passphrase file empty\.txt is empty/);
    expectFailure(blank, /^c2c: the passphrase file blank-line\.txt is empty/);
    expectFailure(none, /^c2c: locked\.key is protected by a passphrase: give it with --passphrase-file FILE/);
    expectFailure(protectMissing, /cannot read the passphrase file/);
    for (const r of [missing, empty, blank, none, protectMissing]) expect(r.code).toBe(1);
    expect(snapshot()).toEqual(before);
  });

  it('a corrupted or truncated key file, protected or not', async () => {
    const locked = readFileSync(at('locked.key'), 'utf8');
    const file = JSON.parse(locked);
    const flipped = file.protected.ciphertext.startsWith('A') ? `B${file.protected.ciphertext.slice(1)}` : `A${file.protected.ciphertext.slice(1)}`;
    writeFileSync(at('tampered.key'), JSON.stringify({ ...file, protected: { ...file.protected, ciphertext: flipped } }), { mode: 0o600 });
    writeFileSync(at('cut.key'), locked.slice(0, Math.floor(locked.length / 2)), { mode: 0o600 });
    writeFileSync(at('cut-plain.key'), plainText.slice(0, plainText.length - 40), { mode: 0o600 });
    writeFileSync(at('other-public.key'), JSON.stringify({ ...file, public: plainPub }), { mode: 0o600 });
    writeFileSync(at('no-public.key'), JSON.stringify({ ...file, public: undefined }), { mode: 0o600 });
    const before = snapshot();
    const [tampered, cut, cutPlain, otherPublic, noPublic, cutPub] = await Promise.all([
      c2c(dir, ['unprotect', 'tampered.key', '--passphrase-file', 'pass.txt']),
      c2c(dir, ['unprotect', 'cut.key', '--passphrase-file', 'pass.txt']),
      c2c(dir, ['protect', 'cut-plain.key', '--passphrase-file', 'pass.txt']),
      c2c(dir, ['decrypt', '--key', 'other-public.key', '--passphrase-file', 'pass.txt', '--in', 'to-alice.txt']),
      c2c(dir, ['pub', 'no-public.key']),
      c2c(dir, ['fingerprint', 'cut.key']),
    ]);
    expectFailure(tampered, /\(tampered\): tampered\.key: the protected key was altered or damaged$/);
    expectFailure(cut, /\(malformed\): cut\.key is not a c2c key file \(not JSON\)$/);
    expectFailure(cutPlain, /\(malformed\): cut-plain\.key is not a c2c key file/);
    expectFailure(otherPublic, /\(key-mismatch\): other-public\.key: the public key line does not match the protected key$/);
    expectFailure(noPublic, /\(malformed\): no-public\.key is a corrupt protected key file$/);
    expectFailure(cutPub, 'malformed');
    expect(snapshot()).toEqual(before);
  });

  it('unknown flags: one usage line, exit 2', async () => {
    const before = snapshot();
    const runs = await Promise.all([
      c2c(dir, ['protect', 'plain.key', '--pasphrase-file', 'pass.txt']),
      c2c(dir, ['--bogus', 'pub', 'plain.key']),
      c2c(dir, ['fingerprint', '--jsn', 'plain.key']),
    ]);
    for (const r of runs) {
      expectFailure(r, /^c2c: error: unknown option '--(pasphrase-file|bogus|jsn)'$/);
      expect(r.code).toBe(2);
    }
    expect(snapshot()).toEqual(before);
  });
});

describe('the passphrase prompt on a terminal', { timeout: 120_000 }, () => {
  /** Runs c2c under a real pseudo-terminal (util-linux `script`), typing each answer after its prompt. */
  function onTerminal(args: string[], answers: { prompt: RegExp; type: string }[]): Promise<{ code: number | null; output: string }> {
    const quoted = [process.execPath, prebuilt('c2c'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', quoted, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      const pending = [...answers];
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        // Typed only once the prompt shows: echo is off by then.
        if (pending[0]?.prompt.test(output)) child.stdin.write(`${pending.shift()!.type}\r`);
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  it('asks without echo; a new passphrase is asked twice', async () => {
    writeFileSync(at('typed.key'), plainText, { mode: 0o600 });
    const protect = await onTerminal(['protect', 'typed.key'], [
      { prompt: /New passphrase for typed\.key: $/, type: PASSPHRASE },
      { prompt: /Repeat it: $/, type: PASSPHRASE },
    ]);
    expect(protect.output).not.toContain(PASSPHRASE);
    expect(protect.code, protect.output).toBe(0);
    const opened = await onTerminal(['unprotect', 'typed.key'], [{ prompt: /Passphrase for typed\.key: $/, type: PASSPHRASE }]);
    expect(opened.output).not.toContain(PASSPHRASE);
    expect(opened.code, opened.output).toBe(0);
    expect(readFileSync(at('typed.key'), 'utf8')).toBe(plainText);
  });

  it('two different new passphrases write nothing', async () => {
    writeFileSync(at('typo.key'), plainText, { mode: 0o600 });
    const r = await onTerminal(['protect', 'typo.key'], [
      { prompt: /New passphrase for typo\.key: $/, type: PASSPHRASE },
      { prompt: /Repeat it: $/, type: `${PASSPHRASE}!` },
    ]);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/c2c: the two passphrases differ; nothing was written/);
    expect(readFileSync(at('typo.key'), 'utf8')).toBe(plainText);
  });
});
