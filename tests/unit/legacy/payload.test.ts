// A legacy message inside our armor: 0x02 ‖ UTF-8 of the stock cryptico string.
import { beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from './error-code';
import { FORMAT_ID } from '../../../lib/crypto/format-ids';
import {
  decodeLegacyPayload,
  encodeLegacyPayload,
  generateLegacyKey,
  legacyDecrypt,
  legacyEncrypt,
  type LegacyPrivateKey,
} from '../../../lib/legacy/cryptico-suite';

let key: LegacyPrivateKey;
beforeAll(async () => {
  key = await generateLegacyKey(1024);
});


describe('legacy payload', () => {
  it('is 0x02 followed by the cryptico string, and decodes back to a string that opens', () => {
    const cipher = legacyEncrypt('through the armor', key.publicKey, key);
    const payload = encodeLegacyPayload(cipher);
    expect(payload[0]).toBe(FORMAT_ID.legacyCryptico);
    expect(payload[0]).toBe(0x02);
    expect(Buffer.from(payload.subarray(1)).toString('utf8')).toBe(cipher);
    expect(legacyDecrypt(decodeLegacyPayload(payload), key, key.publicKey).plaintext).toBe('through the armor');
  });

  it('refuses to wrap something that is not a cryptico string', () => {
    expect(errorCode(() => encodeLegacyPayload('hello'))).toBe('malformed');
    expect(errorCode(() => encodeLegacyPayload('QUJD?'))).toBe('malformed');
  });

  it('rejects empty, other-format, non-UTF-8 and mis-shaped payloads with specific codes', () => {
    const cipher = legacyEncrypt('x', key.publicKey);
    expect(errorCode(() => decodeLegacyPayload(new Uint8Array()))).toBe('truncated');
    const modern = encodeLegacyPayload(cipher);
    modern[0] = FORMAT_ID.modernMessageV1;
    expect(errorCode(() => decodeLegacyPayload(modern))).toBe('unknown-version');
    expect(errorCode(() => decodeLegacyPayload(Uint8Array.of(0x02, 0xff, 0xfe)))).toBe('malformed');
    expect(errorCode(() => decodeLegacyPayload(Uint8Array.of(0x02, ...Buffer.from('no question mark'))))).toBe('malformed');
  });
});
