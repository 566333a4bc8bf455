/** keras.layers.Dense: y = activation(x · kernel + bias), applied on the last axis. */
import type { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { getActivation, type Activation, type ActivationName } from '../activations.js';
import { getInitializer, type Initializer, type InitializerName } from '../initializers.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import type { Variable } from '../variable.js';
import { penaltyConfig, weightOptions, type KernelBiasOptions } from './weight-options.js';

export interface DenseArgs extends LayerArgs, KernelBiasOptions {
  activation?: ActivationName | string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerName | string | Initializer;
  biasInitializer?: InitializerName | string | Initializer;
}

export class Dense extends Layer {
  readonly className = 'Dense';
  override readonly supportsMasking = true;
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly initializerNames: [string, string];
  private readonly kernelOptions: ReturnType<typeof weightOptions>;
  private readonly biasOptions: ReturnType<typeof weightOptions>;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(units: number, args: DenseArgs = {}) {
    super(args);
    if (!Number.isInteger(units) || units <= 0) throw new Error(`Dense: units must be a positive integer, got ${units}`);
    this.units = units;
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    const nameOf = (i: unknown, d: string): string => (typeof i === 'string' ? i : d);
    this.initializerNames = [nameOf(args.kernelInitializer, 'glorotUniform'), nameOf(args.biasInitializer, 'zeros')];
    this.kernelOptions = weightOptions(this.name, 'kernel', args.kernelRegularizer, args.kernelConstraint);
    this.biasOptions = weightOptions(this.name, 'bias', args.biasRegularizer, args.biasConstraint);
  }

  override build(inputShape: LayerShape): void {
    const inDim = inputShape[inputShape.length - 1];
    if (typeof inDim !== 'number') throw new Error(`Dense '${this.name}': the last input dimension must be known, got ${JSON.stringify(inputShape)}`);
    this.kernel = this.addWeight({ name: 'kernel', shape: [inDim, this.units], initializer: this.kernelInitializer, ...this.kernelOptions });
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [this.units], initializer: this.biasInitializer, ...this.biasOptions });
  }

  call(x: Tensor, kwargs: CallArgs = {}): Tensor {
    const kernel = this.kernel!;
    this.assertInput(x, kernel.shape[0]);
    if (x.rank !== 2) {
      // Dense acts on the last axis: fold the leading axes into rows and back.
      const lead = x.shape.slice(0, -1);
      const y = this.call(ops.reshape(x, [-1, kernel.shape[0]!]), kwargs);
      return ops.reshape(y, [...lead, this.units]);
    }
    const fused = this.activation.fused;
    if (fused) return ops.dense(x, kernel, this.bias, fused.op, fused.alpha);
    const z = ops.dense(x, kernel, this.bias, 'linear');
    return this.activation.apply(z);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    return {
      name: this.name, units: this.units, activation: this.activation.name, useBias: this.useBias,
      kernelInitializer: this.initializerNames[0], biasInitializer: this.initializerNames[1], trainable: this.trainable,
      ...penaltyConfig({
        kernelRegularizer: this.kernelOptions.regularizer, biasRegularizer: this.biasOptions.regularizer, activityRegularizer: this.activityRegularizer,
        kernelConstraint: this.kernelOptions.constraint, biasConstraint: this.biasOptions.constraint,
      }),
    };
  }
}
