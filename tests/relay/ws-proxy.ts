// A loopback WebSocket proxy between clients and a real relay process, playing the network (or a hostile
// relay): it forwards every frame both ways unchanged, records the binary data frames (parsed with the
// relay's data-frame codec), and lets a test replace, drop or inject frames.
//
// The relay checks that a client signed the URL it connected to, so start the relay with
// `--public-url <proxy.url>` and point the proxy at it: `proxy.target = relay.url`. Changing `target`
// (a restarted relay on another port) affects new connections only.
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { DATA, decodeDataFrame, encodeDataFrame, type DataFrame } from '../../lib/protocol/relay';

export interface ProxiedFrame {
  /** Which client connection, numbered from 1 in the order they arrived. */
  connection: number;
  /** up: client → relay; down: relay → client. */
  direction: 'up' | 'down';
  /** Parsed frame (its own copy). */
  frame: DataFrame;
}

/** undefined: forward unchanged; []: drop; otherwise send these whole data frames instead. */
export type FrameRule = (f: ProxiedFrame) => Uint8Array[] | undefined;

interface Link {
  client: WebSocket;
  upstream: WebSocket;
  /** The identity key (base64url) the client authenticated with, once seen. */
  identityKey?: string;
}

/** What a client's text (control) frame tells the proxy: its identity, or a room it joins. */
interface Control {
  t?: unknown;
  key?: unknown;
  room?: unknown;
}

export interface WsProxy {
  readonly url: string;
  target: string;
  /** Every binary data frame that reached the proxy, both directions, before any rule. */
  readonly frames: ProxiedFrame[];
  rule: FrameRule | null;
  /** Room frames (to or from `room`, when given) in either direction. */
  roomFrames(room?: Uint8Array): ProxiedFrame[];
  /** The connection a client opened with this identity key (base64url), newest first. */
  connectionOf(identityKey: string): number | undefined;
  /** Rooms (base64url) joined on a connection, in order (re-joins after reconnects included). */
  joins(connection: number): string[];
  /** Sends a whole data frame on a connection, as if it came from the relay (down) or the client (up). */
  inject(connection: number, direction: 'up' | 'down', bytes: Uint8Array): void;
  /** Closes every client connection (a network outage); clients reconnect through the proxy. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startWsProxy(target = ''): Promise<WsProxy> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  const links = new Map<number, Link>();
  const joined = new Map<number, string[]>();
  let next = 1;

  const proxy: WsProxy = {
    url: `ws://127.0.0.1:${port}`,
    target,
    frames: [],
    rule: null,
    roomFrames(room) {
      const key = room ? Buffer.from(room).toString('hex') : undefined;
      return this.frames.filter(
        (f) => (f.frame.type === DATA.toRoom || f.frame.type === DATA.fromRoom) && (!key || Buffer.from(f.frame.target).toString('hex') === key),
      );
    },
    connectionOf(identityKey) {
      const ids = [...links.entries()].filter(([, l]) => l.identityKey === identityKey).map(([id]) => id);
      return ids.pop();
    },
    joins(connection) {
      return [...(joined.get(connection) ?? [])];
    },
    inject(connection, direction, bytes) {
      const link = links.get(connection);
      if (!link) throw new Error(`no proxied connection ${connection}`);
      (direction === 'down' ? link.client : link.upstream).send(bytes);
    },
    dropConnections() {
      for (const link of links.values()) link.client.terminate();
    },
    async close() {
      for (const link of links.values()) {
        link.client.terminate();
        link.upstream.terminate();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  server.on('connection', (client) => {
    const id = next++;
    const protocol = client.protocol;
    const upstream = new WebSocket(proxy.target, protocol ? [protocol] : []);
    const link: Link = { client, upstream };
    links.set(id, link);
    const early: { data: RawData; binary: boolean }[] = [];
    const noteControl = (connection: number, bytes: Uint8Array) => {
      const m = parseControl(bytes);
      if (m?.t === 'auth' && typeof m.key === 'string') link.identityKey ??= m.key;
      if (m?.t === 'join' && typeof m.room === 'string') joined.set(connection, [...(joined.get(connection) ?? []), m.room]);
    };

    const relay = (to: WebSocket, direction: 'up' | 'down', data: RawData, binary: boolean) => {
      const bytes = toBytes(data);
      if (!binary) {
        if (direction === 'up') noteControl(id, bytes);
        return to.send(bytes, { binary: false });
      }
      const parsed = decodeDataFrame(bytes);
      if (!parsed) return to.send(bytes);
      const seen: ProxiedFrame = { connection: id, direction, frame: copyFrame(parsed) };
      proxy.frames.push(seen);
      const replacement = proxy.rule?.(seen);
      for (const out of replacement ?? [bytes]) to.send(out);
    };

    client.on('message', (data, binary) => {
      if (upstream.readyState === WebSocket.OPEN) relay(upstream, 'up', data, binary);
      else early.push({ data, binary });
    });
    upstream.on('open', () => {
      for (const m of early.splice(0)) relay(upstream, 'up', m.data, m.binary);
    });
    upstream.on('message', (data, binary) => {
      if (client.readyState === WebSocket.OPEN) relay(client, 'down', data, binary);
    });
    // Either side closing closes the other, as a network path would.
    const closeBoth = () => {
      links.delete(id);
      if (client.readyState <= WebSocket.OPEN) client.terminate();
      if (upstream.readyState <= WebSocket.OPEN) upstream.terminate();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });
  return proxy;
}

/** A room data frame as the relay delivers it (fromRoom), e.g. to inject or to replace a payload. */
export function roomFrameDown(room: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeDataFrame(DATA.fromRoom, 0, room, payload);
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function copyFrame(f: DataFrame): DataFrame {
  return { type: f.type, ref: f.ref, target: f.target.slice(), payload: f.payload.slice() };
}

function parseControl(bytes: Uint8Array): Control | undefined {
  try {
    const m: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof m === 'object' && m !== null ? (m as Control) : undefined;
  } catch {
    return undefined;
  }
}
