// The loopback proxy used by chat tests (ws-proxy.ts): it must be invisible when idle (frames pass
// unchanged both ways, authentication works through it) and do exactly what a rule or an injection says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '@/lib/bytes';
import { DATA } from '@/lib/protocol/relay';
import type { RelayMessage } from '@/lib/relay-client/client';
import { cleanup, client, makeIdentity, startRelay, until } from './harness';
import { roomFrameDown, startWsProxy, type WsProxy } from './ws-proxy';

let proxy: WsProxy;

beforeAll(async () => {
  proxy = await startWsProxy();
  const relay = await startRelay(['--public-url', proxy.url]);
  proxy.target = relay.url;
});

afterAll(async () => {
  await proxy.close();
  await cleanup();
});

async function member(handle: string, room: Uint8Array) {
  const who = await makeIdentity(handle);
  const c = client(proxy.url, who.identity);
  const got: RelayMessage[] = [];
  c.onMessage((m) => got.push(m));
  await c.connect();
  await c.register(handle, who.bundle);
  await c.joinRoom(room);
  return { c, got, connection: proxy.connectionOf(toBase64Url(who.identity.publicKey))! };
}

describe('ws-proxy', () => {
  it('forwards and records room frames unchanged, drops or replaces by rule, and injects', async () => {
    const room = randomBytes(32);
    const [a, b] = await Promise.all([member('proxy-a', room), member('proxy-b', room)]);
    expect(a.connection).not.toBe(b.connection);
    expect(proxy.joins(a.connection)).toEqual([toBase64Url(room)]);

    a.c.sendToRoom(room, Uint8Array.of(1, 2, 3));
    await until(() => b.got.length === 1);
    expect(b.got[0]).toMatchObject({ kind: 'room', payload: Uint8Array.of(1, 2, 3) });
    const seen = proxy.roomFrames(room);
    expect(seen.map((f) => [f.connection, f.direction, f.frame.type])).toEqual([
      [a.connection, 'up', DATA.toRoom],
      [b.connection, 'down', DATA.fromRoom],
    ]);

    proxy.rule = (f) => (f.direction === 'down' && f.frame.payload[0] === 9 ? [] : f.direction === 'down' ? [roomFrameDown(room, Uint8Array.of(7))] : undefined);
    a.c.sendToRoom(room, Uint8Array.of(9));
    a.c.sendToRoom(room, Uint8Array.of(4));
    await until(() => b.got.length === 2);
    expect(b.got[1]).toMatchObject({ payload: Uint8Array.of(7) });
    proxy.rule = null;

    proxy.inject(b.connection, 'down', roomFrameDown(room, Uint8Array.of(5, 5)));
    await until(() => b.got.length === 3);
    expect(b.got[2]).toMatchObject({ kind: 'room', payload: Uint8Array.of(5, 5) });
    expect(a.got).toEqual([]);
    a.c.close();
    b.c.close();
  });
});
