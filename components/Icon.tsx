// Every symbol our pages draw, as inline SVG: a font glyph may be missing on the user's system (an empty
// box), and an emoji looks different in every font. Built from elements (no innerHTML); stroke only,
// in the text colour, so it follows the page's light or dark scheme.
import type { JSX } from 'preact';

type Shape = JSX.Element;

const circle = (cx: number, cy: number, r: number) => <circle cx={cx} cy={cy} r={r} />;
const path = (d: string) => <path d={d} />;

/** 24×24 drawings, each a few strokes. */
const SHAPES = {
  check: [path('M4 12.5l5 5L20 6.5')],
  timer: [circle(12, 13, 8), path('M12 9v4l2.5 2.5M9.5 2.5h5')],
  gear: [circle(12, 12, 3), path('M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1')],
  lock: [path('M6 11h12v10H6z'), path('M8.5 11V7.5a3.5 3.5 0 0 1 7 0V11')],
  warning: [path('M12 3L2 20h20z'), path('M12 9v5M12 17v.5')],
  missing: [path('M4 4h16v16H4z'), path('M9 9.5a3 3 0 1 1 3 3v2M12 17v.5')],
  anchor: [circle(12, 5, 2), path('M12 7v14M8 11h8M4 13a8 8 0 0 0 16 0')],
  bell: [path('M6 16V11a6 6 0 0 1 12 0v5l2 2H4z'), path('M10 20a2 2 0 0 0 4 0')],
  bicycle: [circle(6, 16, 4), circle(18, 16, 4), path('M6 16l4-8h5l3 8M10 8l2 8h-6M9 6h3')],
  cat: [path('M5 20V9L4 3l5 4h6l5-4-1 6v11z'), path('M9.5 12v.5M14.5 12v.5M10.5 16h3')],
  compass: [circle(12, 12, 9), path('M15.5 8.5l-2 5-5 2 2-5z')],
  feather: [path('M20 4C12 4 6 9 6 18l-2 2'), path('M6 18c9 0 14-6 14-14M9 14h6')],
  fish: [path('M3 12c3-5 9-7 14-3l4-3v12l-4-3c-5 4-11 2-14-3z'), path('M8 11v.5')],
  key: [circle(8, 15, 4), path('M11 12l9-9M16 7l3 3M14 9l2 2')],
  leaf: [path('M5 19C5 10 10 5 20 4c0 10-5 15-14 15z'), path('M5 19l8-8')],
  moon: [path('M20 14.5A8.5 8.5 0 1 1 9.5 4a7 7 0 0 0 10.5 10.5z')],
  owl: [path('M5 4l3 3h8l3-3v10a7 7 0 0 1-14 0z'), circle(9, 11, 2), circle(15, 11, 2), path('M11 15l1 1.5 1-1.5')],
  tree: [path('M12 2l6 8h-3l4 6H5l4-6H6z'), path('M12 16v6')],
} satisfies Record<string, Shape[]>;

export type IconName = keyof typeof SHAPES;

export interface IconProps {
  name: IconName;
  /** Spoken name; without one the icon is decoration (aria-hidden) beside words that say the same. */
  label?: string;
  size?: string;
  /** Extra attributes: a class, or a data-testid for tests. */
  class?: string;
  testId?: string;
}

export function Icon({ name, label, size = '1em', class: className, testId }: IconProps) {
  return (
    <svg
      viewBox="0 0 24 24"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      class={className ? `icon ${className}` : 'icon'}
      data-icon={name}
      data-testid={testId}
      style={{ verticalAlign: '-0.15em', flex: 'none' }}
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': 'true', focusable: 'false' })}
    >
      {label && <title>{label}</title>}
      {SHAPES[name]}
    </svg>
  );
}
