// What the content script accepts from the compose frame before it writes anything into a host page:
// only well-shaped messages, and only text that is entirely intact armor parts.
import { describe, expect, it } from 'vitest';
import { armor } from '@/lib/armor/armor';
import { frameAddresses, isComposeToHost, isHostToCompose, MAX_PARTS_TEXT } from '@/lib/content/frames';
import { isArmorOnly } from '@/entrypoints/content/compose-overlay';

const payload = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

describe('compose port messages', () => {
  it('accepts ready, send with string parts, and close', () => {
    expect(isComposeToHost({ type: 'send', parts: ['a', 'b'] })).toBe(true);
    expect(isComposeToHost({ type: 'close' })).toBe(true);
    expect(isComposeToHost({ type: 'ready' })).toBe(true);
  });

  it('refuses anything else a page could forge', () => {
    for (const bad of [
      null,
      undefined,
      'send',
      [],
      { type: 'send' },
      { type: 'send', parts: [] },
      { type: 'send', parts: 'c2c1…' },
      { type: 'send', parts: ['ok', 42] },
      { type: 'send', parts: ['x'.repeat(MAX_PARTS_TEXT + 1)] },
      { type: 'encrypt', plaintext: 'x' },
    ]) {
      expect(isComposeToHost(bad), JSON.stringify(bad)?.slice(0, 60)).toBe(false);
    }
  });

  it('results are sent or copy only', () => {
    expect(isHostToCompose({ type: 'result', outcome: 'sent' })).toBe(true);
    expect(isHostToCompose({ type: 'result', outcome: 'copy' })).toBe(true);
    expect(isHostToCompose({ type: 'result', outcome: 'plaintext' })).toBe(false);
    expect(isHostToCompose({ outcome: 'sent' })).toBe(false);
  });
});

describe('isArmorOnly: what may be written into the host editor', () => {
  const parts = armor(payload(3000), { maxPartLength: 1000 });

  it('accepts the parts of an armored message', () => {
    expect(parts.length).toBeGreaterThan(1);
    expect(isArmorOnly(parts)).toBe(true);
  });

  it('refuses plaintext, extra text around a part, damaged and joined parts', () => {
    const one = parts[0]!;
    expect(isArmorOnly([])).toBe(false);
    expect(isArmorOnly(['hello'])).toBe(false);
    expect(isArmorOnly([`${one} and my secret`])).toBe(false);
    expect(isArmorOnly([`secret ${one}`])).toBe(false);
    expect(isArmorOnly([one.slice(0, -1)])).toBe(false);
    expect(isArmorOnly([one.slice(0, 40) + (one[40] === '2' ? '3' : '2') + one.slice(41)])).toBe(false);
    expect(isArmorOnly([parts.join('\n')])).toBe(false);
    expect(isArmorOnly([...parts, 'plain'])).toBe(false);
  });
});

describe('frameAddresses', () => {
  it("Chrome: frames load by the per-session address and live at the extension's fixed one", () => {
    expect(frameAddresses('chrome-extension://b8cdc63d-c152-4f9c-8615-ec64bb0b9e93/message-frame.html', 'glmjnmblkhbcifaecbnkblmbnmkkifhh')).toEqual({
      load: 'chrome-extension://b8cdc63d-c152-4f9c-8615-ec64bb0b9e93/',
      live: 'chrome-extension://glmjnmblkhbcifaecbnkblmbnmkkifhh/',
    });
  });

  it('Firefox: one address (the add-on id is not part of it)', () => {
    const base = 'moz-extension://5d7a0c3e-1111-4222-8333-944455556666/';
    expect(frameAddresses(`${base}message-frame.html`, 'crypt2chat@crypt2chat.org')).toEqual({ load: base, live: base });
  });
});
