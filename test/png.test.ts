import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { decodePng, encodePng, writePng } from '../src/io/png.js';

// ---- An independent PNG writer for test input (packs samples, filters rows, interlaces). ----

interface CraftSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** samples[(y * width + x) * channels + c] at full bit depth. */
  samples: number[];
  palette?: number[];
  trns?: number[];
  interlace?: boolean;
  /** Filter used for row y of each pass: filters[y % filters.length]. */
  filters?: number[];
  /** Split the zlib stream into this many IDAT chunks. */
  idatChunks?: number;
  extraChunks?: { type: string; data: Uint8Array }[];
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

function be32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function pngChunk(type: string, data: Uint8Array | number[]): number[] {
  const body = [...type].map((c) => c.charCodeAt(0)).concat([...data]);
  return [...be32(data.length), ...body, ...be32(zlibCrc32(Uint8Array.from(body)))];
}

function packRow(spec: CraftSpec, xs: number[], y: number): number[] {
  const ch = CHANNELS[spec.colorType];
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const x of xs) {
    for (let c = 0; c < ch; c++) {
      const v = spec.samples[(y * spec.width + x) * ch + c]!;
      if (spec.bitDepth === 16) bytes.push(v >> 8, v & 255);
      else if (spec.bitDepth === 8) bytes.push(v);
      else {
        acc = (acc << spec.bitDepth) | v;
        bits += spec.bitDepth;
        if (bits === 8) {
          bytes.push(acc);
          acc = 0;
          bits = 0;
        }
      }
    }
  }
  if (bits > 0) bytes.push(acc << (8 - bits));
  return bytes;
}

function filterRows(rows: number[][], bpp: number, filters: number[]): number[] {
  const out: number[] = [];
  rows.forEach((row, y) => {
    const f = filters[y % filters.length]!;
    const prev = y > 0 ? rows[y - 1]! : row.map(() => 0);
    out.push(f);
    row.forEach((x, i) => {
      const a = i >= bpp ? row[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      const p = a + b - c;
      const pr = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, pr][f]!;
      out.push((x - pred) & 255);
    });
  });
  return out;
}

function craftPng(spec: CraftSpec): Uint8Array {
  const { width, height } = spec;
  const bpp = Math.max(1, (CHANNELS[spec.colorType] * spec.bitDepth) >> 3);
  const filters = spec.filters ?? [0];
  const passes = spec.interlace
    ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]
    : [[0, 0, 1, 1]];
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of passes as [number, number, number, number][]) {
    const xs: number[] = [];
    for (let x = x0; x < width; x += dx) xs.push(x);
    const rows: number[][] = [];
    for (let y = y0; y < height; y += dy) if (xs.length > 0) rows.push(packRow(spec, xs, y));
    raw.push(...filterRows(rows, bpp, filters));
  }
  const z = deflateSync(Uint8Array.from(raw));
  const parts = spec.idatChunks ?? 1;
  const size = Math.ceil(z.length / parts);
  const ihdr = [...be32(width), ...be32(height), spec.bitDepth, spec.colorType, 0, 0, spec.interlace ? 1 : 0];
  const bytes = [137, 80, 78, 71, 13, 10, 26, 10, ...pngChunk('IHDR', ihdr)];
  for (const c of spec.extraChunks ?? []) bytes.push(...pngChunk(c.type, c.data));
  if (spec.palette) bytes.push(...pngChunk('PLTE', spec.palette));
  if (spec.trns) bytes.push(...pngChunk('tRNS', spec.trns));
  for (let i = 0; i < z.length; i += size) bytes.push(...pngChunk('IDAT', z.subarray(i, i + size)));
  bytes.push(...pngChunk('IEND', []));
  return Uint8Array.from(bytes);
}

/** Deterministic pseudo-random samples in [0, max]. */
function samples(n: number, max: number, seed = 7): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return (s >>> 8) % (max + 1); // the low bits of an LCG are poor; use the high ones
  });
}

function pixel(img: { width: number; data: Uint8ClampedArray }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 4;
  return [...img.data.subarray(i, i + 4)];
}

// ---- Round trips ----

test('encodePng → decodePng returns the same RGBA pixels for random images', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 23 }), fc.integer(), (w, h, seed) => {
      const data = Uint8ClampedArray.from(samples(w * h * 4, 255, seed & 0xffff));
      const back = decodePng(encodePng({ width: w, height: h, data }));
      assert.equal(back.width, w);
      assert.equal(back.height, h);
      assert.deepEqual(back.data, data);
    }),
    { numRuns: 60 },
  );
});

test('encodePng writes a valid signature, IHDR for 8-bit RGBA and compresses flat images', () => {
  const png = encodePng({ width: 200, height: 100, data: new Uint8ClampedArray(200 * 100 * 4).fill(255) });
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.equal(String.fromCharCode(...png.subarray(12, 16)), 'IHDR');
  assert.equal(png[24], 8);
  assert.equal(png[25], 6);
  assert.ok(png.length < 1000, `a white 200×100 image should compress well, got ${png.length} bytes`);
});

test('encodePng rejects data of the wrong length', () => {
  assert.throws(() => encodePng({ width: 2, height: 2, data: new Uint8Array(15) }), /2×2 RGBA needs 16 bytes, got 15/);
});

test('writePng writes a file that decodes to the same pixels and leaves no temp files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-png-'));
  try {
    const data = Uint8ClampedArray.from(samples(5 * 4 * 4, 255));
    writePng(join(dir, 'a.png'), { width: 5, height: 4, data });
    assert.deepEqual(decodePng(readFileSync(join(dir, 'a.png'))).data, data);
    assert.deepEqual(readdirSync(dir), ['a.png']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- Other colour types and bit depths ----

for (const depth of [1, 2, 4, 8, 16] as const) {
  test(`decodes ${depth}-bit grayscale, scaling samples to 0–255`, () => {
    const max = (1 << depth) - 1;
    const s = samples(13 * 5, max);
    const img = decodePng(craftPng({ width: 13, height: 5, colorType: 0, bitDepth: depth, samples: s, filters: [0, 1, 2, 3, 4] }));
    for (let i = 0; i < 13 * 5; i++) {
      const expected = depth === 16 ? s[i]! >> 8 : Math.round((s[i]! * 255) / max);
      assert.deepEqual(pixel(img, i % 13, Math.floor(i / 13)), [expected, expected, expected, 255]);
    }
  });
}

test('decodes grayscale tRNS key colour as transparent', () => {
  const img = decodePng(craftPng({ width: 3, height: 1, colorType: 0, bitDepth: 8, samples: [10, 20, 10], trns: [0, 10] }));
  assert.deepEqual(pixel(img, 0, 0), [10, 10, 10, 0]);
  assert.deepEqual(pixel(img, 1, 0), [20, 20, 20, 255]);
});

for (const depth of [8, 16] as const) {
  test(`decodes ${depth}-bit RGB, RGBA and gray+alpha with every filter type`, () => {
    const max = (1 << depth) - 1;
    const to8 = (v: number) => (depth === 16 ? v >> 8 : v);
    for (const colorType of [2, 4, 6] as const) {
      const ch = CHANNELS[colorType];
      const s = samples(9 * 7 * ch, max, colorType);
      const img = decodePng(craftPng({ width: 9, height: 7, colorType, bitDepth: depth, samples: s, filters: [4, 3, 2, 1, 0] }));
      for (let p = 0; p < 9 * 7; p++) {
        const v = s.slice(p * ch, p * ch + ch).map(to8);
        const expected = colorType === 2 ? [...v, 255] : colorType === 4 ? [v[0]!, v[0]!, v[0]!, v[1]!] : v;
        assert.deepEqual(pixel(img, p % 9, Math.floor(p / 9)), expected, `colour type ${colorType}, pixel ${p}`);
      }
    }
  });
}

test('decodes RGB tRNS key colour (16-bit compare) as transparent', () => {
  const s = [1000, 2000, 3000, 1000, 2000, 3001];
  const img = decodePng(craftPng({ width: 2, height: 1, colorType: 2, bitDepth: 16, samples: s, trns: [...[1000, 2000, 3000].flatMap((v) => [v >> 8, v & 255])] }));
  assert.equal(pixel(img, 0, 0)[3], 0);
  assert.equal(pixel(img, 1, 0)[3], 255);
});

for (const depth of [1, 2, 4, 8] as const) {
  test(`decodes ${depth}-bit palette images with partial tRNS`, () => {
    const entries = 1 << depth;
    const palette = Array.from({ length: entries * 3 }, (_, i) => (i * 37) % 256);
    const trns = [0, 128]; // only the first two entries carry alpha
    const s = samples(11 * 3, entries - 1, depth);
    const img = decodePng(craftPng({ width: 11, height: 3, colorType: 3, bitDepth: depth, samples: s, palette, trns, filters: [1, 2] }));
    s.forEach((idx, p) => {
      const expected = [palette[idx * 3]!, palette[idx * 3 + 1]!, palette[idx * 3 + 2]!, idx < 2 ? trns[idx]! : 255];
      assert.deepEqual(pixel(img, p % 11, Math.floor(p / 11)), expected);
    });
  });
}

test('decodes Adam7-interlaced images the same as non-interlaced ones', () => {
  const cases: [number, number, 0 | 2 | 3 | 6, 1 | 4 | 8 | 16][] = [
    [1, 1, 6, 8],
    [3, 5, 2, 8],
    [9, 9, 0, 1],
    [17, 11, 6, 16],
    [8, 8, 0, 4],
    [10, 3, 3, 4],
  ];
  for (const [w, h, colorType, bitDepth] of cases) {
    const max = (1 << bitDepth) - 1;
    const s = samples(w * h * CHANNELS[colorType], colorType === 3 ? 15 : max, w * h);
    const palette = colorType === 3 ? Array.from({ length: 48 }, (_, i) => i * 5) : undefined;
    const base = { width: w, height: h, colorType, bitDepth, samples: s, palette, filters: [0, 1, 2, 3, 4] };
    const plain = decodePng(craftPng(base));
    const interlaced = decodePng(craftPng({ ...base, interlace: true }));
    assert.deepEqual(interlaced.data, plain.data, `${w}×${h} colour type ${colorType} depth ${bitDepth}`);
  }
});

test('joins multiple IDAT chunks and skips unknown ancillary chunks', () => {
  const s = samples(20 * 20 * 4, 255);
  const png = craftPng({ width: 20, height: 20, colorType: 6, bitDepth: 8, samples: s, idatChunks: 5, extraChunks: [{ type: 'tEXt', data: new TextEncoder().encode('Comment\0hi') }] });
  assert.deepEqual([...decodePng(png).data], s);
});

// ---- Damaged input ----

const good = craftPng({ width: 4, height: 4, colorType: 2, bitDepth: 8, samples: samples(48, 255) });

test('non-PNG input is an error naming the file and the bad signature', () => {
  assert.throws(() => decodePng(new TextEncoder().encode('hello, I am a text file'), 'notes.txt'), /notes\.txt: not a PNG file \(bad signature/);
  assert.throws(() => decodePng(new Uint8Array(0), 'empty.png'), /empty\.png: not a PNG file/);
  assert.throws(() => decodePng(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70), 'me.jpg'), /me\.jpg: not a PNG file: it is a JPEG image/);
});

test('truncated files are an error saying so', () => {
  for (const cut of [10, 20, 40, good.length - 5]) {
    assert.throws(() => decodePng(good.subarray(0, cut), 'cut.png'), /cut\.png: truncated/, `cut at ${cut}`);
  }
});

test('a flipped byte is reported as a CRC mismatch in its chunk', () => {
  const bad = Uint8Array.from(good);
  bad[20] ^= 0x40; // inside IHDR data
  assert.throws(() => decodePng(bad, 'flip.png'), /flip\.png: CRC mismatch in IHDR chunk/);
  const bad2 = Uint8Array.from(good);
  bad2[45] ^= 0x01; // inside IDAT data
  assert.throws(() => decodePng(bad2, 'flip2.png'), /CRC mismatch in IDAT chunk/);
});

test('missing IHDR, missing IDAT, corrupt zlib data and bad headers are clear errors', () => {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  const noIhdr = Uint8Array.from([...sig, ...pngChunk('IDAT', [1, 2, 3]), ...pngChunk('IEND', [])]);
  assert.throws(() => decodePng(noIhdr, 'x.png'), /x\.png: missing IHDR/);
  const ihdr = pngChunk('IHDR', [...be32(2), ...be32(2), 8, 2, 0, 0, 0]);
  const noIdat = Uint8Array.from([...sig, ...ihdr, ...pngChunk('IEND', [])]);
  assert.throws(() => decodePng(noIdat, 'y.png'), /y\.png: missing IDAT/);
  const junk = Uint8Array.from([...sig, ...ihdr, ...pngChunk('IDAT', [1, 2, 3, 4, 5]), ...pngChunk('IEND', [])]);
  assert.throws(() => decodePng(junk, 'z.png'), /z\.png: corrupt compressed image data/);
  const short = Uint8Array.from([...sig, ...ihdr, ...pngChunk('IDAT', deflateSync(Uint8Array.of(0, 1, 2))), ...pngChunk('IEND', [])]);
  assert.throws(() => decodePng(short), /image data too short/);
  const bomb = Uint8Array.from([...sig, ...ihdr, ...pngChunk('IDAT', deflateSync(new Uint8Array(1 << 20))), ...pngChunk('IEND', [])]);
  assert.throws(() => decodePng(bomb), /inflates to far more than the 14 bytes a 2×2 image needs/, 'far more data than a 2×2 image needs is refused');
  const badDepth = Uint8Array.from([...sig, ...pngChunk('IHDR', [...be32(2), ...be32(2), 4, 2, 0, 0, 0]), ...pngChunk('IDAT', [0]), ...pngChunk('IEND', [])]);
  assert.throws(() => decodePng(badDepth), /bit depth 4 is not allowed for colour type 2/);
  const badFilter = Uint8Array.from([...sig, ...ihdr, ...pngChunk('IDAT', deflateSync(Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))), ...pngChunk('IEND', [])]);
  assert.throws(() => decodePng(badFilter), /unknown filter type 7/);
  const noPalette = craftPng({ width: 1, height: 1, colorType: 3, bitDepth: 8, samples: [0] });
  assert.throws(() => decodePng(noPalette), /no PLTE chunk/);
  const outOfPalette = craftPng({ width: 1, height: 1, colorType: 3, bitDepth: 8, samples: [5], palette: [0, 0, 0] });
  assert.throws(() => decodePng(outOfPalette, 'p.png'), /p\.png: palette index 5 is outside the 1-entry PLTE/);
  const critical = craftPng({ width: 1, height: 1, colorType: 0, bitDepth: 8, samples: [0], extraChunks: [{ type: 'ABCD', data: new Uint8Array(1) }] });
  assert.throws(() => decodePng(critical), /unknown critical chunk ABCD/);
});
