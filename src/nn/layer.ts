/**
 * The Layer base class (keras.layers.Layer): owns weights, builds them lazily
 * from the first input shape, and maps a batch tensor to a batch tensor.
 * Shapes here include the batch axis as null, as Keras prints them: (None, 128).
 */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { Variable } from './variable.js';
import type { Initializer } from './initializers.js';

export type LayerShape = readonly (number | null)[];
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type LayerConfig = { [key: string]: JsonValue };

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample (without the batch axis), like tfjs' inputShape / Keras' input_shape; null for a size known only at run time. */
  inputShape?: readonly (number | null)[];
}

const nameCounts = new Map<string, number>();

/** Keras-style unique names: dense, dense_1, dense_2, ... */
export function uniqueName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Resets the automatic name counters (like keras.backend.clear_session). */
export function clearSession(): void {
  nameCounts.clear();
}

export function snakeCase(className: string): string {
  // Conv2D → conv2d, MaxPooling2D → max_pooling2d (Keras' names), then split the camel case.
  return className.replace(/(\d)D(?=[A-Z]|$)/g, '$1d').replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  trainable: boolean;
  readonly batchInputShape: LayerShape | undefined;
  protected built = false;
  private readonly ownWeights: Variable[] = [];

  constructor(args: LayerArgs = {}, defaultBase?: string) {
    this.name = args.name ?? uniqueName(defaultBase ?? snakeCase(new.target.name));
    this.trainable = args.trainable ?? true;
    this.batchInputShape = args.inputShape ? [null, ...args.inputShape] : undefined;
  }

  /** Creates the weights for an input shape; called once, before the first call. */
  build(_inputShape: LayerShape): void {
    this.built = true;
  }

  get isBuilt(): boolean {
    return this.built;
  }

  /** The forward pass on a batch. `training` switches dropout-like behaviour. */
  abstract call(x: Tensor, training: boolean): Tensor;

  /** Output shape for an input shape (both with the batch axis as null). */
  abstract computeOutputShape(inputShape: LayerShape): LayerShape;

  /** The constructor arguments, JSON-serialisable, for saving. */
  abstract getConfig(): LayerConfig;

  /** Builds on first use, checks the rank, then calls. */
  apply(x: Tensor, training = false): Tensor {
    if (!this.built) {
      this.build([null, ...x.shape.slice(1)]);
      this.built = true;
    }
    return this.call(x, training);
  }

  protected addWeight(name: string, shape: readonly number[], initializer: Initializer, trainable = true): Variable {
    const v = new Variable(initializer(shape), shape, `${this.name}/${name}`, trainable && this.trainable);
    this.ownWeights.push(v);
    return v;
  }

  get weights(): Variable[] {
    return [...this.ownWeights];
  }

  get trainableWeights(): Variable[] {
    return this.trainable ? this.ownWeights.filter((w) => w.trainable) : [];
  }

  get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.ownWeights.filter((w) => !w.trainable) : [...this.ownWeights];
  }

  countParams(): number {
    return this.ownWeights.reduce((s, w) => s + w.size, 0);
  }

  /** Checks a sample shape against what the layer was built for, naming the layer. */
  protected assertInput(x: Tensor, expectedLast: number | undefined): void {
    if (expectedLast !== undefined && x.shape[x.rank - 1] !== expectedLast) {
      throw new Error(`layer '${this.name}' (${this.className}) expects inputs with last dimension ${expectedLast}, got shape ${formatShape(x.shape)}`);
    }
  }
}
