// Answers the background's request to open the compose overlay (open-compose-message.ts) in this frame.
// Every frame of the page gets it: a frame answers only when it opened its focused box or the page's only
// box, or, as the page's top frame, to say there is none or several; the first answer wins, and no answer at
// all means no box.
import type { OpenComposeOutcome } from './open-compose-message';
import { topSameOriginWindow } from './top-document';

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
  if (isTop && (active instanceof HTMLIFrameElement || active instanceof HTMLFrameElement)) return undefined;
  const total = boxes.length + locksElsewhere();
  if (total === 1 && boxes.length === 1) {
    open(boxes[0]!);
    return 'opened';
  }
  // The only box is in another frame (its copy answers), or this subframe has nothing to say.
  if (total === 1 || !isTop) return undefined;
  return total === 0 ? 'no-box' : 'several';
}

/**
 * Shown locks in the other documents of this same-origin frame tree (an about:blank or srcdoc editor frame):
 * each copy of the content script shows one per visible box of its document. Frames of other origins cannot
 * be seen; their boxes are found only with focus.
 */
function locksElsewhere(): number {
  let count = 0;
  const visit = (win: Window) => {
    let doc: Document;
    try {
      doc = win.document;
    } catch {
      return;
    }
    if (doc !== document) {
      for (const lock of doc.querySelectorAll<HTMLElement>('[data-c2c="lock"]')) if (lock.style.visibility === 'visible') count++;
    }
    for (let i = 0; i < win.frames.length; i++) visit(win.frames[i] as Window);
  };
  visit(topSameOriginWindow());
  return count;
}
