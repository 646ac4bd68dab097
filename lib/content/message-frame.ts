// What the content script tells a message frame, and how tall the frame is. Dependency-free: both import it.
//
// The content script opens `message-frame.html#<occurrence>:<armored text, URI-encoded>`; the frame takes
// the text from its own URL only. `occurrence` is 0 for the first copy of a token on the page and more for
// later ones: a later copy that opens is shown as replayed, without its text, while the same message
// re-rendered in place (its old copy gone) is not. Copies on other sites are the replay cache's job.
//
// The frame's height is chosen by the content script from the token alone, which the page already has:
// one of a few fixed steps by the size of the sealed message. The frame says nothing back, so neither the
// outcome (opened, error, not for you) nor how the text wraps at a width the page picks can change it;
// content taller than its step scrolls inside the frame.

/** Frame heights in CSS pixels, doubling; content taller than the last step scrolls inside the frame. */
export const HEIGHT_STEPS = [64, 128, 256, 512] as const;
/**
 * The largest sealed size (bytes, as the armor symbols carry it) each step is for; larger ones get the last.
 * About 170 bytes of a message are not text; a 36em-wide frame holds ~70 characters a line.
 */
const STEP_BYTES = [260, 480, 900] as const;

/** Copies of one token counted on a page; later ones share the last number (all are replays anyway). */
const MAX_OCCURRENCE = 999;

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

/**
 * The height step for a token's text: by the bytes its armor symbols carry (letters and digits, 5 bits
 * each; headers and checksums included, which is close enough), so by the padded ciphertext size.
 */
export function stepForToken(text: string): number {
  let symbols = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a)) symbols++;
  }
  const bytes = (symbols * 5) / 8;
  const i = STEP_BYTES.findIndex((max) => bytes <= max);
  return i === -1 ? HEIGHT_STEPS.length - 1 : i;
}
