// SOCKS5 client (RFC 1928: CONNECT, no authentication) for reaching the relay through Tor or another proxy.
// Host names go to the proxy as names (address type 3) and are never looked up here; the only socket this
// opens is to the proxy, so when the proxy is down or refuses, nothing reaches the relay around it.
import { connect as netConnect, isIP, isIPv4, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import WebSocket from 'ws';
import { RelayError, type WebSocketConstructor } from '../lib/relay-client/client';
import type { ProxyAddress } from '../lib/relay-client/proxy-url';

/** How long the proxy may take to connect us (Tor building a circuit to an onion service takes seconds). */
const HANDSHAKE_TIMEOUT_MS = 60_000;

const VERSION = 5;
const NO_AUTH = 0;
const NO_ACCEPTABLE_METHOD = 0xff;
const CMD_CONNECT = 1;
const ATYP = { ipv4: 1, domain: 3, ipv6: 4 } as const;

/** RFC 1928 section 6 reply codes. */
const REPLIES: Record<number, string> = {
  1: 'general failure',
  2: 'connection not allowed by its rules',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

function proxyError(proxy: ProxyAddress, what: string): RelayError {
  const at = isIP(proxy.host) === 6 ? `[${proxy.host}]:${proxy.port}` : `${proxy.host}:${proxy.port}`;
  return new RelayError('proxy', `the SOCKS proxy at ${at} ${what}`);
}

/** The CONNECT request: IP literals as addresses, everything else as a name for the proxy to resolve. */
export function connectRequest(host: string, port: number): Uint8Array {
  let address: Uint8Array;
  if (isIPv4(host)) address = Uint8Array.of(ATYP.ipv4, ...host.split('.').map(Number));
  else if (isIP(host) === 6) address = Uint8Array.of(ATYP.ipv6, ...ipv6Bytes(host));
  else {
    const name = Buffer.from(host, 'ascii');
    if (name.length < 1 || name.length > 255) throw new RelayError('proxy', 'the relay host name is too long for SOCKS5');
    address = Uint8Array.of(ATYP.domain, name.length, ...name);
  }
  return Uint8Array.of(VERSION, CMD_CONNECT, 0, ...address, port >> 8, port & 0xff);
}

function ipv6Bytes(host: string): number[] {
  const [head = '', tail = ''] = host.split('::');
  const groups = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = host.includes('::') ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** Length of a complete CONNECT reply in `buf`, or 0 while more bytes are needed. */
function replyLength(buf: Buffer): number {
  if (buf.length < 5) return 0;
  const atyp = buf[3];
  const addr = atyp === ATYP.ipv4 ? 4 : atyp === ATYP.ipv6 ? 16 : atyp === ATYP.domain ? 1 + buf[4]! : -1;
  if (addr < 0) return -1;
  const total = 4 + addr + 2;
  return buf.length >= total ? total : 0;
}

/** Opens a TCP connection to host:port through the proxy; rejects with a RelayError of code 'proxy'. */
export function socksConnect(proxy: ProxyAddress, host: string, port: number, timeoutMs = HANDSHAKE_TIMEOUT_MS): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: proxy.host, port: proxy.port });
    let stage: 'greeting' | 'connect' | 'done' = 'greeting';
    let buf = Buffer.alloc(0);
    const fail = (e: RelayError) => {
      if (stage === 'done') return;
      stage = 'done';
      socket.destroy();
      reject(e);
    };
    socket.setTimeout(timeoutMs, () => fail(proxyError(proxy, 'did not answer in time')));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      fail(proxyError(proxy, e.code === 'ECONNREFUSED' ? 'is not reachable (connection refused)' : `is not reachable (${e.code ?? 'network error'})`)),
    );
    socket.once('close', () => fail(proxyError(proxy, 'closed the connection before connecting to the relay')));
    socket.once('connect', () => socket.write(Uint8Array.of(VERSION, 1, NO_AUTH)));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === 'greeting') {
        if (buf.length < 2) return;
        if (buf[0] !== VERSION) return fail(proxyError(proxy, 'does not speak SOCKS5'));
        if (buf[1] === NO_ACCEPTABLE_METHOD) return fail(proxyError(proxy, 'requires authentication, which c2c does not offer'));
        if (buf[1] !== NO_AUTH) return fail(proxyError(proxy, 'chose a method c2c did not offer'));
        buf = buf.subarray(2);
        stage = 'connect';
        try {
          socket.write(connectRequest(host, port));
        } catch (e) {
          return fail(e as RelayError);
        }
      }
      if (stage !== 'connect' || buf.length < 2) return;
      if (buf[0] !== VERSION) return fail(proxyError(proxy, 'sent a reply that is not SOCKS5'));
      if (buf[1] !== 0) {
        const code = buf[1]!;
        return fail(proxyError(proxy, `refused to connect to the relay: ${REPLIES[code] ?? 'unknown reason'} (reply ${code})`));
      }
      const length = replyLength(buf);
      if (length < 0) return fail(proxyError(proxy, 'sent a malformed reply'));
      if (length === 0) return;
      // The relay speaks only after our request: bytes beyond the reply mean the proxy is not talking SOCKS5.
      if (buf.length > length) return fail(proxyError(proxy, 'sent more than its reply'));
      stage = 'done';
      socket.removeListener('data', onData);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      socket.setTimeout(0);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

type OnCreate = (err: Error | null, socket?: Duplex) => void;

/** http.request's createConnection (under ws): the socket comes through the callback once the proxy connected. */
function tunnel(proxy: ProxyAddress, secure: boolean) {
  return (options: ConnectionOptions & { host?: string; port?: number | string }, oncreate: OnCreate): undefined => {
    const host = options.host ?? 'localhost';
    socksConnect(proxy, host, Number(options.port)).then(
      (socket) => {
        if (!secure) return oncreate(null, socket);
        // wss: TLS to the relay inside the tunnel, checked against the relay's name as usual.
        oncreate(null, tlsConnect({ ...options, socket, servername: isIP(host) ? undefined : host }));
      },
      (e: Error) => oncreate(e),
    );
    return undefined;
  };
}

/** A `ws` constructor whose every connection goes through the proxy. */
export function proxiedWebSocket(proxy: ProxyAddress): WebSocketConstructor {
  return class ProxiedWebSocket extends WebSocket {
    constructor(url: string, protocols: string | string[]) {
      super(url, protocols, { createConnection: tunnel(proxy, /^wss:/i.test(url)) as never });
    }
  } as unknown as WebSocketConstructor;
}
