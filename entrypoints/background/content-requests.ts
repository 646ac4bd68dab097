// The only request a content script may make: leave a compose ticket (lib/content/frames.ts). It unlocks
// nothing by itself — it carries no plaintext and gets no keys or data back — and it is routed apart from
// router.ts, which keeps refusing content scripts for everything else.
import { COMPOSE_TICKET } from '@/lib/content/frames';
import { composeTicketSchema, describeValidationError } from '@/lib/protocol/background-api';
import type { ComposeTickets } from './compose-tickets';
import type { WireResponse } from './router';
import type { MessageSenderLike } from './sender';

/** True for messages meant for this route (by type only: the shape is checked by the route). */
export function isContentScriptRequest(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === COMPOSE_TICKET;
}

/** A content script of this extension: our id, inside a tab. */
function isOwnContentScript(sender: MessageSenderLike & { tab?: unknown }, ownId: string): boolean {
  return sender.id === ownId && sender.tab !== undefined;
}

export function routeContentScriptMessage(raw: unknown, sender: MessageSenderLike & { tab?: unknown }, ownId: string, tickets: ComposeTickets): WireResponse {
  if (!isOwnContentScript(sender, ownId)) return { ok: false, error: { code: 'forbidden', message: 'Only the extension’s content script may leave a ticket.' } };
  const parsed = composeTicketSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: { code: 'bad-request', message: describeValidationError(parsed.error) } };
  tickets.offer(parsed.data);
  return { ok: true };
}
