/**
 * Dropout from the counter-based Philox4x32-10 stream (src/tensor/philox.ts, native/philox.inc):
 * the generator's known answers, masks that depend only on (key, element) — the same on every
 * thread count of the native pool and of WASM's compiled plans (every backend and instruction
 * set against the reference is in backend-conformance.test.ts) — the kept fraction, fresh masks
 * per key and per call, gradients, NaN, the layer's Keras semantics (training only, rate checks,
 * noiseShape, seed) and seeded, eager = compiled training.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Conv2D, Dense, Dropout, Flatten, Sequential, SpatialDropout2D, Tensor, getBackend, listBackends, ops, setBackend, setSeed } from '../src/index.js';
import { jsKernels } from '../src/backend/js/kernels.js';
import { loadNativeBackend, setNativeThreads } from '../src/backend/native/load.js';
import { dropoutThreshold, philox4x32, philoxStream } from '../src/tensor/philox.js';
import { Rng } from '../src/tensor/random.js';
import type { TraceEntry } from '../src/tensor/step-trace.js';
import { checkGradients, randomTensor } from './helpers.js';

const hex = (words: ArrayLike<number>): string[] => Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, '0'));

test('philox4x32-10 gives the Random123 known-answer vectors', () => {
  const out = [0, 0, 0, 0];
  philox4x32(0, 0, 0, 0, 0, 0, out);
  assert.deepEqual(hex(out), ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
  assert.deepEqual(hex(out), ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
  philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
  assert.deepEqual(hex(out), ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
});

/** The reference kernel's output for x = 1: scale where kept, 0 where dropped. */
function mask(n: number, rate: number, key: Int32Array): Float32Array {
  const out = new Float32Array(n);
  jsKernels.dropout(new Float32Array(n).fill(1), key, rate, out);
  return out;
}

test('the reference kernel keeps exactly the elements whose Philox word is ≥ ⌈rate·2^32⌉, in the documented layout', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.double({ min: 0, max: 0.99, noNaN: true }), fc.integer(), fc.integer(), (n, rate, k0, k1) => {
    const m = mask(n, rate, new Int32Array([k0, k1]));
    const t = dropoutThreshold(rate);
    const scale = Math.fround(1 / (1 - rate));
    philoxStream(k0, k1, 0, n, (i, word) => assert.equal(m[i], word >= t ? scale : 0, `element ${i}`));
    // Element 64·g + 16·w + j is word w of counter 16·g + j.
    if (n > 83) {
      const block = [0, 0, 0, 0];
      philox4x32(16 + 3, 0, 0, 0, k0, k1, block);
      assert.equal(m[64 + 16 + 3], block[1]! >= t ? scale : 0);
    }
  }), { numRuns: 60 });
});

test('the kept fraction is 1 − rate within 5 binomial standard deviations, and keys or calls give different masks', () => {
  const n = 200_000;
  for (const rate of [0.1, 0.5, 0.8]) {
    const m = mask(n, rate, new Int32Array([rate * 1000, 7]));
    const kept = m.reduce((s, v) => s + (v > 0 ? 1 : 0), 0) / n;
    const sd = Math.sqrt((rate * (1 - rate)) / n);
    assert.ok(Math.abs(kept - (1 - rate)) < 5 * sd, `rate ${rate}: kept ${kept}`);
  }
  // Two keys differing in one bit: the masks agree on ≈ half the elements (independent draws at rate ½).
  for (const [a, b] of [[[1, 2], [0, 2]], [[5, 9], [5, 8]], [[0, 0], [0, -2147483648]]] as const) {
    const ma = mask(n, 0.5, new Int32Array(a)), mb = mask(n, 0.5, new Int32Array(b));
    let same = 0;
    for (let i = 0; i < n; i++) if (ma[i] === mb[i]) same++;
    assert.ok(Math.abs(same / n - 0.5) < 5 * Math.sqrt(0.25 / n), `keys ${a} / ${b}: agree on ${same / n}`);
  }
  // Along the stream: neighbouring elements (in and across groups) are uncorrelated too.
  const m = mask(n, 0.5, new Int32Array([3, 4]));
  for (const lag of [1, 4, 16, 64]) {
    let same = 0;
    for (let i = 0; i + lag < n; i++) if (m[i] === m[i + lag]) same++;
    assert.ok(Math.abs(same / (n - lag) - 0.5) < 5 * Math.sqrt(0.25 / n), `lag ${lag}: ${same / (n - lag)}`);
  }
});

test('native masks do not depend on the thread count', { skip: loadNativeBackend() === null && 'no native addon' }, () => {
  const native = loadNativeBackend()!;
  const n = 128 * 1600 + 37;
  const x = randomTensor([n], new Rng(5), -2, 2).values;
  const key = new Int32Array([0x1234567, -99]);
  const want = new Float32Array(n);
  jsKernels.dropout(x, key, 0.5, want);
  try {
    for (const threads of [1, 2, 3]) {
      setNativeThreads(threads);
      const got = new Float32Array(n);
      native.kernels.dropout!(x, key, 0.5, got);
      assert.deepEqual(got, want, `${threads} threads`);
    }
  } finally {
    setNativeThreads(0);
  }
});

test('a compiled plan reads the key when it runs: a new key gives that key\'s mask, the same on every backend', () => {
  const n = 70_001;
  const x = randomTensor([n], new Rng(8), -1, 1).values;
  for (const b of listBackends()) {
    if (!b.compileTrace) continue;
    const key = new Int32Array([1, 2]);
    const out = new Float32Array(n);
    const entries: TraceEntry[] = [
      { kind: 'host', target: key, fill: () => {}, independent: true },
      { kind: 'kernel', name: 'dropout', fn: b.kernels.dropout! as (...args: never[]) => void, args: [x, key, 0.3, out] },
    ];
    const actions = b.compileTrace(entries, [out]);
    for (const k of [[1, 2], [-5, 77], [2147483647, -2147483648]]) {
      key.set(k);
      for (const f of actions) f();
      const want = new Float32Array(n);
      jsKernels.dropout(x, key, 0.3, want);
      assert.deepEqual(out, want, `${b.name}, key ${k}`);
    }
  }
});

test('dropout gradients match finite differences and NaN propagates, kept or dropped', () => {
  const key = new Int32Array([42, 43]);
  checkGradients((x) => ops.dropout(x, 0.4, key), [randomTensor([5, 7], new Rng(1))]);
  const n = 256;
  const x = new Float32Array(n).fill(NaN);
  const y = ops.dropout(new Tensor(x, [n]), 0.5, key).values;
  assert.ok(y.every((v) => Number.isNaN(v)), 'NaN · 0 and NaN · 2 are NaN');
  const inf = ops.dropout(new Tensor(new Float32Array(n).fill(Infinity), [n]), 0.5, key).values;
  assert.ok(inf.every((v) => v === Infinity || Number.isNaN(v)) && inf.some((v) => Number.isNaN(v)), '∞ kept stays ∞, ∞ · 0 is NaN');
});

test('Dropout: Keras semantics (training only, rate 0 identity, rate errors, noiseShape, seed)', () => {
  for (const bad of [1, -0.1, NaN, 1.5]) assert.throws(() => new Dropout(bad), /rate must be in \[0, 1\)/);
  assert.throws(() => ops.dropout(new Tensor(new Float32Array(4), [4]), 1, new Int32Array(2)), /rate must be in \[0, 1\)/);
  assert.throws(() => new Dropout(0.5, { noiseShape: [2.5] }), /noiseShape/);
  const x = randomTensor([16, 10, 8], new Rng(2), 0.5, 1.5);
  const d = new Dropout(0.5);
  assert.equal(d.apply(x), x, 'inference: identity');
  assert.equal(new Dropout(0).apply(x, { training: true }), x, 'rate 0: identity');
  const a = d.apply(x, { training: true }).values, b = d.apply(x, { training: true }).values;
  assert.notDeepEqual(a, b, 'every call draws a new mask');
  for (const v of a) assert.ok(v === 0 || v > 1, 'kept values scaled by 2, dropped 0');
  // noise_shape [batch, 1, features]: the same features dropped at every timestep.
  const shared = new Dropout(0.5, { noiseShape: [null, 1, 8] }).apply(x, { training: true });
  for (let s = 0; s < 16; s++) for (let t = 1; t < 10; t++) for (let f = 0; f < 8; f++) {
    const i = (s * 10 + t) * 8 + f, first = s * 80 + f;
    assert.equal(shared.values[i] === 0, shared.values[first] === 0, `sample ${s} step ${t} feature ${f}`);
  }
  assert.throws(() => new Dropout(0.5, { noiseShape: [null, 3, 8] }).apply(x, { training: true }), /does not broadcast/);
  assert.throws(() => new Dropout(0.5, { noiseShape: [null, 8] }).apply(x, { training: true }), /has 2 axes/);
  // A seeded layer draws its own sequence whatever the global generator does.
  setSeed(1);
  const s1 = new Dropout(0.3, { seed: 9 }).apply(x, { training: true }).values;
  setSeed(2);
  const s2 = new Dropout(0.3, { seed: 9 }).apply(x, { training: true }).values;
  assert.deepEqual(s1, s2);
  const config = new Dropout(0.3, { seed: 9, noiseShape: [null, 1, 8] }).getConfig();
  assert.deepEqual([config['seed'], config['noiseShape']], [9, [null, 1, 8]]);
});

/** Weights after a few epochs of a small dropout model, compiled or eager, from one seed. */
async function trainedWeights(jitCompile: boolean, seed: number): Promise<{ weights: Float32Array[]; mode: string }> {
  setSeed(seed);
  const model = new Sequential([new Dense(32, { activation: 'relu', inputShape: [20] }), new Dropout(0.5), new Dense(3, { activation: 'softmax' })]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', jitCompile });
  const rng = new Rng(3);
  const x = randomTensor([64, 20], rng);
  const y = new Tensor(Float32Array.from({ length: 64 }, () => rng.int(3)), [64]);
  await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
  return { weights: model.getWeights().map((w) => Float32Array.from(w.values)), mode: model.jitCompileStatus().mode };
}

test('seeded training with dropout repeats exactly, and compiled steps give the eager numbers (every backend)', async () => {
  const before = getBackend().name;
  try {
    for (const b of listBackends()) {
      setBackend(b.name);
      const eager = await trainedWeights(false, 5);
      const again = await trainedWeights(false, 5);
      eager.weights.forEach((w, i) => assert.deepEqual(again.weights[i], w, `${b.name}: weight ${i} repeats`));
      const compiled = await trainedWeights(true, 5);
      if (b.compileTrace) assert.equal(compiled.mode, 'compiled', `${b.name}: the dropout model compiles`);
      compiled.weights.forEach((w, i) => {
        for (let j = 0; j < w.length; j++) assert.ok(Math.abs(w[j]! - eager.weights[i]![j]!) <= 1e-5 * (1 + Math.abs(eager.weights[i]![j]!)), `${b.name}: weight ${i}[${j}]`);
      });
      const other = await trainedWeights(false, 6);
      assert.notDeepEqual(other.weights[0], eager.weights[0], `${b.name}: another seed, other masks`);
    }
  } finally {
    setBackend(before);
  }
});

test('SpatialDropout2D drops whole maps from the same stream and compiles: compiled steps give the eager numbers (every backend)', async () => {
  const run = async (jitCompile: boolean): Promise<{ weights: Float32Array[]; mode: string }> => {
    setSeed(8);
    const model = new Sequential([
      new Conv2D(4, 3, { activation: 'relu', inputShape: [8, 8, 1] }), new SpatialDropout2D(0.5), new Flatten(), new Dense(3, { activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', jitCompile });
    const rng = new Rng(4);
    const x = randomTensor([32, 8, 8, 1], rng);
    const y = new Tensor(Float32Array.from({ length: 32 }, () => rng.int(3)), [32]);
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    return { weights: model.getWeights().map((w) => Float32Array.from(w.values)), mode: model.jitCompileStatus().mode };
  };
  const before = getBackend().name;
  try {
    for (const b of listBackends()) {
      setBackend(b.name);
      const eager = await run(false);
      const compiled = await run(true);
      if (b.compileTrace) assert.equal(compiled.mode, 'compiled', b.name);
      compiled.weights.forEach((w, i) => {
        for (let j = 0; j < w.length; j++) assert.ok(Math.abs(w[j]! - eager.weights[i]![j]!) <= 1e-5 * (1 + Math.abs(eager.weights[i]![j]!)), `${b.name}: weight ${i}[${j}]`);
      });
    }
  } finally {
    setBackend(before);
  }
  const x = randomTensor([3, 4, 5, 6], new Rng(1), 1, 2);
  const y = new SpatialDropout2D(0.5, { seed: 3 }).apply(x, { training: true }).values;
  for (let s = 0; s < 3; s++) for (let c = 0; c < 6; c++) {
    const kept = y[s * 120 + c] !== 0;
    for (let p = 0; p < 20; p++) assert.equal(y[s * 120 + p * 6 + c] !== 0, kept, `sample ${s} channel ${c}`);
  }
});
