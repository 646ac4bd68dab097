// Cluster mode: two relay nodes on one PostgreSQL and one Redis (real servers on loopback, see
// cluster-services.ts). Directory and key log shared through PostgreSQL, live frames through Redis pub/sub.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../lib/bytes';
import { encodePublicBundle } from '../../lib/crypto/public-bundle';
import { verifyLookup } from '../../lib/keylog/verify';
import type { RelayMessage } from '../../lib/relay-client/client';
import type { Cluster } from './cluster-harness';
import { join } from 'node:path';
import { c2c, client, inbox, makeIdentity, registered, tempDir, until, type RunningRelay } from './harness';
import { withTwoNodes } from './two-nodes';

let cluster: Cluster;
let one: RunningRelay;
let two: RunningRelay;

withTwoNodes((nodes) => ({ cluster, one, two } = nodes));

const text = (m: RelayMessage | undefined) => (m ? fromUtf8(m.payload) : undefined);

describe('two nodes, one PostgreSQL, one Redis', () => {
  it('registers on one node and looks up on the other, with key-log proofs from the shared log', async () => {
    const alice = await registered(one.url, 'alice');
    const anon = client(two.url);
    await anon.connect();
    expect(await anon.lookup('alice')).toEqual({ handle: 'alice', bundle: alice.bundle });
    // Both nodes serve one log: a lookup on one node proves consistency with a checkpoint from the other.
    const first = await anon.lookupLogged('alice', 0);
    const seen = await verifyLookup('alice', first.bundle, first.log, null);
    expect(seen.events.map((e) => e.type)).toEqual(['register']);
    await registered(two.url, 'alice-later').then((x) => x.c.close());
    const viaOne = client(one.url);
    const later = await viaOne.lookupLogged('alice', seen.checkpoint.size);
    const checked = await verifyLookup('alice', later.bundle, later.log, seen.state);
    expect(checked.checkpoint.size).toBeGreaterThan(seen.checkpoint.size);
    viaOne.close();
    // The same handle from another identity on the other node: first come holds cluster-wide.
    const thief = await makeIdentity('alice');
    const t = client(two.url, thief.identity);
    await t.connect();
    await expect(t.register('alice', thief.bundle)).rejects.toMatchObject({ code: 'handle-taken' });
    for (const c of [alice.c, anon, t]) c.close();
  });

  it('registration rules hold across nodes, and an audit of the shared log on either node passes', async () => {
    const carol = await registered(one.url, 'carol');
    // Again from the other node with the same key: idempotent. Another handle for the same key: refused.
    const again = client(two.url, carol.identity);
    await again.connect();
    expect(await again.register('carol', carol.bundle)).toBe('carol');
    const second = encodePublicBundle({ identityKey: carol.identity.publicKey, prekey: carol.prekey, handle: 'carol-two' });
    await expect(again.register('carol-two', second)).rejects.toMatchObject({ code: 'identity-registered' });
    // Racing for one handle (same group commit, or two nodes): exactly one identity gets it.
    const racers = await Promise.all(Array.from({ length: 6 }, () => makeIdentity('contested')));
    const outcomes = await Promise.all(
      racers.map(async (id, i) => {
        const c = client(i % 2 ? one.url : two.url, id.identity);
        await c.connect();
        const outcome = await c.register('contested', id.bundle).then(() => 'ok', (e: { code: string }) => e.code);
        c.close();
        return outcome;
      }),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'handle-taken')).toHaveLength(5);
    // Concurrent registrations on both nodes share one log: every node computes the same tree.
    await Promise.all(Array.from({ length: 12 }, (_, i) => registered(i % 2 ? one.url : two.url, `burst-${i}`).then((x) => x.c.close())));
    const state = join(tempDir(), 'relay.state');
    for (const node of [one, two]) {
      const audit = await c2c(['log', 'audit', '--relay', node.url, '--state', state]).done;
      expect(audit.stderr).toBe('');
      expect(audit.stdout).toMatch(/^audited \d+ entries of \d+ handles/);
    }
    for (const c of [carol.c, again]) c.close();
  });

  it('delivers a frame sent on one node to the recipient on the other; with nobody there it is kept nowhere', async () => {
    const sender = await registered(one.url, 'sender');
    const recipient = await registered(two.url, 'recipient');
    const got = inbox(recipient.c);
    await sender.c.sendToHandle('recipient', utf8('across nodes'));
    await until(() => got.length === 1);
    expect(got[0]).toMatchObject({ kind: 'mailbox', from: 'sender' });
    expect(text(got[0])).toBe('across nodes');
    recipient.c.close();
    // The sender hears "accepted" either way (presence is the recipient's business) ...
    await sender.c.sendToHandle('recipient', utf8('gone'));
    // ... and back online, the recipient gets what is sent now, never what was sent while away.
    const back = client(two.url, recipient.identity);
    const later = inbox(back);
    await back.connect();
    await until(async () => {
      await sender.c.sendToHandle('recipient', utf8('back'));
      return later.length > 0;
    });
    expect(later.map(text).every((t) => t === 'back')).toBe(true);
    for (const c of [sender.c, back]) c.close();
  });

  it('a chat room spans the nodes: presence counts the other node, frames reach members on both', async () => {
    const a = await registered(one.url, 'room-a');
    const b = await registered(two.url, 'room-b');
    const c = await registered(two.url, 'room-c');
    const room = crypto.getRandomValues(new Uint8Array(16));
    expect(await a.c.joinRoom(room)).toBe(0);
    expect(await b.c.joinRoom(room)).toBe(1);
    await c.c.joinRoom(room);
    const atB = inbox(b.c);
    const atC = inbox(c.c);
    const atA = inbox(a.c);
    a.c.sendToRoom(room, utf8('hello room'));
    await until(() => atB.length === 1 && atC.length === 1);
    expect([text(atB[0]), text(atC[0])]).toEqual(['hello room', 'hello room']);
    b.c.sendToRoom(room, utf8('reply'));
    await until(() => atA.length === 1 && atC.length === 2);
    expect(text(atA[0])).toBe('reply');
    // The sender never gets its own frame back, on either node.
    expect(atB).toHaveLength(1);
    for (const x of [a, b, c]) x.c.close();
  });

  it("Redis carries a room's frames only to nodes with members there: none for one node's room, batched across", async () => {
    const redis = new Redis(cluster.redis.url);
    const publishes = async () => Number(/cmdstat_publish:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    try {
      const a = await registered(one.url, 'local-a');
      const b = await registered(one.url, 'local-b');
      const far = await registered(two.url, 'far-c');
      const local = crypto.getRandomValues(new Uint8Array(16));
      const shared = crypto.getRandomValues(new Uint8Array(16));
      for (const x of [a, b]) await x.c.joinRoom(local);
      expect(await a.c.joinRoom(shared)).toBe(0);
      expect(await far.c.joinRoom(shared)).toBe(1); // node one answered node two's HERE
      const atA = inbox(a.c);
      const atB = inbox(b.c);
      const atFar = inbox(far.c);
      // Node two's first PUBLISH to node one goes out after anything it sent before (such as its PRESENT
      // in return, checking that node one is real): once this frame arrives, the handshake is all counted.
      far.c.sendToRoom(shared, utf8('settled'));
      await until(() => atA.length === 1);
      const before = await publishes();
      for (let i = 0; i < 50; i++) a.c.sendToRoom(local, utf8(`local ${i}`));
      await until(() => atB.length === 50);
      expect(await publishes()).toBe(before); // both members on node one: Redis never saw these frames
      for (let i = 0; i < 50; i++) a.c.sendToRoom(shared, utf8(`shared ${i}`));
      await until(() => atFar.length === 50);
      expect(atFar.map(text)).toEqual(Array.from({ length: 50 }, (_, i) => `shared ${i}`)); // in order
      const used = (await publishes()) - before;
      expect(used).toBeGreaterThanOrEqual(1);
      expect(used).toBeLessThanOrEqual(50); // one PUBLISH per frame at most, several per message under load
      expect(atB.map(text)).toEqual(Array.from({ length: 50 }, (_, i) => `local ${i}`)); // b is not in the shared room
      for (const x of [a, b, far]) x.c.close();
    } finally {
      redis.disconnect();
    }
  });

  it('relay-admin revoke on the database closes the identity on every node and both refuse it', async () => {
    const mallory = await registered(one.url, 'mallory');
    const again = client(two.url, mallory.identity);
    await again.connect();
    const closedOnOne = new Promise((r) => mallory.c.onState((s, e) => s === 'closed' && r(e?.code)));
    const closedOnTwo = new Promise((r) => again.onState((s, e) => s === 'closed' && r(e?.code)));
    const revoke = await c2c(['relay-admin', 'revoke', '--postgres', cluster.pg.url, '--log-key', cluster.logKeyFile, 'mallory']).done;
    expect(revoke).toMatchObject({ code: 0, stdout: 'revoked mallory\n' });
    expect(await closedOnOne).toBe('revoked');
    expect(await closedOnTwo).toBe('revoked');
    for (const url of [one.url, two.url]) {
      const c = client(url, mallory.identity);
      await expect(c.connect()).rejects.toMatchObject({ code: 'revoked' });
      const anon = client(url);
      await expect(anon.lookup('mallory')).rejects.toMatchObject({ code: 'revoked' });
      anon.close();
    }
    const twice = await c2c(['relay-admin', 'revoke', '--postgres', cluster.pg.url, '--log-key', cluster.logKeyFile, 'mallory']).done;
    expect(twice.stdout).toBe('already revoked mallory\n');
  });

  it('a key change on one node ends the old key\'s sessions on the other', async () => {
    const old = await registered(one.url, 'changer');
    const onTwo = client(two.url, old.identity);
    await onTwo.connect();
    const ended = new Promise((r) => onTwo.onState((s, e) => s === 'closed' && r(e?.code)));
    const next = await makeIdentity('changer');
    const c = client(one.url, next.identity);
    await c.connect();
    await c.changeIdentity('changer', next.bundle, old.identity);
    expect(await ended).toBe('revoked');
    const anon = client(two.url);
    expect((await anon.lookup('changer')).bundle).toBe(next.bundle);
    for (const x of [c, anon, old.c]) x.close();
  });

  it('the CLI takes a list of relay URLs and goes on to the next when one is down', async () => {
    const bob = await registered(two.url, 'list-bob');
    const down = 'ws://127.0.0.1:9'; // discard port: nothing listens
    const r = await c2c(['lookup', '--relay', `${down},${one.url}`, 'list-bob']).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(bob.bundle);
    const bad = await c2c(['lookup', '--relay', `${one.url},http://example.org`, 'list-bob']).done;
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('is not a relay URL');
    bob.c.close();
  });
});
