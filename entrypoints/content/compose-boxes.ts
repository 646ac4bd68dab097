// Finds host compose boxes (textareas and contenteditable editors) and places the inert lock button
// beside each. The button holds nothing: clicking it only asks for the compose overlay.

const BOX_SELECTOR = 'textarea, [contenteditable]:not([contenteditable="false"])';

function isComposeBox(el: Element): el is HTMLElement {
  if (!(el instanceof HTMLElement) || !el.matches(BOX_SELECTOR) || el.closest('[data-c2c]')) return false;
  if (el instanceof HTMLTextAreaElement) return !el.readOnly && !el.disabled;
  // Only the editor's root: the nodes inside an editor are not boxes of their own.
  return el.isContentEditable && !el.parentElement?.isContentEditable;
}

export class ComposeBoxes {
  /** Boxes seen, each with its lock; re-checked after mutations because hosts re-render. */
  private readonly locks = new Map<HTMLElement, HTMLButtonElement>();

  constructor(
    private readonly lockLabel: string,
    private readonly onLock: (box: HTMLElement) => void,
  ) {}

  /** Looks for boxes in (and under) an added element. */
  scan(root: Element): void {
    if (isComposeBox(root)) this.attach(root);
    for (const el of root.querySelectorAll(BOX_SELECTOR)) if (isComposeBox(el)) this.attach(el);
  }

  /** Forgets boxes the page removed and puts back locks the page's re-render removed. */
  reconcile(): void {
    for (const [box, lock] of this.locks) {
      if (!box.isConnected) this.locks.delete(box);
      else if (!lock.isConnected) this.place(box, lock);
    }
  }

  private attach(box: HTMLElement): void {
    if (this.locks.has(box)) return;
    const lock = document.createElement('button');
    lock.type = 'button';
    lock.dataset.c2c = 'lock';
    lock.title = this.lockLabel;
    lock.setAttribute('aria-label', this.lockLabel);
    lock.textContent = '🔒';
    lock.setAttribute('style', 'margin:0 4px;cursor:pointer;font-size:16px;line-height:1;padding:4px;');
    lock.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      this.onLock(box);
    });
    this.locks.set(box, lock);
    this.place(box, lock);
  }

  private place(box: HTMLElement, lock: HTMLButtonElement): void {
    box.insertAdjacentElement('afterend', lock);
  }
}
