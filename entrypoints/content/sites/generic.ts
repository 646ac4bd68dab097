// The generic adapter, for every site without one of its own: textareas and contenteditable editors are
// compose boxes, Enter sends, the (outermost same-origin) page's URL path names the conversation, the length limit is the box's maxlength.
import { topSameOriginWindow } from '../top-document';
import { conversationName, type ResolvedAdapter } from './adapter';

const BOX_SELECTOR = 'textarea, [contenteditable]:not([contenteditable="false"])';

function isComposeBox(el: Element): el is HTMLElement {
  if (!(el instanceof HTMLElement) || !el.matches(BOX_SELECTOR) || el.closest('[data-c2c]')) return false;
  if (el instanceof HTMLTextAreaElement) return !el.readOnly && !el.disabled;
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
