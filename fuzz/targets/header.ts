// The token header: the armor part header (envelope, version, kind, length, id, index, count, header check)
// read by findArmorParts() in page text, and tokens a host split into pieces read back with extendHead().
// Parts are built by the documented encoders with random fields (forged lengths included), then mutated.
import { extendHead, findArmorParts, type ArmorPartRef, type HeadStep } from '../../lib/armor/armor';
import { fromSymbols, symbolCount } from '../../lib/armor/base32';
import { ALPHABET, MAX_PARTS } from '../../lib/armor/format';
import { specPart, specPartV2 } from '../../tests/unit/armor/hosts';
import { check, type Target } from '../engine';
import { mutateText, shrinkText } from '../mutate';

const PIECES = ['c2c2', 'c2c1', 'c2c20', 'c2c21', 'c2c', ...ALPHABET, '\u200b', '\u00ad', ' '];

interface Input {
  text: string;
  /** Where a host cut the text into messages (ascending offsets). */
  cuts: number[];
}

export const headerTarget: Target<Input> = {
  name: 'header',
  covers: 'findArmorParts() and extendHead() on v1/v2 part headers with random and forged fields, mutated and host-split; refs stay in order and in range, a split token reads as the whole',
  smoke: 10_000,
  async setup() {
    return {
      generate(rng) {
        const chunk = rng.bytes(rng.pick([0, 1, 5, 16, 64, 200]));
        const forged = rng.chance(0.3) ? { byteLength: rng.pick([0, 1, chunk.length + 1, chunk.length - 1, 32767, rng.int(1 << 15)]) } : {};
        const id = Array.from({ length: 8 }, () => rng.pick([...ALPHABET])).join('');
        const count = rng.pick([1, 2, 3, MAX_PARTS, MAX_PARTS + 1, rng.int(1024)]);
        const index = rng.chance(0.8) ? rng.int(count) : count + rng.int(3);
        let text = rng.chance(0.7)
          ? specPartV2({ ...(rng.chance(0.5) ? { multi: { id: id.slice(0, 4), index, count } } : {}), chunk, ...forged })
          : specPart({ id, index, count, chunk, ...forged });
        if (rng.chance(0.8)) text = mutateText(rng, text, PIECES);
        if (rng.chance(0.3)) text = `${rng.pick(['hi ', '', 'c2c ', '\n'])}${text}${rng.pick(['', ' bye', 'c2c2'])}`;
        const cuts = rng.chance(0.5) ? [] : [...new Set(Array.from({ length: rng.small(4) }, () => 1 + rng.int(Math.max(1, text.length - 1))))].sort((a, b) => a - b);
        return { text, cuts };
      },
      run({ text, cuts }) {
        const refs = findArmorParts(text);
        checkRefs(text, refs);
        const pieces = [0, ...cuts].map((from, i) => text.slice(from, cuts[i] ?? text.length)).filter((p) => p !== '');
        if (pieces.length < 2) return;
        const last = findArmorParts(pieces[0]!).at(-1);
        if (last?.kind !== 'head') return;
        let step: HeadStep = { kind: 'more', head: last };
        for (const piece of pieces.slice(1)) {
          if (step.kind !== 'more') break;
          step = extendHead(step.head, piece);
        }
        if (step.kind === 'part') {
          // A token read from pieces is the token read whole (the pieces hold only symbols and invisible characters).
          const whole = findArmorParts(pieces.join('')).find((r) => r.kind === 'part' && r.body === step.body);
          check(whole, 'a host-split token read differently from the same token whole');
          checkPart(step);
        }
      },
      *shrink({ text, cuts }) {
        if (cuts.length > 0) yield { text, cuts: cuts.slice(0, -1) };
        for (const t of shrinkText(text)) yield { text: t, cuts: cuts.filter((c) => c < t.length) };
      },
      show: (input) => JSON.stringify(input),
    };
  },
};

function checkRefs(text: string, refs: ArmorPartRef[]): void {
  let last = 0;
  for (const r of refs) {
    check(r.start >= last && r.end > r.start && r.end <= text.length, `a ref [${r.start}, ${r.end}) is out of order or outside the text`);
    last = r.end;
    if (r.kind === 'part') checkPart(r);
    if (r.kind === 'head') check(r.symbols.length < r.total, 'a head holds the whole part');
  }
}

function checkPart(r: Extract<ArmorPartRef, { kind: 'part' }>): void {
  const h = r.header;
  check(h.count >= 1 && h.count <= MAX_PARTS && h.index >= 0 && h.index < h.count, `a part header has index ${h.index} of ${h.count}`);
  check(r.body.length === symbolCount(h.byteLength), 'a part body does not match its length field');
  // The body of an accepted part decodes (canonical trailing bits are the decoder's own check).
  try {
    fromSymbols(r.body, h.byteLength);
  } catch (e) {
    check((e as { code?: string }).code === 'malformed', 'an accepted part body does not decode');
  }
}
