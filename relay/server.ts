// The relay: HTTP (healthz) and the WebSocket protocol of docs/PROTOCOL.md on one port; metrics on the
// admin listener. Limits that span connections live in ./limits/.
// Hot path (room frames) works on the received Buffer in place: no copies, no per-frame objects.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { fromBase64Url, toBase64Url, utf8, equalBytes } from '../lib/bytes';
import { SIGNATURE_CONTEXT, verifyWithContext } from '../lib/crypto/identity';
import { verifyWithContextSync } from './ed25519';
import { nextNonce } from './nonces';
import { decodePublicBundle, type PublicBundle } from '../lib/crypto/public-bundle';
import {
  CLOSE, ClientRequest, DATA, DATA_HEADER, HANDLE_MAX, HANDLE_MIN, MAX_CONTROL_BYTES, PROTOCOL_VERSION,
  RELAY_SUBPROTOCOL, ROOM_ID_MAX, ROOM_ID_MIN, authMessage, keyChangeMessage, registerMessage, relayOrigin,
  type RelayErrorCode,
} from '../lib/protocol/relay';
import { LocalBroker, type Broker, type Count, type Member } from './broker';
import type { RelayOptions } from './config';
import { DirectoryError, type Directory } from './directory';
import { log } from './log';
import { LogRequestError, LogService, honestView, type LogView } from './log-service';
import { FaultyLog } from './test-faults';
import { RelayStats, createMetrics, type RefusalReason } from './metrics';
import { answerHealth, startAdminListener, type AdminListener } from './admin-listener';
import { RefusalLog } from './refusal-log';
import { Admission } from './limits/admission';
import { SharedLimits } from './limits/shared-limits';

class RequestError extends Error {
  constructor(readonly code: RelayErrorCode, message: string) {
    super(message);
  }
}

/** Per-connection state, kept small: the benchmark holds 10,000 of these within ~20 KB each. */
class Conn implements Member {
  nonce: Uint8Array | null;
  key: string | null = null; // base64url identity key once authenticated
  keyBytes: Uint8Array | null = null;
  handle: string | null = null;
  rooms: Set<string> | null = null;
  lastActive: number;
  /** Until authenticated: when the connection is closed (moved on by each lookup), and lookups made. */
  authDeadline: number;
  lookups = 0;
  alive = true;
  frameTokens: number;
  byteTokens: number;
  refilledAt: number;
  /** Set while an async request runs, so later frames wait and answers stay in order. */
  queue: Promise<void> | null = null;
  /** The key log as this connection sees it, from its first log request (test faults differ per connection). */
  logView: LogView | null = null;

  constructor(
    readonly ws: WebSocket,
    readonly ip: string,
    readonly relay: Relay,
    now: number,
  ) {
    this.nonce = nextNonce();
    this.lastActive = now;
    this.authDeadline = now + relay.options.authTimeoutMs;
    this.refilledAt = now;
    this.frameTokens = relay.options.burst;
    this.byteTokens = relay.options.byteRate * 2;
  }

  deliver(frame: Uint8Array): void {
    const ws = this.ws;
    if (ws.readyState !== 1) return;
    // A reader that falls behind loses frames, not its connection: the sender cannot make it drop off.
    if (ws.bufferedAmount > this.relay.options.maxBuffered) {
      this.relay.stats.drop('slow-reader');
      return;
    }
    ws.send(frame);
    this.relay.stats.framesOut++;
    this.relay.stats.bytesOut += frame.length;
  }

  evict(reason: string): void {
    this.relay.refuse(this, 'revoked', CLOSE.revoked, reason);
  }

  sendJson(frame: object): void {
    if (this.ws.readyState === 1) this.ws.send(JSON.stringify(frame));
  }
}

export class Relay {
  readonly stats = new RelayStats();
  readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private readonly admission: Admission;
  private readonly limits: SharedLimits;
  private admin: AdminListener | null = null;
  private readonly refusalLog = new RefusalLog();
  private readonly origins: string[];
  private readonly metrics;
  private timer: NodeJS.Timeout | null = null;
  private lastSweep = 0;
  private lastPing = 0;
  private accepting = false;
  private polling = false;
  private readonly keyLog: LogService;
  private readonly faults: FaultyLog | null;
  private readonly honestLog: LogView;

  constructor(
    readonly options: RelayOptions,
    private readonly directory: Directory,
    private readonly broker: Broker<Conn> = new LocalBroker<Conn>(),
  ) {
    this.metrics = createMetrics(this.stats, broker);
    this.admission = new Admission(options.maxConnsPerIp, options.maxConns);
    this.limits = new SharedLimits(options);
    this.keyLog = new LogService(directory);
    this.honestLog = honestView(directory);
    this.faults = options.testFault ? new FaultyLog(options.testFault, directory) : null;
    if (options.testFault) log('warn', 'test-fault', { fault: options.testFault.kind });
    this.origins = acceptedOrigins(options);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: Math.max(options.maxFrame, MAX_CONTROL_BYTES),
      handleProtocols: (offered) => (offered.has(RELAY_SUBPROTOCOL) ? RELAY_SUBPROTOCOL : false),
    });
    this.http = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/healthz') {
        answerHealth(res, this.accepting);
      } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** The admin listener's bound port, once started with `adminPort` set. */
  get adminPort(): number | undefined {
    return this.admin?.port;
  }

  /** Resolves with the bound port once listening. */
  async start(): Promise<number> {
    if (this.options.adminPort !== undefined) {
      this.admin = await startAdminListener(this.options.adminHost, this.options.adminPort, this.metrics, () => this.accepting);
    }
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host, () => resolve());
    });
    const address = this.http.address();
    const port = typeof address === 'object' && address ? address.port : this.options.port;
    if (this.options.publicUrls.length === 0) this.origins.push(...loopbackOrigins(this.options.host, port));
    this.accepting = true;
    this.timer = setInterval(() => this.tick(), this.options.revocationPollMs);
    return port;
  }

  /** Graceful shutdown: stop accepting, close every socket with 1001, close the directory. */
  async stop(): Promise<void> {
    this.accepting = false;
    if (this.timer) clearInterval(this.timer);
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    for (const c of this.conns) c.ws.close(CLOSE.goingAway, 'relay shutting down');
    const deadline = Date.now() + 2000;
    while (this.conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const c of this.conns) c.ws.terminate();
    this.refusalLog.flush();
    this.http.closeAllConnections();
    await closed;
    await this.admin?.close();
    this.directory.close();
  }

  refuse(c: Conn, reason: RefusalReason, code: number, text: string): void {
    if (c.ws.readyState > 1) return;
    this.stats.refuse(reason);
    this.refusalLog.note(reason, code);
    c.ws.close(code, text);
    // Leave rooms and mailboxes now: the close handshake can take long (a slow reader may never read
    // the close frame), and a refused connection must not be counted as present or receive anything.
    this.disconnected(c);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const reject = (status: string, reason: RefusalReason) => {
      this.stats.refuse(reason);
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!this.accepting) return void socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if (!offered.includes(RELAY_SUBPROTOCOL)) return reject('400 Bad Request', 'bad-subprotocol');
    const ip = req.socket.remoteAddress ?? '?';
    const refused = this.admission.admit(ip);
    if (refused) return reject(refused === 'relay-full' ? '503 Service Unavailable' : '429 Too Many Requests', refused);
    socket.once('close', () => this.admission.release(ip));
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, ip));
  }

  private connected(ws: WebSocket, ip: string): void {
    const c = new Conn(ws, ip, this, Date.now());
    this.conns.add(c);
    this.stats.connections++;
    ws.on('message', (data, isBinary) => this.onFrame(c, data, isBinary));
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('error', (e: Error & { code?: string }) => {
      // A protocol error found by ws (oversized frame → 1009, bad opcode/UTF-8 → 1002/1007): ws closes it.
      this.stats.refuse(e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too-big' : 'malformed');
    });
    ws.on('close', () => this.disconnected(c));
    c.sendJson({ t: 'challenge', v: PROTOCOL_VERSION, nonce: toBase64Url(c.nonce!) });
  }

  private disconnected(c: Conn): void {
    if (!this.conns.delete(c)) return;
    this.stats.connections--;
    if (c.key) this.stats.authenticated--;
    if (c.rooms) for (const room of c.rooms) this.broker.leave(room, c);
    if (c.key) this.broker.detach(c.key, c);
  }

  private onFrame(c: Conn, data: RawData, isBinary: boolean): void {
    const buf = data as Buffer; // binaryType 'nodebuffer', single Buffer per message
    const now = Date.now();
    c.lastActive = now;
    this.stats.framesIn++;
    this.stats.bytesIn += buf.length;
    if (!this.takeTokens(c, buf.length, now)) return this.refuse(c, 'rate-limited', CLOSE.rateLimited, 'rate limit exceeded');
    if (c.queue) {
      // An earlier request is still running: keep order (e.g. auth before the first data frame).
      c.queue = c.queue.then(() => this.dispatch(c, buf, isBinary));
      return;
    }
    const pending = this.dispatch(c, buf, isBinary);
    if (pending) {
      const p: Promise<void> = pending.finally(() => {
        if (c.queue === p) c.queue = null;
      });
      c.queue = p;
    }
  }

  private takeTokens(c: Conn, bytes: number, now: number): boolean {
    const { rate, burst, byteRate } = this.options;
    const dt = (now - c.refilledAt) / 1000;
    c.refilledAt = now;
    if (rate > 0) {
      c.frameTokens = Math.min(burst, c.frameTokens + dt * rate) - 1;
      if (c.frameTokens < 0) return false;
    }
    if (byteRate > 0) {
      c.byteTokens = Math.min(byteRate * 2, c.byteTokens + dt * byteRate) - bytes;
      if (c.byteTokens < 0) return false;
    }
    return true;
  }

  /** Returns a promise only when the frame needs async work. */
  private dispatch(c: Conn, buf: Buffer, isBinary: boolean): Promise<void> | void {
    if (c.ws.readyState !== 1) return;
    if (isBinary) return this.onData(c, buf);
    if (buf.length > MAX_CONTROL_BYTES) return this.refuse(c, 'malformed', CLOSE.malformed, 'control frame too large');
    let parsed: ClientRequest;
    try {
      const r = ClientRequest.safeParse(JSON.parse(buf.toString('utf8')));
      if (!r.success) return this.refuse(c, 'malformed', CLOSE.malformed, 'malformed control frame');
      parsed = r.data;
    } catch {
      return this.refuse(c, 'malformed', CLOSE.malformed, 'control frame is not JSON');
    }
    const req = parsed;
    let result: Promise<object | void> | object | void;
    try {
      result = this.request(c, req);
    } catch (e) {
      return this.answerError(c, req.id, e);
    }
    if (result instanceof Promise) {
      return result.then(
        (extra) => {
          if (extra !== undefined) c.sendJson({ t: 'ok', id: req.id, ...extra });
        },
        (e) => this.answerError(c, req.id, e),
      );
    }
    if (result !== undefined) c.sendJson({ t: 'ok', id: req.id, ...result });
  }

  private answerError(c: Conn, id: number, e: unknown): void {
    if (e instanceof RequestError || e instanceof DirectoryError || e instanceof LogRequestError) {
      c.sendJson({ t: 'error', id, code: e.code, message: e.message });
    } else {
      log('error', 'error', { where: 'request', message: e instanceof Error ? e.message : 'unknown' });
      c.sendJson({ t: 'error', id, code: 'internal', message: 'internal error' });
    }
  }

  /** Returns the `ok` fields, or undefined when the request already closed the connection. */
  private request(c: Conn, req: ClientRequest): Promise<object | void> | object | void {
    switch (req.t) {
      case 'ping':
        return {};
      case 'auth':
        return this.auth(c, req.key, req.sig);
      case 'lookup':
        if (!this.unauthenticatedLookup(c)) return;
        return req.log === undefined ? this.lookup(req.handle) : this.lookupLogged(c, req.handle, req.log);
      case 'log-checkpoint':
        this.unauthenticatedRead(c);
        return this.keyLog.checkpointAnswer(this.logViewOf(c), req.since ?? 0).then((answer) => ({ log: answer }));
      case 'log-entries':
        this.unauthenticatedRead(c);
        return this.keyLog.page(this.logViewOf(c), req.size, req.start, req.count).then((answer) => ({ log: answer }));
      case 'register':
        return this.register(c, req.handle, req.bundle, req.sig);
      case 'rotate':
        return this.rotate(c, req.bundle);
      case 'key-change':
        return this.keyChange(c, req.handle, req.bundle, req.statement);
      case 'join': {
        requireRegistered(c);
        const room = roomKey(fromBase64Url(req.room));
        if (!c.rooms) c.rooms = new Set();
        if (!c.rooms.has(room)) {
          if (c.rooms.size >= this.options.maxRooms) throw new RequestError('too-many-rooms', `at most ${this.options.maxRooms} rooms per connection`);
          c.rooms.add(room);
        }
        const present = this.broker.join(room, c);
        return typeof present === 'number' ? { present } : present.then((n) => ({ present: n }));
      }
      case 'leave': {
        if (!c.key) throw new RequestError('not-authenticated', 'authenticate first');
        const room = roomKey(fromBase64Url(req.room));
        if (!c.rooms?.delete(room)) throw new RequestError('not-member', 'not a member of this room');
        this.broker.leave(room, c);
        return {};
      }
    }
  }

  /** An unauthenticated connection's read keeps it open another auth timeout. */
  private unauthenticatedRead(c: Conn): void {
    if (!c.key) c.authDeadline = Date.now() + this.options.authTimeoutMs;
  }

  /** Counts an unauthenticated lookup; false when it is one too many and the connection was closed. */
  private unauthenticatedLookup(c: Conn): boolean {
    if (c.key) return true;
    if (++c.lookups > this.options.unauthLookups) {
      this.refuse(c, 'lookup-limit', CLOSE.unauthenticated, 'authenticate to look up more');
      return false;
    }
    this.unauthenticatedRead(c);
    return true;
  }

  /** Registrations and key changes write the directory: limited per network prefix and in all. */
  private limitRegistration(c: Conn): void {
    const hit = this.limits.registration(c.ip, Date.now());
    if (hit) {
      this.stats.limitRegistration(hit);
      throw new RequestError('rate-limited', 'too many registrations right now: try again in a minute');
    }
  }

  private async auth(c: Conn, keyText: string, sigText: string): Promise<object | void> {
    if (c.key || !c.nonce) throw new RequestError('already-authenticated', 'this connection is already authenticated');
    const nonce = c.nonce;
    c.nonce = null; // one attempt per nonce: a failed or replayed signature ends the connection
    const key = fromBase64Url(keyText);
    const sig = fromBase64Url(sigText);
    let ok = false;
    for (const origin of this.origins) {
      if (verifyWithContextSync(key, SIGNATURE_CONTEXT.relayAuth, authMessage(nonce, origin), sig)) {
        ok = true;
        break;
      }
    }
    if (!ok) return this.refuse(c, 'auth-failed', CLOSE.authFailed, 'authentication failed');
    const entry = await this.directory.byKey(key);
    if (entry?.revoked) return this.refuse(c, 'revoked', CLOSE.revoked, 'identity revoked');
    // Gone while the directory answered: attaching it now would leave a dead member behind.
    if (!this.conns.has(c)) return;
    c.key = keyText;
    c.keyBytes = key;
    this.stats.authenticated++;
    c.handle = entry?.handle ?? null;
    this.broker.attach(keyText, c);
    return { handle: c.handle };
  }

  private async lookup(handle: string): Promise<object> {
    const entry = await this.directory.byHandle(handle);
    if (!entry) throw new RequestError('not-found', 'no such handle on this relay');
    if (entry.revoked) throw new RequestError('revoked', 'this handle has been revoked');
    return { handle: entry.handle, bundle: (await this.faults?.swappedBundle(handle)) ?? entry.bundle };
  }

  private logViewOf(c: Conn): LogView {
    return (c.logView ??= this.faults ? this.faults.viewForNewReader() : this.honestLog);
  }

  /** A lookup with the handle's key-log entries and proofs (`since`: the client's tree size). */
  private async lookupLogged(c: Conn, handle: string, since: number): Promise<object> {
    const { bundle, log: answer } = await this.keyLog.lookup(this.logViewOf(c), handle, since);
    return { handle, bundle: (await this.faults?.swappedBundle(handle)) ?? bundle, log: answer };
  }

  private async register(c: Conn, handle: string, line: string, sigText: string): Promise<object> {
    const key = requireAuth(c);
    this.limitRegistration(c);
    const bundle = await bundleFor(line, key);
    if (bundle.handle !== undefined && bundle.handle.toLowerCase() !== handle) {
      throw new RequestError('invalid-bundle', 'the bundle names a different handle');
    }
    const sig = fromBase64Url(sigText);
    if (!(await verifyWithContext(key, SIGNATURE_CONTEXT.relayRegister, registerMessage(handle, line), sig))) {
      throw new RequestError('bad-signature', 'the registration signature does not verify');
    }
    await this.directory.register({ handle, identityKey: key, bundle: line, prekeyCreated: bundle.prekey.created, signature: sig });
    c.handle = handle;
    log('info', 'registered', { handle });
    return { handle };
  }

  private async rotate(c: Conn, line: string): Promise<object> {
    const key = requireAuth(c);
    const bundle = await bundleFor(line, key);
    const handle = await this.directory.rotate(key, line, bundle.prekey.created);
    log('info', 'rotated', { handle });
    return { handle };
  }

  private async keyChange(c: Conn, handle: string, line: string, statementText: string): Promise<object> {
    const newKey = requireAuth(c);
    if (c.handle) throw new RequestError('identity-registered', 'this identity already has a handle');
    this.limitRegistration(c);
    const bundle = await bundleFor(line, newKey);
    const entry = await this.directory.byHandle(handle);
    if (!entry) throw new RequestError('not-found', 'no such handle on this relay');
    const statement = fromBase64Url(statementText);
    const message = keyChangeMessage(handle, entry.identityKey, newKey);
    if (!(await verifyWithContext(entry.identityKey, SIGNATURE_CONTEXT.keyChange, message, statement))) {
      throw new RequestError('bad-signature', 'the key-change statement is not signed by the registered key');
    }
    await this.directory.changeKey({ handle, oldKey: entry.identityKey, newKey, bundle: line, prekeyCreated: bundle.prekey.created, statement });
    c.handle = handle;
    // The old key no longer speaks for this handle: end its sessions (on every node).
    this.broker.evict(toBase64Url(entry.identityKey), 'identity key replaced');
    log('info', 'key-changed', { handle });
    return { handle };
  }

  private onData(c: Conn, buf: Buffer): Promise<void> | void {
    const len = buf.length >= DATA_HEADER ? buf[1]! : -1;
    const type = buf[0];
    const roomFrame = type === DATA.toRoom && len >= ROOM_ID_MIN && len <= ROOM_ID_MAX;
    const handleFrame = type === DATA.toHandle && len >= HANDLE_MIN && len <= HANDLE_MAX;
    if ((!roomFrame && !handleFrame) || buf.length < DATA_HEADER + len) {
      return this.refuse(c, 'malformed', CLOSE.malformed, 'malformed data frame');
    }
    const ref = buf.readUInt32BE(2);
    if (!c.handle) return this.undelivered(c, ref, c.key ? 'not-registered' : 'not-authenticated', 'register before sending');
    if (roomFrame) {
      const room = buf.toString('latin1', DATA_HEADER, DATA_HEADER + len);
      if (!c.rooms?.has(room)) return this.undelivered(c, ref, 'not-member', 'join the room before sending');
      // Rewrite the header in place and forward the same bytes: type → room delivery, ref hidden.
      buf[0] = DATA.fromRoom;
      buf.writeUInt32BE(0, 2);
      counted(this.broker.publish(room, buf, c), (n) => {
        if (n === 0) this.undelivered(c, ref, 'offline', 'not delivered: recipient offline');
      });
      return;
    }
    return this.toHandle(c, buf, len, ref);
  }

  private async toHandle(c: Conn, buf: Buffer, len: number, ref: number): Promise<void> {
    const entry = await this.directory.route(buf.toString('latin1', DATA_HEADER, DATA_HEADER + len));
    if (!entry || entry.revoked) return this.undelivered(c, ref, 'not-found', 'no such handle on this relay');
    const from = utf8(c.handle!);
    const out = Buffer.allocUnsafe(DATA_HEADER + from.length + buf.length - DATA_HEADER - len);
    out[0] = DATA.fromHandle;
    out[1] = from.length;
    out.writeUInt32BE(0, 2);
    out.set(from, DATA_HEADER);
    buf.copy(out, DATA_HEADER + from.length, DATA_HEADER + len);
    const recipient = toBase64Url(entry.identityKey);
    // Counted whether or not the recipient is online, so the limit's answer does not tell either.
    const hit = this.limits.mailbox(c.key!, recipient, Date.now());
    if (hit) {
      this.stats.drop(hit);
      return this.undelivered(c, ref, 'rate-limited', 'not accepted: too many frames to this recipient right now');
    }
    // "accepted" whether it reached no connection or several: presence stays the recipient's business.
    this.broker.sendToIdentity(recipient, out);
    if (ref !== 0) c.sendJson({ t: 'accepted', ref });
  }

  private undelivered(c: Conn, ref: number, code: RelayErrorCode, message: string): void {
    if (ref !== 0) c.sendJson({ t: 'undelivered', ref, code, message });
  }

  /** One timer for everything periodic: revocations every tick, idle checks and heartbeats less often. */
  private tick(): void {
    const now = Date.now();
    void this.pollRevocations();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    this.limits.sweep(now);
    this.refusalLog.flush();
    const ping = now - this.lastPing >= this.options.heartbeatMs;
    if (ping) this.lastPing = now;
    for (const c of this.conns) {
      if (now - c.lastActive > this.options.idleTimeoutMs) {
        this.refuse(c, 'idle', CLOSE.idle, 'idle timeout');
      } else if (!c.key && now > c.authDeadline) {
        this.refuse(c, 'auth-timeout', CLOSE.unauthenticated, 'authenticate first');
      } else if (ping) {
        if (!c.alive) {
          this.stats.refuse('dead-peer');
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        c.ws.ping();
      }
    }
  }

  private async pollRevocations(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const { handle, identityKey } of await this.directory.pollRevocations()) {
        log('info', 'revoked', { handle });
        for (const c of this.broker.localMembers(toBase64Url(identityKey))) this.refuse(c, 'revoked', CLOSE.revoked, 'identity revoked');
      }
    } catch (e) {
      log('error', 'error', { where: 'revocation-poll', message: e instanceof Error ? e.message : 'unknown' });
    } finally {
      this.polling = false;
    }
  }
}

/** Runs `then` with a delivery count, at once when this process knows it (no promise on the hot path). */
function counted(n: Count, then: (n: number) => void): void {
  if (typeof n === 'number') then(n);
  else void n.then(then);
}

function requireAuth(c: Conn): Uint8Array {
  if (!c.keyBytes) throw new RequestError('not-authenticated', 'authenticate first');
  return c.keyBytes;
}

function requireRegistered(c: Conn): void {
  requireAuth(c);
  if (!c.handle) throw new RequestError('not-registered', 'register a handle first');
}

function roomKey(id: Uint8Array): string {
  return Buffer.from(id).toString('latin1');
}

async function bundleFor(line: string, key: Uint8Array): Promise<PublicBundle> {
  let bundle: PublicBundle;
  try {
    bundle = await decodePublicBundle(line);
  } catch {
    throw new RequestError('invalid-bundle', 'the public bundle does not decode or its prekey signature fails');
  }
  if (!equalBytes(bundle.identityKey, key)) throw new RequestError('invalid-bundle', 'the bundle is for a different identity key');
  return bundle;
}

function acceptedOrigins(options: RelayOptions): string[] {
  return options.publicUrls.map(relayOrigin);
}

function loopbackOrigins(host: string, port: number): string[] {
  const hosts = host === '127.0.0.1' || host === 'localhost' ? ['127.0.0.1', 'localhost'] : host === '::1' ? ['[::1]', 'localhost'] : [host];
  return hosts.map((h) => relayOrigin(`ws://${h}:${port}`));
}
