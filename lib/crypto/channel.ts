// Where a one-shot message was sent (message v2 extension 0x81, docs/FORMATS.md): a relay mailbox, or a
// site origin with an optional conversation. Only hashes travel, so the channel costs 10 or 18 bytes of
// value; the reader hashes where the message is shown and compares. A genuine message re-posted elsewhere
// (another site, conversation or someone's mailbox) is then `wrong-channel`, never shown as the message.
import { buf, concat, equalBytes, toHex, utf8 } from '../bytes';
import { C2CError } from '../errors';

/** Critical: a reader that ignored it would show a message out of the place it was sent for. */
export const CHANNEL_EXTENSION = 0x81;
const HASH_LENGTH = 8;
const KIND_BYTE = { mailbox: 0x01, site: 0x02 } as const;

export type Channel = { kind: 'mailbox'; mailbox: string } | { kind: 'site'; site: string; conversation?: string };

/** A channel as a sealed message carries it: hashes only. */
export interface SealedChannel {
  kind: Channel['kind'];
  target: Uint8Array;
  conversation?: Uint8Array;
}

/** Mailbox handles and site origins as the relay and the browser spell them (case-insensitive). */
function targetOf(channel: Channel): string {
  if (channel.kind === 'mailbox') return channel.mailbox.trim().toLowerCase();
  try {
    return new URL(channel.site).origin;
  } catch {
    return channel.site.trim().toLowerCase();
  }
}

async function hash(label: string, value: string): Promise<Uint8Array> {
  const digest = await crypto.subtle.digest('SHA-256', buf(utf8(`c2c/v2/channel/${label}\u0000${value}`)));
  return new Uint8Array(digest).slice(0, HASH_LENGTH);
}

export async function sealedChannel(channel: Channel): Promise<SealedChannel> {
  const target = await hash(channel.kind, targetOf(channel));
  if (channel.kind === 'site' && channel.conversation) return { kind: 'site', target, conversation: await hash('conversation', channel.conversation) };
  return { kind: channel.kind, target };
}

/** The extension value: kind (1) ‖ hash of mailbox or origin (8) ‖ hash of the conversation (8, sites only, optional). */
export async function encodeChannel(channel: Channel): Promise<Uint8Array> {
  const sealed = await sealedChannel(channel);
  return concat(new Uint8Array([KIND_BYTE[sealed.kind]]), sealed.target, sealed.conversation ?? new Uint8Array(0));
}

/** Any other shape is 'tampered': the value was signed by the sender, so only a broken writer makes one. */
export function decodeChannel(value: Uint8Array): SealedChannel {
  const kind = value[0] === KIND_BYTE.mailbox ? 'mailbox' : value[0] === KIND_BYTE.site ? 'site' : undefined;
  const withConversation = kind === 'site' && value.length === 1 + 2 * HASH_LENGTH;
  if (!kind || (value.length !== 1 + HASH_LENGTH && !withConversation)) throw new C2CError('tampered', 'the message names its channel in a form no writer makes');
  const target = value.slice(1, 1 + HASH_LENGTH);
  return withConversation ? { kind, target, conversation: value.slice(1 + HASH_LENGTH) } : { kind, target };
}

const WHAT = { mailbox: 'mailbox', site: 'site' } as const;

/**
 * Throws 'wrong-channel' unless the message may be shown here. Kind and mailbox or site must match; a
 * conversation must match only when both the message and the place it is shown name one (many sites give
 * our adapters no conversation id). A message sealed without a channel matches anywhere.
 */
export async function assertChannel(sealed: SealedChannel | undefined, shownIn: Channel): Promise<void> {
  if (!sealed) return;
  const here = await sealedChannel(shownIn);
  if (sealed.kind !== here.kind || !equalBytes(sealed.target, here.target)) {
    throw new C2CError('wrong-channel', `this message was sent for another ${WHAT[sealed.kind]}`);
  }
  if (sealed.conversation && here.conversation && !equalBytes(sealed.conversation, here.conversation)) {
    throw new C2CError('wrong-channel', 'this message was sent for another conversation');
  }
}

/** How the CLI and tests name a channel: `mailbox:HANDLE`, `site:ORIGIN` or `site:ORIGIN#CONVERSATION`. */
export function parseChannel(text: string): Channel {
  const [kind, ...rest] = text.split(':');
  const value = rest.join(':');
  if (kind === 'mailbox' && value !== '') return { kind: 'mailbox', mailbox: value };
  if (kind === 'site' && value !== '') {
    const at = value.indexOf('#');
    if (at < 0) return { kind: 'site', site: value };
    const conversation = value.slice(at + 1);
    return conversation === '' ? { kind: 'site', site: value.slice(0, at) } : { kind: 'site', site: value.slice(0, at), conversation };
  }
  throw new C2CError('malformed', 'a channel is mailbox:HANDLE, site:ORIGIN or site:ORIGIN#CONVERSATION');
}

/** A sealed channel in words, for `c2c decrypt`: the kind and its hashes (the names themselves are not sent). */
export function describeChannel(sealed: SealedChannel): string {
  return `${sealed.kind} ${toHex(sealed.target)}${sealed.conversation ? ` conversation ${toHex(sealed.conversation)}` : ''}`;
}
