// The height a message frame gets (from its token alone) and the URL fragment the content script gives the
// frame (copy number, conversation and token), including what a page could forge in the fragment.
import { describe, expect, it } from 'vitest';
import { armor } from '@/lib/armor/armor';
import { FORMAT_ID } from '@/lib/crypto/format-ids';
import { MAX_CONVERSATION_LENGTH } from '@/lib/content/frames';
import { HEIGHT_STEPS, messageFragment, parseMessageFragment, stepForToken, type FrameMessage } from '@/lib/content/message-frame';

/** A token around a sealed message (format id 0x04) of n bytes, as the armor writes it. */
const tokenOf = (n: number) => armor(new Uint8Array(n).fill(FORMAT_ID.modernMessageV2), { maxPartLength: Infinity })[0]!;

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
    const parts = armor(new Uint8Array(300).fill(FORMAT_ID.modernMessageV2), { maxPartLength: 300 });
    expect(parts.length).toBeGreaterThan(1);
    expect(stepForToken(parts.join('\n'))).toBe(step);
  });

  it('gives a contact card (format id 0x07) room for its handle, fingerprint and Pin button, split or not', () => {
    const card = (n: number) => new Uint8Array(n).fill(FORMAT_ID.contactCardV1);
    expect(stepForToken(tokenOf(207))).toBe(0);
    expect(stepForToken(armor(card(207), { maxPartLength: Infinity })[0]!)).toBe(1);
    expect(stepForToken(armor(card(207), { maxPartLength: 200 }).join('\n').toUpperCase())).toBe(1);
    expect(stepForToken(armor(card(600), { maxPartLength: Infinity })[0]!)).toBe(2);
    // Only the first part names the format: a later part alone is sized as any token.
    expect(stepForToken(armor(card(207), { maxPartLength: 200 })[1]!)).toBe(0);
  });

  it('is the smallest step for text with no symbols, the largest for a flood of them', () => {
    expect(stepForToken('')).toBe(0);
    expect(stepForToken('!!! ??? ...')).toBe(0);
    expect(stepForToken('z'.repeat(1_000_000))).toBe(HEIGHT_STEPS.length - 1);
  });
});

describe('message frame fragment', () => {
  const ok = (message: FrameMessage) => ({ ok: true, message });
  const refused = (hash: string) => {
    const parsed = parseMessageFragment(hash);
    if (parsed.ok) throw new Error(`${hash.slice(0, 80)} was taken as ${JSON.stringify(parsed.message).slice(0, 80)}`);
    return parsed.reason;
  };

  it('round-trips the copy number and any token text', () => {
    const text = 'c2c1abc\nc2c1def #%:/?&=  ю';
    expect(parseMessageFragment(`#${messageFragment({ text, occurrence: 0 })}`)).toEqual(ok({ text, occurrence: 0 }));
    expect(parseMessageFragment(`#${messageFragment({ text, occurrence: 7 })}`)).toEqual(ok({ text, occurrence: 7 }));
    expect(parseMessageFragment(`#${messageFragment({ text, occurrence: 1e6 })}`)).toEqual(ok({ text, occurrence: 999 }));
    // Without a conversation the address is as it always was.
    expect(messageFragment({ text: 'c2c2ab', occurrence: 1 })).toBe('1:c2c2ab');
  });

  it('round-trips the conversation, whatever the page names it (the characters the format uses included)', () => {
    const text = 'c2c2abc';
    for (const conversation of ['#general', '/room/42', 'a&c=b:c#d%20e', 'Привет 🔐 чат', 'x'.repeat(MAX_CONVERSATION_LENGTH), '\u{1F512}'.repeat(MAX_CONVERSATION_LENGTH / 2)]) {
      const fragment = messageFragment({ text, occurrence: 0, conversation });
      expect(fragment).toMatch(/^0&c=[^&:]+:c2c2abc$/);
      expect(parseMessageFragment(`#${fragment}`), conversation.slice(0, 20)).toEqual(ok({ text, occurrence: 0, conversation }));
    }
  });

  it('refuses fragments it did not write', () => {
    for (const bad of ['', '#', '#c2c1abc', '#1:', '#1234:x', '#-1:x', '#1:%E0%A4%A', 'x1:abc', '#1&:x', '#1&c:x', '#1c=a:x']) {
      expect(refused(bad), bad).toBe('The frame’s address holds no encrypted text.');
    }
  });

  it('refuses a conversation that is empty, too long, badly encoded or holds control characters, each with its reason', () => {
    const at = (encoded: string) => `#0&c=${encoded}:c2c2abc`;
    expect(refused(at(''))).toMatch(/conversation .* is empty/);
    expect(refused(at('x'.repeat(MAX_CONVERSATION_LENGTH + 1)))).toMatch(new RegExp(`conversation .* longer than ${MAX_CONVERSATION_LENGTH} characters`));
    expect(refused(at(encodeURIComponent('ю'.repeat(MAX_CONVERSATION_LENGTH + 1))))).toMatch(/longer than/);
    // A lone surrogate's UTF-8 bytes, a cut escape: not what messageFragment writes.
    for (const bad of ['%ED%A0%80', '%E0%A4', 'a%2']) expect(refused(at(bad)), bad).toMatch(/not encoded as we write it/);
    for (const control of ['%00', 'a%0Ab', '%7F', '%C2%85']) expect(refused(at(control)), control).toMatch(/control characters/);
  });

  it('refuses a field it does not know, and a conversation named twice', () => {
    expect(refused('#0&v=2:c2c2abc')).toMatch(/field this version does not know \(v\)/);
    expect(refused('#0&c=a&z=1:c2c2abc')).toMatch(/does not know \(z\)/);
    expect(refused('#0&c=a&c=b:c2c2abc')).toMatch(/conversation twice/);
    // A name longer than any field's: not an address we write at all.
    expect(refused('#0&conversation=a:c2c2abc')).toBe('The frame’s address holds no encrypted text.');
  });
});
