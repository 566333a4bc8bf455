/**
 * A functional model as Keras 3 sees it, which is what the .keras format depends on:
 *
 * - the order of `model.layers`: Keras' Function.map_graph sorts the operations by decreasing
 *   depth (distance to the outputs), ties in the order a depth-first walk from the outputs first
 *   meets them. saving_lib numbers the weight groups `layers/<class>[_N]` in that order
 *   (InputLayers included: `input_layer`, `input_layer_1`, …), so reading or writing
 *   model.weights.h5 needs exactly this order, not deepts' own;
 * - the config (Functional.get_config): each layer with `name` and `inbound_nodes`, one
 *   `{ args, kwargs }` per call whose args hold `__keras_tensor__` objects with
 *   `keras_history: [layer, node, tensor]`, and `input_layers` / `output_layers`.
 *
 * Browser-safe; works on the model's JSON config (layer names and call numbers).
 */
import type { Model } from '../models/model.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import type { JsonValue, Layer, LayerShape } from '../nn/layer.js';
import type { JsonObject } from './keras-config.js';

/** One layer call: its layer, the keys of its inputs, whether they were passed as a list. */
interface CallNode {
  layer: Layer;
  /** This call's number among the layer's calls (Keras' node index). */
  index: number;
  inputs: string[];
  list: boolean;
}

export interface KerasGraph {
  /** Calls by key `layer:index`, in deepts' order (every call after those it uses). */
  nodes: Map<string, CallNode>;
  inputs: string[];
  outputs: string[];
}

const keyOf = ([name, k]: [string, number]): string => `${name}:${k}`;

/** The call graph of a functional deepts model, from its config. */
export function kerasGraphOf(model: Model<never>): KerasGraph {
  const { config } = model.toConfig();
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const nodes = new Map<string, CallNode>();
  const calls = new Map<string, number>();
  for (const l of model.layers) if (l instanceof InputLayer) nodes.set(`${l.name}:0`, { layer: l, index: 0, inputs: [], list: false });
  for (const n of config['nodes'] as { layer: string; inputs: [string, number][]; list: boolean }[]) {
    const k = calls.get(n.layer) ?? 0;
    calls.set(n.layer, k + 1);
    nodes.set(`${n.layer}:${k}`, { layer: byName.get(n.layer)!, index: k, inputs: n.inputs.map(keyOf), list: n.list });
  }
  return { nodes, inputs: (config['inputs'] as [string, number][]).map(keyOf), outputs: (config['outputs'] as [string, number][]).map(keyOf) };
}

/** model.layers in Keras' order (keras/src/ops/function.py: map_graph and _build_map). */
export function kerasLayerOrder(graph: KerasGraph): Layer[] {
  const finished = new Set<string>();
  const inProgress = new Set<string>();
  const decreasingDepth: string[] = [];
  const traversalIndex = new Map<Layer, number>();
  const inputs = new Set(graph.inputs);
  const walk = (key: string): void => {
    const node = graph.nodes.get(key)!;
    if (finished.has(key)) return;
    if (inProgress.has(key)) throw new Error(`the graph has a cycle through layer '${node.layer.name}'`);
    if (!traversalIndex.has(node.layer)) traversalIndex.set(node.layer, traversalIndex.size);
    inProgress.add(key);
    if (!inputs.has(key)) node.inputs.forEach(walk);
    finished.add(key);
    inProgress.delete(key);
    decreasingDepth.push(key);
  };
  graph.outputs.forEach(walk);
  const nodeDepth = new Map<string, number>();
  const layerDepth = new Map<Layer, number>();
  for (const key of [...decreasingDepth].reverse()) {
    const node = graph.nodes.get(key)!;
    // A shared layer keeps the greatest depth of its calls.
    const depth = Math.max(nodeDepth.get(key) ?? 0, layerDepth.get(node.layer) ?? 0);
    layerDepth.set(node.layer, depth);
    nodeDepth.set(key, depth);
    for (const parent of node.inputs) nodeDepth.set(parent, Math.max(depth + 1, nodeDepth.get(parent) ?? 0));
  }
  // Inputs the outputs do not use still belong to the model (depth 0, first in their depth).
  for (const key of graph.inputs) {
    const layer = graph.nodes.get(key)!.layer;
    if (!layerDepth.has(layer)) {
      layerDepth.set(layer, 0);
      traversalIndex.set(layer, -1);
    }
  }
  return [...layerDepth.keys()].sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || traversalIndex.get(a)! - traversalIndex.get(b)!);
}

/** The output shape of every call (batch axis null), from the inputs' shapes. */
function callShapes(graph: KerasGraph): Map<string, LayerShape> {
  const shapes = new Map<string, LayerShape>();
  for (const [key, node] of graph.nodes) {
    if (node.layer instanceof InputLayer) shapes.set(key, node.layer.batchInputShape!);
  }
  for (const [key, node] of graph.nodes) {
    if (node.inputs.length === 0) continue;
    const ins = node.inputs.map((k) => shapes.get(k)!);
    shapes.set(key, node.layer.computeOutputShape(node.list ? ins : ins[0]!) as LayerShape);
  }
  return shapes;
}

/**
 * Functional.get_config in Keras 3's form. `layerJson(layer, inputShapes)` gives a layer's
 * serialized object (module, class_name, config, registered_name, build_config).
 */
export function kerasFunctionalConfig(model: Model<never>, layerJson: (layer: Layer, inputShape: LayerShape | LayerShape[] | null) => JsonObject): JsonObject {
  const graph = kerasGraphOf(model);
  const shapes = callShapes(graph);
  const tensor = (key: string): JsonObject => {
    const node = graph.nodes.get(key)!;
    return {
      class_name: '__keras_tensor__',
      config: { shape: [...shapes.get(key)!], dtype: 'float32', keras_history: [node.layer.name, node.index, 0] },
    };
  };
  const callsOf = new Map<Layer, CallNode[]>();
  for (const node of graph.nodes.values()) if (node.inputs.length > 0) callsOf.set(node.layer, [...(callsOf.get(node.layer) ?? []), node]);
  const layers = kerasLayerOrder(graph).map((layer) => {
    const calls = (callsOf.get(layer) ?? []).sort((a, b) => a.index - b.index);
    const first = calls[0];
    const inputShape = first ? (first.list ? first.inputs.map((k) => [...shapes.get(k)!]) : [...shapes.get(first.inputs[0]!)!]) : null;
    return {
      ...layerJson(layer, inputShape),
      name: layer.name,
      inbound_nodes: calls.map((c) => ({ args: c.list ? [c.inputs.map(tensor)] : c.inputs.map(tensor), kwargs: {} })) as unknown as JsonValue,
    } as JsonObject;
  });
  // One input (output) is written as a single [layer, node, tensor], as Keras does for keras.Model(x, y).
  const refs = (keys: string[]): JsonValue => {
    const list = keys.map((k) => [graph.nodes.get(k)!.layer.name, graph.nodes.get(k)!.index, 0]);
    return list.length === 1 ? list[0]! : list;
  };
  return {
    module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional',
    config: { name: model.name, trainable: model.trainable, layers, input_layers: refs(graph.inputs), output_layers: refs(graph.outputs) },
  };
}
