// Opens the compose overlay in a tab without the lock button: the `open-compose` keyboard command, and the
// popup's `compose-here` button (which asks through this module's one request, from extension pages only).
// Both end in one message to the tab's content script (entrypoints/content/open-compose-message.ts), which
// opens the overlay for the focused (or the only) compose box and says what it did.
import { browser } from 'wxt/browser';
import { z } from 'zod';
import { isOpenComposeAnswer, OPEN_COMPOSE, type OpenComposeOutcome, type OpenComposeRequest } from '../content/open-compose-message';
import type { WireResponse } from './router';
import { viewOf, type MessageSenderLike } from './sender';
import { COMPOSE_HERE_VIEWS } from './view-access';

export const COMPOSE_COMMAND = 'open-compose';
/** The popup's request: open the overlay in this tab. */
export const COMPOSE_HERE = 'c2c-compose-here';

const composeHereSchema = z.object({ type: z.literal(COMPOSE_HERE), tabId: z.number().int().nonnegative() }).strict();

/** Asks the tab's content script (every frame of it) to open the overlay; the first frame that answers decides. */
export async function openComposeIn(tabId: number): Promise<OpenComposeOutcome> {
  const request: OpenComposeRequest = { type: OPEN_COMPOSE };
  try {
    const answer: unknown = await browser.tabs.sendMessage(tabId, request);
    // No frame answered: none has a box it could open.
    return isOpenComposeAnswer(answer) ? answer.outcome : 'no-box';
  } catch {
    // "Receiving end does not exist": the site is not enabled (or the page is not one we run in).
    return 'not-enabled';
  }
}

/** True for messages meant for this route (by type only: the route checks sender and shape). */
export function isComposeHereRequest(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === COMPOSE_HERE;
}

export async function routeComposeHere(raw: unknown, sender: MessageSenderLike, ownId: string, ownBaseUrl: string): Promise<WireResponse> {
  const view = viewOf(sender, ownId, ownBaseUrl);
  if (!view || !COMPOSE_HERE_VIEWS.has(view)) return { ok: false, error: { code: 'forbidden', message: 'Only the popup, the options page and the side panel may open the compose overlay in a tab.' } };
  const parsed = composeHereSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: { code: 'bad-request', message: 'Not a compose-here request.' } };
  return { ok: true, outcome: await openComposeIn(parsed.data.tabId) };
}

/** The keyboard command: the tab it was pressed in (Chrome and Firefox pass it), else the focused window's active tab. */
export function listenForComposeCommand(): void {
  browser.commands.onCommand.addListener((command, tab) => {
    if (command !== COMPOSE_COMMAND) return;
    void (async () => {
      const id = tab?.id ?? (await browser.tabs.query({ active: true, lastFocusedWindow: true }))[0]?.id;
      if (id !== undefined) await openComposeIn(id);
    })();
  });
}
