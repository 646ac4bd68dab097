// Fan-out across relay nodes with Redis pub/sub (pub/sub only: no key ever holds a frame). A node
// subscribes to one channel per room and per identity it has connections for, and to a channel of its own.
// On a room or identity channel nodes only say that they arrive (HERE, answered on the newcomer's own
// channel with PRESENT) and leave (BYE), so each node knows which other nodes share its rooms and identities.
// A frame goes to this node's connections directly and to other nodes only when they have members:
// - room frames on the own channel of each node with members, gathered per node for one turn of the event
//   loop (one PUBLISH carries many frames, and no copy comes back to the sending node);
// - mailbox frames on the identity's channel, unless every connection of it is on this node (a sender's
//   node knows nothing of where the recipient is connected); a PUBLISH that reaches no node means offline.
// While Redis is unreachable a node still serves its own members; ioredis reconnects and resubscribes, and
// the node announces itself again on every channel.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DATA, DATA_HEADER, ROOM_ID_MAX, ROOM_ID_MIN } from '../lib/protocol/relay';
import { LocalBroker, type Broker, type Member } from './broker';
import { log } from './log';

const ROOM = 'c2c:room:'; // + the room id in hex (channel names travel as UTF-8; room ids are bytes)
const IDENTITY = 'c2c:id:';
const NODE = 'c2c:node:'; // + the node's id in hex
/** Evictions (key changes): every node closes the identity's connections. */
const CONTROL = 'c2c:control';
const CHANNEL = /^c2c:(?:room:(?:[0-9a-f]{2}){16,32}|id:[A-Za-z0-9_-]{43})$/;
/** Every message starts with MAGIC and the sending node's id. */
const MAGIC = 0xc2;
const NODE_ID = 8;
const PREFIX = 1 + NODE_ID;
/** On a room or identity channel, after the prefix: one byte alone is presence, anything longer a frame. */
const HERE = 0x01;
const BYE = 0x02;
/** On a node's channel, records of op (1 byte), length (4 bytes) and body. */
const FRAME = 0x10; // body: a room frame as members get it
const PRESENT = 0x11; // body: a channel the sender has members on (answering HERE)
const ABSENT = 0x12; // body: a channel the sender no longer has members on (answering a frame for it)
const RECORD = 5;
/** Room frames waiting for another node are published at once beyond this size. */
const BATCH_BYTES = 64 * 1024;
/** How long a join waits for the other nodes in a room to answer its HERE. */
const PRESENCE_WAIT_MS = 1000;
/** Other nodes kept track of: far more than a cluster has, so made-up ones cannot grow memory without end. */
const NODES_MAX = 256;
/** How often the other nodes known are checked for a listener on their channel (a stopped node says no BYE). */
const NODES_CHECK_MS = 60_000;

export interface RedisBrokerOptions {
  /** Largest frame a node forwards; longer messages on a channel are dropped. */
  maxFrame: number;
  /** Milliseconds between checks that the other nodes known still listen (default NODES_CHECK_MS). */
  nodesCheckMs?: number;
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
    // No auto-pipelining: the broker gathers room frames itself, and a pipeline would copy each batch once
    // more (large short-lived buffers cost the sending node more in garbage collection than writes save).
    enableAutoPipelining: false,
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
  await sub.subscribe(CONTROL, broker.ownChannel);
  return broker;
}

/** Frames for one node, published together at the end of this turn of the event loop. */
interface Batch {
  records: { op: number; body: Uint8Array }[];
  size: number;
  /** Resolves with the PUBLISH reply: 1 if the node got them, 0 if it is gone. */
  sent: Promise<number>;
  resolve(n: number): void;
}

export class RedisBroker<M extends Member> implements Broker<M> {
  private readonly local = new LocalBroker<M>();
  private readonly id = randomBytes(NODE_ID);
  readonly ownChannel = NODE + this.id.toString('hex');
  /** Channels this node has members on (subscribing or subscribed), and those Redis confirmed. */
  private readonly wanted = new Set<string>();
  /** The channel of each room with members here (its name costs a hex conversion per frame otherwise). */
  private readonly roomChannels = new Map<string, string>();
  private readonly subscribed = new Set<string>();
  /** The other nodes (ids in hex) with members on each wanted channel, and the reverse. */
  private readonly others = new Map<string, Set<string>>();
  private readonly channelsOf = new Map<string, Set<string>>();
  /** Joins waiting to hear from the other nodes on a channel: each is told every node that answers. */
  private readonly waiting = new Map<string, ((node: string) => void)[]>();
  /** Room channels being joined: later joins there answer once the first one knows the other nodes. */
  private readonly joining = new Map<string, Promise<unknown>>();
  private batches = new Map<string, Batch>();
  private flushing: NodeJS.Immediate | null = null;
  private readonly nodesCheck: NodeJS.Timeout;
  /** Nodes heard from while a check is under way: its answer may be older than what they said. */
  private readonly heardDuringCheck = new Set<string>();
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
    // Every reconnection (sub was ready when the broker was made): presence said during it may be lost.
    sub.on('ready', () => this.announceAll());
    this.nodesCheck = setInterval(() => this.checkNodes(), options.nodesCheckMs ?? NODES_CHECK_MS).unref();
  }

  /**
   * Forgets the other nodes nobody listens for any more. A node stopped or killed says no BYE; on a room its
   * first frame finds that out, but on an identity's channel no frame ever goes to a node, so it would stay.
   */
  private checkNodes(): void {
    const nodes = [...this.channelsOf.keys()];
    if (nodes.length === 0 || this.pub.status !== 'ready') return;
    this.heardDuringCheck.clear();
    this.pub.pubsub('NUMSUB', ...nodes.map((node) => NODE + node)).then(
      (reply) => {
        const counts = reply as (string | number)[];
        nodes.forEach((node, i) => Number(counts[2 * i + 1]) === 0 && !this.heardDuringCheck.has(node) && this.forgetNode(node));
      },
      () => undefined,
    );
  }

  private header(): Buffer {
    const h = Buffer.allocUnsafe(PREFIX);
    h[0] = MAGIC;
    this.id.copy(h, 1);
    return h;
  }

  private publishRaw(channel: string, message: Buffer): Promise<number> {
    return this.pub.publish(channel, message).catch(() => 0);
  }

  /** Queues a record for `node`'s channel; resolves with 1 once published to it, 0 if it is gone. */
  private toNode(node: string, op: number, body: Uint8Array): Promise<number> {
    let batch = this.batches.get(node);
    if (!batch) {
      let resolve!: (n: number) => void;
      const sent = new Promise<number>((r) => (resolve = r));
      this.batches.set(node, (batch = { records: [], size: PREFIX, sent, resolve }));
      this.flushing ??= setImmediate(() => this.flush());
    }
    batch.records.push({ op, body });
    batch.size += RECORD + body.length;
    const sent = batch.sent;
    if (batch.size >= BATCH_BYTES) this.flush();
    return sent;
  }

  private flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    const batches = this.batches;
    this.batches = new Map();
    for (const [node, batch] of batches) {
      const message = Buffer.allocUnsafe(batch.size);
      message[0] = MAGIC;
      this.id.copy(message, 1);
      let at = PREFIX;
      for (const { op, body } of batch.records) {
        message[at] = op;
        message.writeUInt32BE(body.length, at + 1);
        message.set(body, at + RECORD);
        at += RECORD + body.length;
      }
      this.pub.publish(NODE + node, message).then(
        (n) => {
          // Nobody listens on its channel: the node is gone (killed); it announces itself again if it returns.
          if (n === 0) this.forgetNode(node);
          batch.resolve(n);
        },
        // Not published (our connection to Redis is away): that says nothing of the node, which stays known.
        () => batch.resolve(0),
      );
    }
  }

  /**
   * Notes that `node` has members on `channel`, unless the channel is not ours (any more) or too many nodes
   * are known (counted). It is told PRESENT in return when it said HERE, and when it was not known before:
   * if nobody listens on its channel (an id another writer made up), that PUBLISH forgets it at once.
   */
  private addOther(channel: string, node: string, saidHere: boolean): void {
    if (!this.wanted.has(channel)) return;
    let channels = this.channelsOf.get(node);
    const known = channels !== undefined;
    if (!channels) {
      if (this.channelsOf.size >= NODES_MAX) return void this.dropped++;
      this.channelsOf.set(node, (channels = new Set()));
    }
    if (saidHere || !known) void this.toNode(node, PRESENT, Buffer.from(channel, 'latin1'));
    channels.add(channel);
    this.heardDuringCheck.add(node);
    let nodes = this.others.get(channel);
    if (!nodes) this.others.set(channel, (nodes = new Set()));
    nodes.add(node);
    this.answered(channel, node);
  }

  private answered(channel: string, node: string): void {
    for (const wake of [...(this.waiting.get(channel) ?? [])]) wake(node); // a wake may end its wait
  }

  private removeOther(channel: string, node: string): void {
    this.others.get(channel)?.delete(node);
    if (this.others.get(channel)?.size === 0) this.others.delete(channel);
    this.channelsOf.get(node)?.delete(channel);
    if (this.channelsOf.get(node)?.size === 0) this.channelsOf.delete(node);
  }

  private forgetNode(node: string): void {
    for (const channel of [...(this.channelsOf.get(node) ?? [])]) this.removeOther(channel, node);
  }

  /** Says HERE on `channel`; resolves with how many other nodes were subscribed to it then. */
  private async announce(channel: string): Promise<number> {
    const n = await this.publishRaw(channel, Buffer.concat([this.header(), Buffer.from([HERE])]));
    return Math.max(0, n - 1);
  }

  /** After a Redis outage: subscribe again (ioredis does too; twice is harmless) and announce everywhere. */
  private announceAll(): void {
    const channels = [...this.wanted];
    this.sub.subscribe(CONTROL, this.ownChannel, ...channels).then(
      () => channels.forEach((channel) => this.wanted.has(channel) && void this.announce(channel)),
      () => undefined,
    );
  }

  /** Subscribes and announces; resolves with how many other nodes were there. */
  private async subscribe(channel: string): Promise<number> {
    this.wanted.add(channel);
    try {
      await this.sub.subscribe(channel);
    } catch (e) {
      log('error', 'error', { where: 'redis-subscribe', message: describe(e) });
      return 0;
    }
    if (!this.wanted.has(channel)) return 0;
    this.subscribed.add(channel);
    return this.announce(channel);
  }

  private unsubscribe(channel: string): void {
    if (!this.wanted.delete(channel)) return;
    this.subscribed.delete(channel);
    for (const node of [...(this.others.get(channel) ?? [])]) this.removeOther(channel, node);
    this.sub.unsubscribe(channel).catch(() => undefined);
    void this.publishRaw(channel, Buffer.concat([this.header(), Buffer.from([BYE])]));
  }

  /** Resolves once `expected` other nodes on `channel` are known or have answered, or after PRESENCE_WAIT_MS. */
  private heardFrom(channel: string, expected: number): Promise<void> {
    const heard = new Set(this.others.get(channel));
    if (heard.size >= expected) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiting.get(channel) ?? [];
      this.waiting.set(channel, list);
      const done = () => {
        clearTimeout(timer);
        list.splice(list.indexOf(wake), 1);
        if (list.length === 0 && this.waiting.get(channel) === list) this.waiting.delete(channel);
        resolve();
      };
      const wake = (node: string) => heard.add(node).size >= expected && done();
      const timer = setTimeout(done, PRESENCE_WAIT_MS);
      list.push(wake);
    });
  }

  /** A data frame of `type` as members get it, within the size limit. */
  private validFrame(body: Uint8Array, type: number): boolean {
    if (body.length < DATA_HEADER || body.length > this.options.maxFrame + 64 || body[0] !== type) return false;
    const len = body[1]!;
    if (type === DATA.fromRoom && (len < ROOM_ID_MIN || len > ROOM_ID_MAX)) return false;
    return body.length >= DATA_HEADER + len;
  }

  private received(channel: string, message: Buffer): void {
    if (message.length < PREFIX || message[0] !== MAGIC) return void this.dropped++;
    const from = message.subarray(1, PREFIX);
    if (this.id.equals(from)) return; // our own
    const node = from.toString('hex');
    const body = message.subarray(PREFIX);
    if (channel === this.ownChannel) return this.fromNode(node, body);
    if (channel === CONTROL) {
      const identity = body.toString('latin1');
      if (!/^[A-Za-z0-9_-]{43}$/.test(identity)) return void this.dropped++;
      for (const m of this.local.localMembers(identity)) m.evict('identity key replaced');
      return;
    }
    if (body.length === 1 && body[0] === HERE) {
      // Our members there may just have left (BYE on its way): say so, or the newcomer waits for an answer.
      if (this.wanted.has(channel)) this.addOther(channel, node, true);
      else void this.toNode(node, ABSENT, Buffer.from(channel, 'latin1'));
    } else if (body.length === 1 && body[0] === BYE) {
      this.removeOther(channel, node);
    } else if (channel.startsWith(IDENTITY) && this.validFrame(body, DATA.fromHandle)) {
      this.local.sendToIdentity(channel.slice(IDENTITY.length), body);
    } else {
      this.dropped++;
    }
  }

  /** Records on this node's channel: all checked before any is used, or the message is dropped. */
  private fromNode(node: string, body: Buffer): void {
    const records: { op: number; part: Buffer }[] = [];
    for (let at = 0; at < body.length; ) {
      if (body.length - at < RECORD) return void this.dropped++;
      const op = body[at]!;
      const len = body.readUInt32BE(at + 1);
      at += RECORD;
      if (len > body.length - at) return void this.dropped++;
      const part = body.subarray(at, at + len);
      at += len;
      const ok = op === FRAME ? this.validFrame(part, DATA.fromRoom) : (op === PRESENT || op === ABSENT) && CHANNEL.test(part.toString('latin1'));
      if (!ok) return void this.dropped++;
      records.push({ op, part });
    }
    if (records.length === 0) return void this.dropped++;
    for (const { op, part } of records) {
      if (op === PRESENT) this.addOther(part.toString('latin1'), node, false);
      else if (op === ABSENT) {
        this.removeOther(part.toString('latin1'), node);
        this.answered(part.toString('latin1'), node);
      }
      else {
        const room = part.toString('latin1', DATA_HEADER, DATA_HEADER + part[1]!);
        if (this.local.roomSize(room) > 0) this.local.publish(room, part, null);
        else void this.toNode(node, ABSENT, Buffer.from(roomChannel(room), 'latin1'));
      }
    }
  }

  join(room: string, m: M): Promise<number> | number {
    const here = this.local.join(room, m);
    let channel = this.roomChannels.get(room);
    if (!channel) this.roomChannels.set(room, (channel = roomChannel(room)));
    const count = () => here + (this.others.get(channel)?.size ?? 0);
    if (this.subscribed.has(channel)) return count();
    // While Redis is away the subscription waits for it; the join answers now, with this node's count.
    if (this.sub.status !== 'ready') {
      if (!this.wanted.has(channel)) void this.subscribe(channel);
      return here;
    }
    const pending = this.joining.get(channel);
    if (pending) return pending.then(count);
    const joining = channel;
    const joined = this.subscribe(channel).then((expected) => this.heardFrom(channel, expected));
    this.joining.set(channel, joined);
    void joined.then(() => this.joining.delete(joining));
    return joined.then(count);
  }

  leave(room: string, m: M): void {
    this.local.leave(room, m);
    if (this.local.roomSize(room) > 0) return;
    this.unsubscribe(this.roomChannels.get(room) ?? roomChannel(room));
    this.roomChannels.delete(room);
  }

  publish(room: string, frame: Uint8Array, from: M): Promise<number> | number {
    const here = this.local.publish(room, frame, from);
    const channel = this.roomChannels.get(room);
    const nodes = channel === undefined ? undefined : this.others.get(channel);
    if (!nodes) return here;
    const sent: Promise<number>[] = [];
    for (const node of nodes) sent.push(this.toNode(node, FRAME, frame));
    // Delivered here already: the count needs no answer from Redis (and costs no promise per frame).
    if (here > 0) return here + nodes.size;
    if (sent.length === 1) return sent[0]!;
    return Promise.all(sent).then((ns) => ns.reduce((x, y) => x + y, 0));
  }

  attach(identity: string, m: M): void {
    this.local.attach(identity, m);
    const channel = IDENTITY + identity;
    if (!this.wanted.has(channel)) void this.subscribe(channel);
  }

  detach(identity: string, m: M): void {
    this.local.detach(identity, m);
    if ([...this.local.localMembers(identity)].length === 0) this.unsubscribe(IDENTITY + identity);
  }

  sendToIdentity(identity: string, frame: Uint8Array): void {
    this.local.sendToIdentity(identity, frame);
    const channel = IDENTITY + identity;
    if (this.subscribed.has(channel) && !this.others.has(channel)) return; // every connection of it is here
    void this.publishRaw(channel, Buffer.concat([this.header(), frame]));
  }

  localMembers(identity: string): Iterable<M> {
    return this.local.localMembers(identity);
  }

  evict(identity: string, reason: string): void {
    this.local.evict(identity, reason);
    void this.publishRaw(CONTROL, Buffer.concat([this.header(), Buffer.from(identity, 'latin1')]));
  }

  close(): void {
    if (this.flushing) clearImmediate(this.flushing);
    clearInterval(this.nodesCheck);
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
