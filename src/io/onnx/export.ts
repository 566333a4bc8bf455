/**
 * ONNX export: a deepts Sequential or functional model → an ONNX ModelProto (opset 17, IR
 * version 8) with named inputs and outputs ('input'/'output' for one, the Input layers' and
 * output layers' names for several), the batch dimension symbolic so any batch size runs.
 * Inputs and outputs keep deepts' channels-last layout; layers.ts maps each layer call to
 * standard ONNX operators (Conv and pools run NCHW between Transposes).
 *
 * Activations without an ONNX operator in opset 17 are composed from ones that exist
 * (gelu = x·½(1 + erf(x/√2)), swish = x·sigmoid(x), relu6 = Clip(0, 6)).
 */
import type { Model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import type { Layer, LayerShape } from '../../nn/layer.js';
import { InputLayer } from '../../nn/layers/index.js';
import { batchedFloat, GraphBuilder, type NodeValue, type TensorValue, type ValueInfo } from './graph.js';
import { exportLayer, toNhwc, type OnnxValue } from './layers.js';

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

/** One layer call of the model: which layer, the keys of its input values, the key of its output. */
interface Step {
  layer: Layer;
  inputs: string[];
  output: string;
}

/** The model's calls in order, its inputs (key, InputLayer) and output keys. Sequential and functional models. */
function stepsOf(model: Model): { steps: Step[]; inputs: { key: string; layer: InputLayer }[]; outputs: string[] } {
  if (model instanceof Sequential) {
    const inputShape = model.toConfig().config['inputShape'];
    if (!Array.isArray(inputShape)) throw new Error(`ONNX export: the model '${model.name}' has no known input shape; give the first layer an inputShape or call model.build(shape)`);
    if (!model.built) model.build([null, ...(inputShape as (number | null)[])]);
    const input = new InputLayer({ shape: inputShape as (number | null)[], name: `${model.name}/input` });
    const steps = model.layers.map((layer, i) => ({ layer, inputs: [`${i}`], output: `${i + 1}` }));
    return { steps, inputs: [{ key: '0', layer: input }], outputs: [`${steps.length}`] };
  }
  const { className, config } = model.toConfig();
  if (className !== 'Functional') throw new Error(`ONNX export supports Sequential and functional models; got ${className}`);
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const key = ([name, k]: [string, number]): string => `${name}:${k}`;
  const calls = new Map<string, number>();
  const steps = (config['nodes'] as { layer: string; inputs: [string, number][] }[]).map((n) => {
    const k = calls.get(n.layer) ?? 0;
    calls.set(n.layer, k + 1);
    return { layer: byName.get(n.layer)!, inputs: n.inputs.map(key), output: key([n.layer, k]) };
  });
  const inputs = (config['inputs'] as [string, number][]).map((r) => ({ key: key(r), layer: byName.get(r[0]) as InputLayer }));
  return { steps, inputs, outputs: (config['outputs'] as [string, number][]).map(key) };
}

/**
 * The ONNX model for a built Sequential or functional model, as plain objects (see encode.ts
 * for bytes). Inputs and outputs keep deepts' channels-last layout. With one input (output) it
 * is named 'input' ('output') unless the options say otherwise; with several, each is named
 * after its Input layer (the layer producing it).
 */
export function toOnnxModel(model: Model, options: OnnxExportOptions = {}): OnnxModelValue {
  const { steps, inputs, outputs } = stepsOf(model);
  const g = new GraphBuilder();
  const inputNames = inputs.map((i) => g.reserve(inputs.length === 1 ? (options.inputName ?? 'input') : i.layer.name));
  const outputNames = outputs.map((o) => g.reserve(outputs.length === 1 ? (options.outputName ?? 'output') : o.slice(0, o.lastIndexOf(':'))));
  const values = new Map<string, OnnxValue>();
  inputs.forEach((i, j) => values.set(i.key, { name: inputNames[j]!, layout: 'nhwc', shape: i.layer.batchInputShape! }));
  for (const step of steps) {
    const xs = step.inputs.map((k) => values.get(k)!);
    const inShape = xs.length === 1 && !isMergeLayer(step.layer) ? xs[0]!.shape : xs.map((v) => v.shape);
    const outShape = step.layer.computeOutputShape(inShape as LayerShape) as LayerShape;
    values.set(step.output, exportLayer(g, step.layer, xs, outShape));
  }
  const outValues = outputs.map((k) => toNhwc(g, values.get(k)!));
  // A graph output must be produced by a node: rename each output value with Identity.
  outValues.forEach((v, j) => g.nodes.push({ opType: 'Identity', input: [v.name], output: [outputNames[j]!], name: g.fresh(`${outputNames[j]}/Identity`), attribute: [] }));
  return {
    irVersion: ONNX_IR_VERSION,
    producerName: 'deepts',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map((i, j) => batchedFloat(inputNames[j]!, i.layer.batchInputShape!.slice(1))),
      output: outValues.map((v, j) => batchedFloat(outputNames[j]!, v.shape.slice(1))),
    },
  };
}

const isMergeLayer = (l: Layer): boolean => ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate'].includes(l.className);
