// The one message the extension sends the content script: open the compose overlay for the focused (or
// the only) compose box of the page. Sent by the background, for the `open-compose` keyboard command and
// the popup's `compose-here` button (entrypoints/background/open-compose.ts). Dependency-free: the content
// script, the background and the popup import it.

export const OPEN_COMPOSE = 'c2c-open-compose';

export interface OpenComposeRequest {
  type: typeof OPEN_COMPOSE;
}

/** `several`: more than one box, none focused. `not-enabled`: no content script in the tab to ask. */
export type OpenComposeOutcome = 'opened' | 'no-box' | 'several' | 'not-enabled';

/** Exactly `{type: OPEN_COMPOSE}`: nothing else is taken, whatever it holds. */
export function isOpenComposeRequest(value: unknown): value is OpenComposeRequest {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'type' && (value as { type: unknown }).type === OPEN_COMPOSE;
}

/** The content script's answer, as the background reads it (anything else counts as no box). */
export function isOpenComposeAnswer(value: unknown): value is { outcome: 'opened' | 'no-box' | 'several' } {
  if (typeof value !== 'object' || value === null) return false;
  const outcome = (value as { outcome?: unknown }).outcome;
  return outcome === 'opened' || outcome === 'no-box' || outcome === 'several';
}
