// The key log in the extension's background, against a real relay process: every lookup is verified
// against the checkpoint kept for the relay (IndexedDB), an inconsistency fails the lookup closed and is
// kept as an alarm with both signed checkpoints (what the popup shows as contact-log-alarm), and the
// self-check of our own handle catches entries our key did not make. An honest relay raises nothing,
// even while others append.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseCheckpoint } from '@/lib/keylog/checkpoint';
import { KeyringDB } from '@/lib/keyring/db';
import { getSenderKeys } from '@/lib/keyring/identity-store';
import { keptLogState } from '@/lib/keyring/log-states';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { createBackground } from '@/entrypoints/background/create-background';
import { routeMessage } from '@/entrypoints/background/router';
import type { RegistrationStore } from '@/entrypoints/background/service';
import { GOSSIP_EXTENSION, encodeGossip, gossipOfState } from '@/lib/keylog/gossip';
import { armor } from '@/lib/armor/armor';
import { utf8 } from '@/lib/bytes';
import { sealMessageV2 } from '@/lib/crypto/message-v2';
import { decodePublicBundle } from '@/lib/crypto/public-bundle';
import { cleanup, client, makeIdentity, registerElsewhere, type RunningRelay, startRelay, until } from './harness';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const POPUP = { id: 'ext', url: 'chrome-extension://ext/popup.html' };
const FAULTS = { env: { C2C_RELAY_TEST_FAULTS: '1' } };

afterEach(cleanup);

/** One browser's background (fake IndexedDB), registered under `handle` on the relay. */
async function browserOf(relay: RunningRelay, handle: string) {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  let stored: { relayUrl: string; handle: string } | undefined;
  const registrations: RegistrationStore = { get: async () => stored, set: async (v) => void (stored = v) };
  const { service, connection, keyLog } = createBackground({ db, registrations, WebSocket: WebSocket as unknown as WebSocketConstructor });
  const ctx = { ownId: 'ext', ownBaseUrl: 'chrome-extension://ext/', service, isEnabledSite: async () => true };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
  const call = (request: Record<string, unknown>): Promise<any> => routeMessage(request, POPUP, ctx as never);
  expect(await call({ type: 'createIdentity', handle })).toMatchObject({ ok: true });
  expect(await call({ type: 'saveSettings', relayUrl: relay.url })).toMatchObject({ ok: true });
  expect(await call({ type: 'relayRegister' })).toMatchObject({ ok: true });
  connection.stop();
  const alarms = async () => ((await call({ type: 'getLogAlarms' })) as { alarms: { reason: string; kept?: string; served?: string }[] }).alarms;
  const checkOwn = () => keyLog.checkOwnHandle(registrations);
  const gossip = async () => gossipOfState((await keptLogState(db, relay.url))!);
  return { db, call, alarms, checkOwn, keyLog, gossip };
}

type Browser = Awaited<ReturnType<typeof browserOf>>;

/** `reader` looks `handle` up and pins the key the log proved. */
async function pinFromRelay(reader: Browser, handle: string): Promise<void> {
  const found = await reader.call({ type: 'lookupContact', handle });
  expect(found).toMatchObject({ ok: true });
  expect(await reader.call({ type: 'pinContact', handle, bundle: found.bundle })).toMatchObject({ ok: true });
}

/** A message from `from` to `to`, opened by `to`: its gossip is checked in the background. */
async function message(from: Browser, to: Browser, toHandle: string): Promise<void> {
  const sealed = await from.call({ type: 'encrypt', recipients: [toHandle], plaintext: 'hello' });
  expect(sealed).toMatchObject({ ok: true });
  expect(await to.call({ type: 'decrypt', text: sealed.parts.join('\n') })).toMatchObject({ ok: true, result: { plaintext: 'hello' } });
}

const keptSize = async (db: KeyringDB, relay: RunningRelay) => {
  const state = await keptLogState(db, relay.url);
  return state ? parseCheckpoint(state.checkpoint.slice(0, state.checkpoint.lastIndexOf('\n\n') + 1)).size : 0;
};

describe('the background on an honest relay', { timeout: 60_000 }, () => {
  it('verifies every lookup, keeps the checkpoint, and raises nothing while others append', async () => {
    const relay = await startRelay();
    const alice = await browserOf(relay, 'alice');
    const bob = await browserOf(relay, 'bob');
    // The registration's own check kept the relay's checkpoint at once.
    expect(await keptSize(alice.db, relay)).toBe(1);

    let appending = true;
    const appends = (async () => {
      for (let i = 0; appending; i++) await registerElsewhere(relay.url, `busy-${i}`);
    })();
    for (let i = 0; i < 5; i++) {
      const [a, b] = await Promise.all([alice.call({ type: 'lookupContact', handle: 'bob' }), bob.call({ type: 'lookupContact', handle: 'alice' }), alice.checkOwn()]);
      expect(a).toMatchObject({ ok: true, handle: 'bob' });
      expect(b).toMatchObject({ ok: true, handle: 'alice' });
    }
    appending = false;
    await appends;
    expect(await alice.checkOwn()).toBe(true);
    expect(await bob.checkOwn()).toBe(true);
    expect(await alice.alarms()).toEqual([]);
    expect(await bob.alarms()).toEqual([]);
    expect(await keptSize(alice.db, relay)).toBeGreaterThan(2);
  });

  it('gossip: checkpoints heard from contacts, older or newer, never raise an alarm while others append', async () => {
    const relay = await startRelay();
    const alice = await browserOf(relay, 'alice');
    const bob = await browserOf(relay, 'bob');
    await pinFromRelay(alice, 'bob');
    await pinFromRelay(bob, 'alice');
    let appending = true;
    const appends = (async () => {
      for (let i = 0; appending; i++) await registerElsewhere(relay.url, `busy-${i}`);
    })();
    const verdicts: string[] = [];
    for (let i = 0; i < 6; i++) {
      // Each side's view moves on at its own pace: a lookup here, a self-check there.
      if (i % 2 === 0) await alice.call({ type: 'lookupContact', handle: 'bob' });
      else await bob.checkOwn();
      verdicts.push(await alice.keyLog.hearGossip(await bob.gossip()), await bob.keyLog.hearGossip(await alice.gossip()));
      await message(alice, bob, 'bob');
    }
    appending = false;
    await appends;
    expect(verdicts.filter((v) => !['same', 'heard', 'consistent', 'undecided'].includes(v))).toEqual([]);
    expect(verdicts).toContain('consistent');
    expect(await alice.alarms()).toEqual([]);
    expect(await bob.alarms()).toEqual([]);
  });

  it('gossip: garbage is ignored, never trusted, and raises nothing', async () => {
    const relay = await startRelay();
    const alice = await browserOf(relay, 'alice');
    for (const value of [new Uint8Array(0), new Uint8Array(8), new Uint8Array(16), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0, 9])]) {
      expect(await alice.keyLog.hearGossip(value)).toBe('garbage');
    }
    expect(await alice.alarms()).toEqual([]);
  });

  it('gossip from a stranger is not read: a made-up checkpoint raises nothing; from a pinned contact it would', async () => {
    const relay = await startRelay();
    const alice = await browserOf(relay, 'alice');
    const kept = parseCheckpoint((await keptLogState(alice.db, relay.url))!.checkpoint.replace(/\n\n[\s\S]*$/, '\n'));
    // The relay's log at alice's size, but another root: what a fork would look like. Sealed with the
    // full sender key, so its signature checks out although no one pinned it.
    const forged = encodeGossip({ ...kept, rootHash: new Uint8Array(32).fill(7) });
    const aliceBundle = await decodePublicBundle(((await alice.call({ type: 'getPublicBundle' })) as { bundle: string }).bundle);
    const mallory = await makeIdentity('mallory');
    const token = async () => armor(await sealMessageV2({ identity: mallory.identity, recipients: [aliceBundle], plaintext: utf8('hi'), senderKey: 'full', extensions: [{ type: GOSSIP_EXTENSION, value: forged }] })).join('\n');
    expect(await alice.call({ type: 'decrypt', text: await token() })).toMatchObject({ ok: true, result: { status: 'unverified', plaintext: 'hi' } });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await alice.alarms()).toEqual([]);
    // Once mallory is a pinned contact, her gossip is read, and this one cannot be joined to the log.
    expect(await alice.call({ type: 'pinContact', handle: 'mallory', bundle: mallory.bundle })).toMatchObject({ ok: true });
    expect(await alice.call({ type: 'decrypt', text: await token() })).toMatchObject({ ok: true, result: { status: 'pinned' } });
    await until(async () => (await alice.alarms()).length > 0, 10_000);
    expect((await alice.alarms()).map((a) => a.reason)).toEqual(['fork']);
  });

  it('a key change signed by the pinned key shows as signed; a replacement without proof as unproven', async () => {
    const relay = await startRelay();
    const alice = await browserOf(relay, 'alice');
    const bob = await browserOf(relay, 'bob');
    await pinFromRelay(alice, 'bob');
    // Bob moves to a new key with a change his old key signs: the relay logs it.
    const next = await makeIdentity('bob');
    const mover = client(relay.url, next.identity);
    await mover.connect();
    await mover.changeIdentity('bob', next.bundle, (await getSenderKeys(bob.db)).identity);
    mover.close();
    expect(await alice.call({ type: 'lookupContact', handle: 'bob' })).toMatchObject({ ok: true });
    const contactOf = async (handle: string) => ((await alice.call({ type: 'listContacts' })).contacts as { handle: string }[]).find((c) => c.handle === handle);
    expect(await contactOf('bob')).toMatchObject({ keyChanged: true, keyChangeProof: 'signed' });
    // A key for carol from outside the log (a pasted key line, say) that is not the pinned one: unproven.
    await registerElsewhere(relay.url, 'carol');
    await pinFromRelay(alice, 'carol');
    const impostor = await makeIdentity('carol');
    expect(await alice.call({ type: 'pinContact', handle: 'carol', bundle: impostor.bundle })).toMatchObject({ ok: true, result: 'key-changed' });
    expect(await contactOf('carol')).toMatchObject({ keyChanged: true, keyChangeProof: 'unproven' });
    expect(await alice.alarms()).toEqual([]);
  });

  it("self-monitoring: a key change of our handle that this browser did not make is an alarm", async () => {
    const relay = await startRelay();
    const alice = await browserOf(relay, 'alice');
    expect(await alice.checkOwn()).toBe(true);
    // Someone holding alice's key (another device, or a thief) moves the handle to a key of their own:
    // a valid, logged key change, but not this browser's.
    const thief = await makeIdentity('alice');
    const c = client(relay.url, thief.identity);
    await c.connect();
    await c.changeIdentity('alice', thief.bundle, (await getSenderKeys(alice.db)).identity);
    c.close();
    expect(await alice.checkOwn()).toBe(false);
    expect(await alice.alarms()).toMatchObject([{ reason: 'foreign-entry', message: expect.stringMatching(/key-change entry/) }]);
  });
});

describe('the background catches a misbehaving relay', { timeout: 60_000 }, () => {
  it('swap-key: a key the log does not hold is refused, not observed, and kept as an alarm; the owner sees it too', async () => {
    const relay = await startRelay(['--test-fault', 'swap-key:bob'], undefined, FAULTS);
    const alice = await browserOf(relay, 'alice');
    const bob = await browserOf(relay, 'bob');
    const sizeBefore = await keptSize(alice.db, relay);
    expect(await alice.call({ type: 'lookupContact', handle: 'bob' })).toMatchObject({ ok: false, error: { code: 'log-inconsistent' } });
    expect(await alice.alarms()).toMatchObject([{ reason: 'unlogged-key' }]);
    // Nothing of the answer was kept: no contact, the checkpoint as it was.
    expect((await alice.call({ type: 'listContacts' })).contacts).toEqual([]);
    expect(await keptSize(alice.db, relay)).toBe(sizeBefore);
    // The same alarm again is kept once.
    await alice.call({ type: 'lookupContact', handle: 'bob' });
    expect(await alice.alarms()).toHaveLength(1);
    // Bob's own check sees the relay serve a key for him that he did not make.
    expect(await bob.checkOwn()).toBe(false);
    expect(await bob.alarms()).toMatchObject([{ reason: 'unlogged-key' }]);
    // Other handles on the same relay still verify.
    expect(await bob.call({ type: 'lookupContact', handle: 'alice' })).toMatchObject({ ok: true });
  });

  it('fork: two views of the log are caught, with both signed checkpoints as evidence', async () => {
    const relay = await startRelay(['--test-fault', 'fork'], undefined, FAULTS);
    const alice = await browserOf(relay, 'alice'); // its check is the first reader: the log as it is
    await browserOf(relay, 'bob');
    // Each later connection sees its own extra entry where the log ended: the first such view extends
    // what alice kept; the next one is another tree of the same size.
    expect(await alice.call({ type: 'lookupContact', handle: 'bob' })).toMatchObject({ ok: true });
    expect(await alice.call({ type: 'lookupContact', handle: 'bob' })).toMatchObject({ ok: false, error: { code: 'log-inconsistent' } });
    const [alarm] = await alice.alarms();
    expect(alarm).toMatchObject({ reason: 'fork' });
    const kept = parseCheckpoint(alarm!.kept!.slice(0, alarm!.kept!.lastIndexOf('\n\n') + 1));
    const served = parseCheckpoint(alarm!.served!.slice(0, alarm!.served!.lastIndexOf('\n\n') + 1));
    expect(served.size).toBe(kept.size);
    expect(served.rootHash).not.toEqual(kept.rootHash);
    // Both are signed notes of the relay's log (a signature line each), so anyone can check them.
    expect(alarm!.kept).toMatch(/\n\n— c2c-relay\/[0-9a-f]{16} /);
    expect(alarm!.served).toMatch(/\n\n— c2c-relay\/[0-9a-f]{16} /);
  });

  it("fork: gossip in a message catches a fork that neither side's own reads saw", async () => {
    const relay = await startRelay(['--test-fault', 'fork'], undefined, FAULTS);
    const alice = await browserOf(relay, 'alice'); // the first reader: the log as it is
    const bob = await browserOf(relay, 'bob'); // a view with an extra entry of its own
    // They pin each other's keys from outside the relay (as from a contact card): no more reads of the log.
    const bundleOf = async (b: Browser) => ((await b.call({ type: 'getPublicBundle' })) as { bundle: string }).bundle;
    expect(await alice.call({ type: 'pinContact', handle: 'bob', bundle: await bundleOf(bob) })).toMatchObject({ ok: true });
    expect(await bob.call({ type: 'pinContact', handle: 'alice', bundle: await bundleOf(alice) })).toMatchObject({ ok: true });
    expect(await alice.alarms()).toEqual([]);
    expect(await bob.alarms()).toEqual([]);
    // Bob's message carries his checkpoint: alice's check, on a connection of its own, sees a third tree
    // of bob's size, and no proof joins bob's to it.
    await message(bob, alice, 'alice');
    await until(async () => (await alice.alarms()).length > 0, 10_000);
    expect(await alice.alarms()).toMatchObject([{ reason: 'fork', message: expect.stringMatching(/a contact was shown another tree/) }]);
    // The same checkpoint in bob's next messages is not asked about again.
    expect(await alice.keyLog.hearGossip(await bob.gossip())).toBe('heard');
  });

  it('dismissing: the same evidence does not alarm again, new evidence does; the relay stays untrusted', async () => {
    const relay = await startRelay(['--test-fault', 'swap-key:bob'], undefined, FAULTS);
    const alice = await browserOf(relay, 'alice');
    await browserOf(relay, 'bob');
    const dismiss = async (a: { relay: string; at: number; reason: string }) => alice.call({ type: 'dismissLogAlarm', relay: a.relay, at: a.at, reason: a.reason });
    // swap-key: the same words each time, no signed evidence.
    expect(await alice.call({ type: 'lookupContact', handle: 'bob' })).toMatchObject({ ok: false, error: { code: 'log-inconsistent' } });
    const [swap] = (await alice.call({ type: 'getLogAlarms' })).alarms as { relay: string; at: number; reason: string }[];
    expect(swap).toMatchObject({ reason: 'unlogged-key' });
    expect(await dismiss(swap!)).toMatchObject({ ok: true, dismissed: true });
    expect(await alice.alarms()).toEqual([]);
    // Still refused, but not raised again; dismissing it twice finds nothing.
    expect(await alice.call({ type: 'lookupContact', handle: 'bob' })).toMatchObject({ ok: false, error: { code: 'log-inconsistent' } });
    expect(await alice.alarms()).toEqual([]);
    expect(await dismiss(swap!)).toMatchObject({ ok: true, dismissed: false });

    // New evidence: a forking relay shows another signed tree to each connection.
    const forking = await startRelay(['--test-fault', 'fork'], undefined, FAULTS);
    const carol = await browserOf(forking, 'carol');
    await browserOf(forking, 'dave');
    expect(await carol.call({ type: 'lookupContact', handle: 'dave' })).toMatchObject({ ok: true });
    expect(await carol.call({ type: 'lookupContact', handle: 'dave' })).toMatchObject({ ok: false });
    const [fork] = (await carol.call({ type: 'getLogAlarms' })).alarms as { relay: string; at: number; reason: string; served: string }[];
    expect(await carol.call({ type: 'dismissLogAlarm', relay: fork!.relay, at: fork!.at, reason: fork!.reason })).toMatchObject({ ok: true, dismissed: true });
    expect(await carol.alarms()).toEqual([]);
    expect(await carol.call({ type: 'lookupContact', handle: 'dave' })).toMatchObject({ ok: false });
    const again = await carol.alarms();
    expect(again.map((a) => a.reason)).toEqual(['fork']);
    expect(again[0]!.served).not.toBe(fork!.served);
  });

  it('rewrite: a log without its oldest entry is caught by the next lookup', async () => {
    const relay = await startRelay(['--test-fault', 'rewrite'], undefined, FAULTS);
    const alice = await browserOf(relay, 'alice');
    await browserOf(relay, 'bob');
    expect(await alice.call({ type: 'lookupContact', handle: 'bob' })).toMatchObject({ ok: false, error: { code: 'log-inconsistent' } });
    expect((await alice.alarms()).map((a) => a.reason)).toEqual([expect.stringMatching(/^(fork|tree-shrank)$/)]);
  });
});
