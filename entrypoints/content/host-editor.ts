// Writes ciphertext into a host compose box through the editor's own input path, sends it the way the
// site's adapter says a person would (Enter, or its Send button), and makes sure each part is sent exactly
// once and never left behind in the box.
//
// Editors keep their own model of the text, and a write that reaches the box's DOM may miss the model
// (Slate in Chromium ignores what execCommand does to its DOM: it takes text only from `beforeinput`). So
// each way in is tried in turn and checked by its effect, the box holding exactly our part; docs/FIXTURES.md
// has what each editor kind takes. The box is read only to compare it with the part we wrote or to see
// that it is empty: never kept, never sent anywhere.

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long an editor may take to show what it was given (Slate and Lexical re-render after a task or two). */
const SETTLE_MS = 250;
/** How long a host may take to send (clear its box, or show the message) before another way is tried. */
const SEND_WAIT_MS = 1500;
const POLL_MS = 40;

type TextField = HTMLTextAreaElement | HTMLInputElement;

export function isTextField(box: HTMLElement): box is TextField {
  return box instanceof HTMLTextAreaElement || box instanceof HTMLInputElement;
}

/** Zero-width characters editors keep in empty lines (Slate's FEFF, Lexical's and ProseMirror's breaks). */
const INVISIBLE = /[\s\u200B-\u200D\u2060\uFEFF]+/g;

/** What the box shows, without whitespace; in an editor, without its non-editable decorations (placeholders). */
function shownText(box: HTMLElement): string {
  if (isTextField(box)) return box.value.replace(INVISIBLE, '');
  let text = '';
  const walker = box.ownerDocument.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const decoration = node.parentElement?.closest('[contenteditable="false"]');
    if (decoration && box.contains(decoration)) continue;
    text += node.nodeValue ?? '';
  }
  return text.replace(INVISIBLE, '');
}

/** True when the box holds exactly `part` (armor has no whitespace, so the editor's line breaks do not count). */
const holds = (box: HTMLElement, part: string) => shownText(box) === part;
const isEmpty = (box: HTMLElement) => shownText(box) === '';

/** Polls `done` until it holds or `ms` passed. */
async function within(ms: number, done: () => boolean): Promise<boolean> {
  for (const end = Date.now() + ms; ; await pause(POLL_MS)) {
    if (done()) return true;
    if (Date.now() >= end) return false;
  }
}

/** Focuses the box and selects everything in it, so an insertion replaces what is there. */
async function focusAndSelectAll(box: HTMLElement): Promise<void> {
  box.focus();
  await nextTask();
  if (isTextField(box)) box.select();
  else box.ownerDocument.getSelection()?.selectAllChildren(box);
  // Lexical and Slate learn the selection from the async selectionchange.
  await nextTask();
}

const execCommand = (box: HTMLElement, command: 'insertText' | 'delete', text?: string) => () => box.ownerDocument.execCommand(command, false, text);

/** What an editor that handles input itself listens to (Slate, Lexical): it has no default action. */
const beforeInput = (box: HTMLElement, inputType: string, data: string | null) => () =>
  box.dispatchEvent(new InputEvent('beforeinput', { inputType, data, bubbles: true, cancelable: true, composed: true }));

/** Editors that handle paste themselves (Lexical, Quill, Draft.js, ProseMirror). */
const paste = (box: HTMLElement, text: string) => () => {
  const data = new DataTransfer();
  data.setData('text/plain', text);
  box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true, composed: true }));
};

/** React's known way into a controlled input: its value tracker misses the prototype's setter. */
const valueSetter = (box: TextField, text: string) => () => {
  const proto = box instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(box, text);
  box.dispatchEvent(new InputEvent('input', { inputType: text ? 'insertText' : 'deleteContent', data: text || null, bubbles: true }));
};

/**
 * Tries each way in turn until `done` holds, re-selecting everything before each (a way that half worked
 * is replaced, not added to). False when none worked.
 */
async function tryInTurn(box: HTMLElement, ways: (() => unknown)[], done: () => boolean): Promise<boolean> {
  for (const way of ways) {
    await focusAndSelectAll(box);
    way();
    if (await within(SETTLE_MS, done)) return true;
  }
  return false;
}

/** Writes `part` over whatever the box holds; true once the box holds exactly it. */
function insert(box: HTMLElement, part: string): Promise<boolean> {
  const ways = isTextField(box)
    ? [execCommand(box, 'insertText', part), valueSetter(box, part)]
    : [beforeInput(box, 'insertText', part), execCommand(box, 'insertText', part), paste(box, part)];
  return tryInTurn(box, ways, () => holds(box, part));
}

/** Empties the box through the editor's model as well as its DOM; true once it is empty. */
export function clearBox(box: HTMLElement): Promise<boolean> {
  const ways = isTextField(box)
    ? [execCommand(box, 'delete'), valueSetter(box, '')]
    : [beforeInput(box, 'deleteContentBackward', null), execCommand(box, 'delete')];
  return tryInTurn(box, ways, () => isEmpty(box));
}

/** True when a visible text node outside the box holds `part`: the host put it in its message list. */
function shownOutside(box: HTMLElement, part: string): boolean {
  const doc = box.ownerDocument;
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.nodeValue?.includes(part) || box.contains(node)) continue;
    // Not a hidden copy (an auto-growing box's mirror, say).
    if (node.parentElement?.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return true;
  }
  return false;
}

/** The host's own Send button near the box: its form's submit button, or one labelled send. */
export function sendButtonNear(box: HTMLElement): HTMLElement | undefined {
  const submit = box.closest('form')?.querySelector<HTMLElement>('button[type="submit"], input[type="submit"]');
  if (submit) return submit;
  const label = /\b(send|submit)\b|отправ/i;
  // The nearest ancestor that holds such a button: the compose area, not some other form on the page.
  for (let scope = box.parentElement; scope; scope = scope.parentElement) {
    for (const button of scope.querySelectorAll<HTMLElement>('button, [role="button"], input[type="button"]')) {
      const name = [button.getAttribute('aria-label'), button.title, button.textContent, (button as HTMLInputElement).value].join(' ');
      if (label.test(name) && !(button as HTMLButtonElement).disabled) return button;
    }
  }
  return undefined;
}

/**
 * Waits until the host sent what the box holds: the box emptied, or the part appeared on the page (a host
 * that keeps its box filled after sending gets it emptied here, so a second Enter sends nothing).
 */
async function sentByHost(box: HTMLElement, part: string): Promise<boolean> {
  if (!(await within(SEND_WAIT_MS, () => isEmpty(box) || shownOutside(box, part)))) return false;
  if (!isEmpty(box)) await clearBox(box);
  return true;
}

/**
 * Writes each part into the box and sends it as its own host message (sites cap message length), once.
 * False when a part could not be written or the host did not send it: our text is then taken out of the
 * box again, and the caller offers copy-to-clipboard.
 */
export async function writeAndSend(box: HTMLElement, parts: readonly string[], send: (box: HTMLElement) => void): Promise<boolean> {
  for (const part of parts) {
    if (!box.isConnected) return false;
    if (!(await insert(box, part))) {
      await clearBox(box);
      return false;
    }
    send(box);
    if (await sentByHost(box, part)) continue;
    // Not sent (the box still holds exactly our part): the site's Send button is the one other way.
    const button = holds(box, part) ? sendButtonNear(box) : undefined;
    if (button) {
      button.click();
      if (await sentByHost(box, part)) continue;
    }
    await clearBox(box);
    return false;
  }
  return true;
}
