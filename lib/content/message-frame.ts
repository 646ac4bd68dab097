// What the content script and a message frame say to each other. Dependency-free: both import it.
//
// The content script opens `message-frame.html#<occurrence>:<armored text, URI-encoded>`; the frame takes
// the text from its own URL only. `occurrence` is 0 for the first copy of a token on the page and more for
// later ones: a later copy that opens is shown as replayed, without its text, while the same message
// re-rendered in place (its old copy gone) is not. Copies on other sites are the replay cache's job.
//
// Back, the frame says only which of a few fixed heights its content needs; the content script accepts
// that step number from that frame alone and sets the height itself. Steps, not pixels: the page sees
// the frame's size anyway, so a step leaks about as much as the ciphertext's padding bucket (≤ 2 bits),
// and a forged or wrong message can at worst pick another of these heights.

export const MESSAGE_HEIGHT = 'c2c-message-height';

/** Frame heights in CSS pixels, doubling; content taller than the last step scrolls inside the frame. */
export const HEIGHT_STEPS = [64, 128, 256, 512] as const;

/** Copies of one token counted on a page; later ones share the last number (all are replays anyway). */
const MAX_OCCURRENCE = 999;

export interface MessageHeight {
  c2c: typeof MESSAGE_HEIGHT;
  step: number;
}

export function messageFragment(text: string, occurrence: number): string {
  return `${Math.min(occurrence, MAX_OCCURRENCE)}:${encodeURIComponent(text)}`;
}

/** The token and its occurrence from a frame's `location.hash`, or null when it is not one we wrote. */
export function parseMessageFragment(hash: string): { text: string; occurrence: number } | null {
  const m = /^#(\d{1,3}):(.+)$/s.exec(hash);
  if (!m) return null;
  try {
    return { occurrence: Number(m[1]), text: decodeURIComponent(m[2]!) };
  } catch {
    return null;
  }
}

/** The smallest step that holds `contentHeight` pixels (the last one when none does). */
export function stepFor(contentHeight: number): number {
  const i = HEIGHT_STEPS.findIndex((h) => contentHeight <= h);
  return i === -1 ? HEIGHT_STEPS.length - 1 : i;
}

/** The step a well-formed height message names, or null for anything else. */
export function heightStep(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.c2c !== MESSAGE_HEIGHT || typeof v.step !== 'number' || !Number.isInteger(v.step)) return null;
  return v.step >= 0 && v.step < HEIGHT_STEPS.length ? v.step : null;
}
