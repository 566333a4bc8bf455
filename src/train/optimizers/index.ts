import { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';
import { Adam, Adamax, RMSprop, Adagrad } from './adaptive.js';

export { Optimizer, SGD, Adam, Adamax, RMSprop, Adagrad };
export type { OptimizerConfig } from './optimizer.js';
export type { SGDArgs } from './sgd.js';
export type { AdamArgs, AdamaxArgs, RMSpropArgs, AdagradArgs } from './adaptive.js';

export type OptimizerName = 'sgd' | 'adam' | 'adamax' | 'rmsprop' | 'adagrad';

const byName: Record<OptimizerName, () => Optimizer> = {
  sgd: () => new SGD(),
  adam: () => new Adam(),
  adamax: () => new Adamax(),
  rmsprop: () => new RMSprop(),
  adagrad: () => new Adagrad(),
};

/** 'adamax' (case-insensitive, Keras defaults) or an Optimizer instance. */
export function getOptimizer(id: OptimizerName | string | Optimizer): Optimizer {
  if (id instanceof Optimizer) return id;
  const f = byName[id.toLowerCase() as OptimizerName];
  if (!f) throw new Error(`unknown optimizer '${id}' (known: ${Object.keys(byName).join(', ')})`);
  return f();
}
