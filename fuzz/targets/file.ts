// Encrypted `.c2c` files (lib/files/file-crypt.ts, file-header.ts): openFile() on mutated files, fed in
// pieces of random sizes (as a stream arrives), and their plaintext read to the end. A changed file never
// gives its whole plaintext without an error; an unchanged one gives exactly what was sealed.
import { equalBytes, toHex } from '../../lib/bytes';
import { openFile, sealFile } from '../../lib/files/file-crypt';
import { makeUser } from '../../tests/unit/crypto/fixtures';
import { collect } from '../../tests/unit/files/file-fixtures';
import { check, type Target } from '../engine';
import { mutateBytes, shrinkBytes } from '../mutate';
import type { Rng } from '../rng';

interface Input {
  bytes: Uint8Array;
  /** Where the stream is cut into pieces. */
  cuts: number[];
}

function cutsFor(rng: Rng, length: number): number[] {
  const cuts = Array.from({ length: rng.int(4) }, () => rng.int(length + 1));
  return cuts.sort((a, b) => a - b);
}

async function* pieces({ bytes, cuts }: Input): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

export const fileTarget: Target<Input> = {
  name: 'file',
  covers: 'openFile() on mutated .c2c files (header, chunks, padding, end signature) streamed in random pieces, plaintext read to the end; a changed file never yields its whole plaintext without an error',
  smoke: 300,
  async setup() {
    const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
    const me = { identity: bob.identity, prekeys: [bob.prekey] };
    // Empty, short, and just over one 64 KiB chunk (the chunk edge).
    const plaintexts = [new Uint8Array(0), new TextEncoder().encode('a short report'), Uint8Array.from({ length: 65_600 }, (_, i) => i % 251)];
    const files = await Promise.all(
      plaintexts.map((p, i) => collect(sealFile({ identity: alice.identity, recipients: [bob.bundle], meta: { name: `f${i}.txt`, type: 'text/plain' }, input: pieces({ bytes: p, cuts: [] }) }))),
    );
    return {
      generate(rng) {
        const bytes = mutateBytes(rng, files[rng.int(files.length)]!, files);
        return { bytes, cuts: cutsFor(rng, bytes.length) };
      },
      async run(input) {
        const j = files.findIndex((f) => equalBytes(f, input.bytes));
        let plaintext: Uint8Array;
        try {
          plaintext = await collect((await openFile(pieces(input), me)).plaintext);
        } catch (e) {
          // However the stream is cut, a file as sealed opens.
          check(j < 0, `an unchanged file did not open when cut at ${input.cuts.join(',')}: ${String(e)}`);
          throw e;
        }
        check(j >= 0, `a changed file opened to the end (${toHex(input.bytes).slice(0, 64)}…)`);
        check(equalBytes(plaintext, plaintexts[j]!), 'a file opened to other plaintext');
      },
      *shrink(input) {
        for (const bytes of shrinkBytes(input.bytes)) yield { bytes, cuts: input.cuts.filter((c) => c <= bytes.length) };
      },
      show: ({ bytes, cuts }) => `cuts ${cuts.join(',')}: ${toHex(bytes)}`,
    };
  },
};
