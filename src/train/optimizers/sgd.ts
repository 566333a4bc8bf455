import { Optimizer, optimizerArgs, type LearningRate, type OptimizerCommonArgs, type OptimizerConfig } from './optimizer.js';
import type { OptimizerRule } from '../../backend/kernels.js';

export interface SGDArgs extends OptimizerCommonArgs {
  learningRate?: LearningRate;
  momentum?: number;
  nesterov?: boolean;
}

/**
 * keras.optimizers.SGD(learning_rate=0.01, momentum=0.0, nesterov=False):
 *   m = momentum·m − lr·g;  w += m                 (plain momentum)
 *   m = momentum·m − lr·g;  w += momentum·m − lr·g (nesterov)
 */
export class SGD extends Optimizer {
  readonly name = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  protected readonly slotCount: number;

  constructor(learningRateOrArgs: LearningRate | SGDArgs = {}) {
    const args = optimizerArgs<SGDArgs>(learningRateOrArgs);
    super(args.learningRate ?? 0.01, args);
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`SGD: momentum must be in [0, 1], got ${this.momentum}`);
    this.slotCount = this.momentum > 0 ? 1 : 0;
  }

  protected rule(): { rule: OptimizerRule; h: number[] } {
    if (this.momentum === 0) return { rule: 'sgd', h: [this.learningRate] };
    return { rule: this.nesterov ? 'nesterov' : 'momentum', h: [this.learningRate, this.momentum] };
  }

  getConfig(): OptimizerConfig {
    return { ...this.commonConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
