// The Reassembler as a content script would use it: one add() per chat message, as messages appear.
import { describe, expect, it } from 'vitest';
import { armor, findArmorParts } from '../../../lib/armor/armor';
import { Reassembler } from '../../../lib/armor/reassembler';
import { bytesFrom, specPart, specStream } from './hosts';

const payload = bytesFrom(1200, 21);
const parts = armor(payload, { maxPartLength: 400 });
const id = parts[0]!.slice(8, 12);

describe('Reassembler', () => {
  it('reports waiting parts, then the payload once all parts arrived in separate messages, out of order', () => {
    const r = new Reassembler();
    const order = [...parts.keys()].reverse();
    order.slice(0, -1).forEach((index, k) => {
      const { completed, statuses } = r.add(`bob: ${parts[index]}`, `msg-${index}`);
      expect(completed).toEqual([]);
      expect(statuses).toEqual([expect.objectContaining({ id, state: 'waiting', received: k + 1, count: parts.length })]);
    });
    expect(r.waiting()).toEqual([expect.objectContaining({ id, missing: [order.at(-1)] })]);
    const last = r.add(parts[order.at(-1)!]!, 'msg-last');
    expect(last.completed).toHaveLength(1);
    expect(last.completed[0]!.payload).toEqual(payload);
    expect(new Set(last.completed[0]!.sources)).toEqual(new Set([...order.slice(0, -1).map((i) => `msg-${i}`), 'msg-last']));
    expect(last.statuses).toEqual([expect.objectContaining({ id, state: 'complete' })]);
    expect(r.waiting()).toEqual([]);
  });

  it('does not report a completed message twice when its parts are seen again (re-rendered page)', () => {
    const r = new Reassembler();
    expect(r.add(parts.join('\n')).completed).toHaveLength(1);
    const again = r.add(parts[1]!, 'rerender');
    expect(again.completed).toEqual([]);
    expect(again.statuses).toEqual([expect.objectContaining({ id, state: 'complete', sources: ['rerender'] })]);
  });

  it('keeps several messages apart when their parts interleave with each other and with chat', () => {
    const other = bytesFrom(900, 22);
    const otherParts = armor(other, { maxPartLength: 300 });
    const r = new Reassembler();
    const stream = [parts[0], 'lol', otherParts[2], parts[2], otherParts[0], parts[1], `ok ${otherParts[1]} ${parts[0]}`, ...parts.slice(3), ...otherParts.slice(3)];
    const done = stream.flatMap((text, i) => r.add(text!, `m${i}`).completed);
    expect(done.map((d) => d.payload)).toEqual(expect.arrayContaining([payload, other]));
    expect(done).toHaveLength(2);
  });

  it('reports a damaged copy as an error but still completes when a clean copy arrives', () => {
    const r = new Reassembler();
    const p = parts[1]!;
    const damaged = p.slice(0, 150) + (p[150] === 'q' ? 'r' : 'q') + p.slice(151);
    r.add(parts[0]!);
    const bad = r.add(damaged, 'bad');
    expect(bad.statuses).toEqual([{ id, state: 'error', error: expect.objectContaining({ code: 'checksum' }), sources: ['bad'] }]);
    expect(r.add(p.slice(0, 120), 'cut').statuses[0]).toMatchObject({ id, state: 'error', error: { code: 'truncated' } });
    const rest = parts.slice(1).flatMap((t) => r.add(t).completed);
    expect(rest.map((c) => c.payload)).toEqual([payload]);
  });

  it('reports errors without a message id for unknown versions and unreadable headers', () => {
    const r = new Reassembler();
    const res = r.add(`c2c9${'a'.repeat(30)} and c2c1${'b'.repeat(30)}`, 'x');
    expect(res.statuses.map((s) => [s.id, s.state, s.state === 'error' && s.error.code])).toEqual([
      [null, 'error', 'unknown-version'],
      [null, 'error', 'checksum'],
    ]);
  });

  it('fails a message for good when two different texts claim the same part, and says so for later parts', () => {
    const stream = specStream(payload);
    const half = Math.ceil(stream.length / 2);
    const a = specPart({ id: 'abcdefgh', index: 0, count: 2, chunk: stream.subarray(0, half) });
    const b = specPart({ id: 'abcdefgh', index: 1, count: 2, chunk: stream.subarray(half) });
    const evil = specPart({ id: 'abcdefgh', index: 0, count: 2, chunk: bytesFrom(half, 1) });
    const r = new Reassembler();
    r.add(a);
    expect(r.add(evil).statuses[0]).toMatchObject({ id: 'abcdefgh', state: 'error', error: { code: 'malformed' } });
    const later = r.add(b);
    expect(later.completed).toEqual([]);
    expect(later.statuses[0]).toMatchObject({ state: 'error', error: { code: 'malformed' } });
  });

  it('fails a message whose parts do not add up, never returning a wrong payload', () => {
    const stream = specStream(payload);
    stream[5]! ^= 0x40;
    const forged = [0, 1].map((index) => specPart({ id: 'abcdefgh', index, count: 2, chunk: stream.subarray(index * 700, (index + 1) * 700) }));
    const r = new Reassembler();
    r.add(forged[0]!);
    const res = r.add(forged[1]!);
    expect(res.completed).toEqual([]);
    expect(res.statuses[0]).toMatchObject({ state: 'error', error: { code: 'checksum' } });
  });

  it('bounds memory: drops the least recently updated unfinished message and says so', () => {
    const r = new Reassembler({ maxPendingMessages: 3 });
    const firsts = Array.from({ length: 4 }, (_, i) => armor(bytesFrom(800, 100 + i), { maxPartLength: 300 })[0]!);
    firsts.slice(0, 3).forEach((t) => expect(r.add(t).statuses[0]!.state).toBe('waiting'));
    const res = r.add(firsts[3]!);
    expect(res.statuses.map((s) => s.state === 'error' && s.error.code)).toContain('too-large');
    expect(r.waiting()).toHaveLength(3);

    const partBytes = (findArmorParts(firsts[0]!)[0] as { header: { byteLength: number } }).header.byteLength;
    const bytes = new Reassembler({ maxPendingBytes: Math.floor(2.5 * partBytes) });
    bytes.add(firsts[0]!);
    bytes.add(firsts[1]!);
    const over = bytes.add(firsts[2]!);
    expect(over.statuses.some((s) => s.state === 'error' && s.error.code === 'too-large')).toBe(true);
    expect(bytes.waiting().map((w) => w.id)).toEqual([firsts[1], firsts[2]].map((t) => t!.slice(8, 12)));
  });
});
