// Peer-to-peer chat tokens (docs/FORMATS.md, "Peer-to-peer tokens"): the invitation (carrying the WebRTC
// offer) and the answer travel through the host chat as armor, sealed to the peer (plus the sender's own
// copy) in the v2 message layout under their own format ids, so neither can be shown as a text message.
// Inside, a minimal connection description (p2p-sdp.ts) whose DTLS fingerprint is signed by the sender's
// identity key for this one recipient. Accepted only from a pinned contact, within a time window, once.
import { concat, equalBytes, fromUtf8, randomBytes, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { FORMAT_ID } from '../crypto/format-ids';
import { ED25519_SIGNATURE_LENGTH, type IdentityKeyPair, SIGNATURE_CONTEXT, signWithContext, verifyWithContext } from '../crypto/identity';
import { openMessageV2, sealMessageV2, type OpeningKeys } from '../crypto/message-v2';
import type { PublicBundle } from '../crypto/public-bundle';
import type { ReplayCache } from '../crypto/replay-cache';
import {
  checkDescription, decodeCandidates, DTLS_FINGERPRINT_LENGTH, encodeCandidates, SETUP_BYTE, setupOf, type P2PDescription,
} from './p2p-sdp';

export const P2P_TOKEN_VERSION = 0x01;
export const P2P_ID_LENGTH = 8;
/**
 * A token older (or dated further ahead) than this is refused: the host chat is read by people, so an
 * invitation may wait minutes; the inviter's side gives up on an answer after the same time.
 */
export const P2P_WINDOW_MS = 10 * 60 * 1000;
/** Replay-cache context of peer-to-peer tokens. */
export const P2P_REPLAY_CONTEXT = 'p2p';

export type P2PKind = 'offer' | 'answer';
const FORMAT: Record<P2PKind, typeof FORMAT_ID.p2pOfferV1 | typeof FORMAT_ID.p2pAnswerV1> = {
  offer: FORMAT_ID.p2pOfferV1,
  answer: FORMAT_ID.p2pAnswerV1,
};

/** The kind of token a (dearmored) payload is, or undefined. */
export function p2pKindOf(payload: Uint8Array): P2PKind | undefined {
  return payload[0] === FORMAT_ID.p2pOfferV1 ? 'offer' : payload[0] === FORMAT_ID.p2pAnswerV1 ? 'answer' : undefined;
}

export interface P2PToken {
  kind: P2PKind;
  /** Names the chat on both sides: the answer repeats the offer's. */
  id: Uint8Array;
  description: P2PDescription;
}

export interface OpenedP2PToken extends P2PToken {
  senderIdentityKey: Uint8Array;
  timestamp: number;
}

export const newP2PId = (): Uint8Array => randomBytes(P2P_ID_LENGTH);

function shortText(s: string): Uint8Array {
  const bytes = utf8(s);
  return concat(Uint8Array.of(bytes.length), bytes);
}

/** version ‖ id ‖ mid ‖ ufrag ‖ pwd (each u8 length ‖ ASCII) ‖ setup ‖ fingerprint ‖ candidates. */
function encodeBody(token: P2PToken): Uint8Array {
  const d = token.description;
  if (token.id.length !== P2P_ID_LENGTH) throw new C2CError('malformed', 'a peer-to-peer chat id is 8 bytes');
  if (d.fingerprint.length !== DTLS_FINGERPRINT_LENGTH) throw new C2CError('malformed', 'a DTLS fingerprint is 32 bytes');
  return concat(
    Uint8Array.of(P2P_TOKEN_VERSION),
    token.id,
    shortText(d.mid),
    shortText(d.iceUfrag),
    shortText(d.icePwd),
    Uint8Array.of(SETUP_BYTE[d.setup]),
    d.fingerprint,
    encodeCandidates(d.candidates),
  );
}

function decodeBody(kind: P2PKind, body: Uint8Array): P2PToken {
  if (body[0] !== P2P_TOKEN_VERSION) throw new C2CError('unknown-version', 'This peer-to-peer token has a version this app does not know.');
  let at = 1;
  const take = (n: number) => {
    if (at + n > body.length) throw new C2CError('malformed', 'This peer-to-peer token ends early.');
    const part = body.subarray(at, at + n);
    at += n;
    return part;
  };
  const id = take(P2P_ID_LENGTH).slice();
  const text = () => {
    try {
      return fromUtf8(take(take(1)[0]!));
    } catch (e) {
      if (e instanceof C2CError) throw e;
      throw new C2CError('malformed', 'This peer-to-peer token has a text field that is not UTF-8.');
    }
  };
  const mid = text();
  const iceUfrag = text();
  const icePwd = text();
  const setup = setupOf(take(1)[0]);
  const fingerprint = take(DTLS_FINGERPRINT_LENGTH).slice();
  const { candidates, end } = decodeCandidates(body, at);
  if (end !== body.length) throw new C2CError('malformed', 'This peer-to-peer token has bytes after its end.');
  const description = { mid, iceUfrag, icePwd, setup, fingerprint, candidates };
  // Here, not only where an SDP is rebuilt: a token that opens is one a chat can use (else a waiting chat
  // would take an answer it cannot hand to its page).
  checkDescription(description);
  return { kind, id, description };
}

/** What the sender signs: the format, the one recipient it is for, and the whole description. */
function signedBytes(kind: P2PKind, recipientIdentityKey: Uint8Array, body: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(FORMAT[kind]), recipientIdentityKey, body);
}

/** The sealed token (to armor) for `recipient`; the sender's own copy is readable by the sender. */
export async function sealP2PToken(args: { identity: IdentityKeyPair; recipient: PublicBundle; token: P2PToken; timestamp?: number }): Promise<Uint8Array> {
  const body = encodeBody(args.token);
  // Checked before sealing: a description we could not read back is never sent.
  decodeBody(args.token.kind, body);
  const signature = await signWithContext(args.identity.privateKey, SIGNATURE_CONTEXT.p2pDtls, signedBytes(args.token.kind, args.recipient.identityKey, body));
  return sealMessageV2({
    identity: args.identity,
    recipients: [args.recipient],
    plaintext: concat(body, signature),
    format: FORMAT[args.token.kind],
    ...(args.timestamp !== undefined ? { timestamp: args.timestamp } : {}),
  });
}

export interface OpenP2POptions {
  /** The identity key for a sender key id: pinned contacts whose key did not change, and no one else. */
  resolveSender: (keyId: Uint8Array) => Promise<Uint8Array | undefined>;
  /** Given when the token is used (joining, accepting an answer): a second use is 'replayed'. */
  replayCache?: ReplayCache;
  now?: number;
}

/** The sender's own copy: nothing to verify or use, only what to show. */
export interface OwnP2PToken {
  kind: P2PKind;
  id: Uint8Array;
  timestamp: number;
  ownCopy: true;
}

/**
 * Opens a token of either kind addressed to me. Throws C2CError: `unknown-version` (not a peer-to-peer token),
 * `key-mismatch` (not sealed by a pinned contact), `bad-signature` (the message is not signed by the key it
 * names), `foreign-fingerprint` (the description is not signed by the sender for me), `expired` (outside
 * the window), `replayed` (used before), `malformed`, and openMessageV2's codes.
 */
export async function openP2PToken(bytes: Uint8Array, me: OpeningKeys, opts: OpenP2POptions): Promise<(OpenedP2PToken & { ownCopy: false }) | OwnP2PToken> {
  const kind = p2pKindOf(bytes);
  if (!kind) throw new C2CError('unknown-version', 'This is not a peer-to-peer chat token.');
  const now = opts.now ?? Date.now();
  const opened = await openMessageV2(bytes, me, {
    format: FORMAT[kind],
    resolveSender: opts.resolveSender,
    context: P2P_REPLAY_CONTEXT,
    now,
    ...(opts.replayCache ? { replayCache: opts.replayCache } : {}),
  });
  if (Math.abs(now - opened.timestamp) > P2P_WINDOW_MS) throw new C2CError('expired', 'This peer-to-peer chat token is too old (or dated in the future).');
  if (opened.replay === 'same') throw new C2CError('replayed', 'This peer-to-peer chat token was already used.');
  const plain = opened.plaintext;
  if (plain.length <= ED25519_SIGNATURE_LENGTH) throw new C2CError('malformed', 'This peer-to-peer token is too short.');
  const body = plain.subarray(0, plain.length - ED25519_SIGNATURE_LENGTH);
  const token = decodeBody(kind, body);
  if (opened.ownCopy) return { kind, id: token.id, timestamp: opened.timestamp, ownCopy: true };
  const sender = opened.sender.identityKey;
  if (!sender) throw new C2CError('key-mismatch', 'This peer-to-peer chat token is not from a pinned contact.');
  const signature = plain.subarray(body.length);
  if (!(await verifyWithContext(sender, SIGNATURE_CONTEXT.p2pDtls, signedBytes(kind, me.identity.publicKey, body), signature))) {
    throw new C2CError('foreign-fingerprint', 'The connection details in this token are not signed by its sender for you: its DTLS fingerprint is foreign.');
  }
  return { ...token, senderIdentityKey: sender, timestamp: opened.timestamp, ownCopy: false };
}

/**
 * The certificate the data channel actually uses (as a browser's statistics report it) must be the one the
 * contact signed; the browser already refuses another, this check makes a mismatch one clear error.
 */
export function assertPeerFingerprint(signed: Uint8Array, observed: Uint8Array): void {
  if (!equalBytes(signed, observed)) {
    throw new C2CError('foreign-fingerprint', 'The peer’s DTLS certificate is not the one your contact signed: nothing was connected.');
  }
}
