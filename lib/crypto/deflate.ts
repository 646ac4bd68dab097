// Raw DEFLATE (RFC 1951) for message text, with or without a preset dictionary (RFC 1950's FDICT idea,
// here in raw streams: both sides prime the window with the same bytes). fflate, because the platform's
// CompressionStream has no dictionary. Inflation is bounded while it runs: input goes in small pieces and
// output is counted after each, so a small "bomb" cannot make us produce more than the bound.
import { deflateSync, Inflate } from 'fflate';
import { concat } from '../bytes';
import { C2CError } from '../errors';

/** Input fed to the inflater at once: at most ~1,032× this comes out before the bound is checked again. */
const INFLATE_STEP = 256;

export function deflateRaw(data: Uint8Array, dictionary?: Uint8Array): Uint8Array {
  return deflateSync(data, { level: 9, ...(dictionary ? { dictionary } : {}) });
}

/** Inflates raw DEFLATE; more than `maxBytes` of output → 'too-large', a broken stream → 'tampered'. */
export function inflateRaw(data: Uint8Array, maxBytes: number, dictionary?: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const inflater = new Inflate(dictionary ? { dictionary } : {}, (chunk, final) => {
    chunks.push(chunk);
    total += chunk.length;
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < data.length; at += INFLATE_STEP) {
      const end = Math.min(at + INFLATE_STEP, data.length);
      inflater.push(data.subarray(at, end), end === data.length);
      if (total > maxBytes) throw new C2CError('too-large', `the message text inflates to more than ${maxBytes} bytes`);
    }
  } catch (e) {
    if (e instanceof C2CError) throw e;
    throw new C2CError('tampered', 'the compressed message text is not valid DEFLATE data');
  }
  if (!ended) throw new C2CError('tampered', 'the compressed message text ends too early');
  return concat(...chunks);
}
