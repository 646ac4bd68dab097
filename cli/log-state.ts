// The key-log checks `lookup --state`, `listen` and `log audit` share (docs/CLI.md "Key log"). The state
// file keeps the relay's pinned log key and the last verified checkpoint; it is replaced atomically, and
// only after a check passed, so an alarm leaves it as it was.
import { readFile } from 'node:fs/promises';
import { equalBytes, toHex } from '../lib/bytes';
import { isC2CError } from '../lib/errors';
import { parseCheckpoint } from '../lib/keylog/checkpoint';
import { GossipError, checkGossip, compareGossip, gossipOfState, parseGossip, type LogReader } from '../lib/keylog/gossip';
import { foreignEntry } from '../lib/keylog/history';
import { LogInconsistency, openState, verifyHead, verifyLookup, type LogState, type VerifiedLookup } from '../lib/keylog/verify';
import { RelayError, type RelayClient } from '../lib/relay-client/client';
import { CliError, EXIT, replacePrivateFile } from './io';

const STATE_FORMAT = 'c2c-log-state/v1';
const MAX_STATE_BYTES = 64 * 1024;

/** An alarm: one line starting with its word (`log-inconsistent:` or `log-alarm:`), exit 3. */
function alarm(word: 'log-inconsistent' | 'log-alarm', message: string): CliError {
  return new CliError(`${word}: ${message}`, EXIT.logAlarm, '');
}

/** "size N root 0123456789ab…" of a signed checkpoint the verifier has opened. */
function describe(note: string): string {
  const { size, rootHash } = parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1));
  return `size ${size} root ${toHex(rootHash.subarray(0, 6))}…`;
}

/** Turns a LogInconsistency into the alarm line, naming both checkpoints when there are two. */
export async function logChecks<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof LogInconsistency) {
      const evidence = e.evidence ? ` (kept: ${describe(e.evidence.kept)}; served: ${describe(e.evidence.served)})` : '';
      throw alarm('log-inconsistent', `${e.reason}: ${e.message}${evidence}`);
    }
    if (e instanceof RelayError && e.code === 'protocol') throw alarm('log-inconsistent', `missing-proof: ${e.message}`);
    throw e;
  }
}

/** Reads a state file; null when it does not exist yet (first contact with this relay). */
export async function loadState(path: string): Promise<LogState | null> {
  let text: string;
  try {
    const data = await readFile(path);
    if (data.length > MAX_STATE_BYTES) throw new CliError(`${path} is not a key-log state file (too large)`);
    text = data.toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let state: LogState;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    if (raw.format !== STATE_FORMAT || typeof raw.key !== 'string' || typeof raw.checkpoint !== 'string') throw new Error();
    state = { key: raw.key, checkpoint: raw.checkpoint };
  } catch {
    throw new CliError(`${path} is not a key-log state file`);
  }
  try {
    await openState(state);
  } catch (e) {
    throw new CliError(`${path} is damaged: ${isC2CError(e) ? e.message : 'its checkpoint does not open'}`);
  }
  return state;
}

export async function saveState(path: string, before: LogState | null, after: LogState): Promise<void> {
  if (before && before.key === after.key && before.checkpoint === after.checkpoint) return;
  await replacePrivateFile(path, `${JSON.stringify({ format: STATE_FORMAT, key: after.key, checkpoint: after.checkpoint }, null, 2)}\n`);
}

export function treeSize(state: LogState | null): number {
  return state ? parseCheckpoint(state.checkpoint.slice(0, state.checkpoint.lastIndexOf('\n\n') + 1)).size : 0;
}

/** Where a command keeps the relay's last verified checkpoint between checks. */
export interface LogStore {
  load(): Promise<LogState | null>;
  save(before: LogState | null, after: LogState): Promise<void>;
}

/** A state file (created on first use). */
export function fileStore(path: string): LogStore {
  return { load: () => loadState(path), save: (before, after) => saveState(path, before, after) };
}

/** Memory only: `listen` without --state still holds each periodic check to the one before it. */
export function memoryStore(): LogStore {
  let kept: LogState | null = null;
  return {
    load: async () => kept,
    save: async (_before, after) => void (kept = after),
  };
}

/**
 * Looks `handle` up with the log's proofs and checks them against the kept state (none: first contact),
 * which is then updated. Throws the alarm on any inconsistency, leaving the state as it was.
 */
export async function verifiedLookup(client: RelayClient, handle: string, store: LogStore | null): Promise<{ line: string; verified: VerifiedLookup }> {
  const kept = store ? await store.load() : null;
  const verified = await logChecks(async () => {
    const found = await client.lookupLogged(handle, treeSize(kept));
    if (found.handle !== handle) throw new LogInconsistency('unlogged-key', 'the relay answered for another handle');
    return { line: found.bundle, verified: await verifyLookup(handle, found.bundle, found.log, kept) };
  });
  if (store) await store.save(kept, verified.verified.state);
  return verified;
}

/**
 * `c2c listen`'s check, at start and periodically: the log's entries for our own handle, from the one
 * that gave it our key on, must all be ours, and the relay must serve our key. Anything else is an alarm
 * (exit 3).
 */
export async function checkOwnLog(client: RelayClient, handle: string, ownKey: Uint8Array, store: LogStore): Promise<void> {
  const { verified } = await verifiedLookup(client, handle, store);
  const foreign = foreignEntry(verified.events, ownKey);
  if (foreign || !equalBytes(verified.current.key, ownKey)) {
    const what = foreign ? `a ${foreign.type} entry` : 'its current key';
    throw alarm('log-alarm', `the key log gives ${handle} ${what} this key did not make; someone else holds or replaced it on this relay`);
  }
}

/** The checkpoint a state file holds, as gossip for the messages `encrypt` and `send` seal. */
export async function gossipFrom(path: string): Promise<Uint8Array> {
  const kept = await loadState(path);
  if (!kept) throw new CliError(`${path}: no key-log state there yet (c2c lookup --state ${path} … makes it)`);
  return gossipOfState(kept);
}

/** What a gossip check decided: `gossip: WORD` on decrypt's report. A fork is not a verdict but an alarm. */
export type GossipVerdict = 'garbage' | 'other-log' | 'same' | 'consistent' | 'undecided';

/**
 * Checks the checkpoint a known sender gossiped (lib/keylog/gossip.ts) against the kept state, which
 * advances to the relay's latest verified checkpoint; a first contact with the relay starts from its
 * current checkpoint. A fork, or a relay that cannot join the two, is the alarm (exit 3).
 */
export async function checkHeardGossip(relay: LogReader, store: LogStore, value: Uint8Array): Promise<GossipVerdict> {
  let gossip;
  try {
    gossip = parseGossip(value);
  } catch (e) {
    if (e instanceof GossipError) return 'garbage';
    throw e;
  }
  return logChecks(async () => {
    const before = await store.load();
    const kept = before ?? (await verifyHead(await relay.logCheckpoint(0), null)).state;
    const seen = compareGossip(kept, gossip);
    if (seen !== 'differs') {
      await store.save(before, kept);
      return seen;
    }
    const check = await checkGossip(relay, kept, gossip);
    await store.save(before, check.state);
    return check.verdict;
  });
}
