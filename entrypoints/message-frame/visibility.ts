// Whether this frame is fully on show in the page, as the browser (not the page) reports it. A page can crop
// a genuine frame to its status line and draw its own text beside it, or paint over the text and leave the
// status line in view; the status line (the user's mark, the sender, "verified") is shown only while the
// whole frame has been inside the top-level viewport, clipped by no ancestor, for a moment. Where the browser
// has IntersectionObserver v2 (Chromium), it must also have been uncovered, untransformed, unfiltered and
// fully opaque all that time. The frame's viewport is watched through a transparent element covering it.
// Masks on an ancestor are not seen by either (docs/THREAT-MODEL.md). Chromium reports isVisible false for
// every element outside the page's top layer while anything is shown in it: our locks stay out of it, so
// only the page's own dialogs and popovers (and our compose overlay) hide the status lines while open.

import { TRACKS_VISIBILITY, visibilityOptions, type VisibilityEntry } from '@/components/frames/track-visibility';

/** How long the frame must have been fully visible before the status line shows. */
export const REVEAL_AFTER_MS = 500;

/** Calls `onChange(true)` once the frame has been fully visible for REVEAL_AFTER_MS, `onChange(false)` at once when it is not. */
export function watchFullyVisible(onChange: (visible: boolean) => void): void {
  const sentinel = document.createElement('div');
  sentinel.setAttribute('aria-hidden', 'true');
  sentinel.setAttribute('style', 'position:fixed;inset:0;pointer-events:none;z-index:2147483647;background:transparent;');
  document.body.append(sentinel);
  let timer: ReturnType<typeof setTimeout> | null = null;
  new IntersectionObserver((entries) => {
    const last = entries[entries.length - 1]! as VisibilityEntry;
    const visible = last.intersectionRatio >= 0.99 && (!TRACKS_VISIBILITY || last.isVisible === true);
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (!visible) onChange(false);
    else timer = setTimeout(() => onChange(true), REVEAL_AFTER_MS);
  }, visibilityOptions([0.99, 1])).observe(sentinel);
}
