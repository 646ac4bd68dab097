// Client-side checks of a relay's key-log answers (lib/keylog/verify.ts, audit.ts, history.ts): the
// honest answers pass, and every kind of bad answer is refused with its own reason, never trusted and
// never a crash.
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, fromBase64Url, toBase64Url, utf8 } from '../../../lib/bytes';
import { LogAuditor } from '../../../lib/keylog/audit';
import { parseCheckpoint } from '../../../lib/keylog/checkpoint';
import { parseEntry } from '../../../lib/keylog/entry';
import { foreignEntry } from '../../../lib/keylog/history';
import { consistencyProof, hashLeaf } from '../../../lib/keylog/merkle';
import { formatVerifierKey } from '../../../lib/keylog/note';
import { generatePrekey } from '../../../lib/crypto/prekey';
import { encodePublicBundle } from '../../../lib/crypto/public-bundle';
import { LogInconsistency, verifyLookup, type InconsistencyReason, type LogState } from '../../../lib/keylog/verify';
import { LogAnswer } from '../../../lib/protocol/relay';
import { keyChangeEntry, person, registerEntry, rotateEntry, TestLog, type Person } from './log-fixture';
import { freshSigner } from './support';

/** The reason `run` was refused with; fails the test if it was accepted or threw anything else. */
async function reasonOf(run: () => Promise<unknown>): Promise<InconsistencyReason> {
  try {
    await run();
  } catch (e) {
    if (e instanceof LogInconsistency) return e.reason;
    throw e;
  }
  throw new Error('accepted');
}

let log: TestLog;
let alice: Person;
let bob: Person;
let aliceLater: Person; // alice's key with a newer prekey: a rotation
let aliceNew: Person; // alice's next identity, by a signed key change
/** The state of a client that looked alice up at size 3. */
let kept: LogState;

beforeAll(async () => {
  log = await TestLog.create();
  alice = await person('alice', 1000);
  bob = await person('bob');
  // The same identity, a newer prekey.
  aliceLater = { ...alice, bundle: encodePublicBundle({ identityKey: alice.identity.publicKey, prekey: await generatePrekey(alice.identity, { now: 2000 }), handle: 'alice' }) };
  aliceNew = await person('alice', 3000);
  log.append(await registerEntry(alice), await registerEntry(bob), rotateEntry(aliceLater));
  kept = (await verifyLookup('alice', aliceLater.bundle, await log.answer('alice', 0), null)).state;
  log.append(await keyChangeEntry(aliceLater, aliceNew));
  for (let i = 0; i < 5; i++) log.append(await registerEntry(await person(`filler-${i}`)));
});

describe('honest answers', () => {
  it('first contact pins the key; later answers are proven to extend the kept checkpoint', async () => {
    const v = await verifyLookup('alice', aliceNew.bundle, await log.answer('alice', 3), kept);
    expect(v.events.map((e) => e.type)).toEqual(['register', 'rotate', 'key-change']);
    expect(v.checkpoint.size).toBe(log.tree.size);
    expect(v.state.key).toBe(kept.key);
    expect(v.state.checkpoint).not.toBe(kept.checkpoint);
    // The same tree again: nothing new to keep.
    const again = await verifyLookup('alice', aliceLater.bundle, await log.answer('alice', 3, 3), kept);
    expect(again.state).toBe(kept);
  });

  it('every answer passes the wire schema', async () => {
    for (const answer of [await log.answer('bob', 3), await log.answer('alice', 0)]) expect(LogAnswer.safeParse(answer).success).toBe(true);
  });

  it('an audit of every entry rebuilds the root and the kept prefix', async () => {
    const auditor = new LogAuditor(log.signer.publicKey);
    await auditor.add(log.entries);
    const head = parseCheckpoint((await log.checkpoint()).split('\n\n')[0] + '\n');
    expect(() => auditor.finish(head, parseCheckpoint(kept.checkpoint.split('\n\n')[0] + '\n'))).not.toThrow();
    expect(auditor.handleCount).toBe(7);
  });
});

describe('bad answers are refused, each with its reason', () => {
  const lookupWith = async (change: (a: LogAnswer) => void, served = aliceNew.bundle, state: LogState | null = kept) => {
    const answer = await log.answer('alice', state ? 3 : 0);
    change(answer);
    return reasonOf(() => verifyLookup('alice', served, answer, state));
  };
  const proofBytes = (text: string) => fromBase64Url(text);

  it('truncated, extended or forged inclusion proofs', async () => {
    expect(await lookupWith((a) => (a.entries![0]!.proof = toBase64Url(proofBytes(a.entries![0]!.proof).subarray(32))))).toBe('bad-proof');
    expect(await lookupWith((a) => (a.entries![0]!.proof = toBase64Url(concat(proofBytes(a.entries![0]!.proof), new Uint8Array(32)))))).toBe('bad-proof');
    expect(await lookupWith((a) => {
      const p = proofBytes(a.entries![1]!.proof);
      p[5]! ^= 1;
      a.entries![1]!.proof = toBase64Url(p);
    })).toBe('bad-proof');
    expect(await lookupWith((a) => (a.entries![0]!.proof = 'not base64!'))).toBe('bad-proof');
    expect(await lookupWith((a) => (a.entries![0]!.proof = toBase64Url(new Uint8Array(33))))).toBe('bad-proof');
    expect(await lookupWith((a) => (a.entries![0]!.index = 1))).toBe('bad-proof'); // bob's position
    expect(await lookupWith((a) => a.entries!.reverse())).toBe('bad-proof');
  });

  it('missing entries or proofs', async () => {
    expect(await lookupWith((a) => (a.entries = []))).toBe('missing-proof');
    expect(await lookupWith((a) => delete a.entries)).toBe('missing-proof');
    expect(await lookupWith((a) => delete a.consistency)).toBe('missing-proof');
    expect(await lookupWith((a) => delete a.key, aliceNew.bundle, null)).toBe('missing-proof');
  });

  it("a history that does not start with the handle's registration", async () => {
    // Proven entries, but the first one shown is a rotation: a key out of nowhere.
    expect(await lookupWith((a) => a.entries!.shift())).toBe('bad-entry');
  });

  it('a checkpoint with a bad signature, by another key, or of another log', async () => {
    expect(await lookupWith((a) => (a.checkpoint = a.checkpoint.replace(/ (\S)(\S+)\n$/, (_m, c: string, rest: string) => ` ${c === 'A' ? 'B' : 'A'}${rest}\n`)))).toBe('bad-checkpoint');
    const impostor = await freshSigner(log.signer.name);
    const forged = await log.checkpoint(log.tree.size, impostor);
    expect(await lookupWith((a) => (a.checkpoint = forged))).toBe('bad-checkpoint');
    expect(await lookupWith((a) => (a.checkpoint = a.checkpoint.replace(/^[^\n]+/, 'other.example/log')))).toBe('bad-checkpoint');
    expect(await lookupWith((a) => (a.checkpoint = 'garbage'))).toBe('bad-checkpoint');
  });

  it('a relay that changes its log key', async () => {
    const other = await freshSigner(log.signer.name);
    expect(await lookupWith((a) => (a.key = formatVerifierKey(other.name, other.publicKey)))).toBe('log-key-changed');
  });

  it('an older checkpoint replayed: the tree shrank', async () => {
    const newer = (await verifyLookup('alice', aliceNew.bundle, await log.answer('alice', 3), kept)).state;
    const old = await log.answer('alice', 0, 3);
    delete old.key;
    expect(await reasonOf(() => verifyLookup('alice', aliceLater.bundle, old, newer))).toBe('tree-shrank');
  });

  it('a fork: the same size with another root, or a later tree no proof joins to the kept one', async () => {
    const fork = await TestLog.create();
    Object.assign(fork, { signer: log.signer });
    fork.append(await registerEntry(alice), await registerEntry(await person('mallory')), rotateEntry(aliceLater));
    const same = await fork.answer('alice', 3);
    expect(await reasonOf(() => verifyLookup('alice', aliceLater.bundle, same, kept))).toBe('fork');
    fork.append(await keyChangeEntry(aliceLater, aliceNew));
    const later = await fork.answer('alice', 3);
    const e = await verifyLookup('alice', aliceNew.bundle, later, kept).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LogInconsistency);
    expect((e as LogInconsistency).reason).toBe('fork');
    expect((e as LogInconsistency).evidence).toEqual({ kept: kept.checkpoint, served: later.checkpoint });
    // A consistency proof taken from the honest log does not join the fork either.
    later.consistency = toBase64Url(concat(...consistencyProof(log.tree, 3, 4)));
    expect(await reasonOf(() => verifyLookup('alice', aliceNew.bundle, later, kept))).toBe('fork');
  });

  it('entries with bad signatures, even when the tree commits to them', async () => {
    const bad = await TestLog.create();
    Object.assign(bad, { signer: log.signer });
    const entry = await registerEntry(alice);
    const sig = entry.split('\n')[6]!;
    const forgedSig = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    bad.append(entry.replace(sig, forgedSig));
    expect(await reasonOf(async () => verifyLookup('alice', alice.bundle, await bad.answer('alice', 0), null))).toBe('bad-entry');
    const auditor = new LogAuditor(log.signer.publicKey);
    await expect(auditor.add(bad.entries)).rejects.toMatchObject({ reason: 'bad-entry' });
    // A revocation is the relay's: signed by a user's key it is refused.
    const fake = (await log.revokeEntry(alice)).replace(/[^\n]+\n$/, `${toBase64Url(new Uint8Array(64))}\n`);
    await expect(new LogAuditor(log.signer.publicKey).add([await registerEntry(alice), fake])).rejects.toMatchObject({ reason: 'bad-entry' });
  });

  it('a key the log does not hold, or a handle the log says is revoked', async () => {
    expect(await lookupWith(() => undefined, bob.bundle)).toBe('unlogged-key');
    expect(await lookupWith(() => undefined, aliceLater.bundle)).toBe('unlogged-key'); // an older key line
    const revoked = await TestLog.create();
    Object.assign(revoked, { signer: log.signer });
    revoked.append(await registerEntry(alice), await revoked.revokeEntry(alice));
    expect(await reasonOf(async () => verifyLookup('alice', alice.bundle, await revoked.answer('alice', 0), null))).toBe('unlogged-key');
  });

  it('an audit whose entries do not rebuild the root, or miss the kept prefix', async () => {
    const head = parseCheckpoint((await log.checkpoint()).split('\n\n')[0] + '\n');
    const short = new LogAuditor(log.signer.publicKey);
    await short.add(log.entries.slice(0, -1));
    expect(() => short.finish(head, null)).toThrow(expect.objectContaining({ reason: 'missing-proof' }));
    const swapped = new LogAuditor(log.signer.publicKey);
    await swapped.add([log.entries[1]!, log.entries[0]!, ...log.entries.slice(2)]);
    expect(() => swapped.finish(head, null)).toThrow(expect.objectContaining({ reason: 'bad-proof' }));
    const wrongPrefix = parseCheckpoint(`${log.signer.name}\n3\n${toBase64Url(new Uint8Array(32)).replace(/-/g, '+').replace(/_/g, '/')}=\n`);
    const full = new LogAuditor(log.signer.publicKey);
    await full.add(log.entries);
    expect(() => full.finish(head, wrongPrefix)).toThrow(expect.objectContaining({ reason: 'fork' }));
  });

  it('random damage to any field of an answer is refused or harmless, never a crash', async () => {
    const base = await log.answer('alice', 3);
    const text = JSON.stringify(base);
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const chars = [...text];
      const at = (i * 7919) % chars.length;
      chars[at] = String.fromCharCode(((chars[at]!.charCodeAt(0) + 1 + (i % 5)) % 94) + 32);
      let answer: unknown;
      try {
        answer = JSON.parse(chars.join(''));
      } catch {
        continue;
      }
      const parsed = LogAnswer.safeParse(answer);
      if (!parsed.success) continue; // the client refuses it at the wire
      try {
        const v = await verifyLookup('alice', aliceNew.bundle, parsed.data, kept);
        // Accepted only if nothing that is checked changed (e.g. a digit that JSON parses the same).
        expect(v.checkpoint.size).toBe(log.tree.size);
      } catch (e) {
        expect(e).toBeInstanceOf(LogInconsistency);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(50);
  });
});

describe('self-monitoring and entry text', () => {
  it('names the first entry of its own handle that a key did not make', async () => {
    const events = [await registerEntry(alice), rotateEntry(aliceLater), await keyChangeEntry(aliceLater, aliceNew)].map(parseEntry);
    expect(foreignEntry(events.slice(0, 2), alice.identity.publicKey)).toBeNull();
    expect(foreignEntry(events, alice.identity.publicKey)?.type).toBe('key-change');
    expect(foreignEntry(events, aliceNew.identity.publicKey)).toBeNull();
    expect(foreignEntry(events, bob.identity.publicKey)?.type).toBe('key-change');
    const revoked = [...events.slice(0, 1), parseEntry(await log.revokeEntry(alice))];
    expect(foreignEntry(revoked, alice.identity.publicKey)?.type).toBe('revoke');
  });

  it('accepts only the canonical text of an entry', async () => {
    const entry = await registerEntry(alice);
    expect(parseEntry(entry).handle).toBe('alice');
    for (const bad of [
      entry.replace('\n1\n', '\n01\n'), // leading zero in the time
      entry.replace('alice', 'Alice'),
      entry.slice(0, -1), // no final newline
      `${entry}\n`,
      entry.replace('register', 'registered'),
      entry.replace('c2c-key-event/v1', 'c2c-key-event/v2'),
      entry.replace(/\n[^\n]+\n$/, '\n\n'),
      `${entry}extra\n`,
      'x'.repeat(5000),
    ]) {
      expect(() => parseEntry(bad), JSON.stringify(bad.slice(0, 60))).toThrow();
    }
    // The tree commits to the entry's exact bytes.
    expect(hashLeaf(utf8(entry))).not.toEqual(hashLeaf(utf8(entry.replace('\n1\n', '\n2\n'))));
  });
});
