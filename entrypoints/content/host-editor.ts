// Writes ciphertext into a host compose box through the editor's own input path, then sends it the way
// the site's adapter says a person would (Enter, or its Send button). Measured per editor kind in docs/FIXTURES.md: focus, wait a task (Lexical learns
// the caret from the async selectionchange), then execCommand('insertText') works for textareas, React
// inputs and contenteditable editors alike. Never reads what is in the box.

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function isTextArea(box: HTMLElement): box is HTMLTextAreaElement {
  return box instanceof HTMLTextAreaElement;
}

/** Selects everything in the box, so the insertion replaces any draft instead of mixing with it. */
function selectAll(box: HTMLElement): void {
  if (isTextArea(box)) {
    box.select();
    return;
  }
  const selection = box.ownerDocument.getSelection();
  selection?.selectAllChildren(box);
}

/** When execCommand is refused: React's value-setter workaround for textareas, a paste event for editors. */
function insertFallback(box: HTMLElement, text: string): boolean {
  if (isTextArea(box)) {
    const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set;
    if (!setter) return false;
    setter.call(box, text);
    box.dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  }
  const data = new DataTransfer();
  data.setData('text/plain', text);
  // A handled paste is cancelled by the editor; an unhandled one means nothing was inserted.
  return !box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
}

/**
 * Writes each part into the box and sends it as its own host message (sites cap message length).
 * False when the editor took no input path: the caller then offers copy-to-clipboard.
 */
export async function writeAndSend(box: HTMLElement, parts: readonly string[], send: (box: HTMLElement) => void): Promise<boolean> {
  if (!box.isConnected) return false;
  for (const part of parts) {
    box.focus();
    await nextTask();
    selectAll(box);
    await nextTask();
    const inserted = box.ownerDocument.execCommand('insertText', false, part) || insertFallback(box, part);
    if (!inserted) return false;
    await nextTask();
    send(box);
    // Let the host clear its box (state updates, async editors) before the next part goes in.
    await pause(60);
  }
  return true;
}
