// The height a message frame gets (from its token alone) and the URL fragment the content script gives the
// frame (copy number and token), including what a page could forge in the fragment.
import { describe, expect, it } from 'vitest';
import { armor } from '@/lib/armor/armor';
import { HEIGHT_STEPS, messageFragment, parseMessageFragment, stepForToken } from '@/lib/content/message-frame';

/** A token around a sealed message of n bytes, as the armor writes it. */
const tokenOf = (n: number) => armor(new Uint8Array(n).fill(7), { maxPartLength: Infinity })[0]!;

describe('message frame height', () => {
  it('grows with the sealed size in steps: a short message to one or three people gets the smallest', () => {
    expect(stepForToken(tokenOf(188))).toBe(0); // 20 characters to one recipient (message v2)
    expect(stepForToken(tokenOf(220))).toBe(0);
    expect(stepForToken(tokenOf(256))).toBe(1); // 20 characters to three
    expect(stepForToken(tokenOf(430))).toBe(1);
    expect(stepForToken(tokenOf(600))).toBe(2);
    expect(stepForToken(tokenOf(5000))).toBe(HEIGHT_STEPS.length - 1);
  });

  it('depends only on the symbols: case, line breaks, invisible characters and parts change nothing', () => {
    const token = tokenOf(300);
    const step = stepForToken(token);
    expect(step).toBe(1);
    expect(stepForToken(token.toUpperCase())).toBe(step);
    expect(stepForToken(token.replace(/(.{60})/g, '$1\n\u200b\u00ad'))).toBe(step);
    const parts = armor(new Uint8Array(300).fill(7), { maxPartLength: 300 });
    expect(parts.length).toBeGreaterThan(1);
    expect(stepForToken(parts.join('\n'))).toBe(step);
  });

  it('is the smallest step for text with no symbols, the largest for a flood of them', () => {
    expect(stepForToken('')).toBe(0);
    expect(stepForToken('!!! ??? ...')).toBe(0);
    expect(stepForToken('z'.repeat(1_000_000))).toBe(HEIGHT_STEPS.length - 1);
  });
});

describe('message frame fragment', () => {
  it('round-trips the copy number and any token text', () => {
    const text = 'c2c1abc\nc2c1def #%:/?  ю';
    expect(parseMessageFragment(`#${messageFragment(text, 0)}`)).toEqual({ text, occurrence: 0 });
    expect(parseMessageFragment(`#${messageFragment(text, 7)}`)).toEqual({ text, occurrence: 7 });
    expect(parseMessageFragment(`#${messageFragment(text, 1e6)}`)).toEqual({ text, occurrence: 999 });
  });

  it('refuses fragments it did not write', () => {
    for (const bad of ['', '#', '#c2c1abc', '#1:', '#1234:x', '#-1:x', '#1:%E0%A4%A', 'x1:abc']) expect(parseMessageFragment(bad), bad).toBeNull();
  });
});
