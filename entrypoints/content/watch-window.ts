// Which host elements the message frames' IntersectionObserver watches. Chromium computes every watched
// element's intersection in each rendering update the page lays out again (a chat adding messages: every
// one), so on a page with many tokens only those near the screen in document order are watched: NEAR on
// either side of each one on screen. Everything is watched again when the view may have jumped past that:
// when none of the watched is on screen any more, after a scroll of more than a screen since the window was
// placed (in the window's document or any scrolling element), on resize; the window then goes around what
// is on screen, or around the nearest ones. A small page is watched whole.

/** Elements watched on either side of each one on screen, in document order. */
const NEAR = 32;
/** Up to this many elements, all are watched (the window would save little). */
const WATCH_ALL_UP_TO = 4 * NEAR;

export class WatchWindow {
  /** Every element that holds tokens, in document order. */
  private order: Element[] = [];
  private readonly watching = new Set<Element>();
  private readonly onScreen = new Set<Element>();
  /** Watched elements the observer has not reported on yet (it reports each one once it starts watching). */
  private readonly unreported = new Set<Element>();
  /** Where each scroller was when the window was last placed (document: the window's scrollY). */
  private readonly marks = new Map<EventTarget, number>();
  private narrowed = false;
  private readonly scrolled = new Set<EventTarget>();
  private checkTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly observer: IntersectionObserver,
    /** Told about an element no longer watched: it is off screen (its frame can be hidden). */
    private readonly onUnwatched: (element: Element) => void,
  ) {
    document.addEventListener('scroll', (e) => this.onScroll(e.target), { capture: true, passive: true });
    window.addEventListener('resize', () => this.widen(), { passive: true });
  }

  /** New elements are watched at once: one may be on screen; the next update() keeps those near the screen. */
  add(elements: Element[]): void {
    for (const element of elements) {
      this.insertInOrder(element);
      this.watch(element);
    }
  }

  /** Forgets elements that left the page (one pass, however many: a chat may drop thousands at once). */
  remove(elements: Set<Element>): void {
    this.order = this.order.filter((element) => !elements.has(element));
    for (const element of elements) {
      this.onScreen.delete(element);
      this.unreported.delete(element);
      if (this.watching.delete(element)) this.observer.unobserve(element);
    }
  }

  /**
   * After each report of the observer, before the caller acts on it: remembers what is on screen and
   * watches only what is near it.
   */
  update(entries: IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      this.unreported.delete(entry.target);
      if (entry.isIntersecting) this.onScreen.add(entry.target);
      else this.onScreen.delete(entry.target);
    }
    if (this.order.length <= WATCH_ALL_UP_TO) return this.widen();
    // Until every watched element has reported once, what is on screen is not known.
    if (this.unreported.size > 0) return;
    // Nothing watched is on screen: the view may have jumped past the window. Look everywhere.
    if (this.onScreen.size === 0 && this.narrowed) return this.widen();
    // After looking everywhere with nothing on screen, the window goes around the nearest ones.
    const centers = this.onScreen.size > 0 ? [...this.onScreen] : nearestToScreen(entries);
    const keep = new Set<Element>();
    for (const center of centers) {
      const i = this.order.indexOf(center);
      if (i < 0) continue;
      for (let j = Math.max(0, i - NEAR); j <= Math.min(this.order.length - 1, i + NEAR); j++) keep.add(this.order[j]!);
    }
    if (keep.size === 0) return;
    for (const element of this.watching) {
      if (keep.has(element)) continue;
      this.watching.delete(element);
      this.observer.unobserve(element);
      this.onUnwatched(element);
    }
    // The window moves with the view: the elements it now reaches are watched.
    for (const element of keep) this.watch(element);
    this.narrowed = true;
    // Read here, in the observer's report (before the caller writes anything): read later, a jump made
    // meanwhile, whose scroll event is still to come, would become the new mark and go unnoticed.
    this.marks.set(document, window.scrollY);
    for (const target of this.marks.keys()) {
      if (!(target instanceof Element)) continue;
      // A scroller the page removed is forgotten (a page that makes many must not grow this).
      if (target.isConnected) this.marks.set(target, target.scrollTop);
      else this.marks.delete(target);
    }
  }

  private watch(element: Element): void {
    if (this.watching.has(element)) return;
    this.watching.add(element);
    this.unreported.add(element);
    this.observer.observe(element);
  }

  private widen(): void {
    if (!this.narrowed) return;
    this.narrowed = false;
    for (const element of this.order) this.watch(element);
  }

  private onScroll(target: EventTarget | null): void {
    if (!this.narrowed || !(target === document || target instanceof Element)) return;
    this.scrolled.add(target);
    // Positions are read after this rendering update: read now, they would make the browser lay out a page
    // our own writes had just changed, ahead of its update (and again after the next write).
    this.checkTimer ??= setTimeout(() => this.checkScrolls(), 0);
  }

  private checkScrolls(): void {
    this.checkTimer = null;
    const scrolled = [...this.scrolled];
    this.scrolled.clear();
    for (const target of scrolled) {
      const isDocument = target === document;
      const position = isDocument ? window.scrollY : (target as Element).scrollTop;
      const screen = isDocument ? window.innerHeight : (target as Element).clientHeight;
      const mark = this.marks.get(target);
      // A scroller not seen before may already have moved anywhere: look everywhere once.
      if (mark === undefined || Math.abs(position - mark) > screen) {
        this.marks.set(target, position);
        this.widen();
      }
    }
  }

  /** Appends in the usual case (new messages come last), else inserts by document position. */
  private insertInOrder(element: Element): void {
    const last = this.order[this.order.length - 1];
    if (!last || last.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING) {
      this.order.push(element);
      return;
    }
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.order[mid]!.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING) lo = mid + 1;
      else hi = mid;
    }
    this.order.splice(lo, 0, element);
  }
}

/** Of the elements a report measured, the one closest to the screen above it and below it. */
function nearestToScreen(entries: IntersectionObserverEntry[]): Element[] {
  let above: IntersectionObserverEntry | null = null;
  let below: IntersectionObserverEntry | null = null;
  for (const entry of entries) {
    const r = entry.boundingClientRect;
    if (r.bottom <= 0 && (!above || r.bottom > above.boundingClientRect.bottom)) above = entry;
    else if (r.top >= window.innerHeight && (!below || r.top < below.boundingClientRect.top)) below = entry;
  }
  return [above, below].filter((e) => e !== null).map((e) => e.target);
}
