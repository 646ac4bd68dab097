// Byte helpers shared by the tests of encrypted files (lib/files, the CLI's primitives and commands).
import { concat } from '../../../lib/bytes';

/** Random-looking bytes (getRandomValues gives at most 64 KiB per call). */
export function noise(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) crypto.getRandomValues(out.subarray(at, at + 65536));
  return out;
}

/** A source that hands out `data` in pieces of `step` bytes (odd sizes cross every chunk edge). */
export async function* source(data: Uint8Array, step = 10_007): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += step) yield data.slice(at, at + step);
}

/** Everything a stream yields, each piece copied as it comes (sources may reuse their buffers). */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c.slice());
  return concat(...parts);
}

/** Where the body starts in an encrypted file: format id, u16 header length, header. */
export const bodyAt = (file: Uint8Array) => 3 + new DataView(file.buffer, file.byteOffset).getUint16(1);
