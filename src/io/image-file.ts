/** Picture files in Node: PNG or Netpbm bytes to RGBA, and a person's digit picture to an MNIST digit. */
import { decodePng, type RgbaImage } from './png.js';
import { decodeNetpbm } from './netpbm.js';
import { readFileCapped, READ_LIMITS } from '../datasets/read-file.js';
import { prepareDigitImage, type DigitPolarity, type PreparedDigit } from '../data/digit-image.js';

/**
 * A digit picture may be a phone photo, but no more: 12 megapixels (4000×3000). With the
 * decode and the digit preparation (a few float copies of the picture) a picture then
 * takes well under 512 MB at its peak.
 */
export const DIGIT_PICTURE_MAX_PIXELS = 12e6;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes PNG or Netpbm (PGM P2/P5, PPM P3/P6) bytes into RGBA; anything else is a clear error naming the file. */
export function decodeImageFile(bytes: Uint8Array, name: string, options: { maxPixels?: number } = {}): RgbaImage {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes, name, options);
  if (bytes[0] === 0x50 /* P */ && [0x32, 0x33, 0x35, 0x36].includes(bytes[1]!)) return decodeNetpbm(bytes, name, options);
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`${name}: not a PNG, PGM or PPM image (${bytes.length === 0 ? 'the file is empty' : `it starts with bytes ${head}`}); save the picture as PNG`);
}

/** Reads and prepares one picture; every failure names the file. */
export function readDigitFile(path: string, polarity: DigitPolarity): PreparedDigit {
  const bytes = readFileCapped(path, READ_LIMITS.picture, 'picture');
  const image = decodeImageFile(bytes, path, { maxPixels: DIGIT_PICTURE_MAX_PIXELS });
  try {
    return prepareDigitImage(image, { polarity });
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message.replace(/^digit image: /, '')}`);
  }
}
