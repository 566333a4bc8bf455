/**
 * model.compile's arguments resolved as Keras' compile does: one loss, loss weight and metric
 * list per output (given once for all, as a list in output order, or as a record by output
 * name), the optimizer, and the JSON record saved with the model so loadModel compiles it again.
 */
import type { JsonValue } from '../nn/layer.js';
import { getLoss, serializeLoss, type Loss, type LossConfig, type LossFn, type LossName } from '../train/losses.js';
import { Mean, getMetric, type Metric } from '../train/metrics.js';
import { getOptimizer, type Optimizer, type OptimizerName } from '../train/optimizers/index.js';
import type { Compiled } from '../train/trainer.js';
import type { JitCompile } from '../train/compiled-step.js';

export type LossSpec = LossName | string | Loss | LossFn;
export type MetricSpec = string | Metric;

export interface CompileArgs {
  optimizer: OptimizerName | string | Optimizer;
  /** One loss, or one per output (a list in output order, or a record by output name). */
  loss: LossSpec | readonly (LossSpec | null)[] | { readonly [output: string]: LossSpec };
  /** Weights of each output's loss in the total (Keras' loss_weights); default 1 each. */
  lossWeights?: readonly number[] | { readonly [output: string]: number };
  /** Metrics for every output, or per output (a list of lists, or a record by output name). */
  metrics?: readonly MetricSpec[] | readonly (readonly MetricSpec[])[] | { readonly [output: string]: MetricSpec | readonly MetricSpec[] };
  /**
   * Keras' weighted_metrics: metrics given the samples' weights (sampleWeight / classWeight),
   * the mean being Σ v·w / Σ w; written as `metrics`. Logged under their name, or as
   * 'weighted_<name>' when a plain metric has that name.
   */
  weightedMetrics?: readonly MetricSpec[] | readonly (readonly MetricSpec[])[] | { readonly [output: string]: MetricSpec | readonly MetricSpec[] };
  /**
   * Keras' jit_compile. 'auto' (default) and true: training steps of Sequential and functional
   * models made of traceable layers are recorded once per batch shape and replayed without
   * per-op JavaScript (see train/compiled-step.ts); other models, and false, run eagerly.
   * true also warns when a model falls back. Results agree with eager steps within float
   * rounding. (Keras compiles with XLA; deepts replays its own kernels.)
   */
  jitCompile?: JitCompile;
}

/** How the model was compiled, as JSON (saved with the model so loadModel can compile it again). */
export interface CompileConfig {
  loss: (string | null)[];
  /** Built-in losses with their arguments (fromLogits, ...), null for custom ones. */
  lossClasses: ({ className: string; config: LossConfig } | null)[];
  lossWeights: number[];
  metrics: string[][];
  /** Absent in records saved before weightedMetrics existed. */
  weightedMetrics?: string[][];
  optimizer: { name: string; config: { [k: string]: JsonValue } };
}

/** What compile() sets up: the trainer's view, the saved record, and the jitCompile setting. */
export interface ResolvedCompile {
  compiled: Compiled;
  config: CompileConfig;
  jit: JitCompile;
}

/**
 * Resolves compile()'s arguments for a model with the given output names (`functionalOutputs`:
 * the graph's output count, which a list of losses must match; undefined for subclassed models).
 */
export function resolveCompile(args: CompileArgs, names: readonly string[], functionalOutputs: number | undefined): ResolvedCompile {
  const perOutput = <T, D>(v: T | readonly T[] | { readonly [k: string]: T } | undefined, what: string, fallback: D, isItem: (x: unknown) => boolean): (T | D)[] => {
    if (v === undefined) return names.map(() => fallback);
    if (Array.isArray(v) && !isItem(v)) {
      if (functionalOutputs !== undefined && v.length !== functionalOutputs) throw new Error(`compile: ${what} has ${v.length} entries but the model has ${functionalOutputs} outputs (${names.join(', ')})`);
      return [...(v as T[])];
    }
    if (typeof v === 'object' && v !== null && !isItem(v)) {
      const rec = v as { [k: string]: T };
      const unknown = Object.keys(rec).filter((k) => !names.includes(k));
      if (unknown.length > 0) throw new Error(`compile: ${what} names unknown outputs ${unknown.join(', ')} (outputs: ${names.join(', ')})`);
      return names.map((n) => (n in rec ? rec[n]! : fallback));
    }
    return names.map(() => v as T);
  };
  const isLossItem = (x: unknown): boolean => typeof x === 'string' || typeof x === 'function' || (typeof x === 'object' && x !== null && typeof (x as Loss).call === 'function');
  const lossSpecs = perOutput<LossSpec | null, null>(args.loss as LossSpec, 'loss', null, isLossItem);
  const losses = lossSpecs.map((l) => (l === null ? null : getLoss(l)));
  if (losses.every((l) => l === null)) throw new Error('compile: give a loss (e.g. loss: "mse")');
  const lossWeights = perOutput<number, number>(args.lossWeights as unknown as number, 'lossWeights', 1, (x) => typeof x === 'number');
  const metricSpecs = metricSpecsPerOutput(args.metrics, losses.length, names, 'metrics');
  const metrics = metricSpecs.map((ms, i) => ms.map((m) => getMetric(m, losses[i] ?? null)));
  const weightedSpecs = metricSpecsPerOutput(args.weightedMetrics, losses.length, names, 'weightedMetrics');
  const weightedMetrics = weightedSpecs.map((ms, i) => ms.map((m) => getMetric(m, losses[i] ?? null)));
  const optimizer = getOptimizer(args.optimizer);
  const outputNames = losses.length === names.length ? [...names] : losses.map((_, i) => `output_${i + 1}`);
  const jit = args.jitCompile ?? 'auto';
  if (jit !== true && jit !== false && jit !== 'auto') throw new Error(`compile: jitCompile must be true, false or 'auto', got ${JSON.stringify(jit)}`);
  return {
    compiled: {
      optimizer, losses, lossWeights, metrics, weightedMetrics, outputNames,
      lossTracker: new Mean('loss'), outputLossTrackers: losses.map((_, i) => new Mean(`${outputNames[i]}_loss`)),
    },
    config: {
      loss: losses.map((l) => l?.name ?? null),
      lossClasses: losses.map((l) => (l ? serializeLoss(l) : null)),
      lossWeights,
      metrics: metricSpecs.map((ms) => ms.map((m) => (typeof m === 'string' ? m : m.name))),
      weightedMetrics: weightedSpecs.map((ms) => ms.map((m) => (typeof m === 'string' ? m : m.name))),
      optimizer: { name: optimizer.name, config: optimizer.getConfig() as { [k: string]: JsonValue } },
    },
    jit,
  };
}

function metricSpecsPerOutput(m: CompileArgs['metrics'], outputs: number, names: readonly string[], what: string): MetricSpec[][] {
  if (m === undefined) return Array.from({ length: outputs }, () => []);
  if (Array.isArray(m)) {
    if (m.length > 0 && m.every((e) => Array.isArray(e))) {
      if (m.length !== outputs) throw new Error(`compile: ${what} has ${m.length} lists but the model has ${outputs} outputs`);
      return (m as MetricSpec[][]).map((l) => [...l]);
    }
    // One list for every output, each output with its own metric objects.
    return Array.from({ length: outputs }, (_, i) => (m as MetricSpec[]).map((s) => (i === 0 || typeof s === 'string' ? s : s.name)));
  }
  const rec = m as { [k: string]: MetricSpec | readonly MetricSpec[] };
  const unknown = Object.keys(rec).filter((k) => !names.includes(k));
  if (unknown.length > 0) throw new Error(`compile: ${what} names unknown outputs ${unknown.join(', ')} (outputs: ${names.join(', ')})`);
  return names.map((n) => {
    const v = rec[n];
    return v === undefined ? [] : Array.isArray(v) ? [...(v as MetricSpec[])] : [v as MetricSpec];
  });
}
