// findArmorParts on hostile pages, bounded in CPU time: near misses that would make a quadratic scanner
// take minutes, and a page of 10,000 damaged tokens. A file of its own so that mutation runs leave it out
// (vitest.stryker.config.ts): instrumented code is slower than the bounds, which hold for the real code.
import { describe, expect, it } from 'vitest';
import { armor } from '../../../lib/armor/armor';
import { findArmorParts, type ArmorPartRef } from '../../../lib/armor/detect';
import { bytesFrom, checkRefs, specPart } from './hosts';

const parts = armor(bytesFrom(900, 11), { maxPartLength: 400 });

/** CPU time of f in ms: unlike wall time, it does not grow when other processes load the machine. */
function cpuMs(f: () => void): number {
  const t0 = process.cpuUsage();
  f();
  const { user, system } = process.cpuUsage(t0);
  return (user + system) / 1000;
}

describe('hostile pages', () => {
  // Each candidate below makes the scanner do some work and fail: a quadratic scanner would take minutes.
  const forgedHeader = specPart({ id: 'abcdefgh', index: 0, count: 1, chunk: new Uint8Array(0), byteLength: 1_000_000 }).slice(0, 22);
  const NEAR_MISSES: Record<string, string> = {
    'header one symbol short': `c2c1${'abcdefgh0001000'.padEnd(17, 'k')} `,
    'valid header, body cut short': `${forgedHeader}${'q'.repeat(30)}! `,
    'spaced-out envelope': 'c 2 c 1 a b c d e f g h ',
    'runs of envelopes': 'c2c2c2c2c1c1c2c',
    'envelope then long whitespace': `c2c${' '.repeat(200)}`,
    'zero-width everywhere': 'c\u200b2\u200bc\u200b1\u200b'.repeat(5),
  };

  it.each(Object.entries(NEAR_MISSES))('scans 1 MB of "%s" in linear time', (_name, unit) => {
    const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
    let refs: ArmorPartRef[] = [];
    const ms = cpuMs(() => (refs = findArmorParts(text)));
    checkRefs(text, refs);
    expect(refs.every((r) => r.kind !== 'part')).toBe(true);
    expect(ms).toBeLessThan(1000);
  });

  it('finds all 10,000 damaged tokens on a page of fakes, quickly', () => {
    const token = parts[0]!;
    const fakes = Array.from({ length: 10_000 }, (_, i) => {
      const at = 22 + (i % (token.length - 30));
      return `<p>${token.slice(0, at)}${token[at] === 'x' ? 'w' : 'x'}${token.slice(at + 1)}</p>`;
    }).join('\n');
    let refs: ArmorPartRef[] = [];
    expect(cpuMs(() => (refs = findArmorParts(fakes)))).toBeLessThan(1000);
    expect(refs).toHaveLength(10_000);
    expect(refs.every((r) => r.kind === 'damaged' && r.code === 'checksum')).toBe(true);
  });
});
