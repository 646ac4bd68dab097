// The extension background's persistent relay connection and inbox, run in Node: the real background
// service (keyring on fake-indexeddb), the real RelayConnection over `ws`, a real relay process, and a
// peer speaking through the relay client library as `c2c` does.
import { C2CError } from '@/lib/errors';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sealMessage } from '@/lib/crypto/message';
import { openTextMessage } from '@/lib/crypto/open-message';
import { decodePublicBundle } from '@/lib/crypto/public-bundle';
import { utf8, fromUtf8 } from '@/lib/bytes';
import { KeyringDB } from '@/lib/keyring/db';
import type { InboxItem } from '@/lib/protocol/background-api';
import type { RelayClient, RelayMessage, WebSocketConstructor } from '@/lib/relay-client/client';
import { INBOX_LIMIT } from '@/entrypoints/background/inbox';
import { createBackground } from '@/entrypoints/background/create-background';
import type { BackgroundService } from '@/entrypoints/background/router';
import type { RegistrationStore } from '@/entrypoints/background/service';
import { cleanup, client, makeIdentity, metrics, sample, startRelay, until, type RunningRelay, type TestIdentity } from './harness';

// relay-access.ts (register, lookup) uses the browser's global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const CANARY = 'Canary 42 — Привет, мир! 🔐🦜 end';
const BACKOFF = { minMs: 100, maxMs: 1000 };

/** The background as index.ts wires it, with `ws` for the WebSocket and memory for extension storage. */
function makeBackground() {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  let stored: { relayUrl: string; handle: string } | undefined;
  const registrations: RegistrationStore = {
    get: async () => stored,
    set: async (v) => void (stored = v),
  };
  const { connection, service } = createBackground({
    db,
    registrations,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    backoff: BACKOFF,
    requestTimeoutMs: 3000,
  });
  /** What routeMessage does: the handler, then a connection check. */
  const call = async <T extends keyof BackgroundService>(type: T, request: Omit<Parameters<BackgroundService[T]>[0], 'type'> = {} as never) => {
    try {
      return await (service[type] as (r: unknown) => Promise<Awaited<ReturnType<BackgroundService[T]>>>)({ type, ...request });
    } finally {
      await connection.sync();
    }
  };
  return { db, connection, call };
}

type Background = ReturnType<typeof makeBackground>;

async function connectionOf(bg: Background) {
  return (await bg.call('getState')).relay.connection;
}

async function inboxOf(bg: Background): Promise<InboxItem[]> {
  return (await bg.call('getInbox')).items;
}

/** A peer on the relay with its own connection, collecting the mailbox frames it receives. */
async function peer(url: string, who: TestIdentity, handle: string) {
  const c = client(url, who.identity);
  const received: RelayMessage[] = [];
  c.onMessage((m) => received.push(m));
  await c.connect();
  await c.register(handle, who.bundle);
  return { c, received };
}

async function sealTo(from: TestIdentity, bundleLine: string, text: string): Promise<Uint8Array> {
  return sealMessage({ sender: { identity: from.identity, prekey: from.prekey }, recipients: [await decodePublicBundle(bundleLine)], plaintext: utf8(text) });
}

describe('background relay connection and inbox, through a real relay process', () => {
  let relay: RunningRelay;
  let bob: Background;
  let bobBundle: string;
  let alice: TestIdentity;
  let aliceClient: RelayClient;
  let aliceInbox: RelayMessage[];
  let carol: TestIdentity; // pinned by bob, never connected

  beforeAll(async () => {
    relay = await startRelay();
    [alice, carol] = await Promise.all([makeIdentity('alice'), makeIdentity('carol')]);
    ({ c: aliceClient, received: aliceInbox } = await peer(relay.url, alice, 'alice'));
    bob = makeBackground();
  });

  afterAll(async () => {
    bob?.connection.stop();
    aliceClient?.close();
    await cleanup();
  });

  it('stays offline until registered on the relay that is set, then connects by itself', async () => {
    await bob.call('createIdentity', { handle: 'bob' });
    await bob.call('saveSettings', { relayUrl: relay.url });
    expect((await bob.call('getState')).relay).toEqual({ registered: false, connection: 'offline' });
    // Nobody is connected as bob yet: the relay says so to the sender.
    await expect(aliceClient.sendToHandle('bob', new Uint8Array([1]))).rejects.toMatchObject({ code: 'not-found' });

    await bob.call('relayRegister');
    await until(async () => (await connectionOf(bob)) === 'connected', 5000);
    expect((await bob.call('getState')).relay.registered).toBe(true);
    bobBundle = (await bob.call('getPublicBundle')).bundle;
  });

  it('opens a mailbox message: unverified from an unpinned sender, pinned once pinned, exact text', async () => {
    await aliceClient.sendToHandle('bob', await sealTo(alice, bobBundle, CANARY));
    await until(async () => (await inboxOf(bob)).length === 1);
    expect((await inboxOf(bob))[0]).toMatchObject({ status: 'unverified', senderHandle: 'alice', plaintext: CANARY });

    const found = await bob.call('lookupContact', { handle: 'alice' });
    await bob.call('pinContact', { handle: 'alice', bundle: found.bundle });
    await aliceClient.sendToHandle('bob', await sealTo(alice, bobBundle, 'second'));
    await until(async () => (await inboxOf(bob)).length === 2);
    const [newest] = await inboxOf(bob);
    // Pinned on first use, safety number never compared: the weaker word.
    expect(newest).toMatchObject({ status: 'pinned', senderHandle: 'alice', plaintext: 'second', senderFingerprint: found.fingerprint });
    // Bob compares safety numbers (contact-mark-verified): alice's messages below are verified.
    await bob.call('markVerified', { handle: 'alice' });
  });

  it('shows garbage, tampered, misaddressed and replayed frames as errors and keeps working', async () => {
    const good = await sealTo(alice, bobBundle, 'replay me');
    const tampered = good.slice();
    tampered[tampered.length - 5]! ^= 0x01;
    const misaddressed = await sealTo(alice, carol.bundle, 'not for bob');
    for (const frame of [new Uint8Array([0xde, 0xad, 0xbe, 0xef]), good.slice(0, 60), tampered, misaddressed, good, good]) {
      await aliceClient.sendToHandle('bob', frame);
    }
    await until(async () => (await inboxOf(bob)).length === 8);
    const [replayed, accepted, notAddressed, altered, truncated, garbage] = await inboxOf(bob);
    expect(garbage).toMatchObject({ status: 'error', senderHandle: 'alice', reason: { code: 'unknown-version' } });
    expect(truncated).toMatchObject({ status: 'error', reason: { code: 'truncated' } });
    expect(altered).toMatchObject({ status: 'error', reason: { code: 'tampered' } });
    expect(notAddressed).toMatchObject({ status: 'error', reason: { code: 'not-addressed' } });
    expect(accepted).toMatchObject({ status: 'verified', plaintext: 'replay me' });
    expect(replayed).toMatchObject({ status: 'error', reason: { code: 'replayed' } });
    // No plaintext on an error item.
    expect(JSON.stringify(replayed)).not.toContain('replay me');
  });

  it('a sender the relay names as alice but who sealed with another key is not verified as alice', async () => {
    const mallory = await makeIdentity('mallory');
    const m = await peer(relay.url, mallory, 'mallory');
    await m.c.sendToHandle('bob', await sealTo(mallory, bobBundle, 'I am alice, honest'));
    m.c.close();
    await until(async () => (await inboxOf(bob))[0]?.senderHandle === 'mallory');
    expect((await inboxOf(bob))[0]).toMatchObject({ status: 'unverified', plaintext: 'I am alice, honest' });
  });

  it(`keeps only the newest ${INBOX_LIMIT} messages, newest first`, async () => {
    const before = (await inboxOf(bob)).length;
    const extra = INBOX_LIMIT + 3;
    for (let i = 0; i < extra; i++) await aliceClient.sendToHandle('bob', await sealTo(alice, bobBundle, `n${i}`));
    await until(async () => (await inboxOf(bob))[0]?.status === 'verified' && (await inboxOf(bob))[0]!.id === before + extra, 20_000);
    const items = await inboxOf(bob);
    expect(items).toHaveLength(INBOX_LIMIT);
    expect(items[0]).toMatchObject({ plaintext: `n${extra - 1}` });
    expect(items.at(-1)).toMatchObject({ plaintext: `n${extra - INBOX_LIMIT}` });
  });

  it('sendToContact seals to the pinned key: accepted and delivered while alice listens, the same answer when she is not', async () => {
    aliceInbox.length = 0;
    expect(await bob.call('sendToContact', { handle: 'alice', plaintext: CANARY })).toEqual({ delivery: 'accepted' });
    await until(() => aliceInbox.length === 1);
    const m = aliceInbox[0]!;
    expect(m).toMatchObject({ kind: 'mailbox', from: 'bob' });
    const opened = await openTextMessage(m.kind === 'mailbox' ? m.payload : new Uint8Array(), { identity: alice.identity, prekeys: [alice.prekey] });
    expect(fromUtf8(opened.plaintext)).toBe(CANARY);

    aliceClient.close();
    // The relay never tells a sender whether the recipient is online.
    expect(await bob.call('sendToContact', { handle: 'alice', plaintext: 'anyone there?' })).toEqual({ delivery: 'accepted' });
    await expect(bob.call('sendToContact', { handle: 'nobody', plaintext: 'x' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('refuses to send to a contact whose key changed', async () => {
    const impostor = await makeIdentity('alice');
    expect((await bob.call('pinContact', { handle: 'alice', bundle: impostor.bundle })).result).toBe('key-changed');
    const refused = bob.call('sendToContact', { handle: 'alice', plaintext: 'secret' });
    await expect(refused).rejects.toBeInstanceOf(C2CError);
    await expect(refused).rejects.toMatchObject({ code: 'key-changed' });
  });

  it('reconnects with backoff after the relay restarts on the same port and data folder', async () => {
    await bob.call('pinContact', { handle: 'carol', bundle: carol.bundle });
    await relay.kill('SIGKILL');
    await until(async () => (await connectionOf(bob)) !== 'connected', 5000);
    await expect(bob.call('sendToContact', { handle: 'carol', plaintext: 'x' })).rejects.toMatchObject({ code: 'relay-unreachable' });

    relay = await startRelay(['--port', String(relay.port), '--admin-port', '0'], relay.dataDir);
    // The cap is 1 s here: well within a few seconds the connection is back without any request nudging it.
    const started = Date.now();
    await until(() => bob.connection.state === 'connected', 5000);
    expect(Date.now() - started).toBeLessThan(5000);

    const again = await peer(relay.url, alice, 'alice');
    try {
      await again.c.sendToHandle('bob', await sealTo(alice, bobBundle, 'after the restart'));
      await until(async () => ((await inboxOf(bob))[0] as { plaintext?: string } | undefined)?.plaintext === 'after the restart');
    } finally {
      again.c.close();
    }
  });

  it('drops the connection when the relay address changes to one we are not registered on', async () => {
    await bob.call('saveSettings', { relayUrl: 'ws://127.0.0.1:9' });
    expect((await bob.call('getState')).relay).toEqual({ registered: false, connection: 'offline' });
    const probe = client(relay.url, alice.identity);
    try {
      await probe.connect();
      // The probe is the only authenticated connection left: bob's is gone.
      await until(async () => sample(await metrics(relay), 'c2c_relay_authenticated_connections') === 1);
    } finally {
      probe.close();
    }
    await expect(bob.call('sendToContact', { handle: 'carol', plaintext: 'x' })).rejects.toMatchObject({ code: 'no-relay' });
  });
});
