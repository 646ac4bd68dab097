// Serves the chat bench's page on loopback: bench/chat/page.ts bundled by esbuild in memory (the lib/ code
// as a browser runs it), behind a blank, cross-origin isolated HTML page. Nothing is written to disk.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HTML = '<!doctype html><meta charset="utf-8"><title>c2c chat bench</title><script type="module" src="/page.js"></script>';

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0]!.contents;
  const server = createServer((req, res) => {
    const [type, body] =
      req.url === '/' ? ['text/html; charset=utf-8', HTML] : req.url === '/page.js' ? ['text/javascript', js] : [null, 'not found'];
    res.writeHead(type ? 200 : 404, {
      'content-type': type ?? 'text/plain',
      'cache-control': 'no-store',
      // Cross-origin isolation: performance.now() then ticks in 5 µs steps instead of 100 µs.
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
