// Folds a token's ciphertext away once our frame shows it: the element that holds nothing but the token's
// text is shrunk to no size (font-size 0; the page's other elements and its layout outside the message are
// untouched), and a small inert marker beside the frame shows the text again. A text that shares its element
// with the page's own words or elements is left as it is: hiding those would hide the page's content.
// A host re-render makes new nodes, which are found and folded again.

const MARKER_STYLE =
  'all:revert;display:inline-block;margin:0 0 2px;padding:0 6px;font:12px/18px system-ui,sans-serif;color:#466;background:#eef3ee;border:1px solid #acb;border-radius:9px;cursor:pointer;';

interface Folded {
  element: HTMLElement;
  /** The element's own inline font-size before we folded it, put back when unfolded. */
  before: { value: string; priority: string };
}

/**
 * The element to fold for a text node: its parent, when that holds only this token's texts and our elements.
 * Comments show nothing and are passed over: template libraries leave them as markers around every value
 * they render (Lit's `<!--?lit$…-->`, as in Converse.js; Vue's `<!--v-if-->`; Angular's).
 */
function foldable(text: Text, pieces: ReadonlySet<Text>): HTMLElement | null {
  const parent = text.parentElement;
  if (!parent || parent === text.ownerDocument.body) return null;
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (child instanceof Text) {
      if (!pieces.has(child) && child.data.trim() !== '') return null;
    } else if (!(child instanceof Comment) && !(child instanceof Element && child.hasAttribute('data-c2c'))) return null;
  }
  return parent;
}

export class Folds {
  constructor(private readonly labels: { show: string; hide: string }) {}

  /**
   * Folds the elements of `pieces` that hold only ciphertext and puts the marker before `holder`; returns
   * what was folded, or null when nothing could be, so the caller can unfold it when the token goes.
   */
  fold(pieces: readonly Text[], holder: HTMLElement): Fold | null {
    const set = new Set(pieces);
    const folded: Folded[] = [];
    for (const piece of pieces) {
      const element = foldable(piece, set);
      if (!element || folded.some((f) => f.element === element)) continue;
      folded.push({ element, before: { value: element.style.getPropertyValue('font-size'), priority: element.style.getPropertyPriority('font-size') } });
    }
    if (folded.length === 0) return null;
    for (const f of folded) f.element.style.setProperty('font-size', '0', 'important');
    const marker = this.marker(folded);
    holder.before(marker);
    return { folded, marker };
  }

  private marker(folded: Folded[]): HTMLButtonElement {
    const marker = document.createElement('button');
    marker.type = 'button';
    marker.dataset.c2c = 'fold';
    marker.setAttribute('style', MARKER_STYLE);
    marker.setAttribute('aria-pressed', 'false');
    marker.textContent = this.labels.show;
    marker.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      const open = marker.getAttribute('aria-pressed') !== 'true';
      for (const f of folded) {
        if (open) f.element.style.setProperty('font-size', f.before.value, f.before.priority);
        else f.element.style.setProperty('font-size', '0', 'important');
      }
      marker.setAttribute('aria-pressed', String(open));
      marker.textContent = open ? this.labels.hide : this.labels.show;
    });
    return marker;
  }
}

/** What one token folded, and its marker. */
export interface Fold {
  folded: Folded[];
  marker: HTMLButtonElement;
}

/** Puts folded elements back as the page had them (the token's frame was replaced) and removes the marker. */
export function unfold({ folded, marker }: Fold): void {
  marker.remove();
  for (const f of folded) f.element.style.setProperty('font-size', f.before.value, f.before.priority);
}
