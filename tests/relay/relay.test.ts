// The relay as a real process: directory, authentication, mailboxes, rooms and operations endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url as fromB64, toBase64Url, utf8, fromUtf8 } from '../../lib/bytes';
import { SIGNATURE_CONTEXT, signWithContext } from '../../lib/crypto/identity';
import { DATA, authMessage, encodeDataFrame, relayOrigin } from '../../lib/protocol/relay';
import { cleanup, client, inbox, makeIdentity, metrics, rawSocket, registered, sample, startRelay, until, type RunningRelay } from './harness';

let relay: RunningRelay;
beforeAll(async () => {
  relay = await startRelay(['--admin-port', '0']);
});
afterAll(cleanup);

describe('operations', () => {
  it('answers /healthz with 200; /metrics only on the admin listener, with Prometheus text', async () => {
    const health = await fetch(`http://127.0.0.1:${relay.port}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${relay.port}/metrics`)).status).toBe(404);
    expect(relay.adminPort).not.toBe(relay.port);
    expect((await fetch(`http://127.0.0.1:${relay.adminPort}/healthz`)).status).toBe(200);
    const text = await metrics(relay);
    expect(text).toContain('c2c_relay_connections');
    expect(text).toMatch(/c2c_relay_frames_total\{direction="in"\} \d+/);
    expect(text).toContain('c2c_relay_refusals_total');
  });

  it('refuses a WebSocket upgrade without the c2c-relay.v1 subprotocol', async () => {
    await expect(rawSocket(relay.url, null)).rejects.toThrow(/400/);
  });
});

describe('directory', () => {
  it('registers a handle and looks it up (unauthenticated lookup), lowercasing the name', async () => {
    const alice = await registered(relay.url, 'alice');
    const anon = client(relay.url);
    expect(await anon.connect()).toBeNull();
    const found = await anon.lookup('ALICE');
    expect(found).toEqual({ handle: 'alice', bundle: alice.bundle });
    await expect(anon.lookup('nobody-here')).rejects.toMatchObject({ code: 'not-found' });
    anon.close();
    alice.c.close();
  });

  it('a handle is first come: another identity cannot take it; one handle per identity', async () => {
    const first = await registered(relay.url, 'first');
    const other = await makeIdentity();
    const c = client(relay.url, other.identity);
    await c.connect();
    await expect(c.register('first', other.bundle)).rejects.toMatchObject({ code: 'handle-taken' });
    const { encodePublicBundle } = await import('../../lib/crypto/public-bundle');
    const unnamed = encodePublicBundle({ identityKey: first.identity.publicKey, prekey: first.prekey });
    await expect(first.c.register('first-again', unnamed)).rejects.toMatchObject({ code: 'identity-registered' });
    // Re-registering the same handle with the same key is idempotent.
    await expect(first.c.register('first', first.bundle)).resolves.toBe('first');
    c.close();
    first.c.close();
  });

  it('rejects a bundle of another identity, a bundle naming another handle, garbage, and a forged signature', async () => {
    const me = await makeIdentity();
    const stranger = await makeIdentity();
    const c = client(relay.url, me.identity);
    await c.connect();
    await expect(c.register('thief', stranger.bundle)).rejects.toMatchObject({ code: 'invalid-bundle' });
    await expect(c.register('thief', 'c2cpub1.AAAA')).rejects.toMatchObject({ code: 'invalid-bundle' });
    const named = await makeIdentity('carol');
    const c2 = client(relay.url, named.identity);
    await c2.connect();
    await expect(c2.register('dave', named.bundle)).rejects.toMatchObject({ code: 'invalid-bundle' });
    // A registration signature made over another handle does not verify.
    const sock = await rawSocket(relay.url);
    const nonce = JSON.parse((await until(() => sock.frames[0])) as string).nonce as string;
    const { fromBase64Url } = await import('../../lib/bytes');
    const authSig = await signWithContext(me.identity.privateKey, SIGNATURE_CONTEXT.relayAuth, authMessage(fromBase64Url(nonce), relayOrigin(relay.url)));
    sock.ws.send(JSON.stringify({ t: 'auth', id: 1, key: toBase64Url(me.identity.publicKey), sig: toBase64Url(authSig) }));
    const wrongSig = await signWithContext(me.identity.privateKey, SIGNATURE_CONTEXT.relayRegister, utf8('other\0' + me.bundle));
    sock.ws.send(JSON.stringify({ t: 'register', id: 2, handle: 'mine', bundle: me.bundle, sig: toBase64Url(wrongSig) }));
    const answer = JSON.parse((await until(() => sock.frames[2])) as string);
    expect(answer).toMatchObject({ t: 'error', id: 2, code: 'bad-signature' });
    const anon = client(relay.url);
    await expect(anon.lookup('thief')).rejects.toMatchObject({ code: 'not-found' });
    await expect(anon.lookup('mine')).rejects.toMatchObject({ code: 'not-found' });
    for (const x of [c, c2, anon]) x.close();
    sock.ws.close();
  });

  it('rotates the prekey only forward in time', async () => {
    const alice = await registered(relay.url, 'rotator');
    const { generatePrekey } = await import('../../lib/crypto/prekey');
    const { encodePublicBundle } = await import('../../lib/crypto/public-bundle');
    const older = await generatePrekey(alice.identity, { now: alice.prekey.created - 1000 });
    await expect(alice.c.rotatePrekey(encodePublicBundle({ identityKey: alice.identity.publicKey, prekey: older }))).rejects.toMatchObject({ code: 'stale-prekey' });
    const newer = await generatePrekey(alice.identity, { now: alice.prekey.created + 1000 });
    const line = encodePublicBundle({ identityKey: alice.identity.publicKey, prekey: newer });
    await alice.c.rotatePrekey(line);
    const anon = client(relay.url);
    expect((await anon.lookup('rotator')).bundle).toBe(line);
    anon.close();
    alice.c.close();
  });

  it('replaces the identity key only with a statement signed by the old key', async () => {
    const old = await registered(relay.url, 'mover');
    const fresh = await makeIdentity();
    const forger = await makeIdentity();
    const c = client(relay.url, fresh.identity);
    await c.connect();
    await expect(c.changeIdentity('mover', fresh.bundle, forger.identity)).rejects.toMatchObject({ code: 'bad-signature' });
    const anon = client(relay.url);
    expect((await anon.lookup('mover')).bundle).toBe(old.bundle);
    const closed = new Promise<string | undefined>((r) => old.c.onState((s, e) => s === 'closed' && r(e?.code)));
    await c.changeIdentity('mover', fresh.bundle, old.identity);
    expect((await anon.lookup('mover')).bundle).toBe(fresh.bundle);
    expect(await closed).toBe('revoked'); // the old key's session ends
    anon.close();
    c.close();
  });
});

describe('authentication', () => {
  async function challenge(url: string) {
    const sock = await rawSocket(url);
    const first = JSON.parse((await until(() => sock.frames[0])) as string);
    expect(first).toMatchObject({ t: 'challenge', v: 1 });
    const { fromBase64Url } = await import('../../lib/bytes');
    return { sock, nonce: fromBase64Url(first.nonce) };
  }

  it('closes 4401 on a forged signature (signed by another key)', async () => {
    const me = await makeIdentity();
    const mallory = await makeIdentity();
    const { sock, nonce } = await challenge(relay.url);
    const sig = await signWithContext(mallory.identity.privateKey, SIGNATURE_CONTEXT.relayAuth, authMessage(nonce, relayOrigin(relay.url)));
    sock.ws.send(JSON.stringify({ t: 'auth', id: 1, key: toBase64Url(me.identity.publicKey), sig: toBase64Url(sig) }));
    expect((await sock.closed).code).toBe(4401);
  });

  it('closes 4401 on a signature for another relay origin, and on a replayed signature', async () => {
    const me = await makeIdentity();
    const { sock, nonce } = await challenge(relay.url);
    const elsewhere = await signWithContext(me.identity.privateKey, SIGNATURE_CONTEXT.relayAuth, authMessage(nonce, 'wss://evil.example'));
    sock.ws.send(JSON.stringify({ t: 'auth', id: 1, key: toBase64Url(me.identity.publicKey), sig: toBase64Url(elsewhere) }));
    expect((await sock.closed).code).toBe(4401);

    // A valid signature for connection 1 replayed on connection 2 (new nonce) fails.
    const one = await challenge(relay.url);
    const good = await signWithContext(me.identity.privateKey, SIGNATURE_CONTEXT.relayAuth, authMessage(one.nonce, relayOrigin(relay.url)));
    const auth = JSON.stringify({ t: 'auth', id: 1, key: toBase64Url(me.identity.publicKey), sig: toBase64Url(good) });
    one.sock.ws.send(auth);
    expect(JSON.parse((await until(() => one.sock.frames[1])) as string)).toEqual({ t: 'ok', id: 1, handle: null });
    const two = await challenge(relay.url);
    two.sock.ws.send(auth);
    expect((await two.sock.closed).code).toBe(4401);
    // A signature under another context label (e.g. a prekey signature) is no auth either.
    const three = await challenge(relay.url);
    const wrongContext = await signWithContext(me.identity.privateKey, SIGNATURE_CONTEXT.prekey, authMessage(three.nonce, relayOrigin(relay.url)));
    three.sock.ws.send(JSON.stringify({ t: 'auth', id: 1, key: toBase64Url(me.identity.publicKey), sig: toBase64Url(wrongContext) }));
    expect((await three.sock.closed).code).toBe(4401);
    one.sock.ws.close();
  });

  it('accepts the same relay dialled as localhost (both loopback origins are its own)', async () => {
    const me = await makeIdentity();
    const c = client(`ws://localhost:${relay.port}/`, me.identity);
    await expect(c.connect()).resolves.toBeNull();
    c.close();
  });

  it('an unauthenticated or unregistered client cannot join rooms or send', async () => {
    const anon = client(relay.url);
    await anon.connect();
    await expect(anon.joinRoom(new Uint8Array(16))).rejects.toMatchObject({ code: 'not-authenticated' });
    await expect(anon.sendToHandle('alice', utf8('x'))).rejects.toMatchObject({ code: 'not-authenticated' });
    const me = await makeIdentity();
    const c = client(relay.url, me.identity);
    await c.connect();
    await expect(c.joinRoom(new Uint8Array(16))).rejects.toMatchObject({ code: 'not-registered' });
    await expect(c.sendToHandle('alice', utf8('x'))).rejects.toMatchObject({ code: 'not-registered' });
    anon.close();
    c.close();
  });
});

describe('forwarding', () => {
  it('delivers a mailbox frame to every open connection of the recipient, naming the sender handle', async () => {
    const sender = await registered(relay.url, 'mail-from');
    const rcpt = await registered(relay.url, 'mail-to');
    const second = client(relay.url, rcpt.identity);
    await second.connect();
    const a = inbox(rcpt.c);
    const b = inbox(second);
    await sender.c.sendToHandle('Mail-To', utf8('opaque bytes'));
    await until(() => a.length === 1 && b.length === 1);
    for (const m of [a[0]!, b[0]!]) {
      expect(m.kind).toBe('mailbox');
      if (m.kind === 'mailbox') {
        expect(m.from).toBe('mail-from');
        expect(fromUtf8(m.payload)).toBe('opaque bytes');
      }
    }
    const online = sample(await metrics(relay), 'c2c_relay_authenticated_connections');
    rcpt.c.close();
    second.close();
    await until(async () => sample(await metrics(relay), 'c2c_relay_authenticated_connections') === online - 2);
    // The sender hears the same "accepted" with nobody online, and nothing is kept for the absent recipient.
    await sender.c.sendToHandle('mail-to', utf8('while away'));
    const back = client(relay.url, rcpt.identity);
    const c = inbox(back);
    await back.connect();
    await sender.c.sendToHandle('mail-to', utf8('after'));
    await until(() => c.length === 1);
    expect(c.map((m) => m.kind === 'mailbox' && fromUtf8(m.payload))).toEqual(['after']);
    await expect(sender.c.sendToHandle('no-such-user', utf8('x'))).rejects.toMatchObject({ code: 'not-found' });
    back.close();
    sender.c.close();
  });

  it('answers a mailbox frame with the same bare "accepted" whether the recipient has 0, 1 or 2 connections', async () => {
    const sender = await registered(relay.url, 'probe-from');
    const rcpt = await registered(relay.url, 'probe-to');
    const answers: unknown[] = [];
    const s = await rawSocket(relay.url);
    await until(() => s.frames.length >= 1); // the challenge may come a moment after the socket opens
    const nonce = JSON.parse(s.frames[0] as string) as { nonce: string };
    const sig = await signWithContext(sender.identity.privateKey, SIGNATURE_CONTEXT.relayAuth, authMessage(fromB64(nonce.nonce), relayOrigin(relay.url)));
    s.ws.send(JSON.stringify({ t: 'auth', id: 1, key: toBase64Url(sender.identity.publicKey), sig: toBase64Url(sig) }));
    await until(() => s.frames.length === 2);
    const ask = async (ref: number) => {
      s.ws.send(encodeDataFrame(DATA.toHandle, ref, utf8('probe-to'), utf8('x')));
      await until(() => s.frames.length === 2 + ref);
      answers.push(JSON.parse(s.frames.at(-1) as string));
    };
    await ask(1); // one connection
    const second = client(relay.url, rcpt.identity);
    await second.connect();
    await ask(2); // two
    const online = sample(await metrics(relay), 'c2c_relay_authenticated_connections');
    rcpt.c.close();
    second.close();
    await until(async () => sample(await metrics(relay), 'c2c_relay_authenticated_connections') === online - 2);
    await ask(3); // none
    expect(answers).toEqual([{ t: 'accepted', ref: 1 }, { t: 'accepted', ref: 2 }, { t: 'accepted', ref: 3 }]);
    s.ws.close();
    sender.c.close();
  });

  it('forwards room frames to the other members connected now, not to the sender, nothing after leaving', async () => {
    const a = await registered(relay.url, 'room-a');
    const b = await registered(relay.url, 'room-b');
    const c = await registered(relay.url, 'room-c');
    const room = crypto.getRandomValues(new Uint8Array(32));
    expect(await a.c.joinRoom(room)).toBe(0);
    expect(await b.c.joinRoom(room)).toBe(1);
    const inA = inbox(a.c);
    const inB = inbox(b.c);
    const inC = inbox(c.c);
    a.c.sendToRoom(room, utf8('hello room'));
    await until(() => inB.length === 1);
    const m = inB[0]!;
    expect(m.kind === 'room' && fromUtf8(m.payload)).toBe('hello room');
    expect(m.kind === 'room' && Buffer.from(m.room).equals(Buffer.from(room))).toBe(true);
    await b.c.leaveRoom(room);
    a.c.sendToRoom(room, utf8('anyone?'));
    b.c.sendToRoom(room, utf8('I left')); // not a member any more: not forwarded
    await a.c.joinRoom(room); // a round trip, so earlier frames have been processed
    expect(inA).toHaveLength(0);
    expect(inB).toHaveLength(1);
    expect(inC).toHaveLength(0);
    for (const x of [a, b, c]) x.c.close();
  });

  it('limits rooms per connection', async () => {
    const r = await startRelay(['--max-rooms', '2']);
    const id = await makeIdentity();
    const c = client(r.url, id.identity);
    await c.connect();
    await c.register('roomy', id.bundle);
    await c.joinRoom(new Uint8Array(16).fill(1));
    await c.joinRoom(new Uint8Array(16).fill(2));
    await expect(c.joinRoom(new Uint8Array(16).fill(3))).rejects.toMatchObject({ code: 'too-many-rooms' });
    c.close();
    await r.kill();
  });
});
