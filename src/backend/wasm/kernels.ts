/**
 * The Kernels table of the WASM backend: marshals Float32Arrays in and out of the
 * arena and calls the SIMD kernels. Cases the compiled code does not cover (ops such
 * as gelu or pow, general broadcasting, prod, reductions over non-adjacent axes) are
 * forwarded to the reference js kernels, which work on the same memory.
 */
import type { BinaryOp, F32, Kernels, ReduceOp, UnaryOp } from '../kernels.js';
import { OUTPUT_DIFFERENTIABLE } from '../kernels.js';
import { findBackend } from '../registry.js';
import type { Shape } from '../../tensor/shape.js';
import { BINARY_CODES, GRAD_CODES, GRAD_READS_X, REDUCE_CODES, UNARY_CODES } from './opcodes.js';
import type { WasmArena } from './instance.js';
import type { GemmThreadPool } from './threads.js';

/** Kernels this backend leaves to the reference js backend entirely. */
export const WASM_FALLBACK_KERNELS: readonly string[] = [
  'argReduce', 'transpose', 'slice', 'gather', 'scatterAdd', 'concat', 'optimizerStep',
  'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'pool2d', 'pool2dBackward',
];

function reference(): Kernels {
  const js = findBackend('js');
  if (!js) throw new Error('wasm backend: the reference js backend must be registered for ops the wasm kernels do not cover');
  return js.kernels as Kernels;
}

function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** How one binary operand is addressed on the rows×cols grid: (row step, column step). */
interface BinaryPlan { rows: number; cols: number; a: [number, number]; b: [number, number] }

/**
 * Maps a broadcast onto the kernel's grid: same shape, scalar, row vector (trailing
 * dims match) or column vector (leading dims match) against a full operand.
 */
export function planBinary(aShape: Shape, bShape: Shape, outShape: Shape): BinaryPlan | null {
  const size = product(outShape);
  const sa = product(aShape);
  const sb = product(bShape);
  const fullA = sa === size;
  const fullB = sb === size;
  if (fullA && fullB) return { rows: 1, cols: size, a: [1, 1], b: [1, 1] };
  if (fullA && sb === 1) return { rows: 1, cols: size, a: [1, 1], b: [0, 0] };
  if (fullB && sa === 1) return { rows: 1, cols: size, a: [0, 0], b: [1, 1] };
  if (fullA) {
    const g = vectorGrid(bShape, outShape, size);
    return g && { rows: g.rows, cols: g.cols, a: [1, 1], b: g.steps };
  }
  if (fullB) {
    const g = vectorGrid(aShape, outShape, size);
    return g && { rows: g.rows, cols: g.cols, a: g.steps, b: [1, 1] };
  }
  return null;
}

function vectorGrid(shape: Shape, outShape: Shape, size: number): { rows: number; cols: number; steps: [number, number] } | null {
  const rank = outShape.length;
  const p = new Array<number>(rank - shape.length).fill(1).concat(shape);
  const first = p.findIndex((d) => d !== 1);
  let last = rank - 1;
  while (last >= 0 && p[last] === 1) last--;
  if (first < 0) return null;
  const rowTail = p.slice(first).every((d, i) => d === outShape[first + i]);
  if (rowTail) {
    const cols = product(outShape.slice(first));
    return { rows: size / cols, cols, steps: [0, 1] };
  }
  const colHead = p.slice(0, last + 1).every((d, i) => d === outShape[i]);
  if (colHead) {
    const rows = product(outShape.slice(0, last + 1));
    return { rows, cols: size / rows, steps: [1, 0] };
  }
  return null;
}

/** Elements per pass of the elementwise kernels through linear memory (4 MiB per buffer). */
export const ELEMENTWISE_CHUNK = 1 << 20;

/** Below this many flops a GEMM runs on the calling thread: waking workers costs tens of microseconds. */
export const THREADED_GEMM_MIN_FLOPS = 4e6;

/** The GEMM worker pool, if any; read on every matmul so stopping the pool takes effect at once. */
export interface PoolHolder { pool: GemmThreadPool | null }

export function createWasmKernels(arena: WasmArena, threads: PoolHolder = { pool: null }): Partial<Kernels> {
  const ex = arena.exports;

  const matmul: Kernels['matmul'] = (a, b, out, m, n, k, transA, transB, accumulate) => {
    if (m * n === 0) return;
    arena.begin(m * k, k * n, m * n);
    const pa = arena.put(a, m * k);
    const pb = arena.put(b, k * n);
    const pc = accumulate ? arena.put(out, m * n) : arena.alloc(m * n);
    const args = [pa, pb, pc, m, n, k, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0] as const;
    const pool = threads.pool;
    if (pool && 2 * m * n * k >= THREADED_GEMM_MIN_FLOPS && m >= 8 * pool.threads) pool.gemm(...args);
    else ex.sgemm(...args);
    arena.get(pc, out, m * n);
  };

  // Elementwise kernels stream through linear memory in chunks, so applying one to a whole
  // data set does not grow (and, wasm memory never shrinking, keep) hundreds of MB.
  const unary: Kernels['unary'] = (op, x, out, alpha) => {
    const code = UNARY_CODES[op];
    if (code === undefined) return reference().unary(op, x, out, alpha);
    const n = x.length;
    for (let start = 0; start < n; start += ELEMENTWISE_CHUNK) {
      const len = Math.min(ELEMENTWISE_CHUNK, n - start);
      arena.begin(len, len);
      const px = arena.put(x.subarray(start, start + len), len);
      const po = arena.alloc(len);
      ex.unary(code, px, po, len, alpha);
      arena.get(po, out.subarray(start, start + len), len);
    }
  };

  const unaryBackward: Kernels['unaryBackward'] = (op, x, y, dy, out, alpha) => {
    const code = GRAD_CODES[op];
    if (code === undefined) return reference().unaryBackward(op, x, y, dy, out, alpha);
    const n = dy.length;
    const v = GRAD_READS_X.has(op) ? x : y; // the only one of x, y the derivative reads
    for (let start = 0; start < n; start += ELEMENTWISE_CHUNK) {
      const len = Math.min(ELEMENTWISE_CHUNK, n - start);
      arena.begin(len, len, len);
      const pv = arena.put(v.subarray(start, start + len), len);
      const pdy = arena.put(dy.subarray(start, start + len), len);
      const po = arena.alloc(len);
      ex.unary_backward(code, pv, pv, pdy, po, len, alpha);
      arena.get(po, out.subarray(start, start + len), len);
    }
  };

  const binary: Kernels['binary'] = (op: BinaryOp, a, aShape, b, bShape, out, outShape) => {
    const code = BINARY_CODES[op];
    const plan = code === undefined ? null : planBinary(aShape, bShape, outShape);
    if (code === undefined || plan === null) return reference().binary(op, a, aShape, b, bShape, out, outShape);
    const { rows, cols } = plan;
    if (rows * cols === 0) return;
    const run = (a0: F32, b0: F32, o0: F32, r: number, c: number): void => {
      arena.begin(a0.length, b0.length, r * c);
      const pa = arena.put(a0, a0.length);
      const pb = arena.put(b0, b0.length);
      const po = arena.alloc(r * c);
      ex.binary(code, pa, plan.a[0], plan.a[1], pb, plan.b[0], plan.b[1], po, r, c);
      arena.get(po, o0, r * c);
    };
    const sizeA = product(aShape);
    const sizeB = product(bShape);
    if (rows === 1) {
      // One long row: operands are full (column step 1) or scalars.
      for (let c0 = 0; c0 < cols; c0 += ELEMENTWISE_CHUNK) {
        const c1 = Math.min(cols, c0 + ELEMENTWISE_CHUNK);
        const part = (v: F32, size: number, colStep: number): F32 => (colStep ? v.subarray(c0, c1) : v.subarray(0, size));
        run(part(a, sizeA, plan.a[1]), part(b, sizeB, plan.b[1]), out.subarray(c0, c1), 1, c1 - c0);
      }
      return;
    }
    const rowsPerChunk = Math.max(1, Math.floor(ELEMENTWISE_CHUNK / cols));
    for (let r0 = 0; r0 < rows; r0 += rowsPerChunk) {
      const r1 = Math.min(rows, r0 + rowsPerChunk);
      const part = (v: F32, size: number, [rowStep, colStep]: [number, number]): F32 =>
        !rowStep ? v.subarray(0, size) : colStep ? v.subarray(r0 * cols, r1 * cols) : v.subarray(r0, r1);
      run(part(a, sizeA, plan.a), part(b, sizeB, plan.b), out.subarray(r0 * cols, r1 * cols), r1 - r0, cols);
    }
  };

  const reduce: Kernels['reduce'] = (op: ReduceOp, x, shape, axes, out) => {
    const code = REDUCE_CODES[op];
    const first = axes[0] ?? 0;
    const last = axes[axes.length - 1] ?? -1;
    const adjacent = axes.length > 0 && last - first === axes.length - 1;
    const outer = product(shape.slice(0, first));
    const mid = product(shape.slice(first, last + 1));
    const inner = product(shape.slice(last + 1));
    if (code === undefined || !adjacent || mid === 0 || outer * inner === 0) {
      return reference().reduce(op, x, shape, axes, out);
    }
    const n = outer * mid * inner;
    arena.begin(n, outer * inner, 2 * (inner + 8));
    const px = arena.put(x, n);
    const po = arena.alloc(outer * inner);
    const pacc = arena.alloc(2 * (inner + 8));
    ex.reduce(code, px, outer, mid, inner, po, pacc);
    arena.get(po, out, outer * inner);
  };

  const softmax: Kernels['softmax'] = (x, out, rows, cols, log) => {
    const n = rows * cols;
    if (n === 0) return;
    arena.begin(n, n);
    const px = arena.put(x, n);
    const po = arena.alloc(n);
    ex.softmax(px, po, rows, cols, log ? 1 : 0);
    arena.get(po, out, n);
  };

  const biasAct: Kernels['biasAct'] = (x, bias: F32 | null, act: UnaryOp, alpha, out, rows, cols) => {
    const code = UNARY_CODES[act];
    if (code === undefined) return reference().biasAct(x, bias, act, alpha, out, rows, cols);
    const n = rows * cols;
    if (n === 0) return;
    arena.begin(n, cols, n);
    const px = arena.put(x, n);
    const pbias = bias ? arena.put(bias, cols) : 0;
    const po = arena.alloc(n);
    ex.bias_act(px, pbias, code, alpha, po, rows, cols);
    arena.get(po, out, n);
  };

  const biasActBackward: Kernels['biasActBackward'] = (y, dy, act, alpha, dz, dbias, rows, cols) => {
    const code = UNARY_CODES[act];
    if (code === undefined || !OUTPUT_DIFFERENTIABLE.has(act)) {
      return reference().biasActBackward(y, dy, act, alpha, dz, dbias, rows, cols);
    }
    const n = rows * cols;
    if (n === 0) {
      dbias?.fill(0, 0, cols);
      return;
    }
    arena.begin(n, n, n, cols, 2 * (cols + 8));
    const py = arena.put(y, n);
    const pdy = arena.put(dy, n);
    const pdz = arena.alloc(n);
    const pdb = dbias ? arena.alloc(cols) : 0;
    const pacc = arena.alloc(2 * (cols + 8));
    ex.bias_act_backward(py, pdy, code, alpha, pdz, pdb, pacc, rows, cols);
    arena.get(pdz, dz, n);
    if (dbias) arena.get(pdb, dbias, cols);
  };

  return { matmul, unary, unaryBackward, binary, reduce, softmax, biasAct, biasActBackward };
}
