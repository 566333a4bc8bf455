/**
 * Convolution and pooling over channels-last (NHWC) batches, with their gradients,
 * written on the backend's conv / pool kernels (one rule each):
 *
 *   conv2d            y = conv(x, w)            dx = convᵀ(dy, w)           dw = filterGrad(x, dy)
 *   conv2dTranspose   y = convᵀ(x, w)           dx = conv(dy, w)            dw = filterGrad(dy, x)
 *   maxPool2d/avgPool2d                          dx = poolBackward(x, y, dy)
 *   depthwiseConv2d   one conv2d per input channel (no kernel of its own)
 *
 * convᵀ is the kernel `conv2dBackpropInput`: the transposed convolution is the adjoint of
 * the convolution, so it needs no new kernel, and its gradient is the convolution itself.
 * Padding follows TensorFlow's VALID / SAME rules (src/backend/conv-geometry.ts).
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import type { PoolOp, UnaryOp } from '../../backend/kernels.js';
import { OUTPUT_DIFFERENTIABLE } from '../../backend/kernels.js';
import { conv2dGeometry, type Conv2DGeometry, type Padding } from '../../backend/conv-geometry.js';
import { record } from '../tape.js';
import { float, kernels, newTensor, zerosTensor } from './util.js';
import { getBackend } from '../../backend/registry.js';
import { concat, reshape, slice, transpose } from './shape.js';

export type { Padding } from '../../backend/conv-geometry.js';

/** A size given once for both axes (3) or per axis ([3, 5]), as Keras accepts. */
export type Size2 = number | readonly [number, number];

export function pair(v: Size2, what: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= 1)) throw new Error(`${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  return p;
}

export interface Conv2DOptions {
  strides?: Size2;
  padding?: Padding;
  dilationRate?: Size2;
}

function checkPadding(p: string | undefined, what: string): Padding {
  const padding = p ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') throw new Error(`${what}: padding must be 'valid' or 'same', got '${padding}'`);
  return padding;
}

function checkBatch(x: Tensor, what: string): void {
  if (x.rank !== 4) throw new Error(`${what} expects a 4-D batch [batch, height, width, channels] (channels last), got shape ${formatShape(x.shape)}`);
}

function checkStrideDilation(strides: [number, number], dilation: [number, number], what: string): void {
  // As Keras: a layer can stride or dilate, not both at once.
  if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
    throw new Error(`${what}: strides ${JSON.stringify(strides)} > 1 cannot be combined with dilationRate ${JSON.stringify(dilation)} > 1 (as in Keras)`);
  }
}

/** The geometry of conv2d(x, w) for x [N, H, W, C] and w [kH, kW, C, F]. */
export function conv2dGeometryOf(xShape: readonly number[], wShape: readonly number[], o: Conv2DOptions, what = 'conv2d'): Conv2DGeometry {
  const [n, h, wd, c] = xShape as [number, number, number, number];
  if (wShape.length !== 4) throw new Error(`${what}: the kernel must be [kernelHeight, kernelWidth, inChannels, filters], got ${formatShape(wShape)}`);
  if (wShape[2] !== c) throw new Error(`${what}: the input has ${c} channels but the kernel ${formatShape(wShape)} expects ${wShape[2]}`);
  const strides = pair(o.strides ?? 1, `${what}: strides`);
  const dilationRate = pair(o.dilationRate ?? 1, `${what}: dilationRate`);
  checkStrideDilation(strides, dilationRate, what);
  return conv2dGeometry({
    batch: n, inH: h, inW: wd, inC: c, outC: wShape[3]!, kernelSize: [wShape[0]!, wShape[1]!],
    strides, dilationRate, padding: checkPadding(o.padding, what),
  });
}

function conv2dRaw(x: Tensor, w: Tensor, g: Conv2DGeometry): Tensor {
  const y = newTensor([g.batch, g.outH, g.outW, g.outC]);
  kernels().conv2d(float(x, 'conv2d'), float(w, 'conv2d'), y.values, g);
  return y;
}

function backpropInputRaw(dy: Tensor, w: Tensor, g: Conv2DGeometry): Tensor {
  const dx = newTensor([g.batch, g.inH, g.inW, g.inC]);
  kernels().conv2dBackpropInput(float(dy, 'conv2d'), float(w, 'conv2d'), dx.values, g);
  return dx;
}

function backpropFilterRaw(x: Tensor, dy: Tensor, g: Conv2DGeometry): Tensor {
  const dw = newTensor([g.kH, g.kW, g.inC, g.outC]);
  kernels().conv2dBackpropFilter(float(x, 'conv2d'), float(dy, 'conv2d'), dw.values, g);
  return dw;
}

/** 2-D convolution (tf.nn.conv2d / keras.ops.conv): x [N, H, W, C], kernel [kH, kW, C, F] → [N, outH, outW, F]. */
export function conv2d(x: Tensor, kernel: Tensor, o: Conv2DOptions = {}): Tensor {
  checkBatch(x, 'conv2d');
  const g = conv2dGeometryOf(x.shape, kernel.shape, o);
  const y = conv2dRaw(x, kernel, g);
  return record(y, 'conv2d', [x, kernel], (dy) => [
    x.requiresGrad ? backpropInputRaw(dy, kernel, g) : null,
    kernel.requiresGrad ? backpropFilterRaw(x, dy, g) : null,
  ]);
}

/**
 * Keras' deconv_output_length without output_padding: the size a transposed
 * convolution produces, i.e. the input size whose convolution has `size` outputs.
 */
export function transposedOutputSize(size: number, k: number, stride: number, dilation: number, padding: Padding): number {
  const effK = (k - 1) * dilation + 1;
  return padding === 'valid' ? size * stride + Math.max(effK - stride, 0) : size * stride;
}

/**
 * Transposed convolution (tf.nn.conv2d_transpose, Keras Conv2DTranspose): x [N, H, W, C],
 * kernel [kH, kW, F, C] (Keras' layout: filters before input channels) → [N, outH, outW, F]
 * with outH = transposedOutputSize(H, ...). It is the adjoint of conv2d with that kernel.
 */
export function conv2dTranspose(x: Tensor, kernel: Tensor, o: Conv2DOptions = {}): Tensor {
  checkBatch(x, 'conv2dTranspose');
  if (kernel.rank !== 4 || kernel.shape[3] !== x.shape[3]) {
    throw new Error(`conv2dTranspose: the kernel must be [kernelHeight, kernelWidth, filters, ${x.shape[3]} input channels], got ${formatShape(kernel.shape)}`);
  }
  const padding = checkPadding(o.padding, 'conv2dTranspose');
  const strides = pair(o.strides ?? 1, 'conv2dTranspose: strides');
  const dilation = pair(o.dilationRate ?? 1, 'conv2dTranspose: dilationRate');
  checkStrideDilation(strides, dilation, 'conv2dTranspose');
  const [n, h, w] = x.shape as [number, number, number, number];
  const [kH, kW, filters] = kernel.shape as [number, number, number, number];
  const outH = transposedOutputSize(h, kH, strides[0], dilation[0], padding);
  const outW = transposedOutputSize(w, kW, strides[1], dilation[1], padding);
  // The forward convolution this one is the adjoint of: from the output [outH, outW, F] to x [H, W, C].
  const g = conv2dGeometry({ batch: n, inH: outH, inW: outW, inC: filters, outC: x.shape[3]!, kernelSize: [kH, kW], strides, dilationRate: dilation, padding });
  if (g.outH !== h || g.outW !== w) throw new Error(`internal error: conv2dTranspose geometry ${g.outH}×${g.outW} does not invert ${h}×${w}`);
  const y = backpropInputRaw(x, kernel, g);
  return record(y, 'conv2dTranspose', [x, kernel], (dy) => [
    x.requiresGrad ? conv2dRaw(dy, kernel, g) : null,
    kernel.requiresGrad ? backpropFilterRaw(dy, x, g) : null,
  ]);
}

export interface Pool2DOptions {
  /** Window size; Keras' default is 2. */
  poolSize?: Size2;
  /** Defaults to poolSize, as Keras. */
  strides?: Size2 | null;
  padding?: Padding;
}

function pool(op: PoolOp, x: Tensor, o: Pool2DOptions): Tensor {
  const what = op === 'max' ? 'maxPool2d' : 'avgPool2d';
  checkBatch(x, what);
  const poolSize = pair(o.poolSize ?? 2, `${what}: poolSize`);
  const strides = pair(o.strides ?? poolSize, `${what}: strides`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const g = conv2dGeometry({ batch: n, inH: h, inW: w, inC: c, outC: c, kernelSize: poolSize, strides, padding: checkPadding(o.padding, what) });
  const y = newTensor([n, g.outH, g.outW, c]);
  kernels().pool2d(op, float(x, what), y.values, g);
  return record(y, what, [x], (dy) => {
    const dx = newTensor(x.shape);
    kernels().pool2dBackward(op, x.values, y.values, dy.values, dx.values, g);
    return [dx];
  });
}

/** Max pooling per channel (tf.nn.max_pool2d); the gradient goes to the first maximum of each window. */
export const maxPool2d = (x: Tensor, o: Pool2DOptions = {}): Tensor => pool('max', x, o);

/** Average pooling per channel; with 'same' padding only the in-bounds taps are averaged (as TF). */
export const avgPool2d = (x: Tensor, o: Pool2DOptions = {}): Tensor => pool('avg', x, o);

/**
 * Depthwise convolution (tf.nn.depthwise_conv2d): x [N, H, W, C], kernel [kH, kW, C, M]
 * → [N, outH, outW, C·M], output channel c·M + m from input channel c and filter m.
 * Built from one conv2d per input channel, so its gradients come from conv2d's.
 */
export function depthwiseConv2d(x: Tensor, kernel: Tensor, o: Conv2DOptions = {}): Tensor {
  checkBatch(x, 'depthwiseConv2d');
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (kernel.rank !== 4 || kernel.shape[2] !== c) {
    throw new Error(`depthwiseConv2d: the kernel must be [kernelHeight, kernelWidth, ${c} input channels, depthMultiplier], got ${formatShape(kernel.shape)}`);
  }
  const [kH, kW, , m] = kernel.shape as [number, number, number, number];
  if (c === 1) return conv2d(x, kernel, o);
  // Channels first, so each channel is one contiguous [N, H, W, 1] slice.
  const channels = transpose(x, [3, 0, 1, 2]);
  const parts: Tensor[] = [];
  for (let ch = 0; ch < c; ch++) {
    const xc = reshape(slice(channels, [ch, 0, 0, 0], [1, n, h, w]), [n, h, w, 1]);
    const wc = slice(kernel, [0, 0, ch, 0], [kH, kW, 1, m]);
    parts.push(conv2d(xc, wc, o));
  }
  return concat(parts, 3);
}

/**
 * y = act(x + bias) over the last axis in one pass (the conv layers' epilogue), for
 * activations whose derivative follows from y; the gradient reduces to the bias.
 */
export function biasActivation(x: Tensor, bias: Tensor | null, activation: UnaryOp = 'linear', alpha = 0): Tensor {
  if (!OUTPUT_DIFFERENTIABLE.has(activation)) throw new Error(`biasActivation: activation '${activation}' cannot be fused; apply it as a separate op`);
  const cols = x.shape[x.rank - 1] ?? 1;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== cols)) throw new Error(`biasActivation: bias shape ${formatShape(bias.shape)} does not match the last axis of ${formatShape(x.shape)}`);
  const rows = cols === 0 ? 0 : x.size / cols;
  const y = newTensor(x.shape);
  kernels().biasAct(float(x, 'biasActivation'), bias ? float(bias, 'biasActivation') : null, activation, alpha, y.values, rows, cols);
  const inputs = bias ? [x, bias] : [x];
  return record(y, 'biasActivation', inputs, (g) => {
    const dz = newTensor(x.shape);
    const dbias = bias?.requiresGrad ? zerosTensor(bias.shape) : null;
    kernels().biasActBackward(y.values, g.values, activation, alpha, dz.values, dbias ? dbias.values : null, rows, cols);
    return bias ? [dz, dbias] : [dz];
  });
}

/** Activations biasActivationMaxPool fuses: their derivative at a tap that is not a window's maximum multiplies 0 exactly. */
export const POOL_FUSABLE_ACTIVATIONS: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['relu', 'linear']);

/**
 * maxPool2d(biasActivation(x, bias, activation), { poolSize }) with strides = poolSize and
 * valid padding, in one pass each way (a Conv2D layer's epilogue and the MaxPooling2D after
 * it): the forward pass writes the pooled values and one byte per value saying which tap held
 * the maximum; the backward pass writes x's gradient once (no zero fill, no scatter, no separate
 * activation pass) and sums the bias gradient over the pooled values only. Same values and
 * gradients as the two ops (NaN included: a NaN tap is the window's maximum); the bias
 * gradient is summed in another order, so it agrees to float rounding.
 */
export function biasActivationMaxPool(x: Tensor, bias: Tensor | null, activation: UnaryOp, poolSize: Size2): Tensor {
  checkBatch(x, 'biasActivationMaxPool');
  if (!POOL_FUSABLE_ACTIVATIONS.has(activation)) throw new Error(`biasActivationMaxPool: activation must be 'relu' or 'linear', got '${activation}'`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (bias && (bias.rank !== 1 || bias.shape[0] !== c)) throw new Error(`biasActivationMaxPool: bias shape ${formatShape(bias.shape)} does not match the ${c} channels of ${formatShape(x.shape)}`);
  const size = pair(poolSize, 'biasActivationMaxPool: poolSize');
  const g = conv2dGeometry({ batch: n, inH: h, inW: w, inC: c, outC: c, kernelSize: size, strides: size, padding: 'valid' });
  const y = newTensor([n, g.outH, g.outW, c]);
  const argmax = newTensor([Math.ceil(y.size / 4)]);
  kernels().biasActPool(activation, float(x, 'biasActivationMaxPool'), bias ? float(bias, 'biasActivationMaxPool') : null, y.values, argmax.values, g);
  const inputs = bias ? [x, bias] : [x];
  return record(y, 'biasActivationMaxPool', inputs, (dy) => {
    const dz = newTensor(x.shape);
    const dbias = bias?.requiresGrad ? newTensor(bias.shape) : null;
    kernels().biasActPoolBackward(activation, y.values, dy.values, argmax.values, dz.values, dbias ? dbias.values : null, g);
    return bias ? [dz, dbias] : [dz];
  });
}

/** Convolutions conv2dBiasActivationMaxPool runs as one kernel: at most 9 taps (kernelH·kernelW·inChannels). */
export const isFewTapConv = (kernelShape: readonly number[]): boolean => {
  const taps = (kernelShape[0] ?? 0) * (kernelShape[1] ?? 0) * (kernelShape[2] ?? 0);
  return taps >= 1 && taps <= 9;
};

/**
 * biasActivationMaxPool(conv2d(x, kernel, o), bias, activation, poolSize) without the conv output
 * as a tensor. A convolution of at most 9 taps (isFewTapConv: a first layer on grayscale
 * pictures) is one kernel each way: the forward pass computes the convolution window by window
 * of the pooling, and the backward pass the kernel and bias gradients straight from the pooled
 * gradients and the argmax bytes; x's gradient (when x needs one) goes through the conv output's
 * gradient and conv2dBackpropInput. A wider one is one kernel forward where the backend fuses it
 * (Backend.fusesWideConvPool: the native addon pools in Winograd's output transform), else
 * conv2d then biasActPool; its backward is biasActivationMaxPool's and conv2d's. Same values as
 * the separate ops (the native backend's bit for bit), gradients to float rounding.
 */
export function conv2dBiasActivationMaxPool(x: Tensor, kernel: Tensor, bias: Tensor | null, activation: UnaryOp, o: Conv2DOptions, poolSize: Size2): Tensor {
  checkBatch(x, 'conv2dBiasActivationMaxPool');
  if (!POOL_FUSABLE_ACTIVATIONS.has(activation)) throw new Error(`conv2dBiasActivationMaxPool: activation must be 'relu' or 'linear', got '${activation}'`);
  const g = conv2dGeometryOf(x.shape, kernel.shape, o, 'conv2dBiasActivationMaxPool');
  if (bias && (bias.rank !== 1 || bias.shape[0] !== g.outC)) throw new Error(`conv2dBiasActivationMaxPool: bias shape ${formatShape(bias.shape)} does not match the ${g.outC} filters`);
  const [pH, pW] = pair(poolSize, 'conv2dBiasActivationMaxPool: poolSize');
  if (g.outH < pH || g.outW < pW) throw new Error(`conv2dBiasActivationMaxPool: the ${g.outH}×${g.outW} conv output is smaller than the ${pH}×${pW} pool`);
  if (pH * pW > 256) throw new Error(`conv2dBiasActivationMaxPool: at most 256 taps per pooling window, got ${pH}×${pW}`);
  const pg = conv2dGeometry({ batch: g.batch, inH: g.outH, inW: g.outW, inC: g.outC, outC: g.outC, kernelSize: [pH, pW], strides: [pH, pW], padding: 'valid' });
  const y = newTensor([g.batch, pg.outH, pg.outW, g.outC]);
  const argmax = newTensor([Math.ceil(y.size / 4)]);
  const what = 'conv2dBiasActivationMaxPool';
  const fewTap = isFewTapConv(kernel.shape);
  if (fewTap || getBackend().fusesWideConvPool === true) {
    kernels().conv2dBiasActPool(activation, float(x, what), float(kernel, what), bias ? float(bias, what) : null, y.values, argmax.values, g, pH, pW);
  } else {
    const z = conv2dRaw(x, kernel, g);
    kernels().biasActPool(activation, z.values, bias ? float(bias, what) : null, y.values, argmax.values, pg);
  }
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(y, what, inputs, (dy) => {
    const needW = kernel.requiresGrad, needB = bias?.requiresGrad === true;
    if (!fewTap) {
      // The unfused backward: dz (and the bias gradient) from the pooled gradients, then conv2d's.
      const dz = newTensor([g.batch, g.outH, g.outW, g.outC]);
      const db = needB && bias ? newTensor(bias.shape) : null;
      kernels().biasActPoolBackward(activation, y.values, dy.values, argmax.values, dz.values, db ? db.values : null, pg);
      const dxWide = x.requiresGrad ? backpropInputRaw(dz, kernel, g) : null;
      const dwWide = needW ? backpropFilterRaw(x, dz, g) : null;
      return bias ? [dxWide, dwWide, db] : [dxWide, dwWide];
    }
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      const dz = newTensor([g.batch, g.outH, g.outW, g.outC]);
      kernels().biasActPoolBackward(activation, y.values, dy.values, argmax.values, dz.values, null, pg);
      dx = backpropInputRaw(dz, kernel, g);
    }
    let dw: Tensor | null = null, dbias: Tensor | null = null;
    if (needW || needB) {
      dw = newTensor(kernel.shape);
      dbias = needB && bias ? newTensor(bias.shape) : null;
      kernels().conv2dBiasActPoolBackpropFilter(activation, x.values, y.values, dy.values, argmax.values, dw.values, dbias ? dbias.values : null, g, pH, pW);
    }
    return bias ? [dx, needW ? dw : null, dbias] : [dx, needW ? dw : null];
  });
}
