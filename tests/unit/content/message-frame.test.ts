// What the content script accepts from a message frame (a height step, nothing else) and the URL fragment
// it gives the frame (copy number and token), including what a page could forge in either.
import { describe, expect, it } from 'vitest';
import { HEIGHT_STEPS, MESSAGE_HEIGHT, heightStep, messageFragment, parseMessageFragment, stepFor } from '@/lib/content/message-frame';

describe('message frame height', () => {
  it('picks the smallest step that holds the content, the largest beyond it', () => {
    expect(stepFor(0)).toBe(0);
    expect(stepFor(HEIGHT_STEPS[0])).toBe(0);
    expect(stepFor(HEIGHT_STEPS[0] + 1)).toBe(1);
    expect(stepFor(100_000)).toBe(HEIGHT_STEPS.length - 1);
  });

  it('accepts only a whole step number in range, in the right envelope', () => {
    for (let step = 0; step < HEIGHT_STEPS.length; step++) expect(heightStep({ c2c: MESSAGE_HEIGHT, step })).toBe(step);
    for (const bad of [
      null, undefined, 3, 'c2c-message-height', [], { step: 1 }, { c2c: 'other', step: 1 },
      { c2c: MESSAGE_HEIGHT, step: -1 }, { c2c: MESSAGE_HEIGHT, step: HEIGHT_STEPS.length }, { c2c: MESSAGE_HEIGHT, step: 1e9 },
      { c2c: MESSAGE_HEIGHT, step: 1.5 }, { c2c: MESSAGE_HEIGHT, step: '1' }, { c2c: MESSAGE_HEIGHT, step: Number.NaN },
      { c2c: MESSAGE_HEIGHT, step: Infinity },
    ]) {
      expect(heightStep(bad), JSON.stringify(bad) ?? String(bad)).toBeNull();
    }
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
