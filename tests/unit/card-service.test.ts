// Contact cards through the background (card-service.ts), as the compose frame gets the user's card and a
// message frame shows and pins one: real keyrings (fake-indexeddb), real crypto, no relay anywhere, changed
// cards, key changes and requests from views that may not make them.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { armor, dearmor } from '@/lib/armor/armor';
import { encodeContactCard } from '@/lib/crypto/contact-card';
import { generateIdentity } from '@/lib/crypto/identity';
import { generatePrekey } from '@/lib/crypto/prekey';
import { KeyringDB } from '@/lib/keyring/db';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { createBackground } from '@/entrypoints/background/create-background';
import { routeMessage } from '@/entrypoints/background/router';
import type { RegistrationStore } from '@/entrypoints/background/service';

const SITE = 'https://chat.example.org';
const FROM = {
  popup: { id: 'ext', url: 'chrome-extension://ext/popup.html' },
  compose: { id: 'ext', url: 'chrome-extension://ext/compose-frame.html', tab: { id: 1, url: `${SITE}/room` } },
  frame: { id: 'ext', url: 'chrome-extension://ext/message-frame.html', tab: { id: 1, url: `${SITE}/room` } },
  // A content script shares the extension id, but its URL is the page's.
  contentScript: { id: 'ext', url: `${SITE}/room`, tab: { id: 1, url: `${SITE}/room` } },
  sidePanel: { id: 'ext', url: 'chrome-extension://ext/sidepanel.html' },
};
type View = keyof typeof FROM;

/** One person's background as index.ts wires it, with no relay set; `call` says which view asks. */
async function person(handle: string) {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  const registrations: RegistrationStore = { get: async () => undefined, set: async () => undefined };
  const { service } = createBackground({ db, registrations, WebSocket: WebSocket as unknown as WebSocketConstructor });
  const ctx = { ownId: 'ext', ownBaseUrl: 'chrome-extension://ext/', service, isEnabledSite: async (o: string) => o === SITE };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
  const call = (view: View, request: Record<string, unknown>): Promise<any> => routeMessage(request, FROM[view], ctx);
  expect(await call('popup', { type: 'createIdentity', handle })).toMatchObject({ ok: true });
  const { identity } = await call('popup', { type: 'getState' });
  const card = await call('compose', { type: 'getContactCard' });
  expect(card).toMatchObject({ ok: true, parts: [expect.stringMatching(/^c2c2[0-9a-z]+$/)] });
  return { call, fingerprint: identity.fingerprint as string, card: card.parts[0] as string };
}

const failure = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });
const shown = (call: Awaited<ReturnType<typeof person>>['call'], text: string) => call('frame', { type: 'decrypt', text });

describe('contact cards through the background, with no relay', () => {
  it('shows a card in a frame, pins it as `pinned`, and then messages between the two open as pinned', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    expect(await shown(bob.call, alice.card)).toEqual({ ok: true, result: { status: 'card', card: { handle: 'alice', fingerprint: alice.fingerprint, known: 'new' } } });
    expect(await bob.call('frame', { type: 'pinCard', text: alice.card })).toEqual({ ok: true, result: 'pinned', card: { handle: 'alice', fingerprint: alice.fingerprint, known: 'pinned' } });
    expect(await alice.call('frame', { type: 'pinCard', text: bob.card })).toMatchObject({ ok: true, result: 'pinned' });
    const contacts = await bob.call('popup', { type: 'listContacts' });
    expect(contacts.contacts).toEqual([expect.objectContaining({ handle: 'alice', fingerprint: alice.fingerprint, verified: false, keyChanged: false })]);

    const sealed = await alice.call('compose', { type: 'encrypt', recipients: ['bob'], plaintext: 'no relay needed', channel: { site: SITE } });
    expect(sealed.ok).toBe(true);
    const opened = await shown(bob.call, sealed.parts.join('\n'));
    expect(opened.result).toMatchObject({ status: 'pinned', plaintext: 'no relay needed', senderHandle: 'alice', senderFingerprint: alice.fingerprint });
    // The same card again: already pinned, nothing changes.
    expect((await shown(bob.call, alice.card)).result.card.known).toBe('pinned');
    expect(await bob.call('frame', { type: 'pinCard', text: alice.card })).toMatchObject({ ok: true, result: 'unchanged' });
  });

  it('treats a changed card for a pinned handle as a key change: recorded, sending blocked', async () => {
    const [alice, bob, impostor] = await Promise.all([person('alice'), person('bob'), person('alice')]);
    await bob.call('frame', { type: 'pinCard', text: alice.card });
    expect((await shown(bob.call, impostor.card)).result.card).toEqual({ handle: 'alice', fingerprint: impostor.fingerprint, known: 'changed' });
    expect(await bob.call('frame', { type: 'pinCard', text: impostor.card })).toMatchObject({ ok: true, result: 'key-changed', card: { known: 'changed' } });
    const [contact] = (await bob.call('popup', { type: 'listContacts' })).contacts;
    expect(contact).toMatchObject({ handle: 'alice', fingerprint: alice.fingerprint, keyChanged: true });
    expect(await bob.call('compose', { type: 'encrypt', recipients: ['alice'], plaintext: 'hi' })).toEqual(failure('key-changed'));
  });

  it('refuses a swapped prekey and a changed handle with their own codes, and pins nothing', async () => {
    const [alice, bob, carol] = await Promise.all([person('alice'), person('bob'), person('carol')]);
    const payload = dearmor(alice.card);
    const swapped = payload.slice();
    swapped.set(dearmor(carol.card).subarray(33, 137), 33);
    const relabelled = payload.slice();
    relabelled[138] = 'b'.charCodeAt(0);
    for (const [text, code] of [
      [armor(swapped)[0]!, 'card-prekey-swapped'],
      [armor(relabelled)[0]!, 'card-forged'],
      [alice.card.slice(0, 120), 'truncated'],
    ] as const) {
      expect(await shown(bob.call, text)).toEqual({ ok: true, result: { status: 'error', reason: { code, message: expect.any(String) } } });
      expect(await bob.call('frame', { type: 'pinCard', text })).toEqual(failure(code));
    }
    expect((await bob.call('popup', { type: 'listContacts' })).contacts).toEqual([]);
  });

  it('refuses a message as a card, and shows one’s own card (or one claiming one’s handle) without pinning it', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await alice.call('frame', { type: 'pinCard', text: bob.card });
    const sealed = await alice.call('compose', { type: 'encrypt', recipients: ['bob'], plaintext: 'hello' });
    expect(await bob.call('frame', { type: 'pinCard', text: sealed.parts[0] })).toEqual(failure('malformed'));
    expect((await shown(alice.call, alice.card)).result.card.known).toBe('own');
    expect(await alice.call('frame', { type: 'pinCard', text: alice.card })).toEqual(failure('exists'));
    expect((await alice.call('popup', { type: 'listContacts' })).contacts.map((c: { handle: string }) => c.handle)).toEqual(['bob']);
    // Someone else's card under alice's own handle: shown as a change, never pinned beside her.
    const impostor = await person('alice');
    expect((await shown(alice.call, impostor.card)).result.card).toEqual({ handle: 'alice', fingerprint: impostor.fingerprint, known: 'changed' });
    expect(await alice.call('frame', { type: 'pinCard', text: impostor.card })).toEqual(failure('key-mismatch'));
    expect((await alice.call('popup', { type: 'listContacts' })).contacts.map((c: { handle: string }) => c.handle)).toEqual(['bob']);
  });

  it('takes a card’s newer prekey for the same identity (rotation), and splits the card as the site needs', async () => {
    const bob = await person('bob');
    const alice = await generateIdentity();
    const older = await generatePrekey(alice, { now: Date.now() - 1000 });
    const newer = await generatePrekey(alice);
    const cardWith = async (p: typeof older) => armor(await encodeContactCard(alice, { identityKey: alice.publicKey, prekey: p, handle: 'alice' }))[0]!;
    expect(await bob.call('frame', { type: 'pinCard', text: await cardWith(older) })).toMatchObject({ ok: true, result: 'pinned' });
    expect(await bob.call('frame', { type: 'pinCard', text: await cardWith(newer) })).toMatchObject({ ok: true, result: 'prekey-updated' });
    expect(await bob.call('frame', { type: 'pinCard', text: await cardWith(older) })).toMatchObject({ ok: true, result: 'unchanged' });
    const split = await bob.call('compose', { type: 'getContactCard', maxPartLength: 200 });
    expect(split.parts.length).toBeGreaterThan(1);
    expect(split.parts.every((p: string) => p.length <= 200)).toBe(true);
    expect(dearmor(split.parts)).toEqual(dearmor(bob.card));
  });

  it('accepts pinCard only from extension pages and frames that may pin, never from a content script', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    expect(await bob.call('contentScript', { type: 'pinCard', text: alice.card })).toEqual(failure('forbidden'));
    expect(await bob.call('compose', { type: 'pinCard', text: alice.card })).toEqual(failure('forbidden'));
    expect(await bob.call('sidePanel', { type: 'pinCard', text: alice.card })).toEqual(failure('forbidden'));
    expect(await bob.call('frame', { type: 'getContactCard' })).toEqual(failure('forbidden'));
    // The strict schema: no extra fields (a handle to pin under, say), no oversized text.
    expect(await bob.call('frame', { type: 'pinCard', text: alice.card, handle: 'mallory' })).toEqual(failure('bad-request'));
    expect(await bob.call('frame', { type: 'pinCard', text: 'c'.repeat(9000) })).toEqual(failure('bad-request'));
    expect((await bob.call('popup', { type: 'listContacts' })).contacts).toEqual([]);
  });
});
