// The admin listener: Prometheus `/metrics` (and `/healthz`) on their own address, loopback unless the
// operator says otherwise, so the figures an operator watches are not served to every client of the relay.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** `/healthz`: 200 while the relay takes connections, 503 while it shuts down (both listeners). */
export function answerHealth(res: ServerResponse, healthy: boolean): void {
  res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(healthy ? 'ok\n' : 'shutting down\n');
}

export interface AdminListener {
  port: number;
  close(): Promise<void>;
}

export async function startAdminListener(host: string, port: number, metrics: Registry, healthy: () => boolean): Promise<AdminListener> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (req.method === 'GET' && req.url === '/healthz') {
      answerHealth(res, healthy());
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
