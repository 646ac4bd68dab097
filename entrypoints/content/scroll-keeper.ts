// Keeps a host's message list at its end when we change its height. Chats follow the newest message only
// while the view is within a few dozen pixels of the end; a frame we insert or resize below the view would
// move the end away and stop the chat from following. So around each of our writes, a scroller that was
// within END_ZONE_PX of its end is put back at the same distance from it. A list the user scrolled further
// up is left to the browser's scroll anchoring, which keeps the message being read where it is.

/** A view this close to the end is "at the end" for any chat we know of (40 px is common). */
const END_ZONE_PX = 64;
/** Ancestors walked up to find the element that scrolls. */
const MAX_DEPTH = 32;

const scrollers = new WeakMap<Element, Element>();

/** By its style, not its content: a list that does not overflow yet is still the one that will scroll. */
function scrolls(el: Element): boolean {
  const overflow = getComputedStyle(el).overflowY;
  return overflow === 'auto' || overflow === 'scroll' || overflow === 'overlay';
}

/** The element that scrolls `el` (remembered per element: a chat's list does not change its scroller). */
function scrollerOf(el: Element): Element {
  const known = scrollers.get(el);
  if (known?.isConnected) return known;
  let found: Element = el.ownerDocument.scrollingElement ?? el.ownerDocument.documentElement;
  let at = el.parentElement;
  for (let depth = 0; at && depth < MAX_DEPTH; depth++, at = at.parentElement) {
    if (scrolls(at)) {
      found = at;
      break;
    }
  }
  scrollers.set(el, found);
  return found;
}

/** Runs `write` (which changes the height of content under `elements`) and keeps lists at their end. */
export function keepingEnds(elements: Iterable<Element>, write: () => void): void {
  const atEnd = new Map<Element, number>();
  for (const el of elements) {
    const scroller = scrollerOf(el);
    if (atEnd.has(scroller)) continue;
    const fromEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
    if (fromEnd <= END_ZONE_PX) atEnd.set(scroller, Math.max(0, fromEnd));
  }
  write();
  for (const [scroller, fromEnd] of atEnd) {
    const target = scroller.scrollHeight - scroller.clientHeight - fromEnd;
    if (Math.abs(scroller.scrollTop - target) >= 1) scroller.scrollTop = target;
  }
}
