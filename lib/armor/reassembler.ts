// Reassembles armored messages from a stream of texts (e.g. chat messages as they appear), where parts
// arrive in separate texts, out of order, duplicated, damaged or never. Memory is bounded: unfinished
// messages are dropped oldest-first beyond the limits, and only a bounded number of ids is remembered.
import { C2CError } from '../errors';
import { findArmorParts } from './detect';
import { MAX_PARTS, MAX_PAYLOAD_BYTES, PAYLOAD_CRC_BYTES } from './format';
import { PartSet, refError } from './message';

export interface ReassemblerOptions {
  /** Unfinished messages held at once (default 64). */
  maxPendingMessages?: number;
  /** Payload bytes held for unfinished messages (default: twice the largest message, ~3 MiB). */
  maxPendingBytes?: number;
  /** Finished and failed message ids remembered, so their re-seen parts are recognised (default 4096). */
  rememberedMessages?: number;
}

export interface CompletedMessage {
  id: string;
  payload: Uint8Array;
  /** The sources (as passed to add) that carried its parts. */
  sources: string[];
}

/** Where a message stands after an add(); `missing` and `received` count 0-based parts. */
export type MessageStatus =
  | { id: string; state: 'complete'; count: number; sources: string[] }
  | { id: string; state: 'waiting'; received: number; count: number; missing: number[]; sources: string[] }
  /** id is null when the damaged text no longer says which message it belonged to. */
  | { id: string | null; state: 'error'; error: C2CError; sources: string[] };

export interface AddResult {
  /** Messages completed by this add, each reported once. */
  completed: CompletedMessage[];
  /** One entry per message this text touched (its latest state), plus errors without a message id. */
  statuses: MessageStatus[];
}

interface Pending {
  set: PartSet;
  sources: Set<string>;
}

export class Reassembler {
  private readonly maxPendingMessages: number;
  private readonly maxPendingBytes: number;
  private readonly remembered: number;
  /** Insertion order = least recently updated first. */
  private readonly pending = new Map<string, Pending>();
  private pendingBytes = 0;
  private readonly done = new Map<string, { count: number; sources: Set<string> }>();
  private readonly failed = new Map<string, C2CError>();

  constructor(opts: ReassemblerOptions = {}) {
    this.maxPendingMessages = opts.maxPendingMessages ?? 64;
    this.maxPendingBytes = opts.maxPendingBytes ?? 2 * (MAX_PAYLOAD_BYTES + PAYLOAD_CRC_BYTES);
    this.remembered = opts.rememberedMessages ?? 4096;
  }

  add(text: string, source?: string): AddResult {
    const completed: CompletedMessage[] = [];
    const byId = new Map<string, MessageStatus>();
    const anonymous: MessageStatus[] = [];
    const sources = source === undefined ? [] : [source];

    for (const ref of findArmorParts(text)) {
      if (ref.kind !== 'part') {
        // A damaged copy does not fail its message: a clean copy may still arrive.
        const status = { id: ref.kind !== 'unknown-version' && ref.header?.id ? ref.header.id : null, state: 'error' as const, error: refError(ref), sources };
        if (status.id === null) anonymous.push(status);
        else setLatest(byId, status.id, status);
        continue;
      }
      const { id } = ref.header;
      const finished = this.done.get(id);
      if (finished) {
        addSource(finished.sources, source);
        setLatest(byId, id, { id, state: 'complete', count: finished.count, sources: [...finished.sources] });
        continue;
      }
      const failure = this.failed.get(id);
      if (failure) {
        setLatest(byId, id, { id, state: 'error', error: failure, sources });
        continue;
      }
      const entry = this.pending.get(id) ?? { set: new PartSet(id, ref.header.count, ref.header.payloadCrc), sources: new Set<string>() };
      this.pending.delete(id); // re-inserted below as most recently updated
      addSource(entry.sources, source);
      const before = entry.set.receivedBytes;
      try {
        entry.set.add(ref.header, ref.body);
        this.pendingBytes += entry.set.receivedBytes - before;
        if (!entry.set.complete) {
          this.pending.set(id, entry);
          setLatest(byId, id, waiting(entry));
          continue;
        }
        const payload = entry.set.join();
        this.pendingBytes -= entry.set.receivedBytes;
        remember(this.done, id, { count: entry.set.count, sources: entry.sources }, this.remembered);
        completed.push({ id, payload, sources: [...entry.sources] });
        setLatest(byId, id, { id, state: 'complete', count: entry.set.count, sources: [...entry.sources] });
      } catch (e) {
        if (!(e instanceof C2CError)) throw e;
        this.pendingBytes -= entry.set.receivedBytes;
        remember(this.failed, id, e, this.remembered);
        setLatest(byId, id, { id, state: 'error', error: e, sources: [...entry.sources] });
      }
    }

    for (const [id, entry] of this.pending) {
      if (this.pending.size <= this.maxPendingMessages && this.pendingBytes <= this.maxPendingBytes) break;
      this.pending.delete(id);
      this.pendingBytes -= entry.set.receivedBytes;
      const error = new C2CError('too-large', `Armored message ${id} was dropped unfinished: too many parts were waiting.`);
      setLatest(byId, id, { id, state: 'error', error, sources: [...entry.sources] });
    }
    return { completed, statuses: [...byId.values(), ...anonymous] };
  }

  /** Unfinished messages, for a "waiting for parts" display. */
  waiting(): MessageStatus[] {
    return [...this.pending.values()].map(waiting);
  }
}

function waiting({ set, sources }: Pending): MessageStatus {
  return { id: set.id, state: 'waiting', received: set.receivedCount, count: set.count, missing: set.missing(), sources: [...sources] };
}

/** Keeps a status map in "latest state" order. */
function setLatest(byId: Map<string, MessageStatus>, id: string, status: MessageStatus): void {
  byId.delete(id);
  byId.set(id, status);
}

function addSource(sources: Set<string>, source: string | undefined): void {
  if (source !== undefined && sources.size < MAX_PARTS) sources.add(source);
}

function remember<T>(map: Map<string, T>, id: string, value: T, limit: number): void {
  map.set(id, value);
  for (const oldest of map.keys()) {
    if (map.size <= limit) break;
    map.delete(oldest);
  }
}
