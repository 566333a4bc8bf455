/** Layers that only change shape: Flatten, Reshape, and InputLayer (declares the sample shape). */
import type { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { formatShape } from '../../tensor/shape.js';
import { Layer, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';

export class Flatten extends Layer {
  readonly className = 'Flatten';
  call(x: Tensor): Tensor {
    return ops.reshape(x, [x.shape[0]!, -1]);
  }
  computeOutputShape(s: LayerShape): LayerShape {
    const rest = s.slice(1);
    return [s[0] ?? null, rest.some((d) => d === null) ? null : rest.reduce<number>((a, b) => a * (b as number), 1)];
  }
  getConfig(): LayerConfig {
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
  computeOutputShape(s: LayerShape): LayerShape {
    const known = s.slice(1);
    const total = known.every((d) => d !== null) ? known.reduce<number>((a, b) => a * (b as number), 1) : null;
    const fixed = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return [s[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? (total === null ? null : total / fixed) : d))];
  }
  getConfig(): LayerConfig {
    return { name: this.name, targetShape: [...this.targetShape] };
  }
}

export interface InputArgs {
  /** One sample's shape; null where the size varies (e.g. [null, null, 3] for pictures of any size). */
  shape: readonly (number | null)[];
  name?: string;
}

/** keras.layers.InputLayer / keras.Input: declares the shape of one sample. Has no weights. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  constructor(args: InputArgs) {
    super({ name: args.name, inputShape: args.shape }, 'input_layer');
  }
  call(x: Tensor): Tensor {
    return x;
  }
  computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }
  getConfig(): LayerConfig {
    return { name: this.name, shape: this.batchInputShape!.slice(1) as (number | null)[] };
  }
}
