/**
 * `deepts predict --model DIR image.png [...]`: reads a person's own digit pictures
 * (PNG, or PGM/PPM), turns each into an MNIST digit (grayscale, inverted if dark on
 * light, cropped, scaled into 20×20, centred by mass in 28×28) and prints the
 * model's top guesses with probabilities.
 */
import { mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { Tensor } from '../../index.js';
import { loadModel } from '../../io/model-io.js';
import { writePng } from '../../io/png.js';
import { readDigitFile } from '../../io/image-file.js';
import type { PreparedDigit } from '../../data/digit-image.js';
import { formatPercent, topK } from '../../train/classification.js';
import { imageGrid } from '../../viz/index.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';

export const predictOptions = {
  model: { type: 'string', help: 'folder of a saved model (e.g. classify-out/model from `deepts classify`)' },
  top: { type: 'int', default: 3, min: 1, help: 'how many guesses to show per picture' },
  polarity: { type: 'string', default: 'auto', choices: ['auto', 'dark-on-light', 'light-on-dark'], help: 'ink colour; auto reads it off the picture border' },
  'save-inputs': { type: 'string', help: 'folder to write each picture as the model sees it (28×28, enlarged) for checking' },
} as const satisfies OptionSpecs;

export async function runPredict(o: OptionsOf<typeof predictOptions>, files: string[], print: (line: string) => void = console.log, printError: (line: string) => void = console.error): Promise<void> {
  const modelDir = o.model;
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
      ok.push({ file, digit: readDigitFile(file, o.polarity) });
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
    const top = topK(probabilities, Math.min(o.top, classes));
    const width = Math.max(...ok.map(({ file }) => file.length));
    ok.forEach(({ file, digit }, i) => {
      const guesses = top.labels[i]!.map((label, j) => `${label} ${formatPercent(top.probabilities[i]![j]!).padStart(6)}`).join('   ');
      const notes = [digit.inverted ? 'dark on light: inverted' : '', digit.thickenedBy > 0 ? 'thin strokes thickened' : ''].filter(Boolean).join(', ');
      print(`${file.padEnd(width)}  →  ${guesses}${notes ? `   (${notes})` : ''}`);
    });
    const saveDir = o.saveInputs;
    if (saveDir) {
      mkdirSync(saveDir, { recursive: true });
      for (const [i, { file, digit }] of ok.entries()) {
        const out = join(saveDir, `${basename(file, extname(file))}.mnist.png`);
        writePng(out, imageGrid({ rows: [[digit.pixels]], captions: [[top.labels[i]!.map((l, j) => `${l} ${formatPercent(top.probabilities[i]![j]!)}`).join('\n')]], width: 28, height: 28, scale: 6 }));
      }
      print(`Wrote the 28×28 inputs to ${saveDir}`);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${files.length} file${files.length === 1 ? '' : 's'} could not be read as a digit picture: ${failures.join(', ')}`);
}

export const command = defineCommand({
  summary: 'read your own digit pictures (PNG/PGM/PPM) and print a saved model\'s top-3 guesses',
  usage: 'deepts predict --model DIR image.png [more images...]',
  options: predictOptions,
  run: (o, positional) => runPredict(o, positional),
});
