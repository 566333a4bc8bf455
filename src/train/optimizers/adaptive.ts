/** The adaptive optimizers, with Keras 3's default hyper-parameters and update rules. */
import { Optimizer, optimizerArgs, type LearningRate, type OptimizerCommonArgs, type OptimizerConfig } from './optimizer.js';
import type { OptimizerRule } from '../../backend/kernels.js';

export interface AdamArgs extends OptimizerCommonArgs {
  learningRate?: LearningRate;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  amsgrad?: boolean;
}

/**
 * keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
 *   m += (g − m)(1 − β1);  v += (g² − v)(1 − β2)
 *   α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ);  w −= α·m/(√v + ε)   (amsgrad: v̂ = max(v̂, v) in place of v)
 */
export class Adam extends Optimizer {
  readonly name: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  protected readonly slotCount: number;

  constructor(learningRateOrArgs: LearningRate | AdamArgs = {}) {
    const args = optimizerArgs<AdamArgs>(learningRateOrArgs);
    super(args.learningRate ?? 0.001, args);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    this.amsgrad = args.amsgrad ?? false;
    this.slotCount = this.amsgrad ? 3 : 2;
  }

  protected rule(t: number): { rule: OptimizerRule; h: number[] } {
    const alpha = (this.learningRate * Math.sqrt(1 - Math.pow(this.beta2, t))) / (1 - Math.pow(this.beta1, t));
    return { rule: this.amsgrad ? 'amsgrad' : 'adam', h: [alpha, this.beta1, this.beta2, this.epsilon] };
  }

  getConfig(): OptimizerConfig {
    return { ...this.commonConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

export type AdamaxArgs = Omit<AdamArgs, 'amsgrad'>;

/**
 * keras.optimizers.Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7) — the lecture's optimizer:
 *   m += (g − m)(1 − β1);  u = max(β2·u, |g|);  w −= lr/(1 − β1ᵗ) · m/(u + ε)
 */
export class Adamax extends Optimizer {
  readonly name = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly slotCount = 2;

  constructor(learningRateOrArgs: LearningRate | AdamaxArgs = {}) {
    const args = optimizerArgs<AdamaxArgs>(learningRateOrArgs);
    super(args.learningRate ?? 0.001, args);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  protected rule(t: number): { rule: OptimizerRule; h: number[] } {
    return { rule: 'adamax', h: [this.learningRate / (1 - Math.pow(this.beta1, t)), this.beta1, this.beta2, this.epsilon] };
  }

  getConfig(): OptimizerConfig {
    return { ...this.commonConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export interface RMSpropArgs extends OptimizerCommonArgs {
  learningRate?: LearningRate;
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/**
 * keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
 *   v = ρ·v + (1 − ρ)·g²;  (centered: a = ρ·a + (1 − ρ)·g, denominator v − a²)
 *   Δ = lr·g/√(denominator + ε);  momentum: m = μ·m + Δ, w −= m;  else w −= Δ
 */
export class RMSprop extends Optimizer {
  readonly name = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  protected readonly slotCount = 3; // velocity, momentum, average gradient

  constructor(learningRateOrArgs: LearningRate | RMSpropArgs = {}) {
    const args = optimizerArgs<RMSpropArgs>(learningRateOrArgs);
    super(args.learningRate ?? 0.001, args);
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    this.centered = args.centered ?? false;
  }

  protected rule(): { rule: OptimizerRule; h: number[] } {
    return { rule: 'rmsprop', h: [this.learningRate, this.rho, this.momentum, this.epsilon, this.centered ? 1 : 0] };
  }

  getConfig(): OptimizerConfig {
    return { ...this.commonConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

export interface AdagradArgs extends OptimizerCommonArgs {
  learningRate?: LearningRate;
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/**
 * keras.optimizers.Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
 *   acc += g²;  w −= lr·g/√(acc + ε)
 */
export class Adagrad extends Optimizer {
  readonly name = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  protected readonly slotCount = 1;

  constructor(learningRateOrArgs: LearningRate | AdagradArgs = {}) {
    const args = optimizerArgs<AdagradArgs>(learningRateOrArgs);
    super(args.learningRate ?? 0.001, args);
    this.initialAccumulatorValue = args.initialAccumulatorValue ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  protected override slotInit(): number {
    return this.initialAccumulatorValue;
  }

  protected rule(): { rule: OptimizerRule; h: number[] } {
    return { rule: 'adagrad', h: [this.learningRate, this.epsilon] };
  }

  getConfig(): OptimizerConfig {
    return { ...this.commonConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

/**
 * keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
 * Adam with decoupled weight decay (w −= lr · weight_decay · w before each Adam step).
 */
export class AdamW extends Adam {
  override readonly name = 'AdamW';
  constructor(learningRateOrArgs: LearningRate | AdamArgs = {}) {
    const args = optimizerArgs<AdamArgs>(learningRateOrArgs);
    super({ ...args, weightDecay: args.weightDecay ?? 0.004 });
  }
}
