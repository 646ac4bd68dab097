// lib/relay-client and lib/protocol/relay: header codec, handle rules, origins, and reconnect with backoff
// against a relay process that dies and comes back.
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../lib/bytes';
import { DATA, decodeDataFrame, encodeDataFrame, normalizeHandle, relayOrigin } from '../../lib/protocol/relay';
import { RelayClient, type RelayMessage, type RelayState, type WebSocketConstructor } from '../../lib/relay-client/client';
import { cleanup, client, freePort, makeIdentity, startRelay, tempDir, until } from './harness';

afterAll(cleanup);

describe('protocol helpers', () => {
  it('round-trips a data frame header and rejects malformed ones', () => {
    const frame = encodeDataFrame(DATA.toRoom, 0xdeadbeef, new Uint8Array(16).fill(7), utf8('payload'));
    const f = decodeDataFrame(frame)!;
    expect(f.type).toBe(DATA.toRoom);
    expect(f.ref).toBe(0xdeadbeef);
    expect([...f.target]).toEqual(new Array(16).fill(7));
    expect(fromUtf8(f.payload)).toBe('payload');
    expect(decodeDataFrame(frame.subarray(0, 5))).toBeNull();
    expect(decodeDataFrame(frame.subarray(0, 20))).toBeNull(); // target cut
    expect(decodeDataFrame(encodeDataFrame(DATA.toHandle, 0, utf8('ab'), utf8('x')))).toBeNull();
    expect(decodeDataFrame(encodeDataFrame(0x03, 0, utf8('abc'), utf8('x')))).toBeNull();
  });

  it('normalizes handles and relay origins', () => {
    expect(normalizeHandle('  Alice.B-1_ ')).toBe('alice.b-1_');
    for (const bad of ['ab', 'a'.repeat(33), 'al ice', 'ålice', 'a/b', '']) expect(normalizeHandle(bad)).toBeNull();
    expect(relayOrigin('WSS://Relay.Example:443/path?x')).toBe('wss://relay.example');
    expect(relayOrigin('ws://127.0.0.1:8787/')).toBe('ws://127.0.0.1:8787');
    expect(() => relayOrigin('https://relay.example')).toThrow();
  });
});

describe('reconnect', () => {
  it('reconnects with backoff after the relay dies, re-authenticates and re-joins its rooms', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    let relay = await startRelay(['--port', String(port)], dataDir);
    expect(relay.port).toBe(port);
    const a = await makeIdentity('reco-a');
    const b = await makeIdentity('reco-b');
    const ca = new RelayClient({
      url: relay.url, identity: a.identity, WebSocket: WebSocket as unknown as WebSocketConstructor, minBackoffMs: 50, maxBackoffMs: 400,
    });
    const states: RelayState[] = [];
    ca.onState((s) => states.push(s));
    const got: RelayMessage[] = [];
    ca.onMessage((m) => got.push(m));
    await ca.connect();
    await ca.register('reco-a', a.bundle);
    const room = crypto.getRandomValues(new Uint8Array(20));
    await ca.joinRoom(room);

    await relay.kill('SIGKILL');
    await until(() => states.includes('closed'));
    relay = await startRelay(['--port', String(port)], dataDir);
    await until(() => states.filter((s) => s === 'open').length === 2, 20_000);
    expect(ca.handle).toBe('reco-a');

    const cb = client(relay.url, b.identity);
    await cb.connect();
    await cb.register('reco-b', b.bundle);
    expect(await cb.joinRoom(room)).toBe(1); // a is back in the room
    cb.sendToRoom(room, utf8('welcome back'));
    await until(() => got.length === 1);
    expect(got[0]!.kind === 'room' && fromUtf8(got[0]!.payload)).toBe('welcome back');
    ca.close();
    cb.close();
    await relay.kill('SIGTERM');
  });
});

describe('several relay URLs', () => {
  it('connect() goes on to the next URL when one cannot be reached; after a drop it reconnects to the next', async () => {
    const first = await startRelay();
    const second = await startRelay();
    const down = `ws://127.0.0.1:${await freePort()}`;
    const id = await makeIdentity();
    const c = new RelayClient({
      url: [down, first.url, second.url], identity: id.identity, WebSocket: WebSocket as unknown as WebSocketConstructor, minBackoffMs: 50, maxBackoffMs: 200,
    });
    const states: RelayState[] = [];
    c.onState((s) => states.push(s));
    await c.connect();
    expect(c.url).toBe(first.url);
    await first.kill('SIGKILL');
    await until(() => states.filter((s) => s === 'open').length === 2, 20_000);
    expect(c.url).toBe(second.url);
    c.close();
    // Every URL down: the last failure, once each was tried.
    const none = new RelayClient({ url: [down, first.url], WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: false });
    await expect(none.connect()).rejects.toMatchObject({ code: 'unreachable', message: `cannot reach the relay at ${first.url}` });
    expect(() => new RelayClient({ url: [second.url, 'http://example.org'], WebSocket: WebSocket as unknown as WebSocketConstructor })).toThrow(/ws:\/\/ or wss:\/\//);
  });
});

describe('a relay that never answers', () => {
  it('connect() gives up after the request timeout with a clear error, and retries later when asked to', async () => {
    // Something that accepts the WebSocket but never sends the relay's challenge (a hung relay or proxy).
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => silent.once('listening', r));
    const accepted: WebSocket[] = [];
    silent.on('connection', (ws) => accepted.push(ws));
    try {
      const url = `ws://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const c = new RelayClient({ url, WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: false, requestTimeoutMs: 300 });
      const started = Date.now();
      await expect(c.connect()).rejects.toMatchObject({ code: 'timeout' });
      expect(Date.now() - started).toBeLessThan(5_000);
      // The stalled socket was closed by the client, and a new connect() tries again.
      await until(() => accepted.length === 1 && accepted[0]!.readyState === WebSocket.CLOSED);
      await expect(c.connect()).rejects.toMatchObject({ code: 'timeout' });
      expect(accepted).toHaveLength(2);
      c.close();
    } finally {
      await new Promise((r) => silent.close(r));
    }
  });
});
