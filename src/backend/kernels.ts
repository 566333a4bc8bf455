/**
 * The kernel interface every backend implements.
 *
 * Kernels are the small set of primitives the rest of deepts is written against
 * (tinygrad / tfjs-core style): they read and write plain typed arrays in
 * row-major order, never allocate their outputs and never keep references, so a
 * native addon can work zero-copy on the same memory. Shapes are passed
 * explicitly. Gradients live one layer up (src/autograd) and are written in
 * terms of these same kernels, so a backend gets training for free.
 *
 * A backend may leave a kernel out; the registry then uses the reference (js)
 * kernel, which works on the same memory. `test/backend-conformance.test.ts`
 * checks every registered backend against the reference one.
 */
import type { Shape } from '../tensor/shape.js';
import type { Conv2DGeometry } from './conv-geometry.js';

export type { Conv2DGeometry } from './conv-geometry.js';

export type F32 = Float32Array;

export { UNARY_OPS, BINARY_OPS, REDUCE_OPS, OPTIMIZER_RULES, POOL_OPS, LOSS_OPS, OUTPUT_DIFFERENTIABLE } from './ops.js';
export type { UnaryOp, BinaryOp, ReduceOp, OptimizerRule, PoolOp, LossOp } from './ops.js';
import type { UnaryOp, BinaryOp, ReduceOp, OptimizerRule, PoolOp, LossOp } from './ops.js';

/*
 * The ops themselves (names, codes, what each backward pass reads) are in the op table,
 * src/backend/ops.ts. `alpha` is the parameter of leakyRelu / elu; binary ops broadcast as
 * NumPy and comparisons give 1 or 0.
 *
 * Optimizer update rules (Keras 3), with their state arrays and per-step hyper-parameters h:
 *   sgd      []            [lr]
 *   momentum [m]           [lr, momentum]
 *   nesterov [m]           [lr, momentum]
 *   adam     [m, v]        [alpha = lr·√(1−β2ᵗ)/(1−β1ᵗ), β1, β2, ε]
 *   amsgrad  [m, v, v̂]     as adam
 *   adamax   [m, u]        [lr/(1−β1ᵗ), β1, β2, ε]
 *   rmsprop  [v, m, a]     [lr, ρ, momentum, ε, centered ? 1 : 0]
 *   adagrad  [accumulator] [lr, ε]
 */


export interface Kernels {
  /**
   * out[m×n] = op(A) · op(B), op(A) is m×k, op(B) is k×n.
   * A is stored m×k (k×m when transA); B is stored k×n (n×k when transB).
   * When `accumulate` is true, out += product instead of out = product.
   */
  matmul(a: F32, b: F32, out: F32, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void;

  /** out[i] = f(x[i]); x and out may be the same array (in place). */
  unary(op: UnaryOp, x: F32, out: F32, alpha: number): void;

  /**
   * out[i] = dy[i] · f'(x[i]). `y` = f(x) is given so kernels may use whichever is cheaper;
   * for ops in OUTPUT_DIFFERENTIABLE only `y` is read (x may be an empty array).
   */
  unaryBackward(op: UnaryOp, x: F32, y: F32, dy: F32, out: F32, alpha: number): void;

  /** out = a ∘ b with broadcasting; outShape is the broadcast of aShape and bShape (already checked). */
  binary(op: BinaryOp, a: F32, aShape: Shape, b: F32, bShape: Shape, out: F32, outShape: Shape): void;

  /** Reduce x over `axes` (sorted, unique, non-empty). out has the shape of x without those axes. */
  reduce(op: ReduceOp, x: F32, shape: Shape, axes: readonly number[], out: F32): void;

  /** Index of the max (or min) along `axis`; out has the shape without that axis. Ties: first index. */
  argReduce(op: 'argmax' | 'argmin', x: F32, shape: Shape, axis: number, out: Int32Array): void;

  /** out = x permuted by perm (out.shape[i] = shape[perm[i]]). */
  transpose(x: F32, shape: Shape, perm: readonly number[], out: F32): void;

  /** out = x[begin : begin + size] per axis. */
  slice(x: F32, shape: Shape, begin: readonly number[], size: readonly number[], out: F32): void;

  /** out = x taken at `indices` along `axis` (indices already range-checked). */
  gather(x: F32, shape: Shape, indices: Int32Array, axis: number, out: F32): void;

  /** The adjoint of gather: out (zeroed by the kernel, shape outShape) += dy scattered to `indices` along `axis`. */
  scatterAdd(dy: F32, indices: Int32Array, axis: number, outShape: Shape, out: F32): void;

  /** Concatenate along `axis`; shapes agree except on that axis. */
  concat(xs: readonly F32[], shapes: readonly Shape[], axis: number, out: F32): void;

  /**
   * Fused dense epilogue: out[r, c] = act(x[r, c] + bias[c]) for a rows×cols matrix.
   * bias may be null. x and out may be the same array.
   */
  biasAct(x: F32, bias: F32 | null, act: UnaryOp, alpha: number, out: F32, rows: number, cols: number): void;

  /**
   * Backward of biasAct for act in OUTPUT_DIFFERENTIABLE: dz = dy · act'(·) computed from y,
   * and dbias[c] = Σ_r dz[r, c] when dbias is not null. dz may alias dy.
   */
  biasActBackward(y: F32, dy: F32, act: UnaryOp, alpha: number, dz: F32, dbias: F32 | null, rows: number, cols: number): void;

  /**
   * Fused pointwise loss over n = pred.length elements (target has as many): sum[0] = Σᵢ f(predᵢ, targetᵢ)
   * (accumulated in double, rounded once), and, when grad is not null, gradᵢ = scale · ∂f/∂pred(predᵢ, targetᵢ)
   * computed in float32 as fround(scale · dᵢ) (squaredError: d = fround(p − t), f = fround(d²), ∂f/∂p taken as d,
   * so the caller's scale carries the 2; absoluteError: f = |p − t|, ∂f/∂p = sign(p − t); binaryCrossentropy:
   * pc = p clipped to [1e-7, 1 − 1e-7], f = −(t·log pc + (1 − t)·log(1 − pc)), ∂f/∂p = (pc − t) / (pc·(1 − pc)),
   * 0 where p is outside the clip range).
   * One pass over the data replaces squaredDifference + sum + sub + mul (see src/autograd/ops/losses.ts).
   */
  pointwiseLoss(op: LossOp, pred: F32, target: F32, sum: F32, grad: F32 | null, scale: number): void;

  /**
   * Batch statistics of x [rows × cols] over its rows (channels last): mean[c] and the biased
   * variance[c], from sums in double (two passes: the mean, then centred sums with their
   * rounding correction). 0 rows give NaN, as a mean over nothing.
   */
  batchNormStats(x: F32, mean: F32, variance: F32, rows: number, cols: number): void;

  /** y = (x − mean[c])·γ[c]/√(variance[c] + ε) + β[c] over x [rows × cols]; gamma / beta null: 1 / 0. */
  batchNorm(x: F32, gamma: F32 | null, beta: F32 | null, mean: F32, variance: F32, y: F32, rows: number, cols: number, epsilon: number): void;

  /**
   * Gradients of batchNorm from dy (null outputs are skipped): dγ = Σ dy·x̂, dβ = Σ dy over the
   * rows (x̂ = (x − mean)/σ, σ = √(variance + ε)); dx = γ/σ·dy, and when the statistics were the
   * batch's own (training) also through them: dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)).
   */
  batchNormBackward(dy: F32, x: F32, gamma: F32 | null, mean: F32, variance: F32, dx: F32 | null, dgamma: F32 | null, dbeta: F32 | null,
    rows: number, cols: number, epsilon: number, training: boolean): void;

  /** Row-wise softmax (or log-softmax) of a rows×cols matrix, numerically stable. */
  softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void;

  /** One optimizer update of w in place from g, reading and writing the rule's state arrays (see OPTIMIZER_RULES). */
  optimizerStep(rule: OptimizerRule, w: F32, g: F32, slots: readonly F32[], h: ArrayLike<number>): void;

  /**
   * 2-D convolution over NHWC data (see Conv2DGeometry): x [batch, inH, inW, inC],
   * w [kH, kW, inC, outC] (Keras' kernel layout), out [batch, outH, outW, outC] (overwritten).
   * Taps that fall in the padding read zero.
   */
  conv2d(x: F32, w: F32, out: F32, g: Conv2DGeometry): void;

  /** dx [batch, inH, inW, inC] (overwritten) = the adjoint of conv2d in x, from dy [batch, outH, outW, outC]. Also Conv2DTranspose's forward pass. */
  conv2dBackpropInput(dy: F32, w: F32, dx: F32, g: Conv2DGeometry): void;

  /** dw [kH, kW, inC, outC] (overwritten) = the adjoint of conv2d in w, from x and dy. */
  conv2dBackpropFilter(x: F32, dy: F32, dw: F32, g: Conv2DGeometry): void;

  /** Max / average pooling per channel (g.outC === g.inC); average counts only in-bounds taps (as TF). */
  pool2d(op: PoolOp, x: F32, out: F32, g: Conv2DGeometry): void;

  /** dx (overwritten) from dy of pool2d; max routes to the first tap holding the maximum y. */
  pool2dBackward(op: PoolOp, x: F32, y: F32, dy: F32, dx: F32, g: Conv2DGeometry): void;

  /**
   * A conv layer's epilogue fused with the max pooling after it: out = pool2d('max') of
   * act(z + bias) (bias per channel, may be null), for act 'relu' or 'linear' and a pooling
   * geometry g with strides = pool size, valid padding (z is g's input). argmax receives, one
   * byte per pooled value (4 per float: a Float32Array of ⌈out.length / 4⌉ elements), the
   * window index kh·g.kW + kw of the first maximum (the first NaN when the window holds one).
   */
  biasActPool(act: UnaryOp, z: F32, bias: F32 | null, out: F32, argmax: F32, g: Conv2DGeometry): void;

  /**
   * Backward of biasActPool from y (its out), dy and argmax: dz (every element written) =
   * dy·act'(y) at each window's maximum, 0 elsewhere; dbias (when not null) = Σ dz per channel,
   * summed per image over the pooled values in order, then over the images in order (float32).
   */
  biasActPoolBackward(act: UnaryOp, y: F32, dy: F32, argmax: F32, dz: F32, dbias: F32 | null, g: Conv2DGeometry): void;

  /**
   * A convolution with biasActPool after it, the conv output never stored: out and argmax are
   * biasActPool's of conv2d(x, w) under a poolH × poolW pooling (strides = pool size, valid) of
   * g's output. Every backend takes few-tap convolutions (g.kH·g.kW·g.inC ≤ 9: a first layer on
   * grayscale pictures); wider ones only the js reference and backends with
   * Backend.fusesWideConvPool (native: Winograd pools in its output transform).
   */
  conv2dBiasActPool(act: UnaryOp, x: F32, w: F32, bias: F32 | null, out: F32, argmax: F32, g: Conv2DGeometry, poolH: number, poolW: number): void;

  /**
   * The filter gradient dw (overwritten) and bias gradient dbias (when not null) of
   * conv2dBiasActPool from x, its y and argmax, and dy: conv2dBackpropFilter and the bias sums of
   * the dz biasActPoolBackward would write, without writing it (each channel summed over the
   * pooled values in order).
   */
  conv2dBiasActPoolBackpropFilter(act: UnaryOp, x: F32, y: F32, dy: F32, argmax: F32, dw: F32, dbias: F32 | null, g: Conv2DGeometry, poolH: number, poolW: number): void;

  /**
   * Inverted dropout without a stored mask: out[i] = x[i] · (uᵢ ≥ rate ? fround(1/(1 − rate)) : 0)
   * for rate in [0, 1), where uᵢ = wordᵢ / 2^32 and wordᵢ is element i's Philox4x32-10 word under
   * key[0..1] (src/tensor/philox.ts: it depends only on the key and i, so every backend, vector
   * width and thread count draws the same mask). The backward pass is the same call on dy with
   * the same key. The key is read when the kernel runs (a compiled step refills it before each
   * replay). x and out may be the same array.
   */
  dropout(x: F32, key: Int32Array, rate: number, out: F32): void;
}

export type KernelName = keyof Kernels;

export const KERNEL_NAMES: readonly KernelName[] = [
  'matmul', 'unary', 'unaryBackward', 'binary', 'reduce', 'argReduce', 'transpose', 'slice',
  'gather', 'scatterAdd', 'concat', 'biasAct', 'biasActBackward', 'pointwiseLoss', 'softmax', 'optimizerStep',
  'batchNormStats', 'batchNorm', 'batchNormBackward',
  'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'pool2d', 'pool2dBackward', 'biasActPool', 'biasActPoolBackward',
  'conv2dBiasActPool', 'conv2dBiasActPoolBackpropFilter', 'dropout',
];

/**
 * Which arguments of each kernel it writes (positions in its parameter list); every other
 * typed-array argument is read. matmul also reads `out` when accumulating. Compiled steps use
 * this to tell a step's own buffers from the memory it reads (weights, inputs, constants).
 */
export const KERNEL_WRITES: Readonly<Record<KernelName, readonly number[]>> = {
  matmul: [2], unary: [2], unaryBackward: [4], binary: [5], reduce: [4], argReduce: [4], transpose: [3],
  slice: [4], gather: [4], scatterAdd: [4], concat: [3], biasAct: [4], biasActBackward: [4, 5], pointwiseLoss: [3, 4], softmax: [1],
  batchNormStats: [1, 2], batchNorm: [5], batchNormBackward: [5, 6, 7],
  optimizerStep: [1, 3], conv2d: [2], conv2dBackpropInput: [2], conv2dBackpropFilter: [2], pool2d: [2], pool2dBackward: [4],
  biasActPool: [3, 4], biasActPoolBackward: [4, 5], conv2dBiasActPool: [4, 5], conv2dBiasActPoolBackpropFilter: [5, 6],
  dropout: [3],
};
