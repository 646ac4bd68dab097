// The host's message list as rows with senders, read from its structure alone (no site knowledge): what the
// token scanner needs to follow a token the host split into several consecutive messages of one sender.
// A row is the ancestor of a text that sits in a list of like siblings (same tag); the text's place inside
// its row (a path of tag and class names) finds the matching text in the rows after it; the sender is the
// row's `data-sender`, else the text of a nick/author/sender element in it, else the sender of the row above
// it (chats draw the name once per group of messages). Reads only page structure and the text of messages
// that were sent, never an editor.

/** Most levels walked up from a text to its row (Converse.js: the row is 6 levels above the text's element). */
const MAX_ROW_DEPTH = 8;
/** Where chats put a sender's name in a row (the first match outside the message text is taken). */
const SENDER_SELECTOR =
  '[data-author],[data-sender],[data-nick],.nick,.sender,.author,.username,.user,.from,[class*="nick" i],[class*="author" i],[class*="sender" i],[class*="username" i]';
/** An avatar: its text is initials (`A` for alice), never the sender's name. */
const AVATAR_SELECTOR = '[class*="avatar" i]';
/** A name longer than this is not a name. */
const MAX_SENDER_LENGTH = 128;

export interface MessageRow {
  row: Element;
  /** From the row down to the element holding the message text: tag and class name of each level. */
  path: readonly string[];
}

function levelName(el: Element): string {
  return `${el.tagName}.${el.getAttribute('class') ?? ''}`;
}

/** Same tag, and a class in common (or neither has one): two entries of one list, not a nick beside a text. */
function alike(a: Element, b: Element): boolean {
  if (a.tagName !== b.tagName || b.hasAttribute('data-c2c')) return false;
  if (a.classList.length === 0 && b.classList.length === 0) return true;
  for (const name of a.classList) if (b.classList.contains(name)) return true;
  return false;
}

/** True when `el` has a sibling like it: it is one entry of a list. */
function isListEntry(el: Element): boolean {
  const parent = el.parentElement;
  if (!parent || parent === el.ownerDocument.body || parent === el.ownerDocument.documentElement) return false;
  for (let sib = parent.firstElementChild; sib; sib = sib.nextElementSibling) {
    if (sib !== el && alike(el, sib)) return true;
  }
  return false;
}

/** The row a message text belongs to, or null when it sits in no list (yet: a list's first message has no siblings). */
export function rowOf(text: Text): MessageRow | null {
  const holder = text.parentElement;
  if (!holder) return null;
  const path: string[] = [];
  let el: Element | null = holder;
  for (let depth = 0; el && depth < MAX_ROW_DEPTH; depth++, el = el.parentElement) {
    if (isListEntry(el)) return { row: el, path: path.reverse() };
    path.push(levelName(el));
  }
  return null;
}

/** Same tag and a class in common with a path level (or neither has a class). */
function likeLevel(el: Element, name: string): boolean {
  const dot = name.indexOf('.');
  if (el.tagName !== name.slice(0, dot)) return false;
  const classes = name.slice(dot + 1).split(/\s+/).filter(Boolean);
  return classes.length === 0 ? el.classList.length === 0 : classes.some((c) => el.classList.contains(c));
}

/**
 * The element in `row` at the same place as the message text of the row the path was taken from. Each level
 * is the child of exactly that tag and class, else the first of that tag sharing a class with it: clients
 * mark rows with state classes (Converse.js: `chat-msg--followup`, `chat-msg__content--me`/`--them`).
 */
function holderIn(row: Element, path: readonly string[]): Element | null {
  let el: Element = row;
  for (const name of path) {
    const children: Element[] = [...el.children];
    const next = children.find((c) => levelName(c) === name) ?? children.find((c) => likeLevel(c, name));
    if (!next) return null;
    el = next;
  }
  return el;
}

/** The message text of a following row: its text nodes at the same place, ours left out. */
export function messageTextIn(row: Element, path: readonly string[]): { text: string; nodes: Text[] } | null {
  const holder = holderIn(row, path);
  if (!holder) return null;
  const nodes: Text[] = [];
  for (let child = holder.firstChild; child; child = child.nextSibling) if (child instanceof Text) nodes.push(child);
  return { text: nodes.map((n) => n.data).join(''), nodes };
}

/**
 * An element's text without that of avatars in it: an avatar shows initials, not the name (Converse.js's
 * author link holds the avatar, `A` for alice, before the link with the name).
 */
function textBesideAvatars(el: Element): string {
  if (el.matches(AVATAR_SELECTOR)) return '';
  let text = '';
  for (let child = el.firstChild; child; child = child.nextSibling) {
    if (child instanceof Text) text += child.data;
    else if (child instanceof Element) text += textBesideAvatars(child);
  }
  return text;
}

/** The sender the row names itself, or null when it names none (a grouped row). */
export function ownSender(row: Element, path: readonly string[]): string | null {
  const attr = row.getAttribute('data-sender') ?? row.getAttribute('data-author');
  if (attr) return attr.slice(0, MAX_SENDER_LENGTH);
  const text = holderIn(row, path);
  for (const el of row.querySelectorAll(SENDER_SELECTOR)) {
    if (text && (el === text || el.contains(text) || text.contains(el))) continue;
    const name = el.getAttribute('data-sender') ?? el.getAttribute('data-author') ?? textBesideAvatars(el).trim();
    if (name) return name.slice(0, MAX_SENDER_LENGTH);
  }
  return null;
}

/** The next row of the same list (tag), skipping anything else the page or we put between rows. */
export function nextRow(row: Element): Element | null {
  for (let sib = row.nextElementSibling; sib; sib = sib.nextElementSibling) if (alike(row, sib)) return sib;
  return null;
}

/** Rows looked back at for the name of a grouped row's sender. */
const MAX_GROUP_ROWS = 50;

/** The row's sender: its own, else that of the nearest row above it that names one; null when none does. */
export function senderOf(row: Element, path: readonly string[]): string | null {
  let el: Element | null = row;
  for (let n = 0; el && n < MAX_GROUP_ROWS; n++) {
    const own = ownSender(el, path);
    if (own !== null) return own;
    let prev: Element | null = el.previousElementSibling;
    while (prev && !alike(row, prev)) prev = prev.previousElementSibling;
    el = prev;
  }
  return null;
}
