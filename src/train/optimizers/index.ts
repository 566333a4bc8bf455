import { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';
import { Adam, AdamW, Adamax, RMSprop, Adagrad } from './adaptive.js';

export { Optimizer, SGD, Adam, AdamW, Adamax, RMSprop, Adagrad };
export type { OptimizerCommonArgs } from './optimizer.js';
export type { OptimizerConfig } from './optimizer.js';
import type { OptimizerConfig } from './optimizer.js';
export type { SGDArgs } from './sgd.js';
export type { AdamArgs, AdamaxArgs, RMSpropArgs, AdagradArgs } from './adaptive.js';

export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'adamax' | 'rmsprop' | 'adagrad';

const byName: Record<OptimizerName, (config?: OptimizerConfig) => Optimizer> = {
  sgd: (c) => new SGD(c),
  adam: (c) => new Adam(c),
  adamw: (c) => new AdamW(c),
  adamax: (c) => new Adamax(c),
  rmsprop: (c) => new RMSprop(c),
  adagrad: (c) => new Adagrad(c),
};

/** An optimizer from its name and getConfig() output (how saved models restore theirs). */
export function optimizerFromConfig(name: string, config: OptimizerConfig): Optimizer {
  const f = byName[name.toLowerCase() as OptimizerName];
  if (!f) throw new Error(`unknown optimizer '${name}' (known: ${Object.keys(byName).join(', ')})`);
  return f(config);
}

/** 'adamax' (case-insensitive, Keras defaults) or an Optimizer instance. */
export function getOptimizer(id: OptimizerName | string | Optimizer): Optimizer {
  if (id instanceof Optimizer) return id;
  const f = byName[id.toLowerCase() as OptimizerName];
  if (!f) throw new Error(`unknown optimizer '${id}' (known: ${Object.keys(byName).join(', ')})`);
  return f();
}
