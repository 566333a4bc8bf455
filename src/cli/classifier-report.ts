/**
 * What `deepts classify` (dense) and `deepts cnn` (convnet) share after training a
 * ten-class MNIST / Fashion-MNIST classifier: per-epoch timing and resident memory,
 * the test report (accuracy, top-3, loss, sklearn-style per-class table, most
 * confused pairs), the pictures (confusion matrix, "next likely" top-3 guesses, most
 * confident mistakes, training curves) and the saved model.
 */
import { join } from 'node:path';
import { Tensor, getBackend, type Sequential } from '../index.js';
import { saveModel } from '../io/model-io.js';
import { Raster, heatmap, imageGrid, lineChart } from '../viz/index.js';
import type { EpochTimer } from '../train/callbacks/epoch-timer.js';
import {
  classificationReport, confusionMatrix, formatClassificationReport, majorityClassBaseline, mostConfidentMistakes, predictedLabels, topK, topKAccuracy, topKCaption,
} from '../train/classification.js';
import type { MemoryProbe } from './memory.js';
import type { MnistRun } from './mnist-run.js';
import { writePictures, wroteLine } from './output.js';

export interface ClassifierReportArgs {
  model: Sequential;
  run: MnistRun;
  /** Test inputs in the model's input shape. */
  xTest: Tensor;
  /** The targets the model's loss was trained with (labels or one-hot rows), for the test loss. */
  lossTargets: Tensor;
  history: Record<string, number[]>;
  timer: EpochTimer;
  memory: MemoryProbe;
  seconds: number;
  /** Names the model in titles: 'default model', 'convnet', ... */
  modelLabel: string;
  print: (line: string) => void;
  /** More pictures for this command (by file name), written with the shared ones. */
  extraPictures?: () => Record<string, Raster>;
}

export interface ClassifierReport {
  testAccuracy: number;
  top3Accuracy: number;
  testLoss: number;
  probabilities: Tensor;
  files: string[];
}

/** Evaluates on the test set, prints the report, writes the pictures and saves the model in outDir/model (and says so). */
export async function reportClassifier(a: ClassifierReportArgs): Promise<ClassifierReport> {
  const { run, print } = a;
  const { mnist, classNames } = run;
  const yTest = new Tensor(mnist.test.labels, [mnist.test.n]);
  const probabilities = a.model.predict(a.xTest, { batchSize: 1000 });
  const predicted = predictedLabels(probabilities);
  const report = classificationReport(yTest, predicted, classNames);
  const top3Accuracy = topKAccuracy(yTest, probabilities, 3);
  const testLoss = a.model.loss!.call(a.lossTargets, probabilities).item();
  const item = run.dataset === 'fashion' ? 'class' : 'digit';
  print('');
  print(`Test accuracy: ${(report.accuracy * 100).toFixed(2)}%  (loss ${testLoss.toFixed(4)}, ${mnist.test.n - Math.round(report.accuracy * mnist.test.n)} of ${mnist.test.n} wrong)`);
  print(`Top-3 accuracy: ${(top3Accuracy * 100).toFixed(2)}%  (the right ${item} is among the three most likely guesses)`);
  const baseline = majorityClassBaseline(mnist.train.labels, mnist.test.labels);
  print(`Always answering the most frequent training ${item} (${classNames[Number(baseline.label)] ?? baseline.label}): ${(baseline.accuracy * 100).toFixed(2)}%`);
  print(`Time: ${a.seconds.toFixed(1)} s for ${a.timer.epochs} epochs (${a.timer.meanSeconds.toFixed(2)} s per epoch with validation) on the ${getBackend().name} backend; memory: ${a.memory.report()}`);
  print('');
  print(formatClassificationReport(report, 3));
  const matrix = confusionMatrix(yTest, predicted, classNames.length);
  print(`Most often confused (true → predicted): ${mostConfused(matrix, classNames, 6)}`);

  const pictures = { ...classifierPictures(run, { probabilities, matrix, accuracy: report.accuracy, history: a.history, modelLabel: a.modelLabel }), ...a.extraPictures?.() };
  const files = writePictures(run.outDir, pictures);
  const modelDir = join(run.outDir, 'model');
  await saveModel(a.model, modelDir);
  print(`${wroteLine(files)}, and the model in ${modelDir}`);
  files.push(modelDir);
  return { testAccuracy: report.accuracy, top3Accuracy, testLoss, probabilities, files };
}

/** "4 → 9 (12), 7 → 2 (9), ...": the largest off-diagonal cells. */
function mostConfused(matrix: number[][], names: readonly string[], count: number): string {
  const cells: [number, number, number][] = [];
  matrix.forEach((row, i) => row.forEach((v, j) => { if (i !== j && v > 0) cells.push([i, j, v]); }));
  cells.sort((a, b) => b[2] - a[2]);
  return cells.slice(0, count).map(([i, j, v]) => `${names[i]} → ${names[j]} (${v})`).join(', ') || 'none';
}

interface PictureData {
  probabilities: Tensor;
  matrix: number[][];
  accuracy: number;
  history: Record<string, number[]>;
  modelLabel: string;
}

/** The pictures of a classifier run, by file name. */
function classifierPictures(run: MnistRun, d: PictureData): Record<string, Raster> {
  const { images, labels } = run.mnist.test;
  const names = run.classNames;
  const digits = run.dataset === 'mnist';
  const image = (i: number): Float32Array => images.subarray(i * 784, (i + 1) * 784);
  const top = topK(d.probabilities, 3, names);
  const n = labels.length;
  const predicted = top.indices.map((idx) => idx[0]!);
  const pictures: Record<string, Raster> = {};
  const write = (name: string, r: Raster): void => { pictures[name] = r; };

  write('confusion-matrix.png', heatmap({
    matrix: d.matrix, rowLabels: names, colLabels: names,
    xLabel: digits ? 'Predicted digit' : 'Predicted class', yLabel: digits ? 'True digit' : 'True class',
    title: `${run.datasetName} test confusion matrix (${d.modelLabel}, accuracy ${(d.accuracy * 100).toFixed(2)}%)`,
  }));

  // "Next likely": the first test pictures, then for each class the correctly read one whose second guess came closest.
  const first = Array.from({ length: Math.min(10, n) }, (_, i) => i);
  const closest: number[] = [];
  for (let c = 0; c < names.length; c++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== c || predicted[i] !== c) continue;
      if (best < 0 || top.probabilities[i]![1]! > top.probabilities[best]![1]!) best = i;
    }
    if (best >= 0) closest.push(best);
  }
  const rows = [first, closest].filter((r) => r.length > 0);
  const trueName = (i: number): string => names[labels[i]!]!;
  write('next-likely.png', imageGrid({
    rows: rows.map((r) => r.map(image)),
    captions: rows.map((r) => r.map((i) => topKCaption(top, i) + (predicted[i] === labels[i] ? '' : `\n(true ${trueName(i)})`))),
    captionColors: rows.map((r) => r.map((i) => (predicted[i] === labels[i] ? undefined : '#c0392b'))),
    rowLabels: [digits ? 'First test digits' : 'First test pictures', 'Closest calls'].slice(0, rows.length),
    width: 28, height: 28, scale: digits ? 3 : 4,
    title: `Next likely: each test ${digits ? 'digit' : 'picture'} with its top-3 guesses (red: wrong)`,
  }));

  const worst = mostConfidentMistakes(labels, d.probabilities, 20);
  if (worst.length > 0) {
    const worstRows = [worst.slice(0, 10), worst.slice(10)].filter((r) => r.length > 0);
    write('worst-mistakes.png', imageGrid({
      rows: worstRows.map((r) => r.map(image)),
      captions: worstRows.map((r) => r.map((i) => `true ${trueName(i)}\n${topKCaption(top, i)}`)),
      captionColors: worstRows.map((r) => r.map(() => '#c0392b')),
      width: 28, height: 28, scale: digits ? 3 : 4,
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
