// Secure-chat invitations in the background: opening one from the mailbox (only from a pinned contact
// whose key did not change; anything else is dropped without a trace), sealing one to a contact, and the
// invitations waiting for the user (memory only, each for INVITE_TTL_MS after it was last received).
import { toBase64Url } from '@/lib/bytes';
import { openInvite, sealInvite, type Invite } from '@/lib/chat/invite';
import { FORMAT_ID } from '@/lib/crypto/format-ids';
import type { ReplayCache } from '@/lib/crypto/replay-cache';
import { findContactByIdentityKey } from '@/lib/keyring/contacts';
import type { Contact, KeyringDB } from '@/lib/keyring/db';
import { getOpeningKeys, getSenderKeys } from '@/lib/keyring/identity-store';

/** An invitation is shown this long after the last copy arrived (the inviter re-sends while it waits). */
export const INVITE_TTL_MS = 30_000;

/** Mailbox payloads that are chat invitations go to the chat service, never to the inbox. */
export function isChatInvite(payload: Uint8Array): boolean {
  return payload[0] === FORMAT_ID.chatInviteV1;
}

/** The invitation and its (pinned, unchanged) sender, or undefined for anything we do not accept. */
export async function acceptInvite(
  db: KeyringDB,
  payload: Uint8Array,
  replayCache: ReplayCache,
): Promise<{ contact: Contact & { bundle: NonNullable<Contact['bundle']> }; invite: Invite } | undefined> {
  try {
    const opened = await openInvite(payload, await getOpeningKeys(db), { replayCache });
    const contact = await findContactByIdentityKey(db, opened.senderIdentityKey);
    if (!contact?.bundle || contact.keyChanged) return undefined;
    return { contact: { ...contact, bundle: contact.bundle }, invite: { kind: opened.kind, roomId: opened.roomId } };
  } catch {
    // Forged, replayed, stale or not for us: an invitation is never shown unless it authenticates.
    return undefined;
  }
}

export async function sealInviteFor(db: KeyringDB, contact: Contact, invite: Invite): Promise<Uint8Array> {
  if (!contact.bundle) throw new Error('a chat invitation needs the contact’s modern key');
  return sealInvite({ sender: await getSenderKeys(db), recipient: contact.bundle, invite });
}

interface Pending {
  roomId: Uint8Array;
  timer: ReturnType<typeof setTimeout>;
}

/** Invitations waiting for the user, at most one per contact (the newest). */
export class PendingInvites {
  private readonly byHandle = new Map<string, Pending>();

  constructor(
    private readonly onChange: (count: number) => void,
    private readonly ttlMs = INVITE_TTL_MS,
  ) {}

  has(handle: string): boolean {
    return this.byHandle.has(handle);
  }

  /** Records (or refreshes) the contact's invitation to `roomId`. */
  put(handle: string, roomId: Uint8Array): void {
    const old = this.byHandle.get(handle);
    if (old) clearTimeout(old.timer);
    const timer = setTimeout(() => this.remove(handle), this.ttlMs);
    this.byHandle.set(handle, { roomId: roomId.slice(), timer });
    if (!old) this.onChange(this.byHandle.size);
  }

  /** Takes the contact's invitation (the user accepted it). */
  take(handle: string): Uint8Array | undefined {
    const pending = this.byHandle.get(handle);
    if (pending) this.remove(handle);
    return pending?.roomId;
  }

  /** Drops the contact's invitation, only if it is for `roomId` when given (a withdrawal names its room). */
  remove(handle: string, roomId?: Uint8Array): void {
    const pending = this.byHandle.get(handle);
    if (!pending || (roomId && toBase64Url(roomId) !== toBase64Url(pending.roomId))) return;
    clearTimeout(pending.timer);
    this.byHandle.delete(handle);
    this.onChange(this.byHandle.size);
  }
}
