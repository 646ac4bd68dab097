// IntersectionObserver v2 (Chromium): `isVisible` says whether anything is drawn over an element or an effect
// (transform, filter, opacity below 1) alters it, across frame boundaries, which our frames could not tell
// otherwise. Browsers without v2 (Firefox) report nothing of the kind.

export const TRACKS_VISIBILITY = typeof IntersectionObserverEntry === 'function' && 'isVisible' in IntersectionObserverEntry.prototype;

/** Chromium's minimum: visibility is computed at most this often, so a flicker cannot fool it. */
const VISIBILITY_DELAY_MS = 100;

/** An entry with v2's answer, where the browser gives one. */
export type VisibilityEntry = IntersectionObserverEntry & { isVisible?: boolean };

/** Observer options that track visibility where the browser can. */
export function visibilityOptions(threshold: number[]): IntersectionObserverInit {
  // trackVisibility and delay are IntersectionObserver v2, not yet in TypeScript's DOM types.
  return { threshold, ...(TRACKS_VISIBILITY ? { trackVisibility: true, delay: VISIBILITY_DELAY_MS } : {}) } as IntersectionObserverInit;
}
