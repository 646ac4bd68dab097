// The Converse.js fixture's own contract (tests/fixtures/xmpp.ts), without a browser: Prosody runs
// unprivileged from its temp folder and is gone with it after close; the page server serves Converse's
// files byte for byte as published and nothing outside them; pages and streams of unknown users are refused.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startXmppFixture, type XmppFixture } from '../fixtures/xmpp';

const DIST = resolve(import.meta.dirname, '..', '..', 'node_modules', 'converse.js', 'dist');

/** The real user id of a process (Linux /proc). */
function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'))!;
  return Number(line.split(/\s+/)[1]);
}

/** How a WebSocket upgrade ends: `open` (with its subprotocol) or the refusal's HTTP status. */
function upgrade(url: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'xmpp');
    ws.on('open', () => {
      resolve(`open ${ws.protocol}`);
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
}

describe('XMPP fixture (Converse.js on Prosody)', () => {
  let fx: XmppFixture;

  beforeAll(async () => {
    fx = await startXmppFixture();
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('runs Prosody unprivileged, from its own temp folder', () => {
    const uid = uidOf(fx.prosody.pid);
    if (process.getuid!() === 0) expect(uid).not.toBe(0);
    else expect(uid).toBe(process.getuid!());
    expect(readFileSync(join(fx.prosody.dir, 'prosody.pid'), 'utf8').trim()).toBe(String(fx.prosody.pid));
    expect(fx.log()).toMatch(/Activated service 'http' on \[127\.0\.0\.1\]/);
  });

  it('serves Converse unmodified and nothing outside its dist folder', async () => {
    for (const file of ['converse.min.js', 'converse.min.css']) {
      const res = await fetch(`${fx.url}/converse/${file}`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(DIST, file)))).toBe(true);
    }
    for (const path of ['/converse/../package.json', '/converse/..%2fpackage.json', '/converse/%2e%2e/%2e%2e/package.json', '/converse/', '/converse/nope.js', '/package.json']) {
      expect((await fetch(`${fx.url}${path}`)).status, path).toBe(404);
    }
  });

  it('serves pages and streams only to its accounts', async () => {
    const page = await (await fetch(fx.pageUrl('alice'))).text();
    expect(page).toContain('"jid":"alice@localhost"');
    expect(page).toContain(`"auto_join_rooms":["${fx.roomJid}"]`);
    for (const user of ['mallory', '', 'alice@localhost', '<b>']) {
      expect((await fetch(`${fx.url}/?user=${encodeURIComponent(user)}`)).status, user).toBe(404);
    }
    const ws = fx.url.replace('http:', 'ws:');
    expect(await upgrade(`${ws}/xmpp-websocket?user=alice`)).toBe('open xmpp');
    expect(await upgrade(`${ws}/xmpp-websocket?user=mallory`)).toBe('refused 404');
    expect(await upgrade(`${ws}/elsewhere?user=alice`)).toBe('refused 404');
  });

  it('stops Prosody and deletes its folder on close', async () => {
    const { pid, dir } = fx.prosody;
    await fx.close();
    expect(existsSync(dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    fx = undefined as unknown as XmppFixture;
  });
});
