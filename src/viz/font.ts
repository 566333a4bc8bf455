/**
 * A built-in bitmap font for ASCII 32–126, so pictures need no font files or canvas.
 *
 * Each glyph is 5 columns × 9 rows: rows 0–6 hold capitals and digits (cap height 7),
 * rows 7–8 hold descenders (g, j, p, q, y, comma). Glyphs are proportional: a glyph's
 * advance is its inked width + 1 px, except digits, which keep the full 5 columns so
 * numbers in tables and tick labels line up.
 *
 * Encoding: GLYPH_DATA holds 9 characters per glyph, one per row, each a base-32 digit
 * whose 5 bits are the row's pixels (most significant bit = leftmost column).
 */

export const GLYPH_COLUMNS = 5;
export const GLYPH_ROWS = 9;
/** Height of capitals and digits (rows above the baseline). */
export const CAP_HEIGHT = 7;
/** Vertical distance between consecutive text lines at scale 1. */
export const LINE_HEIGHT = 11;
const SPACE_ADVANCE = 4;
const FIRST_CODE = 32;
const LAST_CODE = 126;

const GLYPH_DATA =
  '000000000444440400aaa000000aavavaa004fke5u400op248j300cik8lid00448000000' +
  '24888420084222480004lel4000044v4400000000cc48000u0000000000cc0011248gg00' +
  'ehjlphe004c4444e00eh1248v00v2421he0026aiv2200vgu11he0068guhhe00v12488800' +
  'ehhehhe00ehhf12c000cc0cc0000cc0cc480248g8420000v0v0000842124800eh1240400' +
  'eh1dlle00ehhvhhh00uhhuhhu00ehggghe00uhhhhhu00vgguggv00vgguggg00ehgnhhf00' +
  'hhhvhhh00e44444e0072222ic00hikokih00ggggggv00hrllhhh00hhpljhh00ehhhhhe00' +
  'uhhuggg00ehhhlid00uhhukih00fgge11u00v44444400hhhhhhe00hhhhha400hhhllla00' +
  'hha4ahh00hha444400v1248gv00e88888e00gg8421100e22222e004ah0000000000000v0' +
  '84200000000e1fhf00ggmphhu0000egghe0011djhhf0000ehvge00698s8880000fhhjd1e' +
  'ggmphhh0040c444e002062222icggikoki00c44444e0000qllll0000mphhh0000ehhhe00' +
  '00uhhpmgg00fhhjd1100mpggg0000fge1u0088s88960000hhhjd0000hhha40000hhlla00' +
  '00ha4ah0000hhhjd1e00v248v00344844300444444444o44244o00008l20000'
;

export interface Glyph {
  /** rows[r] bit (4 - c) set ⇔ pixel at column c, row r is inked; already shifted so column 0 is the first inked one. */
  readonly rows: Uint8Array;
  /** Inked width in pixels (0 for space). */
  readonly width: number;
  /** Horizontal distance to the next glyph's origin. */
  readonly advance: number;
}

function buildGlyphs(): Glyph[] {
  const glyphs: Glyph[] = [];
  for (let code = FIRST_CODE; code <= LAST_CODE; code++) {
    const rows = new Uint8Array(GLYPH_ROWS);
    let used = 0;
    for (let r = 0; r < GLYPH_ROWS; r++) {
      rows[r] = parseInt(GLYPH_DATA[(code - FIRST_CODE) * GLYPH_ROWS + r]!, 32);
      used |= rows[r]!;
    }
    if (used === 0) {
      glyphs.push({ rows, width: 0, advance: SPACE_ADVANCE });
      continue;
    }
    const isDigit = code >= 48 && code <= 57;
    // Leftmost inked column is the highest set bit of `used`; trim empty columns on both sides.
    let first = 0;
    while (!(used & (1 << (GLYPH_COLUMNS - 1 - first)))) first++;
    let last = GLYPH_COLUMNS - 1;
    while (!(used & (1 << (GLYPH_COLUMNS - 1 - last)))) last--;
    if (isDigit) {
      first = 0;
      last = GLYPH_COLUMNS - 1;
    }
    const shifted = rows.map((bits) => (bits << first) & 0x1f);
    const width = last - first + 1;
    glyphs.push({ rows: shifted, width, advance: width + 1 });
  }
  return glyphs;
}

const GLYPHS = buildGlyphs();
const REPLACEMENT = GLYPHS['?'.charCodeAt(0) - FIRST_CODE]!;

/** The glyph for a character; characters outside ASCII 32–126 are drawn as '?'. */
export function glyphFor(ch: string): Glyph {
  const code = ch.charCodeAt(0);
  if (code < FIRST_CODE || code > LAST_CODE) return REPLACEMENT;
  return GLYPHS[code - FIRST_CODE]!;
}

/** Width in pixels of one line of text at scale 1 (no trailing gap after the last glyph). */
export function lineWidth(line: string): number {
  let w = 0;
  for (const ch of line) w += glyphFor(ch).advance;
  return line.length > 0 ? w - 1 : 0;
}

/** True when the glyph has an inked pixel at (column, row) of its trimmed box. */
export function glyphPixel(glyph: Glyph, column: number, row: number): boolean {
  if (column < 0 || column >= GLYPH_COLUMNS || row < 0 || row >= GLYPH_ROWS) return false;
  return (glyph.rows[row]! & (1 << (GLYPH_COLUMNS - 1 - column))) !== 0;
}
