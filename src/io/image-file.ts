/** Picture files in Node: PNG or Netpbm bytes to RGBA, and a person's digit picture to an MNIST digit. */
import { readFileSync } from 'node:fs';
import { decodePng, type RgbaImage } from './png.js';
import { decodeNetpbm } from './netpbm.js';
import { prepareDigitImage, type DigitPolarity, type PreparedDigit } from '../data/digit-image.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes PNG or Netpbm (PGM P2/P5, PPM P3/P6) bytes into RGBA; anything else is a clear error naming the file. */
export function decodeImageFile(bytes: Uint8Array, name: string): RgbaImage {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes, name);
  if (bytes[0] === 0x50 /* P */ && [0x32, 0x33, 0x35, 0x36].includes(bytes[1]!)) return decodeNetpbm(bytes, name);
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`${name}: not a PNG, PGM or PPM image (${bytes.length === 0 ? 'the file is empty' : `it starts with bytes ${head}`}); save the picture as PNG`);
}

/** Reads and prepares one picture; every failure names the file. */
export function readDigitFile(path: string, polarity: DigitPolarity): PreparedDigit {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a picture' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new Error(`${path}: cannot read (${why})`);
  }
  const image = decodeImageFile(bytes, path);
  try {
    return prepareDigitImage(image, { polarity });
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message.replace(/^digit image: /, '')}`);
  }
}
