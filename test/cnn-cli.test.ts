/**
 * `deepts cnn` end to end on a small MNIST subset: the report it prints, the pictures and the
 * model it writes, and an accuracy that clearly beats both the majority class and a dense
 * network of the same size trained on the same pictures. Also the convnet variants the
 * command builds (the 'wide' model, and the augmentation each dataset gets).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Adam, Dense, Flatten, InputLayer, Sequential, Tensor, loadMnist, setSeed } from '../src/index.js';
import { decodePng, encodePng } from '../src/io/png.js';
import { loadModel } from '../src/io/model-io.js';
import { buildConvnet, convnetAugmentation } from '../src/models/mnist-models.js';
import { filterPicture } from '../src/viz/convnet-pictures.js';
import { runCli } from './helpers.js';

const TRAIN = 2000;
const TEST = 1000;
const EPOCHS = 3;
const BATCH = 32;

/** A dense network with as many parameters as the convnet (784 → 44 relu → 10: 34,990 against 34,826). */
async function denseAccuracy(): Promise<number> {
  const mnist = await loadMnist({ limitTrain: TRAIN, limitTest: TEST });
  setSeed(1);
  const dense = new Sequential([new InputLayer({ shape: [28, 28] }), new Flatten(), new Dense(44, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })]);
  dense.compile({ optimizer: new Adam(), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  await dense.fit(new Tensor(mnist.train.images, [TRAIN, 28, 28]), new Tensor(mnist.train.labels, [TRAIN]), { epochs: EPOCHS, batchSize: BATCH, shuffle: true, verbose: 0 });
  const logs = await dense.evaluateLogs(new Tensor(mnist.test.images, [TEST, 28, 28]), new Tensor(mnist.test.labels, [TEST]), { verbose: 0 });
  return logs['accuracy']!;
}

describe('deepts cnn', () => {
  it(`trains Keras' convnet on ${TRAIN} digits, beats the majority class and a dense net of its size, writes its pictures and a model that reproduces its accuracy`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'deepts-cnn-'));
    try {
      const run = await runCli(out, ['cnn', '--limit', String(TRAIN), '--test-limit', String(TEST), '--epochs', String(EPOCHS), '--batch-size', String(BATCH), '--seed', '1', '--verbose', '2', '--out', out]);
      assert.equal(run.code, 0, run.stderr);
      const text = run.stdout;
      assert.match(text, new RegExp(`MNIST: ${TRAIN} training and ${TEST} test images`));
      assert.match(text, /Model: "convnet"/);
      assert.match(text, /Total params: 34,826/);
      // One progress line and one time/memory line per epoch.
      assert.equal(text.match(/val_accuracy: 0\.\d+/g)?.length, EPOCHS, text);
      for (let e = 1; e <= EPOCHS; e++) assert.match(text, new RegExp(`  epoch ${e}: \\d+\\.\\d s, RSS \\d+ MB`));
      const accuracy = Number(/Test accuracy: (\d+\.\d\d)%/.exec(text)?.[1]) / 100;
      const wrong = Number(/(\d+) of 1000 wrong/.exec(text)?.[1]);
      assert.equal(wrong, Math.round((1 - accuracy) * TEST), 'wrong count matches the accuracy');
      const top3 = Number(/Top-3 accuracy: (\d+\.\d\d)%/.exec(text)?.[1]) / 100;
      const majority = Number(/Always answering the most frequent training digit \(\d\): (\d+\.\d\d)%/.exec(text)?.[1]) / 100;
      assert.ok(majority > 0.08 && majority < 0.2, `majority-class baseline ${majority}`);
      assert.ok(top3 >= accuracy && top3 <= 1, `top-3 ${top3} vs ${accuracy}`);
      assert.match(text, /weighted avg +0\.\d{3} +0\.\d{3} +0\.\d{3} +1000\n/);
      assert.match(text, /Most often confused \(true → predicted\): \d → \d \(\d+\)/);

      const dense = await denseAccuracy();
      // Measured (seed 1): convnet 0.923, dense of the same size 0.849, majority class 0.099.
      assert.ok(accuracy > 0.88, `convnet test accuracy ${accuracy}`);
      assert.ok(accuracy > dense + 0.03, `convnet ${accuracy} must clearly beat a dense net of its size trained alike (${dense})`);

      const pictures = ['confusion-matrix.png', 'next-likely.png', 'worst-mistakes.png', 'training-curve.png', 'filters.png', 'feature-maps.png'];
      for (const name of pictures) {
        assert.match(text, new RegExp(join(out, name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `the report names ${name}`);
        const png = decodePng(readFileSync(join(out, name)), name);
        const distinct = new Set<number>();
        for (let p = 0; p < png.data.length; p += 4) distinct.add(png.data[p]! * 65536 + png.data[p + 1]! * 256 + png.data[p + 2]!);
        assert.ok(png.width >= 100 && png.height >= 60 && distinct.size > 20, `${name}: ${png.width}×${png.height}, ${distinct.size} colours`);
      }

      // The saved model is the trained one: same test accuracy, and filters.png shows its first-layer kernels.
      const model = await loadModel(join(out, 'model'));
      assert.ok(model instanceof Sequential);
      const mnist = await loadMnist({ limitTrain: 1, limitTest: TEST });
      const logs = await model.evaluateLogs(new Tensor(mnist.test.images, [TEST, 28, 28, 1]), new Tensor(mnist.test.labels, [TEST]), { verbose: 0 });
      assert.ok(Math.abs(logs['accuracy']! - accuracy) < 1e-6, `reloaded model ${logs['accuracy']} vs reported ${accuracy}`);
      const filters = filterPicture(model);
      assert.deepEqual(encodePng(filters), new Uint8Array(readFileSync(join(out, 'filters.png'))), 'filters.png pictures the saved first-layer kernels');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('rejects an unknown --model with the choices, and a validation split outside (0, 1)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'deepts-cnn-'));
    try {
      const run = await runCli(out, ['cnn', '--model', 'huge', '--out', out]);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /simple.*wide/);
      const split = await runCli(out, ['cnn', '--validation-split', '1.5', '--limit', '100', '--test-limit', '10', '--out', out, '--verbose', '0']);
      assert.notEqual(split.code, 0);
      assert.match(split.stderr, /validationSplit must be in \(0, 1\), got 1\.5/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('convnet variants', () => {
  it("'wide' adds Conv2D(128) and Dense(128): 241,546 parameters; 'simple' is Keras' 34,826", () => {
    assert.equal(buildConvnet().countParams(), 34_826);
    const wide = buildConvnet({ model: 'wide' });
    assert.equal(wide.countParams(), 320 + 18_496 + 73_856 + 147_584 + 1_290);
    assert.deepEqual(wide.layers.map((l) => l.className), ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense', 'Dropout', 'Dense']);
    // Layers are numbered in order (conv2d_k, conv2d_k+1, conv2d_k+2), as Keras names them.
    const suffix = (name: string): number => Number(/_(\d+)$/.exec(name)?.[1] ?? 0);
    const convs = wide.layers.filter((l) => l.className === 'Conv2D').map((l) => suffix(l.name));
    assert.deepEqual(convs, [convs[0]!, convs[0]! + 1, convs[0]! + 2]);
  });

  it('digits are rotated, zoomed and shifted; clothes only mirrored and shifted by whole pixels (no blur)', () => {
    assert.deepEqual(convnetAugmentation(false).map((l) => l.className), ['RandomRotation', 'RandomZoom', 'RandomTranslation']);
    assert.deepEqual(convnetAugmentation(true).map((l) => l.className), ['RandomFlip', 'RandomTranslation']);
    // A picture with distinct pixel values: each augmented copy must be the original, maybe mirrored, moved by
    // a whole number of pixels (at most 3 = round(0.1 × 28)) with zeros shifted in.
    const n = 40;
    const x = new Float32Array(n * 784);
    for (let i = 0; i < n; i++) for (let p = 0; p < 784; p++) x[i * 784 + p] = 1 + ((p * 7919 + i) % 1000) / 1000;
    setSeed(5);
    let h = new Tensor(x, [n, 28, 28, 1]);
    for (const layer of convnetAugmentation(true)) h = layer.apply(h, { training: true });
    const found = new Set<string>();
    for (let i = 0; i < n; i++) {
      const match = candidates().find(([flip, dy, dx]) => {
        for (let y = 0; y < 28; y++) {
          for (let xx = 0; xx < 28; xx++) {
            const sy = y - dy, sx = xx - dx;
            const src = sy < 0 || sy >= 28 || sx < 0 || sx >= 28 ? 0 : x[i * 784 + sy * 28 + (flip ? 27 - sx : sx)]!;
            if (h.values[i * 784 + y * 28 + xx] !== src) return false;
          }
        }
        return true;
      });
      assert.ok(match, `picture ${i} is not a mirrored/whole-pixel shift of its original`);
      found.add(match.join(','));
    }
    assert.ok(found.size > 15, `the ${n} pictures got varied changes (${found.size} distinct)`);
    assert.ok([...found].some((f) => f.startsWith('true')) && [...found].some((f) => f.startsWith('false')), 'some mirrored, some not');
  });
});

function candidates(): [boolean, number, number][] {
  const out: [boolean, number, number][] = [];
  for (const flip of [false, true]) for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) out.push([flip, dy, dx]);
  return out;
}
