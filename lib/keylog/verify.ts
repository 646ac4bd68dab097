// Client side of the key log: checks what a relay answers (docs/PROTOCOL.md "Key log") against the last
// checkpoint the client kept for that relay, and fails closed. No browser or Node globals beyond
// WebCrypto: the CLI uses it now, the extension's background later.
//
// Trust: the relay's log key is pinned on first use (the first answer names it); after that a checkpoint
// is accepted only if signed by that key, for that origin, and proven to extend the kept one.
import { fromBase64Url, utf8 } from '../bytes';
import { isC2CError } from '../errors';
import type { LogAnswer } from '../protocol/relay';
import { openCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint';
import { EntryError, verifyEntry, type KeyEvent } from './entry';
import { applyEntry, type HandleState } from './history';
import { HASH_LENGTH, hashLeaf, verifyConsistency, verifyInclusion, type ProofFailure } from './merkle';
import { parseVerifierKey, type NoteVerifier } from './note';

/** What a client keeps per relay: the pinned log key and the last checkpoint it verified. */
export interface LogState {
  /** The relay's log verifier key, `<origin>+<key id>+<key>` (note.ts). */
  key: string;
  /** The last verified signed checkpoint, as the relay sent it: evidence if the relay later forks. */
  checkpoint: string;
}

export type InconsistencyReason =
  | 'log-key-changed' // the relay signs with another log key than the one pinned
  | 'bad-checkpoint' // the checkpoint is malformed, for another log, or its signature fails
  | 'tree-shrank' // the checkpoint is older (smaller) than the kept one: replayed or rewritten
  | 'fork' // same size, other root; or no proof can join the two trees
  | 'missing-proof' // a proof or an entry the answer must carry is absent
  | 'bad-proof' // a proof is malformed or does not lead to the checkpoint's root
  | 'bad-entry' // an entry is malformed, badly signed or breaks the handle's history
  | 'unlogged-key'; // the relay serves a key its log does not hold for that handle

/** The relay's log contradicts itself or what we kept: never trust the answer. */
export class LogInconsistency extends Error {
  constructor(
    readonly reason: InconsistencyReason,
    message: string,
    /** The two signed checkpoints that disagree, when there are two: show them as evidence. */
    readonly evidence?: { kept: string; served: string },
  ) {
    super(message);
    this.name = 'LogInconsistency';
  }
}

export interface VerifiedHead {
  /** The state to keep: the served checkpoint once it is proven to extend the kept one. */
  state: LogState;
  checkpoint: Checkpoint;
  verifier: NoteVerifier;
}

const fail = (reason: InconsistencyReason, message: string, evidence?: { kept: string; served: string }) =>
  new LogInconsistency(reason, message, evidence);

/** Parses a state a client kept (its own file, but possibly damaged): throws a plain Error if it is not one. */
export async function openState(state: LogState): Promise<{ verifier: NoteVerifier; checkpoint: Checkpoint }> {
  const verifier = parseVerifierKey(state.key);
  const { checkpoint } = await openCheckpoint(state.checkpoint, verifier.name, [verifier]);
  return { verifier, checkpoint };
}

function hashes(text: string | undefined, what: string): Uint8Array[] {
  if (text === undefined) throw fail('missing-proof', `the relay sent no ${what}`);
  let raw: Uint8Array;
  try {
    raw = fromBase64Url(text);
  } catch {
    throw fail('bad-proof', `the ${what} is not base64url`);
  }
  if (raw.length % HASH_LENGTH !== 0) throw fail('bad-proof', `the ${what} is not a list of 32-byte hashes`);
  const out: Uint8Array[] = [];
  for (let at = 0; at < raw.length; at += HASH_LENGTH) out.push(raw.subarray(at, at + HASH_LENGTH));
  return out;
}

const PROOF_WORDS: Record<ProofFailure, string> = {
  'bad-argument': 'is malformed',
  'index-out-of-range': 'names a leaf beyond the tree',
  'empty-first-tree': 'starts from an empty tree',
  'tree-shrank': 'goes to a smaller tree',
  'proof-too-long': 'has hashes left over (forged or for another tree)',
  'proof-too-short': 'is cut short',
  'first-root-mismatch': 'does not rebuild the kept root',
  'root-mismatch': "does not rebuild the checkpoint's root",
};

/** The text of a signed note: everything up to its blank line. */
function noteText(note: string): string {
  return note.slice(0, note.lastIndexOf('\n\n') + 1);
}

/**
 * Checks the answer's signed checkpoint against the kept state (null: first contact, the answer's key
 * is pinned); `kept` comes from openState or an earlier verifyHead. Throws LogInconsistency; never
 * returns a head that does not extend the kept one.
 */
export async function verifyHead(answer: Pick<LogAnswer, 'checkpoint' | 'key' | 'consistency'>, kept: LogState | null): Promise<VerifiedHead> {
  const keyText = kept?.key ?? answer.key;
  if (keyText === undefined) throw fail('missing-proof', 'the relay did not name its log key');
  if (kept && answer.key !== undefined && answer.key !== kept.key) {
    throw fail('log-key-changed', 'the relay now signs its log with another key than the one kept');
  }
  let verifier: NoteVerifier;
  try {
    verifier = parseVerifierKey(keyText);
  } catch {
    throw fail('bad-checkpoint', 'the relay named a log key that is not a valid verifier key');
  }
  let checkpoint: Checkpoint;
  try {
    ({ checkpoint } = await openCheckpoint(answer.checkpoint, verifier.name, [verifier]));
  } catch (e) {
    if (!isC2CError(e)) throw e;
    throw fail('bad-checkpoint', `the relay's checkpoint is refused: ${e.message}`);
  }
  const state: LogState = { key: keyText, checkpoint: answer.checkpoint };
  if (!kept) return { state, checkpoint, verifier };
  // Its signature was checked when it was kept (openState when read back): here only its numbers count.
  const old = parseCheckpoint(noteText(kept.checkpoint));
  const evidence = { kept: kept.checkpoint, served: answer.checkpoint };
  if (checkpoint.size < old.size) {
    throw fail('tree-shrank', `the relay's tree (size ${checkpoint.size}) is smaller than the kept one (size ${old.size})`, evidence);
  }
  if (checkpoint.size === old.size) {
    if (!verifyConsistency(old.size, checkpoint.size, old.rootHash, checkpoint.rootHash, []).ok) {
      throw fail('fork', `the relay shows another tree of size ${old.size} than the kept one`, evidence);
    }
    return { state: kept, checkpoint, verifier };
  }
  // Every tree extends the empty one: there is nothing to prove.
  if (old.size === 0) return { state, checkpoint, verifier };
  const proof = hashes(answer.consistency, `consistency proof from size ${old.size} to ${checkpoint.size}`);
  const check = verifyConsistency(old.size, checkpoint.size, old.rootHash, checkpoint.rootHash, proof);
  if (!check.ok) {
    const forked = check.reason === 'first-root-mismatch' || check.reason === 'root-mismatch';
    throw fail(
      forked ? 'fork' : 'bad-proof',
      `the consistency proof from size ${old.size} to ${checkpoint.size} ${PROOF_WORDS[check.reason]}`,
      evidence,
    );
  }
  return { state, checkpoint, verifier };
}

export interface VerifiedLookup extends VerifiedHead {
  /** The handle's key history as the log proves it, oldest first. */
  events: KeyEvent[];
  current: HandleState;
}

/**
 * Checks a lookup answer: the head (verifyHead), an inclusion proof for every entry, every entry's
 * signature, the handle's history, and that the served public key line is the one the log holds now.
 */
export async function verifyLookup(handle: string, servedBundle: string, answer: LogAnswer, kept: LogState | null): Promise<VerifiedLookup> {
  const head = await verifyHead(answer, kept);
  const { size, rootHash } = head.checkpoint;
  const entries = answer.entries;
  if (!entries || entries.length === 0) throw fail('missing-proof', `the relay sent no log entry for ${handle}`);
  // Proofs first: nothing in an entry is looked at before the tree is shown to commit to it.
  let last = -1;
  for (const { index, entry, proof } of entries) {
    if (index <= last) throw fail('bad-proof', 'the entries are not in log order');
    last = index;
    const check = verifyInclusion(hashLeaf(utf8(entry)), index, size, hashes(proof, `inclusion proof of entry ${index}`), rootHash);
    if (!check.ok) throw fail('bad-proof', `the inclusion proof of entry ${index} ${PROOF_WORDS[check.reason]}`);
  }
  const events: KeyEvent[] = [];
  let current: HandleState | null = null;
  for (const { index, entry } of entries) {
    try {
      const { event, bundle } = await verifyEntry(entry, head.verifier.publicKey);
      if (event.handle !== handle) throw new EntryError(`entry ${index} is for another handle`);
      current = applyEntry(current, event, bundle);
      events.push(event);
    } catch (e) {
      if (e instanceof EntryError) throw fail('bad-entry', e.message);
      throw e;
    }
  }
  if (!current) throw fail('missing-proof', `the relay sent no log entry for ${handle}`);
  if (current.revoked) throw fail('unlogged-key', `the log says ${handle} is revoked, but the relay served a key`);
  if (current.bundle !== servedBundle) throw fail('unlogged-key', `the relay served a key for ${handle} that its log does not hold`);
  return { ...head, events, current };
}
