/**
 * Masks through Keras' merge layers (keras/src/layers/merging: base_merge.compute_mask and
 * Concatenate.compute_mask): the elementwise merges keep a step any input keeps when every
 * input is masked, and drop the mask otherwise; Concatenate joins masks along its axis with
 * unmasked inputs counted as kept. A model built that way averages only the kept steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Add, Average, Concatenate, Dense, Embedding, GlobalAveragePooling1D, Input, Maximum, Model, Multiply, Subtract, Tensor, getMask } from '../src/index.js';

// Two sequences of 4 steps; 0 is padding.
const a = new Tensor(Float32Array.from([1, 2, 0, 0, 3, 0, 0, 0]), [2, 4]);
const b = new Tensor(Float32Array.from([1, 0, 5, 0, 2, 2, 2, 0]), [2, 4]);
const maskA = [1, 1, 0, 0, 1, 0, 0, 0], maskB = [1, 0, 1, 0, 1, 1, 1, 0];
const or = maskA.map((m, i) => Math.max(m, maskB[i]!));

function silently<T>(f: () => T): { result: T; warnings: string[] } {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...m: unknown[]) => void warnings.push(m.join(' '));
  try {
    return { result: f(), warnings };
  } finally {
    console.warn = warn;
  }
}

test('elementwise merges: OR of the masks when every input has one, none when an input has none — without a warning', () => {
  const ea = new Embedding(10, 3, { maskZero: true }), eb = new Embedding(10, 3, { maskZero: true }), plain = new Embedding(10, 3);
  for (const merge of [new Add(), new Subtract(), new Multiply(), new Average(), new Maximum()]) {
    const { result, warnings } = silently(() => {
      const both = merge.apply([ea.apply(a) as Tensor, eb.apply(b) as Tensor]) as Tensor;
      const one = merge.apply([ea.apply(a) as Tensor, plain.apply(b) as Tensor]) as Tensor;
      return { both, one };
    });
    assert.deepEqual(Array.from(getMask(result.both)!.values), or, `${merge.className} both masked`);
    assert.equal(getMask(result.one), null, `${merge.className} one unmasked`);
    assert.deepEqual(warnings, [], `${merge.className} warns`);
  }
});

test('Concatenate: features (axis -1) give the OR, or all kept with an unmasked input; steps (axis 1) give the masks in turn', () => {
  const ea = new Embedding(10, 3, { maskZero: true }), eb = new Embedding(10, 2, { maskZero: true }), plain = new Embedding(10, 2);
  const xa = ea.apply(a) as Tensor, xb = eb.apply(b) as Tensor;
  assert.deepEqual(Array.from(getMask(new Concatenate().apply([xa, xb]) as Tensor)!.values), or);
  assert.deepEqual(Array.from(getMask(new Concatenate().apply([xa, plain.apply(b) as Tensor]) as Tensor)!.values), new Array(8).fill(1));
  const ec = new Embedding(10, 3, { maskZero: true });
  const steps = new Concatenate({ axis: 1 }).apply([xa, ec.apply(b) as Tensor]) as Tensor;
  assert.deepEqual(steps.shape, [2, 8, 3]);
  assert.deepEqual(Array.from(getMask(steps)!.values), [...maskA.slice(0, 4), ...maskB.slice(0, 4), ...maskA.slice(4), ...maskB.slice(4)]);
  assert.equal(getMask(new Concatenate().apply([plain.apply(a) as Tensor, plain.apply(b) as Tensor]) as Tensor), null);
});

test('a functional model: two masked branches added, then GlobalAveragePooling1D averages the steps either branch keeps', () => {
  const ia = Input({ shape: [4] }), ib = Input({ shape: [4] });
  const ea = new Embedding(10, 3, { maskZero: true }), eb = new Embedding(10, 3, { maskZero: true });
  const sum = new Add().apply([ea.apply(ia), eb.apply(ib)]);
  const dense = new Dense(2).apply(sum);
  const model = new Model({ inputs: [ia, ib], outputs: new GlobalAveragePooling1D().apply(dense) });
  const got = model.predict([a, b]) as Tensor;
  // by hand: the Dense output of the sum at each step, averaged over the kept steps
  const inner = new Model({ inputs: [ia, ib], outputs: dense });
  const steps = (inner.predict([a, b]) as Tensor).values;
  const want: number[] = [];
  for (let n = 0; n < 2; n++) {
    for (let f = 0; f < 2; f++) {
      let s = 0, k = 0;
      for (let t = 0; t < 4; t++) if (or[n * 4 + t]) { s += steps[(n * 4 + t) * 2 + f]!; k++; }
      want.push(s / k);
    }
  }
  Array.from(got.values).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5, `output ${i}: ${v} vs ${want[i]}`));
});

test("metrics of a masked output count the kept steps only, as Keras' MeanMetricWrapper (sample weights too)", async () => {
  const { InputLayer, Sequential } = await import('../src/index.js');
  const model = new Sequential([new InputLayer({ shape: [4] }), new Embedding(10, 5, { maskZero: true }), new Dense(3, { activation: 'softmax' })]);
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], weightedMetrics: ['accuracy'] });
  const labels = new Tensor(Float32Array.from([0, 1, 2, 0, 1, 1, 2, 2]), [2, 4]);
  const p = model.predict(a) as Tensor;
  const hits = Array.from({ length: 8 }, (_, r): number => {
    const row = Array.from(p.values.subarray(3 * r, 3 * r + 3));
    return row.indexOf(Math.max(...row)) === labels.values[r] ? 1 : 0;
  });
  const keptMean = (w: number[]): number => {
    let s = 0, c = 0;
    hits.forEach((h, i) => { s += h * maskA[i]! * w[Math.floor(i / 4)]!; c += maskA[i]! * w[Math.floor(i / 4)]!; });
    return s / c;
  };
  const logs = (await model.evaluate(a, labels, { sampleWeight: new Tensor(Float32Array.from([1, 3]), [2]), verbose: 0, returnDict: true })) as Record<string, number>;
  assert.ok(Math.abs(logs['accuracy']! - keptMean([1, 1])) < 1e-6, `accuracy ${logs['accuracy']} vs ${keptMean([1, 1])}`);
  assert.ok(Math.abs(logs['weighted_accuracy']! - keptMean([1, 3])) < 1e-6, `weighted ${logs['weighted_accuracy']} vs ${keptMean([1, 3])}`);
  assert.notEqual(keptMean([1, 1]), hits.reduce((x, y) => x + y, 0) / 8, 'the test data must tell masked from unmasked means');
});
