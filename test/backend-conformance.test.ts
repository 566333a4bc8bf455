/**
 * One conformance suite for every backend: each kernel a backend implements itself is run on
 * the same random inputs as the reference (js) kernel and compared. Shapes are random
 * (fast-check) and include 1, odd sizes and non-multiples of every vector width; matmul
 * covers all transpose combinations, accumulation, and the lecture's large shapes (which
 * also exercise the native thread pool). The native backend is checked once per instruction
 * set the CPU supports (AVX-512 / AVX2 / generic; without AVX-512, its 16-lane code emulated on AVX2).
 *
 * Tolerances: results are compared as |got − want| ≤ RTOL·scale + ATOL, with
 *  - RTOL = 1e-5 (the issue's fp32 bound) everywhere: the native exp/log/tanh/sigmoid
 *    polynomials are accurate to ~3e-7, so approximated transcendentals need no looser bound;
 *  - scale = |want| for elementwise results, and the sum of the magnitudes of the terms for
 *    sums (matmul: (|A|·|B|)ᵢⱼ, reductions and dbias: Σ|x|), since float32 summation in
 *    another order can only be compared relative to that;
 *  - ATOL = 1e-7 (≈ one float32 ulp at 1) for results that cancel to ≈0 after an O(1)
 *    intermediate (e.g. hardSigmoid near −3, log-softmax of a dominant logit).
 * A backend must implement every kernel the reference has, unless it lists the kernel in
 * its documented `fallbackKernels`.
 */
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import fc from 'fast-check';
import '../src/index.js';
import { listBackends, type Backend } from '../src/backend/registry.js';
import { jsKernels } from '../src/backend/js/kernels.js';
import { BINARY_OPS, KERNEL_NAMES, LOSS_OPS, OPTIMIZER_RULES, OUTPUT_DIFFERENTIABLE, POOL_OPS, REDUCE_OPS, UNARY_OPS } from '../src/backend/kernels.js';
import { conv2dGeometry, type Conv2DGeometry, type Padding } from '../src/backend/conv-geometry.js';
import type { Kernels, LossOp, OptimizerRule, UnaryOp } from '../src/backend/kernels.js';
import { nativeIsas, setNativeIsa } from '../src/backend/native/load.js';

const RTOL = 1e-5;
const ATOL = 1e-7;
const RUNS = 40;
/** Runs per op where a check loops over every op of the op table (src/backend/ops.ts). */
const PER_OP_RUNS = 10;
const ref: Kernels = jsKernels;

type Shape = number[];
const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Deterministic data from a seed (fast-check picks seeds and shapes; data stays cheap). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}
function randomData(n: number, seed: number, lo = -3, hi = 3): Float32Array {
  const r = rng(seed);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = lo + (hi - lo) * r();
  return d;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, scale?: ArrayLike<number>): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    const s = scale ? Math.max(scale[i]!, Math.abs(w)) : Math.abs(w);
    if (!(Math.abs(g - w) <= RTOL * s + ATOL)) {
      assert.fail(`${what}[${i}]: got ${g}, reference ${w} (|diff| ${Math.abs(g - w).toExponential(2)} > ${(RTOL * s + ATOL).toExponential(2)})`);
    }
  }
}

/** Inputs inside each op's domain (log of negatives etc. are NaN on both sides, but say nothing). */
function domain(op: UnaryOp, x: Float32Array): Float32Array {
  const positive = ['log', 'sqrt', 'rsqrt'].includes(op);
  return x.map((v) => (positive ? Math.abs(v) + 1e-3 : op === 'log1p' ? Math.abs(v) - 0.9 : op === 'reciprocal' && v === 0 ? 1 : v));
}

type KernelCheck = (k: Kernels) => void;

/** Property checks per kernel; each runs the backend kernel `k` and the reference on the same inputs. */
const checks: Record<keyof Kernels, KernelCheck> = {
  matmul(k) {
    const dims = fc.integer({ min: 1, max: 70 });
    const run = (m: number, n: number, kk: number, ta: boolean, tb: boolean, acc: boolean, seed: number): void => {
      const a = randomData(m * kk, seed), b = randomData(kk * n, seed + 1), c0 = randomData(m * n, seed + 2);
      const got = c0.slice(), want = c0.slice(), mag = acc ? c0.map(Math.abs) : new Float32Array(m * n);
      k.matmul(a, b, got, m, n, kk, ta, tb, acc);
      ref.matmul(a, b, want, m, n, kk, ta, tb, acc);
      ref.matmul(a.map(Math.abs), b.map(Math.abs), mag, m, n, kk, ta, tb, acc);
      assertClose(got, want, `matmul ${m}x${n}x${kk} transA=${ta} transB=${tb} accumulate=${acc}`, mag);
    };
    fc.assert(fc.property(dims, dims, dims, fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(), (m, n, kk, ta, tb, acc, s) => run(m, n, kk, ta, tb, acc, s)), { numRuns: 3 * RUNS });
    // The lecture's shapes (forward, dW = Xᵀ·dZ, dX = dZ·Wᵀ): large enough for the thread pool.
    for (const [m, n, kk, ta, tb] of [[256, 128, 784, false, false], [256, 784, 128, false, false], [784, 128, 256, true, false],
      [256, 784, 128, false, true], [128, 784, 256, true, false], [256, 128, 784, false, true], [300, 97, 301, true, true]] as const) {
      run(m, n, kk, ta, tb, false, m + n);
      run(m, n, kk, ta, tb, true, m * n);
    }
    // k = 0 and empty outputs.
    const out = new Float32Array([5, 5]);
    k.matmul(new Float32Array(0), new Float32Array(0), out, 1, 2, 0, false, false, false);
    assert.deepEqual([...out], [0, 0], 'matmul with k = 0 writes zeros');
  },

  unary(k) {
    for (const op of UNARY_OPS) fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.boolean(), fc.integer(), (n, inPlace, s) => {
      const x = domain(op, randomData(n, s, -6, 6));
      const alpha = 0.3;
      const want = new Float32Array(n);
      ref.unary(op, x, want, alpha);
      const got = inPlace ? x : new Float32Array(n);
      k.unary(op, x, got, alpha);
      assertClose(got, want, `unary ${op} n=${n}${inPlace ? ' in place' : ''}`);
    }), { numRuns: PER_OP_RUNS });
    // Large magnitudes, overflow, underflow and specials of the approximated transcendentals.
    const specials = new Float32Array([0, -0, 1e-30, -1e-30, 1e-7, 0.624, 0.626, 20, -20, 88.7, 89, -87, -100, -104, 1e30, -1e30, Infinity, -Infinity, NaN, 3.5, -2.5]);
    for (const op of ['exp', 'sigmoid', 'tanh', 'swish', 'relu', 'log'] as const) {
      const want = new Float32Array(specials.length), got = new Float32Array(specials.length);
      ref.unary(op, specials, want, 0.2);
      k.unary(op, specials, got, 0.2);
      assertClose(got, want, `unary ${op} on special values`);
    }
    // Gradual underflow, the same on every backend: float32(exp(x)) to within one subnormal step.
    const tiny = new Float32Array([-87.5, -90, -95, -100, -103, -103.9, -104.5, -200]);
    const [gotTiny, wantTiny] = [new Float32Array(tiny.length), new Float32Array(tiny.length)];
    k.unary('exp', tiny, gotTiny, 0);
    ref.unary('exp', tiny, wantTiny, 0);
    for (let i = 0; i < tiny.length; i++) {
      assert.ok(Math.abs(gotTiny[i]! - wantTiny[i]!) <= 2 ** -149 + 1e-6 * wantTiny[i]!, `exp(${tiny[i]}): got ${gotTiny[i]}, reference ${wantTiny[i]}`);
    }
  },

  unaryBackward(k) {
    for (const op of UNARY_OPS) fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.boolean(), fc.integer(), (n, inPlace, s) => {
      const x = domain(op, randomData(n, s, -6, 6));
      const alpha = 0.3;
      const y = new Float32Array(n);
      ref.unary(op, x, y, alpha);
      const dy = randomData(n, s + 1);
      // For ops differentiable from y alone, x may be an empty array.
      const xIn = OUTPUT_DIFFERENTIABLE.has(op) && inPlace ? new Float32Array(0) : x;
      const want = new Float32Array(n);
      ref.unaryBackward(op, x, y, dy, want, alpha);
      const got = inPlace ? dy : new Float32Array(n);
      k.unaryBackward(op, xIn, y, dy, got, alpha);
      assertClose(got, want, `unaryBackward ${op} n=${n}${inPlace ? ' in place' : ''}`);
    }), { numRuns: PER_OP_RUNS });
  },

  binary(k) {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 0, maxLength: 4 });
    const variant = fc.constantFrom('same', 'scalar', 'row', 'col', 'random');
    for (const op of BINARY_OPS) fc.assert(fc.property(shapeArb, variant, variant, fc.boolean(), fc.integer(),
      (outShape: Shape, va, vb, swap, s) => {
        const r = rng(s);
        const derive = (v: string): Shape => {
          if (v === 'same') return outShape;
          if (v === 'scalar') return [];
          if (v === 'row') return outShape.slice(-1);
          if (v === 'col') return outShape.length ? [...outShape.slice(0, -1), 1] : [];
          return outShape.slice(Math.floor(r() * (outShape.length + 1))).map((d) => (r() < 0.4 ? 1 : d));
        };
        let aShape = derive(va), bShape = derive(vb);
        if (swap) [aShape, bShape] = [bShape, aShape];
        // The output shape is the broadcast of the two (outShape padded where both broadcast).
        const rank = Math.max(aShape.length, bShape.length);
        const o: Shape = [];
        for (let i = 0; i < rank; i++) {
          const da = aShape[aShape.length - rank + i] ?? 1, db = bShape[bShape.length - rank + i] ?? 1;
          o.push(Math.max(da, db));
        }
        const quantise = ['equal', 'notEqual', 'greaterEqual', 'lessEqual', 'maximum', 'minimum'].includes(op);
        const mk = (shape: Shape, seed: number): Float32Array => {
          const d = randomData(sizeOf(shape), seed, op === 'pow' ? 0.1 : -3, 3);
          return quantise ? d.map((v) => Math.round(v)) : d;
        };
        const a = mk(aShape, s + 1), b = mk(bShape, s + 2);
        const want = new Float32Array(sizeOf(o));
        ref.binary(op, a, aShape, b, bShape, want, o);
        const inPlace = sizeOf(aShape) === sizeOf(o) && aShape.length === o.length && r() < 0.5;
        const got = inPlace ? a : new Float32Array(sizeOf(o));
        k.binary(op, a, aShape, b, bShape, got, o);
        assertClose(got, want, `binary ${op} [${aShape}] ∘ [${bShape}] -> [${o}]${inPlace ? ' in place' : ''}`);
      }), { numRuns: 2 * PER_OP_RUNS });
    // Long runs (threaded split) for the fast paths.
    for (const [as, bs] of [[[300, 784], [300, 784]], [[300, 784], [784]], [[300, 784], []], [[300, 784], [300, 1]], [[], [300, 784]]] as const) {
      const out = [300, 784];
      const a = randomData(sizeOf(as), 7), b = randomData(sizeOf(bs), 8);
      const want = new Float32Array(sizeOf(out)), got = new Float32Array(sizeOf(out));
      ref.binary('mul', a, as, b, bs, want, out);
      k.binary('mul', a, as, b, bs, got, out);
      assertClose(got, want, `binary mul [${as}] ∘ [${bs}]`);
    }
  },

  reduce(k) {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 });
    for (const op of REDUCE_OPS) fc.assert(fc.property(shapeArb, fc.integer(), fc.integer(), (shape, axisBits, s) => {
      let axes = shape.map((_, i) => i).filter((i) => (axisBits >>> i) & 1);
      if (axes.length === 0) axes = [Math.abs(axisBits) % shape.length];
      const x = randomData(sizeOf(shape), s, op === 'prod' ? 0.5 : -3, op === 'prod' ? 1.5 : 3);
      const outShape = shape.filter((_, i) => !axes.includes(i));
      const want = new Float32Array(sizeOf(outShape)), got = new Float32Array(sizeOf(outShape)), mag = new Float32Array(sizeOf(outShape));
      ref.reduce(op, x, shape, axes, want);
      k.reduce(op, x, shape, axes, got);
      if (op === 'sum') ref.reduce('sum', x.map(Math.abs), shape, axes, mag);
      assertClose(got, want, `reduce ${op} [${shape}] axes [${axes}]`, op === 'sum' ? mag : undefined);
    }), { numRuns: 6 * PER_OP_RUNS });
    for (const [shape, axes] of [[[256, 784], [0]], [[256, 784], [1]], [[60000, 3], [0]], [[4, 5000, 3], [1]]] as const) {
      const x = randomData(sizeOf(shape), 3);
      const outShape = shape.filter((_, i) => !(axes as readonly number[]).includes(i));
      const want = new Float32Array(sizeOf(outShape)), got = new Float32Array(sizeOf(outShape)), mag = new Float32Array(sizeOf(outShape));
      ref.reduce('sum', x, shape, axes, want);
      k.reduce('sum', x, shape, axes, got);
      ref.reduce('sum', x.map(Math.abs), shape, axes, mag);
      assertClose(got, want, `reduce sum [${shape}] axes [${axes}]`, mag);
    }
  },

  argReduce(k) {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(fc.constantFrom('argmax', 'argmin' as const), shapeArb, fc.nat(), fc.integer(), (op, shape, ax, s) => {
      const axis = ax % shape.length;
      const x = randomData(sizeOf(shape), s).map((v) => Math.round(v));  // ties: first index wins
      const n = sizeOf(shape) / shape[axis]!;
      const want = new Int32Array(n), got = new Int32Array(n);
      ref.argReduce(op, x, shape, axis, want);
      k.argReduce(op, x, shape, axis, got);
      assert.deepEqual([...got], [...want], `${op} [${shape}] axis ${axis}`);
    }), { numRuns: 2 * RUNS });
  },

  transpose(k) {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(shapeArb, fc.integer(), (shape, s) => {
      const r = rng(s);
      const perm = shape.map((_, i) => i).sort(() => r() - 0.5);
      const x = randomData(sizeOf(shape), s);
      const want = new Float32Array(x.length), got = new Float32Array(x.length);
      ref.transpose(x, shape, perm, want);
      k.transpose(x, shape, perm, got);
      assert.deepEqual(got, want, `transpose [${shape}] perm [${perm}]`);
    }), { numRuns: 2 * RUNS });
  },

  slice(k) {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(shapeArb, fc.integer(), (shape, s) => {
      const r = rng(s);
      const begin = shape.map((d) => Math.floor(r() * d));
      const size = shape.map((d, i) => 1 + Math.floor(r() * (d - begin[i]!)));
      const x = randomData(sizeOf(shape), s);
      const want = new Float32Array(sizeOf(size)), got = new Float32Array(sizeOf(size));
      ref.slice(x, shape, begin, size, want);
      k.slice(x, shape, begin, size, got);
      assert.deepEqual(got, want, `slice [${shape}] begin [${begin}] size [${size}]`);
    }), { numRuns: 2 * RUNS });
  },

  gather(k) {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(shapeArb, fc.nat(), fc.integer({ min: 0, max: 9 }), fc.integer(), (shape, ax, count, s) => {
      const r = rng(s);
      const axis = ax % shape.length;
      const indices = Int32Array.from({ length: count }, () => Math.floor(r() * shape[axis]!));
      const outShape = shape.map((d, i) => (i === axis ? count : d));
      const x = randomData(sizeOf(shape), s);
      const want = new Float32Array(sizeOf(outShape)), got = new Float32Array(sizeOf(outShape));
      ref.gather(x, shape, indices, axis, want);
      k.gather(x, shape, indices, axis, got);
      assert.deepEqual(got, want, `gather [${shape}] axis ${axis} indices [${indices}]`);
      const back = new Float32Array(x.length).fill(7), backRef = new Float32Array(x.length);
      ref.scatterAdd(want, indices, axis, shape, backRef);
      k.scatterAdd(want, indices, axis, shape, back);
      assertClose(back, backRef, `scatterAdd [${outShape}] -> [${shape}] axis ${axis}`);
    }), { numRuns: 2 * RUNS });
  },

  scatterAdd(k) {
    checks.gather({ ...ref, scatterAdd: k.scatterAdd });
  },

  concat(k) {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(shapeArb, fc.nat(), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), fc.integer(), (base, ax, sizes, s) => {
      const axis = ax % base.length;
      const shapes = sizes.map((d) => base.map((b, i) => (i === axis ? d : b)));
      const xs = shapes.map((sh, i) => randomData(sizeOf(sh), s + i));
      const n = xs.reduce((t, x) => t + x.length, 0);
      const want = new Float32Array(n), got = new Float32Array(n);
      ref.concat(xs, shapes, axis, want);
      k.concat(xs, shapes, axis, got);
      assert.deepEqual(got, want, `concat axis ${axis} of [${shapes.map((sh) => `[${sh}]`)}]`);
    }), { numRuns: 2 * RUNS });
  },

  biasAct(k) {
    const acts = [...OUTPUT_DIFFERENTIABLE, 'gelu', 'geluTanh', 'swish', 'softplus', 'selu'] as UnaryOp[];
    const dims = fc.integer({ min: 1, max: 70 });
    fc.assert(fc.property(fc.constantFrom(...acts), dims, dims, fc.boolean(), fc.boolean(), fc.integer(), (act, rows, cols, withBias, inPlace, s) => {
      const x = randomData(rows * cols, s), bias = withBias ? randomData(cols, s + 1, -1, 1) : null;
      const want = new Float32Array(rows * cols);
      ref.biasAct(x, bias, act, 0.2, want, rows, cols);
      const got = inPlace ? x : new Float32Array(rows * cols);
      k.biasAct(x, bias, act, 0.2, got, rows, cols);
      assertClose(got, want, `biasAct ${act} ${rows}x${cols} bias=${withBias}${inPlace ? ' in place' : ''}`);
    }), { numRuns: 3 * RUNS });
  },

  pointwiseLoss(k) {
    const check = (op: LossOp, n: number, withGrad: boolean, scale: number, s: number, special = false): void => {
      const bce = op === 'binaryCrossentropy';
      // Crossentropy: probabilities (a few outside the clip range [1e-7, 1 − 1e-7], where the gradient is 0) and targets in [0, 1].
      const p = bce ? randomData(n, s, -0.05, 1.05) : randomData(n, s), t = bce ? randomData(n, s + 1, 0, 1) : randomData(n, s + 1);
      if (special && n > 3) { p[1] = NaN; t[2] = bce ? 0.5 : Infinity; p[3] = t[3]!; }  // NaN propagates (∞ too); p = t has a zero gradient (mse, mae)
      const wantSum = new Float32Array(1), gotSum = new Float32Array(1).fill(9);
      const wantGrad = withGrad ? new Float32Array(n) : null, gotGrad = withGrad ? new Float32Array(n).fill(9) : null;
      ref.pointwiseLoss(op, p, t, wantSum, wantGrad, scale);
      k.pointwiseLoss(op, p, t, gotSum, gotGrad, scale);
      let mag = 0;
      for (let i = 0; i < n; i++) mag += op === 'squaredError' ? (p[i]! - t[i]!) ** 2 : op === 'absoluteError' ? Math.abs(p[i]! - t[i]!) : 20;
      assertClose(gotSum, wantSum, `pointwiseLoss ${op} sum n=${n}`, [mag]);
      if (gotGrad && wantGrad) assertClose(gotGrad, wantGrad, `pointwiseLoss ${op} grad n=${n}`);
    };
    fc.assert(fc.property(fc.constantFrom(...LOSS_OPS), fc.integer({ min: 0, max: 300 }), fc.boolean(), fc.float({ min: -4, max: 4, noNaN: true }), fc.integer(),
      (op, n, g, scale, s) => check(op, n, g, scale, s)), { numRuns: 3 * RUNS });
    for (const op of LOSS_OPS) {
      check(op, 256 * 784, true, 2 / (256 * 784), 3);  // the autoencoder's output: threaded blocks
      check(op, 100_003, false, 1, 4);
      check(op, 50, true, 0.5, 5, true);
    }
  },

  batchNormStats(k) {
    const check = (rows: number, cols: number, s: number, offset = 0): void => {
      const x = randomData(rows * cols, s).map((v) => v + offset);
      const want = [new Float32Array(cols), new Float32Array(cols)], got = [new Float32Array(cols).fill(9), new Float32Array(cols).fill(9)];
      if (rows > 2 && cols > 1) x[cols + 1] = NaN;  // column 1's statistics are NaN
      ref.batchNormStats(x, want[0]!, want[1]!, rows, cols);
      k.batchNormStats(x, got[0]!, got[1]!, rows, cols);
      // Sums in another order: compared relative to the mean magnitude (mean) and the square's (variance).
      const mag = [0, 1].map((p) => Array.from({ length: cols }, (_, j) => {
        let m = 0;
        for (let r = 0; r < rows; r++) m += Math.abs(x[r * cols + j]! - (p === 0 ? 0 : want[0]![j]!)) ** (p + 1);
        return m / Math.max(rows, 1);
      }));
      assertClose(got[0]!, want[0]!, `batchNormStats mean ${rows}x${cols}`, mag[0]);
      assertClose(got[1]!, want[1]!, `batchNormStats variance ${rows}x${cols}`, mag[1]);
    };
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 70 }), fc.integer(), (r, c, s) => check(r, c, s)), { numRuns: RUNS });
    check(128 * 26 * 26, 32, 1);  // the convnet's first layer: threaded column split
    check(500, 300, 2);  // more channels than one group of the compiled kernel
    check(1000, 17, 3, 1000);  // a mean far from 0: the centred second pass keeps the variance
  },

  batchNorm(k) {
    const check = (rows: number, cols: number, affine: boolean, s: number): void => {
      const x = randomData(rows * cols, s), mean = randomData(cols, s + 1), variance = randomData(cols, s + 2, 0, 2);
      const gamma = affine ? randomData(cols, s + 3) : null, beta = affine ? randomData(cols, s + 4) : null;
      if (rows > 1 && cols > 2) { x[2] = NaN; variance[1] = 0; }
      const want = new Float32Array(rows * cols), got = new Float32Array(rows * cols).fill(9);
      ref.batchNorm(x, gamma, beta, mean, variance, want, rows, cols, 1e-3);
      k.batchNorm(x, gamma, beta, mean, variance, got, rows, cols, 1e-3);
      const mag = Array.from(want, (_, i) => {
        const j = i % cols;
        return (Math.abs(x[i]!) + Math.abs(mean[j]!)) * Math.abs(gamma ? gamma[j]! : 1) / Math.sqrt(variance[j]! + 1e-3) + Math.abs(beta ? beta[j]! : 0);
      });
      assertClose(got, want, `batchNorm ${rows}x${cols}${affine ? '' : ' (no gamma/beta)'}`, mag);
    };
    fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 70 }), fc.boolean(), fc.integer(), (r, c, a, s) => check(r, c, a, s)), { numRuns: RUNS });
    check(128 * 13 * 13, 64, true, 1);
    check(300, 300, true, 2);
  },

  batchNormBackward(k) {
    const check = (rows: number, cols: number, training: boolean, outputs: number, s: number): void => {
      const x = randomData(rows * cols, s), dy = randomData(rows * cols, s + 1), variance = randomData(cols, s + 2, 0.1, 2), gamma = randomData(cols, s + 3);
      const mean = new Float32Array(cols), v2 = new Float32Array(cols);
      ref.batchNormStats(x, mean, v2, rows, cols);
      const use = training ? v2 : variance;
      const withDx = (outputs & 1) !== 0, withDg = (outputs & 2) !== 0, withDb = (outputs & 4) !== 0;
      const want = [withDx ? new Float32Array(rows * cols) : null, withDg ? new Float32Array(cols) : null, withDb ? new Float32Array(cols) : null];
      const got = want.map((a) => a && new Float32Array(a.length).fill(9));
      ref.batchNormBackward(dy, x, gamma, mean, use, want[0]!, want[1]!, want[2]!, rows, cols, 1e-3, training);
      k.batchNormBackward(dy, x, gamma, mean, use, got[0]!, got[1]!, got[2]!, rows, cols, 1e-3, training);
      // Scales: Σ|dy|·|γ|/σ per column bounds every term of dx (the centred sums are means of such terms).
      const inv = Array.from(use, (v) => 1 / Math.sqrt(v + 1e-3));
      const colDy = new Float64Array(cols), colDyX = new Float64Array(cols);
      for (let i = 0; i < rows * cols; i++) { colDy[i % cols] += Math.abs(dy[i]!); colDyX[i % cols] += Math.abs(dy[i]! * (x[i]! - mean[i % cols]!)); }
      if (want[0]) {
        const mag = Array.from(want[0], (_, i) => {
          const j = i % cols, n = Math.max(rows, 1);
          return Math.abs(gamma[j]!) * inv[j]! * (Math.abs(dy[i]!) + colDy[j]! / n + Math.abs(x[i]! - mean[j]!) * inv[j]! ** 2 * colDyX[j]! / n);
        });
        assertClose(got[0]!, want[0], `batchNormBackward dx ${rows}x${cols} training=${training}`, mag);
      }
      if (want[1]) assertClose(got[1]!, want[1], `batchNormBackward dgamma ${rows}x${cols}`, Array.from(colDyX, (v, j) => v * inv[j]!));
      if (want[2]) assertClose(got[2]!, want[2], `batchNormBackward dbeta ${rows}x${cols}`, colDy);
    };
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 70 }), fc.boolean(), fc.integer({ min: 1, max: 7 }), fc.integer(),
      (r, c, t, o, s) => check(r, c, t, o, s)), { numRuns: RUNS });
    check(128 * 26 * 26, 32, true, 7, 1);
    check(300, 300, false, 7, 2);
  },

  biasActBackward(k) {
    const dims = fc.integer({ min: 1, max: 70 });
    const check = (act: UnaryOp, rows: number, cols: number, withBias: boolean, inPlace: boolean, s: number): void => {
      const y = new Float32Array(rows * cols);
      ref.unary(act, randomData(rows * cols, s), y, 0.2);
      const dy = randomData(rows * cols, s + 1);
      const wantDz = new Float32Array(rows * cols), wantDb = withBias ? new Float32Array(cols) : null;
      ref.biasActBackward(y, dy, act, 0.2, wantDz, wantDb, rows, cols);
      const gotDz = inPlace ? dy : new Float32Array(rows * cols), gotDb = withBias ? new Float32Array(cols).fill(9) : null;
      k.biasActBackward(y, dy, act, 0.2, gotDz, gotDb, rows, cols);
      assertClose(gotDz, wantDz, `biasActBackward ${act} dz ${rows}x${cols}${inPlace ? ' in place' : ''}`);
      if (gotDb && wantDb) {
        const mag = new Float32Array(cols);
        for (let i = 0; i < rows * cols; i++) mag[i % cols] += Math.abs(wantDz[i]!);
        assertClose(gotDb, wantDb, `biasActBackward ${act} dbias ${rows}x${cols}`, mag);
      }
    };
    fc.assert(fc.property(fc.constantFrom(...OUTPUT_DIFFERENTIABLE), dims, dims, fc.boolean(), fc.boolean(), fc.integer(), check), { numRuns: 3 * RUNS });
    check('relu', 256, 784, true, false, 1);  // threaded column split
    check('sigmoid', 256, 784, true, true, 2);
  },

  softmax(k) {
    const dims = fc.integer({ min: 1, max: 70 });
    fc.assert(fc.property(dims, fc.integer({ min: 1, max: 300 }), fc.boolean(), fc.boolean(), fc.integer(), (rows, cols, log, inPlace, s) => {
      const x = randomData(rows * cols, s, -5, 5);
      const want = new Float32Array(rows * cols);
      ref.softmax(x, want, rows, cols, log);
      // log-softmax is x − logsumexp(x): near 0 it cancels, so its rounding error scales with |x| + |out|, not |out|.
      const scale = log ? Float32Array.from(x, (v, i) => Math.abs(v) + Math.abs(want[i]!)) : undefined;
      const got = inPlace ? x : new Float32Array(rows * cols);
      k.softmax(x, got, rows, cols, log);
      assertClose(got, want, `softmax${log ? ' (log)' : ''} ${rows}x${cols}${inPlace ? ' in place' : ''}`, scale);
    }), { numRuns: 2 * RUNS });
  },

  optimizerStep(k) {
    const slotCount: Record<OptimizerRule, number> = { sgd: 0, momentum: 1, nesterov: 1, adam: 2, amsgrad: 3, adamax: 2, rmsprop: 3, adagrad: 1 };
    const hyper = (rule: OptimizerRule, centered: boolean): number[] => {
      switch (rule) {
        case 'sgd': return [0.01];
        case 'momentum': case 'nesterov': return [0.01, 0.9];
        case 'adam': case 'amsgrad': return [0.003, 0.9, 0.999, 1e-7];
        case 'adamax': return [0.002, 0.9, 0.999, 1e-7];
        case 'rmsprop': return [0.001, 0.9, centered ? 0.5 : 0, 1e-7, centered ? 1 : 0];
        case 'adagrad': return [0.01, 1e-7];
      }
    };
    const run = (rule: OptimizerRule, n: number, centered: boolean, seed: number): void => {
      const w0 = randomData(n, seed), g = randomData(n, seed + 1, -0.5, 0.5);
      // State as after some steps: non-negative where the rule keeps squares or maxima. For
      // centered RMSprop the mean gradient a stays small next to the mean square v (as in real
      // training, where a² ≤ v): otherwise v − a² cancels and float32 rounding dominates.
      const range = (i: number): readonly [number, number] => (rule === 'rmsprop' ? ([[0.05, 0.3], [0, 0.3], [-0.05, 0.05]] as const)[i]! : [0, 0.3]);
      const slots0 = Array.from({ length: slotCount[rule] }, (_, i) => randomData(n, seed + 2 + i, ...range(i)));
      const [wGot, wWant] = [w0.slice(), w0.slice()];
      const [sGot, sWant] = [slots0.map((s) => s.slice()), slots0.map((s) => s.slice())];
      const h = hyper(rule, centered);
      k.optimizerStep(rule, wGot, g, sGot, h);
      ref.optimizerStep(rule, wWant, g, sWant, h);
      // w − step cancels when the step is nearly w (a large m̂/√v̂ next to a small weight): compared
      // against the size of the terms, |w| + |step|, as the sums elsewhere (fast-check found such an Adam case).
      const terms = w0.map((w, i) => Math.abs(w) + Math.abs(w - wWant[i]!));
      assertClose(wGot, wWant, `optimizerStep ${rule} w n=${n}`, terms);
      sGot.forEach((s, i) => assertClose(s, sWant[i]!, `optimizerStep ${rule} state ${i} n=${n}`));
    };
    for (const rule of OPTIMIZER_RULES) {
      fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.boolean(), fc.integer(), (n, c, seed) => run(rule, n, c, seed)), { numRuns: PER_OP_RUNS });
    }
    run('adamax', 100480, false, 3); // the lecture's largest kernel: threaded split
    run('adam', 100480, false, 4);
    run('adam', 104, false, -1546000158); // the cancellation case above (failed at 1.24× the plain relative bound)
  },
  conv2d(k) {
    const check = (g: Conv2DGeometry, seed: number): void => {
      const x = randomData(g.batch * g.inH * g.inW * g.inC, seed), w = randomData(g.kH * g.kW * g.inC * g.outC, seed + 1, -1, 1);
      const n = g.batch * g.outH * g.outW * g.outC;
      const [got, want] = [new Float32Array(n).fill(NaN), new Float32Array(n)];
      k.conv2d(x, w, got, g);
      ref.conv2d(x, w, want, g);
      const mag = new Float32Array(n);  // sums: compared relative to the sum of the terms' magnitudes
      ref.conv2d(x.map(Math.abs), w.map(Math.abs), mag, g);
      assertClose(got, want, `conv2d ${JSON.stringify(g)}`, mag);
    };
    fc.assert(fc.property(convGeometry(), fc.integer(), check), { numRuns: RUNS });
    POOL_SIZED_CONVS.forEach((g, i) => check(g, i));
  },
  conv2dBackpropInput(k) {
    const check = (g: Conv2DGeometry, seed: number): void => {
      const dy = randomData(g.batch * g.outH * g.outW * g.outC, seed), w = randomData(g.kH * g.kW * g.inC * g.outC, seed + 1, -1, 1);
      const n = g.batch * g.inH * g.inW * g.inC;
      const [got, want] = [new Float32Array(n).fill(NaN), new Float32Array(n)];
      k.conv2dBackpropInput(dy, w, got, g);
      ref.conv2dBackpropInput(dy, w, want, g);
      const mag = new Float32Array(n);
      ref.conv2dBackpropInput(dy.map(Math.abs), w.map(Math.abs), mag, g);
      assertClose(got, want, `conv2dBackpropInput ${JSON.stringify(g)}`, mag);
    };
    fc.assert(fc.property(convGeometry(), fc.integer(), check), { numRuns: RUNS });
    POOL_SIZED_CONVS.forEach((g, i) => check(g, i));
  },
  conv2dBackpropFilter(k) {
    const check = (g: Conv2DGeometry, seed: number): void => {
      const x = randomData(g.batch * g.inH * g.inW * g.inC, seed), dy = randomData(g.batch * g.outH * g.outW * g.outC, seed + 1, -1, 1);
      const n = g.kH * g.kW * g.inC * g.outC;
      const [got, want] = [new Float32Array(n).fill(NaN), new Float32Array(n)];
      k.conv2dBackpropFilter(x, dy, got, g);
      ref.conv2dBackpropFilter(x, dy, want, g);
      const mag = new Float32Array(n);
      ref.conv2dBackpropFilter(x.map(Math.abs), dy.map(Math.abs), mag, g);
      assertClose(got, want, `conv2dBackpropFilter ${JSON.stringify(g)}`, mag);
    };
    fc.assert(fc.property(convGeometry(), fc.integer(), check), { numRuns: RUNS });
    POOL_SIZED_CONVS.forEach((g, i) => check(g, i));
  },
  pool2d(k) {
    fc.assert(fc.property(convGeometry(true), fc.constantFrom(...POOL_OPS), fc.integer(), (g, op, seed) => {
      const x = randomData(g.batch * g.inH * g.inW * g.inC, seed);
      const n = g.batch * g.outH * g.outW * g.outC;
      const [got, want] = [new Float32Array(n).fill(NaN), new Float32Array(n)];
      k.pool2d(op, x, got, g);
      ref.pool2d(op, x, want, g);
      const mag = new Float32Array(n);  // averages are sums: relative to the terms' magnitudes
      ref.pool2d(op, x.map(Math.abs), mag, g);
      assertClose(got, want, `pool2d ${op} ${JSON.stringify(g)}`, op === 'avg' ? mag : undefined);
    }), { numRuns: RUNS });
  },
  pool2dBackward(k) {
    // ties: x on a coarse grid (several taps hold the maximum: the first in window order takes the
    // gradient) with a NaN somewhere (the first NaN tap of a window takes it).
    fc.assert(fc.property(convGeometry(true), fc.constantFrom(...POOL_OPS), fc.integer(), fc.boolean(), (g, op, seed, ties) => {
      const x = randomData(g.batch * g.inH * g.inW * g.inC, seed).map((v) => (ties ? Math.round(v) : v));
      if (ties) x[Math.abs(seed) % x.length] = NaN;
      const y = new Float32Array(g.batch * g.outH * g.outW * g.outC);
      ref.pool2d(op, x, y, g);
      const dy = randomData(y.length, seed + 1);
      const [got, want] = [new Float32Array(x.length).fill(NaN), new Float32Array(x.length)];
      k.pool2dBackward(op, x, y, dy, got, g);
      ref.pool2dBackward(op, x, y, dy, want, g);
      const mag = new Float32Array(x.length);
      ref.pool2dBackward(op, x, y, dy.map(Math.abs), mag, g);
      assertClose(got, want, `pool2dBackward ${op} ${JSON.stringify(g)}`, op === 'avg' ? mag : undefined);
    }), { numRuns: RUNS });
  },
  biasActPool(k) {
    // The reference is itself checked against biasAct + pool2d; here: the same values and argmax bytes.
    const check = (g: Conv2DGeometry, act: UnaryOp, withBias: boolean, seed: number, ties: boolean): void => {
      const { z, bias } = biasPoolInputs(g, seed, ties, withBias);
      const n = g.batch * g.outH * g.outW * g.inC;
      const [got, want] = [new Float32Array(n).fill(NaN), new Float32Array(n)];
      const [ga, wa] = [new Float32Array(Math.ceil(n / 4)).fill(NaN), new Float32Array(Math.ceil(n / 4))];
      k.biasActPool(act, z, bias, got, ga, g);
      ref.biasActPool(act, z, bias, want, wa, g);
      const what = `biasActPool ${act} ${JSON.stringify(g)}`;
      assertClose(got, want, what);
      assert.deepEqual(new Uint8Array(ga.buffer).subarray(0, n), new Uint8Array(wa.buffer).subarray(0, n), `${what}: argmax`);
    };
    fc.assert(fc.property(biasPoolGeometry(), fc.constantFrom<UnaryOp>('relu', 'linear'), fc.boolean(), fc.integer(), fc.boolean(), (g, act, b, seed, ties) => check(g, act, b, seed, ties)), { numRuns: RUNS });
    BIAS_POOL_SIZED.forEach((g, i) => check(g, 'relu', true, i, i % 2 === 0));
  },
  biasActPoolBackward(k) {
    const check = (g: Conv2DGeometry, act: UnaryOp, withBias: boolean, seed: number, ties: boolean): void => {
      const { z, bias } = biasPoolInputs(g, seed, ties, withBias);
      const n = g.batch * g.outH * g.outW * g.inC;
      const y = new Float32Array(n), argmax = new Float32Array(Math.ceil(n / 4));
      ref.biasActPool(act, z, bias, y, argmax, g);
      const dy = randomData(n, seed + 1);
      const [got, want] = [new Float32Array(z.length).fill(NaN), new Float32Array(z.length)];
      const [gb, wb] = [new Float32Array(g.inC).fill(NaN), new Float32Array(g.inC)];
      k.biasActPoolBackward(act, y, dy, argmax, got, withBias ? gb : null, g);
      ref.biasActPoolBackward(act, y, dy, argmax, want, withBias ? wb : null, g);
      const what = `biasActPoolBackward ${act} ${JSON.stringify(g)}`;
      assertClose(got, want, what);
      if (!withBias) return;
      const mag = new Float32Array(g.inC);
      ref.biasActPoolBackward(act, y, dy.map(Math.abs), argmax, new Float32Array(z.length), mag, g);
      assertClose(gb, wb, `${what}: dbias`, mag);
    };
    fc.assert(fc.property(biasPoolGeometry(), fc.constantFrom<UnaryOp>('relu', 'linear'), fc.boolean(), fc.integer(), fc.boolean(), (g, act, b, seed, ties) => check(g, act, b, seed, ties)), { numRuns: RUNS });
    BIAS_POOL_SIZED.forEach((g, i) => check(g, 'relu', true, i, i % 2 === 0));
  },
  conv2dBiasActPool(k) {
    const check = ({ g, pH, pW }: { g: Conv2DGeometry; pH: number; pW: number }, act: UnaryOp, withBias: boolean, seed: number, nan: boolean): void => {
      const { x, w, bias } = convPoolInputs(g, seed, nan, withBias);
      const n = g.batch * Math.floor(g.outH / pH) * Math.floor(g.outW / pW) * g.outC;
      const [got, want] = [new Float32Array(n).fill(NaN), new Float32Array(n)];
      const [ga, wa] = [new Float32Array(Math.ceil(n / 4)).fill(NaN), new Float32Array(Math.ceil(n / 4))];
      k.conv2dBiasActPool(act, x, w, bias, got, ga, g, pH, pW);
      ref.conv2dBiasActPool(act, x, w, bias, want, wa, g, pH, pW);
      const what = `conv2dBiasActPool ${act} ${JSON.stringify(g)} pool ${pH}x${pW}`;
      assertClose(got, want, what);
      assert.deepEqual(new Uint8Array(ga.buffer).subarray(0, n), new Uint8Array(wa.buffer).subarray(0, n), `${what}: argmax`);
    };
    fc.assert(fc.property(fewTapConvPool(), fc.constantFrom<UnaryOp>('relu', 'linear'), fc.boolean(), fc.integer(), fc.boolean(), check), { numRuns: RUNS });
    CONV_POOL_SIZED.forEach((c, i) => check(c, 'relu', true, i, i === 1));
  },
  conv2dBiasActPoolBackpropFilter(k) {
    const check = ({ g, pH, pW }: { g: Conv2DGeometry; pH: number; pW: number }, act: UnaryOp, withBias: boolean, seed: number): void => {
      const { x, w, bias } = convPoolInputs(g, seed, false, withBias);
      const n = g.batch * Math.floor(g.outH / pH) * Math.floor(g.outW / pW) * g.outC;
      const y = new Float32Array(n), argmax = new Float32Array(Math.ceil(n / 4));
      ref.conv2dBiasActPool(act, x, w, bias, y, argmax, g, pH, pW);
      const dy = randomData(n, seed + 1);
      const nw = g.kH * g.kW * g.inC * g.outC;
      const [got, want, mag] = [new Float32Array(nw).fill(NaN), new Float32Array(nw), new Float32Array(nw)];
      const [gb, wb, bmag] = [new Float32Array(g.outC).fill(NaN), new Float32Array(g.outC), new Float32Array(g.outC)];
      k.conv2dBiasActPoolBackpropFilter(act, x, y, dy, argmax, got, withBias ? gb : null, g, pH, pW);
      ref.conv2dBiasActPoolBackpropFilter(act, x, y, dy, argmax, want, withBias ? wb : null, g, pH, pW);
      ref.conv2dBiasActPoolBackpropFilter(act, x.map(Math.abs), y, dy.map(Math.abs), argmax, mag, bmag, g, pH, pW);
      const what = `conv2dBiasActPoolBackpropFilter ${act} ${JSON.stringify(g)} pool ${pH}x${pW}`;
      assertClose(got, want, what, mag);
      if (withBias) assertClose(gb, wb, `${what}: dbias`, bmag);
    };
    fc.assert(fc.property(fewTapConvPool(), fc.constantFrom<UnaryOp>('relu', 'linear'), fc.boolean(), fc.integer(), check), { numRuns: RUNS });
    CONV_POOL_SIZED.forEach((c, i) => check(c, 'relu', true, i));
  },
  // Any convolution (few-tap and wider): dx, dw and dbias against the reference's three kernels.
  conv2dBiasActPoolBackprop(k) {
    const check = ({ g, pH, pW }: { g: Conv2DGeometry; pH: number; pW: number }, act: UnaryOp, want3: [boolean, boolean, boolean], seed: number): void => {
      const { x, w, bias } = convPoolInputs(g, seed, false, true);
      const n = g.batch * Math.floor(g.outH / pH) * Math.floor(g.outW / pW) * g.outC;
      const y = new Float32Array(n), argmax = new Float32Array(Math.ceil(n / 4));
      ref.conv2dBiasActPool(act, x, w, bias, y, argmax, g, pH, pW);
      const dy = randomData(n, seed + 1).map(Math.round);
      const sizes = [x.length, w.length, g.outC];
      const got = sizes.map((m, i) => (want3[i] ? new Float32Array(m).fill(NaN) : null));
      const want = sizes.map((m, i) => (want3[i] ? new Float32Array(m) : null));
      const mag = sizes.map((m) => new Float32Array(m));
      k.conv2dBiasActPoolBackprop(act, x, w, y, dy, argmax, got[0]!, got[1]!, got[2]!, g, pH, pW);
      ref.conv2dBiasActPoolBackprop(act, x, w, y, dy, argmax, want[0]!, want[1]!, want[2]!, g, pH, pW);
      ref.conv2dBiasActPoolBackprop(act, x.map(Math.abs), w.map(Math.abs), y, dy.map(Math.abs), argmax, mag[0]!, mag[1]!, mag[2]!, g, pH, pW);
      const what = `conv2dBiasActPoolBackprop ${act} ${JSON.stringify(g)} pool ${pH}x${pW}`;
      ['dx', 'dw', 'dbias'].forEach((name, i) => { if (got[i]) assertClose(got[i]!, want[i]!, `${what}: ${name}`, mag[i]!); });
    };
    fc.assert(fc.property(convPoolAnyTaps(), fc.constantFrom<UnaryOp>('relu', 'linear'), fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()), fc.integer(), check), { numRuns: RUNS });
    CONV_POOL_SIZED.forEach((c, i) => check(c, 'relu', [true, true, true], i));
  },
  // Bit-identical to the reference: the mask is a function of (key, element index) only.
  dropout(k) {
    const check = (n: number, rate: number, k0: number, k1: number, inPlace: boolean, seed: number): void => {
      const x = randomData(n, seed);
      if (n > 0) x[Math.abs(seed) % n] = NaN;
      const key = new Int32Array([k0, k1]);
      const want = new Float32Array(n);
      ref.dropout(x, key, rate, want);
      const got = inPlace ? x.slice() : new Float32Array(n).fill(7);
      k.dropout(inPlace ? got : x, key, rate, got);
      const gb = new Uint32Array(got.buffer), wb = new Uint32Array(want.buffer);
      for (let i = 0; i < n; i++) {
        if (gb[i] !== wb[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
          assert.fail(`dropout n=${n} rate=${rate} key=${k0},${k1}${inPlace ? ' in place' : ''}: element ${i} is ${got[i]}, the reference ${want[i]}`);
        }
      }
    };
    const rate = fc.oneof(fc.constantFrom(0, 0.5, 0.25, 1 - 2 ** -33, 2 ** -32), fc.double({ min: 0, max: 0.999, noNaN: true }));
    fc.assert(fc.property(fc.integer({ min: 0, max: 700 }), rate, fc.integer(), fc.integer(), fc.boolean(), fc.integer(), check), { numRuns: 3 * RUNS });
    // Sizes split over the native threads (a convnet's dropout: 128 × 1600), with a tail.
    check(128 * 1600, 0.5, 12345, -678, false, 1);
    check(3 * 65536 + 77, 0.3, -1, 2 ** 31 - 1, true, 2);
  },
};

/**
 * A convolution (any padding / stride / dilation, up to 3×3 over `maxInC` channels, at most `maxTaps`
 * taps kH·kW·inC) and a pool size its output allows.
 */
function convPoolGeometry(maxInC: number, maxTaps: number): fc.Arbitrary<{ g: Conv2DGeometry; pH: number; pW: number }> {
  return fc.record({
    batch: fc.integer({ min: 1, max: 3 }), inH: fc.integer({ min: 2, max: 9 }), inW: fc.integer({ min: 2, max: 9 }),
    kH: fc.integer({ min: 1, max: 3 }), kW: fc.integer({ min: 1, max: 3 }), inC: fc.integer({ min: 1, max: maxInC }),
    outC: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 15, max: 40 })),
    sH: fc.integer({ min: 1, max: 2 }), sW: fc.integer({ min: 1, max: 2 }), d: fc.integer({ min: 1, max: 2 }),
    padding: fc.constantFrom<Padding>('valid', 'same'), pH: fc.integer({ min: 1, max: 3 }), pW: fc.integer({ min: 1, max: 3 }),
  }).filter((a) => a.kH * a.kW * a.inC <= maxTaps && (a.d === 1 || (a.sH === 1 && a.sW === 1)) &&
    (a.padding === 'same' || ((a.kH - 1) * a.d < a.inH && (a.kW - 1) * a.d < a.inW)))
    .map((a) => ({
      g: conv2dGeometry({ batch: a.batch, inH: a.inH, inW: a.inW, inC: a.inC, outC: a.outC, kernelSize: [a.kH, a.kW], strides: [a.sH, a.sW], dilationRate: [a.d, a.d], padding: a.padding }),
      pH: a.pH, pW: a.pW,
    }))
    .filter(({ g, pH, pW }) => g.outH >= pH && g.outW >= pW);
}

/** A few-tap convolution (≤ 9 taps) and a pool size its output allows. */
const fewTapConvPool = (): fc.Arbitrary<{ g: Conv2DGeometry; pH: number; pW: number }> => convPoolGeometry(9, 9);
/** Conv + pool geometries of any tap count (up to 3×3 over 12 channels). */
const convPoolAnyTaps = (): fc.Arbitrary<{ g: Conv2DGeometry; pH: number; pW: number }> => convPoolGeometry(12, 3 * 3 * 12);

/** Convolutions large enough for the native threads, as `deepts cnn`'s first layer. */
const CONV_POOL_SIZED: readonly { g: Conv2DGeometry; pH: number; pW: number }[] = [
  { g: conv2dGeometry({ batch: 9, inH: 28, inW: 28, inC: 1, outC: 32, kernelSize: [3, 3] }), pH: 2, pW: 2 },
  { g: conv2dGeometry({ batch: 5, inH: 17, inW: 16, inC: 2, outC: 21, kernelSize: [2, 2], padding: 'same' }), pH: 3, pW: 2 },
];

/** x and w on an integer grid (conv sums exact in any order: ties and argmax compare exactly), a NaN in x when `nan`. */
function convPoolInputs(g: Conv2DGeometry, seed: number, nan: boolean, withBias: boolean): { x: Float32Array; w: Float32Array; bias: Float32Array | null } {
  const x = randomData(g.batch * g.inH * g.inW * g.inC, seed).map(Math.round);
  if (nan) x[Math.abs(seed) % x.length] = NaN;
  const w = randomData(g.kH * g.kW * g.inC * g.outC, seed + 3).map(Math.round);
  const bias = withBias ? randomData(g.outC, seed + 7).map(Math.round) : null;
  return { x, w, bias };
}

/** Non-overlapping valid max-pooling geometries (strides = pool size), with odd leftovers and channel tails. */
function biasPoolGeometry(): fc.Arbitrary<Conv2DGeometry> {
  return fc.record({
    batch: fc.integer({ min: 1, max: 3 }), inC: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 15, max: 37 })),
    kH: fc.integer({ min: 1, max: 3 }), kW: fc.integer({ min: 1, max: 3 }), extraH: fc.integer({ min: 0, max: 7 }), extraW: fc.integer({ min: 0, max: 7 }),
  }).map((a) => conv2dGeometry({
    batch: a.batch, inH: a.kH + a.extraH, inW: a.kW + a.extraW, inC: a.inC, outC: a.inC, kernelSize: [a.kH, a.kW], strides: [a.kH, a.kW], padding: 'valid',
  }));
}

/** Sizes that exercise the native split over threads and the bias gradient's blocks of images (8192 / 64 = 128 images). */
const BIAS_POOL_SIZED: readonly Conv2DGeometry[] = [
  conv2dGeometry({ batch: 140, inH: 11, inW: 11, inC: 64, outC: 64, kernelSize: [2, 2], strides: [2, 2] }),
  conv2dGeometry({ batch: 9, inH: 26, inW: 26, inC: 32, outC: 32, kernelSize: [2, 2], strides: [2, 2] }),
];

/** z (on a coarse grid with ties, and a NaN, when `ties`) and a bias (null unless withBias). */
function biasPoolInputs(g: Conv2DGeometry, seed: number, ties: boolean, withBias: boolean): { z: Float32Array; bias: Float32Array | null } {
  const z = randomData(g.batch * g.inH * g.inW * g.inC, seed).map((v) => (ties ? Math.round(v) : v));
  if (ties) z[Math.abs(seed) % z.length] = NaN;
  const bias = withBias ? randomData(g.inC, seed + 7).map((v) => (ties ? Math.round(v) : v)) : null;
  return { z, bias };
}

/**
 * Convolutions with enough work for the native thread pool's split by whole images (an uneven
 * batch of 9 over its tasks, per-task filter-gradient partials), on the GEMM path and on the
 * direct path for few taps (one input channel), with padding, stride and dilation.
 */
const POOL_SIZED_CONVS: readonly Conv2DGeometry[] = [
  conv2dGeometry({ batch: 9, inH: 14, inW: 13, inC: 16, outC: 40, kernelSize: [3, 3] }),
  conv2dGeometry({ batch: 9, inH: 20, inW: 19, inC: 17, outC: 36, kernelSize: [3, 3], strides: [2, 1], padding: 'same' }),
  conv2dGeometry({ batch: 9, inH: 15, inW: 15, inC: 16, outC: 40, kernelSize: [3, 2], dilationRate: [2, 2], padding: 'same' }),
  conv2dGeometry({ batch: 17, inH: 36, inW: 35, inC: 1, outC: 40, kernelSize: [3, 3] }),
  conv2dGeometry({ batch: 17, inH: 56, inW: 55, inC: 1, outC: 41, kernelSize: [3, 3], strides: [2, 2], padding: 'same' }),
];

/** Random conv (or, with `pool`, pooling: outC = inC) geometries over every padding/stride/dilation combination. */
function convGeometry(pool = false): fc.Arbitrary<Conv2DGeometry> {
  return fc.record({
    batch: fc.integer({ min: 1, max: 3 }), inH: fc.integer({ min: 1, max: 9 }), inW: fc.integer({ min: 1, max: 9 }),
    // Channel counts past one SIMD vector (16 lanes on AVX-512) with a tail, as well as small ones.
    inC: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 15, max: 37 })), outC: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 15, max: 40 })),
    kH: fc.integer({ min: 1, max: 3 }), kW: fc.integer({ min: 1, max: 3 }),
    sH: fc.integer({ min: 1, max: 3 }), sW: fc.integer({ min: 1, max: 3 }),
    dH: fc.integer({ min: 1, max: pool ? 1 : 2 }), dW: fc.integer({ min: 1, max: pool ? 1 : 2 }),
    padding: fc.constantFrom<Padding>('valid', 'same'),
  }).filter((a) => a.padding === 'same' || ((a.kH - 1) * a.dH < a.inH && (a.kW - 1) * a.dW < a.inW))
    .map((a) => conv2dGeometry({
      batch: a.batch, inH: a.inH, inW: a.inW, inC: a.inC, outC: pool ? a.inC : a.outC,
      kernelSize: [a.kH, a.kW], strides: [a.sH, a.sW], dilationRate: [a.dH, a.dW], padding: a.padding,
    }));
}

/**
 * Variants of a backend to check: each native instruction set (plus, on CPUs without AVX-512,
 * the AVX-512 kernels' 16-lane code compiled for AVX2: same tiles, packing and tails); one pass
 * for the others.
 */
function variants(b: Backend): { label: string; enter: () => void }[] {
  if (b.name !== 'native') return [{ label: '', enter: () => {} }];
  const isas = nativeIsas();
  if (!isas.includes('avx512') && setNativeIsa('avx512-emulated')) isas.push('avx512-emulated');
  setNativeIsa(nativeIsas()[0]!);
  return isas.map((isa) => ({ label: ` [${isa}]`, enter: () => assert.ok(setNativeIsa(isa), `switch to ${isa}`) }));
}

/**
 * Runs every op of the op table once through a backend's own kernels (plain shapes: same-shape
 * binary, one adjacent reduced axis) with the reference kernels trapped, and returns the
 * reference calls that happened ('kernel op'): ops the backend silently forwarded.
 */
function referenceCalls(k: Kernels): string[] {
  const calls: string[] = [];
  const table = jsKernels as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = { ...table };
  const opArg: Record<string, number> = { unary: 0, unaryBackward: 0, binary: 0, reduce: 0, optimizerStep: 0, biasAct: 2, biasActBackward: 2 };
  for (const [name, i] of Object.entries(opArg)) {
    table[name] = (...args: unknown[]) => { calls.push(`${name} ${String(args[i])}`); return saved[name]!(...args); };
  }
  try {
    const x = randomData(6, 1, 0.1, 2), y = randomData(6, 2), dy = randomData(6, 3), out = new Float32Array(6);
    for (const op of UNARY_OPS) {
      k.unary(op, x, out, 0.2);
      k.unaryBackward(op, x, y, dy, out, 0.2);
      k.biasAct(x, randomData(3, 4), op, 0.2, out, 2, 3);
    }
    for (const op of OUTPUT_DIFFERENTIABLE) k.biasActBackward(y, dy, op, 0.2, out, new Float32Array(3), 2, 3);
    for (const op of BINARY_OPS) k.binary(op, x, [2, 3], y, [2, 3], out, [2, 3]);
    for (const op of REDUCE_OPS) k.reduce(op, x, [2, 3], [1], new Float32Array(2));
    for (const rule of OPTIMIZER_RULES) {
      const slots = [0, 1, 2].map(() => new Float32Array(6).fill(0.1));
      k.optimizerStep(rule, x.slice(), dy, slots, [0.01, 0.9, 0.999, 1e-7, 0]);
    }
  } finally {
    Object.assign(table, saved);
  }
  return calls;
}

const others = listBackends().filter((b) => b.name !== 'js');

describe('backend conformance', () => {
  it('registers the reference backend with every kernel', () => {
    const js = listBackends().find((b) => b.name === 'js');
    assert.ok(js, 'js backend registered');
    for (const n of KERNEL_NAMES) assert.equal(typeof js.kernels[n], 'function', `reference kernel ${n}`);
  });
  if (others.length === 0) it('has no other backend to check here (native not built, no WASM)', { skip: true }, () => {});

  for (const backend of others) {
    const fallback = (backend as Backend & { fallbackKernels?: readonly string[] }).fallbackKernels ?? [];
    describe(`${backend.name}`, () => {
      it('implements every reference kernel or lists it in fallbackKernels', () => {
        for (const n of fallback) assert.ok((KERNEL_NAMES as readonly string[]).includes(n), `fallbackKernels names an unknown kernel '${n}'`);
        for (const n of KERNEL_NAMES) {
          if (!ref[n]) continue;
          const own = backend.kernels[n] !== undefined;
          assert.ok(own || fallback.includes(n), `${backend.name} lacks kernel '${n}' and does not list it in fallbackKernels`);
          assert.ok(!(own && fallback.includes(n)), `${backend.name} implements '${n}' but also lists it in fallbackKernels`);
        }
      });
      it('computes every op of the op table itself (none silently left to the reference)', () => {
        const fallbackOps = (backend as Backend & { fallbackOps?: readonly string[] }).fallbackOps ?? [];
        const leftToReference = referenceCalls(backend.kernels as Kernels);
        const silent = leftToReference.filter((c) => !fallbackOps.includes(c.split(' ')[1]!));
        assert.deepEqual(silent, [], `${backend.name} sends these ops to the reference kernels without listing them in fallbackOps`);
      });
      for (const v of variants(backend)) {
        for (const name of KERNEL_NAMES) {
          const kernel = backend.kernels[name];
          if (!kernel) continue;
          it(`${name}${v.label} matches the reference`, () => {
            v.enter();
            checks[name]({ ...ref, ...backend.kernels } as Kernels);
          });
        }
      }
      if (backend.name === 'native') after(() => { setNativeIsa(nativeIsas()[0]!); });
    });
  }
});
