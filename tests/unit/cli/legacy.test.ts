// The legacy cryptico suite through the real CLI, with interop checked against the STOCK cryptico package
// running in a separate Node process (as the original CRYPT2CHAT app would).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINGERPRINT, ROOT, c2c, expectFailure, expectOk, report, spawnNode, tempDir } from './run-cli';

const { dir, cleanup } = tempDir();
const TEXT = 'Привет из 2015 года 👋 PAY 100';
const pub: Record<string, string> = {};
const fp: Record<string, string> = {};
const rsa = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.key`), 'utf8')).rsa;

/** Stock cryptico 1.0.2, untouched, in its own process. */
const STOCK = `
const cryptico = require('cryptico');
let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', () => {
  const job = JSON.parse(input);
  const key = (numbers) => cryptico.RSAKey.parse(JSON.stringify(numbers));
  const out = job.op === 'decrypt'
    ? cryptico.decrypt(job.cipher, key(job.rsa))
    : cryptico.encrypt(job.text, job.to, job.rsa ? key(job.rsa) : undefined);
  process.stdout.write(JSON.stringify(out));
});`;

async function stock(job: object): Promise<Record<string, string>> {
  const r = await spawnNode(['-e', STOCK], { cwd: ROOT, input: JSON.stringify(job) });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

/** cryptico carries bytes as char codes: stock output of our UTF-8 text reads back as Latin-1. */
const fromLatin1 = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

beforeAll(async () => {
  const jobs: [string, string[]][] = [
    ['alice', ['--suite', 'cryptico']],
    ['bob', ['--suite', 'cryptico']],
    ['eve', ['--suite', 'cryptico']],
    ['modern', []],
  ];
  const results = await Promise.all(jobs.map(([n, extra]) => c2c(dir, ['keygen', '--out', `${n}.key`, ...extra])));
  results.forEach((r, i) => {
    expectOk(r);
    [pub[jobs[i]![0]] = '', fp[jobs[i]![0]] = ''] = r.stdout.trimEnd().split('\n');
  });
}, 180_000);
afterAll(cleanup);

describe('c2c with --suite cryptico', { timeout: 180_000 }, () => {
  it('keygen prints the stock public key string (base64 modulus) and a fingerprint; pub agrees', async () => {
    expect(pub.alice).toMatch(/^[A-Za-z0-9+/]{300,}={0,2}$/);
    expect(fp.alice).toMatch(FINGERPRINT);
    const [p, f] = await Promise.all([c2c(dir, ['pub', 'alice.key']), c2c(dir, ['fingerprint', pub.alice!])]);
    expect(p.stdout).toBe(`${pub.alice}\n`);
    expect(f.stdout).toBe(`${fp.alice}\n`);
  });

  it('round trip in armor: signed by the sender, checked against --from, opened once', async () => {
    const enc = await c2c(dir, ['encrypt', '--suite', 'cryptico', '--from', 'alice.key', '--to', pub.bob!], TEXT);
    expectOk(enc);
    expect(enc.stdout).toMatch(/^c2c[0-9a-z]+(\nc2c[0-9a-z]+)*\n$/);
    const [wrongKey, wrongFrom] = await Promise.all([
      c2c(dir, ['decrypt', '--key', 'eve.key'], enc.stdout),
      c2c(dir, ['decrypt', '--key', 'bob.key', '--from', pub.eve!], enc.stdout),
    ]);
    expectFailure(wrongKey, 'not-addressed', [TEXT]);
    expectFailure(wrongFrom, 'key-mismatch', [TEXT]);
    const dec = await c2c(dir, ['decrypt', '--key', 'bob.key', '--from', pub.alice!], enc.stdout);
    expectOk(dec);
    expect(dec.stdout).toBe(TEXT);
    expect(report(dec)).toEqual({ sender: fp.alice, status: 'legacy', signature: 'valid (matches --from)' });
    expectFailure(await c2c(dir, ['decrypt', '--key', 'bob.key'], enc.stdout), 'replayed', [TEXT]);
  });

  it('--raw output is read by stock cryptico.decrypt, signature verified as the sender', async () => {
    const ascii = 'PAY 100 to bob';
    const [a, u] = await Promise.all([
      c2c(dir, ['encrypt', '--suite', 'cryptico', '--raw', '--from', 'alice.key', '--to', pub.bob!], ascii),
      c2c(dir, ['encrypt', '--suite', 'cryptico', '--raw', '--from', 'alice.key', '--to', 'bob.key'], TEXT),
    ]);
    expectOk(a);
    expectOk(u);
    expect(a.stdout).toMatch(/^[A-Za-z0-9+/=]+\?[A-Za-z0-9+/=]+\n$/);
    const [sa, su] = await Promise.all([
      stock({ op: 'decrypt', cipher: a.stdout.trim(), rsa: rsa('bob') }),
      stock({ op: 'decrypt', cipher: u.stdout.trim(), rsa: rsa('bob') }),
    ]);
    expect(sa).toEqual({ status: 'success', plaintext: ascii, signature: 'verified', publicKeyString: pub.alice });
    expect(su.signature).toBe('verified');
    expect(fromLatin1(su.plaintext!)).toBe(TEXT);
  });

  it('a stock cryptico.encrypt string is decrypted by c2c: signed → verified against --from; unsigned → none', async () => {
    const [signed, unsigned] = await Promise.all([
      stock({ op: 'encrypt', text: 'hello from CRYPT2CHAT', to: pub.bob, rsa: rsa('alice') }),
      stock({ op: 'encrypt', text: 'anonymous hello', to: pub.bob }),
    ]);
    const [s, n, nFrom] = await Promise.all([
      c2c(dir, ['decrypt', '--key', 'bob.key', '--from', 'alice.key'], signed.cipher),
      c2c(dir, ['decrypt', '--key', 'bob.key'], `${unsigned.cipher}\n`),
      c2c(dir, ['decrypt', '--key', 'bob.key', '--from', pub.alice!], unsigned.cipher),
    ]);
    expectOk(s);
    expect(s.stdout).toBe('hello from CRYPT2CHAT');
    expect(report(s)).toEqual({ sender: fp.alice, status: 'legacy', signature: 'valid (matches --from)' });
    expectOk(n);
    expect(n.stdout).toBe('anonymous hello');
    expect(report(n)).toEqual({ sender: 'unknown (unsigned)', status: 'legacy', signature: 'none' });
    expectFailure(nFrom, 'key-mismatch', ['anonymous hello']);
    expectFailure(await c2c(dir, ['decrypt', '--key', 'bob.key'], signed.cipher), 'replayed');
  });

  it('refuses tampered, truncated and garbage cryptico strings without printing text', async () => {
    const { cipher } = await stock({ op: 'encrypt', text: 'PAY 100 to bob', to: pub.bob, rsa: rsa('alice') });
    const [rsaPart, aesPart] = cipher!.split('?') as [string, string];
    // Flipping the lowest bit of the first base64 digit of the IV flips bit 2 of the first plaintext byte
    // ("PAY 100" → "TAY 100", still valid text): cryptico itself would not notice, the signature check must.
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const flipped = `${rsaPart}?${B64[B64.indexOf(aesPart[0]!) ^ 1]}${aesPart.slice(1)}`;
    const results = await Promise.all([
      c2c(dir, ['decrypt', '--key', 'bob.key'], flipped),
      c2c(dir, ['decrypt', '--key', 'bob.key'], `${rsaPart}?${aesPart.slice(0, -24)}`),
      c2c(dir, ['decrypt', '--key', 'bob.key'], 'AAAA?BBBB'),
    ]);
    expectFailure(results[0]!, 'bad-signature', ['PAY']);
    expectFailure(results[1]!, 'truncated', ['PAY']);
    expectFailure(results[2]!, /\((not-addressed|malformed|truncated)\)/);
  });

  it('never picks a suite on its own and never mixes suites', async () => {
    const results = await Promise.all([
      c2c(dir, ['encrypt', '--from', 'alice.key', '--to', pub.bob!], TEXT),
      c2c(dir, ['encrypt', '--suite', 'cryptico', '--from', 'alice.key', '--to', pub.modern!], TEXT),
      c2c(dir, ['encrypt', '--suite', 'cryptico', '--from', 'alice.key', '--to', pub.bob!, '--to', pub.modern!], TEXT),
      c2c(dir, ['encrypt', '--suite', 'cryptico', '--from', 'modern.key', '--to', pub.bob!], TEXT),
      c2c(dir, ['encrypt', '--suite', 'cryptico', '--from', 'alice.key', '--to', pub.bob!, '--to', pub.eve!], TEXT),
      c2c(dir, ['safety-number', 'alice.key', 'bob.key']),
    ]);
    const expected = [
      /legacy cryptico key: pass --suite cryptico/,
      /needs cryptico public keys/,
      /cannot mix modern and cryptico/,
      /--from key file is a modern key/,
      /exactly one recipient/,
      /modern keys only/,
    ];
    results.forEach((r, i) => expectFailure(r, expected[i]!, [TEXT]));
  });
});
