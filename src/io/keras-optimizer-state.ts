/**
 * The optimizer's state in a `.keras` file, where Keras 3 keeps it: model.weights.h5's
 * /optimizer/vars/<i>, one dataset per entry of `optimizer.variables`
 * (BaseOptimizer.save_own_variables). That list is, in creation order:
 *
 *   iteration (int), learning_rate (only when it is a number, not a schedule),
 *   then what the optimizer's build(model.trainable_variables) adds.
 *
 * build() calls add_optimizer_variables once per group of slots; one call creates its slots
 * interleaved per variable (Adam: m0 v0 m1 v1 …), separate calls one after the other (RMSprop:
 * all velocities, then all momentums). Nadam adds its running product of momentum factors
 * last. deepts keeps the same numbers per variable (its slots), so writing and reading is a
 * reordering. A file whose count does not fit is skipped with Keras' own warning, as
 * load_own_variables does: the model still loads, its optimizer starts afresh.
 */
import type { Group } from 'h5wasm';
import type { Model } from '../models/model.js';
import type { Layer } from '../nn/layer.js';
import type { Variable } from '../nn/variable.js';
import type { Optimizer } from '../train/optimizers/optimizer.js';

/** deepts slot indices per add_optimizer_variables call of Keras' build(), for each optimizer class. */
function kerasSlotGroups(opt: Optimizer): number[][] | null {
  const c = opt.getConfig() as { [k: string]: unknown };
  switch (opt.name) {
    case 'SGD': return Number(c['momentum'] ?? 0) !== 0 ? [[0]] : [];
    case 'Adam': case 'AdamW': return c['amsgrad'] === true ? [[0, 1], [2]] : [[0, 1]];
    case 'Adamax': case 'Nadam': return [[0, 1]];
    case 'RMSprop': return [[0], ...(Number(c['momentum'] ?? 0) > 0 ? [[1]] : []), ...(c['centered'] === true ? [[2]] : [])];
    case 'Adagrad': case 'Lion': return [[0]];
    default: return null;
  }
}

/** model.trainable_variables in Keras' order: the layers as Keras lists them, each layer's own trainable weights. */
export function kerasTrainableVariables(layers: readonly Layer[]): Variable[] {
  return [...new Set(layers.flatMap((l) => l.trainableWeights))];
}

/** Nadam's running product Π uₛ for s ≤ t, uₛ = β1·(1 − ½·0.96ˢ), as Keras keeps it after t steps. */
function nadamProduct(beta1: number, t: number): number {
  let p = 1;
  for (let s = 1; s <= t; s++) p *= beta1 * (1 - 0.5 * Math.pow(0.96, s));
  return p;
}

interface Entry { data: Float32Array | BigInt64Array; shape: number[]; dtype: '<f' | '<q' }

/** optimizer.variables as Keras lists them, or null for an optimizer Keras does not have. */
function kerasOptimizerEntries(opt: Optimizer, trainable: readonly Variable[]): Entry[] | null {
  const groups = kerasSlotGroups(opt);
  if (!groups) return null;
  const entries: Entry[] = [{ data: BigInt64Array.of(BigInt(opt.iterations)), shape: [], dtype: '<q' }];
  if (!opt.learningRateSchedule) entries.push({ data: Float32Array.of(opt.learningRate), shape: [], dtype: '<f' });
  // Keras builds its slots on the first step (or when compiled from a file): before that, none.
  if (opt.iterations === 0) return entries;
  const state = new Map(opt.getState().slots.map((s) => [s.name, s.values]));
  for (const group of groups) {
    for (const v of trainable) {
      const slots = state.get(v.name);
      for (const i of group) {
        entries.push({ data: slots?.[i] ?? new Float32Array(v.size).fill(opt.initialSlotValue(i)), shape: [...v.shape], dtype: '<f' });
      }
    }
  }
  if (opt.name === 'Nadam') entries.push({ data: Float32Array.of(nadamProduct(Number(opt.getConfig()['beta1'] ?? 0.9), opt.iterations)), shape: [], dtype: '<f' });
  return entries;
}

/** Writes /optimizer/vars of a compiled model (nothing for an optimizer Keras has no counterpart of). */
export function writeKerasOptimizerVars(root: Group, model: Model<never>, layers: readonly Layer[]): void {
  const opt = model.optimizer;
  if (!opt) return;
  const entries = kerasOptimizerEntries(opt, kerasTrainableVariables(layers));
  if (!entries) return;
  const vars = root.create_group('optimizer').create_group('vars');
  entries.forEach((e, i) => vars.create_dataset({ name: String(i), data: e.data, shape: e.shape, dtype: e.dtype }));
}

/** An h5 dataset's value as numbers (a scalar arrives bare; int64 values, such as counts, as bigint). */
export function numbersOf(raw: unknown): number[] {
  if (typeof raw === 'number' || typeof raw === 'bigint') return [Number(raw)];
  return Array.from(raw as ArrayLike<number | bigint>, (v) => Number(v));
}

/**
 * Restores the optimizer state of a model compiled from the file's compile_config. Returns a
 * warning when the file's optimizer variables do not fit this optimizer (as Keras, which then
 * skips them), null otherwise.
 */
export function readKerasOptimizerVars(root: Group, model: Model<never>, layers: readonly Layer[], where: string): string | null {
  const opt = model.optimizer;
  if (!opt || !root.keys().includes('optimizer')) return null;
  const optGroup = root.get('optimizer') as Group;
  if (!optGroup.keys().includes('vars')) return null;
  const vars = optGroup.get('vars') as Group;
  const keys = vars.keys().sort((a: string, b: string) => Number(a) - Number(b));
  const groups = kerasSlotGroups(opt);
  const trainable = kerasTrainableVariables(layers);
  const head = opt.learningRateSchedule ? 1 : 2;
  const slotCount = groups ? groups.reduce((n, g) => n + g.length, 0) * trainable.length : 0;
  const built = head + slotCount + (opt.name === 'Nadam' ? 1 : 0);
  const skip = (why: string): string => `${where}: skipping variable loading for optimizer '${opt.name}', ${why}; it starts afresh`;
  if (!groups) return skip('Keras has no such optimizer');
  if (keys.length !== head && keys.length !== built) {
    return skip(`because it has ${built} variables whereas the saved optimizer has ${keys.length} variables`);
  }
  const read = (i: number): { values: number[]; shape: number[] } => {
    const ds = vars.get(keys[i]!) as unknown as { value: unknown; shape: number[] | null };
    return { values: numbersOf(ds.value), shape: ds.shape ?? [] };
  };
  const iterations = read(0).values[0]!;
  if (!Number.isSafeInteger(iterations) || iterations < 0) return skip(`its iteration count is ${iterations}`);
  const slots = new Map(trainable.map((v) => [v, Array.from({ length: opt.slotsPerVariable }, (_, i) => new Float32Array(v.size).fill(opt.initialSlotValue(i)))]));
  if (keys.length === built) {
    let at = head;
    for (const group of groups) {
      for (const v of trainable) {
        for (const i of group) {
          const { values, shape } = read(at);
          if (shape.join(',') !== v.shape.join(',')) return skip(`because optimizer/vars/${keys[at]} has shape [${shape}] where '${v.name}' needs [${v.shape}]`);
          slots.get(v)![i]!.set(values);
          at++;
        }
      }
    }
  }
  opt.setState({
    iterations,
    // An unbuilt optimizer's file (only its iteration and learning rate) restores the count alone.
    slots: keys.length === built && iterations > 0 ? [...slots].map(([v, values]) => ({ name: v.name, values })) : [],
  }, trainable);
  return null;
}
