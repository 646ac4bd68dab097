// Whether the compose input and Send button are really seen by the user (IntersectionObserver v2): a page can
// lay its own look-alike textarea over our input, leaving the rest of our overlay in view, and read what the
// user types there. Browsers without v2 (Firefox) report nothing: there, nothing is refused.
import { useEffect, useRef } from 'preact/hooks';
import { TRACKS_VISIBILITY, visibilityOptions, type VisibilityEntry } from '@/components/frames/track-visibility';

export interface VisibilityGuard {
  /** A ref callback for each element that must be seen whole before sending. */
  watch(element: Element | null): void;
  /** True while a watched element is not known to be fully visible (unreported yet counts as not visible). */
  covered(): boolean;
}

function createGuard(): VisibilityGuard & { disconnect(): void } {
  const visible = new Map<Element, boolean>();
  const observer = TRACKS_VISIBILITY
    ? new IntersectionObserver((entries) => {
        for (const entry of entries as VisibilityEntry[]) visible.set(entry.target, entry.isVisible === true);
      }, visibilityOptions([0]))
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
