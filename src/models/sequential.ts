/** keras.Sequential: a plain stack of layers, each feeding the next. */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import { Layer, uniqueName, type JsonValue, type LayerShape } from '../nn/layer.js';
import { deserializeLayer, serializeLayer, type SerializedLayer } from '../nn/serialization.js';
import type { Variable } from '../nn/variable.js';
import { Model } from './model.js';
import { layerRows, summaryTable } from './summary.js';

export interface SequentialArgs {
  name?: string;
}

export class Sequential extends Model {
  readonly name: string;
  private readonly stack: Layer[] = [];
  private inputShape: LayerShape | undefined;

  constructor(layers: readonly Layer[] = [], args: SequentialArgs = {}) {
    super();
    this.name = args.name ?? uniqueName('sequential');
    for (const l of layers) this.add(l);
  }

  /** The layers, without the InputLayer (as Keras lists them). */
  get layers(): Layer[] {
    return [...this.stack];
  }

  add(layer: Layer): void {
    if (layer instanceof InputLayer) {
      if (this.stack.length > 0) throw new Error('Sequential: an InputLayer can only come first');
      this.inputShape = layer.batchInputShape;
      return;
    }
    if (this.stack.length === 0 && layer.batchInputShape && !this.inputShape) this.inputShape = layer.batchInputShape;
    this.stack.push(layer);
    if (this.inputShape) this.buildLayers();
  }

  pop(): Layer {
    const l = this.stack.pop();
    if (!l) throw new Error('Sequential.pop(): there are no layers');
    return l;
  }

  /** Builds every layer from the known input shape, so summary() and weights work before fit. */
  private buildLayers(): void {
    let shape = this.inputShape!;
    for (const l of this.stack) {
      if (!l.isBuilt) {
        l.build(shape);
      }
      shape = l.computeOutputShape(shape);
    }
  }

  /** Declares the sample shape (like adding an InputLayer) and builds the weights. */
  build(sampleShape: readonly (number | null)[]): void {
    this.inputShape = [null, ...sampleShape];
    this.buildLayers();
  }

  get weights(): Variable[] {
    return this.stack.flatMap((l) => l.weights);
  }

  forward(x: Tensor, training: boolean): Tensor {
    if (this.stack.length === 0) throw new Error(`Sequential '${this.name}' has no layers`);
    if (this.inputShape) {
      const expected = this.inputShape.slice(1);
      const got = x.shape.slice(1);
      if (expected.length !== got.length || expected.some((d, i) => d !== null && d !== got[i])) {
        throw new Error(`Sequential '${this.name}' expects samples of shape ${formatShape(expected.map((d) => d ?? -1))}, got a batch of shape ${formatShape(x.shape)}`);
      }
    } else {
      this.inputShape = [null, ...x.shape.slice(1)];
    }
    let h = x;
    for (const l of this.stack) h = l.apply(h, training);
    return h;
  }

  /** Keras' call(): the forward pass, inference mode by default. */
  call(x: Tensor, training = false): Tensor {
    return this.forward(x, training);
  }

  summary(print: (line: string) => void = console.log): void {
    if (!this.inputShape) throw new Error(`summary(): the model '${this.name}' is not built yet; give the first layer an inputShape, start with an InputLayer, or call model.build(shape)`);
    this.buildLayers();
    const rows = layerRows(this.stack, this.inputShape);
    const trainable = this.trainableWeights.reduce((s, w) => s + w.size, 0);
    print(summaryTable(this.name, rows, trainable, this.countParams() - trainable));
  }

  toConfig(): { className: string; config: { [k: string]: JsonValue } } {
    const layers: JsonValue[] = this.stack.map((l) => serializeLayer(l) as unknown as JsonValue);
    const config: { [k: string]: JsonValue } = { name: this.name, layers };
    if (this.inputShape) config['inputShape'] = this.inputShape.slice(1) as (number | null)[];
    return { className: 'Sequential', config };
  }

  static fromConfig(config: { [k: string]: JsonValue }): Sequential {
    const layers = config['layers'];
    if (!Array.isArray(layers)) throw new Error('Sequential config: "layers" must be a list');
    const model = new Sequential([], { name: typeof config['name'] === 'string' ? config['name'] : undefined });
    const shape = config['inputShape'];
    if (Array.isArray(shape)) model.add(new InputLayer({ shape: shape as (number | null)[] }));
    for (const l of layers) model.add(deserializeLayer(l as unknown as SerializedLayer));
    return model;
  }
}
