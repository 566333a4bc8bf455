import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Raster } from '../src/viz/raster.js';
import { GLYPH_COLUMNS, GLYPH_ROWS, glyphFor, glyphPixel, lineWidth } from '../src/viz/font.js';
import { classColor, colormap, contrastingTextColor, parseColor, TAB10, withAlpha } from '../src/viz/color.js';
import { formatTick, formatTicks, logTicks, niceTicks, wrapText } from '../src/viz/axes.js';

/** Bounding box of pixels that differ from white, or undefined if none. */
function inkBox(r: Raster): { x0: number; y0: number; x1: number; y1: number; count: number } | undefined {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, count = 0;
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      const i = (y * r.width + x) * 4;
      if (r.data[i] !== 255 || r.data[i + 1] !== 255 || r.data[i + 2] !== 255) {
        count++;
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
  }
  return count ? { x0, y0, x1, y1, count } : undefined;
}

test('Raster starts filled with the background and rejects bad sizes', () => {
  const r = new Raster(3, 2, '#102030');
  assert.equal(r.data.length, 3 * 2 * 4);
  assert.deepEqual(r.getPixel(2, 1), [16, 32, 48, 255]);
  assert.throws(() => new Raster(0, 5), /raster size must be whole numbers/);
  assert.throws(() => new Raster(2.5, 5), /2\.5×5/);
});

test('setPixel blends by alpha (source over)', () => {
  const r = new Raster(2, 1);
  r.setPixel(0, 0, [255, 0, 0, 128]);
  const [red, green, blue, alpha] = r.getPixel(0, 0);
  assert.equal(red, 255);
  assert.ok(Math.abs(green - 127) <= 1 && Math.abs(blue - 127) <= 1, `half red over white is pink, got ${green}, ${blue}`);
  assert.equal(alpha, 255);
  r.setPixel(1, 0, 'black', 0.25);
  assert.ok(Math.abs(r.getPixel(1, 0)[0] - 191) <= 1);
  r.setPixel(5, 5, 'black'); // outside: ignored, no throw
  const clear = new Raster(1, 1, 'transparent');
  clear.setPixel(0, 0, [0, 0, 255, 128]);
  assert.deepEqual(clear.getPixel(0, 0), [0, 0, 255, 128], 'over a transparent pixel the colour keeps its own alpha');
});

test('fillRect covers exactly its pixels and respects the clip rectangle', () => {
  const r = new Raster(10, 10);
  r.fillRect(2, 3, 4, 2, 'black');
  assert.deepEqual(inkBox(r), { x0: 2, y0: 3, x1: 5, y1: 4, count: 8 });
  const c = new Raster(10, 10);
  c.setClip(4, 0, 10, 10);
  c.fillRect(0, 0, 10, 1, 'black');
  c.resetClip();
  assert.deepEqual(inkBox(c), { x0: 4, y0: 0, x1: 9, y1: 0, count: 6 });
  const s = new Raster(10, 10);
  s.strokeRect(1, 1, 5, 4, 'black');
  assert.equal(inkBox(s)!.count, 5 * 2 + 2 * 2);
  assert.deepEqual(s.getPixel(3, 2), [255, 255, 255, 255], 'inside of a stroked rectangle stays empty');
});

test('drawLine colours both end points fully and stays near the segment, at any angle', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 29 }),
      fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 29 }),
      fc.integer({ min: 1, max: 3 }),
      (x0, y0, x1, y1, t) => {
        const r = new Raster(40, 30);
        r.drawLine(x0, y0, x1, y1, 'black', t);
        assert.deepEqual(r.getPixel(x0, y0), [0, 0, 0, 255]);
        assert.deepEqual(r.getPixel(x1, y1), [0, 0, 0, 255]);
        const box = inkBox(r)!;
        const reach = Math.ceil(t / 2) + 1;
        assert.ok(box.x0 >= Math.min(x0, x1) - reach && box.x1 <= Math.max(x0, x1) + reach);
        assert.ok(box.y0 >= Math.min(y0, y1) - reach && box.y1 <= Math.max(y0, y1) + reach);
        // Every column the segment crosses has an inked pixel (no gaps).
        for (let x = Math.min(x0, x1); x <= Math.max(x0, x1); x++) {
          let inked = false;
          for (let y = 0; y < 30 && !inked; y++) inked = r.getPixel(x, y)[0] < 128;
          assert.ok(inked, `column ${x} of line (${x0},${y0})→(${x1},${y1}) is empty`);
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('a 1-px horizontal line is crisp: exactly its pixels, nothing above or below', () => {
  const r = new Raster(20, 5);
  r.drawLine(3, 2, 12, 2, 'black');
  assert.deepEqual(inkBox(r), { x0: 3, y0: 2, x1: 12, y1: 2, count: 10 });
});

test('fillCircle and drawCircle ink a disc and a ring of the given radius', () => {
  const r = new Raster(41, 41);
  r.fillCircle(20, 20, 10, 'black');
  const box = inkBox(r)!;
  assert.ok(box.x0 >= 9 && box.x0 <= 10 && box.x1 >= 30 && box.x1 <= 31);
  assert.ok(Math.abs(box.count - Math.PI * 100) < 40, `disc area ${box.count}`);
  const ring = new Raster(41, 41);
  ring.drawCircle(20, 20, 10, 'black');
  assert.deepEqual(ring.getPixel(20, 20), [255, 255, 255, 255], 'ring centre is empty');
  assert.ok(ring.getPixel(30, 20)[0] < 50, 'ring passes through (30, 20)');
});

test('font: every printable ASCII glyph except space has ink, and all glyphs differ', () => {
  const seen = new Map<string, string>();
  for (let c = 33; c <= 126; c++) {
    const ch = String.fromCharCode(c);
    const g = glyphFor(ch);
    let bits = '';
    for (let row = 0; row < GLYPH_ROWS; row++) for (let col = 0; col < GLYPH_COLUMNS; col++) bits += glyphPixel(g, col, row) ? '#' : '.';
    assert.ok(bits.includes('#'), `glyph ${ch} is empty`);
    assert.ok(!seen.has(bits), `glyphs ${seen.get(bits)} and ${ch} look the same`);
    seen.set(bits, ch);
  }
  assert.equal(glyphFor(' ').width, 0);
  assert.equal(glyphFor('é'), glyphFor('?'), 'non-ASCII falls back to ?');
  assert.equal(lineWidth('11'), 11, 'digits are 5 wide with a 1-px gap');
});

test('drawText puts the glyph pixels of "T" where expected', () => {
  const r = new Raster(20, 20);
  r.drawText('T', 4, 6);
  // T: full top bar of 5 pixels, then a stem in the middle column for 6 rows.
  for (let x = 4; x < 9; x++) assert.deepEqual(r.getPixel(x, 6), [0, 0, 0, 255]);
  for (let y = 7; y < 13; y++) assert.deepEqual(r.getPixel(6, y), [0, 0, 0, 255]);
  assert.deepEqual(inkBox(r), { x0: 4, y0: 6, x1: 8, y1: 12, count: 11 });
});

test('drawText scale, alignment, baseline, multi-line and vertical text', () => {
  const one = new Raster(100, 60);
  const size = one.drawText('Hello', 10, 10);
  const ink1 = inkBox(one)!;
  assert.equal(ink1.x1 - ink1.x0 + 1, size.width);
  assert.deepEqual(size, one.measureText('Hello'));

  const two = new Raster(100, 60);
  two.drawText('Hello', 10, 10, { scale: 2 });
  assert.equal(inkBox(two)!.count, ink1.count * 4);

  const right = new Raster(100, 60);
  right.drawText('Hello', 90, 10, { align: 'right' });
  assert.equal(inkBox(right)!.x1, 89);
  const centre = new Raster(100, 60);
  centre.drawText('Hello', 50, 30, { align: 'center', baseline: 'middle' });
  const c = inkBox(centre)!;
  assert.ok(Math.abs((c.x0 + c.x1) / 2 - 50) <= 1 && Math.abs((c.y0 + c.y1) / 2 - 30) <= 1);

  const lines = new Raster(100, 60);
  const multi = lines.drawText('ab\ncd', 0, 0);
  assert.equal(multi.height, 11 + 9);
  assert.ok(inkBox(lines)!.y1 >= 11, 'second line is drawn below the first');

  const vertical = new Raster(60, 100);
  vertical.drawText('Hello', 10, 90, { vertical: true });
  const v = inkBox(vertical)!;
  assert.equal(v.y1, 90, 'vertical text starts at y and reads upwards');
  assert.equal(v.y1 - v.y0 + 1, size.width);
  assert.ok(v.x1 - v.x0 + 1 <= 9);

  const bold = new Raster(100, 60);
  bold.drawText('Hello', 10, 10, { bold: true });
  assert.ok(inkBox(bold)!.count > ink1.count);
  assert.throws(() => one.drawText('x', 0, 0, { scale: 1.5 }), /scale must be a whole number/);
});

test('drawGrayImage upscales by nearest neighbour and clamps values', () => {
  const r = new Raster(6, 4, 'red');
  r.drawGrayImage([0, 0.5, 1, -3, 7, Number.NaN], 3, 2, 0, 0, 2);
  assert.deepEqual(r.getPixel(0, 0), [0, 0, 0, 255]);
  assert.deepEqual(r.getPixel(1, 1), [0, 0, 0, 255]);
  assert.deepEqual(r.getPixel(3, 0), [128, 128, 128, 255]);
  assert.deepEqual(r.getPixel(5, 1), [255, 255, 255, 255]);
  assert.deepEqual(r.getPixel(0, 2), [0, 0, 0, 255], 'negative values clamp to black');
  assert.deepEqual(r.getPixel(2, 3), [255, 255, 255, 255], 'values above 1 clamp to white');
  assert.deepEqual(r.getPixel(4, 2), [0, 0, 0, 255], 'NaN shows as black');
  assert.throws(() => r.drawGrayImage([1, 2, 3], 2, 2, 0, 0), /3 values but 2×2 = 4/);
});

test('colours: parsing, palette, alpha, colormaps and text contrast', () => {
  assert.deepEqual(parseColor('#f00'), [255, 0, 0, 255]);
  assert.deepEqual(parseColor('#11223344'), [17, 34, 51, 68]);
  assert.deepEqual(parseColor('white'), [255, 255, 255, 255]);
  assert.deepEqual(parseColor([1, 2, 3]), [1, 2, 3, 255]);
  assert.throws(() => parseColor('#12'), /unknown colour "#12"/);
  assert.throws(() => parseColor('chartreuse'), /unknown colour/);
  assert.equal(new Set(TAB10).size, 10);
  assert.equal(classColor(11), TAB10[1]);
  assert.deepEqual(withAlpha('#000000', 0.5), [0, 0, 0, 128]);
  assert.deepEqual(colormap('viridis', 0), parseColor('#440154'));
  assert.deepEqual(colormap('viridis', 1), parseColor('#fde725'));
  assert.deepEqual(colormap('blues', 2), colormap('blues', 1), 't is clamped');
  const mid = colormap('greys', 0.5);
  assert.ok(mid[0] > 100 && mid[0] < 160);
  assert.equal(contrastingTextColor(colormap('blues', 1)), '#ffffff');
  assert.equal(contrastingTextColor(colormap('blues', 0)), '#000000');
});

test('niceTicks gives round, evenly spaced values inside the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(1, 17, 6, true).values, [2, 4, 6, 8, 10, 12, 14, 16]);
  assert.deepEqual(niceTicks(1, 3, 10, true).values, [1, 2, 3], 'integer ticks never step below 1');
  fc.assert(
    fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (lo, span) => {
      const { values, step } = niceTicks(lo, lo + span, 6);
      assert.ok(values.length >= 2 && values.length <= 16, `${values.length} ticks for [${lo}, ${lo + span}]`);
      const tolerance = step * 1e-6 + Math.abs(lo) * 1e-15; // decimal rounding can move a tick by one ulp
      for (const v of values) assert.ok(v >= lo - tolerance && v <= lo + span + tolerance, `tick ${v} outside [${lo}, ${lo + span}]`);
      const m = step / Math.pow(10, Math.floor(Math.log10(step)));
      assert.ok([1, 2, 5].some((k) => Math.abs(m - k) < 1e-9), `step ${step} is 1, 2 or 5 × 10^k`);
    }),
    { numRuns: 1000 },
  );
});

test('formatTick has no floating-point noise; logTicks pick powers of ten', () => {
  assert.equal(formatTick(0.30000000000000004, 0.1), '0.3');
  assert.equal(formatTick(0.05, 0.01), '0.05');
  assert.equal(formatTick(1500, 500), '1500');
  assert.equal(formatTick(-0, 1), '0');
  assert.equal(formatTick(2e-5, 1e-5), '2e-5');
  assert.deepEqual(logTicks(0.001, 10).values, [0.001, 0.01, 0.1, 1, 10]);
  assert.deepEqual(logTicks(0.015, 0.08).values, [0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08]);
  assert.throws(() => logTicks(0, 1), /log axis needs positive values/);
  assert.deepEqual(formatTicks([1e6, 1.5e6, 2e6], 5e5), ['1.0e6', '1.5e6', '2.0e6'], 'one precision for a whole axis');
  assert.deepEqual(formatTicks([0, 0.5, 1], 0.5), ['0', '0.5', '1.0']);
});

test('wrapText keeps lines within the width without breaking words', () => {
  const r = new Raster(1, 1);
  const wrapped = wrapText('the quick brown fox jumps over the lazy dog', 60);
  assert.ok(wrapped.split('\n').length > 1);
  for (const line of wrapped.split('\n')) assert.ok(r.measureText(line).width <= 60, line);
  assert.equal(wrapped.replace(/\n/g, ' '), 'the quick brown fox jumps over the lazy dog');
});
