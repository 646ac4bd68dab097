// Relay client for the extension (global WebSocket, MV3 service worker) and Node (`ws`): the WebSocket
// constructor is injected. Speaks docs/PROTOCOL.md: challenge-response auth, directory requests, mailbox
// and room data frames; reconnects with backoff and re-joins its rooms.
import { fromBase64Url, toBase64Url, utf8, fromUtf8 } from '../bytes';
import { SIGNATURE_CONTEXT, signWithContext, type IdentityKeyPair } from '../crypto/identity';
import {
  CLOSE, DATA, RELAY_SUBPROTOCOL, ServerFrame, authMessage, decodeDataFrame, encodeDataFrame, keyChangeMessage,
  normalizeHandle, registerMessage, relayOrigin, type ClientRequest, type LogAnswer, type RelayErrorCode,
} from '../protocol/relay';

/** The part of the WebSocket API both the browser global and `ws` provide. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string, protocols: string | string[]) => WebSocketLike;

export type RelayClientErrorCode = RelayErrorCode | 'unreachable' | 'proxy' | 'closed' | 'timeout' | 'auth-failed' | 'protocol';

export class RelayError extends Error {
  constructor(
    readonly code: RelayClientErrorCode,
    message: string,
    readonly closeCode?: number,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

export type RelayMessage =
  | { kind: 'mailbox'; from: string; payload: Uint8Array } // `from` is the relay's word: verify the sender key
  | { kind: 'room'; room: Uint8Array; payload: Uint8Array };

export type RelayState = 'connecting' | 'open' | 'closed';

export interface RelayClientOptions {
  /** One relay, or several (the nodes of one relay cluster), tried in turn. */
  url: string | readonly string[];
  WebSocket: WebSocketConstructor;
  /** Needed for anything beyond lookup. */
  identity?: IdentityKeyPair;
  /** Reconnect after an unexpected close (default true); never after auth failure or revocation. */
  reconnect?: boolean;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
  /** Application ping interval that keeps the connection clear of the relay's idle timeout. */
  keepaliveMs?: number;
}

interface Pending {
  resolve(frame: ServerFrame): void;
  reject(e: RelayError): void;
  timer: ReturnType<typeof setTimeout>;
}

type Req = ClientRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSES = new Set<number>([CLOSE.authFailed, CLOSE.revoked, CLOSE.malformed]);
/** Failures to reach a relay after which the next URL of the list is tried. */
const TRY_NEXT = new Set<string>(['unreachable', 'timeout']);
/** How long a request, or the handshake of a new connection, may wait for the relay. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export class RelayClient {
  private ws: WebSocketLike | null = null;
  private nextId = 1;
  private nextRef = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly pendingRefs = new Map<number, Pending>();
  private readonly listeners = new Set<(m: RelayMessage) => void>();
  private readonly stateListeners = new Set<(s: RelayState, e?: RelayError) => void>();
  private readonly rooms = new Map<string, Uint8Array>();
  private ready: Promise<string | null> | null = null;
  private closedByUser = false;
  private attempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  /** The handle the relay knows this identity by, after connect(). */
  handle: string | null = null;

  private readonly urls: readonly string[];
  /** Index in `urls` of the relay this client talks to (or tries next). */
  private current = 0;

  constructor(private readonly opts: RelayClientOptions) {
    this.urls = typeof opts.url === 'string' ? [opts.url] : opts.url;
    if (this.urls.length === 0) throw new RelayError('bad-request', 'no relay URL');
    for (const url of this.urls) relayOrigin(url); // throws early on a URL that is not ws:// or wss://
  }

  /** The relay URL in use (or tried next). */
  get url(): string {
    return this.urls[this.current]!;
  }

  /** Opens the connection and authenticates (when an identity was given). Resolves with our handle or null. */
  connect(): Promise<string | null> {
    this.closedByUser = false;
    if (!this.ready) {
      const attempt = this.openAny();
      this.ready = attempt;
      attempt.catch(() => {
        if (this.ready === attempt) this.ready = null;
      });
    }
    return this.ready;
  }

  /** Each URL once, from the current one, until one answers. */
  private async openAny(): Promise<string | null> {
    for (let tried = 1; ; tried++) {
      try {
        return await this.open();
      } catch (e) {
        if (tried >= this.urls.length || !(e instanceof RelayError) || !TRY_NEXT.has(e.code)) throw e;
        this.current = (this.current + 1) % this.urls.length;
      }
    }
  }

  close(): void {
    this.closedByUser = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.ws?.close(CLOSE.normal, 'bye');
    this.teardown(new RelayError('closed', 'connection closed'));
    this.ready = null;
    this.emitState('closed');
  }

  onMessage(cb: (m: RelayMessage) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  onState(cb: (s: RelayState, e?: RelayError) => void): () => void {
    this.stateListeners.add(cb);
    return () => this.stateListeners.delete(cb);
  }

  async register(handle: string, bundleLine: string): Promise<string> {
    const identity = this.needIdentity();
    const h = checkHandle(handle);
    const sig = await signWithContext(identity.privateKey, SIGNATURE_CONTEXT.relayRegister, registerMessage(h, bundleLine));
    const ok = await this.request({ t: 'register', handle: h, bundle: bundleLine, sig: toBase64Url(sig) });
    this.handle = h;
    return ok.t === 'ok' && ok.handle ? ok.handle : h;
  }

  async lookup(handle: string): Promise<{ handle: string; bundle: string }> {
    const ok = await this.request({ t: 'lookup', handle: checkHandle(handle) });
    if (ok.t !== 'ok' || !ok.handle || !ok.bundle) throw new RelayError('protocol', 'the relay answered a lookup without a key');
    return { handle: ok.handle, bundle: ok.bundle };
  }

  /**
   * A lookup with the handle's key-log entries and proofs; `since` is the tree size of the client's last
   * checkpoint (0 for none). Check the answer with lib/keylog/verify.ts before using the key.
   */
  async lookupLogged(handle: string, since: number): Promise<{ handle: string; bundle: string; log: LogAnswer }> {
    const ok = await this.request({ t: 'lookup', handle: checkHandle(handle), log: since });
    if (ok.t !== 'ok' || !ok.handle || !ok.bundle || !ok.log) throw new RelayError('protocol', 'the relay answered a lookup without its log proofs');
    return { handle: ok.handle, bundle: ok.bundle, log: ok.log };
  }

  /** The relay's signed checkpoint and, from a client's tree size `since` > 0, the consistency proof. */
  async logCheckpoint(since: number): Promise<LogAnswer> {
    return logOf(await this.request({ t: 'log-checkpoint', since }));
  }

  /** Entries start … start+count−1 of the log's tree of `size`, with that tree's checkpoint. */
  async logEntries(size: number, start: number, count: number): Promise<LogAnswer & { page: string[] }> {
    const log = logOf(await this.request({ t: 'log-entries', size, start, count }));
    if (!log.page) throw new RelayError('protocol', 'the relay answered without log entries');
    return log as LogAnswer & { page: string[] };
  }

  async rotatePrekey(bundleLine: string): Promise<void> {
    await this.request({ t: 'rotate', bundle: bundleLine });
  }

  /** Moves `handle` to this client's (new) identity, with a statement signed by the old identity key. */
  async changeIdentity(handle: string, bundleLine: string, oldIdentity: IdentityKeyPair): Promise<void> {
    const identity = this.needIdentity();
    const h = checkHandle(handle);
    const statement = await signWithContext(
      oldIdentity.privateKey,
      SIGNATURE_CONTEXT.keyChange,
      keyChangeMessage(h, oldIdentity.publicKey, identity.publicKey),
    );
    await this.request({ t: 'key-change', handle: h, bundle: bundleLine, statement: toBase64Url(statement) });
    this.handle = h;
  }

  /**
   * Sends one opaque payload to the mailbox of `handle`; resolves once the relay accepted it. The relay
   * never says whether anyone is online to receive it (docs/PROTOCOL.md "Data frames").
   */
  sendToHandle(handle: string, payload: Uint8Array): Promise<void> {
    const ref = this.takeRef();
    const frame = encodeDataFrame(DATA.toHandle, ref, utf8(checkHandle(handle)), payload);
    return new Promise<ServerFrame>((resolve, reject) => {
      this.pendingRefs.set(ref, this.pendingEntry(() => this.pendingRefs.delete(ref), resolve, reject));
      try {
        this.socket().send(frame);
      } catch (e) {
        this.pendingRefs.get(ref)?.reject(e as RelayError);
      }
    }).then(() => undefined);
  }

  async joinRoom(room: Uint8Array): Promise<number> {
    const ok = await this.request({ t: 'join', room: toBase64Url(room) });
    this.rooms.set(toBase64Url(room), room);
    return ok.t === 'ok' ? (ok.present ?? 0) : 0;
  }

  async leaveRoom(room: Uint8Array): Promise<void> {
    this.rooms.delete(toBase64Url(room));
    await this.request({ t: 'leave', room: toBase64Url(room) });
  }

  /** Fire-and-forget: room frames are not acknowledged (docs/PROTOCOL.md). */
  sendToRoom(room: Uint8Array, payload: Uint8Array): void {
    this.socket().send(encodeDataFrame(DATA.toRoom, 0, room, payload));
  }

  // ---- internals ---------------------------------------------------------------------------------

  private needIdentity(): IdentityKeyPair {
    if (!this.opts.identity) throw new RelayError('not-authenticated', 'this needs an identity key');
    return this.opts.identity;
  }

  private socket(): WebSocketLike {
    if (!this.ws || this.ws.readyState !== 1) throw new RelayError('closed', 'not connected to the relay');
    return this.ws;
  }

  private get requestTimeoutMs(): number {
    return this.opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  private takeRef(): number {
    const ref = this.nextRef;
    this.nextRef = ref >= 0xffffffff ? 1 : ref + 1;
    return ref;
  }

  private pendingEntry(remove: () => void, resolve: (f: ServerFrame) => void, reject: (e: RelayError) => void): Pending {
    const timer = setTimeout(() => {
      remove();
      reject(new RelayError('timeout', 'the relay did not answer in time'));
    }, this.requestTimeoutMs);
    return {
      resolve: (f) => {
        clearTimeout(timer);
        remove();
        resolve(f);
      },
      reject: (e) => {
        clearTimeout(timer);
        remove();
        reject(e);
      },
      timer,
    };
  }

  private async request(req: Req): Promise<ServerFrame> {
    await this.connect();
    return this.send(req);
  }

  private send(req: Req): Promise<ServerFrame> {
    const id = this.nextId++;
    return new Promise<ServerFrame>((resolve, reject) => {
      this.pending.set(id, this.pendingEntry(() => this.pending.delete(id), resolve, reject));
      try {
        this.socket().send(JSON.stringify({ ...req, id }));
      } catch (e) {
        this.pending.get(id)?.reject(e instanceof RelayError ? e : new RelayError('closed', 'not connected'));
      }
    });
  }

  private emitState(s: RelayState, e?: RelayError): void {
    for (const cb of this.stateListeners) cb(s, e);
  }

  private open(): Promise<string | null> {
    this.emitState('connecting');
    return new Promise<string | null>((resolve, reject) => {
      let settled = false;
      let opened = false;
      // connect() forgets the attempt once all of it failed; one URL failing is not the attempt failing.
      const fail = (e: RelayError) => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      let ws: WebSocketLike;
      try {
        ws = new this.opts.WebSocket(this.url, RELAY_SUBPROTOCOL);
      } catch {
        return fail(new RelayError('unreachable', 'cannot open a connection to the relay'));
      }
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      // A relay (or something in between) that accepts the connection but never says hello must not leave
      // connect() waiting for ever: give up after the request timeout, as the browser would on a dead socket.
      const giveUp = setTimeout(() => {
        if (settled) return;
        fail(new RelayError('timeout', 'the relay did not answer'));
        ws.close(CLOSE.normal, 'no answer');
      }, this.requestTimeoutMs);
      // Why the socket failed, when it did: the close that follows reports this rather than a bare close.
      let failure: RelayError | undefined;
      ws.onerror = (ev) => {
        clearTimeout(giveUp);
        // A socket layer of our own (the CLI's SOCKS proxy) says why; the browser's error event never does.
        const cause = (ev as { error?: unknown } | null)?.error;
        failure = cause instanceof RelayError ? cause : new RelayError('unreachable', `cannot reach the relay at ${relayOrigin(this.url)}`);
        fail(failure);
      };
      ws.onclose = (ev) => {
        clearTimeout(giveUp);
        const e = failure ?? closeError(ev.code, ev.reason);
        fail(e);
        if (this.ws === ws) this.onClosed(e, opened);
      };
      ws.onmessage = (ev) => {
        if (typeof ev.data !== 'string') return this.onData(ev.data);
        let frame: ServerFrame;
        try {
          const parsed = ServerFrame.safeParse(JSON.parse(ev.data));
          if (!parsed.success) throw new Error();
          frame = parsed.data;
        } catch {
          ws.close(CLOSE.malformed, 'malformed frame');
          return;
        }
        if (frame.t === 'challenge') {
          this.authenticate(fromBase64Url(frame.nonce)).then(
            (handle) => {
              // Given up on meanwhile: this socket is closed and a retry may already be under way.
              if (settled) return;
              settled = true;
              opened = true;
              clearTimeout(giveUp);
              this.attempts = 0;
              this.handle = handle;
              this.startKeepalive();
              this.emitState('open');
              resolve(handle);
            },
            (e: unknown) => fail(e instanceof RelayError ? e : new RelayError('auth-failed', 'authentication failed')),
          );
        } else this.onControl(frame);
      };
    });
  }

  private async authenticate(nonce: Uint8Array): Promise<string | null> {
    const identity = this.opts.identity;
    if (!identity) return null;
    const sig = await signWithContext(identity.privateKey, SIGNATURE_CONTEXT.relayAuth, authMessage(nonce, relayOrigin(this.url)));
    const ok = await this.send({ t: 'auth', key: toBase64Url(identity.publicKey), sig: toBase64Url(sig) });
    const handle = ok.t === 'ok' ? (ok.handle ?? null) : null;
    // Rooms survive reconnects: join them again on the new connection.
    for (const room of this.rooms.values()) await this.send({ t: 'join', room: toBase64Url(room) });
    return handle;
  }

  private onControl(frame: ServerFrame): void {
    if (frame.t === 'ok') this.pending.get(frame.id)?.resolve(frame);
    else if (frame.t === 'error') {
      if (frame.id !== null) this.pending.get(frame.id)?.reject(new RelayError(frame.code, frame.message));
    } else if (frame.t === 'accepted') this.pendingRefs.get(frame.ref)?.resolve(frame);
    else if (frame.t === 'undelivered') this.pendingRefs.get(frame.ref)?.reject(new RelayError(frame.code, frame.message));
  }

  private onData(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return;
    const f = decodeDataFrame(new Uint8Array(data));
    if (!f) return;
    let m: RelayMessage;
    if (f.type === DATA.fromHandle) {
      let from: string;
      try {
        from = fromUtf8(f.target);
      } catch {
        return;
      }
      m = { kind: 'mailbox', from, payload: f.payload };
    } else if (f.type === DATA.fromRoom) m = { kind: 'room', room: f.target, payload: f.payload };
    else return;
    for (const cb of this.listeners) cb(m);
  }

  private startKeepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = setInterval(() => {
      this.send({ t: 'ping' }).catch(() => undefined);
    }, this.opts.keepaliveMs ?? 60_000);
  }

  private teardown(e: RelayError): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    for (const p of [...this.pending.values(), ...this.pendingRefs.values()]) p.reject(e);
    this.ws = null;
  }

  private onClosed(e: RelayError, wasOpen: boolean): void {
    this.teardown(e);
    // A socket that never opened belongs to an attempt that may still try the next URL: it stays the one
    // attempt, so a retry timer firing meanwhile joins it rather than racing it on a second socket.
    if (wasOpen) this.ready = null;
    // A node that dropped us may be gone: the next attempt starts with the next relay of the list.
    if (wasOpen) this.current = (this.current + 1) % this.urls.length;
    this.emitState('closed', e);
    if (this.closedByUser || this.opts.reconnect === false || (e.closeCode !== undefined && FINAL_CLOSES.has(e.closeCode))) return;
    const min = this.opts.minBackoffMs ?? 500;
    const max = this.opts.maxBackoffMs ?? 30_000;
    // Exponential backoff with full jitter, so many clients do not reconnect in lockstep.
    const delay = Math.random() * Math.min(max, min * 2 ** this.attempts++);
    // A connect() made while a retry was pending may fail too: keep one retry loop, not two.
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closedByUser) this.connect().catch(() => undefined);
    }, delay);
  }
}

function logOf(frame: ServerFrame): LogAnswer {
  if (frame.t !== 'ok' || !frame.log) throw new RelayError('protocol', 'the relay answered without its key log');
  return frame.log;
}

function checkHandle(handle: string): string {
  const h = normalizeHandle(handle);
  if (!h) throw new RelayError('bad-request', 'a handle is 3-32 characters of a-z 0-9 . _ -');
  return h;
}

const CLOSE_TEXT: Record<number, [RelayClientErrorCode, string]> = {
  [CLOSE.authFailed]: ['auth-failed', 'the relay rejected our authentication'],
  [CLOSE.revoked]: ['revoked', 'this identity has been revoked on the relay'],
  [CLOSE.malformed]: ['protocol', 'the relay closed the connection: malformed frame'],
  [CLOSE.rateLimited]: ['closed', 'the relay closed the connection: rate limit exceeded'],
  [CLOSE.unauthenticated]: ['closed', 'the relay closed the connection: not authenticated in time'],
  [CLOSE.idle]: ['closed', 'the relay closed the idle connection'],
  [CLOSE.goingAway]: ['closed', 'the relay is shutting down'],
  [CLOSE.tooBig]: ['closed', 'the relay closed the connection: frame too large'],
};

function closeError(code: number, _reason: string): RelayError {
  const known = CLOSE_TEXT[code];
  if (known) return new RelayError(known[0], known[1], code);
  return new RelayError('closed', 'the connection to the relay was closed', code);
}
