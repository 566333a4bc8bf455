import { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';
import { Adam, AdamW, Adamax, RMSprop, Adagrad } from './adaptive.js';
import { Nadam, Lion } from './nadam-lion.js';

export { Optimizer, SGD, Adam, AdamW, Adamax, RMSprop, Adagrad, Nadam, Lion };
export type { OptimizerCommonArgs, OptimizerConfig, LearningRate, ElementwiseRule } from './optimizer.js';
export * as schedules from './schedules.js';
export { LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, CosineDecay } from './schedules.js';
import { scheduleFromConfig } from './schedules.js';
import type { OptimizerConfig } from './optimizer.js';
import type { SGDArgs } from './sgd.js';
import type { AdamArgs, RMSpropArgs, AdagradArgs } from './adaptive.js';
export type { SGDArgs } from './sgd.js';
export type { AdamArgs, AdamaxArgs, RMSpropArgs, AdagradArgs } from './adaptive.js';
export type { NadamArgs, LionArgs } from './nadam-lion.js';

export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'adamax' | 'rmsprop' | 'adagrad' | 'nadam' | 'lion';

/** What a saved config becomes once its schedule (if any) is rebuilt: every optimizer takes the keys it knows. */
type RestoredArgs = AdamArgs & SGDArgs & RMSpropArgs & AdagradArgs;

const byName: Record<OptimizerName, (config?: RestoredArgs) => Optimizer> = {
  sgd: (c) => new SGD(c),
  adam: (c) => new Adam(c),
  adamw: (c) => new AdamW(c),
  adamax: (c) => new Adamax(c),
  rmsprop: (c) => new RMSprop(c),
  adagrad: (c) => new Adagrad(c),
  nadam: (c) => new Nadam(c),
  lion: (c) => new Lion(c),
};

/** An optimizer from its name and getConfig() output (how saved models restore theirs), a saved schedule included. */
export function optimizerFromConfig(name: string, config: OptimizerConfig): Optimizer {
  const f = byName[name.toLowerCase() as OptimizerName];
  if (!f) throw new Error(`unknown optimizer '${name}' (known: ${Object.keys(byName).join(', ')})`);
  const lr = config.learningRate;
  return f({ ...config, learningRate: typeof lr === 'object' && lr !== null ? scheduleFromConfig(lr) : lr } as RestoredArgs);
}

/** 'adamax' (case-insensitive, Keras defaults) or an Optimizer instance. */
export function getOptimizer(id: OptimizerName | string | Optimizer): Optimizer {
  if (id instanceof Optimizer) return id;
  const f = byName[id.toLowerCase() as OptimizerName];
  if (!f) throw new Error(`unknown optimizer '${id}' (known: ${Object.keys(byName).join(', ')})`);
  return f();
}
