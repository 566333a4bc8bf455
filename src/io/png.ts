/**
 * PNG encode/decode (RFC 2083 / PNG spec 1.2) on top of node:zlib. Encoding (here) writes
 * 8-bit RGBA; decoding (png-decode.ts) reads every standard colour type and bit depth, all
 * five filters and Adam7 interlacing, and returns 8-bit RGBA.
 */
import { deflateSync } from 'node:zlib';
import { writeFileAtomic } from './atomic-write.js';
import { MAX_SIDE, SIGNATURE, crc32, paeth } from './png-format.js';

export { crc32, type RgbaImage } from './png-format.js';
export { decodePng, PNG_LIMITS, type DecodePngOptions } from './png-decode.js';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function asBytes(data: ArrayLike<number>): Uint8Array {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  return Uint8Array.from(data as ArrayLike<number>, (v) => v & 0xff);
}

/** Apply PNG filter `filter` to one row of 4-byte pixels (`prev` is the row above, zeros for the first row). */
function filterRow(filter: number, row: Uint8Array, prev: Uint8Array, out: Uint8Array): void {
  const n = row.length;
  switch (filter) {
    case 0:
      out.set(row);
      return;
    case 1:
      for (let i = 0; i < n; i++) out[i] = row[i]! - (i >= 4 ? row[i - 4]! : 0);
      return;
    case 2:
      for (let i = 0; i < n; i++) out[i] = row[i]! - prev[i]!;
      return;
    case 3:
      for (let i = 0; i < n; i++) out[i] = row[i]! - (((i >= 4 ? row[i - 4]! : 0) + prev[i]!) >> 1);
      return;
    default:
      for (let i = 0; i < n; i++) {
        out[i] = row[i]! - (i >= 4 ? paeth(row[i - 4]!, prev[i]!, prev[i - 4]!) : prev[i]!);
      }
  }
}

/** Encode 8-bit RGBA pixels as a PNG file (per-row filter chosen by the minimum-sum heuristic). */
export function encodePng(image: { width: number; height: number; data: ArrayLike<number> }): Uint8Array {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw new Error(`cannot encode PNG: size must be whole numbers ≥ 1, got ${width}×${height}`);
  }
  if (data.length !== width * height * 4) {
    throw new Error(`cannot encode PNG: ${width}×${height} RGBA needs ${width * height * 4} bytes, got ${data.length}`);
  }
  const pixels = asBytes(data);
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  const zeros = new Uint8Array(stride);
  const candidates = Array.from({ length: 5 }, () => new Uint8Array(stride));
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : zeros;
    let bestSum = Infinity;
    let bestFilter = 0;
    for (let filter = 0; filter < 5; filter++) {
      const out = candidates[filter]!;
      filterRow(filter, row, prev, out);
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const v = out[i]!;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum < bestSum) {
        bestSum = sum;
        bestFilter = filter;
      }
    }
    raw[y * (stride + 1)] = bestFilter;
    raw.set(candidates[bestFilter]!, y * (stride + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  // Level 9 squeezes charts best; big images take level 6, which is several times faster.
  const idat = new Uint8Array(deflateSync(raw, { level: width * height > 1 << 20 ? 6 : 9 }));
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Encode and write atomically (a crash never leaves a half-written file at `path`). */
export function writePng(path: string, image: { width: number; height: number; data: ArrayLike<number> }): void {
  writeFileAtomic(path, encodePng(image));
}
