// Armor text → payload: dearmor() on one or several texts and the streaming Reassembler, from parts made
// by armor() (one part and several, short and long parts) and by the documented v1 encoder, then mutated
// the way hosts and attackers change text.
import { armor, dearmor, Reassembler, type AddResult } from '../../lib/armor/armor';
import { C2CError } from '../../lib/errors';
import { equalBytes, toHex } from '../../lib/bytes';
import { ALPHABET } from '../../lib/armor/format';
import { specPart, specStream } from '../../tests/unit/armor/hosts';
import { check, Violation, type Target } from '../engine';
import { mutateText, shrinkText } from '../mutate';
import { Rng } from '../rng';

interface Seed {
  payload: Uint8Array;
  parts: string[];
}

const PIECES = ['c2c2', 'c2c1', 'c2c20', 'c2c21', 'c2c', 'C2C2', ...ALPHABET, '\u200b', ' ', '\n'];

export const armorTarget: Target<string[]> = {
  name: 'armor',
  covers: 'dearmor() and Reassembler.add() on mutated v2 (one and several parts) and v1 armor; only armored payloads decode and re-armor to themselves, the reassembler never throws',
  smoke: 10_000,
  async setup() {
    const rng = new Rng(1);
    const seeds: Seed[] = [];
    for (const [size, limit] of [[0, 3000], [1, 200], [40, 200], [300, 200], [1500, 400], [5000, 3000], [700, Infinity]] as const) {
      const payload = rng.bytes(size);
      seeds.push({ payload, parts: armor(payload, { maxPartLength: limit }) });
    }
    const v1Payload = rng.bytes(200);
    const stream = specStream(v1Payload);
    seeds.push({ payload: v1Payload, parts: [0, 1].map((index) => specPart({ id: 'abcdefgh', index, count: 2, chunk: stream.subarray(index * 102, (index + 1) * 102) })) });
    const donors = seeds.flatMap((s) => s.parts);
    const armored = new Set(seeds.map((s) => toHex(s.payload)));
    return {
      generate(rng) {
        const seed = rng.pick(seeds);
        const texts = seed.parts.map((p) => (rng.chance(0.3) ? `see ${p} ok` : p));
        if (rng.chance(0.2) && texts.length > 1) texts.reverse();
        if (rng.chance(0.1)) texts.push(rng.pick(texts));
        const i = rng.int(texts.length);
        texts[i] = mutateText(rng, texts[i]!, PIECES, donors);
        return rng.chance(0.2) ? [texts.join(rng.pick(['', ' ', '\n']))] : texts;
      },
      run(texts) {
        // The streaming reader never throws, not even a typed error: every problem is a status.
        const r = new Reassembler();
        for (const [i, t] of texts.entries()) {
          let added: AddResult;
          try {
            added = r.add(t, String(i));
          } catch (e) {
            throw new Violation(`Reassembler.add threw ${e instanceof Error ? e.name : typeof e}: ${String(e)}`);
          }
          for (const c of added.completed) check(armored.has(toHex(c.payload)), 'the reassembler completed a payload nobody armored');
        }
        // Case, invisible characters and Crockford aliases may change; what decodes must still be a payload that
        // was armored (a changed symbol that passes both CRCs would be a checksum collision).
        const payload = dearmor(texts);
        check(armored.has(toHex(payload)), 'altered armor decoded to a payload nobody armored');
        check(equalBytes(dearmor(armor(payload)), payload), 'a dearmored payload does not round-trip');
      },
      shrink: shrinkParts,
      show: (texts) => JSON.stringify(texts),
    };
  },
  typedErrors: [C2CError],
};

/** Drop a text, then shorten each text. */
function* shrinkParts(texts: string[]): Generator<string[]> {
  if (texts.length > 1) for (let i = 0; i < texts.length; i++) yield texts.filter((_, j) => j !== i);
  for (let i = 0; i < texts.length; i++) for (const t of shrinkText(texts[i]!)) yield texts.map((x, j) => (j === i ? t : x));
}
