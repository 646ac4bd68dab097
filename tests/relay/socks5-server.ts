// A small SOCKS5 server for tests (RFC 1928: CONNECT, "no authentication" only), on loopback. It records
// every request with its address type and host, resolves host names only through its own `hosts` table (so
// a name the client sends works only through the proxy, as an onion address does through Tor), and can be
// told to refuse or to hang up, the way a broken or unwilling proxy does.
import { createServer, connect, type Socket } from 'node:net';

export interface SocksRequest {
  /** 1: IPv4, 3: domain name, 4: IPv6. */
  atyp: number;
  host: string;
  port: number;
}

export type SocksBehaviour =
  /** Connects as asked. */
  | { kind: 'connect' }
  /** Answers the CONNECT request with this RFC 1928 reply code (1-8). */
  | { kind: 'refuse'; reply: number }
  /** Offers no acceptable method (0xFF): what a proxy that requires a password answers us. */
  | { kind: 'auth-required' }
  /** Closes the connection after reading the greeting, without a word. */
  | { kind: 'hang-up' };

export interface Socks5Server {
  readonly port: number;
  /** socks5h://127.0.0.1:PORT */
  readonly url: string;
  readonly requests: SocksRequest[];
  /** Local ports of the connections the proxy opened to targets: what the target sees as their source. */
  readonly upstreamPorts: number[];
  behaviour: SocksBehaviour;
  close(): Promise<void>;
}

/** `hosts` maps names (lower case) to where they really are; IP literals are connected to as given. */
export async function startSocks5Server(hosts: Record<string, string> = {}): Promise<Socks5Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    void handle(client).catch(() => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const proxy: Socks5Server = {
    port,
    url: `socks5h://127.0.0.1:${port}`,
    requests: [],
    upstreamPorts: [],
    behaviour: { kind: 'connect' },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function handle(client: Socket): Promise<void> {
    const read = reader(client);
    const [version, methods] = await read(2);
    if (version !== 5) return void client.destroy();
    const offered = await read(methods!);
    const behaviour = proxy.behaviour;
    if (behaviour.kind === 'hang-up') return void client.destroy();
    if (behaviour.kind === 'auth-required' || !offered.includes(0)) return void client.end(Buffer.from([5, 0xff]));
    client.write(Buffer.from([5, 0]));
    const [ver, cmd, , atyp] = await read(4);
    if (ver !== 5) return void client.destroy();
    let host: string;
    if (atyp === 1) host = [...(await read(4))].join('.');
    else if (atyp === 3) host = (await read((await read(1))[0]!)).toString('latin1');
    else if (atyp === 4) host = ipv6Text(await read(16));
    else return void client.end(reply(8));
    const portBytes = await read(2);
    const targetPort = portBytes.readUInt16BE(0);
    proxy.requests.push({ atyp: atyp!, host, port: targetPort });
    if (cmd !== 1) return void client.end(reply(7));
    if (behaviour.kind === 'refuse') return void client.end(reply(behaviour.reply));
    const address = atyp === 3 ? hosts[host.toLowerCase()] : host;
    if (address === undefined) return void client.end(reply(4)); // host unreachable: we resolve nothing else
    const upstream = connect({ host: address, port: targetPort });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.once('error', () => {
      if (!client.destroyed) client.end(reply(5));
      upstream.destroy();
    });
    upstream.once('connect', () => {
      proxy.upstreamPorts.push(upstream.localPort!);
      client.write(reply(0));
      const rest = read.rest();
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream).on('error', () => upstream.destroy());
      upstream.pipe(client).on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }
  return proxy;
}

/** A reply with an all-zero IPv4 bound address, as many proxies send. */
function reply(code: number): Buffer {
  return Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}

function ipv6Text(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** Reads exact byte counts from a socket in order; `rest()` hands over what came beyond them. */
function reader(socket: Socket): ((n: number) => Promise<Buffer>) & { rest(): Buffer } {
  let buf = Buffer.alloc(0);
  let want: { n: number; resolve(b: Buffer): void; reject(e: Error): void } | null = null;
  const pump = () => {
    if (want && buf.length >= want.n) {
      const out = buf.subarray(0, want.n);
      buf = buf.subarray(want.n);
      const w = want;
      want = null;
      w.resolve(out);
    }
  };
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    pump();
  };
  socket.on('data', onData);
  socket.once('close', () => want?.reject(new Error('closed')));
  const read = (n: number) =>
    new Promise<Buffer>((resolve, reject) => {
      want = { n, resolve, reject };
      pump();
    });
  return Object.assign(read, {
    rest() {
      socket.removeListener('data', onData);
      const out = buf;
      buf = Buffer.alloc(0);
      return out;
    },
  });
}
