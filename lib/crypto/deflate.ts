// Raw DEFLATE (RFC 1951) through the platform's CompressionStream / DecompressionStream, present in
// Node 20, Chromium and Firefox, so no compression library ships. Inflation is bounded while it streams:
// a small "bomb" cannot make us hold more than the bound in memory.
import { buf, concat } from '../bytes';
import { C2CError } from '../errors';

async function collect(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(...chunks);
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new C2CError('too-large', `the message text inflates to more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
}

/** Feeds `input` into a transform and reads its output, failing the read if the write fails. */
async function run(transform: CompressionStream | DecompressionStream, input: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const writer = transform.writable.getWriter();
  const written = writer.write(buf(input)).then(() => writer.close());
  // A cancelled read aborts the pending write; that rejection is the read's, reported there.
  written.catch(() => undefined);
  const [out] = await Promise.all([collect(transform.readable, maxBytes), written]);
  return out;
}

export function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  return run(new CompressionStream('deflate-raw'), data, Infinity);
}

/** Inflates raw DEFLATE; more than `maxBytes` of output → 'too-large', a broken stream → 'tampered'. */
export async function inflateRaw(data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  try {
    return await run(new DecompressionStream('deflate-raw'), data, maxBytes);
  } catch (e) {
    if (e instanceof C2CError) throw e;
    throw new C2CError('tampered', 'the compressed message text is not valid DEFLATE data');
  }
}
