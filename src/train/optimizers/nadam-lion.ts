/**
 * Nadam and Lion with Keras 3's defaults and update rules. Their updates run as plain loops
 * here on every backend (an optimizer step is elementwise and cheap next to the matmuls);
 * the other optimizers' rules live in the backends' optimizerStep kernels.
 */
import { Optimizer, optimizerArgs, type ElementwiseRule, type LearningRate, type OptimizerCommonArgs, type OptimizerConfig } from './optimizer.js';
import type { OptimizerRule } from '../../backend/kernels.js';

export interface NadamArgs extends OptimizerCommonArgs {
  learningRate?: LearningRate;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** m, v ← Adam's moments; w −= lr · (u_{t+1}·m/(1 − Πu_{≤t+1}) + (1 − u_t)·g/(1 − Πu_{≤t})) / (√(v/(1 − β2ᵗ)) + ε). h = [lr, β1, β2, ε, uₜ, uₜ₊₁, Πu≤t, Πu≤t+1, β2ᵗ]. */
const nadamRule: ElementwiseRule = (w, g, [m, v], h) => {
  const [lr, b1, b2, eps, ut, ut1, prod, prod1, b2pow] = h as [number, number, number, number, number, number, number, number, number];
  const cm = ut1 / (1 - prod1);
  const cg = (1 - ut) / (1 - prod);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    const mi = m![i]! + (gi - m![i]!) * (1 - b1);
    const vi = v![i]! + (gi * gi - v![i]!) * (1 - b2);
    m![i] = mi;
    v![i] = vi;
    w[i]! -= (lr * (cm * mi + cg * gi)) / (Math.sqrt(vi / (1 - b2pow)) + eps);
  }
};

/**
 * keras.optimizers.Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7): Adam with
 * Nesterov momentum, the momentum schedule uₜ = β1·(1 − ½·0.96ᵗ) (Dozat 2016) and its running product.
 */
export class Nadam extends Optimizer {
  readonly name = 'Nadam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly slotCount = 2;
  /** Πu_{≤t} for the step it was computed at (recomputed after setState, which restores only the step count). */
  private product = { step: 0, value: 1 };

  constructor(learningRateOrArgs: LearningRate | NadamArgs = {}) {
    const args = optimizerArgs<NadamArgs>(learningRateOrArgs);
    super(args.learningRate ?? 0.001, args);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
  }

  private u(t: number): number {
    return this.beta1 * (1 - 0.5 * Math.pow(0.96, t));
  }

  private productAt(t: number): number {
    if (this.product.step > t) this.product = { step: 0, value: 1 };
    let { step, value } = this.product;
    while (step < t) value *= this.u(++step);
    this.product = { step, value };
    return value;
  }

  protected rule(t: number): { rule: OptimizerRule | ElementwiseRule; h: number[] } {
    const prod = this.productAt(t);
    return { rule: nadamRule, h: [this.learningRate, this.beta1, this.beta2, this.epsilon, this.u(t), this.u(t + 1), prod, prod * this.u(t + 1), Math.pow(this.beta2, t)] };
  }

  getConfig(): OptimizerConfig {
    return { ...this.commonConfig(), learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export interface LionArgs extends OptimizerCommonArgs {
  learningRate?: LearningRate;
  beta1?: number;
  beta2?: number;
}

/** w −= lr · sign(β1·m + (1 − β1)·g);  m = β2·m + (1 − β2)·g. h = [lr, β1, β2]. */
const lionRule: ElementwiseRule = (w, g, [m], h) => {
  const [lr, b1, b2] = h as [number, number, number];
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    const c = b1 * m![i]! + (1 - b1) * gi;
    w[i]! -= lr * (c > 0 ? 1 : c < 0 ? -1 : c); // sign, NaN stays NaN
    m![i] = b2 * m![i]! + (1 - b2) * gi;
  }
};

/**
 * keras.optimizers.Lion(learning_rate=0.001, beta_1=0.9, beta_2=0.99) (Chen et al. 2023, "Symbolic
 * Discovery of Optimization Algorithms"): the sign of an interpolated momentum. Its steps are all of
 * size lr, so it wants a learning rate 3-10× smaller than AdamW's (and a larger weight decay).
 */
export class Lion extends Optimizer {
  readonly name = 'Lion';
  readonly beta1: number;
  readonly beta2: number;
  protected readonly slotCount = 1;

  constructor(learningRateOrArgs: LearningRate | LionArgs = {}) {
    const args = optimizerArgs<LionArgs>(learningRateOrArgs);
    super(args.learningRate ?? 0.001, args);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.99;
    if (!(this.beta1 > 0 && this.beta1 <= 1)) throw new Error(`Lion: beta1 must be in (0, 1], got ${this.beta1} (as Keras)`);
  }

  protected rule(): { rule: OptimizerRule | ElementwiseRule; h: number[] } {
    return { rule: lionRule, h: [this.learningRate, this.beta1, this.beta2] };
  }

  getConfig(): OptimizerConfig {
    return { ...this.commonConfig(), learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2 };
  }
}
