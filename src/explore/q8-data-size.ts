/**
 * Q8 "How much data is needed?" — a learning curve: the same model trained on 100 …
 * 60,000 MNIST images (about the same number of weight updates for each size), with test
 * accuracy and loss on the same held-out images. Log-scale size axis.
 */
import { setSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../nn/layers/dense.js';
import { Dropout } from '../nn/layers/activation.js';
import { Flatten, InputLayer } from '../nn/layers/reshaping.js';
import { Adam } from '../train/optimizers/index.js';
import { buildConvnet } from '../models/mnist-models.js';
import { lineChart } from '../viz/charts.js';
import { experiment, fmt, percent, type Figure } from './experiment.js';

export interface DataSizeRun {
  model: 'dense' | 'cnn';
  size: number;
  epochs: number;
  trainAccuracy: number;
  testAccuracy: number;
  testLoss: number;
}

export interface DataSizeNumbers {
  /** The dense model's layers in words. */
  model: string;
  testRows: number;
  /** Dense runs, then (full setting) the same sizes with Keras' simple MNIST convnet. */
  runs: DataSizeRun[];
}

const BATCH = 64;

export const dataSize = experiment<DataSizeNumbers>({
  id: 8,
  name: 'data-size',
  question: 'How much data is needed?',
  async measure({ data, quick, seed, log }) {
    const mnist = await data.mnist();
    const nTest = Math.min(mnist.test.n, quick ? 2000 : 10000);
    const xt = new Tensor(mnist.test.images.subarray(0, nTest * 784), [nTest, 28, 28]);
    const yt = new Tensor(mnist.test.labels.subarray(0, nTest), [nTest]);
    const sizes = (quick ? [100, 300, 1000, 3000] : [100, 300, 1000, 3000, 10000, 30000, 60000]).filter((s) => s <= mnist.train.n);
    const updates = quick ? 400 : 3000; // about the same number of steps for every size, at least 3 epochs
    const runs: DataSizeRun[] = [];
    // The CNN only in the full setting: its convolutions cost ~14 MFLOP per image against the dense model's 0.2.
    for (const kind of quick ? (['dense'] as const) : (['dense', 'cnn'] as const)) {
      for (const size of sizes) {
        // The first `size` training images: every set contains the smaller ones.
        const images = mnist.train.images.subarray(0, size * 784), labels = mnist.train.labels.subarray(0, size);
        const shape = kind === 'cnn' ? [size, 28, 28, 1] : [size, 28, 28];
        const x = new Tensor(images, shape), y = new Tensor(labels, [size]);
        setSeed(seed);
        const model = kind === 'cnn'
          ? buildConvnet()
          : new Sequential([new InputLayer({ shape: [28, 28] }), new Flatten(), new Dense(128, { activation: 'relu' }), new Dense(128, { activation: 'relu' }), new Dropout(0.25), new Dense(10, { activation: 'softmax' })]);
        model.compile({ optimizer: new Adam({ learningRate: 0.001 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
        const epochs = Math.max(3, Math.min(200, Math.ceil(updates / Math.ceil(size / BATCH))));
        await model.fit(x, y, { epochs, batchSize: BATCH, verbose: 0 });
        const train = await model.evaluateLogs(x, y, { batchSize: 1000, verbose: 0 });
        const test = await model.evaluateLogs(kind === 'cnn' ? new Tensor(xt.values, [nTest, 28, 28, 1]) : xt, yt, { batchSize: 1000, verbose: 0 });
        runs.push({ model: kind, size, epochs, trainAccuracy: train['accuracy'] ?? NaN, testAccuracy: test['accuracy'] ?? NaN, testLoss: test['loss'] ?? NaN });
        log(`  ${kind.padEnd(5)} ${String(size).padStart(5)} images, ${epochs} epochs: train accuracy ${percent(train['accuracy'] ?? NaN)}, test accuracy ${percent(test['accuracy'] ?? NaN)}`);
      }
    }
    const dense = runs.filter((r) => r.model === 'dense'), cnn = runs.filter((r) => r.model === 'cnn');
    const xs = dense.map((r) => Math.log10(r.size));
    const xTicks = dense.map((r) => ({ value: Math.log10(r.size), label: r.size >= 1000 ? `${r.size / 1000}k` : String(r.size) }));
    const series = (f: (r: DataSizeRun) => number, what: string) => [
      { name: `dense ${what}`, values: dense.map(f) },
      ...(cnn.length ? [{ name: `CNN ${what}`, values: cnn.map(f) }] : []),
    ];
    const figures: Figure[] = [
      { file: 'learning-curve-accuracy', title: 'Accuracy against training-set size', picture: lineChart({ title: 'MNIST learning curve: accuracy', xLabel: 'training images (log scale)', yLabel: 'accuracy', x: xs, xTicks, series: [...series((r) => r.trainAccuracy, 'train'), ...series((r) => r.testAccuracy, 'test')], width: 680, height: 420 }) },
      { file: 'learning-curve-loss', title: 'Test loss against training-set size', picture: lineChart({ title: 'MNIST learning curve: test loss', xLabel: 'training images (log scale)', yLabel: 'test cross-entropy', logY: true, x: xs, xTicks, series: series((r) => r.testLoss, 'test loss'), width: 680, height: 420 }) },
    ];
    return { numbers: { model: 'Flatten → 128 relu → 128 relu → Dropout 0.25 → 10 softmax', testRows: nTest, runs }, figures };
  },
  conclude({ model, testRows, runs: all }) {
    const lines: string[] = [];
    const runs = all.filter((r) => r.model === 'dense'), cnn = all.filter((r) => r.model === 'cnn');
    const first = runs[0]!, last = runs[runs.length - 1]!;
    lines.push(`Same model (${model}), trained on ${runs.map((r) => r.size.toLocaleString('en-US')).join(', ')} images, tested on the same ${testRows.toLocaleString('en-US')}: test accuracy ${runs.map((r) => percent(r.testAccuracy)).join(' → ')}.`);
    lines.push(`With ${first.size} images the model scores ${percent(first.trainAccuracy)} on its own training images but ${percent(first.testAccuracy)} on new ones: it memorises; more data closes that gap (${fmt((last.trainAccuracy - last.testAccuracy) * 100, 2)} points at ${last.size.toLocaleString('en-US')}).`);
    const gains = runs.slice(1).map((r, i) => ({ from: runs[i]!.size, to: r.size, gain: r.testAccuracy - runs[i]!.testAccuracy }));
    if (gains.length >= 2) {
      const lastGain = gains[gains.length - 1]!, firstGain = gains[0]!;
      lines.push(`${lastGain.gain < firstGain.gain ? 'Each step up in data buys less' : 'More data kept paying'}: ${firstGain.from.toLocaleString('en-US')}→${firstGain.to.toLocaleString('en-US')} images added ${fmt(firstGain.gain * 100, 2)} points, ${lastGain.from.toLocaleString('en-US')}→${lastGain.to.toLocaleString('en-US')} added ${fmt(lastGain.gain * 100, 2)}.${lastGain.gain > 0.005 ? ' The curve is still rising: more data would still help this model.' : ' The curve has flattened: beyond this, a better model (a CNN) helps more than more images.'}`);
    }
    if (cnn.length > 0) {
      const c0 = cnn[0]!, cLast = cnn[cnn.length - 1]!;
      const matched = cnn.find((c) => c.testAccuracy >= last.testAccuracy);
      lines.push(`Keras' simple convnet on the same images: ${cnn.map((r) => percent(r.testAccuracy)).join(' → ')}. ${matched ? `With ${matched.size.toLocaleString('en-US')} images it already matches what the dense model reaches with ${last.size.toLocaleString('en-US')}` : `It ends at ${percent(cLast.testAccuracy)} against the dense model's ${percent(last.testAccuracy)}`}; at ${c0.size} images it scores ${percent(c0.testAccuracy)} against ${percent(first.testAccuracy)}: a model that suits the data needs less of it.`);
    }
    lines.push('There is no fixed number: draw this curve for your problem. Where it is still climbing, collect data; where it is flat, change the model.');
    return lines.join('\n');
  },
});
