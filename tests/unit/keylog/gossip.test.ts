// Key-log gossip (lib/keylog/gossip.ts): the few bytes a message carries, garbage refused with a specific
// error, the comparison a recipient makes without the relay, and the check that joins a differing view to
// its own through the relay's proofs: consistent for an honest relay, also while it grows between its
// answers; a fork when the relay's tree of the gossiped size is not the one gossiped. Also what gossip
// costs a 20-character token (issue 19's budget: to 1 recipient at most 450 characters).
import { describe, expect, it } from 'vitest';
import { concat, toBase64Url, utf8 } from '../../../lib/bytes';
import { armor } from '../../../lib/armor/armor';
import { openMessageV2, sealMessageV2 } from '../../../lib/crypto/message-v2';
import { parseCheckpoint } from '../../../lib/keylog/checkpoint';
import {
  GOSSIP_EXTENSION,
  GossipError,
  checkGossip,
  compareGossip,
  encodeGossip,
  gossipOfState,
  logIdOf,
  parseGossip,
  type LogReader,
} from '../../../lib/keylog/gossip';
import { consistencyProof } from '../../../lib/keylog/merkle';
import { LogInconsistency, type LogState } from '../../../lib/keylog/verify';
import type { LogAnswer } from '../../../lib/protocol/relay';
import { makeUser } from '../crypto/fixtures';
import { ORIGIN, TestLog, person, registerEntry } from './log-fixture';

const ROOT = new Uint8Array(32).map((_, i) => i + 1);
const noteText = (note: string) => note.slice(0, note.lastIndexOf('\n\n') + 1);

/** A relay's log answers, as the relay gives them, from a TestLog; `grow` runs before each answer. */
function readerOf(log: TestLog, grow: () => void = () => undefined): LogReader & { calls: number } {
  return {
    calls: 0,
    async logCheckpoint(since: number): Promise<LogAnswer> {
      this.calls++;
      grow();
      const size = log.tree.size;
      const answer: LogAnswer = { checkpoint: await log.checkpoint(size) };
      if (since > 0 && since < size) answer.consistency = toBase64Url(concat(...consistencyProof(log.tree, since, size)));
      return answer;
    },
    async logEntries(size: number, start: number, count: number): Promise<LogAnswer> {
      this.calls++;
      return { checkpoint: await log.checkpoint(size), page: log.entries.slice(start, start + count) };
    },
  };
}

async function logOf(entries: number): Promise<TestLog> {
  const log = await TestLog.create();
  for (let i = 0; i < entries; i++) log.append(await registerEntry(await person(`user-${i}`)));
  return log;
}

const stateAt = async (log: TestLog, size = log.tree.size): Promise<LogState> => ({ key: log.key, checkpoint: await log.checkpoint(size) });
const gossipAt = async (log: TestLog, size = log.tree.size) => parseGossip(gossipOfState(await stateAt(log, size)));
const sizeOf = (state: LogState) => parseCheckpoint(noteText(state.checkpoint)).size;

describe('the gossip value', () => {
  it.each([
    [0, 9],
    [1, 9],
    [255, 9],
    [256, 10],
    [65_535, 10],
    [1_000_000, 11],
    [Number.MAX_SAFE_INTEGER, 15],
  ])('size %i takes %i bytes and reads back exactly', (size, length) => {
    const value = encodeGossip({ origin: ORIGIN, size, rootHash: ROOT, extensions: [] });
    expect(value).toHaveLength(length);
    expect(parseGossip(value)).toEqual({ logId: logIdOf(ORIGIN), rootPrefix: ROOT.subarray(0, 4), size });
  });

  it.each([
    ['empty', new Uint8Array(0), /is 9 to 15 bytes, not 0/],
    ['cut short', new Uint8Array(8), /is 9 to 15 bytes, not 8/],
    ['too long', new Uint8Array(16), /is 9 to 15 bytes, not 16/],
    ['a leading zero in the size', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0, 1]), /leading zero/],
    ['a size beyond 2^53', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0x20, 0, 0, 0, 0, 0, 0]), /beyond what a checkpoint can have/],
  ])('garbage (%s) is refused with its own GossipError', (_what, value, message) => {
    expect(() => parseGossip(value)).toThrow(GossipError);
    expect(() => parseGossip(value)).toThrow(message);
  });

  it('tells another log, the same checkpoint and a different one apart without the relay', async () => {
    const log = await logOf(3);
    const kept = await stateAt(log);
    expect(compareGossip(kept, await gossipAt(log))).toBe('same');
    expect(compareGossip(kept, await gossipAt(log, 2))).toBe('differs');
    const other = parseGossip(encodeGossip({ origin: 'another.example/log', size: 3, rootHash: ROOT, extensions: [] }));
    expect(compareGossip(kept, other)).toBe('other-log');
  });

  it('travels in a non-critical extension: opened, it is handed to the caller as it is, and the budget holds', async () => {
    const alice = await makeUser();
    const bob = await makeUser();
    const log = await logOf(1_000);
    const value = gossipOfState(await stateAt(log));
    // Letters that do not compress, so the sizes below are the format's, not the dictionary's.
    const text = utf8('qzxv jkwq pfyb gmzd.');
    const plain = await sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: text });
    const gossiped = await sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: text, extensions: [{ type: GOSSIP_EXTENSION, value }] });
    const opened = await openMessageV2(gossiped, { identity: bob.identity, ...bob.me });
    expect(opened.extensions).toEqual([{ type: GOSSIP_EXTENSION, value }]);
    // With a site channel and conversation too (the compose overlay's case), still within the budget.
    const both = await sealMessageV2({
      identity: alice.identity,
      recipients: [bob.bundle],
      plaintext: text,
      channel: { kind: 'site', site: 'https://chat.example', conversation: 'room-1' },
      extensions: [{ type: GOSSIP_EXTENSION, value }],
    });
    const chars = (bytes: Uint8Array) => armor(bytes).join('').length;
    expect(gossiped.length - plain.length).toBe(8); // 188 → 196 bytes: one Padmé step
    expect(chars(both)).toBeLessThanOrEqual(450);
  });
});

describe('checkGossip against the relay', () => {
  it('an honest relay: an older, the same-size or a newer gossiped tree is consistent, and the state advances', async () => {
    const log = await logOf(5);
    const kept = await stateAt(log, 3);
    for (const size of [1, 3, 5]) {
      const check = await checkGossip(readerOf(log), kept, await gossipAt(log, size));
      expect(check.verdict).toBe('consistent');
      expect(sizeOf(check.state)).toBe(5);
    }
  });

  it('an honest relay that appends between its answers never raises an alarm', async () => {
    const log = await logOf(4);
    const newcomer = await person('newcomer');
    const entry = await registerEntry(newcomer);
    for (const every of [1, 2, 3]) {
      let n = 0;
      const check = await checkGossip(readerOf(log, () => n++ % every === 0 && log.append(entry)), await stateAt(log, 2), await gossipAt(log, 3));
      expect(['consistent', 'undecided']).toContain(check.verdict);
      expect(sizeOf(check.state)).toBeGreaterThan(4);
    }
  });

  it('a fork: another tree of the same size as ours is caught', async () => {
    const ours = await logOf(4);
    const theirs = await logOf(4); // the same origin, other entries: what a forking relay shows someone else
    await expect(checkGossip(readerOf(ours), await stateAt(ours), await gossipAt(theirs))).rejects.toMatchObject({ reason: 'fork' });
  });

  it('a fork: the relay signs another tree of the gossiped older size than the one gossiped, with its checkpoint as evidence', async () => {
    const ours = await logOf(6);
    const theirs = await logOf(3);
    const e = await checkGossip(readerOf(ours), await stateAt(ours, 4), await gossipAt(theirs)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LogInconsistency);
    expect(e).toMatchObject({ reason: 'fork', message: expect.stringMatching(/tree of size 3 is not the one a contact was shown/) });
    expect(parseCheckpoint(noteText((e as LogInconsistency).evidence!.served)).size).toBe(3);
  });

  it('a relay that shows us a smaller tree than a contact was shown is caught', async () => {
    const log = await logOf(5);
    const hidden = await gossipAt(log, 5);
    // The relay's key signed size 5 for a contact, and shows us only its tree of 3.
    const reader = readerOf(log);
    const cut: LogReader = { ...reader, logCheckpoint: async () => ({ checkpoint: await log.checkpoint(3) }) };
    await expect(checkGossip(cut, await stateAt(log, 3), hidden)).rejects.toMatchObject({ reason: 'fork', message: expect.stringMatching(/smaller than the size 5/) });
  });

  it('a relay answering with a checkpoint signed by another key is refused, not trusted', async () => {
    const ours = await logOf(3);
    const impostor = await logOf(5);
    await expect(checkGossip(readerOf(impostor), await stateAt(ours), await gossipAt(impostor))).rejects.toMatchObject({ reason: 'bad-checkpoint' });
  });
});
