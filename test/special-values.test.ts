/**
 * Special values on every backend (issue 14, defect 8): NaN propagates through every unary,
 * binary and reduction op, softmax and the fused dense epilogue, as in PyTorch and TensorFlow
 * (relu(NaN) was 0, hiding a diverged model); ±Inf, ±0 (tanh(−0) = −0), denormals and huge
 * values give the same results on the js reference, the native addon (each instruction set)
 * and WASM; log-softmax of logits near ±1e30 is exact (it lost the log-sum to rounding).
 *
 * Rules checked for every op and backend, each value placed both in a full vector and in a tail:
 *  - unary: f(NaN) is NaN;
 *  - binary: NaN in either operand gives NaN, except pow(x, ±0) = 1 and the comparisons (IEEE:
 *    false, so 0; notEqual 1);
 *  - reductions (sum, max, min, prod; along the last axis and a middle one): NaN anywhere gives NaN;
 *  - everything else equals the reference: same NaN-ness, zeros of the same sign, infinities
 *    exactly, finite values to 1e-5 relative (the conformance suite's bound) plus, for results
 *    in the float32 denormal range, an absolute 2^-126: kernels computing in float lose relative
 *    precision there (exp(x < −104) is 0 by design); no backend flushes denormals to zero, which
 *    exact checks (x·1, x+0, −x, relu, a dot product) show;
 *  - derivatives likewise, except the 0·∞ forms where a float kernel's slope overflows or
 *    cancels (rsqrt' at a denormal, elu' at −∞) and the sign of a zero gradient.
 */
import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import '../src/index.js';
import { listBackends, type Backend } from '../src/backend/registry.js';
import { jsKernels } from '../src/backend/js/kernels.js';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS, type Kernels } from '../src/backend/kernels.js';
import { nativeIsas, setNativeIsa } from '../src/backend/native/load.js';
import { conv2dGeometry } from '../src/backend/conv-geometry.js';

const f32 = Math.fround;
/** NaN, ±Inf, ±0, denormals (incl. the smallest), the smallest normal, huge, and ordinary values. */
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, f32(1e-40), f32(-1e-40), f32(1.4e-45), f32(1.1754944e-38), f32(3e38), f32(-3e38),
  f32(1e30), f32(-1e30), 1, -1, 0.5, -2.5, 6, f32(88.8), f32(-104.5), 20.5, -0.3];
const RTOL = 1e-5;
const DENORMAL_ATOL = 2 ** -126;

/** The values laid out twice: once at the start (full vectors) and once shifted towards a vector tail. */
function layout(values: readonly number[]): Float32Array {
  let pad = 64 - (values.length % 64) + 3;
  if ((2 * values.length + pad) % 2 === 1) pad += 1; // even, so biasAct can take it as two rows
  return Float32Array.from([...values, ...new Array<number>(pad).fill(0.25), ...values]);
}

function same(got: number, want: number, what: string, atol = 0, zeroSign = true): void {
  if (Number.isNaN(want) || Number.isNaN(got)) {
    assert.ok(Number.isNaN(want) && Number.isNaN(got), `${what}: got ${got}, reference ${want}`);
    return;
  }
  if (want === 0 && got === 0 && zeroSign) {
    assert.ok(Object.is(want, got), `${what}: got ${Object.is(got, -0) ? '-0' : '0'}, reference ${Object.is(want, -0) ? '-0' : '0'}`);
    return;
  }
  if (!Number.isFinite(want) || !Number.isFinite(got)) {
    assert.equal(got, want, what);
    return;
  }
  const tol = RTOL * Math.abs(want) + atol + (Math.abs(want) < 2 ** -126 || Math.abs(got) < 2 ** -126 ? DENORMAL_ATOL : 0);
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, reference ${want}`);
}

const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

interface Variant { label: string; kernels: Kernels; enter: () => void }

function variants(): Variant[] {
  const out: Variant[] = [{ label: 'js', kernels: jsKernels, enter: () => {} }];
  for (const b of listBackends() as Backend[]) {
    if (b.name === 'js') continue;
    const kernels = { ...jsKernels, ...b.kernels } as Kernels;
    if (b.name === 'native') {
      const isas = nativeIsas();
      if (!isas.includes('avx512') && setNativeIsa('avx512-emulated')) isas.push('avx512-emulated');
      setNativeIsa(nativeIsas()[0]!);
      for (const isa of isas) out.push({ label: `native [${isa}]`, kernels, enter: () => assert.ok(setNativeIsa(isa)) });
    } else {
      out.push({ label: b.name, kernels, enter: () => {} });
    }
  }
  return out;
}

/** The reference value of a softmax row in double precision, rounded to float32. */
function softmaxTruth(row: readonly number[], log: boolean): number[] {
  const max = Math.max(...row);
  const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
  return row.map((v) => f32(log ? (v - max) - Math.log(sum) : Math.exp(v - max) / sum));
}

const SOFTMAX_ROWS: number[][] = [
  [1e30, 1e30, 0], [-1e30, -1e30, -1e30, 0], [1e30, f32(1e30 * (1 + 2 ** -20)), -1e30], [3e38, -3e38, 3e38],
  [1, 2, 3, NaN], [Infinity, 1, 2], [-Infinity, 0, 1], [-Infinity, -Infinity], [f32(1e-40), 0, -0], [0.5, -0.5, 100, -100],
].map((r) => r.map(f32));

const allVariants = variants();

describe('special values: NaN propagates and every backend agrees with the reference', () => {
  after(() => { if (nativeIsas().length > 0) setNativeIsa(nativeIsas()[0]!); });
  const x = layout(SPECIAL);
  const ref = jsKernels;

  for (const v of allVariants) {
    it(`unary ops [${v.label}]`, () => {
      v.enter();
      for (const op of UNARY_OPS) {
        const want = new Float32Array(x.length), got = new Float32Array(x.length);
        ref.unary(op, x, want, 0.2);
        v.kernels.unary(op, x, got, 0.2);
        for (let i = 0; i < x.length; i++) {
          if (Number.isNaN(x[i]!)) assert.ok(Number.isNaN(got[i]!), `${op}(NaN) [${v.label}] = ${got[i]}: NaN must propagate`);
          same(got[i]!, want[i]!, `${op}(${show(x[i]!)}) [${v.label}]`);
        }
        // The fused dense epilogue applies the same activation (bias 0 keeps the input).
        const rows = 2, cols = x.length / 2;
        const fused = new Float32Array(x.length);
        v.kernels.biasAct(x, new Float32Array(cols), op, 0.2, fused, rows, cols);
        for (let i = 0; i < x.length; i++) {
          const z = x[i]! + 0;
          if (Number.isNaN(z)) assert.ok(Number.isNaN(fused[i]!), `biasAct ${op}(NaN) [${v.label}] = ${fused[i]}`);
        }
      }
    });

    it(`unary derivatives [${v.label}]`, () => {
      v.enter();
      for (const op of UNARY_OPS) {
        const y = new Float32Array(x.length);
        ref.unary(op, x, y, 0.2);
        const slope = new Float32Array(x.length);
        ref.unaryBackward(op, x, y, new Float32Array(x.length).fill(1), slope, 0.2);
        for (const dyValue of [1, NaN, -0, Infinity]) {
          const dy = new Float32Array(x.length).fill(dyValue);
          const want = new Float32Array(x.length), got = new Float32Array(x.length);
          ref.unaryBackward(op, x, y, dy, want, 0.2);
          v.kernels.unaryBackward(op, x, y, dy, got, 0.2);
          for (let i = 0; i < x.length; i++) {
            if (Number.isNaN(dyValue)) assert.ok(Number.isNaN(got[i]!), `${op}' at ${show(x[i]!)} with dy NaN [${v.label}] = ${got[i]}`);
            // 0·∞ forms: a slope beyond float32's range (rsqrt' at a denormal: ±Inf; at 3e38: 0) or
            // within the cancellation tolerance of 0 (elu' at −∞: y + α) times dy = 0 or ±Inf is NaN
            // in float kernels where the double reference keeps a number.
            const extremeSlope = !Number.isFinite(slope[i]!) || Math.abs(slope[i]!) < 1e-6;
            if ((dyValue === 0 || !Number.isFinite(dyValue)) && extremeSlope) continue;
            // ATOL 1e-7·|dy| as in the conformance suite: float kernels cancel y + α to 0 where double
            // leaves ~3e-9; for the same reason a gradient's zero may differ in sign (immaterial there).
            same(got[i]!, want[i]!, `${op}' at ${show(x[i]!)}, dy ${show(dyValue)} [${v.label}]`, 1e-7 * Math.abs(dyValue), false);
          }
        }
      }
    });

    it(`binary ops [${v.label}]`, () => {
      v.enter();
      const a: number[] = [], b: number[] = [];
      for (const p of SPECIAL) for (const q of SPECIAL) { a.push(p); b.push(q); }
      const fa = Float32Array.from(a), fb = Float32Array.from(b), n = a.length;
      for (const op of BINARY_OPS) {
        const want = new Float32Array(n), got = new Float32Array(n);
        ref.binary(op, fa, [n], fb, [n], want, [n]);
        v.kernels.binary(op, fa, [n], fb, [n], got, [n]);
        for (let i = 0; i < n; i++) {
          const what = `${op}(${show(fa[i]!)}, ${show(fb[i]!)}) [${v.label}]`;
          if (Number.isNaN(fa[i]!) || Number.isNaN(fb[i]!)) {
            const comparison = ['greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual'].includes(op);
            const expected = comparison ? (op === 'notEqual' ? 1 : 0) : op === 'pow' && fb[i] === 0 ? 1 : NaN;
            same(got[i]!, expected, `${what}: NaN rule`);
          }
          same(got[i]!, want[i]!, what);
        }
        // A scalar operand on either side goes through the backends' scalar paths.
        for (const s of [NaN, Infinity, -0, f32(1e-40)]) {
          const w1 = new Float32Array(x.length), g1 = new Float32Array(x.length);
          ref.binary(op, x, [x.length], Float32Array.of(s), [1], w1, [x.length]);
          v.kernels.binary(op, x, [x.length], Float32Array.of(s), [1], g1, [x.length]);
          const w2 = new Float32Array(x.length), g2 = new Float32Array(x.length);
          ref.binary(op, Float32Array.of(s), [1], x, [x.length], w2, [x.length]);
          v.kernels.binary(op, Float32Array.of(s), [1], x, [x.length], g2, [x.length]);
          for (let i = 0; i < x.length; i++) {
            same(g1[i]!, w1[i]!, `${op}(${show(x[i]!)}, ${show(s)}) [${v.label}, scalar b]`);
            same(g2[i]!, w2[i]!, `${op}(${show(s)}, ${show(x[i]!)}) [${v.label}, scalar a]`);
          }
        }
      }
    });

    it(`reductions [${v.label}]`, () => {
      v.enter();
      // Rows: each special value among ordinary ones, at a vector position and in the tail.
      const cols = 37;
      const rows = SPECIAL.length * 2;
      const data = new Float32Array(rows * cols).fill(0.75);
      SPECIAL.forEach((s, r) => { data[r * cols + 3] = s; data[(SPECIAL.length + r) * cols + cols - 1] = s; });
      for (const op of REDUCE_OPS) {
        for (const [shape, axes, outLen] of [[[rows, cols], [1], rows], [[2, SPECIAL.length, cols], [1], 2 * cols]] as const) {
          const want = new Float32Array(outLen), got = new Float32Array(outLen);
          ref.reduce(op, data, [...shape], [...axes], want);
          v.kernels.reduce(op, data, [...shape], [...axes], got);
          for (let i = 0; i < outLen; i++) same(got[i]!, want[i]!, `${op} over axis 1 of [${shape.join(', ')}] at ${i} [${v.label}]`);
        }
        for (let r = 0; r < 2; r++) {
          const got = new Float32Array(rows);
          v.kernels.reduce(op, data, [rows, cols], [1], got);
          const nanRow = (r === 0 ? 0 : SPECIAL.length);
          assert.ok(Number.isNaN(got[nanRow]!), `${op} of a row holding NaN [${v.label}] = ${got[nanRow]}: NaN must propagate`);
        }
      }
    });

    it(`argmax and argmin pick NaN [${v.label}]`, () => {
      v.enter();
      const row = Float32Array.of(1, NaN, 5, NaN, -5);
      const idx = new Int32Array(1);
      v.kernels.argReduce('argmax', row, [5], 0, idx);
      assert.equal(idx[0], 1, `argmax of [1, NaN, 5, NaN, -5] [${v.label}]`);
      v.kernels.argReduce('argmin', row, [5], 0, idx);
      assert.equal(idx[0], 1, `argmin of [1, NaN, 5, NaN, -5] [${v.label}]`);
    });

    it(`max and average pooling and convolution propagate NaN [${v.label}]`, () => {
      v.enter();
      // One 4×4 image, 2 channels; NaN at a window's first tap (channel 0) and last tap (channel 1).
      const x = new Float32Array(32).map((_, i) => (i % 7) - 3);
      x[0] = NaN; x[2 * (1 * 4 + 3) + 1] = NaN;
      const pool = conv2dGeometry({ batch: 1, inH: 4, inW: 4, inC: 2, outC: 2, kernelSize: [2, 2], strides: [2, 2], dilationRate: [1, 1], padding: 'valid' });
      for (const op of ['max', 'avg'] as const) {
        const out = new Float32Array(8);
        v.kernels.pool2d(op, x, out, pool);
        assert.ok(Number.isNaN(out[0]!), `${op} pool, NaN at the first tap [${v.label}]: ${out[0]}`);
        assert.ok(Number.isNaN(out[2 * 1 + 1]!), `${op} pool, NaN at the last tap [${v.label}]: ${out[3]}`);
        assert.equal(out.filter(Number.isNaN).length, 2, `${op} pool: only the windows holding NaN [${v.label}]`);
      }
      const conv = conv2dGeometry({ batch: 1, inH: 4, inW: 4, inC: 2, outC: 3, kernelSize: [3, 3], strides: [1, 1], dilationRate: [1, 1], padding: 'valid' });
      const out = new Float32Array(2 * 2 * 3);
      v.kernels.conv2d(x, new Float32Array(3 * 3 * 2 * 3).fill(0.5), out, conv);
      assert.ok(Number.isNaN(out[0]!), `conv2d output over a NaN input [${v.label}]: ${out[0]}`);
    });

    it(`denormals are kept, not flushed to zero [${v.label}]`, () => {
      v.enter();
      const d = layout([f32(1e-40), f32(-1e-40), f32(1.4e-45), f32(1e-39), f32(-1.1e-38)]);
      const one = (op: 'mul' | 'add', s: number): Float32Array => {
        const o = new Float32Array(d.length);
        v.kernels.binary(op, d, [d.length], Float32Array.of(s), [1], o, [d.length]);
        return o;
      };
      const relu = new Float32Array(d.length), neg = new Float32Array(d.length);
      v.kernels.unary('relu', d, relu, 0);
      v.kernels.unary('neg', d, neg, 0);
      const dot = new Float32Array(1);
      v.kernels.matmul(d, new Float32Array(d.length).fill(1), dot, 1, 1, d.length, false, false, false);
      assert.deepEqual([...one('mul', 1)], [...d], `x·1 keeps denormals [${v.label}]`);
      assert.deepEqual([...one('add', 0)], [...d], `x+0 keeps denormals [${v.label}]`);
      assert.deepEqual([...neg], [...d].map((e) => -e), `−x keeps denormals [${v.label}]`);
      assert.deepEqual([...relu], [...d].map((e) => (e > 0 ? e : 0)), `relu keeps denormals [${v.label}]`);
      assert.ok(dot[0] !== 0 && Math.abs(dot[0]! - d.reduce((a, b) => a + b, 0)) < 1e-45 * d.length, `a dot product of denormals is not 0 [${v.label}]: ${dot[0]}`);
    });

    it(`softmax and log-softmax, incl. logits near ±1e30 [${v.label}]`, () => {
      v.enter();
      for (const row of SOFTMAX_ROWS) {
        for (const log of [false, true]) {
          const want = softmaxTruth(row, log);
          const got = new Float32Array(row.length);
          v.kernels.softmax(Float32Array.from(row), got, 1, row.length, log);
          for (let i = 0; i < row.length; i++) same(got[i]!, want[i]!, `${log ? 'logSoftmax' : 'softmax'}([${row.map(show).join(', ')}])[${i}] [${v.label}]`);
        }
      }
    });
  }
});
