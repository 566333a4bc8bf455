/** Netpbm pictures (PGM P2/P5, PPM P3/P6): the simplest formats many tools save, decoded to RGBA. */
import type { RgbaImage } from './png.js';

/** Netpbm grayscale/colour maps, ASCII (P2, P3) or binary (P5, P6), 8 or 16 bit. */
export function decodeNetpbm(bytes: Uint8Array, name: string): RgbaImage {
  const kind = String.fromCharCode(bytes[0]!, bytes[1]!);
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
    while (pos < bytes.length && bytes[pos]! >= 0x30 && bytes[pos]! <= 0x39) pos++;
    if (pos === start) throw new Error(`${name}: damaged ${kind} image: expected the ${what} at byte ${start}`);
    return Number(String.fromCharCode(...bytes.subarray(start, pos)));
  };
  const width = nextNumber('width');
  const height = nextNumber('height');
  const maxval = nextNumber('maximum value');
  if (width < 1 || height < 1) throw new Error(`${name}: ${kind} image has no pixels (${width}×${height})`);
  if (maxval < 1 || maxval > 65535) throw new Error(`${name}: ${kind} maximum value ${maxval} is outside 1..65535`);
  const count = width * height * channels;
  const samples = new Float64Array(count);
  if (binary) {
    pos++; // the single whitespace byte after maxval
    const wide = maxval > 255;
    const need = count * (wide ? 2 : 1);
    if (bytes.length - pos < need) throw new Error(`${name}: truncated ${kind} image: ${width}×${height} needs ${need} data bytes, the file has ${Math.max(0, bytes.length - pos)}`);
    for (let i = 0; i < count; i++) samples[i] = wide ? bytes[pos + 2 * i]! * 256 + bytes[pos + 2 * i + 1]! : bytes[pos + i]!;
  } else {
    for (let i = 0; i < count; i++) samples[i] = nextNumber(`sample ${i + 1} of ${count}`);
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) data[4 * p + c] = Math.round((Math.min(samples[p * channels + (channels === 1 ? 0 : c)]!, maxval) / maxval) * 255);
    data[4 * p + 3] = 255;
  }
  return { width, height, data };
}
