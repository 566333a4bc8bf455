/**
 * Embedding, LayerNormalization, Masking and GlobalAveragePooling1D as Keras users write them:
 * values Keras computes, gradients vs finite differences, masks through the model, summary(),
 * save/load (deepts/tfjs format and .keras), the functional API and the fast backends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Dense, Embedding, GlobalAveragePooling1D, Input, InputLayer, LayerNormalization, Masking, Model, Sequential, Tensor, layers, loadModel, ops, setSeed,
  toKerasArchive, modelFromKerasArchive, Adam, getMask, listBackends, setBackend, getBackend, regularizers,
} from '../src/index.js';
import { gradients, noGrad } from '../src/autograd/tape.js';
import type { Variable } from '../src/nn/variable.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, checkGradients, randomTensor } from './helpers.js';

/**
 * A layer weight's gradient of sum(f() ⊙ w) (w random) against central finite differences of
 * the weight's values, in float64 on the float32 function.
 */
function checkVariableGradients(f: () => Tensor, v: Variable, eps = 1e-2, tol = 2e-2): void {
  const out = f();
  const w = randomTensor([...out.shape], new Rng(17));
  const [analytic] = gradients(ops.sum(ops.mul(out, w)), [v]);
  assert.ok(analytic, `no gradient for ${v.name}`);
  const objective = (): number => {
    const o = noGrad(f).values;
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i]! * w.values[i]!;
    return s;
  };
  for (let i = 0; i < v.size; i++) {
    const orig = v.values[i]!;
    v.values[i] = orig + eps;
    const up = objective();
    v.values[i] = orig - eps;
    const down = objective();
    v.values[i] = orig;
    const numeric = (up - down) / (2 * eps);
    const err = Math.abs(numeric - analytic.values[i]!) / Math.max(1, Math.abs(numeric));
    assert.ok(err <= tol, `${v.name}[${i}]: analytic ${analytic.values[i]}, numeric ${numeric}`);
  }
}

const tokens = (rows: number[][]): Tensor => new Tensor(Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]);

test('Embedding looks up rows, checks its indices, masks index 0 with maskZero, and its table gets a scatter-add gradient', () => {
  setSeed(1);
  const emb = new Embedding(5, 3);
  const x = tokens([[1, 4, 1], [0, 2, 3]]);
  const y = emb.apply(x);
  assert.deepEqual(y.shape, [2, 3, 3]);
  const table = emb.embeddings!.values;
  assert.ok(table.every((v) => Math.abs(v) <= 0.05), "Keras' 'uniform' initializer: U(-0.05, 0.05)");
  assert.ok(table.some((v) => v !== 0));
  assertClose(Array.from(y.values.subarray(3, 6)), Array.from(table.subarray(12, 15)), 0, 'row 4');
  assert.equal(getMask(y), null, 'no mask without maskZero');
  assert.throws(() => emb.apply(tokens([[1, 5]])), /input \[0, 1\] is 5; inputs must be integer indices in \[0, 5\)/);
  assert.throws(() => emb.apply(tokens([[1.5, 2]])), /input \[0, 0\] is 1.5/);
  assert.throws(() => emb.apply(tokens([[-1, 2]])), /is -1/);
  assert.deepEqual(Array.from(getMask(new Embedding(5, 3, { maskZero: true }).apply(x))!.values), [1, 1, 1, 0, 1, 1]);
  // int32 inputs work too
  assert.deepEqual(Array.from(emb.apply(new Tensor(Int32Array.from([4]), [1, 1])).values), Array.from(table.subarray(12, 15)));
  // gradient: a repeated index accumulates (row 1 is used twice)
  // the layer's gradient with respect to its table, vs finite differences
  checkVariableGradients(() => emb.apply(x), emb.embeddings!);
  // through the layer: d sum(y) / d table counts each row's uses (row 1 twice, row 0 once, ...)
  const [dTable] = gradients(ops.sum(emb.apply(x)), [emb.embeddings!]);
  assert.deepEqual(Array.from(dTable!.values), [1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
});

test('LayerNormalization computes what Keras computes (axis -1, epsilon 1e-3, gamma then beta) and its gradients match finite differences', () => {
  setSeed(2);
  const ln = new LayerNormalization();
  const x = randomTensor([4, 5], new Rng(3), -2, 2);
  const y = ln.apply(x);
  assert.deepEqual(ln.weights.map((w) => w.name.split('/')[1]), ['gamma', 'beta']);
  for (let r = 0; r < 4; r++) {
    const row = Array.from(x.values.subarray(r * 5, r * 5 + 5));
    const mean = row.reduce((a, b) => a + b, 0) / 5;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 5;
    assertClose(Array.from(y.values.subarray(r * 5, r * 5 + 5)), row.map((v) => (v - mean) / Math.sqrt(variance + 1e-3)), 1e-5, `row ${r}`);
  }
  ln.gamma!.values.set([1, 2, 0.5, -1, 3]);
  ln.beta!.values.set([0.1, -0.2, 0, 0.3, 1]);
  const xs = randomTensor([3, 5], new Rng(4), -2, 2);
  checkGradients((t) => ln.apply(t), [xs], { tol: 2e-2 });
  checkVariableGradients(() => ln.apply(xs), ln.gamma!);
  checkVariableGradients(() => ln.apply(xs), ln.beta!);
  // several axes: [batch, 2, 3] normalised over both
  const two = new LayerNormalization({ axis: [1, 2], center: false, scale: false });
  const x3 = randomTensor([2, 2, 3], new Rng(5));
  const y3 = two.apply(x3);
  const s = Array.from(x3.values.subarray(0, 6));
  const m = s.reduce((a, b) => a + b, 0) / 6;
  const v = s.reduce((a, b) => a + (b - m) ** 2, 0) / 6;
  assertClose(Array.from(y3.values.subarray(0, 6)), s.map((e) => (e - m) / Math.sqrt(v + 1e-3)), 1e-5, 'axes [1, 2]');
  assert.throws(() => new LayerNormalization({ axis: 0 }).apply(x), /axis 0 is out of range/);
});

test('Masking and Embedding(maskZero) masks reach GlobalAveragePooling1D through Dense, as in Keras', async () => {
  setSeed(3);
  // Masking: steps equal to maskValue everywhere are padding
  const seq = new Tensor(Float32Array.from([1, 2, -1, -1, 3, 4, /* sample 2 */ -1, -1, 5, 6, 7, 8]), [2, 3, 2]);
  const masking = new Masking({ maskValue: -1 });
  const masked = masking.apply(seq);
  assert.deepEqual(Array.from(getMask(masked)!.values), [1, 0, 1, 0, 1, 1]);
  assert.deepEqual(Array.from(masked.values, (v) => v + 0), [1, 2, 0, 0, 3, 4, 0, 0, 5, 6, 7, 8]); // + 0: −0 → 0
  const pooled = new GlobalAveragePooling1D().apply(new Dense(2, { kernelInitializer: 'ones', useBias: false }).apply(masked));
  // the kept steps' sums: sample 1 (3, 7) → 5; sample 2 (11, 15) → 13
  assertClose(Array.from(pooled.values), [5, 5, 13, 13], 1e-6, 'masked mean');
  assert.deepEqual(Array.from(new GlobalAveragePooling1D().apply(seq).values).map((v) => +v.toFixed(4)), [1, 1.6667, 3.6667, 4.3333]);

  // the functional API: Embedding(maskZero) → Dense → GlobalAveragePooling1D ignores the padding
  const inp = Input({ shape: [4] });
  const emb = new Embedding(10, 3, { maskZero: true });
  const out = new GlobalAveragePooling1D().apply(new Dense(2).apply(emb.apply(inp)));
  const model = new Model({ inputs: inp, outputs: out });
  const padded = model.predict(tokens([[3, 7, 0, 0], [3, 7, 0, 7]]));
  // the same layers on the unpadded sequence: the padding steps change nothing
  const inp2 = Input({ shape: [2] });
  const dense = model.layers[2] as Dense;
  const short = new Model({ inputs: inp2, outputs: (out.node.layer as GlobalAveragePooling1D).apply(dense.apply(emb.apply(inp2))) });
  assertClose(Array.from(padded.values.subarray(0, 2)), Array.from(short.predict(tokens([[3, 7]])).values), 1e-6, 'padding ignored');
  assert.notDeepEqual(Array.from(padded.values.subarray(0, 2)), Array.from(padded.values.subarray(2, 4)));
  // Masking in a functional model survives save/load, mask and all
  const seqIn = Input({ shape: [3, 2] });
  const maskModel = new Model({ inputs: seqIn, outputs: new GlobalAveragePooling1D().apply(new Dense(2).apply(new Masking({ maskValue: -1 }).apply(seqIn))) });
  const dir = mkdtempSync(join(tmpdir(), 'deepts-mask-'));
  try {
    await maskModel.save(dir);
    const back = await loadModel(dir);
    assert.equal((back.layers.find((l) => l.className === 'Masking') as Masking).maskValue, -1);
    assert.deepEqual(Array.from(back.predict(seq).values), Array.from(maskModel.predict(seq).values));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // a layer without masking support (Flatten) drops the mask
  const flat = new layers.Flatten().apply(emb.apply(tokens([[3, 0]])));
  assert.equal(getMask(flat), null);
});

test('a text classifier with Embedding, LayerNormalization and masking trains, summarises, saves and loads (tfjs format and .keras)', async () => {
  setSeed(7);
  const rng = new Rng(8);
  const n = 64;
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = 2 + Math.floor(rng.uniform(0, 4));
    const positive = i % 2 === 0;
    const row = Array.from({ length: 6 }, (_, j) => (j < len ? (positive ? 1 + Math.floor(rng.uniform(0, 4)) : 5 + Math.floor(rng.uniform(0, 4))) : 0));
    rows.push(row);
    labels.push(positive ? 1 : 0);
  }
  const x = tokens(rows);
  const y = new Tensor(Float32Array.from(labels), [n, 1]);
  const model = new Sequential([
    new InputLayer({ shape: [6] }),
    new Embedding(9, 4, { maskZero: true, embeddingsRegularizer: regularizers.l2(1e-4) }),
    new LayerNormalization(),
    new GlobalAveragePooling1D(),
    new Dense(1, { activation: 'sigmoid' }),
  ]);
  model.compile({ optimizer: new Adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const lines: string[] = [];
  model.summary((l) => lines.push(l));
  const table = lines.join('\n');
  assert.match(table, /embedding\S* \(Embedding\)\s+\│?\s*\(None, 6, 4\)\s+\│?\s*36/);
  assert.match(table, /layer_normalization\S* \(LayerNormalization\)\s+\│?\s*\(None, 6, 4\)\s+\│?\s*8/);
  assert.match(table, /\(GlobalAveragePooling1D\)\s+\│?\s*\(None, 4\)/);
  const history = await model.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0 });
  const acc = history.history['accuracy']!.at(-1)!;
  assert.ok(acc >= 0.9, `accuracy ${acc} (baseline: 0.5)`);
  const before = model.predict(x);
  const dir = mkdtempSync(join(tmpdir(), 'deepts-seq-'));
  try {
    await model.save(dir);
    const loaded = await loadModel(dir);
    assert.deepEqual(Array.from(loaded.predict(x).values), Array.from(before.values));
    const e = loaded.layers.find((l) => l.className === 'Embedding') as Embedding;
    assert.equal(e.maskZero, true);
    assert.equal(e.embeddings!.regularizer?.l2, 1e-4);
    const k = await modelFromKerasArchive(await toKerasArchive(model));
    assertClose(Array.from((k.predict(x) as unknown as Tensor).values), Array.from(before.values), 1e-6, '.keras');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Embedding and LayerNormalization give the same values and gradients on every backend', () => {
  const initial: string = getBackend().name;
  const run = (): number[] => {
    setSeed(11);
    const emb = new Embedding(7, 5);
    const ln = new LayerNormalization();
    const x = tokens([[1, 2, 6], [0, 6, 3]]);
    const out = ln.apply(emb.apply(x));
    const [dT] = gradients(ops.sum(ops.mul(out, out)), [emb.embeddings!]);
    return [...out.values, ...dT!.values];
  };
  setBackend('js');
  const reference = run();
  try {
    for (const b of listBackends().map((x) => x.name).filter((x) => x !== 'js')) {
      setBackend(b);
      assertClose(run(), reference, 1e-5, b);
    }
  } finally {
    setBackend(initial);
  }
});
