/** keras.Sequential: a plain stack of layers, each feeding the next. */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { InputLayer } from '../nn/layers/reshaping.js';
import { Layer, type CallArgs, type JsonValue, type LayerShape } from '../nn/layer.js';
import { deserializeLayer, registerLayer, serializeLayer, type SerializedLayer } from '../nn/serialization.js';
import { weightStructureChanged } from '../nn/weight-structure.js';
import { Model } from './model.js';
import { applyConvPool, fusesConvPool } from './fusion.js';
import { layerRows, summaryTable } from './summary.js';

export interface SequentialArgs {
  name?: string;
  trainable?: boolean;
}

export class Sequential extends Model {
  override readonly className = 'Sequential';
  private readonly stack: Layer[] = [];
  private inputShape: LayerShape | undefined;

  constructor(layers: readonly Layer[] = [], args: SequentialArgs = {}) {
    super({ name: args.name, trainable: args.trainable });
    for (const l of layers) this.add(l);
  }

  /** The layers, without the InputLayer (as Keras lists them). */
  override get layers(): Layer[] {
    return [...this.stack];
  }

  override subLayers(): Layer[] {
    return [...this.stack];
  }

  override get inputNames(): string[] {
    return [this.stack[0]?.name ?? 'input'];
  }

  override get outputNames(): string[] {
    return [this.stack[this.stack.length - 1]?.name ?? 'output'];
  }

  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new Error(`Sequential.add: expects a Layer, got ${typeof layer === 'object' && layer !== null ? (layer as object).constructor.name : typeof layer}`);
    weightStructureChanged(); // compiled plans of this model replay its old layers: they check again
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
    weightStructureChanged();
    return l;
  }

  /** Builds every layer from the known input shape, so summary() and weights work before fit. */
  private buildLayers(): void {
    let shape = this.inputShape!;
    for (const l of this.stack) {
      l.ensureBuilt(shape);
      shape = l.computeOutputShape(shape) as LayerShape;
    }
    this.built = true;
  }

  /**
   * Declares the input shape and builds the weights: Keras' batch shape ([null, 4]); a shape
   * without a leading null is read as one sample's shape ([4]).
   */
  override build(shape: LayerShape | readonly LayerShape[]): void {
    const s = shape as LayerShape;
    this.inputShape = s[0] === null ? [...s] : [null, ...s];
    this.buildLayers();
  }

  override call(x: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    if (Array.isArray(x)) {
      if (x.length !== 1) throw new Error(`Sequential '${this.name}' has one input, got a list of ${x.length} tensors`);
      x = x[0]!;
    }
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
    for (let i = 0; i < this.stack.length; i++) {
      const l = this.stack[i]!, next = this.stack[i + 1];
      if (next && fusesConvPool(l, next)) {
        h = applyConvPool(l, next, h, kwargs);
        i++;
      } else {
        h = l.apply(h, kwargs);
      }
    }
    return h;
  }

  protected override hasStaticCall(): boolean {
    return this.call === Sequential.prototype.call;
  }

  override summary(print: (line: string) => void = console.log): void {
    if (!this.inputShape) throw new Error(`summary(): the model '${this.name}' is not built yet; give the first layer an inputShape, start with an InputLayer, or call model.build(shape)`);
    this.buildLayers();
    const rows = layerRows(this.stack, this.inputShape);
    const trainable = this.trainableWeights.reduce((s, w) => s + w.size, 0);
    print(summaryTable(this.name, rows, trainable, this.countParams() - trainable));
  }

  override getConfig(): { [k: string]: JsonValue } {
    const layers: JsonValue[] = this.stack.map((l) => serializeLayer(l) as unknown as JsonValue);
    const config: { [k: string]: JsonValue } = { name: this.name, layers };
    if (this.inputShape) {
      config['inputShape'] = this.inputShape.slice(1) as (number | null)[];
      if (this.inputShape[0] !== null) config['batchSize'] = this.inputShape[0]!;
    }
    return config;
  }

  override toConfig(): { className: string; config: { [k: string]: JsonValue } } {
    return { className: 'Sequential', config: this.getConfig() };
  }

  static override fromConfig(config: { [k: string]: JsonValue }): Sequential {
    const layers = config['layers'];
    if (!Array.isArray(layers)) throw new Error('Sequential config: "layers" must be a list');
    const model = new Sequential([], { name: typeof config['name'] === 'string' ? config['name'] : undefined });
    const shape = config['inputShape'];
    const batchSize = typeof config['batchSize'] === 'number' ? config['batchSize'] : undefined;
    if (Array.isArray(shape)) model.add(new InputLayer({ shape: shape as (number | null)[], batchSize }));
    layers.forEach((l, i) => {
      try {
        model.add(deserializeLayer(l as unknown as SerializedLayer));
      } catch (e) {
        // Name the layer in the config, so a damaged saved model points at the entry to look at.
        const cls = typeof l === 'object' && l !== null && !Array.isArray(l) ? String(l['className']) : typeof l;
        throw new Error(`layers[${i}] (${cls}): ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    return model;
  }
}

registerLayer('Sequential', (c) => Sequential.fromConfig(c));
