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
export const WASM_FALLBACK_KERNELS: readonly string[] = ['argReduce', 'transpose', 'slice', 'gather', 'scatterAdd', 'concat'];

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

  const unary: Kernels['unary'] = (op, x, out, alpha) => {
    const code = UNARY_CODES[op];
    if (code === undefined) return reference().unary(op, x, out, alpha);
    const n = x.length;
    if (n === 0) return;
    arena.begin(n, n);
    const px = arena.put(x, n);
    const po = arena.alloc(n);
    ex.unary(code, px, po, n, alpha);
    arena.get(po, out, n);
  };

  const unaryBackward: Kernels['unaryBackward'] = (op, x, y, dy, out, alpha) => {
    const code = GRAD_CODES[op];
    if (code === undefined) return reference().unaryBackward(op, x, y, dy, out, alpha);
    const n = dy.length;
    if (n === 0) return;
    const readsX = GRAD_READS_X.has(op);
    arena.begin(n, n, n);
    const pv = arena.put(readsX ? x : y, n); // the only one of x, y the derivative reads
    const pdy = arena.put(dy, n);
    const po = arena.alloc(n);
    ex.unary_backward(code, pv, pv, pdy, po, n, alpha);
    arena.get(po, out, n);
  };

  const binary: Kernels['binary'] = (op: BinaryOp, a, aShape, b, bShape, out, outShape) => {
    const code = BINARY_CODES[op];
    const plan = code === undefined ? null : planBinary(aShape, bShape, outShape);
    if (code === undefined || plan === null) return reference().binary(op, a, aShape, b, bShape, out, outShape);
    const size = plan.rows * plan.cols;
    if (size === 0) return;
    const na = product(aShape);
    const nb = product(bShape);
    arena.begin(na, nb, size);
    const pa = arena.put(a, na);
    const pb = arena.put(b, nb);
    const po = arena.alloc(size);
    ex.binary(code, pa, plan.a[0], plan.a[1], pb, plan.b[0], plan.b[1], po, plan.rows, plan.cols);
    arena.get(po, out, size);
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
