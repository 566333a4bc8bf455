/**
 * The Kernels table of the WASM backend: marshals Float32Arrays in and out of the
 * arena and calls the compiled kernels (the native backend's C++ source built for wasm32,
 * wasm/src/kernels.cc), which know every op of the op table (src/backend/ops.ts) by the
 * same codes. Shape patterns the compiled code does not take (broadcasts other than same
 * shape / scalar / row / column, reductions over non-adjacent axes, empty reductions) are
 * forwarded to the reference js kernels, which work on the same memory. Convolution and
 * pooling kernels are in conv-kernels.ts.
 */
import type { BinaryOp, F32, Kernels, ReduceOp, UnaryOp } from '../kernels.js';
import { OUTPUT_DIFFERENTIABLE } from '../kernels.js';
import { checkDropout } from '../js/dropout.js';
import { BINARY_OPS, LOSS_OPS, OPTIMIZER_RULES, OPTIMIZER_RULE_TABLE, REDUCE_OPS, REDUCE_OP_TABLE, UNARY_OPS, UNARY_OP_TABLE, opCode } from '../ops.js';
import { findBackend } from '../registry.js';
import type { Shape } from '../../tensor/shape.js';
import { ELEMENTWISE_CHUNK, type WasmArena } from './instance.js';
import type { GemmThreadPool } from './threads.js';
import { createWasmConvKernels } from './conv-kernels.js';

/** |x| from which WASM's sin/cos leave the argument to Math.sin / Math.cos (see fixLargeTrig). */
const TRIG_EXACT_BELOW = 2 ** 20;

/** Kernels this backend leaves to the reference js backend entirely (data movement: a copy into linear memory costs as much as the JS loop). */
export const WASM_FALLBACK_KERNELS: readonly string[] = ['argReduce', 'transpose', 'slice', 'gather', 'scatterAdd', 'concat', 'conv2dBiasActPoolBackprop'];

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

  // WASM has no libm: its sin and cos (wasm/src/libm.h) reduce the argument by π/2 in double,
  // exact below 2^20; the rare larger arguments are recomputed here with Math.sin / Math.cos
  // (Payne–Hanek reduction), so every backend gives the reference's value for any float.
  const fixLargeTrig = (op: UnaryOp, x: F32, out: F32, dy: F32 | null, bias: F32 | null, cols: number): void => {
    if (op !== 'sin' && op !== 'cos') return;
    for (let i = 0; i < out.length; i++) {
      const v = bias ? Math.fround(x[i]! + bias[i % cols]!) : x[i]!;
      if (!(Math.abs(v) >= TRIG_EXACT_BELOW)) continue;
      if (dy) out[i] = dy[i]! * (op === 'sin' ? Math.cos(v) : -Math.sin(v));
      else out[i] = op === 'sin' ? Math.sin(v) : Math.cos(v);
    }
  };

  // Elementwise kernels stream through linear memory in chunks, so applying one to a whole
  // data set does not grow (and, wasm memory never shrinking, keep) hundreds of MB.
  const unary: Kernels['unary'] = (op, x, out, alpha) => {
    const code = opCode(UNARY_OPS, op);
    const n = x.length;
    for (let start = 0; start < n; start += ELEMENTWISE_CHUNK) {
      const len = Math.min(ELEMENTWISE_CHUNK, n - start);
      arena.begin(len, len);
      const px = arena.put(x.subarray(start, start + len), len);
      const po = arena.alloc(len);
      ex.unary(code, px, po, len, alpha);
      arena.get(po, out.subarray(start, start + len), len);
    }
    fixLargeTrig(op, x, out, null, null, 1);
  };

  const unaryBackward: Kernels['unaryBackward'] = (op, x, y, dy, out, alpha) => {
    const code = opCode(UNARY_OPS, op);
    const n = dy.length;
    // Copy only what the derivative reads (the op table says which).
    const reads = UNARY_OP_TABLE[op].reads;
    const readsX = reads.includes('x'), readsY = reads.includes('y');
    for (let start = 0; start < n; start += ELEMENTWISE_CHUNK) {
      const len = Math.min(ELEMENTWISE_CHUNK, n - start);
      arena.begin(readsX ? len : 0, readsY ? len : 0, len, len);
      const px = readsX ? arena.put(x.subarray(start, start + len), len) : 0;
      const py = readsY ? arena.put(y.subarray(start, start + len), len) : 0;
      const pdy = arena.put(dy.subarray(start, start + len), len);
      const po = arena.alloc(len);
      ex.unary_backward(code, px, py, pdy, po, len, alpha);
      arena.get(po, out.subarray(start, start + len), len);
    }
    fixLargeTrig(op, x, out, dy, null, 1);
  };

  const binary: Kernels['binary'] = (op: BinaryOp, a, aShape, b, bShape, out, outShape) => {
    const code = opCode(BINARY_OPS, op);
    const plan = planBinary(aShape, bShape, outShape);
    if (plan === null) return reference().binary(op, a, aShape, b, bShape, out, outShape);
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

  // Streams x through linear memory in blocks of at most ELEMENTWISE_CHUNK values, so a
  // reduction over a whole data set (fit's finiteness check over 60,000 images) keeps memory
  // bounded: blocks of whole outer rows, or, when one row is larger, blocks of the reduced
  // axis combined in double here (sums) or by the op itself (max, min, prod).
  const reduce: Kernels['reduce'] = (op: ReduceOp, x, shape, axes, out) => {
    const code = opCode(REDUCE_OPS, op);
    const first = axes[0] ?? 0;
    const last = axes[axes.length - 1] ?? -1;
    const adjacent = axes.length > 0 && last - first === axes.length - 1;
    const outer = product(shape.slice(0, first));
    const mid = product(shape.slice(first, last + 1));
    const inner = product(shape.slice(last + 1));
    if (outer * inner === 0) return;
    if (mid === 0) {
      out.fill(REDUCE_OP_TABLE[op].identity, 0, outer * inner);
      return;
    }
    if (!adjacent || (inner > ELEMENTWISE_CHUNK && mid > 1)) return reference().reduce(op, x, shape, axes, out);
    const run = (src: F32, o: number, m: number, dst: F32): void => {
      arena.begin(o * m * inner, o * inner);
      const px = arena.put(src, o * m * inner);
      const po = arena.alloc(o * inner);
      ex.reduce(code, px, o, m, inner, po);
      arena.get(po, dst, o * inner);
    };
    const rowSize = mid * inner;
    if (rowSize <= ELEMENTWISE_CHUNK) {
      const rowsPerBlock = Math.max(1, Math.floor(ELEMENTWISE_CHUNK / rowSize));
      for (let o0 = 0; o0 < outer; o0 += rowsPerBlock) {
        const o1 = Math.min(outer, o0 + rowsPerBlock);
        run(x.subarray(o0 * rowSize, o1 * rowSize), o1 - o0, mid, out.subarray(o0 * inner, o1 * inner));
      }
      return;
    }
    const midPerBlock = Math.max(1, Math.floor(ELEMENTWISE_CHUNK / inner));
    const part = new Float32Array(inner);
    const acc = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      for (let m0 = 0; m0 < mid; m0 += midPerBlock) {
        const m1 = Math.min(mid, m0 + midPerBlock);
        run(x.subarray(o * rowSize + m0 * inner, o * rowSize + m1 * inner), 1, m1 - m0, part);
        if (m0 === 0) acc.set(part);
        else if (op === 'sum') for (let i = 0; i < inner; i++) acc[i]! += part[i]!;
        else if (op === 'prod') for (let i = 0; i < inner; i++) acc[i]! *= part[i]!;
        else if (op === 'max') for (let i = 0; i < inner; i++) acc[i] = Math.max(acc[i]!, part[i]!);
        else for (let i = 0; i < inner; i++) acc[i] = Math.min(acc[i]!, part[i]!);
      }
      out.set(acc, o * inner);
    }
  };

  /** Calls fn on blocks of whole rows of at most ELEMENTWISE_CHUNK values (at least one row). */
  const rowBlocks = (rows: number, cols: number, fn: (r0: number, r1: number) => void): void => {
    const per = Math.max(1, Math.floor(ELEMENTWISE_CHUNK / Math.max(cols, 1)));
    for (let r0 = 0; r0 < rows; r0 += per) fn(r0, Math.min(rows, r0 + per));
  };

  const softmax: Kernels['softmax'] = (x, out, rows, cols, log) => {
    if (rows * cols === 0) return;
    rowBlocks(rows, cols, (r0, r1) => {
      const n = (r1 - r0) * cols;
      arena.begin(n, n);
      const px = arena.put(x.subarray(r0 * cols, r1 * cols), n);
      const po = arena.alloc(n);
      ex.softmax(px, po, r1 - r0, cols, log ? 1 : 0);
      arena.get(po, out.subarray(r0 * cols, r1 * cols), n);
    });
  };

  const biasAct: Kernels['biasAct'] = (x, bias: F32 | null, act: UnaryOp, alpha, out, rows, cols) => {
    const code = opCode(UNARY_OPS, act);
    if (rows * cols === 0) return;
    rowBlocks(rows, cols, (r0, r1) => {
      const n = (r1 - r0) * cols;
      arena.begin(n, cols, n);
      const px = arena.put(x.subarray(r0 * cols, r1 * cols), n);
      const pbias = bias ? arena.put(bias, cols) : 0;
      const po = arena.alloc(n);
      ex.bias_act(px, pbias, code, alpha, po, r1 - r0, cols);
      arena.get(po, out.subarray(r0 * cols, r1 * cols), n);
    });
    fixLargeTrig(act, x.subarray(0, rows * cols), out.subarray(0, rows * cols), null, bias, cols);
  };

  const biasActBackward: Kernels['biasActBackward'] = (y, dy, act, alpha, dz, dbias, rows, cols) => {
    if (!OUTPUT_DIFFERENTIABLE.has(act)) return reference().biasActBackward(y, dy, act, alpha, dz, dbias, rows, cols);
    const code = opCode(UNARY_OPS, act);
    if (rows * cols === 0) {
      dbias?.fill(0, 0, cols);
      return;
    }
    const total = dbias ? new Float64Array(cols) : null;
    rowBlocks(rows, cols, (r0, r1) => {
      const n = (r1 - r0) * cols;
      arena.begin(n, n, n, dbias ? cols : 0);
      const py = arena.put(y.subarray(r0 * cols, r1 * cols), n);
      const pdy = arena.put(dy.subarray(r0 * cols, r1 * cols), n);
      const pdz = arena.alloc(n);
      const pdb = dbias ? arena.alloc(cols) : 0;
      ex.bias_act_backward(py, pdy, code, alpha, pdz, pdb, r1 - r0, cols);
      arena.get(pdz, dz.subarray(r0 * cols, r1 * cols), n);
      if (total && dbias) {
        arena.get(pdb, dbias, cols);
        for (let c = 0; c < cols; c++) total[c]! += dbias[c]!;
      }
    });
    if (total && dbias) dbias.set(total);
  };

  // Chunk by chunk like the elementwise kernels; the chunks' sums are added in double.
  const pointwiseLoss: Kernels['pointwiseLoss'] = (op, pred, target, sum, grad, scale) => {
    const code = opCode(LOSS_OPS, op);
    const n = pred.length;
    let total = 0;
    for (let start = 0; start < n; start += ELEMENTWISE_CHUNK) {
      const len = Math.min(ELEMENTWISE_CHUNK, n - start);
      arena.begin(len, len, grad ? len : 0, 1);
      const pp = arena.put(pred.subarray(start, start + len), len);
      const pt = arena.put(target.subarray(start, start + len), len);
      const pg = grad ? arena.alloc(len) : 0;
      const ps = arena.alloc(1);
      ex.pointwise_loss(code, pp, pt, ps, pg, len, scale);
      if (grad) arena.get(pg, grad.subarray(start, start + len), len);
      arena.get(ps, sum, 1);
      total += sum[0]!;
    }
    sum[0] = total;
  };

  // Batch normalization on whole tensors (its statistics span every row).
  const batchNormStats: Kernels['batchNormStats'] = (x, mean, variance, rows, cols) => {
    if (cols === 0) return;
    const n = rows * cols;
    arena.begin(n, cols, cols);
    const px = arena.put(x, n), pm = arena.alloc(cols), pv = arena.alloc(cols);
    ex.batch_norm_stats(px, pm, pv, rows, cols);
    arena.get(pm, mean, cols);
    arena.get(pv, variance, cols);
  };
  const batchNorm: Kernels['batchNorm'] = (x, gamma, beta, mean, variance, y, rows, cols, epsilon) => {
    const n = rows * cols;
    if (n === 0) return;
    arena.begin(n, cols, cols, cols, cols, n);
    const px = arena.put(x, n), pg = gamma ? arena.put(gamma, cols) : 0, pb = beta ? arena.put(beta, cols) : 0;
    const pm = arena.put(mean, cols), pv = arena.put(variance, cols), py = arena.alloc(n);
    ex.batch_norm(px, pg, pb, pm, pv, py, rows, cols, epsilon);
    arena.get(py, y, n);
  };
  const batchNormBackward: Kernels['batchNormBackward'] = (dy, x, gamma, mean, variance, dx, dgamma, dbeta, rows, cols, epsilon, training) => {
    if (cols === 0) return;
    const n = rows * cols;
    arena.begin(n, n, cols, cols, cols, dx ? n : 0, dgamma ? cols : 0, dbeta ? cols : 0);
    const pdy = arena.put(dy, n), px = arena.put(x, n), pg = gamma ? arena.put(gamma, cols) : 0;
    const pm = arena.put(mean, cols), pv = arena.put(variance, cols);
    const pdx = dx ? arena.alloc(n) : 0, pdg = dgamma ? arena.alloc(cols) : 0, pdb = dbeta ? arena.alloc(cols) : 0;
    ex.batch_norm_backward(pdy, px, pg, pm, pv, pdx, pdg, pdb, rows, cols, epsilon, training ? 1 : 0);
    if (dx) arena.get(pdx, dx, n);
    if (dgamma) arena.get(pdg, dgamma, cols);
    if (dbeta) arena.get(pdb, dbeta, cols);
  };

  const optimizerStep: Kernels['optimizerStep'] = (rule, w, g, slots, h) => {
    const code = opCode(OPTIMIZER_RULES, rule);
    const need = OPTIMIZER_RULE_TABLE[rule].slots.length;
    if (slots.length < need) throw new Error(`optimizerStep: rule '${rule}' needs ${need} state arrays, got ${slots.length}`);
    const n = w.length;
    for (let start = 0; start < n; start += ELEMENTWISE_CHUNK) {
      const len = Math.min(ELEMENTWISE_CHUNK, n - start);
      arena.begin(len, len, ...slots.slice(0, need).map(() => len), h.length);
      const pw = arena.put(w.subarray(start, start + len), len);
      const pg = arena.put(g.subarray(start, start + len), len);
      const ps = slots.slice(0, need).map((s) => arena.put(s.subarray(start, start + len), len));
      const ph = arena.put(Float32Array.from(h), h.length);
      ex.optimizer_step(code, pw, pg, ps[0] ?? 0, ps[1] ?? 0, ps[2] ?? 0, ph, 0, h.length, len);
      arena.get(pw, w.subarray(start, start + len), len);
      ps.forEach((p, i) => arena.get(p, slots[i]!.subarray(start, start + len), len));
    }
  };

  // Chunk by chunk; each chunk is told where it starts in the stream, so the mask is the whole tensor's.
  const dropout: Kernels['dropout'] = (x, key, rate, out) => {
    checkDropout(x, key, rate, out);
    const n = x.length;
    for (let start = 0; start < n; start += ELEMENTWISE_CHUNK) {
      const len = Math.min(ELEMENTWISE_CHUNK, n - start);
      arena.begin(len, len, 2);
      const px = arena.put(x.subarray(start, start + len), len), po = arena.alloc(len), pk = arena.alloc(2);
      arena.putInt32([key[0]!, key[1]!], pk);
      ex.dropout(px, po, len, start, pk, rate);
      arena.get(po, out.subarray(start, start + len), len);
    }
  };

  return {
    matmul, unary, unaryBackward, binary, reduce, softmax, biasAct, biasActBackward, pointwiseLoss, optimizerStep,
    batchNormStats, batchNorm, batchNormBackward, dropout,
    ...createWasmConvKernels(arena),
  };
}
