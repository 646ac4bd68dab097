// A legacy message inside our armor: format id 0x02 followed by the UTF-8 of the stock cryptico string,
// so one armor and one decrypt entry point carry both suites.
import { concat, fromUtf8, isBase64Shaped, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { FORMAT_ID } from '../crypto/format-ids';

export function encodeLegacyPayload(cipher: string): Uint8Array {
  if (!splitCrypticoString(cipher)) throw new C2CError('malformed', 'not a legacy (cryptico) message');
  return concat(Uint8Array.of(FORMAT_ID.legacyCryptico), utf8(cipher));
}

export function decodeLegacyPayload(payload: Uint8Array): string {
  if (payload.length === 0) throw new C2CError('truncated', 'empty payload');
  if (payload[0] !== FORMAT_ID.legacyCryptico) throw new C2CError('unknown-version', 'not a legacy payload');
  let cipher: string;
  try {
    cipher = fromUtf8(payload.subarray(1));
  } catch {
    throw new C2CError('malformed', 'not a legacy (cryptico) message');
  }
  if (!splitCrypticoString(cipher)) throw new C2CError('malformed', 'not a legacy (cryptico) message');
  return cipher;
}

/** The wrapped-key and body fields of a cryptico string (two non-empty base64 fields joined by '?'). */
export function splitCrypticoString(text: string): [rsaPart: string, aesPart: string] | undefined {
  const [rsaPart, aesPart, ...rest] = text.split('?');
  const ok = !!rsaPart && !!aesPart && rest.length === 0 && isBase64Shaped(rsaPart) && isBase64Shaped(aesPart);
  return ok ? [rsaPart, aesPart] : undefined;
}
