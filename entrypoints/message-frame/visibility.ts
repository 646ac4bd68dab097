// Whether this frame is fully on show in the page, as the browser (not the page) reports it. A page can crop
// a genuine frame to its status line and draw its own text beside it; the status line (the user's mark, the
// sender, "verified") is shown only while the whole frame has been inside the top-level viewport, clipped by
// no ancestor, for a moment. The frame's viewport is watched through a transparent element covering it.
// Covering, fading or tilting the frame is not seen here: IntersectionObserver v2's isVisible would tell of
// most of it, but Chromium 150 reports it false for every in-page element as soon as anything is shown in
// the page's top layer (our lock buttons are), and it misses masks (measured; docs/THREAT-MODEL.md).

/** How long the frame must have been fully visible before the status line shows. */
export const REVEAL_AFTER_MS = 500;

/** Calls `onChange(true)` once the frame has been fully visible for REVEAL_AFTER_MS, `onChange(false)` at once when it is not. */
export function watchFullyVisible(onChange: (visible: boolean) => void): void {
  const sentinel = document.createElement('div');
  sentinel.setAttribute('aria-hidden', 'true');
  sentinel.setAttribute('style', 'position:fixed;inset:0;pointer-events:none;z-index:2147483647;background:transparent;');
  document.body.append(sentinel);
  let timer: ReturnType<typeof setTimeout> | null = null;
  new IntersectionObserver(
    (entries) => {
      const visible = entries[entries.length - 1]!.intersectionRatio >= 0.99;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (!visible) onChange(false);
      else timer = setTimeout(() => onChange(true), REVEAL_AFTER_MS);
    },
    { threshold: [0.99, 1] },
  ).observe(sentinel);
}
