// Relay wire protocol v1 (docs/PROTOCOL.md): zod schemas for the JSON control frames and a hand-checked
// fixed header for binary data frames. Shared by the relay, the relay client, the CLI and benchmarks.
import { z } from 'zod';
import { concat, fromBase64Url, utf8 } from '../bytes';

export const PROTOCOL_VERSION = 1;
/** WebSocket subprotocol a client must offer; the relay refuses upgrades without it. */
export const RELAY_SUBPROTOCOL = 'c2c-relay.v1';

export const NONCE_LENGTH = 32;
export const ROOM_ID_MIN = 16;
export const ROOM_ID_MAX = 32;
export const HANDLE_MIN = 3;
export const HANDLE_MAX = 32;
/** Largest JSON control frame either side accepts (a bundle line is ~250 characters). */
export const MAX_CONTROL_BYTES = 4096;

/** Close codes the relay uses; each names one reason so clients can tell the user what happened. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001, // relay shutting down (SIGTERM)
  tooBig: 1009, // a frame over the size limit (sent by ws itself)
  malformed: 4400, // a frame that fails its schema or header check, or an unknown type
  authFailed: 4401, // bad, forged or replayed challenge signature
  revoked: 4403, // the identity is revoked (at auth, or while connected)
  unauthenticated: 4407, // no auth within the auth timeout, or more lookups than an unauthenticated connection may make
  idle: 4408, // no frame from the client within the idle timeout
  rateLimited: 4429, // token bucket exhausted (frames or bytes per second)
} as const;

export type RelayErrorCode =
  | 'bad-request' // well-formed JSON but an argument is invalid (e.g. a handle breaking the rules)
  | 'not-authenticated' // the request needs a successful auth first
  | 'already-authenticated'
  | 'not-registered' // the authenticated identity has no handle here (needed to send, join, rotate)
  | 'handle-taken' // registered to another identity key
  | 'identity-registered' // this identity key already owns another handle
  | 'invalid-bundle' // the bundle line does not decode or its prekey signature fails
  | 'bad-signature' // a registration or key-change signature fails
  | 'stale-prekey' // rotation with a prekey not newer than the stored one
  | 'not-found' // no such handle
  | 'revoked' // the handle's identity is revoked
  | 'too-many-rooms'
  | 'not-member' // leave or send to a room not joined
  | 'offline' // room frame: nobody else in the room right now
  | 'rate-limited' // registration or mailbox frame over its rate limit (the connection stays open)
  | 'internal';

// ---- helpers -------------------------------------------------------------------------------------

export const HANDLE_RE = /^[a-z0-9._-]{3,32}$/;

/** Lowercases and checks the handle rules (3–32 characters of a-z 0-9 . _ -). Returns null if invalid. */
export function normalizeHandle(handle: string): string | null {
  const h = handle.trim().toLowerCase();
  return HANDLE_RE.test(h) ? h : null;
}

function b64(minBytes: number, maxBytes = minBytes) {
  return z.string().max(Math.ceil((maxBytes * 4) / 3)).refine((s) => {
    try {
      const n = fromBase64Url(s).length;
      return n >= minBytes && n <= maxBytes;
    } catch {
      return false;
    }
  }, `expected ${minBytes === maxBytes ? minBytes : `${minBytes}-${maxBytes}`} bytes of base64url`);
}

const reqId = z.number().int().min(1).max(2 ** 31 - 1);
const treeSize = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const handleField = z.string().min(HANDLE_MIN).max(HANDLE_MAX).regex(HANDLE_RE, 'handle: 3-32 of a-z 0-9 . _ -');
const bundleLine = z.string().min(1).max(1024);

// ---- key log -------------------------------------------------------------------------------------

/** Longest key-log entry text (lib/keylog/entry.ts). */
export const LOG_ENTRY_MAX = 2048;
/** Most entries one `log-entries` page carries. */
export const LOG_PAGE_MAX = 256;
/** Most entries a lookup returns for one handle (a weekly prekey rotation for about 20 years). */
export const LOG_HANDLE_ENTRIES_MAX = 1024;
/** Longest signed checkpoint note the relay sends (one signature: far less). */
export const LOG_CHECKPOINT_MAX = 4096;
/** Hashes in one proof: base64url of 32-byte hashes back to back (more than a safe-integer tree needs). */
const proofHashes = z.string().max(Math.ceil((64 * 32 * 4) / 3)).refine((s) => {
  try {
    return fromBase64Url(s).length % 32 === 0;
  } catch {
    return false;
  }
}, 'expected base64url of 32-byte hashes');

export const LogAnswer = z.strictObject({
  /** The relay's signed checkpoint (C2SP signed note) for the tree every proof here refers to. */
  checkpoint: z.string().min(1).max(LOG_CHECKPOINT_MAX),
  /** The relay's log verifier key, sent when the client said it has no tree yet (size 0). */
  key: z.string().max(256).optional(),
  /** lookup: the handle's entries, oldest first, each with its inclusion proof. */
  entries: z
    .array(z.strictObject({ index: treeSize, entry: z.string().max(LOG_ENTRY_MAX), proof: proofHashes }))
    .max(LOG_HANDLE_ENTRIES_MAX)
    .optional(),
  /** Consistency proof from the client's tree size to this checkpoint's. */
  consistency: proofHashes.optional(),
  /** log-entries: entries start … start+count−1 of the tree of `size`. */
  page: z.array(z.string().max(LOG_ENTRY_MAX)).max(LOG_PAGE_MAX).optional(),
});
export type LogAnswer = z.infer<typeof LogAnswer>;

// ---- client → relay ------------------------------------------------------------------------------

export const ClientRequest = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('auth'), id: reqId, key: b64(32), sig: b64(64) }),
  z.strictObject({ t: z.literal('register'), id: reqId, handle: handleField, bundle: bundleLine, sig: b64(64) }),
  // `log`: the client's last tree size (0 for none); asks for the key-log proofs (docs/PROTOCOL.md "Key log").
  z.strictObject({ t: z.literal('lookup'), id: reqId, handle: handleField, log: treeSize.optional() }),
  z.strictObject({ t: z.literal('log-checkpoint'), id: reqId, since: treeSize.optional() }),
  z.strictObject({ t: z.literal('log-entries'), id: reqId, size: treeSize, start: treeSize, count: z.number().int().min(1).max(LOG_PAGE_MAX) }),
  z.strictObject({ t: z.literal('rotate'), id: reqId, bundle: bundleLine }),
  z.strictObject({ t: z.literal('key-change'), id: reqId, handle: handleField, bundle: bundleLine, statement: b64(64) }),
  z.strictObject({ t: z.literal('join'), id: reqId, room: b64(ROOM_ID_MIN, ROOM_ID_MAX) }),
  z.strictObject({ t: z.literal('leave'), id: reqId, room: b64(ROOM_ID_MIN, ROOM_ID_MAX) }),
  z.strictObject({ t: z.literal('ping'), id: reqId }),
]);
export type ClientRequest = z.infer<typeof ClientRequest>;

// ---- relay → client ------------------------------------------------------------------------------

const errorCode = z.enum([
  'bad-request', 'not-authenticated', 'already-authenticated', 'not-registered', 'handle-taken',
  'identity-registered', 'invalid-bundle', 'bad-signature', 'stale-prekey', 'not-found', 'revoked',
  'too-many-rooms', 'not-member', 'offline', 'rate-limited', 'internal',
]);

export const ServerFrame = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('challenge'), v: z.literal(PROTOCOL_VERSION), nonce: b64(NONCE_LENGTH) }),
  z.strictObject({
    t: z.literal('ok'),
    id: reqId,
    handle: handleField.nullable().optional(), // auth, register, lookup, rotate, key-change
    bundle: bundleLine.optional(), // lookup
    present: z.number().int().min(0).optional(), // join: other members connected now
    log: LogAnswer.optional(), // lookup with `log`, log-checkpoint, log-entries
  }),
  z.strictObject({ t: z.literal('error'), id: reqId.nullable(), code: errorCode, message: z.string().max(200) }),
  // Answer to a mailbox frame that carried a non-zero ref: taken for delivery. It says nothing about
  // whether, or on how many connections, the recipient is online.
  z.strictObject({ t: z.literal('accepted'), ref: z.number().int().min(1) }),
  z.strictObject({ t: z.literal('undelivered'), ref: z.number().int().min(1), code: errorCode, message: z.string().max(200) }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

// ---- signed statements ---------------------------------------------------------------------------

/**
 * Canonical relay origin that auth signatures bind to: lowercase scheme://host[:port], default port
 * dropped, no path. A signature made for one relay therefore cannot be replayed to another.
 */
export function relayOrigin(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error('relay URL must start with ws:// or wss://');
  return `${u.protocol}//${u.host}`; // URL already lowercases and drops default ports
}

/** Message signed with SIGNATURE_CONTEXT.relayAuth: nonce (32 bytes) ‖ UTF-8 relay origin. */
export function authMessage(nonce: Uint8Array, origin: string): Uint8Array {
  return concat(nonce, utf8(origin));
}

/** Message signed with SIGNATURE_CONTEXT.relayRegister: UTF-8 handle ‖ 0x00 ‖ UTF-8 bundle line. */
export function registerMessage(handle: string, bundle: string): Uint8Array {
  return concat(utf8(handle), new Uint8Array([0]), utf8(bundle));
}

/** Message the OLD identity key signs with SIGNATURE_CONTEXT.keyChange: handle ‖ 0x00 ‖ old key ‖ new key. */
export function keyChangeMessage(handle: string, oldKey: Uint8Array, newKey: Uint8Array): Uint8Array {
  return concat(utf8(handle), new Uint8Array([0]), oldKey, newKey);
}

// ---- binary data frames --------------------------------------------------------------------------
// Header: type (1) ‖ target length L (1) ‖ ref (u32 big-endian) ‖ target (L bytes) ‖ payload.

export const DATA = {
  toHandle: 0x01, // client → relay: target = recipient handle (ASCII)
  toRoom: 0x02, // client → relay: target = room id
  fromHandle: 0x81, // relay → client: target = sender's registered handle
  fromRoom: 0x82, // relay → client: target = room id
} as const;
export const DATA_HEADER = 6;

export interface DataFrame {
  type: number;
  ref: number;
  target: Uint8Array;
  payload: Uint8Array;
}

export function encodeDataFrame(type: number, ref: number, target: Uint8Array, payload: Uint8Array): Uint8Array {
  if (target.length > 255) throw new Error('data frame target too long');
  const out = new Uint8Array(DATA_HEADER + target.length + payload.length);
  out[0] = type;
  out[1] = target.length;
  new DataView(out.buffer).setUint32(2, ref >>> 0);
  out.set(target, DATA_HEADER);
  out.set(payload, DATA_HEADER + target.length);
  return out;
}

/** Checks the header against its type's rules; returns null for anything malformed. Views, no copies. */
export function decodeDataFrame(bytes: Uint8Array): DataFrame | null {
  if (bytes.length < DATA_HEADER) return null;
  const type = bytes[0]!;
  const len = bytes[1]!;
  if (bytes.length < DATA_HEADER + len) return null;
  if (type === DATA.toHandle || type === DATA.fromHandle) {
    if (len < HANDLE_MIN || len > HANDLE_MAX) return null;
  } else if (type === DATA.toRoom || type === DATA.fromRoom) {
    if (len < ROOM_ID_MIN || len > ROOM_ID_MAX) return null;
  } else return null;
  const ref = ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0;
  return {
    type,
    ref,
    target: bytes.subarray(DATA_HEADER, DATA_HEADER + len),
    payload: bytes.subarray(DATA_HEADER + len),
  };
}
