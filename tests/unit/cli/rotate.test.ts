// c2c rotate: a new prekey in the key file; messages sealed to the replaced one keep opening until it
// expires (30 days after it was replaced), then it is deleted and they do not; the file stays private.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREKEY_RETENTION_MS } from '../../../lib/crypto/prekey';
import { c2c, expectFailure, expectOk, tempDir } from './run-cli';

const { dir, cleanup } = tempDir();
const keyJson = () => JSON.parse(readFileSync(join(dir, 'bob.key'), 'utf8')) as { prekeys: { public: string; retired?: number }[] };

async function sealTo(pub: string, text: string): Promise<string> {
  const r = await c2c(dir, ['encrypt', '--from', 'alice.key', '--to', pub], text);
  expectOk(r);
  return r.stdout;
}

let oldPub = '';
beforeAll(async () => {
  for (const n of ['alice', 'bob']) expectOk(await c2c(dir, ['keygen', '--out', `${n}.key`, '--handle', n]));
  oldPub = (await c2c(dir, ['pub', 'bob.key'])).stdout.trim();
}, 120_000);
afterAll(cleanup);

describe('c2c rotate', { timeout: 120_000 }, () => {
  it('gives a new public key; the old prekey still opens what was sealed to it; the file stays 0600', async () => {
    const early = await sealTo(oldPub, 'sealed to the first prekey');
    const before = Date.now();
    const r = await c2c(dir, ['rotate', '--key', 'bob.key']);
    expectOk(r);
    const newPub = r.stdout.trim();
    expect(newPub).toMatch(/^c2cpub1\./);
    expect(newPub).not.toBe(oldPub);
    expect(r.stderr).toBe('prekey rotated; 1 older kept to open earlier messages, 0 expired and deleted\n');
    expect((await c2c(dir, ['pub', 'bob.key'])).stdout.trim()).toBe(newPub);
    expect(statSync(join(dir, 'bob.key')).mode & 0o777).toBe(0o600);
    const [current, previous] = keyJson().prekeys;
    expect(current!.retired).toBeUndefined();
    expect(previous!.retired).toBeGreaterThanOrEqual(before);

    const opened = await c2c(dir, ['decrypt', '--key', 'bob.key'], early);
    expectOk(opened);
    expect(opened.stdout).toBe('sealed to the first prekey');
    const late = await c2c(dir, ['decrypt', '--key', 'bob.key'], await sealTo(newPub, 'sealed to the new prekey'));
    expect(late.stdout).toBe('sealed to the new prekey');
  });

  it('deletes a retired prekey once it was replaced 30 days ago: what was sealed to it no longer opens', async () => {
    const toSecond = await sealTo((await c2c(dir, ['pub', 'bob.key'])).stdout.trim(), 'sealed to the second prekey');
    const toFirst = await sealTo(oldPub, 'the first prekey again');
    // The first prekey was replaced long ago (the file's own record of it, as a month would leave it).
    const file = keyJson();
    file.prekeys[1]!.retired = Date.now() - PREKEY_RETENTION_MS - 1;
    writeFileSync(join(dir, 'bob.key'), JSON.stringify(file));
    const r = await c2c(dir, ['rotate', '--key', 'bob.key']);
    expectOk(r);
    expect(r.stderr).toBe('prekey rotated; 1 older kept to open earlier messages, 1 expired and deleted\n');
    expect(keyJson().prekeys).toHaveLength(2);
    expectFailure(await c2c(dir, ['decrypt', '--key', 'bob.key'], toFirst), 'not-addressed', ['the first prekey again']);
    expect((await c2c(dir, ['decrypt', '--key', 'bob.key'], toSecond)).stdout).toBe('sealed to the second prekey');
  });

  it('refuses a cryptico key file, stdin as the key, and a missing file, changing nothing', async () => {
    expect((await c2c(dir, ['keygen', '--out', 'old.key', '--suite', 'cryptico', '--bits', '1024'])).code).toBe(0);
    const legacy = readFileSync(join(dir, 'old.key'), 'utf8');
    const r = await c2c(dir, ['rotate', '--key', 'old.key']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^c2c: only modern key files have prekeys/);
    expect(readFileSync(join(dir, 'old.key'), 'utf8')).toBe(legacy);
    expect((await c2c(dir, ['rotate', '--key', '-'])).code).not.toBe(0);
    expect((await c2c(dir, ['rotate', '--key', 'nobody.key'])).code).not.toBe(0);
  });
});
