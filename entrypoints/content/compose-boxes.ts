// Places the inert lock button over each host compose box the site adapter finds. The button holds
// nothing: clicking it only asks for the compose overlay.
//
// The lock is not part of the page's layout: hosts put compose boxes in fixed footers with overflow hidden,
// in stacking contexts under their own overlays, a few pixels from the window's edge. So each lock is
// appended to the box's document root, last, at the highest z-index, positioned `fixed` inside the visible
// part of the box at its inline-end corner, and moved whenever the page scrolls, resizes or changes. It never
// changes the page's own layout. While the box cannot be seen, its lock is hidden.
// It enters the top layer (a manual popover) only while its box is inside the page's own top layer (a modal
// dialog, a popover, a fullscreen element), where nothing else could be clicked: while anything is in the
// top layer, Chromium tells every message frame it may be covered, and the frames then hide "verified".

const SVG = 'http://www.w3.org/2000/svg';
const LOCK_SIZE = 28;
/** Gap between the lock and the box's edge, and the least distance to the window's edge. */
const INSET = 3;

/** Set with !important: host style sheets must not move, shrink or restyle our button. */
const LOCK_STYLE: Record<string, string> = {
  all: 'initial',
  position: 'fixed',
  inset: 'auto',
  margin: '0',
  padding: '0',
  width: `${LOCK_SIZE}px`,
  height: `${LOCK_SIZE}px`,
  'box-sizing': 'border-box',
  display: 'flex',
  'align-items': 'center',
  'justify-content': 'center',
  border: '1px solid #7a7a7a',
  'border-radius': '6px',
  background: '#ffffff',
  color: '#1f2937',
  cursor: 'pointer',
  overflow: 'visible',
  'z-index': '2147483647',
  visibility: 'hidden',
};

/** A padlock drawn in SVG (a font may lack the emoji; built with DOM calls, never markup). */
function lockIcon(doc: Document): SVGSVGElement {
  const svg = doc.createElementNS(SVG, 'svg');
  const attrs = (el: Element, values: Record<string, string>) => {
    for (const [name, value] of Object.entries(values)) el.setAttribute(name, value);
  };
  attrs(svg, { viewBox: '0 0 24 24', width: '18', height: '18', 'aria-hidden': 'true', focusable: 'false' });
  svg.style.setProperty('display', 'block', 'important');
  const shackle = doc.createElementNS(SVG, 'path');
  attrs(shackle, { d: 'M7.5 10.5V7.5a4.5 4.5 0 0 1 9 0v3', fill: 'none', stroke: 'currentColor', 'stroke-width': '2.2', 'stroke-linecap': 'round' });
  const body = doc.createElementNS(SVG, 'rect');
  attrs(body, { x: '4.5', y: '10.5', width: '15', height: '11', rx: '2', fill: 'currentColor' });
  svg.append(shackle, body);
  return svg;
}

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const intersect = (a: Rect, b: Rect): Rect => ({
  left: Math.max(a.left, b.left),
  top: Math.max(a.top, b.top),
  right: Math.min(a.right, b.right),
  bottom: Math.min(a.bottom, b.bottom),
});

/**
 * The part of the box a person can see: its rectangle cut by the window and by every ancestor that clips
 * its overflow, up to the nearest fixed ancestor (whose own ancestors do not clip it). Null when nothing shows.
 */
function visiblePart(box: HTMLElement): Rect | null {
  if (!box.isConnected || !box.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return null;
  const root = box.ownerDocument.documentElement;
  let part: Rect = intersect(box.getBoundingClientRect(), { left: 0, top: 0, right: root.clientWidth, bottom: root.clientHeight });
  const view = box.ownerDocument.defaultView!;
  for (let el = box.parentElement; el && el !== root; el = el.parentElement) {
    const style = view.getComputedStyle(el);
    if (style.overflowX !== 'visible' || style.overflowY !== 'visible') part = intersect(part, el.getBoundingClientRect());
    if (style.position === 'fixed') break;
  }
  return part.right - part.left >= 1 && part.bottom - part.top >= 1 ? part : null;
}

/** Where the lock goes: inside the visible part at its inline-end side (bottom corner of a tall box), within the window. */
function lockPosition(box: HTMLElement, part: Rect): { left: number; top: number } {
  const root = box.ownerDocument.documentElement;
  const rtl = box.ownerDocument.defaultView!.getComputedStyle(box).direction === 'rtl';
  const height = part.bottom - part.top;
  const left = rtl ? part.left + INSET : part.right - LOCK_SIZE - INSET;
  const top = height > 2 * LOCK_SIZE ? part.bottom - LOCK_SIZE - INSET : part.top + (height - LOCK_SIZE) / 2;
  const clamp = (v: number, max: number) => Math.round(Math.min(Math.max(v, INSET), max - LOCK_SIZE - INSET));
  return { left: clamp(left, root.clientWidth), top: clamp(top, root.clientHeight) };
}

/** Elements the page shows in its top layer. */
const PAGE_TOP_LAYER = 'dialog:modal, :popover-open, :fullscreen';

/** Puts the lock into the top layer or takes it out, only when that changes (showing it again would lift it above our overlay). */
function placeInTopLayer(lock: HTMLButtonElement, wanted: boolean): void {
  if (wanted === lock.matches(':popover-open')) return;
  if (wanted) {
    lock.popover = 'manual';
    lock.showPopover();
  } else {
    lock.hidePopover();
    lock.removeAttribute('popover');
  }
}

export class ComposeBoxes {
  /** Boxes seen, each with its lock; re-checked after mutations because hosts re-render. */
  private readonly locks = new Map<HTMLElement, HTMLButtonElement>();
  private readonly resizes = new ResizeObserver(() => this.schedule());
  private frameRequested = false;
  private listening = false;

  constructor(
    private readonly lockLabel: string,
    private readonly findBoxes: (root: Element) => HTMLElement[],
    private readonly onLock: (box: HTMLElement) => void,
  ) {}

  /** Looks for boxes in (and under) an added element. */
  scan(root: Element): void {
    for (const box of this.findBoxes(root)) this.attach(box);
  }

  /** Forgets boxes the page removed and puts back locks the page removed. */
  reconcile(): void {
    for (const [box, lock] of this.locks) {
      if (!box.isConnected) {
        this.locks.delete(box);
        this.resizes.unobserve(box);
        lock.remove();
      } else if (!lock.isConnected) this.show(box, lock);
    }
    this.schedule();
  }

  /** The boxes a person can see now, in document order. */
  visibleBoxes(): HTMLElement[] {
    return [...this.locks.keys()].filter((box) => visiblePart(box) !== null);
  }

  /** Moves the locks after the page changed (coalesced into one update before the next rendering). */
  schedule(): void {
    if (this.frameRequested || this.locks.size === 0) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      for (const [box, lock] of this.locks) this.position(box, lock);
    });
  }

  private attach(box: HTMLElement): void {
    if (this.locks.has(box)) return;
    const doc = box.ownerDocument;
    const lock = doc.createElement('button');
    lock.type = 'button';
    lock.dataset.c2c = 'lock';
    lock.title = this.lockLabel;
    lock.setAttribute('aria-label', this.lockLabel);
    for (const [name, value] of Object.entries(LOCK_STYLE)) lock.style.setProperty(name, value, 'important');
    lock.append(lockIcon(doc));
    lock.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      // Only a real click opens the overlay: the page can call lock.click() or dispatch its own events, and
      // would open our overlay under a look-alike of its own. Keyboard users have the open-compose command.
      if (!e.isTrusted) return;
      this.onLock(box);
    });
    this.locks.set(box, lock);
    this.resizes.observe(box);
    this.listen();
    this.show(box, lock);
  }

  private show(box: HTMLElement, lock: HTMLButtonElement): void {
    box.ownerDocument.documentElement.append(lock);
    this.position(box, lock);
  }

  private position(box: HTMLElement, lock: HTMLButtonElement): void {
    placeInTopLayer(lock, box.closest(PAGE_TOP_LAYER) !== null);
    const part = visiblePart(box);
    lock.style.setProperty('visibility', part ? 'visible' : 'hidden', 'important');
    if (!part) return;
    const { left, top } = lockPosition(box, part);
    lock.style.setProperty('left', `${left}px`, 'important');
    lock.style.setProperty('top', `${top}px`, 'important');
  }

  /** Scrolls anywhere (captured), window and visual-viewport resizes: each may move a box. */
  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    const update = () => this.schedule();
    const view = document.defaultView!;
    document.addEventListener('scroll', update, { capture: true, passive: true });
    // A dialog or popover of the page opening or closing around a box (toggle does not bubble: captured).
    document.addEventListener('toggle', update, { capture: true, passive: true });
    view.addEventListener('resize', update, { passive: true });
    view.visualViewport?.addEventListener('resize', update, { passive: true });
  }
}
