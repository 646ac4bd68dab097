// Answers the background's request to open the compose overlay (open-compose-message.ts) in this frame.
// Every frame of the page gets it: a frame answers only when it opened its focused box or, as the page's
// top frame, to say which box it would take; the first answer wins, and no answer at all means no box.
import type { OpenComposeOutcome } from './open-compose-message';

/** True when focus is in this document through every frame above it (each parent focuses our frame). */
function focusReachesHere(): boolean {
  for (let win: Window = window; win !== win.parent; win = win.parent) {
    try {
      const frame = win.frameElement;
      if (!frame || frame.ownerDocument.activeElement !== frame) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Opens the overlay for the box with focus, else (top frame only) for the one box a person can see.
 * Undefined when this frame has nothing to say (another frame holds the focus, or this is a subframe).
 */
export function openRequested(visibleBoxes: () => HTMLElement[], open: (box: HTMLElement) => void): OpenComposeOutcome | undefined {
  const active = document.activeElement;
  const boxes = visibleBoxes();
  const focused = active && focusReachesHere() ? boxes.find((box) => box === active || box.contains(active)) : undefined;
  if (focused) {
    open(focused);
    return 'opened';
  }
  const isTop = window === window.parent;
  // Focus in a subframe: that frame's copy answers if its box has it.
  if (!isTop || active instanceof HTMLIFrameElement || active instanceof HTMLFrameElement) return undefined;
  if (boxes.length !== 1) return boxes.length === 0 ? 'no-box' : 'several';
  open(boxes[0]!);
  return 'opened';
}
