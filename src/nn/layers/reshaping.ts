/** Layers that only change shape: Flatten, Reshape, and InputLayer (declares the sample shape). */
import type { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { formatShape } from '../../tensor/shape.js';
import { Layer, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import { SymbolicTensor } from '../symbolic.js';

export class Flatten extends Layer {
  readonly className = 'Flatten';
  call(x: Tensor): Tensor {
    return ops.reshape(x, [x.shape[0]!, -1]);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    const rest = s.slice(1);
    return [s[0] ?? null, rest.some((d) => d === null) ? null : rest.reduce<number>((a, b) => a * (b as number), 1)];
  }
  override getConfig(): LayerConfig {
    return { name: this.name };
  }
}

export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: readonly number[];
  constructor(targetShape: readonly number[], args: LayerArgs = {}) {
    super(args);
    if (targetShape.filter((d) => d === -1).length > 1) throw new Error('Reshape: at most one dimension may be -1');
    this.targetShape = [...targetShape];
  }
  call(x: Tensor): Tensor {
    try {
      return ops.reshape(x, [x.shape[0]!, ...this.targetShape]);
    } catch {
      throw new Error(`Reshape '${this.name}': cannot reshape samples of shape ${formatShape(x.shape.slice(1))} to ${formatShape(this.targetShape)}`);
    }
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    const known = s.slice(1);
    const total = known.every((d) => d !== null) ? known.reduce<number>((a, b) => a * (b as number), 1) : null;
    const fixed = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return [s[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? (total === null ? null : total / fixed) : d))];
  }
  override getConfig(): LayerConfig {
    return { name: this.name, targetShape: [...this.targetShape] };
  }
}

export interface InputArgs {
  /** Shape of one sample, without the batch axis (Keras' shape). */
  shape?: LayerShape;
  /** Keras' legacy name for shape (input_shape); also accepted. */
  inputShape?: LayerShape;
  /** A fixed batch size (Keras' batch_size). */
  batchSize?: number;
  /** The full shape with the batch axis (Keras' batch_shape), e.g. [null, 28, 28]. */
  batchShape?: LayerShape;
  name?: string;
}

function inputBatchShape(args: InputArgs, what: string): LayerShape {
  if (args.batchShape) return [...args.batchShape];
  const sample = args.shape ?? args.inputShape;
  if (!sample) throw new Error(`${what}: give the sample shape, e.g. { shape: [784] } (or inputShape / batchShape)`);
  if (!Array.isArray(sample) || !sample.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
    throw new Error(`${what}: shape must be a list of positive integers, got ${JSON.stringify(sample)}`);
  }
  if (args.batchSize !== undefined && !(Number.isInteger(args.batchSize) && args.batchSize > 0)) {
    throw new Error(`${what}: batchSize must be a positive integer, got ${args.batchSize}`);
  }
  return [args.batchSize ?? null, ...sample];
}

/** keras.layers.InputLayer: declares the shape of one sample. Has no weights. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  constructor(args: InputArgs) {
    super({ name: args.name, batchInputShape: inputBatchShape(args ?? {}, 'InputLayer') }, 'input_layer');
  }
  call(x: Tensor): Tensor {
    return x;
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }
  override getConfig(): LayerConfig {
    const shape = this.batchInputShape!;
    const config: LayerConfig = { name: this.name, shape: shape.slice(1) as (number | null)[] };
    if (shape[0] !== null) config['batchSize'] = shape[0]!;
    return config;
  }
}

/**
 * keras.Input: the symbolic input of a functional model.
 *   const inputs = Input({ shape: [784] });
 *   const outputs = new Dense(10).apply(new Dense(64, { activation: 'relu' }).apply(inputs));
 *   const model = new Model({ inputs, outputs });
 */
export function Input(args: InputArgs): SymbolicTensor {
  const layer = new InputLayer(args);
  return new SymbolicTensor(layer.batchInputShape!, { layer, inputs: [], listInput: false });
}
