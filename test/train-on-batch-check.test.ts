/**
 * trainOnBatch in a custom loop: the targets are checked on every batch, but the one-sample
 * forward pass that gives the output shapes they are checked against runs once per input
 * signature (trainer.ts sampleOutputs), not once per batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense, InputLayer, Sequential, Tensor, setSeed } from '../src/index.js';
import { countInferencePasses } from './helpers.js';

function classifier(): Sequential {
  setSeed(3);
  const model = new Sequential([new InputLayer({ shape: [4] }), new Dense(8, { activation: 'relu' }), new Dense(3, { activation: 'softmax' })]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

const x = new Tensor(Float32Array.from({ length: 32 }, (_, i) => Math.sin(i)), [8, 4]);
const labels = new Tensor(Float32Array.from([0, 1, 2, 0, 1, 2, 0, 1]), [8]);

test('the one-sample check forward pass runs once per input signature, not per batch', () => {
  const model = classifier();
  const inference = countInferencePasses(model);
  for (let i = 0; i < 5; i++) model.trainOnBatch(x, labels);
  assert.equal(inference(), 1);
});

test('later batches are still checked: a label outside the classes, or targets of the wrong shape, name the problem', () => {
  const model = classifier();
  model.trainOnBatch(x, labels);
  const bad = new Tensor(Float32Array.from([0, 1, 2, 3, 1, 2, 0, 1]), [8]);
  assert.throws(() => model.trainOnBatch(x, bad), /label 3 at index 3 is not a class in \[0, 3\)/);
  const oneHot = new Tensor(new Float32Array(8 * 3), [8, 3]);
  assert.throws(() => model.trainOnBatch(x, oneHot), /look like one-hot rows/);
});
