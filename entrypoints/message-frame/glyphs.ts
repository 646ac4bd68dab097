// Which characters this browser can draw. A character no installed font has is drawn as the browser's
// "missing glyph" box (Firefox puts the code in it, Chromium leaves it empty), whose size depends only on
// how many hex digits the code has. So a character whose canvas metrics equal those of a code point that
// no font can have (an unassigned one with as many digits) is taken as missing. Cached per character.

/** The message text's font (frame.css, message.css): the system's emoji fonts last. */
export const MESSAGE_FONT = '16px system-ui, sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"';

/** Unassigned code points (not private use, not noncharacters), by the number of hex digits of a code. */
const NEVER_DRAWN: Record<4 | 5 | 6, string> = { 4: '\u0378', 5: '\u{3FFF0}', 6: '\u{10FFF0}' };

type Metrics = string;

let context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null | undefined;
const references = new Map<4 | 5 | 6, Metrics>();
const known = new Map<string, boolean>();

function canvas(): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null {
  if (context === undefined) {
    context = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(1, 1).getContext('2d') : document.createElement('canvas').getContext('2d');
    if (context) context.font = MESSAGE_FONT;
  }
  return context;
}

function metricsOf(ctx: NonNullable<ReturnType<typeof canvas>>, text: string): Metrics {
  const m = ctx.measureText(text);
  return [m.width, m.actualBoundingBoxLeft, m.actualBoundingBoxRight, m.actualBoundingBoxAscent, m.actualBoundingBoxDescent].map((n) => n.toFixed(2)).join(',');
}

const digits = (codePoint: number): 4 | 5 | 6 => (codePoint <= 0xffff ? 4 : codePoint <= 0xfffff ? 5 : 6);

/** True when a font can draw the code point (or when this browser cannot tell: nothing is replaced then). */
export function hasGlyph(char: string): boolean {
  const cached = known.get(char);
  if (cached !== undefined) return cached;
  const ctx = canvas();
  const codePoint = char.codePointAt(0)!;
  let found = true;
  if (ctx) {
    const size = digits(codePoint);
    let reference = references.get(size);
    if (reference === undefined) references.set(size, (reference = metricsOf(ctx, NEVER_DRAWN[size])));
    found = metricsOf(ctx, char) !== reference;
  }
  known.set(char, found);
  return found;
}
