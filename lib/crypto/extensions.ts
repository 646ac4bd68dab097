// The extension list shared by the one-shot message (message-v2.ts, docs/FORMATS.md "Message v2") and the
// secure chat's handshake payload (lib/chat/session.ts): u8 count ‖ count × (u8 type ‖ u8 length ‖ value),
// distinct types. What a type means is up to the format that carries it.
import { concat } from '../bytes';
import { C2CError } from '../errors';

export interface Extension {
  type: number;
  value: Uint8Array;
}

export const MAX_EXTENSIONS = 255;
export const MAX_EXTENSION_VALUE = 255;

export function encodeExtensions(extensions: Extension[]): Uint8Array {
  if (extensions.length > MAX_EXTENSIONS) throw new C2CError('too-large', `at most ${MAX_EXTENSIONS} extensions`);
  const types = new Set<number>();
  const parts = extensions.map(({ type, value }) => {
    if (!Number.isInteger(type) || type < 0 || type > 0xff || types.has(type)) throw new C2CError('malformed', 'extension types are distinct bytes');
    if (value.length > MAX_EXTENSION_VALUE) throw new C2CError('too-large', `an extension value is at most ${MAX_EXTENSION_VALUE} bytes`);
    types.add(type);
    return concat(new Uint8Array([type, value.length]), value);
  });
  return concat(new Uint8Array([extensions.length]), ...parts);
}

/**
 * Reads the list that starts at `at`; returns it and where it ends. `cut` is the error for a list that
 * runs past the bytes; a repeated type is 'tampered' (`what` names the carrier in its message).
 */
export function decodeExtensions(bytes: Uint8Array, at: number, what: string, cut: () => C2CError): { extensions: Extension[]; end: number } {
  const count = bytes[at++];
  if (count === undefined) throw cut();
  const types = new Set<number>();
  const extensions: Extension[] = [];
  for (let i = 0; i < count; i++) {
    const type = bytes[at];
    const length = bytes[at + 1];
    if (type === undefined || length === undefined || at + 2 + length > bytes.length) throw cut();
    if (types.has(type)) throw new C2CError('tampered', `${what} repeats an extension`);
    types.add(type);
    extensions.push({ type, value: bytes.slice(at + 2, at + 2 + length) });
    at += 2 + length;
  }
  return { extensions, end: at };
}
