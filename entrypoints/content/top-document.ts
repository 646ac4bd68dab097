// The content script runs in every frame of an enabled site (each copy looks after its own document). A
// compose box may sit in a small same-origin frame (an about:blank or srcdoc editor frame): the overlay
// then opens in, and the conversation is named by, the outermost document of the same origin.

/** The outermost ancestor window whose document we may touch (a cross-origin one throws on access). */
export function topSameOriginWindow(): Window {
  let win: Window = window;
  while (win.parent !== win) {
    try {
      if (!win.parent.document) break;
      win = win.parent;
    } catch {
      break;
    }
  }
  return win;
}
