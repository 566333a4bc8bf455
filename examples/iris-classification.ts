/**
 * The classification lecture on iris, two ways on the same 80/20 split:
 *
 *  1. a network: Input(4) → Dense(32, relu) → Dense(32, relu) → Dense(3) (logits),
 *     SparseCategoricalCrossentropy(from_logits=True), RMSprop, batch 4, 10 epochs;
 *  2. maximum likelihood: Gaussian naive Bayes (one normal curve per class and feature).
 *
 * Each gets a confusion-matrix heatmap; a scatter matrix (seaborn's pairplot) shows the
 * four measurements coloured by species. Run: node dist/examples/iris-classification.js [outDir]
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { confusionMatrix, Dense, formatConfusionMatrix, InputLayer, IRIS_COLUMNS, LabelEncoder, loadIris, losses, ops, RMSprop, Sequential, setSeed, stats, Tensor, trainTestSplit, viz, writePng } from '../src/index.js';
const { GaussianNB } = stats;
const { scatterMatrix, confusionMatrixPicture, normalCurvesPicture } = viz;

const outDir = resolve(process.argv[2] ?? 'examples-out/iris-classification');
mkdirSync(outDir, { recursive: true });
const SEED = 42;
setSeed(SEED);

const iris = loadIris();
const features = IRIS_COLUMNS.slice(0, 4);
const encoder = new LabelEncoder().fit(iris.strings('species') as string[]);
const classNames = encoder.classes!.map(String);
const X = iris.toArrays([...features]);
const y = encoder.transform(iris.strings('species') as string[]);
const { trainIndices, testIndices } = trainTestSplit(iris.numRows, { testSize: 0.2, seed: SEED });
const rows = (idx: Int32Array): number[][] => Array.from(idx, (i) => X[i]!);
const labels = (idx: Int32Array): Int32Array => Int32Array.from(idx, (i) => y[i]!);
const xTrain = rows(trainIndices);
const xTest = rows(testIndices);
const yTrain = labels(trainIndices);
const yTest = labels(testIndices);
console.log(`Iris: ${iris.numRows} flowers, ${features.length} measurements (cm), classes ${classNames.join(', ')}; ${xTrain.length} train / ${xTest.length} test (seed ${SEED})`);

// 1. The network.
const asTensor = (r: number[][]): Tensor => new Tensor(Float32Array.from(r.flat()), [r.length, 4]);
const model = new Sequential([
  new InputLayer({ shape: [4] }),
  new Dense(32, { activation: 'relu' }),
  new Dense(32, { activation: 'relu' }),
  new Dense(3),
], { name: 'iris_classifier' });
model.compile({ optimizer: new RMSprop(), loss: new losses.SparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
await model.fit(asTensor(xTrain), new Tensor(yTrain, [yTrain.length]), { batchSize: 4, epochs: 10, verbose: 2 });
const logits = model.predict(asTensor(xTest));
const nnPred = Int32Array.from(ops.argMax(logits, -1).data);
const nnCorrect = nnPred.filter((p, i) => p === yTest[i]).length;
const nnMatrix = confusionMatrix(yTest, nnPred, 3);

// 2. Maximum likelihood.
const nb = new GaussianNB<string>().fit(xTrain, Array.from(yTrain, (k) => classNames[k]!));
const nbPred = Int32Array.from(nb.predict(xTest), (c) => classNames.indexOf(c));
const nbCorrect = nbPred.filter((p, i) => p === yTest[i]).length;
const nbMatrix = confusionMatrix(yTest, nbPred, 3);

console.log(`\nTest accuracy on the same ${yTest.length} flowers:`);
console.log(`  neural network (4-32-32-3, RMSprop, 10 epochs): ${(nnCorrect / yTest.length).toFixed(4)} (${nnCorrect}/${yTest.length})`);
console.log(formatConfusionMatrix(nnMatrix, classNames).replace(/^/gm, '    '));
console.log(`  Gaussian naive Bayes (maximum likelihood):      ${(nbCorrect / yTest.length).toFixed(4)} (${nbCorrect}/${yTest.length})`);
console.log(formatConfusionMatrix(nbMatrix, classNames).replace(/^/gm, '    '));

writePng(join(outDir, 'confusion-network.png'), confusionMatrixPicture(nnMatrix, classNames, `Network: ${nnCorrect}/${yTest.length} correct`));
writePng(join(outDir, 'confusion-naive-bayes.png'), confusionMatrixPicture(nbMatrix, classNames, `Naive Bayes: ${nbCorrect}/${yTest.length} correct`));
writePng(join(outDir, 'pairplot.png'), scatterMatrix({ columns: [...features], data: X, classes: Array.from(y), classNames, title: 'Iris measurements by species' }));
writePng(join(outDir, 'normal-curves.png'), normalCurvesPicture(nb, xTrain, Array.from(yTrain, (k) => classNames[k]!), [...features], 'Iris: the normal curves naive Bayes fitted'));
console.log(`\nWrote confusion-network.png, confusion-naive-bayes.png, pairplot.png and normal-curves.png in ${outDir}`);
