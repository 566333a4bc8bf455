/**
 * What compile() sets up for the training loops, and how a batch's loss and metrics are computed
 * from it (Keras' trainers/compile_utils.py: CompileLoss, CompileMetrics): the weighted losses of
 * the outputs plus the model's own, the running loss trackers, the metrics, and the log names.
 * Eager steps (./trainer.ts) and compiled ones (./compiled-step.ts, ./compiled-forward.ts) share it.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ops } from '../autograd/index.js';
import type { Loss } from './losses.js';
import { weightedLoss } from './sample-weights.js';
import type { Mean, Metric } from './metrics.js';
import type { Optimizer } from './optimizers/optimizer.js';
import type { Logs } from './callbacks/callback.js';

/** What compile() resolved: one loss (or null: not trained) and one metric list per model output. */
export interface Compiled {
  optimizer: Optimizer;
  losses: (Loss | null)[];
  lossWeights: number[];
  metrics: Metric[][];
  /** Keras' weighted_metrics: per output, metrics that are given the batch's sample weights. */
  weightedMetrics: Metric[][];
  outputNames: string[];
  /** The running mean of the total loss ('loss'), and of each output's loss when there are several. */
  lossTracker: Mean;
  outputLossTrackers: Mean[];
}

/** The total loss of a batch (weighted sum over outputs), and each output's loss. */
export function computeLosses(c: Compiled, ys: readonly Tensor[], yPreds: readonly Tensor[], sampleWeights?: readonly Tensor[]): { total: Tensor; perOutput: (Tensor | null)[] } {
  let total: Tensor | null = null;
  const perOutput = c.losses.map((loss, i) => {
    if (!loss) return null;
    // Keras applies one sample_weight to every output when it is given once.
    const value = weightedLoss(loss, ys[i]!, yPreds[i]!, sampleWeights?.[i] ?? sampleWeights?.[0] ?? null);
    const weighted = c.lossWeights[i] === 1 ? value : ops.mul(value, c.lossWeights[i]!);
    total = total ? ops.add(total, weighted) : weighted;
    return value;
  });
  if (!total) throw new Error('compile: no output has a loss');
  return { total, perOutput };
}

/**
 * The compiled loss plus the model's own losses (regularizer penalties, addLoss), as Keras 3's
 * compute_loss adds sum(model.losses): this total is what is trained, logged as 'loss' and evaluated.
 */
export function withModelLosses(model: { readonly losses: readonly Tensor[] }, total: Tensor): Tensor {
  let t = total;
  for (const l of model.losses) t = ops.add(t, l);
  return t;
}

/**
 * Updates the loss trackers and metrics with one batch and returns the logs so far. The
 * weighted metrics get the batch's sample weights (one set for every output when given once,
 * as Keras repeats them); without weights they count every sample once, as Keras' do.
 */
export function updateMetrics(c: Compiled, total: number, perOutput: readonly (Tensor | null)[], ys: readonly Tensor[], yPreds: readonly Tensor[], sampleWeights?: readonly Tensor[]): Logs {
  const n = ys[0]?.shape[0] ?? 1;
  c.lossTracker.update(total, n);
  if (c.losses.length > 1) perOutput.forEach((l, i) => l && c.outputLossTrackers[i]!.update(l.item(), n));
  c.metrics.forEach((ms, i) => ms.forEach((m) => m.update(ys[i]!, yPreds[i]!)));
  c.weightedMetrics.forEach((ms, i) => ms.forEach((m) => m.update(ys[i]!, yPreds[i]!, sampleWeights?.[i] ?? sampleWeights?.[0])));
  return metricLogs(c);
}

/**
 * Keras' log names: 'loss', then '<output>_loss' per output when there are several, then the
 * metrics, then the weighted metrics — under their own name, or 'weighted_<name>' when an
 * unweighted metric already has it (keras/src/trainers/compile_utils.py CompileMetrics.result).
 */
export function metricLogs(c: Compiled, prefix = ''): Logs {
  const logs: Logs = { [`${prefix}loss`]: c.lossTracker.result() };
  const multi = c.losses.length > 1;
  if (multi) c.outputNames.forEach((name, i) => c.losses[i] && (logs[`${prefix}${name}_loss`] = c.outputLossTrackers[i]!.result()));
  const seen = new Map<string, number>();
  /** A name not used yet: `name`, else `name_1`, `name_2`, … as Keras counts duplicates. */
  const unique = (name: string): string => {
    const count = seen.get(name);
    seen.set(name, (count ?? 0) + 1);
    return count === undefined ? name : `${name}_${count}`;
  };
  const outputPrefix = (i: number): string => (multi ? `${c.outputNames[i]}_` : '');
  c.metrics.forEach((ms, i) => ms.forEach((m) => (logs[prefix + unique(outputPrefix(i) + m.name)] = m.result())));
  c.weightedMetrics.forEach((ms, i) =>
    ms.forEach((m) => {
      const plain = outputPrefix(i) + m.name;
      logs[prefix + (seen.has(plain) ? unique(`${outputPrefix(i)}weighted_${m.name}`) : unique(plain))] = m.result();
    }),
  );
  return logs;
}

export function resetCompiledMetrics(c: Compiled): void {
  c.lossTracker.reset();
  c.outputLossTrackers.forEach((t) => t.reset());
  c.metrics.forEach((ms) => ms.forEach((m) => m.reset()));
  c.weightedMetrics.forEach((ms) => ms.forEach((m) => m.reset()));
}
