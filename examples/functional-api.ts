/**
 * Keras' functional API in deepts: a model with two inputs and two outputs, a shared layer,
 * per-output losses, loss weights and metrics; then save → load → identical predictions.
 * The Keras original:
 *   title = keras.Input(shape=(4,), name="title"); body = keras.Input(shape=(3,), name="body")
 *   shared = layers.Dense(8, activation="relu")
 *   h = layers.Concatenate()([shared(layers.Dense(8)(title)), shared(layers.Dense(8)(body))])
 *   price = layers.Dense(1, name="price")(h); department = layers.Dense(2, name="department")(h)
 *   model = keras.Model(inputs=[title, body], outputs=[price, department])
 * Run: node dist/examples/functional-api.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Concatenate, Dense, Input, Model, loadModel, losses, setSeed, stats, tensor, type SymbolicTensor } from '../src/index.js';

setSeed(1);
const title = Input({ shape: [4], name: 'title' });
const body = Input({ shape: [3], name: 'body' });
const shared = new Dense(8, { activation: 'relu', name: 'shared' });
const h = new Concatenate().apply([shared.apply(new Dense(8).apply(title)), shared.apply(new Dense(8).apply(body))]);
const price = new Dense(1, { name: 'price' }).apply(h);
const department = new Dense(2, { name: 'department' }).apply(h);
const model = new Model({ inputs: [title, body], outputs: [price, department] });
model.summary();

// Synthetic data: the price depends on both inputs, the department on their difference.
const rng = new stats.Rng(7);
const n = 256;
const a = Array.from({ length: n }, () => Array.from({ length: 4 }, () => rng.uniform(-1, 1)));
const b = Array.from({ length: n }, () => Array.from({ length: 3 }, () => rng.uniform(-1, 1)));
const yPrice = a.map((r, i) => [r[0]! + 2 * b[i]![1]!]);
const yDept = a.map((r, i) => (r[2]! - b[i]![0]! > 0 ? 1 : 0));

model.compile({
  optimizer: 'adam',
  loss: { price: 'mse', department: new losses.SparseCategoricalCrossentropy({ fromLogits: true }) },
  lossWeights: { price: 1, department: 0.5 },
  metrics: { department: ['accuracy'] },
});
const history = await model.fit({ title: tensor(a), body: tensor(b) }, { price: tensor(yPrice), department: tensor(yDept) }, {
  epochs: 30, batchSize: 32, validationSplit: 0.2, verbose: 0,
});
const last = (k: string): string => history.history[k]!.at(-1)!.toFixed(4);
console.log(`after 30 epochs: loss ${last('loss')}, price_loss ${last('price_loss')}, department_accuracy ${last('department_accuracy')}, val_loss ${last('val_loss')}`);

const dir = mkdtempSync(join(tmpdir(), 'deepts-functional-example-'));
try {
  await model.save(join(dir, 'model'));
  const loaded = await loadModel<SymbolicTensor[]>(join(dir, 'model'));
  const [p1] = model.predict([tensor(a), tensor(b)]);
  const [p2] = loaded.predict([tensor(a), tensor(b)]);
  const same = p1!.values.every((v, i) => v === p2!.values[i]);
  console.log(`saved and loaded: predictions identical: ${same}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
