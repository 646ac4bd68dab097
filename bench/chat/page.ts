// Browser side of the chat bench (bundled by bench/chat/page-server.ts, one copy per page: alice, bob).
// Each page has its own identity, relay connection and chat session, made with the same lib/ code the
// extension runs. bench/chat.ts drives both pages through `window.c2cBench`. Times are
// `performance.timeOrigin + performance.now()`: one clock for every page of the browser, so a send time
// in one page and an arrival time in the other can be subtracted. The pages pace each other over a
// BroadcastChannel (same origin): the bench's own signalling, never part of what is measured.
import { fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8, equalBytes } from '../../lib/bytes';
import { generateIdentity, type IdentityKeyPair } from '../../lib/crypto/identity';
import { generatePrekey } from '../../lib/crypto/prekey';
import { encodePublicBundle } from '../../lib/crypto/public-bundle';
import { CHAT_VERSION } from '../../lib/chat/frame';
import { minimizeSdp, rebuildSdp } from '../../lib/chat/p2p-sdp';
import { createChatSession, type ChatSession } from '../../lib/chat/session';
import { RelayClient, type WebSocketConstructor } from '../../lib/relay-client/client';

export type Kind = 'chat' | 'bare';

export interface Received {
  /** Arrival time of each message, in arrival order. */
  at: number[];
  texts: string[];
  /** Size of each room frame's payload that arrived since expect(): what the relay carried. */
  bytes: number[];
  /** Chat errors reported by the session (code: reason), which make the run invalid. */
  errors: string[];
}

export interface BenchPageApi {
  setup(relayUrl: string, handle: string): Promise<string>;
  join(room: string): Promise<void>;
  leave(room: string): Promise<void>;
  /**
   * A WebRTC data channel between the two pages (as the extension's chat pages make it: no STUN, negotiated
   * channel 0, the SDP cut to a peer-to-peer token's fields and rebuilt), signalled over the bench channel.
   */
  p2pConnect(role: 'offer' | 'answer', timeoutMs: number): Promise<void>;
  /** `classical`: the session speaks only protocol version 1 (no post-quantum KEM), on both sides. `p2p`: over the data channel. */
  openChat(room: string, peerKey: string, classical?: boolean, p2p?: boolean): Promise<number>;
  whenOpen(timeoutMs: number): Promise<number>;
  closeChat(): void;
  armTrips(room: string): void;
  startTrips(room: string): Promise<number>;
  whenTripsDone(timeoutMs: number): Promise<number>;
  expect(kind: Kind, room: string, ackEvery: number): void;
  received(): Received;
  sendPaced(kind: Kind, room: string, texts: string[], timeoutMs: number): Promise<number[]>;
  sendBurst(kind: Kind, room: string, texts: string[], timeoutMs: number): Promise<number>;
  clockProbe(count: number): Promise<{ offsetMs: number; rttMs: number }>;
  answerClockProbes(): void;
}

declare global {
  interface Window {
    c2cBench: BenchPageApi;
  }
}

const now = () => performance.timeOrigin + performance.now();
const channel = new BroadcastChannel('c2c-chat-bench');

let identity: IdentityKeyPair | null = null;
let relay: RelayClient | null = null;
let session: ChatSession | null = null;
/** Where room frames of the current room go; frames of any other room are dropped. */
let route: { room: Uint8Array; onFrame: (payload: Uint8Array) => void } | null = null;
let inbox: Received = { at: [], texts: [], bytes: [], errors: [] };
/** Set from expect() until the session closes: frame sizes are recorded. */
let counting = false;
/** The open session's frame handler, restored after a bare run in the same room. */
let chatFrames: ((payload: Uint8Array) => void) | null = null;
let openedAt: number | null = null;
let tripsDoneAt: number | null = null;

/** The data channel (p2pConnect); its frames go where the relay's room frames would. */
let dataChannel: RTCDataChannel | null = null;

function need<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`chat bench page: no ${what} yet`);
  return value;
}

function routeRoom(room: Uint8Array, onFrame: (payload: Uint8Array) => void): void {
  route = { room, onFrame };
}

/** Resolves with the value `take` returns for the first channel message it accepts (not undefined). */
function fromPeer<T>(take: (data: unknown) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.removeEventListener('message', onMessage);
      reject(new Error(`chat bench page: ${what} did not happen within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (ev: MessageEvent) => {
      const value = take(ev.data);
      if (value === undefined) return;
      clearTimeout(timer);
      channel.removeEventListener('message', onMessage);
      resolve(value);
    };
    channel.addEventListener('message', onMessage);
  });
}

/** Polls a local condition (set by relay or session callbacks) until it holds. */
function until<T>(get: () => T | null, timeoutMs: number, what: string): Promise<T> {
  const deadline = now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      const v = get();
      if (v !== null) return resolve(v);
      if (now() > deadline) return reject(new Error(`chat bench page: ${what} did not happen within ${timeoutMs} ms`));
      setTimeout(check, 1);
    };
    check();
  });
}

/** The receiver tells the sender after every `ackEvery`-th arrival (paced: each; burst: the last). */
let ackEvery = 1;

function record(text: string): void {
  inbox.at.push(now());
  inbox.texts.push(text);
  if (inbox.at.length % ackEvery === 0) channel.postMessage({ arrived: inbox.at.length });
}

/** Sends one message of `kind`; resolves once it is on the wire (chat: after encryption). */
async function sendOne(kind: Kind, room: Uint8Array, text: string): Promise<void> {
  if (kind === 'bare') need(relay, 'relay').sendToRoom(room, utf8(text));
  else await need(session, 'chat session').sendText(text);
}

const waitArrived = (count: number, timeoutMs: number) =>
  fromPeer((d) => ((d as { arrived?: number }).arrived === count ? true : undefined), timeoutMs, `arrival of message ${count}`);

window.c2cBench = {
  /** A fresh identity and prekey, registered under `handle` (only registered identities may join rooms). */
  async setup(relayUrl, handle) {
    identity = await generateIdentity();
    const prekey = await generatePrekey(identity);
    relay = new RelayClient({ url: relayUrl, identity, WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: false });
    await relay.connect();
    await relay.register(handle, encodePublicBundle({ identityKey: identity.publicKey, prekey, handle }));
    relay.onMessage((m) => {
      if (m.kind !== 'room' || !route || !equalBytes(m.room, route.room)) return;
      if (counting) inbox.bytes.push(m.payload.length);
      route.onFrame(m.payload);
    });
    return toBase64Url(identity.publicKey);
  },

  async p2pConnect(role, timeoutMs) {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const dc = pc.createDataChannel('c2c', { negotiated: true, id: 0, ordered: true });
    dc.binaryType = 'arraybuffer';
    dc.onmessage = (e: MessageEvent) => {
      const payload = new Uint8Array(e.data as ArrayBuffer);
      if (counting) inbox.bytes.push(payload.length);
      route?.onFrame(payload);
    };
    const opened = new Promise<void>((resolve) => (dc.onopen = () => resolve()));
    const gathered = async () => {
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
        setTimeout(resolve, 3000);
      });
      return rebuildSdp(minimizeSdp(pc.localDescription!.sdp));
    };
    if (role === 'offer') {
      await pc.setLocalDescription(await pc.createOffer());
      const sdp = await gathered();
      // Posted until answered: the other page may start listening a moment later.
      const answer = fromPeer((d) => (d as { p2pAnswer?: string }).p2pAnswer, timeoutMs, 'the p2p answer');
      const repeat = setInterval(() => channel.postMessage({ p2pOffer: sdp }), 100);
      channel.postMessage({ p2pOffer: sdp });
      await pc.setRemoteDescription({ type: 'answer', sdp: await answer.finally(() => clearInterval(repeat)) });
    } else {
      const offer = await fromPeer((d) => (d as { p2pOffer?: string }).p2pOffer, timeoutMs, 'the p2p offer');
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      await pc.setLocalDescription(await pc.createAnswer());
      channel.postMessage({ p2pAnswer: await gathered() });
    }
    await opened;
    dataChannel = dc;
  },

  async join(room) {
    await need(relay, 'relay').joinRoom(fromBase64Url(room));
  },

  async leave(room) {
    route = null;
    await need(relay, 'relay').leaveRoom(fromBase64Url(room));
  },

  /** Creates a session with the peer and starts it; returns the time just before start(). */
  async openChat(room, peerKey, classical = false, p2p = false) {
    const roomId = fromBase64Url(room);
    const r = need(relay, 'relay');
    const dc = p2p ? need(dataChannel, 'data channel') : null;
    const s = createChatSession({
      identity: need(identity, 'identity'),
      peerIdentityKey: fromBase64Url(peerKey),
      roomId,
      send: dc ? (frame) => dc.send(new Uint8Array(frame)) : (frame) => r.sendToRoom(roomId, frame),
      ...(classical ? { versions: [CHAT_VERSION.classical] } : {}),
    });
    session = s;
    openedAt = null;
    s.on('state', (state) => {
      if (state === 'open') openedAt = now();
    });
    s.on('message', (m) => {
      if (m.direction === 'in') record(m.text);
    });
    s.on('error', (e) => inbox.errors.push(`${e.code}: ${e.reason}`));
    chatFrames = (payload) => void s.receive(payload);
    routeRoom(roomId, chatFrames);
    const t0 = now();
    await s.start();
    return t0;
  },

  whenOpen: (timeoutMs) => until(() => openedAt, timeoutMs, 'the chat opening'),

  closeChat() {
    session?.destroy();
    session = null;
    chatFrames = null;
    route = null;
    counting = false;
  },

  /** The handshake's baseline, receiving side: answers the first bare frame, times the second. */
  armTrips(room) {
    const roomId = fromBase64Url(room);
    let seen = 0;
    tripsDoneAt = null;
    routeRoom(roomId, (payload) => {
      if (++seen === 1) need(relay, 'relay').sendToRoom(roomId, payload);
      else tripsDoneAt = now();
    });
  },

  /** The handshake's baseline, sending side: three bare frames one after the other, as Noise XX's three messages. */
  async startTrips(room) {
    const roomId = fromBase64Url(room);
    const r = need(relay, 'relay');
    const payload = randomBytes(96);
    routeRoom(roomId, (answer) => r.sendToRoom(roomId, answer));
    const t0 = now();
    r.sendToRoom(roomId, payload);
    return t0;
  },

  whenTripsDone: (timeoutMs) => until(() => tripsDoneAt, timeoutMs, 'the third bare frame'),

  /** Receiving side of a message run: records each message (bare: the UTF-8 payload) and tells the sender. */
  expect(kind, room, every) {
    inbox = { at: [], texts: [], bytes: [], errors: inbox.errors };
    ackEvery = every;
    counting = true;
    // chat: the session's message listener records.
    routeRoom(fromBase64Url(room), kind === 'bare' ? (payload) => record(fromUtf8(payload)) : need(chatFrames, 'chat session'));
  },

  received: () => inbox,

  /** One message at a time: each is sent once the previous one arrived. Returns the send times. */
  async sendPaced(kind, room, texts, timeoutMs) {
    const roomId = fromBase64Url(room);
    const sentAt: number[] = [];
    for (let i = 0; i < texts.length; i++) {
      const arrived = waitArrived(i + 1, timeoutMs);
      sentAt.push(now());
      await sendOne(kind, roomId, texts[i]!);
      await arrived;
    }
    return sentAt;
  },

  /** All messages as fast as the sender can; returns the time of the first send (ends when all arrived). */
  async sendBurst(kind, room, texts, timeoutMs) {
    const roomId = fromBase64Url(room);
    const arrived = waitArrived(texts.length, timeoutMs);
    const t0 = now();
    for (const text of texts) await sendOne(kind, roomId, text);
    await arrived;
    return t0;
  },

  /**
   * Checks the shared-clock assumption: ping-pong over the channel, keeping the fastest exchange;
   * offset = peer time − midpoint of ours (its error is at most half that round trip).
   */
  async clockProbe(count) {
    let best = { offsetMs: NaN, rttMs: Infinity };
    for (let i = 0; i < count; i++) {
      const probe = Math.random();
      const answer = fromPeer((d) => {
        const m = d as { probe?: number; peerAt?: number };
        return m.probe === probe ? m.peerAt : undefined;
      }, 2000, 'a clock probe answer');
      const t1 = now();
      channel.postMessage({ probe, ask: true });
      const peerAt = await answer;
      const t3 = now();
      if (t3 - t1 < best.rttMs) best = { offsetMs: peerAt - (t1 + t3) / 2, rttMs: t3 - t1 };
    }
    return best;
  },

  answerClockProbes() {
    channel.addEventListener('message', (ev: MessageEvent) => {
      const m = ev.data as { probe?: number; ask?: boolean };
      if (m.ask) channel.postMessage({ probe: m.probe, peerAt: now() });
    });
  },
};
