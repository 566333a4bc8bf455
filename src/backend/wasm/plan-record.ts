/**
 * How a compiled WASM plan records each kernel call (plan.ts): the kernel's export is called
 * with linear-memory addresses between plan_begin and plan_end, and records its op
 * (native/plan.inc) instead of running; or the call is left to JavaScript, and why.
 */
import type { KernelName, Kernels } from '../kernels.js';
import { BINARY_OPS, LOSS_OPS, OPTIMIZER_RULES, OPTIMIZER_RULE_TABLE, OUTPUT_DIFFERENTIABLE, POOL_OPS, REDUCE_OPS, REDUCE_OP_TABLE, UNARY_OPS, UNARY_OP_TABLE, opCode, type UnaryOp } from '../ops.js';
import type { Conv2DGeometry } from '../conv-geometry.js';
import { checkBiasActPool, checkConvBiasActPool } from '../js/conv-pool.js';
import { checkDropout } from '../js/dropout.js';
import { planBinary } from './kernels.js';
import { convColFloats } from './conv-kernels.js';
import { ELEMENTWISE_CHUNK, type WasmKernelExports } from './instance.js';

/** The typed arrays a plan places in linear memory. */
export type Buf = Float32Array | Int32Array | Float64Array;

function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** sin and cos get a JavaScript fix-up for |x| ≥ 2^20 after the WASM kernel (kernels.ts): not plannable. */
const needsFixup = (op: UnaryOp): boolean => op === 'sin' || op === 'cos';

export type Recorded = 'recorded' | 'nothing' | 'javascript';

/** Calls the kernel's export with linear-memory addresses (recording it), or says why it cannot. */
export function record(ex: WasmKernelExports, name: KernelName, args: readonly unknown[], ptr: (b: Buf | null | undefined) => number,
  geometry: (g: Conv2DGeometry) => number, col: number): Recorded {
  // The call's arguments, typed by the kernel they were recorded for.
  const argsOf = <K extends KernelName>(_: K): Parameters<Kernels[K]> => args as unknown as Parameters<Kernels[K]>;
  switch (name) {
    case 'matmul': {
      const [x, w, out, m, n, k, transA, transB, accumulate] = argsOf('matmul');
      if (m * n === 0) return 'nothing';
      ex.sgemm(ptr(x), ptr(w), ptr(out), m, n, k, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0);
      return 'recorded';
    }
    case 'unary': {
      const [op, x, out, alpha] = argsOf('unary');
      if (needsFixup(op)) return 'javascript';
      if (x.length === 0) return 'nothing';
      ex.unary(opCode(UNARY_OPS, op), ptr(x), ptr(out), x.length, alpha);
      return 'recorded';
    }
    case 'unaryBackward': {
      const [op, x, y, dy, out, alpha] = argsOf('unaryBackward');
      if (needsFixup(op)) return 'javascript';
      if (dy.length === 0) return 'nothing';
      const reads = UNARY_OP_TABLE[op].reads;
      ex.unary_backward(opCode(UNARY_OPS, op), reads.includes('x') ? ptr(x) : 0, reads.includes('y') ? ptr(y) : 0, ptr(dy), ptr(out), dy.length, alpha);
      return 'recorded';
    }
    case 'binary': {
      const [op, x, xShape, y, yShape, out, outShape] = argsOf('binary');
      const plan = planBinary(xShape, yShape, outShape);
      if (plan === null) return 'javascript';
      if (plan.rows * plan.cols === 0) return 'nothing';
      ex.binary(opCode(BINARY_OPS, op), ptr(x), plan.a[0], plan.a[1], ptr(y), plan.b[0], plan.b[1], ptr(out), plan.rows, plan.cols);
      return 'recorded';
    }
    case 'reduce': {
      const [op, x, shape, axes, out] = argsOf('reduce');
      const first = axes[0] ?? 0;
      const last = axes[axes.length - 1] ?? -1;
      const outer = product(shape.slice(0, first)), mid = product(shape.slice(first, last + 1)), inner = product(shape.slice(last + 1));
      if (outer * inner === 0) return 'nothing';
      if (mid === 0) {
        ex.fill(ptr(out), outer * inner, REDUCE_OP_TABLE[op].identity);
        return 'recorded';
      }
      // The eager kernel splits rows longer than a chunk and combines the parts in double: a different order of the sum.
      if (axes.length === 0 || last - first !== axes.length - 1 || mid * inner > ELEMENTWISE_CHUNK) return 'javascript';
      ex.reduce(opCode(REDUCE_OPS, op), ptr(x), outer, mid, inner, ptr(out));
      return 'recorded';
    }
    case 'softmax': {
      const [x, out, rows, cols, log] = argsOf('softmax');
      if (rows * cols === 0) return 'nothing';
      ex.softmax(ptr(x), ptr(out), rows, cols, log ? 1 : 0);
      return 'recorded';
    }
    case 'biasAct': {
      const [x, bias, act, alpha, out, rows, cols] = argsOf('biasAct');
      if (needsFixup(act)) return 'javascript';
      if (rows * cols === 0) return 'nothing';
      ex.bias_act(ptr(x), ptr(bias), opCode(UNARY_OPS, act), alpha, ptr(out), rows, cols);
      return 'recorded';
    }
    case 'biasActBackward': {
      const [y, dy, act, alpha, dz, dbias, rows, cols] = argsOf('biasActBackward');
      // Eager: more rows than one block sums the bias gradient block by block in double.
      if (!OUTPUT_DIFFERENTIABLE.has(act) || rows * cols === 0 || rows > Math.max(1, Math.floor(ELEMENTWISE_CHUNK / cols))) return 'javascript';
      ex.bias_act_backward(ptr(y), ptr(dy), opCode(UNARY_OPS, act), alpha, ptr(dz), ptr(dbias), rows, cols);
      return 'recorded';
    }
    case 'pointwiseLoss': {
      const [op, pred, target, sum, grad, scale] = argsOf('pointwiseLoss');
      // Eager: more than one chunk adds the chunks' sums in double (and no elements still writes sum[0] = 0).
      if (pred.length === 0 || pred.length > ELEMENTWISE_CHUNK) return 'javascript';
      ex.pointwise_loss(opCode(LOSS_OPS, op), ptr(pred), ptr(target), ptr(sum), ptr(grad), pred.length, scale);
      return 'recorded';
    }
    case 'batchNormStats': {
      const [x, mean, variance, rows, cols] = argsOf('batchNormStats');
      if (cols === 0) return 'nothing';
      ex.batch_norm_stats(ptr(x), ptr(mean), ptr(variance), rows, cols);
      return 'recorded';
    }
    case 'batchNorm': {
      const [x, gamma, beta, mean, variance, y, rows, cols, epsilon] = argsOf('batchNorm');
      if (rows * cols === 0) return 'nothing';
      ex.batch_norm(ptr(x), ptr(gamma), ptr(beta), ptr(mean), ptr(variance), ptr(y), rows, cols, epsilon);
      return 'recorded';
    }
    case 'batchNormBackward': {
      const [dy, x, gamma, mean, variance, dx, dgamma, dbeta, rows, cols, epsilon, training] = argsOf('batchNormBackward');
      if (cols === 0) return 'nothing';
      ex.batch_norm_backward(ptr(dy), ptr(x), ptr(gamma), ptr(mean), ptr(variance), ptr(dx), ptr(dgamma), ptr(dbeta), rows, cols, epsilon, training ? 1 : 0);
      return 'recorded';
    }
    case 'optimizerStep': {
      const [rule, w, g, slots, h] = argsOf('optimizerStep');
      // Plain numbers are this step's values only; the optimizer's live Float64Array is read on every replay.
      if (!(h instanceof Float64Array) || slots.length < OPTIMIZER_RULE_TABLE[rule].slots.length) return 'javascript';
      if (w.length === 0) return 'nothing';
      ex.optimizer_step(opCode(OPTIMIZER_RULES, rule), ptr(w), ptr(g), ptr(slots[0]), ptr(slots[1]), ptr(slots[2]), 0, ptr(h), h.length, w.length);
      return 'recorded';
    }
    case 'conv2d':
    case 'conv2dBackpropInput':
    case 'conv2dBackpropFilter': {
      const [p, q, out, g] = argsOf('conv2dBackpropFilter'); // the three share one signature
      // As the eager kernels: nothing to do when the output is empty.
      const outSize = name === 'conv2d' ? g.batch * g.outH * g.outW * g.outC : name === 'conv2dBackpropInput' ? g.batch * g.inH * g.inW * g.inC : g.kH * g.kW * g.inC * g.outC;
      if (outSize === 0) return 'nothing';
      const fn = name === 'conv2d' ? ex.conv2d : name === 'conv2dBackpropInput' ? ex.conv2d_backprop_input : ex.conv2d_backprop_filter;
      fn.call(ex, ptr(p), ptr(q), ptr(out), geometry(g), col, convColFloats(g));
      return 'recorded';
    }
    case 'pool2d': {
      const [op, x, out, g] = argsOf('pool2d');
      if (g.batch * g.outH * g.outW * g.outC === 0) return 'nothing';
      ex.pool2d(opCode(POOL_OPS, op), ptr(x), ptr(out), geometry(g));
      return 'recorded';
    }
    case 'pool2dBackward': {
      const [op, x, y, dy, dx, g] = argsOf('pool2dBackward');
      if (g.batch * g.inH * g.inW * g.inC === 0) return 'nothing';
      ex.pool2d_backward(opCode(POOL_OPS, op), ptr(x), ptr(y), ptr(dy), ptr(dx), geometry(g));
      return 'recorded';
    }
    case 'biasActPool': {
      const [act, z, bias, out, argmax, g] = argsOf('biasActPool');
      checkBiasActPool(act, g, 'biasActPool');
      if (g.batch * g.outH * g.outW * g.outC === 0) return 'nothing';
      ex.bias_act_pool(opCode(UNARY_OPS, act), ptr(z), ptr(bias), ptr(out), ptr(argmax), geometry(g));
      return 'recorded';
    }
    case 'biasActPoolBackward': {
      const [act, y, dy, argmax, dz, dbias, g] = argsOf('biasActPoolBackward');
      checkBiasActPool(act, g, 'biasActPoolBackward');
      ex.bias_act_pool_backward(opCode(UNARY_OPS, act), ptr(y), ptr(dy), ptr(argmax), ptr(dz), ptr(dbias), geometry(g));
      return 'recorded';
    }
    case 'conv2dBiasActPool': {
      const [act, x, w, bias, out, argmax, g, poolH, poolW] = argsOf('conv2dBiasActPool');
      const pg = checkConvBiasActPool(act, g, poolH, poolW, 'conv2dBiasActPool');
      if (pg.batch * pg.outH * pg.outW * pg.outC === 0) return 'nothing';
      ex.conv_bias_act_pool(opCode(UNARY_OPS, act), ptr(x), ptr(w), ptr(bias), ptr(out), ptr(argmax), geometry(g), poolH, poolW);
      return 'recorded';
    }
    case 'conv2dBiasActPoolBackpropFilter': {
      const [act, x, y, dy, argmax, dw, dbias, g, poolH, poolW] = argsOf('conv2dBiasActPoolBackpropFilter');
      checkConvBiasActPool(act, g, poolH, poolW, 'conv2dBiasActPoolBackpropFilter');
      ex.conv_bias_act_pool_filter(opCode(UNARY_OPS, act), ptr(x), ptr(y), ptr(dy), ptr(argmax), ptr(dw), ptr(dbias), geometry(g), poolH, poolW);
      return 'recorded';
    }
    case 'dropout': {
      const [x, key, rate, out] = argsOf('dropout');
      checkDropout(x, key, rate, out);
      if (x.length === 0) return 'nothing';
      ex.dropout(ptr(x), ptr(out), x.length, 0, ptr(key), rate);
      return 'recorded';
    }
    default:
      return 'javascript';
  }
}
