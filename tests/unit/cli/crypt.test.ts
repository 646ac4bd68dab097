// c2c encrypt / decrypt with the modern suite, run as a real child process: round trips, --from checks,
// and hostile input (tampered, truncated, garbage, unknown version, replayed, wrong key).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armor, dearmor } from '../../../lib/armor/armor';
import { randomBytes, toBase64Url, utf8 } from '../../../lib/bytes';
import { keyIdBytes, keyIdText } from '../../../lib/crypto/identity';
import { sealMessageV2 } from '../../../lib/crypto/message-v2';
import { decodePublicBundle } from '../../../lib/crypto/public-bundle';
import { loadKeyFile } from '../../../cli/keyfile';
import { c2c, expectFailure, expectOk, report, keygenAll, tempDir } from './run-cli';

const { dir, cleanup } = tempDir();
const TEXT = 'Привет, мир! 👋🔐 secret plan: meet at 6';
const pub: Record<string, string> = {};
const fp: Record<string, string> = {};

/** Re-armors a modified payload, so the armor checksums pass and the crypto layer has to notice. */
function rearmor(text: string, change: (payload: Uint8Array) => Uint8Array): string {
  return `${armor(change(dearmor(text))).join('\n')}\n`;
}

async function encrypt(args: string[], input: string = TEXT): Promise<string> {
  const r = await c2c(dir, ['encrypt', ...args], input);
  expectOk(r);
  return r.stdout;
}

beforeAll(async () => {
  const made = await keygenAll(dir, ['alice', 'bob', 'carol', 'mallory']);
  Object.assign(pub, made.pub);
  Object.assign(fp, made.fp);
}, 180_000);
afterAll(cleanup);

describe('c2c encrypt / decrypt (modern)', { timeout: 180_000 }, () => {
  it('encrypts to several recipients; each of them and the sender decrypt it (Cyrillic + emoji intact)', async () => {
    const armored = await encrypt(['--from', 'alice.key', '--to', pub.bob!, '--to', 'carol.key']);
    expect(armored).toMatch(/^c2c[0-9a-z]+(\nc2c[0-9a-z]+)*\n$/);
    expect(armored).not.toContain('secret');
    const opened = await Promise.all(['bob', 'carol', 'alice'].map((n) => c2c(dir, ['decrypt', '--key', `${n}.key`], armored)));
    for (const r of opened) {
      expectOk(r);
      expect(r.stdout).toBe(TEXT);
      expect(report(r)).toEqual({ sender: fp.alice, status: 'unverified', channel: 'none' });
    }
    // The replay cache sits next to each key file, private to its owner.
    expect(statSync(join(dir, 'bob.key.seen')).mode & 0o777).toBe(0o600);
  });

  it('--from: verified for the right sender; a different sender fails with key-mismatch and prints nothing', async () => {
    const armored = await encrypt(['--from', 'alice.key', '--to', pub.bob!]);
    const wrong = await c2c(dir, ['decrypt', '--key', 'bob.key', '--from', pub.mallory!], armored);
    expectFailure(wrong, 'key-mismatch', [TEXT]);
    // Refusing the message did not burn it: with the right --from it still opens, once.
    const right = await c2c(dir, ['decrypt', '--key', 'bob.key', '--from', 'alice.key'], armored);
    expectOk(right);
    expect(right.stdout).toBe(TEXT);
    expect(report(right)).toEqual({ sender: fp.alice, status: 'verified', channel: 'none' });
    const again = await c2c(dir, ['decrypt', '--key', 'bob.key', '--from', 'alice.key'], armored);
    expectFailure(again, 'replayed', [TEXT]);
  });

  it('a message naming its sender by key id (as the extension sends): unchecked without --from, checked with it', async () => {
    const alice = await loadKeyFile(join(dir, 'alice.key'));
    if (alice.suite !== 'modern') throw new Error('alice.key is a modern key');
    const seal = async () =>
      `${armor(await sealMessageV2({ identity: alice.identity, recipients: [await decodePublicBundle(pub.bob!)], plaintext: utf8(TEXT) })).join('\n')}\n`;
    const [plain, checked, wrong] = await Promise.all([seal(), seal(), seal()]);
    const unknown = await c2c(dir, ['decrypt', '--key', 'bob.key'], plain);
    expectOk(unknown);
    expect(unknown.stdout).toBe(TEXT);
    expect(report(unknown)).toEqual({ sender: `${keyIdText(await keyIdBytes(alice.identity.publicKey))} (key id only; --from checks it)`, status: 'unverified', channel: 'none' });
    const right = await c2c(dir, ['decrypt', '--key', 'bob.key', '--from', pub.alice!], checked);
    expectOk(right);
    expect(report(right)).toEqual({ sender: fp.alice, status: 'verified', channel: 'none' });
    expectFailure(await c2c(dir, ['decrypt', '--key', 'bob.key', '--from', pub.mallory!], wrong), 'key-mismatch', [TEXT]);
  });

  it('a key the message was not encrypted to gets not-addressed', async () => {
    const armored = await encrypt(['--from', 'alice.key', '--to', pub.bob!]);
    expectFailure(await c2c(dir, ['decrypt', '--key', 'mallory.key'], armored), 'not-addressed', [TEXT]);
  });

  it('refuses tampered, truncated, garbage and unknown-version input with one line and no plaintext', async () => {
    // Random text: compression cannot shrink it below several armor parts.
    const long = toBase64Url(randomBytes(4500)) + TEXT;
    const [short, multi] = await Promise.all([
      encrypt(['--from', 'alice.key', '--to', pub.bob!]),
      encrypt(['--from', 'alice.key', '--to', pub.bob!], long),
    ]);
    const parts = multi.trimEnd().split('\n');
    expect(parts.length).toBeGreaterThan(1);
    const mid = Math.floor(short.length / 2);
    const cases: [string, string | Uint8Array, string][] = [
      // One armor character changed: the armor checksum catches it.
      ['altered armor', short.slice(0, mid) + (short[mid] === 'a' ? 'b' : 'a') + short.slice(mid + 1), 'checksum'],
      // Valid armor around altered ciphertext: authentication catches it.
      ['flipped ciphertext byte', rearmor(short, (p) => p.map((b, i) => (i === p.length - 40 ? b ^ 1 : b))), 'tampered'],
      ['altered header (ephemeral key)', rearmor(short, (p) => p.map((b, i) => (i === 20 ? b ^ 1 : b))), 'tampered'],
      ['missing armor part', parts.slice(0, -1).join('\n'), 'truncated'],
      ['cut payload', rearmor(short, (p) => p.slice(0, p.length - 100)), 'truncated'],
      ['unknown format id', rearmor(short, (p) => p.map((b, i) => (i === 0 ? 0x7f : b))), 'unknown-version'],
      // No wraps declared: the body takes the wrap's 34 bytes, no valid padded length.
      ['altered wrap count', rearmor(short, (p) => p.map((b, i) => (i === 33 ? 0 : b))), 'malformed'],
      ['plain text', 'hello, this is not a message\n', 'malformed'],
      ['empty input', '', 'malformed'],
      ['binary garbage', new Uint8Array([0xff, 0xfe, 0x00, 0x81, 0xc3]), 'malformed'],
    ];
    const results = await Promise.all(cases.map(([, input]) => c2c(dir, ['decrypt', '--key', 'bob.key'], input)));
    results.forEach((r, i) => {
      const [name, , code] = cases[i]!;
      expect(r.stderr, name).toContain(`(${code})`);
      expectFailure(r, code, [TEXT, long.slice(0, 16)]);
    });
    // None of the refused inputs used up the genuine messages.
    const [ok1, ok2] = await Promise.all([
      c2c(dir, ['decrypt', '--key', 'bob.key'], short),
      c2c(dir, ['decrypt', '--key', 'bob.key'], parts.reverse().join('\n\n')), // parts in any order
    ]);
    expect(ok1.stdout).toBe(TEXT);
    expect(ok2.stdout).toBe(long);
  });

  it('replay: the same message opens once per key file; the .seen file lists its id', async () => {
    const armored = await encrypt(['--from', 'alice.key', '--to', 'carol.key']);
    expectOk(await c2c(dir, ['decrypt', '--key', 'carol.key'], armored));
    const second = await c2c(dir, ['decrypt', '--key', 'carol.key'], armored);
    expectFailure(second, 'replayed', [TEXT]);
    const seen = readFileSync(join(dir, 'carol.key.seen'), 'utf8').trimEnd().split('\n');
    // SHA-256 of sender and message id, in hex.
    expect(seen.every((l) => /^[0-9a-f]{64}$/.test(l))).toBe(true);
  });

  it('--channel binds a message; decrypt reports it and refuses it for another channel with wrong-channel', async () => {
    const armored = await encrypt(['--from', 'alice.key', '--to', 'bob.key', '--channel', 'site:https://chat.example#room-1']);
    const elsewhere = await c2c(dir, ['decrypt', '--key', 'bob.key', '--channel', 'site:https://other.example'], armored);
    expectFailure(elsewhere, 'wrong-channel', [TEXT]);
    const otherRoom = await c2c(dir, ['decrypt', '--key', 'bob.key', '--channel', 'site:https://chat.example#room-2'], armored);
    expectFailure(otherRoom, 'wrong-channel', [TEXT]);
    // Refusals burn nothing: the right channel still opens it, and says so.
    const right = await c2c(dir, ['decrypt', '--key', 'bob.key', '--channel', 'site:https://chat.example#room-1'], armored);
    expectOk(right);
    expect(right.stdout).toBe(TEXT);
    expect(report(right).channel).toMatch(/^site [0-9a-f]{16} conversation [0-9a-f]{16} \(matches --channel\)$/);
    const toMailbox = await encrypt(['--from', 'alice.key', '--to', 'carol.key', '--channel', 'mailbox:carol']);
    const reported = await c2c(dir, ['decrypt', '--key', 'carol.key'], toMailbox);
    expectOk(reported);
    expect(report(reported).channel).toMatch(/^mailbox [0-9a-f]{16}$/);
    expectFailure(await c2c(dir, ['encrypt', '--from', 'alice.key', '--to', 'bob.key', '--channel', 'room:1'], TEXT), 'malformed', [TEXT]);
  });

  it('concurrent decrypts with one key file: exactly one opens the message, and no id is lost', async () => {
    const [m1, m2] = await Promise.all([
      encrypt(['--from', 'alice.key', '--to', pub.carol!]),
      encrypt(['--from', 'bob.key', '--to', pub.carol!]),
    ]);
    const runs = await Promise.all([m1, m1, m1, m2].map((m) => c2c(dir, ['decrypt', '--key', 'carol.key'], m)));
    const opened = runs.slice(0, 3).filter((r) => r.code === 0);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.stdout).toBe(TEXT);
    for (const r of runs.slice(0, 3).filter((x) => x.code !== 0)) expectFailure(r, 'replayed', [TEXT]);
    expectOk(runs[3]!);
    // Both ids were recorded despite the concurrent writers.
    const again = await Promise.all([m1, m2].map((m) => c2c(dir, ['decrypt', '--key', 'carol.key'], m)));
    for (const r of again) expectFailure(r, 'replayed', [TEXT]);
  });

  it('--in/--out files and - for stdin/stdout; the decrypted file is private', async () => {
    const enc = await c2c(dir, ['encrypt', '--from', 'bob.key', '--to', pub.alice!, '--in', '-', '--out', 'msg.txt'], TEXT);
    expectOk(enc);
    expect(enc.stdout).toBe('');
    const dec = await c2c(dir, ['decrypt', '--key', 'alice.key', '--in', 'msg.txt', '--out', 'plain.txt']);
    expectOk(dec);
    expect(readFileSync(join(dir, 'plain.txt'), 'utf8')).toBe(TEXT);
    expect(statSync(join(dir, 'plain.txt')).mode & 0o777).toBe(0o600);
  });

  it('refuses bad encrypt requests: unknown suite, --raw without cryptico, unreadable recipient', async () => {
    const results = await Promise.all([
      c2c(dir, ['encrypt', '--from', 'alice.key', '--to', pub.bob!, '--suite', 'aes'], TEXT),
      c2c(dir, ['encrypt', '--from', 'alice.key', '--to', pub.bob!, '--raw'], TEXT),
      c2c(dir, ['encrypt', '--from', 'alice.key', '--to', pub.bob!.slice(0, -3)], TEXT),
      c2c(dir, ['encrypt', '--from', 'nobody.key', '--to', pub.bob!], TEXT),
    ]);
    const codes = ['unknown-version', /--raw applies to --suite cryptico only/, 'malformed', 'ENOENT'];
    results.forEach((r, i) => expectFailure(r, codes[i]!, [TEXT]));
  });
});

describe('c2c decrypt --json', { timeout: 180_000 }, () => {
  it('prints one JSON line with the report and the text; bytes that are not UTF-8 come as base64', async () => {
    const binary = new Uint8Array([0xff, 0x00, 0xfe, 0x0a, 0x80]);
    const [text, bytes] = await Promise.all([
      encrypt(['--from', 'alice.key', '--to', pub.bob!], 'line one\nline two\u001b[0m'),
      encrypt(['--from', 'alice.key', '--to', pub.bob!], Buffer.from(binary).toString('latin1')),
    ]);
    const rawBytes = await c2c(dir, ['encrypt', '--from', 'alice.key', '--to', pub.bob!], binary);
    expectOk(rawBytes);
    const [a, b] = await Promise.all([
      c2c(dir, ['decrypt', '--key', 'bob.key', '--from', 'alice.key', '--json'], text),
      c2c(dir, ['decrypt', '--key', 'bob.key', '--json'], rawBytes.stdout),
    ]);
    for (const r of [a, b]) {
      expectOk(r);
      expect(r.stderr).toBe(''); // the report is in the JSON line, not on stderr
      expect(r.stdout.endsWith('\n') && r.stdout.indexOf('\n') === r.stdout.length - 1).toBe(true);
    }
    expect(JSON.parse(a.stdout)).toEqual({ sender: fp.alice, status: 'verified', channel: 'none', text: 'line one\nline two\u001b[0m' });
    expect(JSON.parse(b.stdout)).toEqual({ sender: fp.alice, status: 'unverified', channel: 'none', base64: Buffer.from(binary).toString('base64') });
    expect(bytes).toMatch(/^c2c/);
  });
});
