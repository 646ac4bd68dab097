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

async function broker(): Promise<RedisBroker<Member>> {
  const b = await openRedisBroker<Member>(redis.url, { maxFrame: 64 * 1024 });
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
});
