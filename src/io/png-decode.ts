/**
 * PNG decoding (RFC 2083 / PNG spec 1.2) on top of node:zlib: every standard colour type and
 * bit depth, all five filters and Adam7 interlacing, into 8-bit RGBA, with memory bounded by
 * PNG_LIMITS before anything is inflated.
 */
import { inflateSync } from 'node:zlib';
import { MAX_SIDE, SIGNATURE, crc32, paeth, type RgbaImage } from './png-format.js';

/**
 * Decoding limits, checked from the header before anything is inflated, so a small file
 * cannot make the decoder allocate much (a 780 KB PNG can describe 10000×10000 16-bit RGBA,
 * 800 MB once inflated). Peak memory of a decode is about the inflated size (at most
 * MAX_INFLATED_BYTES, briefly twice while zlib assembles it) + 4 bytes per pixel of output.
 */
export const PNG_LIMITS = {
  /** Default largest picture decoded: 32 megapixels (128 MiB of RGBA output). */
  maxPixels: 32e6,
  /** Largest decompressed image data (all rows with their filter bytes). */
  maxInflatedBytes: 128 * 1024 * 1024,
} as const;

export interface DecodePngOptions {
  /** Refuse pictures with more pixels than this (default PNG_LIMITS.maxPixels). */
  maxPixels?: number;
}

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Decode a PNG file into 8-bit RGBA. `name` (e.g. the file path) is used in error messages. */
export function decodePng(bytes: Uint8Array, name = 'PNG data', options: DecodePngOptions = {}): RgbaImage {
  const maxPixels = Math.min(options.maxPixels ?? PNG_LIMITS.maxPixels, 2 ** 31);
  const fail = (what: string): never => {
    throw new Error(`${name}: ${what}`);
  };
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    const other = otherFormat(bytes);
    fail(other ? `not a PNG file: it is ${other} (only PNG is supported; convert it to PNG)` : 'not a PNG file (bad signature; expected the 8-byte PNG header)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let sawIend = false;
  let pos = 8;
  while (pos < bytes.length && !sawIend) {
    if (pos + 8 > bytes.length) fail(`truncated chunk header at byte ${pos}`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`invalid chunk type at byte ${pos + 4} (file is corrupt)`);
    if (pos + 12 + length > bytes.length) fail(`truncated ${type} chunk at byte ${pos}: needs ${length} data bytes + CRC, file ends early`);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    const storedCrc = view.getUint32(pos + 8 + length);
    if (crc32(bytes, pos + 4, pos + 8 + length) !== storedCrc) fail(`CRC mismatch in ${type} chunk at byte ${pos} (file is corrupt)`);
    if (type === 'IHDR') {
      if (length !== 13) fail(`IHDR chunk must be 13 bytes, got ${length}`);
      const hv = new DataView(data.buffer, data.byteOffset, 13);
      header = { width: hv.getUint32(0), height: hv.getUint32(4), bitDepth: data[8]!, colorType: data[9]!, interlace: data[12]! };
      if (data[10] !== 0 || data[11] !== 0) fail('unknown compression or filter method in IHDR');
    } else if (!header) {
      fail(`missing IHDR: first chunk is ${type}`);
    } else if (type === 'PLTE') {
      if (length % 3 !== 0 || length === 0 || length > 768) fail(`PLTE chunk length ${length} is not 3 × (1..256)`);
      palette = data;
    } else if (type === 'tRNS') {
      transparency = data;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      sawIend = true;
    } else if ((bytes[pos + 4]! & 0x20) === 0) {
      fail(`unknown critical chunk ${type}`);
    }
    pos += 12 + length;
  }
  if (!header) return fail('missing IHDR chunk');
  if (idat.length === 0) fail(sawIend ? 'missing IDAT chunk (no image data)' : 'truncated: file ends before any image data (IDAT)');
  if (!sawIend) fail('truncated: missing IEND chunk (file ends early)');
  const { width, height, bitDepth, colorType, interlace } = header;
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) fail(`unsupported image size ${width}×${height}`);
  if (width * height > maxPixels) fail(`image of ${width}×${height} is too large to decode (limit ${maxPixels / 1e6} megapixels); scale it down first`);
  const depths = ALLOWED_DEPTHS[colorType];
  if (!depths) fail(`invalid colour type ${colorType}`);
  if (!depths!.includes(bitDepth)) fail(`bit depth ${bitDepth} is not allowed for colour type ${colorType}`);
  if (interlace > 1) fail(`unknown interlace method ${interlace}`);
  if (colorType === 3 && !palette) fail('palette image (colour type 3) has no PLTE chunk');

  let compressed: Uint8Array;
  if (idat.length === 1) compressed = idat[0]!;
  else {
    compressed = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of idat) {
      compressed.set(c, at);
      at += c.length;
    }
  }
  const passes = interlace === 1 ? ADAM7 : [{ x0: 0, y0: 0, dx: 1, dy: 1 }];
  const bitsPerPixel = CHANNELS[colorType]! * bitDepth;
  let expected = 0;
  for (const pass of passes) {
    const pw = Math.ceil((width - pass.x0) / pass.dx);
    const ph = Math.ceil((height - pass.y0) / pass.dy);
    if (pw > 0 && ph > 0) expected += (Math.ceil((pw * bitsPerPixel) / 8) + 1) * ph;
  }
  if (expected > PNG_LIMITS.maxInflatedBytes) {
    fail(`image of ${width}×${height} at ${bitDepth} bits × ${CHANNELS[colorType]} channels needs ${(expected / 2 ** 20).toFixed(0)} MiB decompressed, more than the ${PNG_LIMITS.maxInflatedBytes / 2 ** 20} MiB limit; save it smaller or at 8 bits`);
  }
  let raw: Uint8Array;
  try {
    // The cap stops a tiny malicious file from inflating to gigabytes ("zip bomb").
    raw = inflateSync(compressed, { maxOutputLength: expected + 65536 });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return fail(`corrupt image data: it inflates to far more than the ${expected} bytes a ${width}×${height} image needs`);
    }
    return fail(`corrupt compressed image data (${(e as Error).message})`);
  }
  const out = new Uint8ClampedArray(width * height * 4);
  const bytesPerPixel = Math.max(1, bitsPerPixel >> 3);
  let offset = 0;
  for (const pass of passes) {
    const pw = Math.ceil((width - pass.x0) / pass.dx);
    const ph = Math.ceil((height - pass.y0) / pass.dy);
    if (pw <= 0 || ph <= 0) continue;
    const stride = Math.ceil((pw * bitsPerPixel) / 8);
    const needed = (stride + 1) * ph;
    if (offset + needed > raw.length) fail(`image data too short: expected at least ${offset + needed} bytes after decompression, got ${raw.length}`);
    // Unfiltered in place: row y's pixels start at byte y·(stride+1)+1 of this pass (after its filter byte).
    const pixels = unfilterInPlace(raw.subarray(offset, offset + needed), stride, ph, bytesPerPixel, fail);
    offset += needed;
    if (interlace === 0 && bitDepth === 8 && (colorType === 6 || (colorType === 2 && !transparency))) {
      copyRgb8(pixels, stride, ph, out, colorType === 6 ? 4 : 3); // common case, ~5× faster than the general sampler
      continue;
    }
    const sample = makeSampler(header, palette, transparency, fail);
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        const o = ((pass.y0 + y * pass.dy) * width + pass.x0 + x * pass.dx) * 4;
        sample(pixels, y * (stride + 1) + 1, x, out, o);
      }
    }
  }
  return { width, height, data: out };
}

function copyRgb8(pixels: Uint8Array, stride: number, rows: number, out: Uint8ClampedArray, channels: 3 | 4): void {
  let o = 0;
  for (let y = 0; y < rows; y++) {
    const start = y * (stride + 1) + 1;
    if (channels === 4) {
      out.set(pixels.subarray(start, start + stride), o);
      o += stride;
      continue;
    }
    for (let i = start, end = start + stride; i < end; i += 3, o += 4) {
      out[o] = pixels[i]!;
      out[o + 1] = pixels[i + 1]!;
      out[o + 2] = pixels[i + 2]!;
      out[o + 3] = 255;
    }
  }
}

/** Names common non-PNG image formats from their magic bytes, for a helpful error. */
function otherFormat(b: Uint8Array): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'a JPEG image';
  if (ascii(0, 4) === 'GIF8') return 'a GIF image';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'a WebP image';
  if (ascii(0, 2) === 'BM') return 'a BMP image';
  if (ascii(0, 5) === '%PDF-') return 'a PDF document';
  return undefined;
}

const ADAM7 = [
  { x0: 0, y0: 0, dx: 8, dy: 8 },
  { x0: 4, y0: 0, dx: 8, dy: 8 },
  { x0: 0, y0: 4, dx: 4, dy: 8 },
  { x0: 2, y0: 0, dx: 4, dy: 4 },
  { x0: 0, y0: 2, dx: 2, dy: 4 },
  { x0: 1, y0: 0, dx: 2, dy: 2 },
  { x0: 0, y0: 1, dx: 1, dy: 2 },
];

/** Undoes the PNG row filters in place (rows keep their leading filter byte); returns `data`. */
function unfilterInPlace(data: Uint8Array, stride: number, rows: number, bpp: number, fail: (what: string) => never): Uint8Array {
  for (let y = 0; y < rows; y++) {
    const filter = data[y * (stride + 1)]!;
    const row = y * (stride + 1) + 1;
    const prev = row - (stride + 1);
    for (let i = 0; i < stride; i++) {
      const x = data[row + i]!;
      const a = i >= bpp ? data[row + i - bpp]! : 0;
      const b = y > 0 ? data[prev + i]! : 0;
      let v: number;
      switch (filter) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: v = x + paeth(a, b, y > 0 && i >= bpp ? data[prev + i - bpp]! : 0); break;
        default: return fail(`unknown filter type ${filter} on row ${y}`);
      }
      data[row + i] = v & 0xff;
    }
  }
  return data;
}

type Sampler = (pixels: Uint8Array, rowStart: number, x: number, out: Uint8ClampedArray, o: number) => void;

/** Reads pixel x of a row (any depth / colour type) and writes it as 8-bit RGBA. */
function makeSampler(h: Header, palette: Uint8Array | undefined, trns: Uint8Array | undefined, fail: (what: string) => never): Sampler {
  const depth = h.bitDepth;
  const maxValue = (1 << depth) - 1;
  const channels = CHANNELS[h.colorType]!;
  // The raw sample (full precision, for tRNS comparisons) of channel ch at pixel x.
  const raw = (p: Uint8Array, row: number, x: number, ch: number): number => {
    if (depth === 8) return p[row + x * channels + ch]!;
    if (depth === 16) {
      const i = row + (x * channels + ch) * 2;
      return (p[i]! << 8) | p[i + 1]!;
    }
    const bit = x * depth; // sub-byte depths only occur with one channel
    return (p[row + (bit >> 3)]! >> (8 - depth - (bit & 7))) & maxValue;
  };
  const to8 = (v: number) => (depth === 16 ? v >> 8 : depth === 8 ? v : Math.round((v * 255) / maxValue));
  const trnsView = trns && trns.length >= 2 ? new DataView(trns.buffer, trns.byteOffset, trns.byteLength) : undefined;
  switch (h.colorType) {
    case 0: {
      const key = trnsView ? trnsView.getUint16(0) : -1;
      return (p, row, x, out, o) => {
        const v = raw(p, row, x, 0);
        const g = to8(v);
        out[o] = g; out[o + 1] = g; out[o + 2] = g;
        out[o + 3] = v === key ? 0 : 255;
      };
    }
    case 2: {
      const key = trnsView && trns!.length >= 6 ? [trnsView.getUint16(0), trnsView.getUint16(2), trnsView.getUint16(4)] : undefined;
      return (p, row, x, out, o) => {
        const r = raw(p, row, x, 0);
        const g = raw(p, row, x, 1);
        const b = raw(p, row, x, 2);
        out[o] = to8(r); out[o + 1] = to8(g); out[o + 2] = to8(b);
        out[o + 3] = key && r === key[0] && g === key[1] && b === key[2] ? 0 : 255;
      };
    }
    case 3: {
      const pal = palette!;
      const entries = pal.length / 3;
      return (p, row, x, out, o) => {
        const idx = raw(p, row, x, 0);
        if (idx >= entries) fail(`palette index ${idx} is outside the ${entries}-entry PLTE`);
        out[o] = pal[idx * 3]!; out[o + 1] = pal[idx * 3 + 1]!; out[o + 2] = pal[idx * 3 + 2]!;
        out[o + 3] = trns && idx < trns.length ? trns[idx]! : 255;
      };
    }
    case 4:
      return (p, row, x, out, o) => {
        const g = to8(raw(p, row, x, 0));
        out[o] = g; out[o + 1] = g; out[o + 2] = g;
        out[o + 3] = to8(raw(p, row, x, 1));
      };
    default:
      return (p, row, x, out, o) => {
        out[o] = to8(raw(p, row, x, 0)); out[o + 1] = to8(raw(p, row, x, 1));
        out[o + 2] = to8(raw(p, row, x, 2)); out[o + 3] = to8(raw(p, row, x, 3));
      };
  }
}
