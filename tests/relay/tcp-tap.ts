// A loopback TCP forwarder in front of a relay that records where each connection came from: the relay's
// view of who connects. Set `targetPort` once the relay runs (it needs the tap's port for --public-url).
import { createServer, connect, type Socket } from 'node:net';

export interface TcpTap {
  readonly port: number;
  targetPort: number;
  /** Source port of every connection that reached the relay through the tap, in order. */
  readonly sourcePorts: number[];
  close(): Promise<void>;
}

export async function startTcpTap(targetPort = 0): Promise<TcpTap> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    track(client);
    tap.sourcePorts.push(client.remotePort!);
    const upstream = connect({ host: '127.0.0.1', port: tap.targetPort });
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tap: TcpTap = {
    port: (server.address() as { port: number }).port,
    targetPort,
    sourcePorts: [],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return tap;
}
