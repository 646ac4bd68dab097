// Shows each found token in an extension-origin message frame, placed right after the token's text.
// Frames are created only for tokens on screen (IntersectionObserver) and at most MAX_LIVE live at once.
// A token coming on screen takes over the least recently visible off-screen frame where the browser can
// move a frame without reloading it (CAN_MOVE), else that frame is removed once the pool is full; either
// way the old token gets a frame again if it scrolls back into view. The frame decrypts by itself, for the
// conversation the site adapter names where the token is shown (asked each time a frame is pointed at a
// token, so a re-pointed frame reads its new token for that token's conversation); the page only ever
// sees ciphertext.
// Each frame sits in a holder of fixed height that stays after the token once made, and a frame off screen
// is hidden (display: none) inside it. Chromium re-sends an out-of-process frame's visible rect, and
// repaints the page, on every scroll while the frame is laid out above the viewport: with the frames of
// earlier messages hidden, a chat that scrolls as messages arrive pays nothing for them. The holder keeps
// the space, so hiding, moving or removing a frame never shifts the page's messages.
// Writes that lay the page out are made in the page's own turn where possible, so the browser lays it out
// once for both (a long chat's layout is the costly part): a token the page just added, already on screen,
// gets its frame right away (withinHostTurn); hiding a frame waits for the page's next change, or
// HOST_TURN_WAIT_MS at most. A holder's height comes from its token alone (stepForToken), never from the frame.
// Host elements the page removes are forgotten (forgetRemoved), whether or not they were ever on screen.
// Once a token's frame is placed, its ciphertext is folded away (fold.ts). Every write that changes the
// page's height keeps a message list that was at its end at its end (scroll-keeper.ts).
import { MESSAGE_FRAME_PATH, type FrameAddresses } from '@/lib/content/frames';
import { HEIGHT_STEPS, messageFragment, stepForToken } from '@/lib/content/message-frame';
import { unfold, type Fold, type Folds } from './fold';
import { keepingEnds } from './scroll-keeper';
import type { FoundToken } from './token-scanner';
import { WatchWindow } from './watch-window';

const MAX_LIVE = 24;
/**
 * Element.moveBefore (Chromium, Firefox) moves an iframe without reloading its document: an off-screen frame can then
 * be pointed at a newly visible token (a fragment change, no new document), which shows it far sooner and
 * spares the page a new out-of-process frame. Where moving would reload the frame, frames are made anew.
 */
type MovableParent = ParentNode & { moveBefore(node: Node, child: Node | null): void };
// The frame shows a re-pointed token through the Navigation API's navigate event (message-frame/main.tsx).
const CAN_MOVE = typeof (Element.prototype as Partial<MovableParent>).moveBefore === 'function' && 'navigation' in globalThis;
/** How often (at most) Chromium computes the observed elements' visibility: a frame may start this much later. */
const OBSERVE_DELAY_MS = 100;
/** The observer's margin: frames start this far before their token reaches the screen. */
const MARGIN_PX = 200;
/** Longest wait for the page's next change before a pending hide is written on its own. */
const HOST_TURN_WAIT_MS = 150;
/** More tokens than this in one change of the page (a page rendering a whole history): the observer places them. */
const MAX_PLACED_IN_TURN = 8;
/** The frame's border, top plus bottom: a holder is this much taller than the frame's content. */
const FRAME_BORDERS_PX = 2;
// Strict containment: what happens inside a holder (a frame moved in, hidden, shown) lays out only the holder.
// A fixed font size: the element holding the token may be folded to font-size 0 around it.
const HOLDER_STYLE = 'display:block;width:100%;max-width:36em;margin:2px 0;contain:strict;font-size:16px;';
const FRAME_STYLE = 'display:block;width:100%;height:100%;box-sizing:border-box;border:1px solid #8a8;border-radius:6px;background:#fff;';

interface Slot {
  token: FoundToken;
  /** 0 for the first copy of this token on the page, 1 for later ones (shown as replayed if they open). */
  occurrence: number;
  /** The host element observed for visibility (the token text's parent). */
  watched: Element;
  visible: boolean;
  lastVisibleAt: number;
  /** Made the first time the token is on screen, kept (empty once its frame is taken) while the token stays. */
  holder: HTMLElement | null;
  frame: HTMLIFrameElement | null;
  /** The height step, from the token's size. */
  step: number;
  /** The ciphertext folded away once the frame was placed, if it could be. */
  fold: Fold | null;
}

export class MessageFrames {
  private readonly byAnchor = new WeakMap<Text, Map<string, Slot>>();
  /** Every element holding tokens, watched or not: iterable so removed ones are dropped from the watch (it holds them). */
  private readonly byElement = new Map<Element, Slot[]>();
  private readonly byKey = new Map<string, Set<Slot>>();
  private readonly live = new Set<Slot>();
  /** Frames whose first document has loaded (so it lives at the fixed address: see `show`). */
  private readonly loaded = new WeakSet<HTMLIFrameElement>();
  /** Elements added but not yet observed (watchAdded). */
  private unobserved: Element[] = [];
  /** True while the page's own change is being scanned (withinHostTurn); the tokens found go to `fresh`. */
  private hostTurn = false;
  private fresh: Slot[] = [];
  /** Frames to hide with the page's next change (or after HOST_TURN_WAIT_MS). */
  private readonly toHide = new Set<Slot>();
  private pendingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly observer: IntersectionObserver;
  private readonly watched: WatchWindow;

  constructor(
    private readonly addresses: FrameAddresses,
    private readonly folds: Folds,
    /** The site adapter's name for the conversation an element of the page belongs to, if it names one. */
    private readonly conversationOf: (place: Element) => string | undefined,
  ) {
    // Chromium computes every observed element's intersection in each rendering frame the page lays out
    // again (a chat appending messages: every frame); `delay` bounds that to once per OBSERVE_DELAY_MS.
    // Firefox ignores it. The 200 px margin starts frames before their token reaches the screen.
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), { rootMargin: `${MARGIN_PX}px 0px`, delay: OBSERVE_DELAY_MS } as IntersectionObserverInit);
    this.watched = new WatchWindow(this.observer, (element) => this.offScreen(element));
  }

  add(token: FoundToken): void {
    const watched = token.anchor.parentElement;
    if (!watched) return;
    // A token the host split, completed after its first piece was shown as incomplete: one frame, the whole one.
    if (token.replaces) {
      const old = this.byAnchor.get(token.replaces.anchor)?.get(token.replaces.key);
      if (old) this.drop(old);
    }
    let slots = this.byAnchor.get(token.anchor);
    if (!slots) this.byAnchor.set(token.anchor, (slots = new Map()));
    if (slots.has(token.key)) return;
    let copies = this.byKey.get(token.key);
    if (!copies) this.byKey.set(token.key, (copies = new Set()));
    // A copy whose text is gone was re-rendered or deleted: only copies still on the page count. Whether
    // there is one is all the frame needs (a page posting one token 10,000 times must not cost n²).
    let occurrence = 0;
    for (const other of copies) {
      if (other.token.anchor.isConnected) {
        occurrence = 1;
        break;
      }
    }
    const slot: Slot = { token, occurrence, watched, visible: false, lastVisibleAt: 0, holder: null, frame: null, step: stepForToken(token.text), fold: null };
    slots.set(token.key, slot);
    copies.add(slot);
    if (this.hostTurn) this.fresh.push(slot);
    const onElement = this.byElement.get(watched);
    if (onElement) onElement.push(slot);
    else {
      this.byElement.set(watched, [slot]);
      this.unobserved.push(watched);
    }
  }

  /**
   * Runs `scan` (a synchronous look at what the page just changed) in the page's own turn, before the browser
   * renders that change: the tokens it finds that are already on screen get their frames now, and pending
   * hides are written, so the page is laid out once for its change and ours.
   */
  withinHostTurn(scan: () => void): void {
    this.hostTurn = true;
    try {
      scan();
    } finally {
      this.hostTurn = false;
    }
    const fresh = this.fresh;
    this.fresh = [];
    if (fresh.length > 0 && fresh.length <= MAX_PLACED_IN_TURN) this.placeOnScreen(fresh);
    this.writePending();
  }

  /** Shows the slots whose token is on screen (the window's, ignoring clipping scrollers: the observer corrects). */
  private placeOnScreen(slots: Slot[]): void {
    const now = performance.now();
    // All reads before any write: the page just laid itself out, so they cost nothing.
    const onScreen = slots.filter((slot) => {
      const r = slot.watched.getBoundingClientRect();
      return r.height > 0 && r.bottom > -MARGIN_PX && r.top < window.innerHeight + MARGIN_PX;
    });
    for (const slot of onScreen) {
      slot.visible = true;
      slot.lastVisibleAt = now;
    }
    this.showAll(onScreen);
  }

  /** Shows slots' frames, keeping the lists they are in at their end. */
  private showAll(slots: Slot[]): void {
    if (slots.length === 0) return;
    keepingEnds(
      slots.map((slot) => slot.watched),
      () => {
        for (const slot of slots) this.show(slot);
      },
    );
  }

  private later(set: Set<Slot>, slot: Slot): void {
    set.add(slot);
    this.pendingTimer ??= setTimeout(() => this.writePending(), HOST_TURN_WAIT_MS);
  }

  /** Hiding keeps the holder's size: nothing of the page moves. */
  private writePending(): void {
    if (this.pendingTimer !== null) clearTimeout(this.pendingTimer);
    this.pendingTimer = null;
    for (const slot of this.toHide) if (!slot.visible && slot.frame) slot.frame.style.display = 'none';
    this.toHide.clear();
  }

  /**
   * Starts watching the elements added since the last call. Called once the scanner has caught up: each
   * observe() makes the browser run a rendering update (a long chat walks its whole layout tree in each),
   * so a page scanned over several slices costs one update, not one per slice.
   */
  watchAdded(): void {
    this.watched.add(this.unobserved.filter((element) => this.byElement.has(element)));
    this.unobserved = [];
  }

  /**
   * Drops every token whose text left the page. The observer reports nothing for an element removed
   * before it was ever on screen, so without this a page that churns messages would grow without bound.
   */
  forgetRemoved(): void {
    const gone = new Set<Element>();
    for (const [element, slots] of this.byElement) {
      const kept = slots.filter((slot) => slot.token.anchor.isConnected && element.isConnected);
      if (kept.length === slots.length) continue;
      for (const slot of slots) if (!kept.includes(slot)) this.forget(slot);
      if (kept.length > 0) this.byElement.set(element, kept);
      else {
        this.byElement.delete(element);
        gone.add(element);
      }
    }
    if (gone.size > 0) this.watched.remove(gone);
  }

  /**
   * Forgets a slot another token took over, and stops watching its element for it: the observer's next
   * report for that element must not bring the forgotten slot's frame back beside the new one.
   */
  private drop(slot: Slot): void {
    this.forget(slot);
    const rest = (this.byElement.get(slot.watched) ?? []).filter((s) => s !== slot);
    if (rest.length > 0) this.byElement.set(slot.watched, rest);
    else if (this.byElement.delete(slot.watched)) this.watched.remove(new Set([slot.watched]));
  }

  private forget(slot: Slot): void {
    this.retire(slot);
    slot.holder?.remove();
    slot.holder = null;
    if (slot.fold) unfold(slot.fold);
    slot.fold = null;
    this.byAnchor.get(slot.token.anchor)?.delete(slot.token.key);
    const copies = this.byKey.get(slot.token.key);
    copies?.delete(slot);
    if (copies?.size === 0) this.byKey.delete(slot.token.key);
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    // First, while nothing of ours has changed the page since the browser laid it out.
    this.watched.update(entries);
    const now = performance.now();
    const shown: Slot[] = [];
    // Every slot's visibility first, so a frame is never recycled from a token this batch shows too.
    for (const entry of entries) {
      for (const slot of this.byElement.get(entry.target) ?? []) {
        slot.visible = entry.isIntersecting;
        if (slot.visible) {
          slot.lastVisibleAt = now;
          shown.push(slot);
        } else if (slot.frame) this.later(this.toHide, slot);
      }
    }
    this.showAll(shown);
  }

  /** An element the observer no longer watches is off screen: its frames are hidden like any off screen. */
  private offScreen(element: Element): void {
    for (const slot of this.byElement.get(element) ?? []) {
      slot.visible = false;
      if (slot.frame) this.later(this.toHide, slot);
    }
  }

  private show(slot: Slot): void {
    if (!slot.token.anchor.isConnected) return;
    if (slot.frame?.isConnected) {
      this.reveal(slot.frame);
      return;
    }
    const spare = CAN_MOVE ? this.leastRecentlyVisible() : null;
    if (!spare && this.live.size >= MAX_LIVE && !this.evictOne()) return;
    const holder = this.holderOf(slot);
    const conversation = this.conversationOf(slot.watched);
    const message = { text: slot.token.text, occurrence: slot.occurrence, ...(conversation !== undefined ? { conversation } : {}) };
    const fragment = `#${messageFragment(message)}`;
    let frame = spare?.frame ?? null;
    if (spare && frame) {
      spare.frame = null;
      this.live.delete(spare);
      try {
        (holder as HTMLElement & MovableParent).moveBefore(frame, null);
      } catch {
        // Not movable here after all (e.g. the token's node is in another document): start a new frame.
        frame.remove();
        frame = null;
      }
    }
    if (frame) {
      this.reveal(frame);
      // Only the fragment changes: the frame shows the new token in place of the old one, and turns this
      // navigation into a replacement, so the tab's history does not grow (message-frame/main.tsx). A frame
      // still loading has no document at the fixed address yet, which Chrome would refuse to load for the
      // page: it goes on loading by its loading address.
      frame.src = new URL(MESSAGE_FRAME_PATH + fragment, this.loaded.has(frame) ? this.addresses.live : this.addresses.load).href;
    } else {
      frame = document.createElement('iframe');
      frame.dataset.c2c = 'message-frame';
      frame.setAttribute('style', FRAME_STYLE);
      // The address before the frame is in the page: it then starts no empty document of its own first.
      frame.src = new URL(MESSAGE_FRAME_PATH + fragment, this.addresses.load).href;
      const made = frame;
      made.addEventListener('load', () => {
        if (this.loaded.has(made) && this.refusedOnReload(made)) this.reloaded(made);
        this.loaded.add(made);
      });
      holder.append(frame);
    }
    slot.frame = frame;
    this.live.add(slot);
    if (!slot.fold?.marker.isConnected) {
      if (slot.fold) unfold(slot.fold);
      slot.fold = this.folds.fold(slot.token.pieces, holder);
    }
  }

  /** The slot's holder, placed right after the token's text the first time (again if the page removed it). */
  private holderOf(slot: Slot): HTMLElement {
    if (slot.holder?.isConnected) return slot.holder;
    const holder = document.createElement('div');
    holder.dataset.c2c = 'message-holder';
    holder.setAttribute('style', HOLDER_STYLE);
    slot.holder = holder;
    this.sizeHolder(slot);
    slot.token.anchor.after(holder);
    return holder;
  }

  /** Shows a frame hidden while its token was off screen (a pending hide is dropped: see writePending). */
  private reveal(frame: HTMLIFrameElement): void {
    if (frame.style.display === 'none') frame.style.display = 'block';
  }

  private sizeHolder(slot: Slot): void {
    slot.holder?.style.setProperty('height', `${HEIGHT_STEPS[slot.step]! + FRAME_BORDERS_PX}px`);
  }

  /** The live frame whose token was on screen least recently, or null when every live frame is on screen. */
  private leastRecentlyVisible(): Slot | null {
    let victim: Slot | null = null;
    for (const slot of this.live) {
      if (!slot.frame?.isConnected) {
        this.live.delete(slot);
        continue;
      }
      if (!slot.visible && (!victim || slot.lastVisibleAt < victim.lastVisibleAt)) victim = slot;
    }
    return victim;
  }

  /** Removes the least recently visible off-screen frame; false when every live frame is on screen. */
  private evictOne(): boolean {
    const victim = this.leastRecentlyVisible();
    if (victim) this.retire(victim);
    return victim !== null || this.live.size < MAX_LIVE;
  }

  /**
   * Whether the frame's address is one the browser refuses to load for a page: a frame re-pointed by the
   * fixed address (Chrome; in Firefox both addresses are one). A frame at its loading address just
   * reloads itself and shows its message again.
   */
  private refusedOnReload(frame: HTMLIFrameElement): boolean {
    return this.addresses.live !== this.addresses.load && frame.src.startsWith(this.addresses.live);
  }

  /**
   * A re-pointed frame of ours loaded a second document: the page reloaded or re-inserted it (our own
   * re-pointing changes only the fragment, which loads nothing), at an address Chrome will not load for a
   * page. It is replaced by a new frame for its token, in its holder.
   */
  private reloaded(frame: HTMLIFrameElement): void {
    frame.remove();
    for (const slot of this.live) {
      if (slot.frame !== frame) continue;
      slot.frame = null;
      this.live.delete(slot);
      if (slot.visible) this.show(slot);
      return;
    }
  }

  private retire(slot: Slot): void {
    slot.frame?.remove();
    slot.frame = null;
    this.live.delete(slot);
  }
}
