/**
 * `deepts classify`: the lecture's homework — classify MNIST, and (extra credit)
 * show the "next likely" answers. Trains a dense classifier, reports test accuracy,
 * top-3 accuracy and per-class precision/recall, and draws the confusion matrix,
 * the top-3 guesses on test digits, the most confident mistakes and the training curves.
 *
 * --model course is the course's homework model exactly:
 *   Flatten → Dense(128, relu) → Dense(128, relu) → Dropout(0.25) → Dense(10, softmax)
 *   compile(optimizer='adam', loss='categorical_crossentropy') on to_categorical labels,
 *   fit(batch_size=512, epochs=10)  (Keras reports 97.6% test accuracy)
 * --model default is wider, with dropout after each hidden layer, a 10% validation
 * split and a learning rate halved on plateaus: 98.60% test accuracy in 12 epochs (seed 42).
 */
import { join } from 'node:path';
import { Adam, ReduceLROnPlateau, Tensor, getBackend, type Callback } from '../../index.js';
import { CLASSIFIER_DEFAULTS, buildClassifier, type ClassifierKind } from '../../models/mnist-models.js';
import { MNIST_CLASSES } from '../../datasets/mnist-node.js';
import { saveModel } from '../../io/model-io.js';
import { Raster, heatmap, imageGrid, lineChart } from '../../viz/index.js';
import {
  classificationReport, confusionMatrix, formatClassificationReport, majorityClassBaseline, mostConfidentMistakes, predictedLabels, toCategorical, topK, topKAccuracy, topKCaption,
} from '../../train/classification.js';
import { EpochTimer } from '../../train/callbacks/epoch-timer.js';
import type { OptionSpecs, OptionsOf } from '../args.js';
import { defineCommand } from '../command.js';
import { MemoryProbe } from '../memory.js';
import { startMnistRun } from '../mnist-run.js';
import { writePictures, wroteLine } from '../output.js';

export const classifyOptions = {
  model: { type: 'string', default: 'default', choices: ['default', 'course'], help: "'course': the homework's 128-128 model (Keras: 97.6%); 'default': 512-256 with dropout (98.6%)" },
  epochs: { type: 'int', min: 1, help: 'training epochs (default: 12; course: 10)' },
  'batch-size': { type: 'int', min: 1, help: 'samples per gradient step (default: 256; course: 512)' },
  seed: { type: 'int', default: 42, help: 'random seed (weights, shuffling, dropout): same seed, same result' },
  out: { type: 'string', default: 'classify-out', help: 'folder for the pictures and the saved model' },
  limit: { type: 'int', min: 1, help: 'train on only the first N training images (the test set stays all 10,000)' },
  verbose: { type: 'int', default: 1, min: 0, help: 'progress output: 0 silent, 1 progress bar, 2 one line per epoch' },
} as const satisfies OptionSpecs;

const CLASS_NAMES = Array.from({ length: MNIST_CLASSES }, (_, c) => String(c));

export interface ClassifySummary {
  model: ClassifierKind;
  epochs: number;
  batchSize: number;
  trainImages: number;
  testAccuracy: number;
  top3Accuracy: number;
  testLoss: number;
  seconds: number;
  outDir: string;
  files: string[];
}

export async function runClassify(o: OptionsOf<typeof classifyOptions>, print: (line: string) => void = console.log): Promise<ClassifySummary> {
  const kind: ClassifierKind = o.model;
  const epochs = o.epochs ?? CLASSIFIER_DEFAULTS[kind].epochs;
  const batchSize = o.batchSize ?? CLASSIFIER_DEFAULTS[kind].batchSize;
  const { outDir, verbose, mnist, xTrain, xTest } = await startMnistRun(o, print);
  const yTrain = new Tensor(mnist.train.labels, [mnist.train.n]);
  const yTest = new Tensor(mnist.test.labels, [mnist.test.n]);

  const model = buildClassifier(kind);
  model.summary(print);
  const memory = new MemoryProbe();
  const timer = new EpochTimer();
  const timing = [timer, memory];
  const started = performance.now();
  let history;
  if (kind === 'course') {
    // As the homework: one-hot labels and categorical crossentropy, validated on the test images (as the lecture's fits).
    model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const validation = [xTest, toCategorical(yTest, MNIST_CLASSES)] as const;
    history = await model.fit(xTrain, toCategorical(yTrain, MNIST_CLASSES), { epochs, batchSize, shuffle: true, validationData: validation, verbose, callbacks: timing });
  } else {
    model.compile({ optimizer: new Adam({ learningRate: 1e-3 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const plateau: Callback = new ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, verbose: verbose > 0 ? 1 : 0 });
    history = await model.fit(xTrain, yTrain, { epochs, batchSize, shuffle: true, validationSplit: 0.1, verbose, callbacks: [...timing, plateau] });
  }
  const seconds = (performance.now() - started) / 1000;

  const probabilities = model.predict(xTest, { batchSize: 1000 });
  const predicted = predictedLabels(probabilities);
  const report = classificationReport(yTest, predicted, CLASS_NAMES);
  const top3Accuracy = topKAccuracy(yTest, probabilities, 3);
  const testLoss = model.loss!.call(kind === 'course' ? toCategorical(yTest, MNIST_CLASSES) : yTest, probabilities).item();
  const ranEpochs = timer.epochs;
  print('');
  print(`Test accuracy: ${(report.accuracy * 100).toFixed(2)}%  (loss ${testLoss.toFixed(4)}, ${mnist.test.n - Math.round(report.accuracy * mnist.test.n)} of ${mnist.test.n} wrong)`);
  print(`Top-3 accuracy: ${(top3Accuracy * 100).toFixed(2)}%  (the right digit is among the three most likely guesses)`);
  const baseline = majorityClassBaseline(mnist.train.labels, mnist.test.labels);
  print(`Always answering the most frequent training digit (${baseline.label}): ${(baseline.accuracy * 100).toFixed(2)}%`);
  print(`Time: ${seconds.toFixed(1)} s for ${ranEpochs} epochs (${timer.meanSeconds.toFixed(2)} s per epoch with validation) on the ${getBackend().name} backend; memory: ${memory.report()}`);
  print('');
  print(formatClassificationReport(report, 3));
  const matrix = confusionMatrix(yTest, predicted, MNIST_CLASSES);
  print(`Most often confused (true → predicted): ${mostConfused(matrix, 6)}`);

  const files = writePictures(outDir, classifierPictures({ kind, images: mnist.test.images, labels: mnist.test.labels, probabilities, matrix, accuracy: report.accuracy, history: history.history }));
  const modelDir = join(outDir, 'model');
  await saveModel(model, modelDir);
  print(`${wroteLine(files)}, and the model in ${modelDir}`);
  files.push(modelDir);
  return { model: kind, epochs: ranEpochs, batchSize, trainImages: mnist.train.n, testAccuracy: report.accuracy, top3Accuracy, testLoss, seconds, outDir, files };
}

/** "4 → 9 (12), 7 → 2 (9), ...": the largest off-diagonal cells. */
function mostConfused(matrix: number[][], count: number): string {
  const cells: [number, number, number][] = [];
  matrix.forEach((row, i) => row.forEach((v, j) => { if (i !== j && v > 0) cells.push([i, j, v]); }));
  cells.sort((a, b) => b[2] - a[2]);
  return cells.slice(0, count).map(([i, j, v]) => `${i} → ${j} (${v})`).join(', ') || 'none';
}

interface PictureData {
  kind: ClassifierKind;
  images: Float32Array;
  labels: Int32Array;
  probabilities: Tensor;
  matrix: number[][];
  accuracy: number;
  history: Record<string, number[]>;
}

/** The pictures of a classify run, by file name. */
function classifierPictures(d: PictureData): Record<string, Raster> {
  const image = (i: number): Float32Array => d.images.subarray(i * 784, (i + 1) * 784);
  const top = topK(d.probabilities, 3, CLASS_NAMES);
  const n = d.labels.length;
  const predicted = top.indices.map((idx) => idx[0]!);
  const pictures: Record<string, Raster> = {};
  const write = (name: string, r: Raster): void => { pictures[name] = r; };
  const modelName = d.kind === 'course' ? 'course model' : 'default model';

  write('confusion-matrix.png', heatmap({
    matrix: d.matrix, rowLabels: CLASS_NAMES, colLabels: CLASS_NAMES, xLabel: 'Predicted digit', yLabel: 'True digit',
    title: `MNIST test confusion matrix (${modelName}, accuracy ${(d.accuracy * 100).toFixed(2)}%)`,
  }));

  // "Next likely": the first test digits, then for each class the correctly read digit whose second guess came closest.
  const first = Array.from({ length: Math.min(10, n) }, (_, i) => i);
  const closest: number[] = [];
  for (let c = 0; c < MNIST_CLASSES; c++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (d.labels[i] !== c || predicted[i] !== c) continue;
      if (best < 0 || top.probabilities[i]![1]! > top.probabilities[best]![1]!) best = i;
    }
    if (best >= 0) closest.push(best);
  }
  const rows = [first, closest].filter((r) => r.length > 0);
  write('next-likely.png', imageGrid({
    rows: rows.map((r) => r.map(image)),
    captions: rows.map((r) => r.map((i) => topKCaption(top, i) + (predicted[i] === d.labels[i] ? '' : `\n(true ${d.labels[i]})`))),
    captionColors: rows.map((r) => r.map((i) => (predicted[i] === d.labels[i] ? undefined : '#c0392b'))),
    rowLabels: ['First test digits', 'Closest calls'].slice(0, rows.length),
    width: 28, height: 28, scale: 3,
    title: 'Next likely: each test digit with its top-3 guesses (red: wrong)',
  }));

  const worst = mostConfidentMistakes(d.labels, d.probabilities, 20);
  if (worst.length > 0) {
    const worstRows = [worst.slice(0, 10), worst.slice(10)].filter((r) => r.length > 0);
    write('worst-mistakes.png', imageGrid({
      rows: worstRows.map((r) => r.map(image)),
      captions: worstRows.map((r) => r.map((i) => `true ${d.labels[i]}\n${topKCaption(top, i)}`)),
      captionColors: worstRows.map((r) => r.map(() => '#c0392b')),
      width: 28, height: 28, scale: 3,
      title: 'Most confident mistakes: true label, then the top-3 guesses',
    }));
  }

  const h = d.history;
  const accuracy = lineChart({
    series: [{ name: 'accuracy', values: h['accuracy'] ?? [] }, { name: 'val_accuracy', values: h['val_accuracy'] ?? [] }],
    title: 'Accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy', width: 520, height: 360,
  });
  const loss = lineChart({
    series: [{ name: 'loss', values: h['loss'] ?? [] }, { name: 'val_loss', values: h['val_loss'] ?? [] }],
    title: 'Loss (crossentropy) per epoch', xLabel: 'epoch', yLabel: 'loss', width: 520, height: 360,
  });
  const curves = new Raster(accuracy.width + loss.width, Math.max(accuracy.height, loss.height));
  curves.drawRaster(accuracy, 0, 0);
  curves.drawRaster(loss, accuracy.width, 0);
  write('training-curve.png', curves);
  return pictures;
}

export const command = defineCommand({
  summary: 'train an MNIST digit classifier (the homework); report accuracy, top-3 "next likely" guesses, confusion matrix; save the model',
  usage: 'deepts classify [--model default|course] [options]',
  options: classifyOptions,
  run: async (o) => { await runClassify(o); },
});
