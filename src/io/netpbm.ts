/** Netpbm pictures (PGM P2/P5, PPM P3/P6): the simplest formats many tools save, decoded to RGBA. */
import { PNG_LIMITS, type RgbaImage } from './png.js';

export interface DecodeNetpbmOptions {
  /** Refuse pictures with more pixels than this (default: the PNG decoder's, 32 megapixels). */
  maxPixels?: number;
}

/**
 * Netpbm grayscale/colour maps, ASCII (P2, P3) or binary (P5, P6), 8 or 16 bit. The header's
 * size is checked against `maxPixels` before anything is allocated, and samples go straight
 * into the RGBA output, so memory is 4 bytes per pixel whatever the header claims.
 */
export function decodeNetpbm(bytes: Uint8Array, name: string, options: DecodeNetpbmOptions = {}): RgbaImage {
  const maxPixels = Math.min(options.maxPixels ?? PNG_LIMITS.maxPixels, 2 ** 31);
  const kind = String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0);
  if (!['P2', 'P3', 'P5', 'P6'].includes(kind)) throw new Error(`${name}: not a PGM or PPM image (it starts with "${kind}")`);
  const channels = kind === 'P2' || kind === 'P5' ? 1 : 3;
  const binary = kind === 'P5' || kind === 'P6';
  let pos = 2;
  const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
  const nextNumber = (what: string): number => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos]!)) pos++;
      if (bytes[pos] !== 0x23 /* # comment */) break;
      while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
    }
    const start = pos;
    let value = 0;
    while (pos < bytes.length && bytes[pos]! >= 0x30 && bytes[pos]! <= 0x39) {
      // Digits beyond 2^53 cannot be a size or sample anyone means; stop before precision is lost.
      if (value > 1e15) throw new Error(`${name}: damaged ${kind} image: the ${what} at byte ${start} is too large`);
      value = value * 10 + (bytes[pos]! - 0x30);
      pos++;
    }
    if (pos === start) {
      const found = pos >= bytes.length ? 'the file ends there' : `found byte 0x${bytes[pos]!.toString(16).padStart(2, '0')}`;
      throw new Error(`${name}: damaged ${kind} image: expected the ${what} at byte ${start} (${found})`);
    }
    return value;
  };
  const width = nextNumber('width');
  const height = nextNumber('height');
  const maxval = nextNumber('maximum value');
  if (width < 1 || height < 1) throw new Error(`${name}: ${kind} image has no pixels (${width}×${height})`);
  if (width * height > maxPixels) {
    throw new Error(`${name}: ${kind} image of ${width}×${height} is too large to decode (limit ${maxPixels / 1e6} megapixels); scale it down first`);
  }
  if (maxval < 1 || maxval > 65535) throw new Error(`${name}: ${kind} maximum value ${maxval} is outside 1..65535`);
  const count = width * height * channels;
  const pixels = width * height;
  const wide = maxval > 255;
  if (binary) {
    pos++; // the single whitespace byte after maxval
    const need = count * (wide ? 2 : 1);
    if (bytes.length - pos < need) throw new Error(`${name}: truncated ${kind} image: ${width}×${height} needs ${need} data bytes, the file has ${Math.max(0, bytes.length - pos)}`);
  } else if (bytes.length - pos < 2 * count - 1) {
    // Each ASCII sample takes at least one digit and one separator: fail before allocating.
    throw new Error(`${name}: truncated ${kind} image: ${width}×${height} needs ${count} samples, the file has room for at most ${Math.ceil((bytes.length - pos) / 2)}`);
  }
  const data = new Uint8ClampedArray(pixels * 4);
  const to8 = (v: number): number => Math.round((Math.min(v, maxval) / maxval) * 255);
  let i = 0;
  const next = binary
    ? (): number => {
      const v = wide ? bytes[pos + 2 * i]! * 256 + bytes[pos + 2 * i + 1]! : bytes[pos + i]!;
      i++;
      return v;
    }
    : (): number => {
      i++;
      return nextNumber(`sample ${i} of ${count}`);
    };
  for (let p = 0; p < pixels; p++) {
    if (channels === 1) {
      const g = to8(next());
      data[4 * p] = g;
      data[4 * p + 1] = g;
      data[4 * p + 2] = g;
    } else {
      data[4 * p] = to8(next());
      data[4 * p + 1] = to8(next());
      data[4 * p + 2] = to8(next());
    }
    data[4 * p + 3] = 255;
  }
  return { width, height, data };
}
