// The only requests a content script may make: leave a compose ticket (lib/content/frames.ts), and report
// its document's tokens for the side panel (panel-service.ts). Neither unlocks anything by itself — they
// carry no plaintext and get no keys or data back (a report's answer is the site's mode) — and both are
// routed apart from router.ts, which keeps refusing content scripts for everything else.
import { COMPOSE_TICKET } from '@/lib/content/frames';
import { composeTicketSchema, describeValidationError } from '@/lib/protocol/background-api';
import { PANEL_TOKENS } from '@/lib/protocol/api/panel-messages';
import type { ComposeTickets } from './compose-tickets';
import type { PanelSender, PanelService } from './panel-service';
import type { WireResponse } from './router';
import type { MessageSenderLike } from './sender';

/** True for messages meant for this route (by type only: the shape is checked by the route). */
export function isContentScriptRequest(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === COMPOSE_TICKET;
}

/** True for a content script's token report (by type only: the route checks sender and shape). */
export function isPanelReport(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === PANEL_TOKENS;
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

export function routePanelReport(raw: unknown, sender: PanelSender, ownId: string, panel: PanelService): Promise<WireResponse> {
  if (!isOwnContentScript(sender, ownId)) return Promise.resolve({ ok: false, error: { code: 'forbidden', message: 'Only the extension’s content script may report tokens.' } });
  return panel.report(raw, sender);
}
