// Cluster mode under faults: a node killed with SIGKILL during registrations, Redis restarted, PostgreSQL
// down, another writer on the Redis channels. Real PostgreSQL, Redis and relay processes (cluster-harness.ts).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../lib/bytes';
import type { RelayMessage } from '../../lib/relay-client/client';
import type { Cluster } from './cluster-harness';
import { client, inbox, makeIdentity, metrics, registered, until, type RunningRelay } from './harness';
import { withTwoNodes } from './two-nodes';

let cluster: Cluster;
let one: RunningRelay;
let two: RunningRelay;

withTwoNodes((nodes) => ({ cluster, one, two } = nodes));

const texts = (got: RelayMessage[]) => got.map((m) => fromUtf8(m.payload));

async function droppedOn(node: RunningRelay): Promise<number> {
  return Number(/^c2c_relay_broker_dropped_total (\d+)$/m.exec(await metrics(node))?.[1]);
}

describe('faults', () => {
  it('a node killed with SIGKILL during registrations loses no acknowledged handle; clients go on via the next URL', async () => {
    const doomed = await cluster.node();
    const urls = [doomed.url, one.url];
    const acked: string[] = [];
    let ackedBeforeKill = 0;
    let killed = false;
    const loop = async (worker: number) => {
      for (let i = 0; i < 12; i++) {
        const handle = `w${worker}-n${i}`;
        const id = await makeIdentity(handle);
        const c = client(urls as unknown as string, id.identity);
        try {
          await c.connect();
          await c.register(handle, id.bundle);
          acked.push(handle);
        } catch {
          // Not acknowledged (the node died under it): the client may try again, nothing is promised.
        } finally {
          c.close();
        }
      }
    };
    const workers = [0, 1, 2, 3].map(loop);
    await until(() => acked.length >= 8, 20_000);
    ackedBeforeKill = acked.length;
    await doomed.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    expect(killed).toBe(true);
    // Registrations went on through the other node after the kill.
    expect(acked.length).toBeGreaterThan(ackedBeforeKill + 8);
    // An authenticated connection: unauthenticated ones may look up only a few handles.
    const checker = await makeIdentity();
    const look = client(two.url, checker.identity);
    await look.connect();
    for (const handle of acked) expect((await look.lookup(handle)).handle).toBe(handle);
    look.close();
  });

  it('frames flow again within seconds after Redis restarts', async () => {
    const a = await registered(one.url, 'redis-a');
    const b = await registered(two.url, 'redis-b');
    const got = inbox(b.c);
    await a.c.sendToHandle('redis-b', utf8('before'));
    await until(() => got.length === 1);
    await cluster.redis.stop();
    // Redis away: the other node cannot be reached; the sender hears only "accepted", and nothing is kept.
    await a.c.sendToHandle('redis-b', utf8('while down'));
    // A room joined meanwhile answers at once and is subscribed once Redis is back.
    const joinedDuringOutage = crypto.getRandomValues(new Uint8Array(16));
    const asked = Date.now();
    expect(await b.c.joinRoom(joinedDuringOutage)).toBe(0);
    expect(Date.now() - asked).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 1500)); // an outage of several reconnect attempts
    await cluster.redis.start();
    const restarted = Date.now();
    // Sent again until it arrives: the first ones may go out before the nodes have resubscribed.
    await until(async () => {
      await a.c.sendToHandle('redis-b', utf8('after')).catch(() => undefined);
      return texts(got).includes('after');
    }, 10_000);
    expect(Date.now() - restarted).toBeLessThan(10_000);
    // What was sent while Redis was away was not kept for later: only "after" (perhaps more than once) followed.
    expect(texts(got)[0]).toBe('before');
    expect(texts(got).slice(1).every((t) => t === 'after')).toBe(true);
    got.length = 0;
    // Rooms resubscribe too.
    const room = crypto.getRandomValues(new Uint8Array(16));
    await a.c.joinRoom(room);
    await b.c.joinRoom(room);
    a.c.sendToRoom(room, utf8('room after restart'));
    await until(() => texts(got).includes('room after restart'));
    expect(await a.c.joinRoom(joinedDuringOutage)).toBe(1);
    a.c.sendToRoom(joinedDuringOutage, utf8('joined while down'));
    await until(() => texts(got).includes('joined while down'));
    expect(texts(got).filter((t) => t !== 'after')).toEqual(['room after restart', 'joined while down']);
    a.c.close();
    b.c.close();
  });

  it('PostgreSQL down: lookups and registrations fail with a clear error, live frames keep flowing', async () => {
    const a = await registered(one.url, 'pgdown-a');
    const b = await registered(two.url, 'pgdown-b');
    const room = crypto.getRandomValues(new Uint8Array(16));
    await a.c.joinRoom(room);
    await b.c.joinRoom(room);
    const got = inbox(b.c);
    await a.c.sendToHandle('pgdown-b', utf8('up'));
    await until(() => got.length === 1);
    await cluster.pg.stop();
    try {
      const anon = client(two.url);
      await expect(anon.lookup('pgdown-a')).rejects.toMatchObject({ code: 'internal', message: "the relay's directory is unavailable; try again later" });
      const late = await makeIdentity('pgdown-late');
      const c = client(one.url, late.identity);
      await expect(c.connect().then(() => c.register('pgdown-late', late.bundle))).rejects.toMatchObject({ message: "the relay's directory is unavailable; try again later" });
      c.close();
      anon.close();
      await a.c.sendToHandle('pgdown-b', utf8('to handle, store down'));
      a.c.sendToRoom(room, utf8('to room, store down'));
      await until(() => got.length === 3);
      expect(texts(got)).toEqual(['up', 'to handle, store down', 'to room, store down']);
    } finally {
      await cluster.pg.start();
    }
    const anon = client(two.url);
    await until(async () => (await anon.lookup('pgdown-a').catch(() => null))?.handle === 'pgdown-a', 15_000);
    anon.close();
    // The outage is logged once per node, without secrets, and the nodes kept running.
    for (const node of [one, two]) {
      expect(node.proc.exitCode).toBeNull();
      expect(node.stdout().match(/"where":"postgres"/g)?.length ?? 0).toBeLessThanOrEqual(2);
    }
    a.c.close();
    b.c.close();
  });

  it('malformed messages from another writer on the Redis channels are dropped and counted', async () => {
    const a = await registered(one.url, 'chan-a');
    const b = await registered(two.url, 'chan-b');
    const got = inbox(b.c);
    const before = await droppedOn(two);
    const beforeOne = await droppedOn(one);
    let nodeJunk: Buffer[] = [];
    const key = (await client(two.url).lookup('chan-b')).bundle; // only to show b is known
    expect(key).toBe(b.bundle);
    const channel = `c2c:id:${Buffer.from(b.identity.publicKey).toString('base64url')}`;
    const header = Buffer.from([0xc2, 1, 2, 3, 4, 5, 6, 7, 8]); // magic and a made-up node id
    const frame = (type: number, target: number, body: Buffer) => Buffer.concat([header, Buffer.from([type, target, 0, 0, 0, 0]), body]);
    const junk = [
      Buffer.from('not a frame'), // no magic
      Buffer.from([0xc2, 1, 2]), // shorter than the header
      frame(0x01, 3, Buffer.from('abc')), // a client → relay frame type
      frame(0x82, 3, Buffer.from('abc')), // a room frame on an identity channel
      frame(0x81, 40, Buffer.from('abc')), // sender name longer than the frame
      frame(0x81, 3, Buffer.alloc(200 * 1024)), // beyond the node's frame limit
    ];
    const writer = new Redis(cluster.redis.url);
    try {
      for (const message of junk) expect(await writer.publish(channel, message)).toBe(1); // node two got each
      // A room channel that no node has: nobody subscribed, nothing kept.
      expect(await writer.publish('c2c:room:00', junk[0]!)).toBe(0);
      expect(await writer.keys('*')).toEqual([]);
      // Each node's own channel (room frames and presence answers between nodes): records checked too.
      const nodeChannels = (await writer.pubsub('CHANNELS', 'c2c:node:*')) as string[];
      expect(nodeChannels).toHaveLength(2);
      const record = (op: number, body: Buffer, length = body.length) => {
        const head = Buffer.alloc(5);
        head[0] = op;
        head.writeUInt32BE(length, 1);
        return Buffer.concat([head, body]);
      };
      const roomFrame = Buffer.concat([Buffer.from([0x82, 16, 0, 0, 0, 0]), Buffer.alloc(16, 7), Buffer.from('hi')]);
      nodeJunk = [
        header, // no record
        Buffer.concat([header, Buffer.from([0x10, 0, 0])]), // a record header cut short
        Buffer.concat([header, record(0x10, roomFrame, roomFrame.length + 1)]), // a length beyond the message
        Buffer.concat([header, record(0x7f, roomFrame)]), // an unknown record
        Buffer.concat([header, record(0x10, Buffer.concat([Buffer.from([0x81]), roomFrame.subarray(1)]))]), // a mailbox frame as a room frame
        Buffer.concat([header, record(0x11, Buffer.from('c2c:control'))]), // presence for a channel that is none
      ];
      for (const channel of nodeChannels) for (const message of nodeJunk) expect(await writer.publish(channel, message)).toBe(1);
    } finally {
      writer.disconnect();
    }
    await until(async () => (await droppedOn(two)) === before + junk.length + nodeJunk.length);
    await until(async () => (await droppedOn(one)) === beforeOne + nodeJunk.length);
    expect(got).toHaveLength(0);
    await a.c.sendToHandle('chan-b', utf8('still fine'));
    await until(() => got.length === 1);
    expect(texts(got)).toEqual(['still fine']);
    a.c.close();
    b.c.close();
  });
});
