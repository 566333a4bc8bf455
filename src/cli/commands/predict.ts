/**
 * `deepts predict --model DIR image.png [...]`: reads a person's own digit pictures
 * (PNG, or PGM/PPM), turns each into an MNIST digit (grayscale, inverted if dark on
 * light, cropped, scaled into 20×20, centred by mass in 28×28) and prints the
 * model's top guesses with probabilities.
 */
import { readFileSync, mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { Tensor } from '../../index.js';
import { loadModel } from '../../io/model-io.js';
import { decodePng, writePng, type RgbaImage } from '../../io/png.js';
import { prepareDigitImage, type DigitPolarity, type PreparedDigit } from '../../data/digit-image.js';
import { topK } from '../../train/classification.js';
import { imageGrid } from '../../viz/index.js';
import type { OptionSpecs, ParsedOptions } from '../args.js';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { percent } from './classify.js';

export const predictOptions: OptionSpecs = {
  model: { type: 'string', help: 'folder of a saved model (e.g. classify-out/model from `deepts classify`)' },
  top: { type: 'int', default: 3, min: 1, help: 'how many guesses to show per picture' },
  polarity: { type: 'string', default: 'auto', choices: ['auto', 'dark-on-light', 'light-on-dark'], help: 'ink colour; auto reads it off the picture border' },
  'save-inputs': { type: 'string', help: 'folder to write each picture as the model sees it (28×28, enlarged) for checking' },
};

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes PNG or Netpbm (PGM P2/P5, PPM P3/P6) bytes into RGBA; anything else is a clear error naming the file. */
export function decodeImageFile(bytes: Uint8Array, name: string): RgbaImage {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes, name);
  if (bytes[0] === 0x50 /* P */ && [0x32, 0x33, 0x35, 0x36].includes(bytes[1]!)) return decodeNetpbm(bytes, name);
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`${name}: not a PNG, PGM or PPM image (${bytes.length === 0 ? 'the file is empty' : `it starts with bytes ${head}`}); save the picture as PNG`);
}

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

export async function runPredict(o: ParsedOptions, files: string[], print: (line: string) => void = console.log, printError: (line: string) => void = console.error): Promise<void> {
  const modelDir = o['model'] as string | undefined;
  if (!modelDir) throw new UsageError('--model DIR is required (a folder written by `deepts classify`, e.g. classify-out/model)');
  if (files.length === 0) throw new UsageError('give one or more digit pictures, e.g. deepts predict --model classify-out/model my-digit.png');
  let model;
  try {
    model = await loadModel(resolve(modelDir));
  } catch (e) {
    throw new Error(`cannot load the model from ${modelDir}: ${(e as Error).message}`);
  }
  const inputShape = model.toConfig().config['inputShape'];
  const sample = Array.isArray(inputShape) ? (inputShape as number[]) : [28, 28];
  if (sample.reduce((a, b) => a * b, 1) !== 784) throw new Error(`the model in ${modelDir} takes inputs of shape [${sample.join(', ')}], not a 28×28 MNIST digit`);

  const ok: { file: string; digit: PreparedDigit }[] = [];
  const failures: string[] = [];
  for (const file of files) {
    try {
      ok.push({ file, digit: readDigitFile(file, o['polarity'] as DigitPolarity) });
    } catch (e) {
      failures.push(file);
      printError(`deepts predict: ${(e as Error).message}`);
    }
  }
  if (ok.length > 0) {
    const batch = new Float32Array(ok.length * 784);
    ok.forEach(({ digit }, i) => batch.set(digit.pixels, i * 784));
    const probabilities = model.predict(new Tensor(batch, [ok.length, ...sample]));
    const classes = probabilities.shape[probabilities.rank - 1]!;
    const top = topK(probabilities, Math.min(o['top'] as number, classes));
    const width = Math.max(...ok.map(({ file }) => file.length));
    ok.forEach(({ file, digit }, i) => {
      const guesses = top.labels[i]!.map((label, j) => `${label} ${percent(top.probabilities[i]![j]!).padStart(6)}`).join('   ');
      const notes = [digit.inverted ? 'dark on light: inverted' : '', digit.thickenedBy > 0 ? 'thin strokes thickened' : ''].filter(Boolean).join(', ');
      print(`${file.padEnd(width)}  →  ${guesses}${notes ? `   (${notes})` : ''}`);
    });
    const saveDir = o['saveInputs'] as string | undefined;
    if (saveDir) {
      mkdirSync(saveDir, { recursive: true });
      for (const [i, { file, digit }] of ok.entries()) {
        const out = join(saveDir, `${basename(file, extname(file))}.mnist.png`);
        writePng(out, imageGrid({ rows: [[digit.pixels]], captions: [[top.labels[i]!.map((l, j) => `${l} ${percent(top.probabilities[i]![j]!)}`).join('\n')]], width: 28, height: 28, scale: 6 }));
      }
      print(`Wrote the 28×28 inputs to ${saveDir}`);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${files.length} file${files.length === 1 ? '' : 's'} could not be read as a digit picture: ${failures.join(', ')}`);
}

export const command: Command = {
  summary: 'read your own digit pictures (PNG/PGM/PPM) and print a saved model\'s top-3 guesses',
  usage: 'deepts predict --model DIR image.png [more images...]',
  options: predictOptions,
  run: (o, positional) => runPredict(o, positional),
};
