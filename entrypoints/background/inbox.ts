// Messages received through the relay mailbox, kept only in the background's memory: the newest
// INBOX_LIMIT, gone when the worker stops. Nothing is written to disk and nothing is logged.
import { C2CError } from '@/lib/errors';
import type { ReplayCache } from '@/lib/crypto/replay-cache';
import type { KeyringDB } from '@/lib/keyring/db';
import { getIdentity } from '@/lib/keyring/identity-store';
import type { ApiError, InboxItem } from '@/lib/protocol/background-api';
import { normalizeHandle } from '@/lib/protocol/relay';
import { openSealed } from './open-sealed';

export const INBOX_LIMIT = 50;
/** Replay-cache context of mailbox messages: a token first seen in a page and then relayed is a replay. */
export const MAILBOX_CONTEXT = 'relay-mailbox';

// Distributes over the union, so each variant keeps its own fields.
type NewItem = InboxItem extends infer I ? (I extends InboxItem ? Omit<I, 'id' | 'receivedAt'> : never) : never;

export class Inbox {
  private items: InboxItem[] = [];
  private nextId = 1;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: KeyringDB,
    private readonly replayCache: ReplayCache,
    /** A key-log checkpoint the sender gossiped (entrypoints/background/key-log.ts). */
    private readonly onGossip: (value: Uint8Array) => void = () => undefined,
    private readonly limit = INBOX_LIMIT,
  ) {}

  /** Newest first. */
  list(): InboxItem[] {
    return [...this.items];
  }

  /**
   * Opens one mailbox frame and keeps the outcome, failures included (the person sees that something
   * arrived and why it could not be read). Frames are handled one at a time, in arrival order.
   */
  receive(from: string, payload: Uint8Array): Promise<void> {
    this.chain = this.chain.then(async () => {
      // The relay names the sender by a registered handle; anything else is not a frame we accept.
      const relayed = normalizeHandle(from);
      if (relayed === null) return;
      this.add(await this.open(relayed, payload));
    });
    return this.chain;
  }

  private async open(relayed: string, payload: Uint8Array): Promise<NewItem> {
    try {
      // Our mailbox is our handle: a message sealed for a page or for someone else's mailbox is wrong-channel.
      const mailbox = (await getIdentity(this.db))?.handle;
      const opened = await openSealed(this.db, payload, this.replayCache, {
        context: MAILBOX_CONTEXT,
        ...(mailbox ? { channel: { kind: 'mailbox' as const, mailbox } } : {}),
      });
      // The same frame again is the relay (or someone) replaying it, not a page re-rendering it.
      if (opened.replay === 'same') throw new C2CError('replayed', 'This message was already received.');
      if (opened.gossip) this.onGossip(opened.gossip);
      const { status, plaintext, senderFingerprint } = opened;
      return { status, plaintext, senderFingerprint, senderHandle: opened.senderHandle ?? relayed };
    } catch (e) {
      const reason: ApiError =
        e instanceof C2CError ? { code: e.code, message: e.message } : { code: 'internal', message: 'The message could not be opened.' };
      return { status: 'error', reason, senderHandle: relayed };
    }
  }

  private add(item: NewItem): void {
    const stored: InboxItem = { ...item, id: this.nextId++, receivedAt: Date.now() };
    this.items = [stored, ...this.items].slice(0, this.limit);
  }
}
