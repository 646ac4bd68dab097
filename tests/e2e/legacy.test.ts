// The legacy (cryptico, CRYPT2CHAT-compatible) suite in the real extension, against the STOCK cryptico
// package running here in Node: stock → extension (signed by a pinned key, unsigned, signed by a stranger,
// tampered), extension → stock (stock cryptico.decrypt verifies our signature), the opt-in rules (explicit
// suite, never for a contact with a modern key, opened only on a user action) and, in Chromium, that the
// service worker's Math.random is still the native one after all of it.
import type { Page, WebWorker } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cryptico, RSAKey } from 'cryptico';
import { armor, dearmor } from '@/lib/armor/armor';
import { generateIdentity } from '@/lib/crypto/identity';
import { generatePrekey } from '@/lib/crypto/prekey';
import { encodePublicBundle } from '@/lib/crypto/public-bundle';
import { decodeLegacyPayload, encodeLegacyPayload } from '@/lib/legacy/legacy-payload';
import { loadStockCryptico, stockCipher, stockKey } from '../unit/legacy/stock-cryptico';
import { byTestId, launchWithExtension, type BrowserKind, type ExtensionSession } from './harness';
import { CANARY, FINGERPRINT_RE, api, onboardInPopup, pin, textOf, clickWhenEnabled } from './flows';

type Opened =
  | { status: 'verified' | 'unverified'; plaintext: string; senderFingerprint: string; senderHandle?: string }
  | { status: 'legacy'; plaintext: string; senderFingerprint: string; senderHandle?: string; legacyAuthentic: boolean }
  | { status: 'error'; reason: { code: string; message: string } };

/** A click in the UI sets userAction; everything else (e.g. rendering a page) must not. */
async function openLegacy(page: Page, text: string, userAction = true): Promise<Opened> {
  const r = await api<{ ok: boolean; result: Opened }>(page, { type: 'decrypt', text, ...(userAction ? { userAction: true } : {}) });
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
  return r.result;
}

async function encryptLegacy(page: Page, recipients: string[], plaintext: string, raw = false): Promise<string[]> {
  const r = await api<{ ok: boolean; parts: string[] }>(page, { type: 'encrypt', recipients, plaintext, suite: 'cryptico', ...(raw ? { raw: true } : {}) });
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
  return r.parts;
}

async function pinLegacy(page: Page, handle: string, publicKey: string): Promise<string> {
  const r = await api<{ ok: boolean; result: string; handle: string; fingerprint: string }>(page, { type: 'pinLegacyContact', handle, publicKey });
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true, handle });
  expect(r.fingerprint).toMatch(FINGERPRINT_RE);
  return r.result;
}

/** Text as a stock CRYPT2CHAT client would have to send it for non-Latin-1 to survive: UTF-8 bytes as char codes. */
const latin1Utf8 = (text: string) => String.fromCharCode(...new TextEncoder().encode(text));
const fromLatin1Utf8 = (text: string) => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(text, (c) => c.charCodeAt(0)));

/** Flips bits of the IV so the first plaintext block changes predictably: AES-CBC without a MAC. */
function flipIv(cipher: string, at: number, from: string, to: string): string {
  const [rsaPart, aesPart] = cipher.split('?') as [string, string];
  const body = Buffer.from(aesPart, 'base64');
  body[at]! ^= from.charCodeAt(0) ^ to.charCodeAt(0);
  return `${rsaPart}?${body.toString('base64')}`;
}

/** Shared by both browsers: a profile with an identity (made in the popup) and a legacy key created on the options page. */
async function setUpProfile(session: ExtensionSession): Promise<{ page: Page; legacyPub: string }> {
  const { page: popup } = await onboardInPopup(session, 'erin');
  await popup.close();
  const page = await session.openOptions();
  const section = await page.waitForSelector(byTestId('legacy-section'));
  // Collapsed by default; the warning label is part of the section.
  expect(await section!.evaluate((e) => (e as HTMLDetailsElement).open)).toBe(false);
  await page.click(byTestId('legacy-toggle'));
  expect(await section!.evaluate((e) => (e as HTMLDetailsElement).open)).toBe(true);
  expect(await textOf(page, 'legacy-warning')).toBe('legacy: no forward secrecy, weak authentication');
  await clickWhenEnabled(page, byTestId('legacy-create'));
  const legacyPub = await textOf(page, 'legacy-public-key');
  expect(legacyPub).toMatch(/^[A-Za-z0-9+/]{340,}={0,2}$/); // base64 of a 2048-bit modulus
  expect(await textOf(page, 'legacy-fingerprint')).toMatch(FINGERPRINT_RE);
  return { page, legacyPub };
}

function legacySuite(kind: BrowserKind) {
  let session: ExtensionSession;
  let page: Page;
  let legacyPub = '';
  let stock: Cryptico;
  let frank: RSAKey; // a stock CRYPT2CHAT user whom erin pinned
  let mallory: RSAKey; // a stock user nobody pinned
  let dave: RSAKey; // a stock user erin writes to

  beforeAll(async () => {
    stock = loadStockCryptico();
    frank = stockKey(stock, 'frank: correct horse battery staple');
    mallory = stockKey(stock, 'mallory: hunter2 hunter2');
    dave = stockKey(stock, 'dave: the paper era passphrase');
    session = await launchWithExtension(kind);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('popup: the legacy section is collapsed, labelled, and creates one 2048-bit key', async () => {
    ({ page, legacyPub } = await setUpProfile(session));
    // Stock cryptico accepts it as a public key string.
    expect(stock.publicKeyFromString(legacyPub).n.bitLength()).toBe(2048);
    const got = await api<{ ok: boolean; key: { publicKey: string } }>(page, { type: 'getLegacyPublicKey' });
    expect(got).toMatchObject({ ok: true, key: { publicKey: legacyPub } });
    // Never overwritten silently.
    expect(await api(page, { type: 'createLegacyKey' })).toMatchObject({ ok: false, error: { code: 'exists' } });
    // Reopening the options page shows the same key.
    const again = await session.openOptions();
    // The section appears once the page has read its state from the background.
    await (await again.waitForSelector(byTestId('legacy-toggle')))!.click();
    expect(await textOf(again, 'legacy-public-key')).toBe(legacyPub);
    expect(await again.$(byTestId('legacy-create'))).toBeNull();
    await again.close();
  });

  it('stock → extension: signed by the pinned key is legacy + authentic; never decrypted without a click', async () => {
    const frankPub = stock.publicKeyString(frank);
    expect(await pinLegacy(page, 'frank', frankPub)).toBe('pinned');
    expect(await pinLegacy(page, 'frank', frankPub)).toBe('unchanged');
    // A different legacy key for a pinned handle is refused, not swapped in.
    expect(await api(page, { type: 'pinLegacyContact', handle: 'frank', publicKey: stock.publicKeyString(mallory) })).toMatchObject({
      ok: false,
      error: { code: 'key-mismatch' },
    });

    const cipher = stockCipher(stock, 'PAY 100 to frank', legacyPub, frank);
    const withoutClick = await openLegacy(page, cipher, false);
    expect(withoutClick).toMatchObject({ status: 'error', reason: { code: 'user-action-required' } });
    expect(JSON.stringify(withoutClick)).not.toContain('PAY');

    const opened = await openLegacy(page, cipher);
    expect(opened).toEqual({
      status: 'legacy',
      plaintext: 'PAY 100 to frank',
      senderFingerprint: expect.stringMatching(FINGERPRINT_RE),
      senderHandle: 'frank',
      legacyAuthentic: true,
    });
    // The same string armored as format 0x02 (what our own clients paste into chats) reads the same.
    expect(await openLegacy(page, armor(encodeLegacyPayload(cipher)).join('\n'))).toEqual(opened);
    // A stock client that UTF-8-encodes its text carries Cyrillic and emoji too.
    expect(await openLegacy(page, stockCipher(stock, latin1Utf8(CANARY), legacyPub, frank))).toMatchObject({
      status: 'legacy',
      plaintext: CANARY,
      legacyAuthentic: true,
    });
  });

  it('stock → extension: unsigned and stranger-signed messages are legacy, not authentic, with no sender handle', async () => {
    const unsigned = await openLegacy(page, stockCipher(stock, 'no signature here', legacyPub));
    expect(unsigned).toEqual({ status: 'legacy', plaintext: 'no signature here', senderFingerprint: '', legacyAuthentic: false });

    const stranger = await openLegacy(page, stockCipher(stock, 'trust me, I am frank', legacyPub, mallory));
    expect(stranger).toEqual({
      status: 'legacy',
      plaintext: 'trust me, I am frank',
      senderFingerprint: expect.stringMatching(FINGERPRINT_RE),
      legacyAuthentic: false,
    });
    const signed = await openLegacy(page, stockCipher(stock, 'x', legacyPub, frank));
    expect(stranger.status === 'legacy' && signed.status === 'legacy' && stranger.senderFingerprint !== signed.senderFingerprint).toBe(true);

    // Encrypted to someone else's key: a clear error, no text.
    expect(await openLegacy(page, stockCipher(stock, 'for dave only', stock.publicKeyString(dave), frank))).toMatchObject({
      status: 'error',
      reason: { code: 'not-addressed' },
    });
  });

  it('stock → extension: tampering is never verified; a signed message that was altered is an error', async () => {
    // No MAC: an unsigned message can be altered undetected, which is why it is never called authentic.
    const altered = await openLegacy(page, flipIv(stockCipher(stock, 'PAY 100', legacyPub), 4, '1', '9'));
    expect(altered).toEqual({ status: 'legacy', plaintext: 'PAY 900', senderFingerprint: '', legacyAuthentic: false });

    // The same change to a message signed by the pinned key breaks the signature: error, and no text.
    const signedAltered = await openLegacy(page, flipIv(stockCipher(stock, 'PAY 100', legacyPub, frank), 4, '1', '9'));
    expect(signedAltered).toMatchObject({ status: 'error', reason: { code: 'bad-signature' } });
    expect(JSON.stringify(signedAltered)).not.toContain('PAY');

    // One changed character anywhere in a signed message: an error, or at most unauthenticated legacy text.
    const signed = stockCipher(stock, 'PAY 100 to frank, signed', legacyPub, frank);
    const sep = signed.indexOf('?');
    for (const at of [5, sep + 30, sep + 60, Math.floor((sep + signed.length) / 2), signed.length - 8]) {
      const flipped = signed.slice(0, at) + (signed[at] === 'A' ? 'B' : 'A') + signed.slice(at + 1);
      const r = await openLegacy(page, flipped);
      expect(r.status, `flip at ${at}`).not.toBe('verified');
      if (r.status === 'legacy') expect(r.legacyAuthentic, `flip at ${at}`).toBe(false);
      else expect(r.status, `flip at ${at}`).toBe('error');
    }

    expect(await openLegacy(page, signed.slice(0, -4))).toMatchObject({ status: 'error', reason: { code: 'truncated' } });
    expect(await openLegacy(page, 'QUJD?REVGRw==')).toMatchObject({ status: 'error' });
    // After all that, a good message still opens.
    expect(await openLegacy(page, signed)).toMatchObject({ status: 'legacy', legacyAuthentic: true, senderHandle: 'frank' });
  });

  it('extension → stock: stock cryptico.decrypt reads it and verifies the signature as our legacy key', async () => {
    expect(await pinLegacy(page, 'dave', stock.publicKeyString(dave))).toBe('pinned');

    const [raw, ...rest] = await encryptLegacy(page, ['dave'], 'Hello from the extension', true);
    expect(rest).toEqual([]);
    expect(stock.decrypt(raw!, dave)).toEqual({
      status: 'success',
      plaintext: 'Hello from the extension',
      signature: 'verified',
      publicKeyString: legacyPub,
    });

    // Armored (format 0x02): the same stock string inside.
    const parts = await encryptLegacy(page, ['dave'], CANARY);
    const inner = decodeLegacyPayload(dearmor(parts.join('\n')));
    const opened = stock.decrypt(inner, dave);
    expect(opened).toMatchObject({ status: 'success', signature: 'verified', publicKeyString: legacyPub });
    expect(opened.status === 'success' && fromLatin1Utf8(opened.plaintext)).toBe(CANARY);

    // Not for anyone else: frank's stock key cannot read it.
    expect(stock.decrypt(raw!, frank).status).toBe('failure');
  });

  it('the legacy suite is never chosen automatically, never mixed, never used for a modern contact', async () => {
    // Without suite 'cryptico', a legacy-only contact is refused rather than downgraded.
    expect(await api(page, { type: 'encrypt', recipients: ['dave'], plaintext: 'hi' })).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(await api(page, { type: 'encrypt', recipients: ['dave'], plaintext: 'hi', raw: true })).toMatchObject({ ok: false, error: { code: 'bad-request' } });

    const grace = await generateIdentity(true);
    const graceBundle = encodePublicBundle({ identityKey: grace.publicKey, prekey: await generatePrekey(grace), handle: 'grace' });
    expect(await pin(page, 'grace', graceBundle)).toBe('pinned');
    for (const recipients of [['grace'], ['grace', 'dave'], ['dave', 'frank']]) {
      expect(await api(page, { type: 'encrypt', recipients, plaintext: 'hi', suite: 'cryptico' }), recipients.join()).toMatchObject({
        ok: false,
        error: { code: 'unsupported' },
      });
    }
    expect(await api(page, { type: 'encrypt', recipients: ['grace', 'dave'], plaintext: 'hi' })).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    // A contact with a modern key never gets a legacy key.
    expect(await api(page, { type: 'pinLegacyContact', handle: 'grace', publicKey: stock.publicKeyString(mallory) })).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
    // Hostile key strings: clear errors.
    expect(await api(page, { type: 'pinLegacyContact', handle: 'x1', publicKey: 'not a key!' })).toMatchObject({ ok: false, error: { code: 'malformed' } });
    const weak = stock.publicKeyString(stock.generateRSAKey('paper default', 512));
    expect(await api(page, { type: 'pinLegacyContact', handle: 'x2', publicKey: weak })).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(await api(page, { type: 'pinLegacyContact', handle: 'x3', publicKey: 'A'.repeat(5000) })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  return {
    get session() {
      return session;
    },
    get page() {
      return page;
    },
  };
}

describe('Chromium: legacy suite against stock cryptico', () => {
  const ctx = legacySuite('chromium');

  it("the service worker's Math.random is the native function after legacy work", async () => {
    const target = await ctx.session.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(ctx.session.baseUrl));
    const worker = (await target.worker()) as WebWorker;
    // A marker proves the checks below see the same worker instance that does the legacy work.
    await worker.evaluate(() => void ((globalThis as unknown as { c2cProbe: number }).c2cProbe = 1));
    const legacyPub = (await api<{ key: { publicKey: string } }>(ctx.page, { type: 'getLegacyPublicKey' })).key.publicKey;
    const stock = loadStockCryptico();
    await openLegacy(ctx.page, stockCipher(stock, 'one more', legacyPub, stock.generateRSAKey('k', 1024)));
    await encryptLegacy(ctx.page, ['dave'], 'and back');
    const seen = await worker.evaluate(() => {
      const g = globalThis as unknown as Record<string, unknown>;
      const samples = Array.from({ length: 8 }, () => Math.random());
      return {
        probe: g.c2cProbe,
        random: Math.random.toString(),
        seedrandom: typeof (Math as unknown as Record<string, unknown>).seedrandom,
        leaked: ['sPaddedMessageHex', 'signString', 'pubkey'].filter((name) => name in g),
        distinct: new Set(samples).size,
      };
    });
    expect(seen).toEqual({ probe: 1, random: expect.stringMatching(/^function random\(\) \{\s*\[native code\]\s*\}$/), seedrandom: 'undefined', leaked: [], distinct: 8 });
  });
});

describe('Firefox: legacy suite against stock cryptico', () => {
  const ctx = legacySuite('firefox');

  it("the background page's Math.random is the native function after legacy work", async () => {
    // Firefox runs the background as an event page, whose globals extension pages can read directly.
    const probe = (mark: boolean) =>
      ctx.page.evaluate(async (setMark) => {
        type Runtime = { runtime: { getBackgroundPage(): Promise<unknown> } };
        const g = (await (globalThis as unknown as { browser: Runtime }).browser.runtime.getBackgroundPage()) as Record<string, unknown>;
        if (setMark) g.c2cProbe = 1;
        const m = g.Math as Math & Record<string, unknown>;
        return {
          probe: g.c2cProbe,
          random: m.random.toString(),
          seedrandom: typeof m.seedrandom,
          leaked: ['sPaddedMessageHex', 'signString', 'pubkey'].filter((name) => name in g),
          distinct: new Set(Array.from({ length: 8 }, () => m.random())).size,
        };
      }, mark);
    await probe(true);
    const legacyPub = (await api<{ key: { publicKey: string } }>(ctx.page, { type: 'getLegacyPublicKey' })).key.publicKey;
    const stock = loadStockCryptico();
    await openLegacy(ctx.page, stockCipher(stock, 'one more', legacyPub, stock.generateRSAKey('k', 1024)));
    await encryptLegacy(ctx.page, ['dave'], 'and back');
    const seen = await probe(false);
    expect(seen).toEqual({ probe: 1, random: expect.stringMatching(/^function random\(\) \{\s*\[native code\]\s*\}$/), seedrandom: 'undefined', leaked: [], distinct: 8 });
  });
});
