// The load generator's client for our relay, speaking the wire protocol (docs/PROTOCOL.md) directly on
// `ws` so the load generator spends as little CPU per frame as the baselines' clients do: challenge →
// signed auth → (register) → join → binary room frames.
import { WebSocket } from 'ws';
import { fromUtf8, randomBytes, toBase64Url, fromBase64Url } from '../../lib/bytes';
import { SIGNATURE_CONTEXT, signWithContext, type IdentityKeyPair } from '../../lib/crypto/identity';
import {
  authMessage, DATA, decodeDataFrame, encodeDataFrame, registerMessage, relayOrigin, RELAY_SUBPROTOCOL, ServerFrame,
} from '../../lib/protocol/relay';
import { LOAD_CLIENT_OPTIONS, type BenchConn, type Transport } from './transports';
import type { BenchIdentity } from './identities';

/** One authenticated connection with request/answer matching for control frames. */
class RelayConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (f: ServerFrame) => void; reject: (e: Error) => void }>();
  onData: (payload: Uint8Array) => void = () => undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      if (isBinary) {
        const f = decodeDataFrame(bytes);
        // Anything but a room delivery is passed on empty, so the load generator counts it as corrupt.
        this.onData(f?.type === DATA.fromRoom ? f.payload : new Uint8Array(0));
        return;
      }
      const frame = ServerFrame.parse(JSON.parse(fromUtf8(bytes)));
      if ((frame.t === 'ok' || frame.t === 'error') && frame.id !== null) {
        const waiter = this.pending.get(frame.id);
        this.pending.delete(frame.id);
        if (frame.t === 'ok') waiter?.resolve(frame);
        else waiter?.reject(new Error(`relay answered ${frame.code}: ${frame.message}`));
      }
    });
    ws.on('error', () => undefined); // always followed by 'close', which is where it is reported
    ws.on('close', (code) => {
      for (const w of this.pending.values()) w.reject(new Error(`relay closed the connection (${code})`));
      this.pending.clear();
    });
  }

  /** Connects and authenticates with the identity key (challenge signature bound to the relay origin). */
  static async open(url: string, identity: IdentityKeyPair): Promise<RelayConnection> {
    const ws = new WebSocket(url, RELAY_SUBPROTOCOL, LOAD_CLIENT_OPTIONS);
    const challenge = await new Promise<ServerFrame>((resolve, reject) => {
      ws.once('message', (data) => {
        try {
          resolve(ServerFrame.parse(JSON.parse(fromUtf8(data as Buffer))));
        } catch (e) {
          reject(e as Error);
        }
      });
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`relay closed the connection (${code})`)));
    });
    if (challenge.t !== 'challenge') throw new Error('bench: relay did not open with a challenge');
    const conn = new RelayConnection(ws);
    const sig = await signWithContext(
      identity.privateKey,
      SIGNATURE_CONTEXT.relayAuth,
      authMessage(fromBase64Url(challenge.nonce), relayOrigin(url)),
    );
    await conn.request({ t: 'auth', key: toBase64Url(identity.publicKey), sig: toBase64Url(sig) });
    return conn;
  }

  request(body: Record<string, unknown>): Promise<ServerFrame> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ ...body, id }));
    });
  }

  async register(identity: BenchIdentity): Promise<void> {
    const sig = await signWithContext(identity.privateKey, SIGNATURE_CONTEXT.relayRegister, registerMessage(identity.handle, identity.bundle));
    await this.request({ t: 'register', handle: identity.handle, bundle: identity.bundle, sig: toBase64Url(sig) });
  }
}

/** Registers each identity's handle and bundle (setup, not timed). */
export async function registerIdentity(url: string, identity: BenchIdentity): Promise<void> {
  const conn = await RelayConnection.open(url, identity);
  try {
    await conn.register(identity);
  } finally {
    conn.ws.close();
  }
}

/**
 * Pair i uses identities[2i] and [2i+1] (registered: only registered identities may join rooms);
 * idle connection i authenticates as idleKeys[i].
 */
export function relayTransport(url: string, identities: BenchIdentity[], idleKeys: IdentityKeyPair[]): Transport {
  function benchConn(conn: RelayConnection, room: Uint8Array): BenchConn {
    let closing = false;
    // The header is the same for every frame of this connection: encode it once, then only join it to
    // each payload (from Node's buffer pool; a fresh ArrayBuffer per frame cost the load generator ~9%).
    const header = encodeDataFrame(DATA.toRoom, 0, room, new Uint8Array(0));
    return {
      send: (payload) => conn.ws.send(Buffer.concat([header, payload]), { binary: true }),
      onFrame: (handler) => {
        conn.onData = handler;
      },
      // A relay close (e.g. 4429 rate limit) during a run is reported, not hidden.
      onLost: (handler) => conn.ws.on('close', () => closing || handler()),
      close: () => {
        closing = true;
        conn.ws.terminate();
      },
    };
  }
  async function member(identity: BenchIdentity, room: Uint8Array): Promise<BenchConn> {
    const conn = await RelayConnection.open(url, identity);
    await conn.request({ t: 'join', room: toBase64Url(room) });
    return benchConn(conn, room);
  }
  return {
    pair: async (index) => {
      const room = randomBytes(16);
      const a = identities[2 * index];
      const b = identities[2 * index + 1];
      if (!a || !b) throw new Error('bench: not enough identities for the pairs');
      return Promise.all([member(a, room), member(b, room)]);
    },
    idle: async (index) => {
      const identity = idleKeys[index];
      if (!identity) throw new Error('bench: not enough identities for the idle connections');
      return benchConn(await RelayConnection.open(url, identity), new Uint8Array(0));
    },
  };
}
