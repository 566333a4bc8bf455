/**
 * Q6 "When we are classifying images, will we only have one input/feature?" — no: an
 * MNIST picture is 784 inputs, one per pixel. A small dense classifier's first-layer
 * weights, drawn as 28×28 pictures, show which pixels each unit looks at; gradient
 * saliency (how much the winning class's probability changes per pixel) shows which
 * pixels decided a few test digits.
 */
import { setSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { gradients } from '../autograd/tape.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../nn/layers/dense.js';
import { Flatten, InputLayer } from '../nn/layers/reshaping.js';
import { Adam } from '../train/optimizers/index.js';
import { imageGrid } from '../viz/image-grid.js';
import { experiment, percent, type Figure } from './experiment.js';

export interface ImageInputsNumbers {
  inputs: number;
  hiddenUnits: number;
  firstLayerWeights: number;
  testAccuracy: number;
  /** Pixels that are blank (0) in every training image: their first-layer weights never get a gradient. */
  blankPixels: number;
  /** Per explained digit: share of the saliency on inked pixels, and share of pixels that are inked. */
  saliency: { label: number; predicted: number; onInk: number; inkShare: number }[];
}

const UNITS = 16;
const INK = 0.2;

/** Values scaled so that 0 maps to mid-gray and the largest |v| to black or white. */
function signedToGray(v: ArrayLike<number>): Float32Array {
  let m = 1e-12;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return Float32Array.from(v, (a) => 0.5 + a / (2 * m));
}

function toUnit(v: ArrayLike<number>): Float32Array {
  let m = 1e-12;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]!);
  return Float32Array.from(v, (a) => a / m);
}

export const imageInputs = experiment<ImageInputsNumbers>({
  id: 6,
  name: 'image-inputs',
  question: 'When we are classifying images, will we only have one input/feature?',
  async measure({ data, quick, seed, log }) {
    const mnist = await data.mnist();
    const nTrain = Math.min(mnist.train.n, quick ? 5000 : 60000);
    const nTest = Math.min(mnist.test.n, quick ? 1000 : 10000);
    const x = new Tensor(mnist.train.images.subarray(0, nTrain * 784), [nTrain, 28, 28]);
    const y = new Tensor(mnist.train.labels.subarray(0, nTrain), [nTrain]);
    setSeed(seed);
    const model = new Sequential([new InputLayer({ shape: [28, 28] }), new Flatten(), new Dense(UNITS, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })]);
    model.compile({ optimizer: new Adam({ learningRate: 0.001 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: quick ? 5 : 10, batchSize: 64, verbose: 0 });
    const xt = new Tensor(mnist.test.images.subarray(0, nTest * 784), [nTest, 28, 28]);
    const logs = await model.evaluateLogs(xt, new Tensor(mnist.test.labels.subarray(0, nTest), [nTest]), { batchSize: 1000, verbose: 0 });
    const testAccuracy = logs['accuracy'] ?? NaN;
    log(`  784 → ${UNITS} relu → 10 softmax trained on ${nTrain} images: test accuracy ${percent(testAccuracy)}`);
    const kernel = model.layers[1]!.weights[0]!.read(); // [784, UNITS]
    let blankPixels = 0;
    for (let p = 0; p < 784; p++) {
      let inked = false;
      for (let i = 0; i < nTrain && !inked; i++) inked = mnist.train.images[i * 784 + p]! > 0;
      if (!inked) blankPixels++;
    }
    const units = Array.from({ length: UNITS }, (_, u) => signedToGray(Array.from({ length: 784 }, (_, p) => kernel.values[p * UNITS + u]!)));
    // Saliency of the predicted class for one test digit of each of the first few classes.
    const picks: number[] = [];
    for (let i = 0; i < nTest && picks.length < 6; i++) if (!picks.some((j) => mnist.test.labels[j] === mnist.test.labels[i])) picks.push(i);
    const saliency: ImageInputsNumbers['saliency'] = [];
    const rows: Float32Array[][] = [[], []];
    const captions: string[][] = [[], []];
    for (const i of picks) {
      const pixels = mnist.test.images.slice(i * 784, (i + 1) * 784);
      const input = new Tensor(pixels, [1, 28, 28], true);
      const probs = model.forward(input, false);
      const p = probs.values;
      let predicted = 0;
      for (let c = 1; c < 10; c++) if (p[c]! > p[predicted]!) predicted = c;
      const seedGrad = new Tensor(Float32Array.from({ length: 10 }, (_, c) => (c === predicted ? 1 : 0)), [1, 10]);
      const g = gradients(probs, [input], seedGrad)[0]!.values;
      const mag = Float32Array.from(g, Math.abs);
      let total = 0, onInk = 0, ink = 0;
      for (let k = 0; k < 784; k++) {
        total += mag[k]!;
        if (pixels[k]! > INK) { onInk += mag[k]!; ink++; }
      }
      saliency.push({ label: mnist.test.labels[i]!, predicted, onInk: onInk / total, inkShare: ink / 784 });
      rows[0]!.push(pixels);
      rows[1]!.push(toUnit(mag));
      captions[0]!.push(`label ${mnist.test.labels[i]}`);
      captions[1]!.push(`says ${predicted}: ${percent(p[predicted]!, 0)}`);
    }
    const figures: Figure[] = [
      { file: 'first-layer-weights', title: `The ${UNITS} first-layer units' 784 weights each`, picture: imageGrid({ rows: [units.slice(0, 8), units.slice(8)], width: 28, height: 28, scale: 3, title: `First Dense layer: each unit's 784 weights as a 28x28 picture (white +, black -)` }) },
      { file: 'saliency', title: 'Which pixels decided: gradient saliency', picture: imageGrid({ rows, width: 28, height: 28, scale: 3, rowLabels: ['digit', 'saliency'], captions, title: 'Gradient of the winning probability per pixel (bright = decisive)' }) },
    ];
    return { numbers: { inputs: 784, hiddenUnits: UNITS, firstLayerWeights: 784 * UNITS + UNITS, testAccuracy, blankPixels, saliency }, figures };
  },
  conclude({ inputs, hiddenUnits, firstLayerWeights, testAccuracy, blankPixels, saliency }) {
    const lines: string[] = [];
    lines.push(`No: a 28×28 picture is ${inputs} inputs, one per pixel (Flatten turns the grid into a row of ${inputs} numbers). The first Dense layer alone has ${inputs} × ${hiddenUnits} + ${hiddenUnits} = ${firstLayerWeights.toLocaleString('en-US')} weights; with them this small model reads the test digits with ${percent(testAccuracy)} accuracy.`);
    lines.push('Each unit\'s weights, drawn as a picture, are a stroke pattern it looks for: positive (white) where ink raises its output, negative (black) where ink lowers it.');
    const meanOnInk = saliency.reduce((s, v) => s + v.onInk, 0) / saliency.length;
    const meanInk = saliency.reduce((s, v) => s + v.inkShare, 0) / saliency.length;
    lines.push(`Saliency: on the ${saliency.length} digits shown, ${percent(meanOnInk, 0)} of the gradient falls on the inked pixels, which are only ${percent(meanInk, 0)} of the picture${meanOnInk > 1.5 * meanInk ? ' — the decision is made by the strokes' : meanOnInk < meanInk ? ' — the empty background (where ink would change the answer) matters as much as the strokes' : ''}.`);
    const wrong = saliency.filter((s) => s.label !== s.predicted);
    if (wrong.length > 0) lines.push(`Misread among them: ${wrong.map((w) => `${w.label} read as ${w.predicted}`).join(', ')}.`);
    lines.push(`${blankPixels} of the ${inputs} pixels are blank in every training image: their weights never receive a gradient and keep their random starting values — the speckle along the edges of the weight pictures and saliency maps. Inputs that never vary carry no information.`);
    lines.push('A CNN (next class) uses the 2-D neighbourhood of pixels instead of treating each one as an unrelated feature.');
    return lines.join('\n');
  },
});
