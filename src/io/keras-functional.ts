/**
 * Functional models in Keras' JSON (what Keras and tfjs write for keras.Model(inputs, outputs)):
 *   { class_name: 'Functional', config: { name, layers: [{ class_name, config, name,
 *     inbound_nodes }], input_layers: [[name, node, tensor]], output_layers: [...] } }
 * inbound_nodes lists each call of a layer as the [layer, node, tensor, kwargs] entries of its
 * inputs (Keras 2 / tfjs); Keras 3's { args: [keras tensors with keras_history] } form is read too.
 */
import { Model } from '../models/model.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import type { JsonValue, Layer } from '../nn/layer.js';
import { SymbolicTensor } from '../nn/symbolic.js';
import { deserializeLayer, serializeLayer } from '../nn/serialization.js';
import { isObject, layerFromKeras, layerToKeras, sampleShapeOf, type JsonObject } from './keras-config.js';

/** Keras' JSON for a functional deepts model. */
export function functionalTopology(model: Model<never>): JsonObject {
  const { config } = model.toConfig();
  const nodes = config['nodes'] as { layer: string; inputs: [string, number][]; list: boolean }[];
  const layers = model.layers;
  const inbound = new Map<string, JsonValue[]>();
  for (const n of nodes) inbound.set(n.layer, [...(inbound.get(n.layer) ?? []), n.inputs.map(([name, node]) => [name, node, 0, {}])]);
  return {
    class_name: 'Functional',
    config: {
      name: model.name,
      trainable: model.trainable,
      layers: layers.map((l) => {
        const s = serializeLayer(l);
        const json = l instanceof InputLayer
          ? { class_name: 'InputLayer', config: { batch_input_shape: [...l.batchInputShape!], dtype: 'float32', sparse: false, name: l.name } as JsonObject }
          : layerToKeras(s, 'tfjs');
        return { ...json, name: l.name, inbound_nodes: inbound.get(l.name) ?? [] } as unknown as JsonValue;
      }),
      input_layers: (config['inputs'] as [string, number][]).map(([n, k]) => [n, k, 0]),
      output_layers: (config['outputs'] as [string, number][]).map(([n, k]) => [n, k, 0]),
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

/** [layer, node] references of one inbound node, in Keras 2/tfjs or Keras 3 form. */
function nodeInputs(node: JsonValue): [string, number][] {
  if (Array.isArray(node)) {
    return node.map((e) => {
      if (!Array.isArray(e) || typeof e[0] !== 'string') throw new Error(`functional model: bad inbound node entry ${JSON.stringify(e)}`);
      return [e[0], typeof e[1] === 'number' ? e[1] : 0];
    });
  }
  const refs: [string, number][] = [];
  const walk = (v: JsonValue): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      const h = isObject(v['config']) ? v['config']['keras_history'] : undefined;
      if (Array.isArray(h) && typeof h[0] === 'string') refs.push([h[0], typeof h[1] === 'number' ? h[1] : 0]);
      else Object.values(v).forEach(walk);
    }
  };
  if (isObject(node)) walk(node['args'] ?? []);
  return refs;
}

/** Rebuilds a functional model from Keras' JSON (tfjs or Keras 3 flavour). */
export function functionalFromKeras(top: JsonObject): Model<never> {
  const config = top['config'];
  if (!isObject(config) || !Array.isArray(config['layers'])) throw new Error('cannot load model: the functional config has no "layers" list');
  const entries = config['layers'].map((raw) => {
    if (!isObject(raw)) throw new Error('cannot load model: a layer entry is not an object');
    const serialized = layerFromKeras(raw);
    const rawConfig = isObject(raw['config']) ? raw['config'] : {};
    const name = typeof raw['name'] === 'string' ? raw['name'] : String(rawConfig['name']);
    serialized.config['name'] = name;
    let layer: Layer;
    if (serialized.className === 'InputLayer') {
      const shape = sampleShapeOf(rawConfig) ?? (serialized.config['shape'] as (number | null)[]);
      layer = new InputLayer({ shape: shape.map((d) => (d === null || d < 0 ? null : d)), name });
    } else {
      layer = deserializeLayer(serialized);
    }
    return { layer, nodes: (Array.isArray(raw['inbound_nodes']) ? raw['inbound_nodes'] : []).map(nodeInputs) };
  });
  const produced = new Map<string, SymbolicTensor[]>();
  for (const e of entries) {
    if (e.layer instanceof InputLayer) produced.set(e.layer.name, [new SymbolicTensor(e.layer.batchInputShape!, { layer: e.layer, inputs: [], listInput: false })]);
  }
  // Calls may refer to layers listed later (shared layers): apply each call once its inputs exist.
  const pending = entries.filter((e) => !(e.layer instanceof InputLayer)).flatMap((e) => e.nodes.map((refs, k) => ({ layer: e.layer, refs, k })));
  const lookup = ([name, k]: [string, number]): SymbolicTensor | undefined => produced.get(name)?.[k];
  while (pending.length > 0) {
    const i = pending.findIndex((p) => (produced.get(p.layer.name)?.length ?? 0) === p.k && p.refs.every((r) => lookup(r)));
    if (i < 0) throw new Error(`cannot load model: the calls of layer(s) ${pending.map((p) => `'${p.layer.name}'`).join(', ')} refer to inputs that are never produced`);
    const p = pending.splice(i, 1)[0]!;
    const ins = p.refs.map((r) => lookup(r)!);
    const out = p.layer.apply(ins.length === 1 && p.layer.className !== 'Concatenate' && !isMerge(p.layer) ? ins[0]! : ins);
    produced.set(p.layer.name, [...(produced.get(p.layer.name) ?? []), out]);
  }
  const refs = (v: JsonValue | undefined, what: string): SymbolicTensor[] => {
    if (!Array.isArray(v)) throw new Error(`cannot load model: the functional config has no ${what}`);
    // A single [name, node, tensor] triple is allowed too (Keras 3 with one input/output).
    const list = v.length > 0 && typeof v[0] === 'string' ? [v] : v;
    return list.map((r) => {
      const t = Array.isArray(r) && typeof r[0] === 'string' ? lookup([r[0], typeof r[1] === 'number' ? r[1] : 0]) : undefined;
      if (!t) throw new Error(`cannot load model: ${what} entry ${JSON.stringify(r)} is not produced by the graph`);
      return t;
    });
  };
  const inputs = refs(config['input_layers'], 'input_layers');
  const outputs = refs(config['output_layers'], 'output_layers');
  return new Model<SymbolicTensor | SymbolicTensor[]>({
    inputs, outputs: outputs.length === 1 ? outputs[0]! : outputs,
    name: typeof config['name'] === 'string' ? config['name'] : undefined,
  }) as unknown as Model<never>;
}

const MERGE = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot']);
const isMerge = (l: Layer): boolean => MERGE.has(l.className);
