// Fan-out across relay nodes with Redis pub/sub: one channel per room and per recipient identity, to which
// a node subscribes while it has members there. Frames go to this node's members directly and to the
// channel for the others; a PUBLISH that reaches no other node means "offline" and leaves nothing behind
// (pub/sub only: no key ever holds a frame). While Redis is unreachable a node still serves its own
// members; ioredis reconnects and resubscribes by itself.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DATA, DATA_HEADER } from '../lib/protocol/relay';
import { LocalBroker, type Broker, type Member } from './broker';
import { log } from './log';

const ROOM = 'c2c:room:'; // + the room id in hex (channel names travel as UTF-8; room ids are bytes)
const IDENTITY = 'c2c:id:';
/** Evictions (key changes): every node closes the identity's connections. */
const CONTROL = 'c2c:control';
/** Message: MAGIC, the sending node's id, then the frame (or, on CONTROL, the identity to evict). */
const MAGIC = 0xc2;
const NODE_ID = 8;
const PREFIX = 1 + NODE_ID;

export interface RedisBrokerOptions {
  /** Largest frame a node forwards; longer messages on a channel are dropped. */
  maxFrame: number;
}

/** Connection settings: bounded waits, quick reconnects, no queueing of frames while Redis is away. */
function connect(url: string, role: 'publish' | 'subscribe'): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    // Subscriptions asked for during an outage wait for the connection (then ioredis resubscribes them all).
    maxRetriesPerRequest: role === 'subscribe' ? null : 1,
    // A frame that cannot be published now is not delivered to other nodes (nothing is queued for later);
    // subscriptions wait for the connection instead, so they are made once Redis is back.
    enableOfflineQueue: role === 'subscribe',
    // Frames published in one turn of the event loop go to Redis in one write.
    enableAutoPipelining: role === 'publish',
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  // Failures are reported by openRedisBroker and the broker (once per outage), not by ioredis on stderr.
  redis.on('error', () => undefined);
  return redis;
}

function roomChannel(room: string): string {
  return ROOM + Buffer.from(room, 'latin1').toString('hex');
}

/** One line for a Redis failure, without the URL (it may hold a password). */
function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return 'unknown host';
  return (err.message ?? String(e)).split('\n')[0]!;
}

/** Connects both Redis connections; throws one clear line when Redis does not answer. */
export async function openRedisBroker<M extends Member>(url: string, options: RedisBrokerOptions): Promise<RedisBroker<M>> {
  const pub = connect(url, 'publish');
  const sub = connect(url, 'subscribe');
  // The socket's own error says why ("connection refused"); connect() only says the connection closed.
  let cause: unknown = null;
  pub.once('error', (e: unknown) => (cause ??= e));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    await pub.ping();
  } catch (e) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`Redis: ${describe(cause ?? e)}`);
  }
  const broker = new RedisBroker<M>(pub, sub, options);
  await sub.subscribe(CONTROL);
  return broker;
}

export class RedisBroker<M extends Member> implements Broker<M> {
  private readonly local = new LocalBroker<M>();
  private readonly id = randomBytes(NODE_ID);
  /** Channels this node has members on, and those Redis confirmed: its own PUBLISH reaches itself there. */
  private readonly wanted = new Set<string>();
  private readonly subscribed = new Set<string>();
  private up = true;
  dropped = 0;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly options: RedisBrokerOptions,
  ) {
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.received(channel.toString('latin1'), message));
    const down = (e: unknown) => {
      if (!this.up) return;
      this.up = false;
      log('error', 'error', { where: 'redis', message: describe(e) });
    };
    for (const r of [pub, sub]) {
      r.on('error', down);
      r.on('ready', () => {
        if (this.up || pub.status !== 'ready' || sub.status !== 'ready') return;
        this.up = true;
        log('info', 'redis-up', {});
      });
    }
  }

  private header(): Buffer {
    const h = Buffer.allocUnsafe(PREFIX);
    h[0] = MAGIC;
    this.id.copy(h, 1);
    return h;
  }

  /** Publishes to the other nodes; resolves with how many nodes other than this one received it. */
  private async toOthers(channel: string, body: Uint8Array): Promise<number> {
    const message = Buffer.concat([this.header(), body]);
    try {
      const n = await this.pub.publish(channel, message);
      return Math.max(0, n - (this.subscribed.has(channel) ? 1 : 0));
    } catch {
      return 0;
    }
  }

  private subscribe(channel: string): Promise<void> | void {
    if (this.wanted.has(channel)) return;
    this.wanted.add(channel);
    return this.sub.subscribe(channel).then(
      () => {
        if (this.wanted.has(channel)) this.subscribed.add(channel);
      },
      (e: unknown) => log('error', 'error', { where: 'redis-subscribe', message: describe(e) }),
    );
  }

  private unsubscribe(channel: string): void {
    if (!this.wanted.delete(channel)) return;
    this.subscribed.delete(channel);
    this.sub.unsubscribe(channel).catch(() => undefined);
  }

  private received(channel: string, message: Buffer): void {
    if (message.length >= PREFIX && message[0] === MAGIC && this.id.equals(message.subarray(1, PREFIX))) return; // our own
    const body = message.subarray(PREFIX);
    if (message.length < PREFIX || message[0] !== MAGIC) return void this.dropped++;
    if (channel === CONTROL) {
      const identity = body.toString('latin1');
      if (!/^[A-Za-z0-9_-]{43}$/.test(identity)) return void this.dropped++;
      for (const m of this.local.localMembers(identity)) m.evict('identity key replaced');
      return;
    }
    const room = channel.startsWith(ROOM);
    const type = room ? DATA.fromRoom : DATA.fromHandle;
    // The frame as this node's members get it: a data frame of the channel's kind, within the size limit.
    if (body.length < DATA_HEADER || body.length > this.options.maxFrame + 64 || body[0] !== type || body.length < DATA_HEADER + body[1]!) {
      return void this.dropped++;
    }
    if (room) this.local.publish(Buffer.from(channel.slice(ROOM.length), 'hex').toString('latin1'), body, null);
    else if (channel.startsWith(IDENTITY)) this.local.sendToIdentity(channel.slice(IDENTITY.length), body);
    else this.dropped++;
  }

  join(room: string, m: M): Promise<number> {
    const here = this.local.join(room, m);
    const channel = roomChannel(room);
    return (async () => {
      // While Redis is away the subscription waits for it; the join answers now, with this node's count.
      if (this.sub.status !== 'ready') {
        void this.subscribe(channel);
        return here;
      }
      await this.subscribe(channel);
      try {
        const [, n] = (await this.pub.pubsub('NUMSUB', channel)) as [string, number];
        return here + Math.max(0, Number(n) - 1);
      } catch {
        return here;
      }
    })();
  }

  leave(room: string, m: M): void {
    this.local.leave(room, m);
    if (this.local.roomSize(room) === 0) this.unsubscribe(roomChannel(room));
  }

  publish(room: string, frame: Uint8Array, from: M): Promise<number> {
    const here = this.local.publish(room, frame, from);
    return this.toOthers(roomChannel(room), frame).then((there) => here + there);
  }

  attach(identity: string, m: M): void {
    this.local.attach(identity, m);
    void this.subscribe(IDENTITY + identity);
  }

  detach(identity: string, m: M): void {
    this.local.detach(identity, m);
    if ([...this.local.localMembers(identity)].length === 0) this.unsubscribe(IDENTITY + identity);
  }

  sendToIdentity(identity: string, frame: Uint8Array): void {
    this.local.sendToIdentity(identity, frame);
    void this.toOthers(IDENTITY + identity, frame);
  }

  localMembers(identity: string): Iterable<M> {
    return this.local.localMembers(identity);
  }

  evict(identity: string, reason: string): void {
    this.local.evict(identity, reason);
    void this.toOthers(CONTROL, Buffer.from(identity, 'latin1'));
  }

  close(): void {
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
