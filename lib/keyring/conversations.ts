// Which contacts a conversation on a host site goes to, so the compose box can preselect them.
import { C2CError } from '../errors';
import type { KeyringDB } from './db';
import { normalizeKeyringHandle } from './handle';

export const MAX_CONVERSATION_RECIPIENTS = 64;
const MAX_SITE_LENGTH = 512;
const MAX_CONVERSATION_ID_LENGTH = 1024;

function boundedText(value: unknown, max: number, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || /\p{Cc}/u.test(value)) {
    throw new C2CError('malformed', `${what} must be 1 to ${max} characters without control characters.`);
  }
  return value;
}

/** Binds the conversation to these contacts (replacing the previous binding); every handle must be a contact. */
export async function rememberRecipients(
  db: KeyringDB,
  site: string,
  conversationId: string,
  handles: string[],
  now = Date.now(),
): Promise<void> {
  const s = boundedText(site, MAX_SITE_LENGTH, 'The site');
  const id = boundedText(conversationId, MAX_CONVERSATION_ID_LENGTH, 'The conversation id');
  if (!Array.isArray(handles) || handles.length === 0 || handles.length > MAX_CONVERSATION_RECIPIENTS) {
    throw new C2CError('malformed', `A conversation has 1 to ${MAX_CONVERSATION_RECIPIENTS} recipients.`);
  }
  const unique = [...new Set(handles.map(normalizeKeyringHandle))];
  await db.transaction('rw', db.contacts, db.conversations, async () => {
    for (const h of unique) if (!(await db.contacts.get(h))) throw new C2CError('not-found', `${h} is not a contact.`);
    await db.conversations.put({ site: s, conversationId: id, handles: unique, updated: now });
  });
}

export async function recipientsFor(db: KeyringDB, site: string, conversationId: string): Promise<string[]> {
  const row = await db.conversations.get([
    boundedText(site, MAX_SITE_LENGTH, 'The site'),
    boundedText(conversationId, MAX_CONVERSATION_ID_LENGTH, 'The conversation id'),
  ]);
  return row?.handles ?? [];
}
