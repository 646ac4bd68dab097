// Whether the compose input and Send button are really seen by the user (Chromium's IntersectionObserver
// v2): a page can lay its own look-alike textarea over our input, leaving the rest of our overlay in view,
// and read what the user types there. The browser reports `isVisible: false` while anything covers one of
// them or while they are transformed, filtered or not fully opaque, across frame boundaries, which our
// frame could not tell otherwise. Browsers without v2 (Firefox) report nothing: there, nothing is refused.
import { useEffect, useRef } from 'preact/hooks';

/** Chromium's minimum: visibility is computed at most this often, so a flicker cannot fool it. */
const VISIBILITY_DELAY_MS = 100;

export const TRACKS_VISIBILITY = typeof IntersectionObserverEntry === 'function' && 'isVisible' in IntersectionObserverEntry.prototype;

export interface VisibilityGuard {
  /** A ref callback for each element that must be seen whole before sending. */
  watch(element: Element | null): void;
  /** True while a watched element is not known to be fully visible (unreported yet counts as not visible). */
  covered(): boolean;
}

function createGuard(): VisibilityGuard & { disconnect(): void } {
  const visible = new Map<Element, boolean>();
  // trackVisibility and delay are IntersectionObserver v2, not yet in TypeScript's DOM types.
  const options = { threshold: [0], trackVisibility: true, delay: VISIBILITY_DELAY_MS } as IntersectionObserverInit;
  const observer = TRACKS_VISIBILITY
    ? new IntersectionObserver((entries) => {
        for (const entry of entries) visible.set(entry.target, (entry as IntersectionObserverEntry & { isVisible: boolean }).isVisible);
      }, options)
    : null;
  return {
    watch(element) {
      if (!element || !observer || visible.has(element)) return;
      visible.set(element, false);
      observer.observe(element);
    },
    covered: () => [...visible.values()].some((seen) => !seen),
    disconnect: () => observer?.disconnect(),
  };
}

/** One guard for the component's life (its `watch` stays the same function across renders). */
export function useVisibilityGuard(): VisibilityGuard {
  const guard = useRef<ReturnType<typeof createGuard> | null>(null);
  guard.current ??= createGuard();
  useEffect(() => () => guard.current?.disconnect(), []);
  return guard.current;
}
