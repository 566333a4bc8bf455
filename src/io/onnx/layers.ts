/**
 * One deepts layer call → ONNX operators. deepts keeps feature maps channels-last (NHWC,
 * Keras' default); ONNX's Conv, pools, BatchNormalization, Pad and Resize work on NCHW. Each
 * value therefore carries its layout, and a Transpose is added only where the next operator
 * needs the other one: conv → pool → conv → pool stays NCHW and turns back to NHWC once,
 * before Flatten/Dense/the graph output, so the element order (what Flatten sees) is deepts'.
 *
 *   Dense          MatMul + Add (+ activation)         Flatten / Reshape  NHWC, Flatten(axis=1) / Reshape
 *   Conv2D         Conv (kernel → [F, C, kH, kW])      Conv2DTranspose   ConvTranspose (pads, output_padding as TF)
 *   DepthwiseConv2D Conv with group = C                 SeparableConv2D   depthwise Conv, then 1×1 Conv
 *   Max/AveragePooling2D MaxPool / AveragePool (same → SAME_UPPER, padding not counted in averages)
 *   Global*Pooling2D GlobalAveragePool / GlobalMaxPool (+ Flatten unless keepdims)
 *   BatchNormalization inference form: BatchNormalization (NCHW) or Sub/Mul/Add with its moving statistics
 *   ZeroPadding2D  Pad                                 UpSampling2D      Resize (nearest, asymmetric, floor)
 *   Add/Subtract/Multiply/Maximum/Minimum/Average/Concatenate  Sum, Sub, Mul, Max, Min, Sum÷n, Concat
 *   Dropout, SpatialDropout2D, Random* augmentation, InputLayer: nothing (identity at inference)
 */
import type { Layer, LayerShape } from '../../nn/layer.js';
import { Activation, Dense, Dropout, Flatten, InputLayer, Reshape } from '../../nn/layers/index.js';
import { Normalization } from '../../nn/layers/normalization.js';
import { Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from '../../nn/layers/convolutional.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../../nn/layers/pooling.js';
import { UpSampling2D, ZeroPadding2D } from '../../nn/layers/spatial.js';
import { BatchNormalization } from '../../nn/layers/batch-normalization.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from '../../nn/layers/merge.js';
import type { Variable } from '../../nn/variable.js';
import type { GraphBuilder } from './graph.js';

export type Layout = 'nhwc' | 'nchw';

/** A value of the ONNX graph: its name, its layout, and its shape as deepts sees it (channels last). */
export interface OnnxValue {
  name: string;
  layout: Layout;
  shape: LayerShape;
}

/** Layers that do nothing at inference. */
const IDENTITY = new Set(['InputLayer', 'Dropout', 'SpatialDropout2D', 'RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation']);

export function toNchw(g: GraphBuilder, v: OnnxValue): OnnxValue {
  if (v.layout === 'nchw') return v;
  if (v.shape.length !== 4) throw new Error(`ONNX export: expected a feature map [batch, height, width, channels], got shape ${JSON.stringify(v.shape)}`);
  return { ...v, layout: 'nchw', name: g.node('Transpose', [v.name], `${v.name}/to_nchw`, { perm: [0, 3, 1, 2] }) };
}

export function toNhwc(g: GraphBuilder, v: OnnxValue): OnnxValue {
  if (v.layout === 'nhwc') return v;
  return { ...v, layout: 'nhwc', name: g.node('Transpose', [v.name], `${v.name}/to_nhwc`, { perm: [0, 2, 3, 1] }) };
}

/** The values of a tensor with shape `shape`, its axes permuted (numpy's transpose). */
export function permute(values: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(values.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = values[src]!;
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

const weight = (g: GraphBuilder, name: string, w: Variable, perm?: number[]): string =>
  perm ? g.floatConstant(name, permute(w.values, w.shape, perm), perm.map((p) => w.shape[p]!)) : g.floatConstant(name, w.values, w.shape);

/** Applies a named activation to `x`, returning the output's name. Softmax needs the features last. */
export function activation(g: GraphBuilder, name: string, x: OnnxValue, base: string): OnnxValue {
  if (name === 'linear') return x;
  if (name === 'softmax' || name === 'logSoftmax') x = toNhwc(g, x);
  return { ...x, name: elementwiseActivation(g, name, x.name, base) };
}

function elementwiseActivation(g: GraphBuilder, name: string, x: string, base: string): string {
  switch (name) {
    case 'relu': return g.node('Relu', [x], base);
    case 'sigmoid': return g.node('Sigmoid', [x], base);
    case 'tanh': return g.node('Tanh', [x], base);
    case 'softmax': return g.node('Softmax', [x], base, { axis: -1 });
    case 'logSoftmax': return g.node('LogSoftmax', [x], base, { axis: -1 });
    case 'elu': return g.node('Elu', [x], base, { alpha: { float: 1 } });
    case 'selu': return g.node('Selu', [x], base);
    case 'leakyRelu': return g.node('LeakyRelu', [x], base, { alpha: { float: 0.2 } });
    case 'softplus': return g.node('Softplus', [x], base);
    case 'softsign': return g.node('Softsign', [x], base);
    case 'exponential': return g.node('Exp', [x], base);
    // Keras 3: hard_sigmoid(x) = relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1)
    case 'hardSigmoid': return g.node('HardSigmoid', [x], base, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
    case 'relu6': {
      const lo = g.floatConstant(`${base}/min`, Float32Array.of(0), []);
      const hi = g.floatConstant(`${base}/max`, Float32Array.of(6), []);
      return g.node('Clip', [x, lo, hi], base);
    }
    case 'swish':
    case 'silu': return g.node('Mul', [x, g.node('Sigmoid', [x], `${base}/sigmoid`)], base);
    case 'gelu': {
      const erf = g.node('Erf', [g.node('Div', [x, g.floatConstant(`${base}/sqrt2`, Float32Array.of(Math.SQRT2), [])], `${base}/scaled`)], `${base}/erf`);
      const onePlus = g.node('Add', [erf, g.floatConstant(`${base}/one`, Float32Array.of(1), [])], `${base}/one_plus`);
      const half = g.node('Mul', [x, g.floatConstant(`${base}/half`, Float32Array.of(0.5), [])], `${base}/half_x`);
      return g.node('Mul', [half, onePlus], base);
    }
    default: throw new Error(`ONNX export: activation '${name}' has no ONNX mapping yet`);
  }
}

/** Conv attributes shared by Conv2D, DepthwiseConv2D, SeparableConv2D and the pools. */
function windowAttrs(kernel: readonly number[], strides: readonly number[], padding: 'valid' | 'same'): Record<string, number[] | string> {
  // SAME_UPPER puts the odd padding row/column at the end, as TensorFlow's 'same'.
  return { kernel_shape: [...kernel], strides: [...strides], ...(padding === 'same' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] }) };
}

function exportConv(g: GraphBuilder, layer: Conv2D | DepthwiseConv2D, x: OnnxValue, outShape: LayerShape): OnnxValue {
  const base = layer.name;
  const input = toNchw(g, x);
  const bias = layer.bias ? [weight(g, `${base}/bias`, layer.bias)] : [];
  const dilations = [...layer.dilationRate];
  let y: string;
  if (layer instanceof Conv2DTranspose) {
    // Keras' kernel [kH, kW, F, C] → ONNX's [C, F, kH, kW]. TF's transposed output is in·stride
    // (same) or in·stride + max(k_eff − stride, 0) (valid): crop k_eff − stride split as TF's
    // forward 'same' padding (the smaller half first), or grow by stride − k_eff at the end.
    const pads: number[] = [0, 0, 0, 0];
    const outputPadding = [0, 0];
    for (const a of [0, 1] as const) {
      const total = (layer.kernelSize[a] - 1) * layer.dilationRate[a] + 1 - layer.strides[a];
      if (total < 0) outputPadding[a] = -total;
      else if (layer.padding === 'same') {
        pads[a] = Math.floor(total / 2);
        pads[a + 2] = total - pads[a]!;
      }
    }
    const w = weight(g, `${base}/kernel`, layer.kernel!, [3, 2, 0, 1]);
    y = g.node('ConvTranspose', [input.name, w, ...bias], `${base}/conv_transpose`, {
      kernel_shape: [...layer.kernelSize], strides: [...layer.strides], dilations, pads, output_padding: outputPadding,
    });
  } else if (layer instanceof Conv2D) {
    const w = weight(g, `${base}/kernel`, layer.kernel!, [3, 2, 0, 1]);
    y = g.node('Conv', [input.name, w, ...bias], `${base}/conv`, { ...windowAttrs(layer.kernelSize, layer.strides, layer.padding), dilations });
  } else {
    // Depthwise: Keras' [kH, kW, C, m] → [C·m, 1, kH, kW] with group C (output channel c·m + j).
    const k = layer.depthwiseKernel!;
    const [kH, kW, c, m] = k.shape as [number, number, number, number];
    const w = g.floatConstant(`${base}/depthwise_kernel`, permute(k.values, [kH, kW, c * m], [2, 0, 1]), [c * m, 1, kH, kW]);
    const attrs = { ...windowAttrs(layer.kernelSize, layer.strides, layer.padding), dilations, group: c };
    if (layer instanceof SeparableConv2D) {
      const depthwise = g.node('Conv', [input.name, w], `${base}/depthwise`, attrs);
      const p = weight(g, `${base}/pointwise_kernel`, layer.pointwiseKernel!, [3, 2, 0, 1]);
      y = g.node('Conv', [depthwise, p, ...bias], `${base}/pointwise`, { kernel_shape: [1, 1] });
    } else {
      y = g.node('Conv', [input.name, w, ...bias], `${base}/depthwise`, attrs);
    }
  }
  return activation(g, layer.activation.name, { name: y, layout: 'nchw', shape: outShape }, `${base}/${layer.activation.name}`);
}

function exportBatchNorm(g: GraphBuilder, layer: BatchNormalization, x: OnnxValue, outShape: LayerShape): OnnxValue {
  const base = layer.name;
  const rank = x.shape.length;
  const axis = layer.axis < 0 ? rank + layer.axis : layer.axis;
  const d = layer.movingMean!.size;
  const gamma = layer.gamma?.values ?? new Float32Array(d).fill(1);
  const beta = layer.beta?.values ?? new Float32Array(d);
  if (rank === 4 && axis === 3) {
    const input = toNchw(g, x);
    const ins = [
      input.name, g.floatConstant(`${base}/gamma`, gamma, [d]), g.floatConstant(`${base}/beta`, beta, [d]),
      g.floatConstant(`${base}/moving_mean`, layer.movingMean!.values, [d]), g.floatConstant(`${base}/moving_variance`, layer.movingVariance!.values, [d]),
    ];
    return { name: g.node('BatchNormalization', ins, base, { epsilon: { float: layer.epsilon } }), layout: 'nchw', shape: outShape };
  }
  // Any other axis: (x − mean) · (γ / √(var + ε)) + β with the parameters shaped to broadcast.
  const input = toNhwc(g, x);
  const dims = x.shape.map((_, i) => (i === axis ? d : 1)).slice(1);
  const scale = Float32Array.from(gamma, (gm, i) => gm / Math.sqrt(layer.movingVariance!.values[i]! + layer.epsilon));
  const centered = g.node('Sub', [input.name, g.floatConstant(`${base}/moving_mean`, layer.movingMean!.values, dims)], `${base}/centered`);
  const scaled = g.node('Mul', [centered, g.floatConstant(`${base}/scale`, scale, dims)], `${base}/scaled`);
  return { name: g.node('Add', [scaled, g.floatConstant(`${base}/beta`, beta, dims)], base), layout: 'nhwc', shape: outShape };
}

const MERGE_OPS: Record<string, string> = { Add: 'Sum', Multiply: 'Mul', Subtract: 'Sub', Maximum: 'Max', Minimum: 'Min', Average: 'Sum' };

function exportMerge(g: GraphBuilder, layer: Layer, xs: OnnxValue[], outShape: LayerShape): OnnxValue {
  const base = layer.name;
  // Stay NCHW only when every input is an NCHW feature map; broadcasting across ranks needs NHWC.
  const layout: Layout = xs.every((v) => v.layout === 'nchw') ? 'nchw' : 'nhwc';
  const ins = xs.map((v) => (layout === 'nchw' ? v : toNhwc(g, v)));
  const names = ins.map((v) => v.name);
  if (layer instanceof Concatenate) {
    const rank = xs[0]!.shape.length;
    const axis = layer.axis < 0 ? rank + layer.axis : layer.axis;
    return { name: g.node('Concat', names, base, { axis: layout === 'nchw' ? [0, 3, 1, 2].indexOf(axis) : axis }), layout, shape: outShape };
  }
  const op = MERGE_OPS[layer.className]!;
  // Mul and Sub take two inputs: chain them.
  let y = op === 'Mul' || op === 'Sub' ? names.slice(1).reduce((a, b, i) => g.node(op, [a, b], i === names.length - 2 ? base : `${base}/partial`), names[0]!) : g.node(op, names, layer instanceof Average ? `${base}/sum` : base);
  if (layer instanceof Average) y = g.node('Div', [y, g.floatConstant(`${base}/count`, Float32Array.of(xs.length), [])], base);
  return { name: y, layout, shape: outShape };
}

/** Adds one layer call's operators; returns the call's output value. */
export function exportLayer(g: GraphBuilder, layer: Layer, xs: OnnxValue[], outShape: LayerShape): OnnxValue {
  const base = layer.name;
  if (layer instanceof Add || layer instanceof Subtract || layer instanceof Multiply || layer instanceof Average
    || layer instanceof Maximum || layer instanceof Minimum || layer instanceof Concatenate) return exportMerge(g, layer, xs, outShape);
  if (xs.length !== 1) throw new Error(`ONNX export: layer '${layer.name}' (${layer.className}) takes one input, got ${xs.length}`);
  const x = xs[0]!;
  const out = (name: string, layout: Layout = x.layout): OnnxValue => ({ name, layout, shape: outShape });
  if (IDENTITY.has(layer.className) || layer instanceof Dropout || layer instanceof InputLayer) return x;
  if (layer instanceof Dense) {
    const input = toNhwc(g, x);
    let y = g.node('MatMul', [input.name, weight(g, `${base}/kernel`, layer.kernel!)], `${base}/matmul`);
    if (layer.bias) y = g.node('Add', [y, weight(g, `${base}/bias`, layer.bias)], `${base}/bias_add`);
    return activation(g, layer.activation.name, out(y, 'nhwc'), `${base}/${layer.activation.name}`);
  }
  if (layer instanceof Activation) return activation(g, layer.activation.name, x, base);
  if (layer instanceof Flatten) return out(g.node('Flatten', [toNhwc(g, x).name], base, { axis: 1 }), 'nhwc');
  if (layer instanceof Reshape) return out(g.node('Reshape', [toNhwc(g, x).name, g.int64Constant(`${base}/shape`, [0, ...layer.targetShape])], base), 'nhwc');
  if (layer instanceof Normalization) {
    const input = toNhwc(g, x).name;
    const { mean, std } = layer.statistics();
    const d = mean.length;
    const m = g.floatConstant(`${base}/mean`, Float32Array.from(mean), [d]);
    const s = g.floatConstant(`${base}/std`, Float32Array.from(std), [d]);
    return out(layer.invert
      ? g.node('Add', [g.node('Mul', [input, s], `${base}/scaled`), m], base)
      : g.node('Div', [g.node('Sub', [input, m], `${base}/centered`), s], base), 'nhwc');
  }
  if (layer instanceof Conv2D || layer instanceof DepthwiseConv2D) return exportConv(g, layer, x, outShape);
  if (layer instanceof MaxPooling2D || layer instanceof AveragePooling2D) {
    const op = layer instanceof MaxPooling2D ? 'MaxPool' : 'AveragePool';
    return out(g.node(op, [toNchw(g, x).name], base, windowAttrs(layer.poolSize, layer.strides, layer.padding)), 'nchw');
  }
  if (layer instanceof GlobalAveragePooling2D || layer instanceof GlobalMaxPooling2D) {
    const op = layer instanceof GlobalAveragePooling2D ? 'GlobalAveragePool' : 'GlobalMaxPool';
    const pooled = g.node(op, [toNchw(g, x).name], layer.keepdims ? base : `${base}/pool`);
    return layer.keepdims ? out(pooled, 'nchw') : out(g.node('Flatten', [pooled], base, { axis: 1 }), 'nhwc');
  }
  if (layer instanceof BatchNormalization) return exportBatchNorm(g, layer, x, outShape);
  if (layer instanceof ZeroPadding2D) {
    const [[top, bottom], [left, right]] = layer.padding;
    return out(g.node('Pad', [toNchw(g, x).name, g.int64Constant(`${base}/pads`, [0, 0, top, left, 0, 0, bottom, right])], base, { mode: 'constant' }), 'nchw');
  }
  if (layer instanceof UpSampling2D) {
    // Nearest with 'asymmetric' + 'floor' maps output pixel i to input ⌊i / size⌋: plain repetition.
    // Bilinear is tf.image.resize's: half-pixel centres, edges clamped.
    const scales = g.floatConstant(`${base}/scales`, Float32Array.of(1, 1, ...layer.size), [4]);
    const attrs: Record<string, string> = layer.interpolation === 'bilinear'
      ? { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }
      : { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
    return out(g.node('Resize', [toNchw(g, x).name, '', scales], base, attrs), 'nchw');
  }
  throw new Error(`ONNX export: layer '${layer.name}' (${layer.className}) has no ONNX mapping yet`);
}
