import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dense, EpochTimer, InputLayer, ModelCheckpoint, SGD, Sequential, Tensor, loadModel, setSeed } from '../src/index.js';

function tinyModel(): Sequential {
  const model = new Sequential([new InputLayer({ shape: [2] }), new Dense(1)]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  return model;
}

const x = new Tensor(Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]);
const y = new Tensor(Float32Array.from([0, 1, 1, 2]), [4, 1]);

test('ModelCheckpoint saves through model.save every epoch, filling {epoch:02d} and logged values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-ckpt-'));
  try {
    setSeed(3);
    const model = tinyModel();
    const timer = new EpochTimer();
    await model.fit(x, y, { epochs: 3, verbose: 0, callbacks: [new ModelCheckpoint({ filepath: join(dir, 'ckpt-{epoch:02d}-{loss:.3f}') }), timer] });
    const saved = readdirSync(dir).sort();
    assert.equal(saved.length, 3);
    assert.match(saved[0]!, /^ckpt-01-\d+\.\d{3}$/);
    assert.match(saved[2]!, /^ckpt-03-/);
    const restored = await loadModel(join(dir, saved[2]!));
    assert.deepEqual(Array.from(restored.predict(x).values), Array.from(model.predict(x).values));
    assert.equal(timer.epochs, 3);
    assert.ok(timer.seconds.every((s) => s >= 0 && s < 60) && timer.meanSeconds >= 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ModelCheckpoint with saveBestOnly writes only when the monitored value improves, and names a missing metric', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-ckpt-'));
  try {
    setSeed(4);
    const model = tinyModel();
    // A learning rate this large makes the loss grow every epoch: only the first epoch improves on +Infinity.
    model.compile({ optimizer: new SGD({ learningRate: 3 }), loss: 'mse' });
    const best = new ModelCheckpoint({ filepath: join(dir, 'best-{epoch}'), monitor: 'loss', saveBestOnly: true });
    const history = await model.fit(x, y, { epochs: 4, verbose: 0, callbacks: [best] });
    const losses = history.history['loss']!;
    assert.ok(losses[3]! > losses[0]!, `the loss diverges: ${losses}`);
    const expected = losses.flatMap((l, i) => (losses.slice(0, i).every((p) => l < p) ? [`best-${i + 1}`] : []));
    assert.deepEqual(readdirSync(dir).sort(), expected.sort());
    assert.ok(existsSync(join(dir, 'best-1')), 'the first epoch is always an improvement');
    await assert.rejects(
      model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint({ filepath: join(dir, 'x'), saveBestOnly: true })] }),
      /metric 'val_loss' is not in the logs/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
