// c2c keygen / pub / fingerprint / safety-number, run as a real child process.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../../lib/bytes';
import { fingerprint } from '../../../lib/crypto/identity';
import { decodePublicBundle } from '../../../lib/crypto/public-bundle';
import { FINGERPRINT, c2c, expectFailure, expectOk, tempDir } from './run-cli';

const { dir, cleanup } = tempDir();
const at = (name: string) => join(dir, name);
let alicePub = '';
let aliceFp = '';
let bobPub = '';

beforeAll(async () => {
  const [a, b] = await Promise.all([
    c2c(dir, ['keygen', '--out', 'alice.key', '--handle', 'Alice']),
    c2c(dir, ['keygen', '--out', 'bob.key']),
  ]);
  expectOk(a);
  expectOk(b);
  [alicePub = '', aliceFp = ''] = a.stdout.trimEnd().split('\n');
  bobPub = b.stdout.split('\n')[0]!;
}, 180_000);
afterAll(cleanup);

describe('c2c keygen', { timeout: 180_000 }, () => {
  it('prints a public key line that decodes and a fingerprint of its identity key', async () => {
    expect(alicePub).toMatch(/^c2cpub1\.[A-Za-z0-9_-]+$/);
    const bundle = await decodePublicBundle(alicePub);
    expect(bundle.handle).toBe('alice'); // handles are normalized to one spelling
    expect(aliceFp).toMatch(FINGERPRINT);
    expect(aliceFp).toBe(await fingerprint(bundle.identityKey));
  });

  it('writes a versioned key file readable by the owner only', () => {
    expect(statSync(at('alice.key')).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(at('alice.key'), 'utf8'));
    expect(file['c2c-key']).toBe(1);
    expect(file.suite).toBe('modern');
    expect(fromBase64Url(file.identity.public)).toHaveLength(32);
    expect(file.prekeys).toHaveLength(1);
  });

  it('refuses to overwrite an existing file and leaves it untouched', async () => {
    const before = readFileSync(at('alice.key'), 'utf8');
    const r = await c2c(dir, ['keygen', '--out', 'alice.key']);
    expectFailure(r, /\(exists\): .*alice\.key exists; refusing to overwrite it$/);
    expect(readFileSync(at('alice.key'), 'utf8')).toBe(before);
  });

  it('with --out - writes the key file to stdout and the summary to stderr', async () => {
    const r = await c2c(dir, ['keygen', '--out', '-']);
    expect(r.code).toBe(0);
    const file = JSON.parse(r.stdout);
    expect(file.suite).toBe('modern');
    const [pub, fp] = r.stderr.trimEnd().split('\n');
    expect(pub).toMatch(/^c2cpub1\./);
    expect(fp).toMatch(FINGERPRINT);
    // `pub -` reads the same key file back from stdin.
    const again = await c2c(dir, ['pub', '-'], r.stdout);
    expectOk(again);
    expect(again.stdout).toBe(`${pub}\n`);
  });

  it('rejects an unknown suite and usage errors with one line each (usage: exit 2)', async () => {
    const [suite, usage, unknown] = await Promise.all([
      c2c(dir, ['keygen', '--out', 'x.key', '--suite', 'rot13']),
      c2c(dir, ['keygen']),
      c2c(dir, ['decrypt', '--key', 'alice.key', '--fro', 'bob.key']),
    ]);
    expectFailure(suite, 'unknown-version');
    expectFailure(usage, /required option '--out <file>'/);
    expectFailure(unknown, /unknown option '--fro'$/); // no "Did you mean" second line
    expect([usage.code, unknown.code]).toEqual([2, 2]);
  });
});

describe('c2c pub / fingerprint / safety-number', { timeout: 180_000 }, () => {
  it('pub prints the same line keygen printed; fingerprint agrees for the line, the key file and stdin', async () => {
    const [pub, fpLine, fpFile, fpStdin] = await Promise.all([
      c2c(dir, ['pub', 'alice.key']),
      c2c(dir, ['fingerprint', alicePub]),
      c2c(dir, ['fingerprint', 'alice.key']),
      c2c(dir, ['fingerprint', '-'], `${alicePub}\n`),
    ]);
    for (const r of [pub, fpLine, fpFile, fpStdin]) expectOk(r);
    expect(pub.stdout).toBe(`${alicePub}\n`);
    for (const r of [fpLine, fpFile, fpStdin]) expect(r.stdout).toBe(`${aliceFp}\n`);
  });

  it('safety-number is 60 digits in groups of five and the same both ways', async () => {
    const [ab, ba, self] = await Promise.all([
      c2c(dir, ['safety-number', 'alice.key', bobPub]),
      c2c(dir, ['safety-number', bobPub, alicePub]),
      c2c(dir, ['safety-number', 'alice.key', 'alice.key']),
    ]);
    expectOk(ab);
    expectOk(ba);
    expect(ab.stdout).toMatch(/^(\d{5} ){11}\d{5}\n$/);
    expect(ba.stdout).toBe(ab.stdout);
    expect(self.stdout).not.toBe(ab.stdout);
  });

  it('refuses forged, cut, corrupt and missing keys with a clear error', async () => {
    // A public key line whose prekey signature no longer matches (one signature character changed).
    const sigAt = alicePub.length - 20;
    const forged = alicePub.slice(0, sigAt) + (alicePub[sigAt] === 'A' ? 'B' : 'A') + alicePub.slice(sigAt + 1);
    const file = JSON.parse(readFileSync(at('alice.key'), 'utf8'));
    const bobFile = JSON.parse(readFileSync(at('bob.key'), 'utf8'));
    writeFileSync(at('mixed.key'), JSON.stringify({ ...file, identity: { ...file.identity, private: bobFile.identity.private } }));
    writeFileSync(at('newer.key'), JSON.stringify({ ...file, 'c2c-key': 2 }));
    writeFileSync(at('junk.key'), `{"c2c-key": 1, "suite": "modern", "identity": "${file.identity.private}"`);
    const results = await Promise.all([
      c2c(dir, ['fingerprint', forged]),
      c2c(dir, ['fingerprint', alicePub.slice(0, 60)]),
      c2c(dir, ['fingerprint', 'c2cpub9.AAAA']),
      c2c(dir, ['pub', 'mixed.key']),
      c2c(dir, ['pub', 'newer.key']),
      c2c(dir, ['pub', 'junk.key']),
      c2c(dir, ['pub', 'missing.key']),
      c2c(dir, ['fingerprint', 'no-such-file']),
    ]);
    const codes = ['bad-signature', 'malformed', 'unknown-version', 'key-mismatch', 'unknown-version', 'malformed', 'ENOENT', 'not-found'];
    // No private key material in any error, even when the file is not valid JSON.
    results.forEach((r, i) => expectFailure(r, codes[i]!, [file.identity.private]));
  });
});

describe('--json and help', { timeout: 180_000 }, () => {
  it('fingerprint --json and safety-number --json print one JSON object on one line', async () => {
    const [fp, sn, plainSn] = await Promise.all([
      c2c(dir, ['fingerprint', '--json', 'alice.key']),
      c2c(dir, ['safety-number', '--json', 'alice.key', bobPub]),
      c2c(dir, ['safety-number', 'alice.key', bobPub]),
    ]);
    for (const r of [fp, sn]) {
      expectOk(r);
      expect(r.stdout.split('\n')).toHaveLength(2);
    }
    expect(JSON.parse(fp.stdout)).toEqual({ suite: 'modern', fingerprint: aliceFp });
    expect(JSON.parse(sn.stdout)).toEqual({ safetyNumber: plainSn.stdout.trim() });
  });

  it("every command's --help ends with an example of it, and lists --passphrase-file", async () => {
    const top = await c2c(dir, ['--help']);
    expectOk(top);
    const names = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]!).filter((n) => n !== 'help');
    expect(names).toEqual(expect.arrayContaining(['keygen', 'pub', 'fingerprint', 'safety-number', 'encrypt', 'decrypt', 'rotate', 'protect', 'unprotect', 'register', 'lookup', 'send', 'listen', 'relay-admin']));
    const helps = await Promise.all([...names.map((n) => [n]), ['relay-admin', 'revoke']].map((cmd) => c2c(dir, [...cmd, '--help'])));
    helps.forEach((h, i) => {
      expectOk(h);
      const cmd = i < names.length ? names[i]! : 'relay-admin revoke';
      expect(h.stdout, cmd).toMatch(new RegExp(`\\nExample:\\n {2}\\$ [^\\n]*\\bc2c ${cmd} `));
      expect(h.stdout, cmd).toContain('--passphrase-file <file>');
    });
  });
});
