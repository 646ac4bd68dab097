// What the content script accepts from the compose frame before it writes anything into a host page:
// only well-shaped messages, and only text that is entirely intact armor parts.
import { describe, expect, it } from 'vitest';
import { armor } from '@/lib/armor/armor';
import { isComposeToHost, isHostToCompose, MAX_PARTS_TEXT } from '@/lib/content/frames';
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
