import { Optimizer, type OptimizerConfig } from './optimizer.js';

export interface SGDArgs {
  learningRate?: number;
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

  constructor(args: SGDArgs = {}) {
    super(args.learningRate ?? 0.01);
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`SGD: momentum must be in [0, 1], got ${this.momentum}`);
    this.slotCount = this.momentum > 0 ? 1 : 0;
  }

  protected updateStep(w: Float32Array, g: Float32Array, slots: Float32Array[]): void {
    const lr = this.learningRate;
    const n = w.length;
    if (this.momentum === 0) {
      for (let i = 0; i < n; i++) w[i]! -= lr * g[i]!;
      return;
    }
    const m = slots[0]!;
    const mu = this.momentum;
    for (let i = 0; i < n; i++) {
      const mi = mu * m[i]! - lr * g[i]!;
      m[i] = mi;
      w[i]! += this.nesterov ? mu * mi - lr * g[i]! : mi;
    }
  }

  getConfig(): OptimizerConfig {
    return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
  }
}
