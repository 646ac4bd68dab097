// c2c card / pin-card / encrypt --contacts: two people exchange contact cards through any chat (here: a
// string), pin them in contacts files and send one-shot messages by handle, with no relay anywhere.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armor, dearmor } from '../../../lib/armor/armor';
import { decodeContactCard } from '../../../lib/crypto/contact-card';
import { decodePublicBundle, encodeBundleKeys } from '../../../lib/crypto/public-bundle';
import { c2c, expectFailure, expectOk, keygenAll, tempDir } from './run-cli';

const { dir, cleanup } = tempDir();
const at = (name: string) => join(dir, name);
let fp: Record<string, string> = {};
const cards: Record<string, string> = {};

/** The card token `c2c card` prints for a key file. */
async function cardOf(key: string): Promise<string> {
  const r = await c2c(dir, ['card', '--key', key]);
  expectOk(r);
  expect(r.stdout).toMatch(/^c2c2[0-9a-z]+\n$/);
  return r.stdout.trimEnd();
}

beforeAll(async () => {
  ({ fp } = await keygenAll(dir, ['alice', 'bob', 'carol']));
  for (const name of ['alice', 'bob', 'carol']) cards[name] = await cardOf(`${name}.key`);
}, 180_000);
afterAll(cleanup);

describe('c2c card / pin-card', { timeout: 180_000 }, () => {
  it('prints one token under 2,000 characters that names the handle and the key file’s keys', async () => {
    expect(cards.alice!.length).toBe(349);
    const card = await decodeContactCard(dearmor(cards.alice!));
    expect(card.handle).toBe('alice');
    const pub = await c2c(dir, ['pub', 'alice.key']);
    expect(encodeBundleKeys(card)).toEqual(encodeBundleKeys(await decodePublicBundle(pub.stdout)));
  });

  it('pins a card into a new contacts file (mode 0600) that encrypt --to HANDLE uses, with no relay', async () => {
    const pinned = await c2c(dir, ['pin-card', '--contacts', 'bob.contacts'], `here is my card ${cards.alice}`);
    expectOk(pinned);
    expect(pinned.stdout).toBe(`pinned: alice ${fp.alice}\n`);
    expect(statSync(at('bob.contacts')).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(at('bob.contacts'), 'utf8'));
    expect(file['c2c-contacts']).toBe(1);
    expect(Object.keys(file.contacts)).toEqual(['alice']);
    expect(file.contacts.alice.public).toMatch(/^c2cpub1\./);

    const sealed = await c2c(dir, ['encrypt', '--from', 'bob.key', '--contacts', 'bob.contacts', '--to', 'Alice'], 'meet at noon');
    expectOk(sealed);
    const opened = await c2c(dir, ['decrypt', '--key', 'alice.key'], sealed.stdout);
    expectOk(opened);
    expect(opened.stdout).toBe('meet at noon');
    expect(opened.stderr).toContain('status: unverified');
  });

  it('names a sender pinned in decrypt --contacts as pinned; others stay unverified', async () => {
    expectOk(await c2c(dir, ['pin-card', '--contacts', 'alice.contacts'], cards.bob));
    const fromBob = await c2c(dir, ['encrypt', '--from', 'bob.key', '--contacts', 'bob.contacts', '--to', 'alice'], 'from bob');
    const opened = await c2c(dir, ['decrypt', '--key', 'alice.key', '--contacts', 'alice.contacts', '--json'], fromBob.stdout);
    expectOk(opened);
    expect(JSON.parse(opened.stdout)).toEqual({ sender: fp.bob, status: 'pinned', contact: 'bob', channel: 'none', text: 'from bob' });
    const fromCarol = await c2c(dir, ['encrypt', '--from', 'carol.key', '--to', (await c2c(dir, ['pub', 'alice.key'])).stdout.trim()], 'from carol');
    const other = await c2c(dir, ['decrypt', '--key', 'alice.key', '--contacts', 'alice.contacts', '--json'], fromCarol.stdout);
    expect(JSON.parse(other.stdout)).toMatchObject({ sender: fp.carol, status: 'unverified', text: 'from carol' });
    expect(JSON.parse(other.stdout).contact).toBeUndefined();
  });

  it('says unchanged for the same card and leaves the file as it was', async () => {
    expectOk(await c2c(dir, ['pin-card', '--contacts', 'same.contacts'], cards.carol));
    const before = readFileSync(at('same.contacts'));
    const again = await c2c(dir, ['pin-card', '--contacts', 'same.contacts'], cards.carol);
    expectOk(again);
    expect(again.stdout).toBe(`unchanged: carol ${fp.carol}\n`);
    expect(readFileSync(at('same.contacts'))).toEqual(before);
  });

  it('takes a rotated prekey of the same identity, and messages then go to the new prekey', async () => {
    expectOk(await c2c(dir, ['pin-card', '--contacts', 'rot.contacts'], cards.carol));
    expectOk(await c2c(dir, ['rotate', '--key', 'carol.key']));
    const updated = await c2c(dir, ['pin-card', '--contacts', 'rot.contacts'], await cardOf('carol.key'));
    expectOk(updated);
    expect(updated.stdout).toBe(`prekey-updated: carol ${fp.carol}\n`);
    // The older card again is no downgrade.
    expect((await c2c(dir, ['pin-card', '--contacts', 'rot.contacts'], cards.carol)).stdout).toBe(`unchanged: carol ${fp.carol}\n`);
    const pinned = JSON.parse(readFileSync(at('rot.contacts'), 'utf8')).contacts.carol.public as string;
    const pub = await c2c(dir, ['pub', 'carol.key']);
    expect(pub.stdout.trimEnd()).toBe(pinned);
  });

  it('refuses a card with another identity key for a pinned handle (a key change), leaving the file as it was', async () => {
    expectOk(await c2c(dir, ['keygen', '--out', 'impostor.key', '--handle', 'alice']));
    const before = readFileSync(at('bob.contacts'));
    const r = await c2c(dir, ['pin-card', '--contacts', 'bob.contacts'], await cardOf('impostor.key'));
    expectFailure(r, 'key-mismatch');
    expect(r.stderr).toContain(fp.alice);
    expect(readFileSync(at('bob.contacts'))).toEqual(before);
  });

  it('refuses changed cards with a specific error, and writes nothing', async () => {
    const payload = dearmor(cards.alice!);
    const relabelled = payload.slice();
    relabelled[138] = 'b'.charCodeAt(0); // "alice" → "blice", re-armored so the armor's checksums hold
    const swapped = payload.slice();
    swapped.set(dearmor(cards.bob!).subarray(33, 137), 33); // bob's prekey, created and prekey signature
    const damaged = cards.alice!.slice(0, 100) + (cards.alice![100] === 'a' ? 'b' : 'a') + cards.alice!.slice(101);
    const cases: [string, string, RegExp | string][] = [
      ['relabelled', armor(relabelled)[0]!, /\(bad-signature\): .*self-signature/],
      ['swapped prekey', armor(swapped)[0]!, /\(bad-signature\): .*prekey .*swapped/],
      ['altered in transit', damaged, 'checksum'],
      ['cut short', cards.alice!.slice(0, 200), 'truncated'],
      ['not a card', 'hello there', 'malformed'],
      ['a public key line', readFileSync(at('alice.key'), 'utf8'), 'malformed'],
    ];
    for (const [what, input, code] of cases) {
      const r = await c2c(dir, ['pin-card', '--contacts', 'never.contacts'], input);
      expectFailure(r, code);
      expect(existsSync(at('never.contacts')), what).toBe(false);
    }
  });

  it('refuses a message as a card, and a card as a message', async () => {
    expectOk(await c2c(dir, ['pin-card', '--contacts', 'carol.contacts'], cards.alice));
    const sealed = await c2c(dir, ['encrypt', '--from', 'carol.key', '--contacts', 'carol.contacts', '--to', 'alice'], 'hi');
    expectFailure(await c2c(dir, ['pin-card', '--contacts', 'never.contacts'], sealed.stdout), 'malformed');
    const asMessage = await c2c(dir, ['decrypt', '--key', 'alice.key'], cards.bob);
    expectFailure(asMessage, 'unsupported');
    expect(asMessage.stderr).toContain('c2c pin-card');
  });

  it('needs a handle in the key file, and a contacts file to read the card into', async () => {
    expectOk(await c2c(dir, ['keygen', '--out', 'nameless.key']));
    expectFailure(await c2c(dir, ['card', '--key', 'nameless.key']), 'malformed');
    const r = await c2c(dir, ['pin-card', '--contacts', '-'], cards.alice);
    expect(r.code).toBe(2);
  });

  it('refuses a damaged contacts file without quoting it, and unknown handles', async () => {
    writeFileSync(at('broken.contacts'), '{"c2c-contacts": 1, "contacts": {"alice": {"public": "secret-looking-text", "pinnedAt": 1}}}');
    expectFailure(await c2c(dir, ['pin-card', '--contacts', 'broken.contacts'], cards.bob), 'malformed', ['secret-looking-text']);
    writeFileSync(at('notjson.contacts'), '{"c2c-contacts": 1, secret-looking-text');
    expectFailure(await c2c(dir, ['pin-card', '--contacts', 'notjson.contacts'], cards.bob), 'malformed', ['secret-looking-text']);
    // An entry filed under another handle than its key's label.
    const bobLine = (await c2c(dir, ['pub', 'bob.key'])).stdout.trimEnd();
    writeFileSync(at('mislabelled.contacts'), JSON.stringify({ 'c2c-contacts': 1, contacts: { alice: { public: bobLine, pinnedAt: 1 } } }));
    const sealed = await c2c(dir, ['encrypt', '--from', 'carol.key', '--contacts', 'mislabelled.contacts', '--to', 'alice'], 'hi');
    expectFailure(sealed, 'malformed');
    const unknown = await c2c(dir, ['encrypt', '--from', 'carol.key', '--contacts', 'bob.contacts', '--to', 'dave'], 'hi');
    expectFailure(unknown, 'not-found');
    expect(unknown.stderr).toContain('dave is not pinned');
  });
});
