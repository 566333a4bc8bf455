/**
 * The dataset feed keeps one instance of each of its short-lived classes (train/keep-alive.ts), so
 * optimized code survives full collections between epochs. Those instances must stay a handful,
 * made once, and hold no user data: a dataset and its tensors are collected after fit as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Adam, Dense, Sequential, Tensor, setSeed } from '../src/core.js';
import { AUTOTUNE, Dataset } from '../src/data/dataset/index.js';
import { keptCount } from '../src/train/keep-alive.js';
import { Rng } from '../src/tensor/random.js';
import { randomTensor } from './helpers.js';

function model(): Sequential {
  setSeed(3);
  const m = new Sequential([new Dense(4, { inputShape: [6], activation: 'relu' }), new Dense(6)]);
  m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
  return m;
}

test('the kept instances are made once, hold no user data: fits over fresh datasets neither add any nor keep a dataset alive', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const m = model();
  const rng = new Rng(9);
  const fitOnce = async (): Promise<WeakRef<Tensor>> => {
    const x = randomTensor([96, 6], rng);
    // The autoencoder pipeline of bench/pipeline.ts: RowViews, lazily gathered batches, a shuffled order.
    const ds = Dataset.fromTensorSlices(x).map((r) => [r, r] as [Tensor, Tensor]).shuffle(96, { seed: 1 }).batch(16).prefetch(AUTOTUNE);
    await m.fit(ds, { epochs: 2, verbose: 0 });
    await m.evaluate(ds, { verbose: 0 });
    return new WeakRef(x);
  };
  await fitOnce();
  const kept = keptCount();
  assert.ok(kept > 0 && kept <= 16, `${kept} kept instances`);
  const refs: WeakRef<Tensor>[] = [];
  for (let i = 0; i < 4; i++) refs.push(await fitOnce());
  assert.equal(keptCount(), kept, 'fit must not keep instances of its own');
  // Collection is asynchronous to the last reference's drop: a few turns with a collection each.
  for (let i = 0; i < 5 && refs.some((r) => r.deref() !== undefined); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'a dataset\'s source tensor outlived its fit');
});
