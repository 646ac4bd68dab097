// Fan-out seam: rooms and identity mailboxes. `LocalBroker` delivers within this process; `RedisBroker`
// (relay/redis-broker.ts) across relay nodes, so its room counts come later, from PUBLISH replies.

/** A connected client as the broker sees it: something frames can be delivered to. */
export interface Member {
  deliver(frame: Uint8Array): void;
  /** Closes the connection: its identity may no longer speak here. */
  evict(reason: string): void;
}

/** A count known now (this process) or once other nodes answered (cluster). */
export type Count = number | Promise<number>;

export interface Broker<M extends Member = Member> {
  /** Adds `m` to `room`; returns how many other members are connected now. */
  join(room: string, m: M): Count;
  leave(room: string, m: M): void;
  /** Delivers to every member of `room` except `from`; returns how many received it. */
  publish(room: string, frame: Uint8Array, from: M): Count;
  attach(identity: string, m: M): void;
  detach(identity: string, m: M): void;
  /** Delivers to every connection of `identity`, wherever they are (the sender is told nothing of them). */
  sendToIdentity(identity: string, frame: Uint8Array): void;
  /** This process's connections of `identity` (for closing them on revocation). */
  localMembers(identity: string): Iterable<M>;
  /** Closes `identity`'s connections in every process sharing this broker (key change). */
  evict(identity: string, reason: string): void;
  /** Messages from other processes dropped as malformed. */
  readonly dropped: number;
}

export class LocalBroker<M extends Member> implements Broker<M> {
  private readonly rooms = new Map<string, Set<M>>();
  private readonly identities = new Map<string, Set<M>>();
  readonly dropped = 0;

  join(room: string, m: M): number {
    let set = this.rooms.get(room);
    if (!set) this.rooms.set(room, (set = new Set()));
    set.add(m);
    return set.size - 1;
  }

  leave(room: string, m: M): void {
    remove(this.rooms, room, m);
  }

  roomSize(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }

  /** `from` null: a frame from another node, for every member here. */
  publish(room: string, frame: Uint8Array, from: M | null): number {
    const set = this.rooms.get(room);
    if (!set) return 0;
    let n = 0;
    for (const m of set) {
      if (m === from) continue;
      m.deliver(frame);
      n++;
    }
    return n;
  }

  attach(identity: string, m: M): void {
    let set = this.identities.get(identity);
    if (!set) this.identities.set(identity, (set = new Set()));
    set.add(m);
  }

  detach(identity: string, m: M): void {
    remove(this.identities, identity, m);
  }

  sendToIdentity(identity: string, frame: Uint8Array): void {
    for (const m of this.identities.get(identity) ?? []) m.deliver(frame);
  }

  localMembers(identity: string): Iterable<M> {
    return [...(this.identities.get(identity) ?? [])];
  }

  evict(identity: string, reason: string): void {
    for (const m of this.localMembers(identity)) m.evict(reason);
  }
}

// Rooms and mailboxes exist only while they have members: nothing lingers for absent clients.
function remove<M>(map: Map<string, Set<M>>, key: string, m: M): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(m);
  if (set.size === 0) map.delete(key);
}
