// Shows each found token in an extension-origin message frame, placed right after the token's text.
// Frames are created only for tokens on screen (IntersectionObserver) and at most MAX_LIVE live at once:
// when more are needed, the least recently visible off-screen frame is removed (it comes back if its
// token scrolls into view again). The frame decrypts by itself; the page only ever sees ciphertext.
import { MESSAGE_FRAME_PATH } from '@/lib/content/frames';
import type { FoundToken } from './token-scanner';

const MAX_LIVE = 24;
const FRAME_STYLE = 'display:block;width:100%;max-width:36em;height:5.5em;border:1px solid #8a8;border-radius:6px;margin:2px 0;background:#fff;';

interface Slot {
  token: FoundToken;
  /** The host element observed for visibility (the token text's parent). */
  watched: Element;
  visible: boolean;
  lastVisibleAt: number;
  frame: HTMLIFrameElement | null;
}

export class MessageFrames {
  private readonly byAnchor = new WeakMap<Text, Map<string, Slot>>();
  private readonly byElement = new WeakMap<Element, Slot[]>();
  private readonly live = new Set<Slot>();
  private readonly observer: IntersectionObserver;

  constructor(private readonly extensionUrl: (path: string) => string) {
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), { rootMargin: '200px 0px' });
  }

  add(token: FoundToken): void {
    const watched = token.anchor.parentElement;
    if (!watched) return;
    let slots = this.byAnchor.get(token.anchor);
    if (!slots) this.byAnchor.set(token.anchor, (slots = new Map()));
    if (slots.has(token.key)) return;
    const slot: Slot = { token, watched, visible: false, lastVisibleAt: 0, frame: null };
    slots.set(token.key, slot);
    const onElement = this.byElement.get(watched);
    if (onElement) onElement.push(slot);
    else {
      this.byElement.set(watched, [slot]);
      this.observer.observe(watched);
    }
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    const now = performance.now();
    for (const entry of entries) {
      if (!entry.target.isConnected) {
        this.observer.unobserve(entry.target);
        for (const slot of this.byElement.get(entry.target) ?? []) this.retire(slot);
        this.byElement.delete(entry.target);
        continue;
      }
      for (const slot of this.byElement.get(entry.target) ?? []) {
        slot.visible = entry.isIntersecting;
        if (slot.visible) {
          slot.lastVisibleAt = now;
          this.show(slot);
        }
      }
    }
  }

  private show(slot: Slot): void {
    if (slot.frame?.isConnected || !slot.token.anchor.isConnected) return;
    if (this.live.size >= MAX_LIVE && !this.evictOne()) return;
    const frame = document.createElement('iframe');
    frame.dataset.c2c = 'message-frame';
    frame.src = `${this.extensionUrl(MESSAGE_FRAME_PATH)}#${encodeURIComponent(slot.token.text)}`;
    frame.setAttribute('style', FRAME_STYLE);
    slot.token.anchor.after(frame);
    slot.frame = frame;
    this.live.add(slot);
  }

  /** Removes the least recently visible off-screen frame; false when every live frame is on screen. */
  private evictOne(): boolean {
    let victim: Slot | null = null;
    for (const slot of this.live) {
      if (!slot.frame?.isConnected) {
        this.live.delete(slot);
        return true;
      }
      if (!slot.visible && (!victim || slot.lastVisibleAt < victim.lastVisibleAt)) victim = slot;
    }
    if (!victim) return false;
    this.retire(victim);
    return true;
  }

  private retire(slot: Slot): void {
    slot.frame?.remove();
    slot.frame = null;
    this.live.delete(slot);
  }
}
