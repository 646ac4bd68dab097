// What the content script tells a message frame, and how tall the frame is. Dependency-free: both import it.
//
// The content script opens `message-frame.html#<occurrence>[&<field>=<value>]…:<token>`, every value and
// the token URI-encoded (so none holds `&`, `=` or `:`); the frame takes what it shows from its own URL
// only. `occurrence` is 0 for the first copy of a token on the page and more for later ones: a later copy
// that opens is shown as replayed, without its text, while the same message re-rendered in place (its old
// copy gone) is not. Copies on other sites are the replay cache's job. The one field today is `c`, the
// conversation the site's adapter names where the token is shown: the frame reads the message for that
// conversation, so one sealed for another conversation of the site is wrong-channel. A field may come once;
// a field this version does not know, or a value out of bounds, is refused: nothing is opened.
//
// The page sees the frame's address, and can point the frame at any address: the conversation is page
// text anyway, and the frame decrypts only what its own address holds (docs/THREAT-MODEL.md).
//
// The frame's height is chosen by the content script from the token alone, which the page already has:
// one of a few fixed steps by the size of the sealed message. The frame says nothing back, so neither the
// outcome (opened, error, not for you) nor how the text wraps at a width the page picks can change it;
// content taller than its step scrolls inside the frame.
import { MAX_CONVERSATION_LENGTH } from './frames';

/** Frame heights in CSS pixels, doubling; content taller than the last step scrolls inside the frame. */
export const HEIGHT_STEPS = [64, 128, 256, 512] as const;
/**
 * The largest sealed size (bytes, as the armor symbols carry it) each step is for; larger ones get the last.
 * About 170 bytes of a message are not text; a 36em-wide frame holds ~70 characters a line.
 */
const STEP_BYTES = [260, 480, 900] as const;

/** Copies of one token counted on a page; later ones share the last number (all are replays anyway). */
const MAX_OCCURRENCE = 999;

/** What a message frame shows: a token, which copy of it this is, and the conversation it is shown in. */
export interface FrameMessage {
  text: string;
  occurrence: number;
  /** The site adapter's name for the conversation where the token is shown; none when it names none. */
  conversation?: string;
}

/** The frame's address says what to show, or why nothing is shown (a page made it, or a bug did). */
export type ParsedFragment = { ok: true; message: FrameMessage } | { ok: false; reason: string };

/** The conversation's field name in the fragment. */
const CONVERSATION_FIELD = 'c';

export function messageFragment({ text, occurrence, conversation }: FrameMessage): string {
  const fields = conversation === undefined ? '' : `&${CONVERSATION_FIELD}=${encodeURIComponent(conversation)}`;
  return `${Math.min(occurrence, MAX_OCCURRENCE)}${fields}:${encodeURIComponent(text)}`;
}

function decoded(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** Why a conversation name is refused, or null: the bounds site adapters keep (sites/adapter.ts). */
function conversationProblem(name: string): string | null {
  if (name === '') return 'The conversation named in the frame’s address is empty.';
  if (name.length > MAX_CONVERSATION_LENGTH) return `The conversation named in the frame’s address is longer than ${MAX_CONVERSATION_LENGTH} characters.`;
  if (/\p{Cc}/u.test(name)) return 'The conversation named in the frame’s address holds control characters.';
  return null;
}

/** What a frame's `location.hash` asks it to show; anything we do not write is refused with the reason. */
export function parseMessageFragment(hash: string): ParsedFragment {
  const m = /^#(\d{1,3})((?:&[a-z]{1,8}=[^&:]*)*):(.+)$/s.exec(hash);
  const text = m && decoded(m[3]!);
  if (!m || text === null) return { ok: false, reason: 'The frame’s address holds no encrypted text.' };
  const message: FrameMessage = { text, occurrence: Number(m[1]) };
  for (const field of m[2]!.split('&').slice(1)) {
    const [name, value] = field.split('=') as [string, string];
    if (name !== CONVERSATION_FIELD) return { ok: false, reason: `The frame’s address has a field this version does not know (${name}).` };
    if (message.conversation !== undefined) return { ok: false, reason: 'The frame’s address names the conversation twice.' };
    const conversation = decoded(value);
    if (conversation === null) return { ok: false, reason: 'The conversation named in the frame’s address is not encoded as we write it.' };
    const problem = conversationProblem(conversation);
    if (problem) return { ok: false, reason: problem };
    message.conversation = conversation;
  }
  return { ok: true, message };
}

/**
 * The height step for a token's text: by the bytes its armor symbols carry (letters and digits, 5 bits
 * each; headers and checksums included, which is close enough), so by the padded ciphertext size.
 */
export function stepForToken(text: string): number {
  let symbols = 0;
  let head = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a)) {
      symbols++;
      if (head.length < CARD_HEAD_SYMBOLS) head += String.fromCharCode(c);
    }
  }
  const bytes = (symbols * 5) / 8;
  const i = STEP_BYTES.findIndex((max) => bytes <= max);
  const step = i === -1 ? HEIGHT_STEPS.length - 1 : i;
  // A contact card is short but shows a handle, a fingerprint and a Pin button.
  return CARD_HEAD.single.test(head) || CARD_HEAD.multi.test(head) ? Math.max(step, CARD_STEP) : step;
}

/**
 * The start of a token whose payload begins with the contact card's format id (0x07: base32 symbols "0"
 * then one of "wxyz"), as one part (armor v2: c2c2 0 LLL HH) or as the first of several (c2c2 1 LLL IIII
 * 00 NN HH). Kept here, dependency-free: lib/armor/format.ts and lib/crypto/format-ids.ts hold the same.
 */
const CARD_HEAD_SYMBOLS = 20;
const CARD_HEAD = { single: /^c2c20[0-9a-z]{5}0[wxyz]/, multi: /^c2c21[0-9a-z]{7}00[0-9a-z]{4}0[wxyz]/ };
/** The height step a contact card gets at least. */
const CARD_STEP = 1;

/** The User Timing mark a message frame makes as it renders its result (the bench times that paint). */
export const RESULT_SHOWN_MARK = 'c2c-message-result-shown';
