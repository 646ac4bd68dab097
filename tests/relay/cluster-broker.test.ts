// The cluster broker between two nodes of one process, on a real Redis: what happens to their bookkeeping of
// each other when Redis connections fail or another writer speaks on their channels. (The node processes'
// view of the same is in cluster*.test.ts; here the broker's counts and memory can be watched directly.)
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA, DATA_HEADER } from '../../lib/protocol/relay';
import type { Member } from '../../relay/broker';
import { openRedisBroker, type RedisBroker } from '../../relay/redis-broker';
import { startRedis, type RedisServer } from './cluster-services';
import { until } from './harness';

let redis: RedisServer;
const brokers: RedisBroker<Member>[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const b of brokers) b.close();
  await redis?.remove();
});

async function broker(nodesCheckMs?: number): Promise<RedisBroker<Member>> {
  const b = await openRedisBroker<Member>(redis.url, { maxFrame: 64 * 1024, ...(nodesCheckMs ? { nodesCheckMs } : {}) });
  brokers.push(b);
  return b;
}

function member(): Member & { got: Uint8Array[] } {
  const got: Uint8Array[] = [];
  return { got, deliver: (f) => void got.push(f), evict: () => undefined };
}

function newRoom(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('latin1');
}

function roomFrame(room: string, text: string): Uint8Array {
  const head = Buffer.from([DATA.fromRoom, room.length, 0, 0, 0, 0]);
  expect(head.length).toBe(DATA_HEADER);
  return Buffer.concat([head, Buffer.from(room, 'latin1'), Buffer.from(text)]);
}

describe('cluster broker', () => {
  it('a publish that fails while Redis reconnects does not make a node forget the others', async () => {
    const [a, b] = [await broker(), await broker()];
    const room = newRoom();
    const [ma, mb] = [member(), member()];
    expect(await b.join(room, mb)).toBe(0);
    expect(await a.join(room, ma)).toBe(1); // b's member
    // Only the publishing connections (subscribers are of type pubsub): the nodes' subscriptions stay.
    const admin = new Redis(redis.url);
    try {
      expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal'))).toBeGreaterThanOrEqual(2);
    } finally {
      admin.disconnect();
    }
    // Published until one fails (the connection is away for a moment): that frame reached nobody.
    await until(async () => (await a.publish(room, roomFrame(room, 'while away'), ma)) === 0, 5000);
    mb.got.length = 0;
    // Once the connection is back, the other node is still known and gets frames again.
    await until(async () => (await a.publish(room, roomFrame(room, 'back'), ma)) === 1, 5000);
    await until(() => mb.got.some((f) => Buffer.from(f).toString().endsWith('back')));
    expect(await a.join(room, member())).toBe(2);
  });

  it('a node stopped without a word is forgotten by the next check, with no frame sent to it since', async () => {
    const a = await broker(100);
    const b = await broker();
    const room = newRoom();
    const mb = member();
    expect(await b.join(room, mb)).toBe(0);
    const ma = member();
    expect(await a.join(room, ma)).toBe(1);
    // A frame that arrives: everything a said to b before it (its PRESENT in return among it) is done.
    expect(await a.publish(room, roomFrame(room, 'hello'), ma)).toBe(1);
    await until(() => mb.got.length === 1);
    b.close(); // as a killed node: no BYE
    // Only the check can tell (on an identity's channel no frame ever would).
    await until(async () => {
      const m = member();
      const n = await a.join(room, m);
      a.leave(room, m);
      return n === 1; // ma alone
    }, 3000);
  });

  it('a join waits for a node that answers ABSENT (its members just left) no longer than for one saying PRESENT', async () => {
    const a = await broker();
    const room = newRoom();
    const channel = `c2c:room:${Buffer.from(room, 'latin1').toString('hex')}`;
    // A node still subscribed to the room whose members have gone: it answers A's HERE with ABSENT.
    const leaving = new Redis(redis.url);
    const writer = new Redis(redis.url);
    try {
      await leaving.subscribe(channel);
      leaving.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
        if (message.length !== 10 || message[9] !== 0x01) return; // HERE
        const body = Buffer.from(channel, 'latin1');
        const record = Buffer.alloc(5);
        record[0] = 0x12;
        record.writeUInt32BE(body.length, 1);
        const own = `c2c:node:${message.subarray(1, 9).toString('hex')}`;
        void writer.publish(own, Buffer.concat([Buffer.from([0xc2, 0xdd, 0, 0, 0, 0, 0, 0, 1]), record, body]));
      });
      const asked = Date.now();
      expect(await a.join(room, member())).toBe(0);
      expect(Date.now() - asked).toBeLessThan(500); // the wait for answers is 1 s
    } finally {
      leaving.disconnect();
      writer.disconnect();
    }
  });

  describe('presence from another writer on a node\'s channel', () => {
    const nodeId = (i: number) => Buffer.from([0xee, 0, 0, 0, 0, 0, i >> 8, i & 0xff]);
    /** PRESENT for `channel` on `node`'s channel, as from the node with the made-up id `from`. */
    const present = (from: Buffer, channel: string) => {
      const body = Buffer.from(channel, 'latin1');
      const record = Buffer.alloc(5);
      record[0] = 0x11;
      record.writeUInt32BE(body.length, 1);
      return Buffer.concat([Buffer.from([0xc2]), from, record, body]);
    };
    const ownChannel = (b: RedisBroker<Member>) => b.ownChannel;
    /** The count a member joining `room` on `b` is told (the member leaves again). */
    const othersSeenBy = async (b: RedisBroker<Member>, room: string) => {
      const m = member();
      const n = await b.join(room, m);
      b.leave(room, m);
      return n;
    };
    const roomChannel = (room: string) => `c2c:room:${Buffer.from(room, 'latin1').toString('hex')}`;

    it('made-up nodes nobody listens for are forgotten at once: presence counts only real ones', async () => {
      const a = await broker();
      const room = newRoom();
      const ma = member();
      expect(await a.join(room, ma)).toBe(0);
      const writer = new Redis(redis.url);
      try {
        for (let i = 0; i < 300; i++) expect(await writer.publish(ownChannel(a), present(nodeId(i), roomChannel(room)))).toBe(1);
      } finally {
        writer.disconnect();
      }
      // Without a check they would count as members' nodes until a frame to each failed (and never on a
      // mailbox channel, where no frame goes to a node).
      await until(async () => (await othersSeenBy(a, room)) === 1, 5000); // ma alone
    });

    it('however many listen, a node keeps track of at most 256 others and counts the rest as dropped', async () => {
      const a = await broker();
      const room = newRoom();
      expect(await a.join(room, member())).toBe(0);
      // Another client listens on 300 made-up node channels, so each PRESENT there is answered by someone.
      const listener = new Redis(redis.url);
      const writer = new Redis(redis.url);
      try {
        const ids = Array.from({ length: 300 }, (_, i) => nodeId(1000 + i));
        await listener.subscribe(...ids.map((id) => `c2c:node:${id.toString('hex')}`));
        const before = a.dropped;
        for (const id of ids) await writer.publish(ownChannel(a), present(id, roomChannel(room)));
        await until(() => a.dropped === before + 300 - 256, 5000);
        await new Promise((r) => setTimeout(r, 200)); // the PRESENT answers: all received, none forgot a node
        expect(await othersSeenBy(a, room)).toBe(1 + 256);
      } finally {
        listener.disconnect();
        writer.disconnect();
      }
    });
  });
});
