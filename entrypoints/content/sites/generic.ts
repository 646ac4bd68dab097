// The generic adapter, for every site without one of its own: textareas, contenteditable editors and
// single-line text inputs that look like a chat line are compose boxes, Enter sends, the (outermost
// same-origin) page's URL path names the conversation, the length limit is the box's maxlength.
import { MIN_PART_LENGTH } from '@/lib/armor/format';
import { topSameOriginWindow } from '../top-document';
import { conversationName, type ResolvedAdapter } from './adapter';

const MULTI_LINE_SELECTOR = 'textarea, [contenteditable]:not([contenteditable="false"])';
const BOX_SELECTOR = `${MULTI_LINE_SELECTOR}, input`;

/** In a field's or its form's name or id: a search, filter, sign-in or address field rather than a chat line. */
const NOT_CHAT_NAME = /search|query|filter|find|login|sign-?in|user|e-?mail|passw|url|address/i;
/** In what a person reads (placeholder, label, title): a search or filter field. */
const NOT_CHAT_TEXT = /search|find|filter|поиск|найти|фильтр/i;

/**
 * A text input is a chat line (IRC and some web chats use one) unless something says otherwise: it must be
 * a plain `type=text` field, editable, take at least one armor part, ask for no personal data by
 * `autocomplete`, sit in no search landmark or search form nor in a form with a multi-line box, and
 * neither be named (name, id, its form's action, id or name) as a search, filter, sign-in or address
 * field nor labelled (placeholder, label, title) as a search or filter.
 */
function isChatInput(el: HTMLInputElement): boolean {
  if (el.type !== 'text' || el.readOnly || el.disabled) return false;
  if (el.maxLength >= 0 && el.maxLength < MIN_PART_LENGTH) return false;
  const autocomplete = el.getAttribute('autocomplete')?.trim().toLowerCase();
  if (autocomplete && autocomplete !== 'off' && autocomplete !== 'on') return false;
  if (el.closest('[role="search"], search') || ['searchbox', 'combobox'].includes(el.getAttribute('role') ?? '')) return false;
  const form = el.closest('form');
  // Beside a multi-line box in its form, a line is that box's side field (a subject, Converse.js's spoiler hint).
  if (form?.querySelector(MULTI_LINE_SELECTOR)) return false;
  const names = [el.name, el.id, form?.getAttribute('action'), form?.id, form?.getAttribute('name')];
  const texts = [el.placeholder, el.getAttribute('aria-label'), el.title];
  return !names.some((n) => n && NOT_CHAT_NAME.test(n)) && !texts.some((t) => t && NOT_CHAT_TEXT.test(t));
}

function isComposeBox(el: Element): el is HTMLElement {
  if (!(el instanceof HTMLElement) || !el.matches(BOX_SELECTOR) || el.closest('[data-c2c]')) return false;
  if (el instanceof HTMLTextAreaElement) return !el.readOnly && !el.disabled;
  if (el instanceof HTMLInputElement) return isChatInput(el);
  // Only the editor's root: the nodes inside an editor are not boxes of their own.
  return el.isContentEditable && !el.parentElement?.isContentEditable;
}

function findBoxes(root: Element): HTMLElement[] {
  return [root, ...root.querySelectorAll(BOX_SELECTOR)].filter(isComposeBox);
}

function pressEnter(box: HTMLElement): void {
  const init: KeyboardEventInit = { key: 'Enter', code: 'Enter', keyCode: 13, which: 13, bubbles: true, cancelable: true };
  box.dispatchEvent(new KeyboardEvent('keydown', init));
  box.dispatchEvent(new KeyboardEvent('keyup', init));
}

export const genericAdapter: ResolvedAdapter = {
  name: 'generic',
  matches: () => true,
  findBoxes,
  send: pressEnter,
  conversation: () => conversationName(topSameOriginWindow().location.pathname),
};
