// Running bench code where the extension runs it: in its background service worker, in Chromium (the test
// build). An entry (bench/*/worker-entry.ts) is bundled in memory and evaluated there over DevTools.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { WebWorker } from 'puppeteer-core';
import type { ExtensionSession } from '../tests/e2e/harness';

/** The entry at `entry` (a file URL), bundled into one script for the worker. */
export async function workerBundle(entry: URL): Promise<string> {
  const bundle = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return bundle.outputFiles[0]!.text;
}

/** The session's extension background service worker, and its URL. */
export async function backgroundWorker(session: ExtensionSession): Promise<{ worker: WebWorker; url: string }> {
  const target = await session.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(session.baseUrl), { timeout: 30_000 });
  const worker = await target.worker();
  if (!worker) throw new Error('the extension has no service worker to run in');
  return { worker, url: target.url() };
}
