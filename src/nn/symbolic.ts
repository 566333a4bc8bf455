/**
 * Symbolic tensors of the functional API (Keras' KerasTensor): a shape (batch axis null) and the
 * layer call that produces it. They hold no values; `new Model({ inputs, outputs })` walks the
 * nodes back from the outputs to the inputs to get the graph it runs.
 */
import type { Layer, LayerShape } from './layer.js';

/** One call of a layer in the graph: which layer, on which symbolic inputs. */
export interface GraphNode {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
  /** The layer was given a list (merge layers), not a single tensor. */
  readonly listInput: boolean;
}

let nextSymbolicId = 0;

export class SymbolicTensor {
  readonly id = nextSymbolicId++;
  readonly shape: LayerShape;
  readonly node: GraphNode;

  constructor(shape: LayerShape, node: GraphNode) {
    this.shape = Object.freeze([...shape]);
    this.node = node;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The layer that produced this tensor (an InputLayer for model inputs). */
  get sourceLayer(): Layer {
    return this.node.layer;
  }

  get name(): string {
    return this.node.layer.name;
  }

  toString(): string {
    return `SymbolicTensor(shape=(${this.shape.map((d) => (d === null ? 'None' : d)).join(', ')}), name=${this.name})`;
  }
}
