// Secure-chat invitations (docs/CHAT-PROTOCOL.md, "Rendezvous"): "join me in relay room R", sealed like a
// one-shot message (HPKE auth mode: only the contact can read it, and it proves who sent it) but under its
// own authenticated format id, so it can never be shown as a text message. Fresh only within a time window,
// and each one opens once (replay cache).
import { concat, equalBytes } from '../bytes';
import { C2CError } from '../errors';
import { FORMAT_ID } from '../crypto/format-ids';
import type { IdentityKeyPair } from '../crypto/identity';
import { openMessage, sealMessage } from '../crypto/message';
import type { PrekeyPair } from '../crypto/prekey';
import type { PublicBundle } from '../crypto/public-bundle';
import type { ReplayCache } from '../crypto/replay-cache';

export const INVITE_VERSION = 0x01;
export const INVITE_ROOM_LENGTH = 32;
/** An invitation older (or dated further ahead) than this is refused: invitations are re-sent while wanted. */
export const INVITE_WINDOW_MS = 2 * 60 * 1000;
/** Replay-cache context of invitations (their ids never collide with text messages' contexts). */
export const INVITE_REPLAY_CONTEXT = 'chat-invite';

/** `invite`: join room `roomId` for a chat with me. `withdraw`: I no longer wait in `roomId`. */
export type InviteKind = 'invite' | 'withdraw';
const KIND_BYTE: Record<InviteKind, number> = { invite: 0x01, withdraw: 0x02 };

export interface Invite {
  kind: InviteKind;
  roomId: Uint8Array;
}

export interface OpenedInvite extends Invite {
  senderIdentityKey: Uint8Array;
  timestamp: number;
}

/** version ‖ kind ‖ room id (32). */
export function encodeInvite(invite: Invite): Uint8Array {
  if (invite.roomId.length !== INVITE_ROOM_LENGTH) throw new C2CError('malformed', 'a chat room id is 32 bytes');
  return concat(new Uint8Array([INVITE_VERSION, KIND_BYTE[invite.kind]]), invite.roomId);
}

export function decodeInvite(bytes: Uint8Array): Invite {
  if (bytes[0] !== INVITE_VERSION) throw new C2CError('unknown-version', 'this chat invitation has an unknown version');
  if (bytes.length !== 2 + INVITE_ROOM_LENGTH) throw new C2CError('malformed', 'this chat invitation has the wrong length');
  const kind = bytes[1] === KIND_BYTE.invite ? 'invite' : bytes[1] === KIND_BYTE.withdraw ? 'withdraw' : undefined;
  if (!kind) throw new C2CError('malformed', 'this chat invitation has an unknown kind');
  return { kind, roomId: bytes.slice(2) };
}

export function sealInvite(args: {
  sender: { identity: IdentityKeyPair; prekey: PrekeyPair };
  recipient: PublicBundle;
  invite: Invite;
  timestamp?: number;
}): Promise<Uint8Array> {
  return sealMessage({
    sender: args.sender,
    recipients: [args.recipient],
    plaintext: encodeInvite(args.invite),
    format: FORMAT_ID.chatInviteV1,
    ...(args.timestamp !== undefined ? { timestamp: args.timestamp } : {}),
  });
}

/**
 * Opens an invitation addressed to me alone. Throws C2CError: `replayed` (seen before), `malformed`
 * (outside the time window, or not a one-to-one invitation), and openMessage's codes. Who the sender is
 * (a pinned contact whose key did not change) is the caller's decision.
 */
export async function openInvite(
  bytes: Uint8Array,
  me: { identityKey: Uint8Array; prekeys: PrekeyPair[] },
  opts: { replayCache: ReplayCache; now?: number },
): Promise<OpenedInvite> {
  const now = opts.now ?? Date.now();
  const opened = await openMessage(bytes, me, { format: FORMAT_ID.chatInviteV1, replayCache: opts.replayCache, context: INVITE_REPLAY_CONTEXT, now });
  if (opened.replay === 'same') throw new C2CError('replayed', 'this chat invitation was already received');
  if (Math.abs(now - opened.timestamp) > INVITE_WINDOW_MS) throw new C2CError('malformed', 'this chat invitation is too old or dated in the future');
  const sender = opened.sender.identityKey;
  // Sender's own copy plus me: anything else is not a one-to-one invitation.
  if (opened.recipients.length !== 2 || equalBytes(sender, me.identityKey)) throw new C2CError('malformed', 'this is not a chat invitation for you alone');
  return { ...decodeInvite(opened.plaintext), senderIdentityKey: sender, timestamp: opened.timestamp };
}
