/**
 * ONNX export: a deepts Sequential model → an ONNX ModelProto (opset 17, IR version 8)
 * with one input ('input', shape [batch, ...sample]) and one output ('output'), the batch
 * dimension symbolic so any batch size runs. Each layer maps to standard ONNX operators:
 *
 *   Dense          MatMul + Add (+ its activation)      Dropout   nothing (identity at inference)
 *   Flatten        Flatten(axis=1)                      Reshape   Reshape to [0, ...target] (0 = keep batch)
 *   Activation     the activation's operators           InputLayer nothing
 *   Normalization  Sub mean, Div std (invert: Mul std, Add mean), std = max(√variance, 1e-7)
 *
 * Activations without an ONNX operator in opset 17 are composed from ones that exist
 * (gelu = x·½(1 + erf(x/√2)), swish = x·sigmoid(x), relu6 = Clip(0, 6)).
 */
import type { Model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import type { Layer, LayerShape } from '../../nn/layer.js';
import { Activation, Dense, Dropout, Flatten, InputLayer, Reshape } from '../../nn/layers/index.js';
import { Normalization } from '../../nn/layers/normalization.js';
import { batchedFloat, GraphBuilder, type NodeValue, type TensorValue, type ValueInfo } from './graph.js';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export interface OnnxExportOptions {
  /** Graph input name (default 'input'). */
  inputName?: string;
  /** Graph output name (default 'output'). */
  outputName?: string;
}

export interface OnnxModelValue {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImport: { domain: string; version: number }[];
  graph: { name: string; node: NodeValue[]; initializer: TensorValue[]; input: ValueInfo[]; output: ValueInfo[] };
}

/** Applies a named activation to `x`, returning the output's name. */
function activation(g: GraphBuilder, name: string, x: string, base: string): string {
  switch (name) {
    case 'linear': return x;
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

/** Adds one layer's operators after value `x`; returns the layer's output value. */
function exportLayer(g: GraphBuilder, layer: Layer, x: string): string {
  const base = layer.name;
  if (layer instanceof Dense) {
    const kernel = layer.kernel!;
    let y = g.node('MatMul', [x, g.floatConstant(`${base}/kernel`, kernel.values, kernel.shape)], `${base}/matmul`);
    if (layer.bias) y = g.node('Add', [y, g.floatConstant(`${base}/bias`, layer.bias.values, layer.bias.shape)], `${base}/bias_add`);
    return activation(g, layer.activation.name, y, `${base}/${layer.activation.name}`);
  }
  if (layer instanceof Activation) return activation(g, layer.activation.name, x, base);
  if (layer instanceof Dropout || layer instanceof InputLayer) return x;
  if (layer instanceof Flatten) return g.node('Flatten', [x], base, { axis: 1 });
  if (layer instanceof Reshape) return g.node('Reshape', [x, g.int64Constant(`${base}/shape`, [0, ...layer.targetShape])], base);
  if (layer instanceof Normalization) {
    const { mean, std } = layer.statistics();
    const d = mean.length;
    const m = g.floatConstant(`${base}/mean`, Float32Array.from(mean), [d]);
    const s = g.floatConstant(`${base}/std`, Float32Array.from(std), [d]);
    return layer.invert
      ? g.node('Add', [g.node('Mul', [x, s], `${base}/scaled`), m], base)
      : g.node('Div', [g.node('Sub', [x, m], `${base}/centered`), s], base);
  }
  throw new Error(`ONNX export: layer '${layer.name}' (${layer.className}) has no ONNX mapping yet`);
}

/** The ONNX model for a built Sequential model, as plain objects (see encode.ts for bytes). */
export function toOnnxModel(model: Model, options: OnnxExportOptions = {}): OnnxModelValue {
  if (!(model instanceof Sequential)) throw new Error(`ONNX export supports Sequential models; got ${model.constructor.name}`);
  const inputShape = model.toConfig().config['inputShape'];
  if (!Array.isArray(inputShape)) throw new Error(`ONNX export: the model '${model.name}' has no known input shape; give the first layer an inputShape or call model.build(shape)`);
  const g = new GraphBuilder();
  const inputName = g.reserve(options.inputName ?? 'input');
  const outputName = options.outputName ?? 'output';
  let x = inputName;
  let shape: (number | null)[] = [null, ...(inputShape as number[])];
  model.build(inputShape as number[]);
  for (const layer of model.layers) {
    x = exportLayer(g, layer, x);
    shape = [...(layer.computeOutputShape(shape) as LayerShape)];
  }
  // The graph output must be produced by a node: rename the last value with Identity.
  g.reserve(outputName);
  g.nodes.push({ opType: 'Identity', input: [x], output: [outputName], name: g.fresh('output/Identity'), attribute: [] });
  return {
    irVersion: ONNX_IR_VERSION,
    producerName: 'deepts',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [batchedFloat(inputName, inputShape as number[])],
      output: [batchedFloat(outputName, shape.slice(1))],
    },
  };
}
