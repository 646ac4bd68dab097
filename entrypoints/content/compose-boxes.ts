// Places the inert lock button beside each host compose box the site adapter finds. The button holds
// nothing: clicking it only asks for the compose overlay.

export class ComposeBoxes {
  /** Boxes seen, each with its lock; re-checked after mutations because hosts re-render. */
  private readonly locks = new Map<HTMLElement, HTMLButtonElement>();

  constructor(
    private readonly lockLabel: string,
    private readonly findBoxes: (root: Element) => HTMLElement[],
    private readonly onLock: (box: HTMLElement) => void,
  ) {}

  /** Looks for boxes in (and under) an added element. */
  scan(root: Element): void {
    for (const box of this.findBoxes(root)) this.attach(box);
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
