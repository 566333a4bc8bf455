/**
 * The graph of a functional model (keras.Model(inputs, outputs)): the layer calls between the
 * symbolic inputs and outputs, in an order where every call comes after the calls it uses.
 * Running it maps each symbolic tensor to a concrete one; saving it lists the calls by layer
 * name and call number, so shared layers (one layer, several calls) come back shared.
 */
import type { Tensor } from '../tensor/tensor.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import type { CallArgs, JsonValue, Layer, LayerShape } from '../nn/layer.js';
import { SymbolicTensor, type GraphNode } from '../nn/symbolic.js';
import { deserializeLayer, serializeLayer, type SerializedLayer } from '../nn/serialization.js';
import { formatShape } from '../tensor/shape.js';
import { applyConvPool, fusesConvPool } from './fusion.js';
import type { SummaryRow } from './summary.js';

/** A reference to a layer call: [layer name, call number of that layer in this graph]. */
type NodeRef = [string, number];

export class FunctionalGraph {
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  /** Every symbolic tensor from inputs to outputs, each after the ones it is computed from. */
  readonly order: SymbolicTensor[];
  /** Layers in order of first use (InputLayers included). */
  readonly layers: Layer[];
  /** Which call of its layer each tensor is (Keras' node index). */
  private readonly callIndex = new Map<SymbolicTensor, number>();
  /** Tensors with one reader (see the constructor), and that reader. */
  private readonly soleReader = new Map<SymbolicTensor, SymbolicTensor>();

  constructor(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]) {
    for (const [what, list] of [['inputs', inputs], ['outputs', outputs]] as const) {
      if (list.length === 0) throw new Error(`Model: ${what} must not be empty`);
      list.forEach((t, i) => {
        if (!(t instanceof SymbolicTensor)) throw new Error(`Model: ${what}[${i}] is not a symbolic tensor (make inputs with Input({ shape }) and outputs by layer.apply(...))`);
      });
    }
    inputs.forEach((t, i) => {
      if (!(t.node.layer instanceof InputLayer)) throw new Error(`Model: inputs[${i}] must come from Input(), it comes from layer '${t.node.layer.name}'`);
    });
    this.inputs = [...inputs];
    this.outputs = [...outputs];
    const inputSet = new Set(inputs);
    const order: SymbolicTensor[] = [];
    const seen = new Set<SymbolicTensor>();
    // Iterative depth-first walk from the outputs back to the inputs.
    const stack: { t: SymbolicTensor; expanded: boolean }[] = outputs.map((t) => ({ t, expanded: false })).reverse();
    while (stack.length > 0) {
      const top = stack.pop()!;
      if (top.expanded) {
        order.push(top.t);
        continue;
      }
      if (seen.has(top.t)) continue;
      seen.add(top.t);
      stack.push({ t: top.t, expanded: true });
      if (inputSet.has(top.t)) continue;
      if (top.t.node.inputs.length === 0) {
        throw new Error(`Model: output depends on input '${top.t.node.layer.name}', which is not among the model's inputs`);
      }
      for (const i of [...top.t.node.inputs].reverse()) if (!seen.has(i)) stack.push({ t: i, expanded: false });
    }
    this.order = order;
    // A tensor read by exactly one layer call (with that tensor as its only input) and not a
    // model output: where fusion.ts may run producer and consumer as one kernel.
    const readers = new Map<SymbolicTensor, SymbolicTensor[]>();
    for (const t of order) for (const i of t.node.inputs) readers.set(i, [...(readers.get(i) ?? []), t]);
    const outputSet = new Set(outputs);
    for (const [t, rs] of readers) {
      const r = rs[0]!;
      if (rs.length === 1 && !outputSet.has(t) && !inputSet.has(t) && r.node.inputs.length === 1 && !r.node.listInput) this.soleReader.set(t, r);
    }
    const layers: Layer[] = [];
    const calls = new Map<Layer, number>();
    for (const t of order) {
      const layer = t.node.layer;
      const k = calls.get(layer) ?? 0;
      if (k === 0) layers.push(layer);
      calls.set(layer, k + 1);
      this.callIndex.set(t, k);
    }
    this.layers = layers;
    const names = new Map<string, Layer>();
    for (const l of layers) {
      const other = names.get(l.name);
      if (other && other !== l) throw new Error(`Model: two different layers are named '${l.name}'; layer names must be unique in a model`);
      names.set(l.name, l);
    }
  }

  /** Runs the graph on one tensor per input; returns one tensor per output. */
  run(xs: readonly Tensor[], kwargs: CallArgs): Tensor[] {
    if (xs.length !== this.inputs.length) throw new Error(`Model expects ${this.inputs.length} input${this.inputs.length === 1 ? '' : 's'}, got ${xs.length}`);
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((s, i) => {
      const x = xs[i]!;
      const want = s.shape.slice(1);
      const got = x.shape.slice(1);
      if (want.length !== got.length || want.some((d, j) => d !== null && d !== got[j])) {
        throw new Error(`input '${s.name}' expects samples of shape ${formatShape(want.map((d) => d ?? -1))}, got a batch of shape ${formatShape(x.shape)}`);
      }
      values.set(s, x);
    });
    for (const t of this.order) {
      if (values.has(t)) continue;
      const args = t.node.inputs.map((i) => values.get(i)!);
      const reader = this.soleReader.get(t);
      if (reader && !t.node.listInput && fusesConvPool(t.node.layer, reader.node.layer)) {
        values.set(reader, applyConvPool(t.node.layer, reader.node.layer, args[0]!, kwargs)); // t itself is never needed
        continue;
      }
      values.set(t, t.node.layer.apply(t.node.listInput ? args : args[0]!, kwargs));
    }
    return this.outputs.map((o) => values.get(o)!);
  }

  /** Keras' "Connected to" entries of the call producing t: layer[call][0] per input. */
  connections(t: SymbolicTensor): string[] {
    return t.node.inputs.map((i) => `${i.node.layer.name}[${this.callIndex.get(i) ?? 0}][0]`);
  }

  /** model.summary()'s rows: one per layer, its first call's output shape, "Connected to" from all its calls. */
  summaryRows(): SummaryRow[] {
    const firstCall = new Map<Layer, SymbolicTensor[]>();
    for (const t of this.order) firstCall.set(t.node.layer, [...(firstCall.get(t.node.layer) ?? []), t]);
    return this.layers.map((l) => {
      const calls = firstCall.get(l)!;
      return { name: l.name, type: l.className, outputShape: calls[0]!.shape, params: l.countParams(), connectedTo: calls.flatMap((t) => this.connections(t)) };
    });
  }

  toConfig(): { [k: string]: JsonValue } {
    const ref = (t: SymbolicTensor): NodeRef => [t.node.layer.name, this.callIndex.get(t)!];
    return {
      layers: this.layers.map((l) => serializeLayer(l) as unknown as JsonValue),
      nodes: this.order.filter((t) => t.node.inputs.length > 0).map((t) => ({ layer: t.node.layer.name, inputs: t.node.inputs.map(ref), list: t.node.listInput })),
      inputs: this.inputs.map(ref),
      outputs: this.outputs.map(ref),
    };
  }

  /** Rebuilds the symbolic graph from toConfig() output; returns its inputs and outputs. */
  static fromConfig(config: { [k: string]: JsonValue }): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
    const layerList = config['layers'];
    const nodes = config['nodes'];
    if (!Array.isArray(layerList) || !Array.isArray(nodes) || !Array.isArray(config['inputs']) || !Array.isArray(config['outputs'])) {
      throw new Error('functional model config: needs layers, nodes, inputs and outputs lists');
    }
    const layers = new Map<string, Layer>();
    const produced = new Map<string, SymbolicTensor[]>();
    for (const s of layerList) {
      const layer = deserializeLayer(s as unknown as SerializedLayer);
      layers.set(layer.name, layer);
      if (layer instanceof InputLayer) {
        produced.set(layer.name, [new SymbolicTensor(layer.batchInputShape as LayerShape, { layer, inputs: [], listInput: false })]);
      }
    }
    const lookup = (r: JsonValue): SymbolicTensor => {
      if (!Array.isArray(r) || typeof r[0] !== 'string' || typeof r[1] !== 'number') throw new Error(`functional model config: bad node reference ${JSON.stringify(r)}`);
      const t = produced.get(r[0])?.[r[1]];
      if (!t) throw new Error(`functional model config: call ${r[1]} of layer '${r[0]}' is used before it is defined`);
      return t;
    };
    for (const n of nodes) {
      const node = n as { layer: string; inputs: JsonValue[]; list: boolean };
      const layer = layers.get(node.layer);
      if (!layer) throw new Error(`functional model config: node of unknown layer '${node.layer}'`);
      const ins = node.inputs.map(lookup);
      const out = layer.apply(node.list ? ins : ins[0]!);
      produced.set(node.layer, [...(produced.get(node.layer) ?? []), out]);
    }
    return { inputs: (config['inputs'] as JsonValue[]).map(lookup), outputs: (config['outputs'] as JsonValue[]).map(lookup) };
  }
}

export type { GraphNode };
