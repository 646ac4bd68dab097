import { createHash } from 'node:crypto';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { concat, fromUtf8, utf8 } from '../../../lib/bytes';
import { deflateRaw, inflateRaw } from '../../../lib/crypto/deflate';
import { TEXT_DICTIONARY_1 } from '../../../lib/crypto/text-dictionary';
import { codeOf } from './fixtures';

const dictionary = utf8(TEXT_DICTIONARY_1);
const text = utf8('Thanks for yesterday! Can we talk about the budget on Monday? Спасибо, до понедельника.');

describe('raw DEFLATE with and without the preset dictionary', () => {
  it('the dictionary is the one docs/FORMATS.md pins: 25,063 bytes, SHA-256 ad83efb4…', () => {
    expect(dictionary.length).toBe(25_063);
    expect(createHash('sha256').update(dictionary).digest('hex')).toBe('ad83efb49b33da19f1c2377ed0f17b43e1bee0678a2c29339f0c5cc4bdc108e4');
  });

  it('agrees with zlib both ways, with the dictionary and without', () => {
    expect(fromUtf8(inflateRawSync(deflateRaw(text, dictionary), { dictionary }))).toBe(fromUtf8(text));
    expect(fromUtf8(inflateRawSync(deflateRaw(text)))).toBe(fromUtf8(text));
    expect(fromUtf8(inflateRaw(deflateRawSync(text, { dictionary }), 1000, dictionary))).toBe(fromUtf8(text));
    expect(fromUtf8(inflateRaw(deflateRawSync(text), 1000))).toBe(fromUtf8(text));
  });

  it('stops a bomb at the bound, and calls a cut or broken stream tampered', async () => {
    // 512 MiB of zeros in 1 MiB blocks (about 1 KB each), then an empty final block: inflating it all would
    // take seconds and half a gigabyte, far past the test's time limit.
    const block = deflateRawSync(new Uint8Array(1024 * 1024), { finishFlush: constants.Z_FULL_FLUSH });
    const bomb = concat(...Array.from({ length: 512 }, () => block), new Uint8Array([0x03, 0x00]));
    expect(await codeOf(Promise.resolve().then(() => inflateRaw(bomb, 64 * 1024)))).toBe('too-large');
    const whole = deflateRawSync(text, { dictionary });
    expect(await codeOf(Promise.resolve().then(() => inflateRaw(whole.subarray(0, whole.length - 3), 1000, dictionary)))).toBe('tampered');
    expect(await codeOf(Promise.resolve().then(() => inflateRaw(new Uint8Array([0xff, 0xff, 0xff]), 1000)))).toBe('tampered');
    expect(await codeOf(Promise.resolve().then(() => inflateRaw(new Uint8Array(0), 1000)))).toBe('tampered');
  });
});
