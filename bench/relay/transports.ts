// How the load generator talks to each server under test. All three carry the same opaque 1 KB frames
// between the two members of a 1:1 room; only the envelope and the connection setup differ.
import { WebSocket } from 'ws';
import { io, type Socket } from 'socket.io-client';

export interface BenchConn {
  /** Sends one opaque frame to the other member of the room. */
  send(frame: Uint8Array): void;
  /** Called with each frame forwarded from the other member. */
  onFrame(handler: (frame: Uint8Array) => void): void;
  /** Called if the connection ends without close() being called. */
  onLost(handler: () => void): void;
  close(): void;
}

export interface Transport {
  /** Opens both members of the room numbered `index`, each ready to send and receive. */
  pair(index: number): Promise<[BenchConn, BenchConn]>;
  /** Opens one connection (authenticated where the server has authentication) that then stays idle. */
  idle?(index: number): Promise<BenchConn>;
}

/**
 * Client options for the load generator: no compression, and an all-zero masking key, which `ws` then
 * skips applying — the servers still unmask as usual, but the one load process spends less CPU per
 * frame, so it stays ahead of the server it loads.
 */
export const LOAD_CLIENT_OPTIONS = {
  perMessageDeflate: false,
  generateMask: (mask: Buffer) => void mask.fill(0),
};

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, LOAD_CLIENT_OPTIONS);
    ws.once('open', () => resolve(ws));
    // An error is always followed by 'close' (reported through onLost); before 'open' it fails the open.
    ws.on('error', reject);
  });
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new Error('bench: unexpected frame type');
}

/** Baseline 1: bare ws forwarder, room chosen in the URL. */
export function bareWsTransport(baseUrl: string): Transport {
  async function member(room: string): Promise<BenchConn> {
    const ws = await openWs(`${baseUrl}/?room=${room}`);
    let closing = false;
    return {
      send: (frame) => ws.send(frame, { binary: true }),
      onFrame: (handler) => ws.on('message', (data) => handler(toBytes(data))),
      onLost: (handler) => ws.on('close', () => closing || handler()),
      close: () => {
        closing = true;
        ws.terminate();
      },
    };
  }
  return {
    pair: async (index) => Promise.all([member(`r${index}`), member(`r${index}`)]),
    idle: (index) => member(`idle${index}`),
  };
}

/**
 * Baseline 2: Socket.IO room forwarder, websocket transport only. Frames travel base64 in a string, as
 * CRYPT2CHAT's ciphertext did: one WebSocket message per event, where a Buffer would take two (a
 * placeholder packet plus a binary attachment), which measured slower here.
 */
export function socketIoTransport(baseUrl: string): Transport {
  async function member(room: string): Promise<BenchConn> {
    const socket: Socket = io(baseUrl, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    await socket.timeout(10_000).emitWithAck('join', room);
    return {
      send: (frame) => socket.emit('frame', Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64')),
      onFrame: (handler) => socket.on('frame', (data: unknown) => handler(typeof data === 'string' ? Buffer.from(data, 'base64') : new Uint8Array(0))),
      onLost: (handler) => socket.on('disconnect', (reason) => reason === 'io client disconnect' || handler()),
      close: () => socket.disconnect(),
    };
  }
  return {
    pair: async (index) => Promise.all([member(`r${index}`), member(`r${index}`)]),
    idle: (index) => member(`idle${index}`),
  };
}
