// The background's one long-lived, authenticated relay connection, for the relay mailbox: receiving
// sealed messages (the inbox) and sending them (sendToContact), and for secure-chat rooms (join, leave,
// send, receive; rooms are joined again after a reconnect or a new client). Popup actions such as register and
// lookup keep using short-lived connections (relay-access.ts).
//
// Lifecycle (MV3): the service worker is started for a message, an event or browser start-up and is
// stopped when idle. Each start calls sync(), which connects once an identity exists, a relay URL is
// set and that relay confirmed our registration; every background request calls it again, so a
// registration or a new URL takes effect at once. While connected, the client pings every
// KEEPALIVE_MS: Chrome (116+) keeps a worker alive while its WebSocket is active, and this is the only
// keep-alive used. When the relay drops, the client retries with exponential backoff and full jitter
// (BACKOFF, reset after a successful connection). Plain timers do not keep a worker alive, so Chrome may
// stop an offline worker between retries; the next start connects again. While no connection of ours is
// open, the relay still answers senders "accepted" (it never tells whether anyone is online) and keeps
// nothing: messages sent meanwhile are lost to us.
import type { IdentityKeyPair } from '@/lib/crypto/identity';
import type { RelayConnectionState } from '@/lib/protocol/background-api';
import { toBase64Url } from '@/lib/bytes';
import { RelayClient, RelayError, type RelayState, type WebSocketConstructor } from '@/lib/relay-client/client';
import { splitRelayUrls } from '@/lib/relay-client/relay-urls';

/** Retry delays: the n-th retry waits a random time up to min(maxMs, minMs · 2ⁿ). */
export const BACKOFF = { minMs: 500, maxMs: 15_000 } as const;
/** Under Chrome's 30 s idle limit, and far under the relay's idle timeout. */
export const KEEPALIVE_MS = 20_000;

/** Where the connection should be; `fingerprint` tells identities apart without loading keys. */
export interface RelayTarget {
  url: string;
  handle: string;
  fingerprint: string;
  /** The proxy setting ('' for none): a new one means a new connection, on the new route. */
  proxy: string;
}

export interface RelayConnectionOptions {
  WebSocket: WebSocketConstructor;
  /** undefined when there is no identity, no relay URL, or that relay has not confirmed our registration. */
  target(): Promise<RelayTarget | undefined>;
  identity(): Promise<IdentityKeyPair>;
  /** `from` is the relay's word for the sender; the payload is an opaque sealed message. */
  onMailbox(from: string, payload: Uint8Array): void;
  /** A frame from a room we joined; opaque to the relay and to this class. */
  onRoom?(room: Uint8Array, payload: Uint8Array): void;
  /** Every change of `state`. */
  onState?(state: RelayConnectionState): void;
  backoff?: { minMs: number; maxMs: number };
  keepaliveMs?: number;
  requestTimeoutMs?: number;
}

const STATE: Record<RelayState, RelayConnectionState> = { open: 'connected', connecting: 'connecting', closed: 'offline' };

export class RelayConnection {
  private client: RelayClient | null = null;
  private targetKey = '';
  private current: RelayConnectionState = 'offline';
  private syncing: Promise<void> = Promise.resolve();
  /** Rooms we are in, kept across clients (a new relay URL or identity replaces the client). */
  private readonly rooms = new Map<string, Uint8Array>();

  constructor(private readonly opts: RelayConnectionOptions) {}

  get state(): RelayConnectionState {
    return this.client ? this.current : 'offline';
  }

  /**
   * Brings the connection in line with the current target: opens it when missing, replaces it when the
   * URL or identity changed, closes it when there is no target. Does not wait for the network.
   */
  sync(): Promise<RelayConnectionState> {
    // One sync at a time, so two quick requests cannot open two connections.
    this.syncing = this.syncing.then(() => this.apply()).catch(() => undefined);
    return this.syncing.then(() => this.state);
  }

  /** Sends one sealed payload to the mailbox of `handle`; resolves once the relay accepted it. */
  async send(handle: string, payload: Uint8Array): Promise<void> {
    const client = await this.connected();
    await client.sendToHandle(handle, payload);
  }

  /** Joins a room now (connecting first if needed) and after every reconnect, until leaveRoom. */
  async joinRoom(room: Uint8Array): Promise<void> {
    const client = await this.connected();
    this.rooms.set(toBase64Url(room), room.slice());
    await client.joinRoom(room);
  }

  async leaveRoom(room: Uint8Array): Promise<void> {
    this.rooms.delete(toBase64Url(room));
    await this.client?.leaveRoom(room).catch(() => undefined);
  }

  /** Fire and forget; false when the frame could not leave (no open connection): it is lost. */
  sendToRoom(room: Uint8Array, payload: Uint8Array): boolean {
    if (!this.client || this.current !== 'connected') return false;
    try {
      this.client.sendToRoom(room, payload);
      return true;
    } catch {
      return false;
    }
  }

  stop(): void {
    const client = this.client;
    this.client = null;
    this.targetKey = '';
    this.setState('offline');
    client?.close();
  }

  private setState(state: RelayConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.opts.onState?.(state);
  }

  /** The client, connected now: for actions someone waits on, rather than at the next backoff step. */
  private async connected(): Promise<RelayClient> {
    await this.sync();
    const client = this.client;
    if (!client) throw new RelayError('not-registered', 'not registered on the relay that is set');
    await client.connect();
    return client;
  }

  private async apply(): Promise<void> {
    const target = await this.opts.target();
    const key = target ? `${target.url}\n${target.handle}\n${target.fingerprint}\n${target.proxy}` : '';
    if (key === this.targetKey && (this.client !== null) === (target !== undefined)) return;
    this.stop();
    if (!target) return;
    const backoff = this.opts.backoff ?? BACKOFF;
    const client = new RelayClient({
      url: splitRelayUrls(target.url),
      WebSocket: this.opts.WebSocket,
      identity: await this.opts.identity(),
      reconnect: true,
      minBackoffMs: backoff.minMs,
      maxBackoffMs: backoff.maxMs,
      keepaliveMs: this.opts.keepaliveMs ?? KEEPALIVE_MS,
      ...(this.opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.opts.requestTimeoutMs } : {}),
    });
    this.client = client;
    this.targetKey = key;
    // A replaced client may still report for a moment: only the current one counts.
    client.onState((s) => {
      if (this.client === client) this.setState(STATE[s]);
    });
    client.onMessage((m) => {
      if (this.client !== client) return;
      if (m.kind === 'mailbox') this.opts.onMailbox(m.from, m.payload);
      else this.opts.onRoom?.(m.room, m.payload);
    });
    // A failed attempt is retried by the client itself, with backoff. A new client joins our rooms
    // itself; the client re-joins them after each of its own reconnects.
    client
      .connect()
      .then(async () => {
        for (const room of this.rooms.values()) if (this.client === client) await client.joinRoom(room);
      })
      .catch(() => undefined);
  }
}
