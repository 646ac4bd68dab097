// The relay's abuse limits as a client meets them: auth timeout and unauthenticated lookups, registrations
// per network prefix and in all, mailbox frames per (sender, recipient) and per recipient, the global
// connection cap. Each is a flag (docs/PROTOCOL.md "Limits"); each hit is answered specifically and counted.
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { utf8 } from '../../lib/bytes';
import { CLOSE } from '../../lib/protocol/relay';
import { RelayClient, RelayError, type WebSocketConstructor } from '../../lib/relay-client/client';
import { cleanup, client, makeIdentity, metrics, rawSocket, registered, sample, startRelay, until, type RunningRelay, type TestIdentity } from './harness';

afterAll(cleanup);

/** A relay client whose connections come from `localAddress` (any 127.x address reaches a loopback relay). */
function clientFrom(localAddress: string, url: string, id?: TestIdentity): RelayClient {
  class FromAddress extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { localAddress });
    }
  }
  return new RelayClient({ url, identity: id?.identity, WebSocket: FromAddress as unknown as WebSocketConstructor, reconnect: false, requestTimeoutMs: 5000 });
}

/** Tries to register `handle` from `localAddress`: 'ok' or the relay's error code. */
async function registerFrom(relay: RunningRelay, localAddress: string, handle: string): Promise<string> {
  const id = await makeIdentity(handle);
  const c = clientFrom(localAddress, relay.url, id);
  try {
    await c.connect();
    await c.register(handle, id.bundle);
    return 'ok';
  } catch (e) {
    if (e instanceof RelayError) return e.code;
    throw e;
  } finally {
    c.close();
  }
}

/** Sends `n` mailbox frames one after the other; returns how many were accepted (the rest must be rate-limited). */
async function sendMany(c: RelayClient, to: string, n: number): Promise<number> {
  let accepted = 0;
  for (let i = 0; i < n; i++) {
    try {
      await c.sendToHandle(to, utf8(`m${i}`));
      accepted++;
    } catch (e) {
      expect(e).toMatchObject({ code: 'rate-limited' });
    }
  }
  return accepted;
}

describe('unauthenticated connections', () => {
  it('closes one that does not authenticate within --auth-timeout with 4407, counted', async () => {
    const relay = await startRelay(['--auth-timeout', '1', '--admin-port', '0']);
    const s = await rawSocket(relay.url);
    const started = Date.now();
    expect((await s.closed).code).toBe(CLOSE.unauthenticated);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(3500); // checked by the once-a-second sweep
    expect(sample(await metrics(relay), 'c2c_relay_refusals_total{reason="auth-timeout"}')).toBe(1);
    // An authenticated connection outlives the timeout.
    const kept = await registered(relay.url, 'stays-on');
    await new Promise((r) => setTimeout(r, 2500));
    await expect(kept.c.lookup('stays-on')).resolves.toMatchObject({ handle: 'stays-on' });
    kept.c.close();
  });

  it('allows --unauth-lookups lookups, each keeping it open another timeout; one more closes it with 4407', async () => {
    const relay = await startRelay(['--auth-timeout', '1', '--unauth-lookups', '3', '--admin-port', '0']);
    const who = await registered(relay.url, 'looked-up');
    const anon = client(relay.url);
    let closedWith: number | undefined;
    anon.onState((s, e) => s === 'closed' && (closedWith = e?.closeCode));
    await anon.connect();
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 700)); // 2.1 s in all: open only because each lookup renewed it
      await expect(anon.lookup('looked-up')).resolves.toMatchObject({ handle: 'looked-up' });
    }
    await expect(anon.lookup('looked-up')).rejects.toBeInstanceOf(RelayError);
    await until(() => closedWith);
    expect(closedWith).toBe(CLOSE.unauthenticated);
    expect(sample(await metrics(relay), 'c2c_relay_refusals_total{reason="lookup-limit"}')).toBe(1);
    // Authenticated, the same identity looks up as often as the frame rate allows.
    for (let i = 0; i < 10; i++) await expect(who.c.lookup('looked-up')).resolves.toMatchObject({ handle: 'looked-up' });
    who.c.close();
  });
});

describe('registrations', () => {
  it('are limited per /24 with a specific error that keeps the connection; another /24 still registers', async () => {
    const relay = await startRelay(['--register-rate', '3', '--admin-port', '0']);
    const here = [];
    for (let i = 0; i < 4; i++) here.push(await registerFrom(relay, `127.0.0.${i + 1}`, `near-${i}`));
    expect(here).toEqual(['ok', 'ok', 'ok', 'rate-limited']);
    // The refused one's connection stays usable, and nothing was stored for it.
    const id = await makeIdentity('near-x');
    const c = clientFrom('127.0.0.9', relay.url, id);
    await c.connect();
    await expect(c.register('near-x', id.bundle)).rejects.toMatchObject({ code: 'rate-limited', message: expect.stringMatching(/try again/) });
    await expect(c.lookup('near-0')).resolves.toMatchObject({ handle: 'near-0' });
    await expect(c.lookup('near-3')).rejects.toMatchObject({ code: 'not-found' });
    c.close();
    expect(await registerFrom(relay, '127.0.1.1', 'far-0')).toBe('ok');
    expect(sample(await metrics(relay), 'c2c_relay_registrations_limited_total{limit="register-prefix"}')).toBe(2);
  });

  it('are limited in all by --register-rate-global, whatever the prefix', async () => {
    const relay = await startRelay(['--register-rate', '100', '--register-rate-global', '3', '--admin-port', '0']);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await registerFrom(relay, `127.0.${i + 10}.1`, `wide-${i}`));
    expect(results).toEqual(['ok', 'ok', 'ok', 'rate-limited', 'rate-limited']);
    expect(sample(await metrics(relay), 'c2c_relay_registrations_limited_total{limit="register-global"}')).toBe(2);
  });
});

describe('mailbox frames', () => {
  it('are limited per (sender, recipient), then per recipient; drops are counted and the connections stay', async () => {
    // Pair: 1/s, burst 5. Recipient: 2/s, burst 10.
    const relay = await startRelay(['--mailbox-rate', '1', '--recipient-rate', '2', '--admin-port', '0']);
    const [rcpt, a, b, c] = await Promise.all([registered(relay.url, 'rate-rcpt'), registered(relay.url, 'rate-a'), registered(relay.url, 'rate-b'), registered(relay.url, 'rate-c')]);
    const got: string[] = [];
    rcpt.c.onMessage((m) => m.kind === 'mailbox' && got.push(m.from));
    const started = Date.now();
    const fromA = await sendMany(a.c, 'rate-rcpt', 8);
    const fromB = await sendMany(b.c, 'rate-rcpt', 8);
    const fromC = await sendMany(c.c, 'rate-rcpt', 3);
    const elapsed = (Date.now() - started) / 1000;
    // Tokens refill while the test runs: allow what the elapsed time adds, nothing more.
    expect(fromA).toBeGreaterThanOrEqual(5);
    expect(fromA).toBeLessThanOrEqual(5 + Math.floor(elapsed * 1));
    expect(fromB).toBeGreaterThanOrEqual(5);
    expect(fromA + fromB + fromC).toBeLessThanOrEqual(10 + Math.floor(elapsed * 2));
    expect(fromC).toBeLessThan(3); // the recipient's bucket is empty: a third sender is refused too
    // a's flood over its own limit did not use up the recipient's bucket before b came.
    await until(() => got.length === fromA + fromB + fromC);
    const text = await metrics(relay);
    expect(sample(text, 'c2c_relay_dropped_frames_total{reason="sender-rate"}')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'c2c_relay_dropped_frames_total{reason="recipient-rate"}')).toBeGreaterThanOrEqual(1);
    // Another recipient is unaffected, and every connection is still open.
    await expect(a.c.sendToHandle('rate-b', utf8('hi'))).resolves.toBeUndefined();
    expect(sample(text, 'c2c_relay_authenticated_connections')).toBe(4);
    for (const p of [rcpt, a, b, c]) p.c.close();
  });

  it('hits the limit the same whether the recipient is online or not', async () => {
    const relay = await startRelay(['--mailbox-rate', '1', '--recipient-rate', '100']);
    const sender = await registered(relay.url, 'probe-s');
    const online = await registered(relay.url, 'probe-on');
    const offline = await registered(relay.url, 'probe-off');
    offline.c.close(); // its frames still count against the limit, so the answers cannot tell
    const started = Date.now();
    const toOnline = await sendMany(sender.c, 'probe-on', 8);
    const toOffline = await sendMany(sender.c, 'probe-off', 8);
    const refill = Math.ceil((Date.now() - started) / 1000);
    for (const n of [toOnline, toOffline]) {
      expect(n).toBeGreaterThanOrEqual(5);
      expect(n).toBeLessThanOrEqual(5 + refill);
    }
    online.c.close();
    sender.c.close();
  });
});

describe('connections', () => {
  it('refuses upgrades over --max-conns with HTTP 503 from any address, counted; slots come back', async () => {
    const relay = await startRelay(['--max-conns', '3', '--admin-port', '0']);
    const open = await Promise.all(['127.0.0.1', '127.0.2.1', '127.0.3.1'].map((from) => rawFrom(relay.url, from)));
    await expect(rawFrom(relay.url, '127.0.4.1')).rejects.toThrow(/503/);
    expect(sample(await metrics(relay), 'c2c_relay_refusals_total{reason="relay-full"}')).toBe(1);
    open[0]!.close();
    await until(async () => {
      try {
        (await rawFrom(relay.url, '127.0.4.1')).close();
        return true;
      } catch {
        return false;
      }
    });
    for (const ws of open) ws.close();
  });
});

function rawFrom(url: string, localAddress: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['c2c-relay.v1'], { localAddress });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
