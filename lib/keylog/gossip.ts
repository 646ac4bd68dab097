// Checkpoint gossip through the host (docs/FORMATS.md "Key-log gossip"): every one-shot message carries,
// in a non-critical extension, the sender's latest checkpoint of its relay's log in a few bytes. A
// recipient on the same log whose view differs asks the relay to prove both views are one tree; a relay
// that cannot is caught, through a channel it does not control. No browser or Node globals.
//
// Value (9 to 15 bytes): log id (4) = SHA-256(origin)[0..4] ‖ root prefix (4) ‖ tree size, big-endian, in
// as few bytes as it takes (1 to 7, no leading zero byte; size 0 is one zero byte).
import { concat, equalBytes, utf8 } from '../bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import type { LogAnswer } from '../protocol/relay';
import { parseCheckpoint, type Checkpoint } from './checkpoint';
import { LogInconsistency, verifyHead, type LogState } from './verify';

/** The message-v2 extension type (non-critical: readers that do not know it ignore it). */
export const GOSSIP_EXTENSION = 0x01;
export const LOG_ID_LENGTH = 4;
export const ROOT_PREFIX_LENGTH = 4;
const MAX_SIZE_BYTES = 7; // 2^53 − 1, the largest size a checkpoint can have here, fits in 7 bytes

export interface Gossip {
  logId: Uint8Array;
  size: number;
  rootPrefix: Uint8Array;
}

/** A gossip value that is not one: reported with what is wrong, never acted on. */
export class GossipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GossipError';
  }
}

export function logIdOf(origin: string): Uint8Array {
  return sha256(utf8(origin)).subarray(0, LOG_ID_LENGTH);
}

const noteText = (note: string) => note.slice(0, note.lastIndexOf('\n\n') + 1);

export function encodeGossip(checkpoint: Checkpoint): Uint8Array {
  const size: number[] = [];
  for (let n = checkpoint.size; n > 0; n = Math.floor(n / 256)) size.unshift(n % 256);
  return concat(logIdOf(checkpoint.origin), checkpoint.rootHash.subarray(0, ROOT_PREFIX_LENGTH), new Uint8Array(size.length > 0 ? size : [0]));
}

/** The gossip value of a kept state: its checkpoint in a few bytes. */
export function gossipOfState(state: LogState): Uint8Array {
  return encodeGossip(parseCheckpoint(noteText(state.checkpoint)));
}

/** Parses a gossip value; throws GossipError naming what is wrong. */
export function parseGossip(value: Uint8Array): Gossip {
  const sizeBytes = value.length - LOG_ID_LENGTH - ROOT_PREFIX_LENGTH;
  if (sizeBytes < 1 || sizeBytes > MAX_SIZE_BYTES) {
    throw new GossipError(`a key-log gossip value is ${LOG_ID_LENGTH + ROOT_PREFIX_LENGTH + 1} to ${LOG_ID_LENGTH + ROOT_PREFIX_LENGTH + MAX_SIZE_BYTES} bytes, not ${value.length}`);
  }
  const sizeField = value.subarray(LOG_ID_LENGTH + ROOT_PREFIX_LENGTH);
  if (sizeField.length > 1 && sizeField[0] === 0) throw new GossipError('the gossiped tree size has a leading zero byte');
  let size = 0;
  for (const b of sizeField) size = size * 256 + b;
  if (!Number.isSafeInteger(size)) throw new GossipError('the gossiped tree size is beyond what a checkpoint can have');
  return { logId: value.slice(0, LOG_ID_LENGTH), rootPrefix: value.slice(LOG_ID_LENGTH, LOG_ID_LENGTH + ROOT_PREFIX_LENGTH), size };
}

/** What a recipient can say without asking the relay: another log, the very checkpoint it keeps, or not. */
export function compareGossip(kept: LogState, gossip: Gossip): 'other-log' | 'same' | 'differs' {
  const checkpoint = parseCheckpoint(noteText(kept.checkpoint));
  if (!equalBytes(logIdOf(checkpoint.origin), gossip.logId)) return 'other-log';
  const same = checkpoint.size === gossip.size && equalBytes(checkpoint.rootHash.subarray(0, ROOT_PREFIX_LENGTH), gossip.rootPrefix);
  return same ? 'same' : 'differs';
}

/** What the check needs of a relay connection (RelayClient has both). */
export interface LogReader {
  logCheckpoint(since: number): Promise<LogAnswer>;
  logEntries(size: number, start: number, count: number): Promise<LogAnswer>;
}

export interface GossipCheck {
  /** consistent: the gossiped tree is a prefix of (or is) the relay's tree this client verified;
   *  undecided: the log kept growing under every attempt, nothing was decided (try at the next message). */
  verdict: 'consistent' | 'undecided';
  /** The kept state, advanced to the relay's latest verified checkpoint. */
  state: LogState;
}

const ATTEMPTS = 3;
const prefixOf = (c: Checkpoint) => c.rootHash.subarray(0, ROOT_PREFIX_LENGTH);

/**
 * Asks the relay to join the gossiped checkpoint to the one kept (compareGossip said 'differs'). Throws
 * LogInconsistency ('fork' when the relay's own signed tree of the gossiped size has another root prefix,
 * or when no proof joins them; any other reason as verifyHead finds it). Never alarms on an honest relay
 * that appends meanwhile: a race only makes the check 'undecided'.
 */
export async function checkGossip(relay: LogReader, kept: LogState, gossip: Gossip): Promise<GossipCheck> {
  let state = kept;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const head = await verifyHead(await relay.logCheckpoint(parseCheckpoint(noteText(state.checkpoint)).size), state);
    state = head.state;
    const latest = head.checkpoint;
    if (gossip.size > latest.size) {
      throw new LogInconsistency('fork', `the relay shows a tree of size ${latest.size}, smaller than the size ${gossip.size} a contact was shown`);
    }
    if (gossip.size === 0) return { verdict: 'consistent', state };
    if (gossip.size === latest.size) {
      if (equalBytes(prefixOf(latest), gossip.rootPrefix)) return { verdict: 'consistent', state };
      throw new LogInconsistency('fork', `a contact was shown another tree of size ${gossip.size} than this browser`);
    }
    // An older tree: the relay's own signed checkpoint of that size must be the one gossiped, and extend
    // to the tree just verified.
    const older = await relay.logEntries(gossip.size, 0, 1);
    // Signed by the pinned key (as a first contact would pin it, but with our key).
    const olderHead = await verifyHead({ checkpoint: older.checkpoint, key: kept.key }, null);
    if (olderHead.checkpoint.size !== gossip.size || !equalBytes(prefixOf(olderHead.checkpoint), gossip.rootPrefix)) {
      throw new LogInconsistency('fork', `the relay's tree of size ${gossip.size} is not the one a contact was shown`, { kept: state.checkpoint, served: older.checkpoint });
    }
    const joined = await verifyHead(await relay.logCheckpoint(gossip.size), { key: kept.key, checkpoint: older.checkpoint });
    if (joined.checkpoint.size < latest.size) {
      throw new LogInconsistency('tree-shrank', `the relay's tree (size ${joined.checkpoint.size}) is smaller than it just was (size ${latest.size})`, { kept: state.checkpoint, served: joined.state.checkpoint });
    }
    if (joined.checkpoint.size === latest.size) {
      if (!equalBytes(joined.checkpoint.rootHash, latest.rootHash)) {
        throw new LogInconsistency('fork', `the relay shows two trees of size ${latest.size}`, { kept: state.checkpoint, served: joined.state.checkpoint });
      }
      return { verdict: 'consistent', state };
    }
    // The log grew between the two answers: try again from the newer tree.
  }
  return { verdict: 'undecided', state };
}
