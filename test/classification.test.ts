import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dense, InputLayer, Sequential, Tensor, metrics, getLoss, getMetric } from '../src/index.js';
import {
  classificationReport, confusionMatrix, formatClassificationReport, mostConfidentMistakes, predictedLabels, toCategorical, topK, topKAccuracy,
} from '../src/train/classification.js';
import { assertClose } from './helpers.js';

test('toCategorical: one-hot rows, numClasses from the largest label, [n, 1] squeezed, as keras.utils.to_categorical', () => {
  const t = toCategorical([0, 2, 1]);
  assert.deepEqual(t.shape, [3, 3]);
  assert.deepEqual(Array.from(t.values), [1, 0, 0, 0, 0, 1, 0, 1, 0]);
  assert.deepEqual(toCategorical([1], 4).toArray(), [[0, 1, 0, 0]]);
  assert.deepEqual(toCategorical(new Tensor(Int32Array.from([3, 0]), [2, 1])).shape, [2, 4]);
  assert.deepEqual(toCategorical(new Tensor(Int32Array.from([1, 0, 1, 1]), [2, 2]), 2).shape, [2, 2, 2]);
  assert.equal(toCategorical(new Tensor(Float32Array.from([2]), [1])).values[2], 1);
});

test('toCategorical: clear errors for non-integer, negative or out-of-range labels', () => {
  assert.throws(() => toCategorical([0, 1.5]), /label 1\.5 at index 1 is not a non-negative integer/);
  assert.throws(() => toCategorical([0, -1]), /label -1 at index 1 is not a non-negative integer/);
  assert.throws(() => toCategorical([0, NaN]), /label NaN at index 1/);
  assert.throws(() => toCategorical([3, 10], 10), /label 10 at index 1 is outside the 10 classes/);
  assert.throws(() => toCategorical([]), /no labels given/);
  assert.throws(() => toCategorical([0], 0), /numClasses must be a positive integer/);
});

test('topK: classes by falling probability, ties to the lower index, names and bad k', () => {
  const p = new Tensor(Float32Array.from([0.1, 0.6, 0.3, 0.5, 0.2, 0.3, 0.25, 0.5, 0.25]), [3, 3]);
  const top = topK(p, 2, ['cat', 'dog', 'owl']);
  assert.deepEqual(top.indices.map((r) => Array.from(r)), [[1, 2], [0, 2], [1, 0]]);
  assert.deepEqual(top.labels, [['dog', 'owl'], ['cat', 'owl'], ['dog', 'cat']]);
  assertClose(top.probabilities.flatMap((r) => Array.from(r)), [0.6, 0.3, 0.5, 0.3, 0.5, 0.25]);
  const one = topK([[0.2, 0.7, 0.1]], 3);
  assert.deepEqual(one.labels, [['1', '0', '2']]);
  assert.deepEqual(Array.from(topK(new Tensor(Float32Array.from([0.3, 0.7]), [2]), 1).indices[0]!), [1]);
  assert.throws(() => topK(p, 4), /k must be an integer in \[1, 3\]/);
  assert.throws(() => topK(p, 0), /k must be an integer/);
  assert.throws(() => topK(p, 1, ['a']), /1 class names for 3 classes/);
  assert.throws(() => topK([[0.1, NaN]], 1), /class 1 in row 0 is NaN/);
  assert.throws(() => topK([[0.1, 0.2], [0.3]], 1), /row 1 has 1 scores/);
});

test('topKAccuracy and predictedLabels by hand (ties with the k-th score count, as Keras in_top_k)', () => {
  const p = [[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.4, 0.4, 0.2]];
  assert.deepEqual(Array.from(predictedLabels(p)), [1, 0, 0]);
  // labels 2, 1, 1: top-1 hits only row 2 through the tie; top-2: rows 0 and 2 hit.
  assert.equal(topKAccuracy([2, 1, 1], p, 1), 1 / 3);
  assert.equal(topKAccuracy([2, 1, 1], p, 2), 2 / 3);
  assert.equal(topKAccuracy([2, 1, 1], p, 3), 1);
  assert.throws(() => topKAccuracy([2, 1], p, 1), /2 labels for 3 rows/);
  assert.throws(() => topKAccuracy([2, 1, 3], p, 1), /label 3 at index 2 is outside the 3 classes/);
});

test('confusionMatrix by hand: rows are true classes, columns predictions; probabilities are argmaxed', () => {
  const yTrue = [0, 1, 2, 2, 2];
  const yPred = [0, 0, 2, 2, 1];
  assert.deepEqual(confusionMatrix(yTrue, yPred), [[1, 0, 0], [1, 0, 0], [0, 1, 2]]);
  assert.deepEqual(confusionMatrix(yTrue, yPred, 4)[3], [0, 0, 0, 0]);
  const probs = new Tensor(Float32Array.from([0.9, 0.1, 0, 0.8, 0.1, 0.1, 0, 0.2, 0.8, 0.1, 0.1, 0.8, 0.3, 0.6, 0.1]), [5, 3]);
  assert.deepEqual(confusionMatrix(new Tensor(Int32Array.from(yTrue), [5]), probs), [[1, 0, 0], [1, 0, 0], [0, 1, 2]]);
  assert.deepEqual(confusionMatrix(toCategorical(yTrue), probs), [[1, 0, 0], [1, 0, 0], [0, 1, 2]]);
  assert.throws(() => confusionMatrix(yTrue, [0, 0, 2]), /5 true labels but 3 predictions/);
  assert.throws(() => confusionMatrix(yTrue, yPred, 2), /true label 2 at index 2 is outside the 2 classes/);
  assert.throws(() => confusionMatrix([0, -1], [0, 0]), /yTrue: label -1 at index 1/);
  assert.throws(() => confusionMatrix([0, 1], [0, 0.5]), /yPred: label 0\.5 at index 1/);
});

test('confusionMatrix and report properties: counts add up, weighted recall = accuracy = trace / n', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }).chain((k) => fc.array(fc.tuple(fc.integer({ min: 0, max: k - 1 }), fc.integer({ min: 0, max: k - 1 })), { minLength: 1, maxLength: 60 })), (pairs) => {
    const t = pairs.map((p) => p[0]);
    const p = pairs.map((q) => q[1]);
    const m = confusionMatrix(t, p);
    assert.equal(m.flat().reduce((a, b) => a + b, 0), pairs.length);
    const trace = m.reduce((s, row, i) => s + row[i]!, 0);
    const r = classificationReport(t, p);
    assert.ok(Math.abs(r.accuracy - trace / pairs.length) < 1e-12);
    assert.ok(Math.abs(r.weightedAvg.recall - r.accuracy) < 1e-12);
    assert.equal(r.perClass.reduce((s, c) => s + c.support, 0), pairs.length);
    for (const c of r.perClass) for (const v of [c.precision, c.recall, c.f1]) assert.ok(v >= 0 && v <= 1);
  }));
});

test("classificationReport: scikit-learn's documented example, numbers and text", () => {
  const r = classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], ['class 0', 'class 1', 'class 2']);
  assertClose(r.perClass.map((c) => c.precision), [0.5, 0, 1]);
  assertClose(r.perClass.map((c) => c.recall), [1, 0, 2 / 3]);
  assertClose(r.perClass.map((c) => c.f1), [2 / 3, 0, 0.8]);
  assert.deepEqual(r.perClass.map((c) => c.support), [1, 1, 3]);
  assert.equal(r.accuracy, 0.6);
  assertClose([r.macroAvg.precision, r.macroAvg.recall, r.macroAvg.f1], [0.5, 5 / 9, (2 / 3 + 0.8) / 3]);
  assertClose([r.weightedAvg.precision, r.weightedAvg.recall, r.weightedAvg.f1], [0.7, 0.6, (2 / 3 + 3 * 0.8) / 5]);
  const expected = [
    '              precision    recall  f1-score   support',
    '',
    '     class 0       0.50      1.00      0.67         1',
    '     class 1       0.00      0.00      0.00         1',
    '     class 2       1.00      0.67      0.80         3',
    '',
    '    accuracy                           0.60         5',
    '   macro avg       0.50      0.56      0.49         5',
    'weighted avg       0.70      0.60      0.61         5',
    '',
  ].join('\n');
  assert.equal(formatClassificationReport(r), expected);
  assert.match(formatClassificationReport(r, 4), /class 2 {5}1\.0000 {4}0\.6667 {4}0\.8000 {9}3\n/);
});

test('classificationReport: without names only labels that occur are listed (as sklearn); errors', () => {
  const r = classificationReport([0, 3, 3], [0, 3, 0]);
  assert.deepEqual(r.classNames, ['0', '3']);
  assertClose(r.perClass.map((c) => c.precision), [0.5, 1]);
  assert.throws(() => classificationReport([], []), /no samples/);
  assert.throws(() => classificationReport([0, 2], [0, 1], ['a', 'b']), /label 2 has no name/);
});

test('mostConfidentMistakes: wrong rows only, most confident first', () => {
  const p = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95]];
  assert.deepEqual(mostConfidentMistakes([1, 1, 1, 0], p, 5), [3, 0, 2]);
  assert.deepEqual(mostConfidentMistakes([1, 1, 1, 0], p, 1), [3]);
  assert.deepEqual(mostConfidentMistakes([0, 1, 0, 1], p, 3), []);
});

/**
 * A model whose outputs are chosen by hand: Dense(6, softmax) with identity kernel
 * and zero bias maps x = log(p) to softmax(log p) = p.
 */
const P = [
  [0.5, 0.2, 0.1, 0.1, 0.05, 0.05], // label 0: top-1 hit
  [0.1, 0.6, 0.1, 0.1, 0.05, 0.05], // label 2: miss; tied 2nd → in top-2 and top-5
  [0.3, 0.3, 0.2, 0.1, 0.06, 0.04], // label 5: least likely → outside top-5
  [0.05, 0.05, 0.1, 0.1, 0.2, 0.5], // label 5: hit
];
const LABELS = [0, 2, 5, 5];

function handModel(): Sequential {
  const m = new Sequential([new InputLayer({ shape: [6] }), new Dense(6, { activation: 'softmax' })]);
  const eye = new Float32Array(36);
  for (let i = 0; i < 6; i++) eye[i * 7] = 1;
  m.setWeights([new Tensor(eye, [6, 6]), new Tensor(new Float32Array(6), [6])]);
  return m;
}
const x = new Tensor(Float32Array.from(P.flat().map(Math.log)), [4, 6]);
const crossentropy = -(Math.log(0.5) + Math.log(0.1) + Math.log(0.04) + Math.log(0.5)) / 4;

test("compile metrics with sparse labels: 'accuracy', 'sparse_categorical_accuracy', top-k vs hand values", async () => {
  const m = handModel();
  assertClose(m.predict(x).values, P.flat(), 1e-5, 'hand model output');
  m.compile({
    optimizer: 'adam', loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy', 'sparse_categorical_accuracy', 'sparse_top_k_categorical_accuracy', new metrics.SparseTopKCategoricalAccuracy({ k: 2, name: 'top2' })],
  });
  // batchSize 3: batches of 3 and 1 sample, so per-batch means must be weighted by size.
  const logs = await m.evaluateLogs(x, new Tensor(Int32Array.from(LABELS), [4]), { batchSize: 3, verbose: 0 });
  assertClose([logs['loss']!], [crossentropy], 1e-5, 'loss');
  assert.equal(logs['accuracy'], 0.5);
  assert.equal(logs['sparse_categorical_accuracy'], 0.5);
  assert.equal(logs['sparse_top_k_categorical_accuracy'], 0.75);
  assert.equal(logs['top2'], 0.75);
  assert.equal(topKAccuracy(LABELS, P, 2), 0.75);
  assert.equal(topKAccuracy(LABELS, P, 5), 0.75);
});

test("compile metrics with one-hot labels: 'accuracy' (categorical) and 'top_k_categorical_accuracy' vs hand values", async () => {
  const m = handModel();
  m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy', 'top_k_categorical_accuracy'] });
  const logs = await m.evaluateLogs(x, toCategorical(LABELS, 6), { batchSize: 2, verbose: 0 });
  assertClose([logs['loss']!], [crossentropy], 1e-5, 'loss');
  assert.equal(logs['accuracy'], 0.5);
  assert.equal(logs['top_k_categorical_accuracy'], 0.75);
  // The metric objects directly, one update per sample.
  const acc = getMetric('accuracy', getLoss('categorical_crossentropy'));
  const oneHot = toCategorical(LABELS, 6);
  for (let i = 0; i < 4; i++) {
    acc.update(new Tensor(oneHot.values.slice(i * 6, i * 6 + 6), [1, 6]), new Tensor(Float32Array.from(P[i]!), [1, 6]));
  }
  assert.equal(acc.result(), 0.5);
  acc.reset();
  assert.equal(acc.result(), 0);
});
