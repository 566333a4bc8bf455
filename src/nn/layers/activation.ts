/** keras.layers.Activation and keras.layers.Dropout. */
import type { Tensor } from '../../tensor/tensor.js';
import { Tensor as T } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { getRng } from '../../tensor/random.js';
import { hostWrite } from '../../tensor/step-trace.js';
import { getActivation, type Activation as Act, type ActivationName } from '../activations.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';

export class Activation extends Layer {
  readonly className = 'Activation';
  override readonly supportsMasking = true;
  readonly activation: Act;
  constructor(activation: ActivationName | string, args: LayerArgs = {}) {
    super(args);
    this.activation = getActivation(activation);
  }
  call(x: Tensor): Tensor {
    return this.activation.apply(x);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }
  override getConfig(): LayerConfig {
    return { name: this.name, activation: this.activation.name };
  }
}

export interface DropoutArgs extends LayerArgs {
  seed?: number;
}

/**
 * Inverted dropout (as Keras): while training, zeroes a fraction `rate` of the
 * inputs and scales the rest by 1/(1-rate); identity in predict and evaluate.
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  override readonly supportsMasking = true;
  readonly rate: number;
  constructor(rate: number, args: DropoutArgs = {}) {
    super(args);
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout: rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
  }
  call(x: Tensor, { training = false }: CallArgs = {}): Tensor {
    if (!training || this.rate === 0) return x;
    const keep = 1 - this.rate;
    const mask = new Float32Array(x.size);
    // A compiled step draws a new mask on every replay, from the same generator in the same order as eager steps.
    hostWrite(mask, () => getRng().fillBernoulli(mask, keep, 1 / keep));
    return ops.mul(x, new T(mask, x.shape));
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return s;
  }
  override getConfig(): LayerConfig {
    return { name: this.name, rate: this.rate };
  }
}
