/** The WASM SIMD kernels against the reference js kernels, including the edge cases of the tail/padding tricks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BINARY_OPS, UNARY_OPS, KERNEL_NAMES, OUTPUT_DIFFERENTIABLE, type Kernels, type UnaryOp } from '../src/backend/kernels.js';
import { jsBackend } from '../src/backend/js/index.js';
import { ownKernels, registerBackend } from '../src/backend/registry.js';
import { loadWasmBackend } from '../src/backend/wasm/load.js';
import { ELEMENTWISE_CHUNK } from '../src/backend/wasm/instance.js';

registerBackend(jsBackend);
const backend = await loadWasmBackend();
assert.ok(backend, 'wasm backend must load on Node 20');
const wasm = backend.kernels as Kernels;
const ref = jsBackend.kernels as Kernels;

let seed = 12345;
function rand(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
}
function randArray(n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/** The conformance suite's tolerances: the wasm module is compiled from the native kernel source. */
const RTOL = 1e-5, ATOL = 1e-7;

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) assert.fail(`${what}: index ${i}: wasm ${a}, reference ${e}`);
  }
}

test('backend object: name, priority, describe, and fallbackKernels lists exactly the kernels it leaves out', () => {
  assert.equal(backend.name, 'wasm');
  assert.equal(backend.priority, 10);
  const d = backend.describe?.();
  assert.equal(d?.['simd'], true);
  assert.equal(d?.['threads'], 1);
  const own = ownKernels(backend);
  assert.deepEqual([...own, ...backend.fallbackKernels].sort(), [...KERNEL_NAMES].sort());
});

test('matmul: every transA/transB/accumulate combination, odd sizes and sizes past the block sizes', () => {
  const shapes: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [13, 9, 17], [85, 33, 300], [3, 2051, 5], [4, 8, 513], [2, 3, 0]];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const accumulate of [false, true]) {
          const a = randArray(m * k);
          const b = randArray(k * n);
          const init = randArray(m * n);
          const got = init.slice();
          const want = init.slice();
          wasm.matmul(a, b, got, m, n, k, transA, transB, accumulate);
          ref.matmul(a, b, want, m, n, k, transA, transB, accumulate);
          // float32 accumulation over k terms of size ≤ 1: error grows like sqrt(k)·eps.
          assertClose(got, want, 1e-5, 2e-6 * Math.sqrt(k + 1), `matmul ${m}×${n}×${k} tA=${transA} tB=${transB} acc=${accumulate}`);
        }
      }
    }
  }
});

test('matmul: random shapes (property)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.boolean(),
    (m, n, k, transA, transB) => {
      const a = randArray(m * k);
      const b = randArray(k * n);
      const got = new Float32Array(m * n).fill(Number.NaN); // garbage in out must not leak through
      const want = new Float32Array(m * n);
      wasm.matmul(a, b, got, m, n, k, transA, transB, false);
      ref.matmul(a, b, want, m, n, k, transA, transB, false);
      assertClose(got, want, 1e-5, 1e-5, `matmul ${m}×${n}×${k}`);
    }), { numRuns: 60 });
});

/** Inputs in each op's domain, plus the special values the kernels must get right. */
function unaryInput(op: UnaryOp, n: number): Float32Array {
  const positive = op === 'log' || op === 'sqrt' || op === 'rsqrt';
  const x = positive ? randArray(n, 1e-3, 50) : randArray(n, -8, 8);
  const specials = positive ? [1, 1e-30, 1e-40, 3e38, 0.5, 2] : [0, -0, 1e-5, -1e-5, 0.3, -0.3, 30, -30, 88.7, 90, -90, 120, -120, 5.9, 6.1, -103];
  for (let i = 0; i < Math.min(n, specials.length); i++) x[i] = specials[i]!;
  return x;
}

test('unary and unaryBackward: every op against the reference, lengths not multiples of 4', () => {
  for (const op of UNARY_OPS) {
    for (const n of [1, 3, 4, 17, 1001]) {
      const x = unaryInput(op, n);
      const got = new Float32Array(n);
      const want = new Float32Array(n);
      wasm.unary(op, x, got, 0.2);
      ref.unary(op, x, want, 0.2);
      assertClose(got, want, RTOL, ATOL, `unary ${op} n=${n}`);

      const dy = randArray(n);
      const gotB = new Float32Array(n);
      const wantB = new Float32Array(n);
      const xs = OUTPUT_DIFFERENTIABLE.has(op) ? new Float32Array(0) : x;
      wasm.unaryBackward(op, xs, want, dy, gotB, 0.2);
      ref.unaryBackward(op, xs, want, dy, wantB, 0.2);
      assertClose(gotB, wantB, RTOL, ATOL, `unaryBackward ${op} n=${n}`);
    }
  }
});

test('unary: in place, and ops evaluated in double (gelu) match the reference', () => {
  const x = randArray(10);
  const want = new Float32Array(10);
  ref.unary('exp', x, want, 0);
  wasm.unary('exp', x, x, 0);
  assertClose(x, want, 2e-6, 0, 'in-place exp');
  const g = randArray(7);
  const gotG = new Float32Array(7);
  const wantG = new Float32Array(7);
  wasm.unary('gelu', g, gotG, 0);
  ref.unary('gelu', g, wantG, 0);
  assertClose(gotG, wantG, 1e-6, 1e-7, 'gelu');
});

test('biasAct and biasActBackward: output-differentiable activations, with and without bias / dbias', () => {
  for (const act of OUTPUT_DIFFERENTIABLE) {
    for (const [rows, cols] of [[1, 1], [3, 5], [7, 13], [256, 128], [2, 784]] as [number, number][]) {
      for (const withBias of [true, false]) {
        const x = randArray(rows * cols, -3, 3);
        const bias = withBias ? randArray(cols) : null;
        const got = new Float32Array(rows * cols);
        const want = new Float32Array(rows * cols);
        wasm.biasAct(x, bias, act, 0.3, got, rows, cols);
        ref.biasAct(x, bias, act, 0.3, want, rows, cols);
        assertClose(got, want, RTOL, ATOL, `biasAct ${act} ${rows}×${cols}`);

        const dy = randArray(rows * cols);
        const dz = new Float32Array(rows * cols);
        const wantDz = new Float32Array(rows * cols);
        const dbias = withBias ? new Float32Array(cols) : null;
        const wantDbias = withBias ? new Float32Array(cols) : null;
        wasm.biasActBackward(want, dy, act, 0.3, dz, dbias, rows, cols);
        ref.biasActBackward(want, dy, act, 0.3, wantDz, wantDbias, rows, cols);
        assertClose(dz, wantDz, RTOL, ATOL, `biasActBackward dz ${act} ${rows}×${cols}`);
        // Σ over rows of float32 dz (the reference sums unrounded doubles): error grows with rows.
        if (dbias && wantDbias) assertClose(dbias, wantDbias, 1e-5, 2e-7 * rows, `biasActBackward dbias ${act} ${rows}×${cols}`);
      }
    }
  }
});

test('binary: same shape, scalar, row and column broadcasting, and general broadcasting via the reference', () => {
  const cases: [number[], number[]][] = [
    [[3, 5], [3, 5]], [[1001], [1001]], [[3, 5], [1]], [[1], [3, 5]], [[], [7]],
    [[4, 7], [7]], [[7], [4, 7]], [[2, 3, 5], [3, 5]], [[4, 7], [4, 1]], [[4, 1], [4, 7]],
    [[2, 3, 5], [2, 1, 1]], [[4, 1], [1, 7]], [[2, 3, 5], [1, 3, 1]],
  ];
  for (const op of BINARY_OPS) {
    for (const [aShape, bShape] of cases) {
      const outShape = broadcast(aShape, bShape);
      const a = randArray(size(aShape), -3, 3);
      const b = randArray(size(bShape), -3, 3);
      if (b.length > 2) b[1] = a[1] ?? 0; // exercise equality
      if (op === 'pow') a.forEach((v, i) => { a[i] = Math.abs(v); });
      const got = new Float32Array(size(outShape));
      const want = new Float32Array(size(outShape));
      wasm.binary(op, a, aShape, b, bShape, got, outShape);
      ref.binary(op, a, aShape, b, bShape, want, outShape);
      assertClose(got, want, RTOL, ATOL, `binary ${op} [${aShape}]∘[${bShape}]`);
    }
  }
});

test('reduce: sum/max/min/prod over adjacent axes, and non-adjacent axes via the reference', () => {
  const cases: [number[], number[]][] = [
    [[7], [0]], [[3, 5], [1]], [[3, 5], [0]], [[3, 5], [0, 1]], [[2, 3, 5], [1]], [[2, 3, 5], [1, 2]],
    [[2, 3, 5], [0, 2]], [[256, 128], [0]], [[4, 1001], [1]], [[3, 1, 6], [1]],
  ];
  for (const op of ['sum', 'max', 'min', 'prod'] as const) {
    for (const [shape, axes] of cases) {
      const x = randArray(size(shape), 0.5, 1.5);
      const outSize = size(shape.filter((_, i) => !axes.includes(i)));
      const got = new Float32Array(outSize);
      const want = new Float32Array(outSize);
      wasm.reduce(op, x, shape, axes, got);
      ref.reduce(op, x, shape, axes, want);
      assertClose(got, want, RTOL, ATOL, `reduce ${op} [${shape}] axes [${axes}]`);
    }
  }
});

test('softmax and log-softmax, rows of odd length and large logits', () => {
  for (const [rows, cols] of [[1, 1], [3, 10], [5, 7], [256, 784]] as [number, number][]) {
    for (const log of [false, true]) {
      const x = randArray(rows * cols, -20, 20);
      x[0] = 80;
      const got = new Float32Array(rows * cols);
      const want = new Float32Array(rows * cols);
      wasm.softmax(x, got, rows, cols, log);
      ref.softmax(x, want, rows, cols, log);
      if (!log) {
        assertClose(got, want, RTOL, ATOL, `softmax ${rows}×${cols}`);
        continue;
      }
      // log-softmax is x − logsumexp(x): near 0 it cancels, so float32 rounding scales with |x| + |out|.
      for (let i = 0; i < want.length; i++) {
        const tol = ATOL + RTOL * (Math.abs(x[i]!) + Math.abs(want[i]!));
        if (!(Math.abs(got[i]! - want[i]!) <= tol)) assert.fail(`log-softmax ${rows}×${cols}: index ${i}: wasm ${got[i]}, reference ${want[i]}`);
      }
    }
  }
});

test('memory: the arena grows to the largest call and is then reused', () => {
  const big = randArray(512 * 784);
  const out = new Float32Array(big.length);
  wasm.unary('relu', big, out, 0);
  const before = backend.describe?.()['memory'];
  for (let i = 0; i < 50; i++) wasm.matmul(randArray(64 * 32), randArray(32 * 16), new Float32Array(64 * 16), 64, 16, 32, false, false, false);
  wasm.unary('relu', big, out, 0);
  assert.equal(backend.describe?.()['memory'], before);
});

test('elementwise kernels stream large arrays through a bounded arena (chunk edges, in place, broadcasts)', () => {
  const n = 3 * ELEMENTWISE_CHUNK + 7;
  const x = randArray(n, -4, 4);
  const want = new Float32Array(n);
  ref.unary('sigmoid', x, want, 0);
  const inPlace = x.slice();
  wasm.unary('sigmoid', inPlace, inPlace, 0);
  assertClose(inPlace, want, RTOL, ATOL, 'large in-place sigmoid');

  const dy = randArray(n);
  const gotB = new Float32Array(n);
  const wantB = new Float32Array(n);
  wasm.unaryBackward('tanh', new Float32Array(0), x, dy, gotB, 0);
  ref.unaryBackward('tanh', new Float32Array(0), x, dy, wantB, 0);
  assertClose(gotB, wantB, RTOL, ATOL, 'large tanh backward');

  const cols = 1001;
  const rows = Math.ceil(n / cols);
  const full = randArray(rows * cols);
  const cases: [Float32Array, number[], Float32Array, number[]][] = [
    [x, [n], dy, [n]], [x, [n], Float32Array.of(0.5), [1]],
    [full, [rows, cols], randArray(cols), [cols]], [full, [rows, cols], randArray(rows), [rows, 1]],
  ];
  for (const [a, aShape, b, bShape] of cases) {
    const outShape = broadcast(aShape, bShape);
    const got = new Float32Array(size(outShape));
    const wantOut = new Float32Array(size(outShape));
    wasm.binary('sub', a, aShape, b, bShape, got, outShape);
    ref.binary('sub', a, aShape, b, bShape, wantOut, outShape);
    assertClose(got, wantOut, 0, 0, `large binary [${aShape}]∘[${bShape}]`);
  }
  // Whole-array reductions (fit's finiteness check sums a whole data set), softmax and the
  // optimizer update stream the same way.
  for (const [shape, axes] of [[[n], [0]], [[rows, cols], [0, 1]], [[rows, cols], [0]], [[rows, cols], [1]]] as [number[], number[]][]) {
    const src = shape.length === 1 ? x : full;
    const outSize = size(shape.filter((_, i) => !axes.includes(i)));
    const got = new Float32Array(outSize), wantR = new Float32Array(outSize), mag = new Float32Array(outSize);
    wasm.reduce('sum', src, shape, axes, got);
    ref.reduce('sum', src, shape, axes, wantR);
    ref.reduce('sum', src.map(Math.abs), shape, axes, mag);
    for (let i = 0; i < outSize; i++) assert.ok(Math.abs(got[i]! - wantR[i]!) <= 1e-5 * mag[i]!, `large reduce sum [${shape}] axes [${axes}] at ${i}`);
    const gotMax = new Float32Array(outSize), wantMax = new Float32Array(outSize);
    wasm.reduce('max', src, shape, axes, gotMax);
    ref.reduce('max', src, shape, axes, wantMax);
    assert.deepEqual(gotMax, wantMax, `large reduce max [${shape}] axes [${axes}]`);
  }
  const sm = new Float32Array(full.length);
  wasm.softmax(full, sm, rows, cols, false);
  const w = x.slice(), m = new Float32Array(n), v = new Float32Array(n);
  wasm.optimizerStep('adam', w, dy, [m, v], [0.001, 0.9, 0.999, 1e-7]);
  const mib = Number.parseFloat(String(backend.describe?.()['memory']));
  assert.ok(mib < 24, `linear memory grew to ${mib} MiB for elementwise work on ${n} elements`);
});

test('bad input: a too-short array is a clear error, not garbage', () => {
  assert.throws(() => wasm.matmul(new Float32Array(5), new Float32Array(6), new Float32Array(4), 2, 2, 3, false, false, false), /input has 5 values, the kernel needs 6/);
});

function size(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}
function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    return da === 1 ? db : da;
  });
}
