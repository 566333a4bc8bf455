/**
 * Colours for pictures: parsing, a categorical palette for classes and
 * sequential colormaps for heatmaps. Pure TypeScript (runs in a browser).
 */

/** Red, green, blue, alpha, each 0–255. */
export type RGBA = readonly [number, number, number, number];
/** '#rgb', '#rrggbb', '#rrggbbaa', a name from NAMED_COLORS, or an [r, g, b] / [r, g, b, a] tuple (0–255). */
export type Color = string | RGBA | readonly [number, number, number];

/** matplotlib's tab10: ten categorical colours that stay distinct from each other. */
export const TAB10: readonly string[] = [
  '#1f77b4', // blue
  '#ff7f0e', // orange
  '#2ca02c', // green
  '#d62728', // red
  '#9467bd', // purple
  '#8c564b', // brown
  '#e377c2', // pink
  '#7f7f7f', // gray
  '#bcbd22', // olive
  '#17becf', // cyan
];

export const NAMED_COLORS: Readonly<Record<string, string>> = {
  black: '#000000',
  white: '#ffffff',
  gray: '#808080',
  grey: '#808080',
  lightgray: '#d3d3d3',
  darkgray: '#404040',
  red: '#d62728',
  green: '#2ca02c',
  blue: '#1f77b4',
  orange: '#ff7f0e',
  purple: '#9467bd',
  transparent: '#00000000',
};

const parsedCache = new Map<string, RGBA>();

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** Turns any Color into RGBA; an unknown name or malformed hex string is an Error. */
export function parseColor(color: Color): RGBA {
  if (typeof color !== 'string') {
    const n: number = color.length;
    if (n !== 3 && n !== 4) throw new Error(`colour tuple must have 3 or 4 components, got ${n}`);
    return [clampByte(color[0]), clampByte(color[1]), clampByte(color[2]), clampByte(color[3] ?? 255)];
  }
  const cached = parsedCache.get(color);
  if (cached) return cached;
  const named = NAMED_COLORS[color.toLowerCase()];
  const hex = (named ?? color).trim();
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(hex);
  if (!m) throw new Error(`unknown colour "${color}" (use #rgb, #rrggbb, #rrggbbaa or one of ${Object.keys(NAMED_COLORS).join(', ')})`);
  let digits = m[1]!;
  if (digits.length === 3) digits = digits.replace(/./g, (d) => d + d);
  const byte = (i: number) => parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  const rgba: RGBA = [byte(0), byte(1), byte(2), digits.length === 8 ? byte(3) : 255];
  parsedCache.set(color, rgba);
  return rgba;
}

/** The colour for class `index` (cycles through TAB10). */
export function classColor(index: number): string {
  const n = TAB10.length;
  return TAB10[((Math.trunc(index) % n) + n) % n]!;
}

/** The same colour with its alpha replaced by `alpha` in [0, 1]. */
export function withAlpha(color: Color, alpha: number): RGBA {
  const [r, g, b] = parseColor(color);
  return [r, g, b, clampByte(alpha * 255)];
}

/** Relative luminance in [0, 1] (sRGB, WCAG formula). */
export function luminance(color: Color): number {
  const [r, g, b] = parseColor(color);
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Black or white, whichever reads better on `background`. */
export function contrastingTextColor(background: Color): string {
  // 0.179 is the luminance where black and white have equal WCAG contrast.
  return luminance(background) > 0.179 ? '#000000' : '#ffffff';
}

export type ColormapName = 'viridis' | 'blues' | 'greys';

// Stops sampled evenly from matplotlib's colormaps; values between are interpolated linearly.
const COLORMAP_STOPS: Readonly<Record<ColormapName, readonly string[]>> = {
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'],
  blues: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'],
  greys: ['#ffffff', '#f0f0f0', '#d9d9d9', '#bdbdbd', '#969696', '#737373', '#525252', '#252525', '#000000'],
};

/** Colour at position t ∈ [0, 1] of a sequential colormap (t is clamped; NaN gives the low end). */
export function colormap(name: ColormapName, t: number): RGBA {
  const stops = COLORMAP_STOPS[name];
  if (!stops) throw new Error(`unknown colormap "${String(name)}" (use ${Object.keys(COLORMAP_STOPS).join(', ')})`);
  const x = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = parseColor(stops[i]!);
  const b = parseColor(stops[i + 1]!);
  return [
    clampByte(a[0] + (b[0] - a[0]) * f),
    clampByte(a[1] + (b[1] - a[1]) * f),
    clampByte(a[2] + (b[2] - a[2]) * f),
    255,
  ];
}
