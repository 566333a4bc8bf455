/**
 * Compiled training steps: what model.compile({ jitCompile }) turns on (Keras' jit_compile).
 *
 * The first step of each batch shape runs eagerly while its kernel calls are traced
 * (tensor/step-trace.ts): forward pass, loss and backward pass, into buffers the plan keeps.
 * Later steps of that shape copy the batch into the plan's input buffers and replay the
 * recorded calls in order: no tensors, no autograd tape, no shape checks, no allocation.
 * A plain optimizer update (a kernel rule without clipping, weight decay or constraints) is
 * recorded too, its per-step hyper-parameters (step count, schedule) recomputed in JavaScript
 * first on each replay; other updates, and the metrics, run as in an eager step on the plan's
 * gradient and prediction buffers.
 *
 * Safety: only models made of layers whose work is all kernels (or declared host writes such
 * as dropout masks) are traced; the trace is checked for kernels writing into memory it reads
 * from outside; and the first replay of each plan is compared with an eager step on the same
 * batch (same weights, same random draws). Anything else falls back to eager steps, with the
 * reason in `status()`.
 */
import { Tensor } from '../tensor/tensor.js';
import { getRng } from '../tensor/random.js';
import { withoutBufferScope } from '../tensor/buffer-pool.js';
import { hoistIndependentWrites, traceStep, type TraceEntry } from '../tensor/step-trace.js';
import { getBackend, type CompiledTrace } from '../backend/registry.js';
import { gradients } from '../autograd/tape.js';
import type { Layer } from '../nn/layer.js';
import type { Variable } from '../nn/variable.js';
import { weightStructureVersion } from '../nn/weight-structure.js';
import { Optimizer } from './optimizers/optimizer.js';
import type { Logs } from './callbacks/callback.js';
import type { BatchRows, StepData, TrainableModel } from './trainer.js';
import { computeLosses, updateMetrics, withModelLosses, type Compiled } from './compile-utils.js';
import { copyRows } from './batch-feed.js';
import { checkTrace, close, sameList, untraceableReason } from './trace-checks.js';

/** Keras' jit_compile: 'auto' (the default) and true compile where the model allows it; false runs every step eagerly. */
export type JitCompile = boolean | 'auto';

export interface JitStatus {
  /** What compile() was given. */
  readonly setting: JitCompile;
  /** 'compiled' once a plan replays, 'pending' before the second step of a shape, 'eager' when steps run eagerly. */
  readonly mode: 'compiled' | 'pending' | 'eager';
  /** Why steps run eagerly (null when they do not). */
  readonly reason: string | null;
  /** Plans kept (one per batch shape, at most MAX_PLANS). */
  readonly plans: number;
  /** Steps run by replaying a plan so far. */
  readonly replayedSteps: number;
  /** evaluate / predict batches run by replaying a forward plan so far (src/train/compiled-forward.ts). */
  readonly replayedForwardBatches?: number;
}

/** Batch shapes whose plans are kept; a model fed many shapes re-traces the oldest (memory stays bounded). */
export const MAX_PLANS = 4;

/** Plans dropped before any replay after which a model stops tracing: its batch shapes keep changing. */
export const MAX_UNUSED_PLANS = 8;

interface StepResult {
  yPreds: Tensor[];
  total: Tensor;
  perOutput: (Tensor | null)[];
  grads: (Tensor | null)[];
}

interface StepPlan {
  readonly weights: readonly Variable[];
  /** The model's layers when the plan was traced (layers added or removed make it stale). */
  readonly layers: readonly Layer[];
  /** weightStructureVersion() when weights and layers were last found unchanged. */
  version: number;
  /** The plan's own copies of the batch (targets that are the inputs share them). */
  readonly xs: Tensor[];
  readonly ys: Tensor[];
  readonly run: CompiledTrace;
  /** run plus the optimizer update (one native plan on the addon), or null when the update stays eager. */
  readonly runWithUpdate: CompiledTrace | null;
  /** The optimizer's stateVersion the recorded update points into. */
  readonly optimizerVersion: number;
  /** The trace: it holds every buffer the plan uses (native plans keep raw pointers into them). */
  readonly trace: readonly TraceEntry[];
  /** Tensors over the plan's output buffers, without autograd graph. */
  readonly out: StepResult;
  verified: boolean;
  /** Steps this plan ran (the check against eager included). */
  replays: number;
}

/** The model facts the compiled step needs from src/models (which may not be imported here). */
export interface JitModel extends TrainableModel {
  /** Why this model cannot be traced at all (a subclassed model, an overridden trainStep), or null. */
  jitBlocker(): string | null;
  /** Every layer that runs in a step. */
  readonly layers: Layer[];
  /** State a step updates besides the trained weights (BatchNormalization's moving averages). */
  readonly nonTrainableWeights: Variable[];
  /** Every weight, trainable or not (a forward plan reads them all). */
  readonly weights: Variable[];
}

const pad = (s: readonly number[]): string => s.join('x');

export class CompiledTrainStep {
  private readonly plans = new Map<string, StepPlan>();
  private disabled: string | null;
  private replayed = 0;
  private unusedPlans = 0;
  private warned = false;

  constructor(
    private readonly model: JitModel,
    private readonly c: Compiled,
    readonly setting: JitCompile,
  ) {
    this.disabled = setting === false ? 'jitCompile is false' : null;
  }

  status(): JitStatus {
    const verified = [...this.plans.values()].some((p) => p.verified);
    const mode = this.disabled ? 'eager' : verified ? 'compiled' : 'pending';
    return { setting: this.setting, mode, reason: this.disabled, plans: this.plans.size, replayedSteps: this.replayed };
  }

  /** One training step: eager (recording a plan) the first time a batch shape is seen, replayed afterwards. */
  trainStep(data: StepData, eager: () => Logs): Logs {
    if (this.disabled) return eager();
    const key = this.keyOf(data);
    let plan = this.plans.get(key);
    if (plan && !this.unchanged(plan)) {
      this.plans.delete(key); // trainable weights or layers changed (layer.trainable, model.add): trace again
      plan = undefined;
    }
    if (!plan) {
      const reason = this.model.jitBlocker() ?? untraceableReason(this.model.layers, this.c.losses);
      if (reason) return this.fallBack(reason, eager);
      return this.record(key, data, this.model.trainableWeights);
    }
    plan.replays++;
    const withUpdate = plan.verified && plan.optimizerVersion === this.c.optimizer.stateVersion ? plan.runWithUpdate : null;
    // The batch into the plan's inputs: straight into the backend's copy where it offers that (WASM).
    const actions = withUpdate ?? plan.run;
    // Rows of larger tensors (fit's tensor feed) go straight into the plan's buffers, which the
    // metrics then read as the targets: the batch itself is never gathered.
    const direct = plan.verified && data.rows !== undefined && !actions.feed;
    if (direct) {
      feedRows(plan.xs, plan.ys, data.rows!);
    } else {
      const feed = (t: Tensor, values: Tensor): void => {
        if (!(plan!.verified && actions.feed?.(t.data, values.data))) t.data.set(values.data);
      };
      plan.xs.forEach((t, i) => feed(t, data.x[i]!));
      plan.ys.forEach((t, i) => t.data !== plan!.xs[i]?.data && feed(t, data.y[i]!));
    }
    if (!plan.verified) return this.verify(key, plan, data);
    for (const f of actions) f();
    this.replayed++;
    const fed = direct ? { x: plan.xs, y: plan.ys } : data;
    return withUpdate ? this.metrics(plan.out, fed) : this.finish(plan.out, fed);
  }

  private keyOf(data: StepData): string {
    return batchKey(data);
  }

  /**
   * Whether the plan's weights and layers are still the model's: walked again only after
   * something changed some model's weights or layers (nn/weight-structure.ts), not every step.
   */
  private unchanged(plan: StepPlan): boolean {
    const version = weightStructureVersion();
    if (plan.version === version) return true;
    if (!sameList(plan.weights, this.model.trainableWeights) || !sameList(plan.layers, this.model.layers)) return false;
    plan.version = version;
    return true;
  }

  private fallBack(reason: string, eager: () => Logs): Logs {
    this.disabled = reason;
    this.plans.clear();
    if (this.setting === true && !this.warned) {
      this.warned = true;
      console.warn(`deepts: jitCompile: training steps run eagerly: ${reason}`);
    }
    return eager();
  }

  private forwardBackward(xs: Tensor[], ys: Tensor[], weights: readonly Variable[]): StepResult {
    const yPreds = this.model.forwardAll(xs, true);
    const computed = computeLosses(this.c, ys, yPreds);
    const total = withModelLosses(this.model, computed.total);
    const perOutput = computed.perOutput;
    const grads = total.requiresGrad ? gradients(total, weights) : weights.map(() => null);
    return { yPreds, total, perOutput, grads };
  }

  private record(key: string, data: StepData, weights: readonly Variable[]): Logs {
    // Taken before the trace: a layer built while tracing moves it, and the next step checks again.
    const version = weightStructureVersion();
    const copy = (t: Tensor): Tensor => new Tensor(t.data.slice(), t.shape);
    const xs = data.x.map(copy);
    const ys = data.y.map((t) => {
      const i = data.x.findIndex((u) => u.data === t.data);
      return i >= 0 ? xs[i]! : copy(t);
    });
    const traced = withoutBufferScope(() => traceStep(() => this.forwardBackward(xs, ys, weights)));
    const { result } = traced;
    const entries = hoistIndependentWrites(traced.entries);
    const problem = result.total.requiresGrad ? checkTrace(entries) : 'the loss does not depend on any trainable weight';
    if (problem) {
      this.disabled = problem;
      if (this.setting === true && !this.warned) {
        this.warned = true;
        console.warn(`deepts: jitCompile: training steps run eagerly: ${problem}`);
      }
    } else {
      while (this.plans.size >= MAX_PLANS) {
        const oldest = this.plans.keys().next().value!;
        if (this.plans.get(oldest)!.replays === 0) this.unusedPlans++;
        this.plans.delete(oldest);
      }
      if (this.unusedPlans >= MAX_UNUSED_PLANS) {
        // Tracing costs a step's worth of fresh memory; with shapes that never repeat it never pays.
        this.plans.clear();
        this.disabled = `the batch shapes keep changing (${this.unusedPlans} plans were dropped before any replay)`;
        return this.finish(result, data);
      }
      const plain = (t: Tensor): Tensor => new Tensor(t.data, t.shape);
      const out: StepResult = {
        yPreds: result.yPreds.map(plain), total: plain(result.total),
        perOutput: result.perOutput.map((t) => t && plain(t)), grads: result.grads.map((t) => t && plain(t)),
      };
      // What JavaScript reads after a replay: the metrics' and the eager update's inputs.
      // (The gradients only when the update runs in JavaScript.)
      // Predictions only for outputs with metrics (updateMetrics reads nothing else of them): on WASM
      // every kept buffer is copied out of linear memory after each replay.
      const measured = out.yPreds.filter((_, i) => (this.c.metrics[i]?.length ?? 0) + (this.c.weightedMetrics[i]?.length ?? 0) > 0);
      const keep = [out.total, ...measured, ...out.perOutput, ...out.grads].flatMap((t) => (t ? [t.data] : []));
      const gradBuffers = new Set<unknown>(out.grads.flatMap((t) => (t ? [t.data] : [])));
      const compile = (es: readonly TraceEntry[], outputs = keep): CompiledTrace =>
        getBackend().compileTrace?.(es, outputs) ?? es.map((e) => (e.kind === 'host' ? e.fill : () => e.fn(...(e.args as never[]))));
      const optimizerVersion = this.c.optimizer.stateVersion;
      const update = this.traceUpdate(result);
      // The update's host write (count the step, compute its hyper-parameters) reads nothing the
      // step computes: it goes first, so on the addon the whole step is one plan.
      const runWithUpdate = update ? compile([update[0]!, ...entries, ...update.slice(1)], keep.filter((b) => !gradBuffers.has(b))) : null;
      this.plans.set(key, {
        weights: [...weights], layers: this.model.layers, version, xs, ys, run: compile(entries), runWithUpdate, optimizerVersion,
        trace: update ? [...entries, ...update] : entries, out, verified: false, replays: 0,
      });
      return this.metrics(result, data);
    }
    return this.finish(result, data);
  }

  /**
   * Applies the step's update; returns its trace when a replay can redo it (a plain kernel rule:
   * no clipping, weight decay or constraints, which run JavaScript per weight), else null.
   */
  private traceUpdate(r: StepResult): TraceEntry[] | null {
    const o = this.c.optimizer;
    const pairs = this.pairs(r);
    const plain = o.clipnorm === undefined && o.clipvalue === undefined && !o.weightDecay
      && o.applyGradients === Optimizer.prototype.applyGradients && pairs.every(([, v]) => !v.constraint);
    if (!plain || pairs.length === 0) {
      if (pairs.length > 0) o.applyGradients(pairs);
      return null;
    }
    const { entries } = traceStep(() => o.applyGradients(pairs));
    const kernelsOnly = entries.length === pairs.length + 1 && entries[0]!.kind === 'host'
      && entries.slice(1).every((e) => e.kind === 'kernel' && e.name === 'optimizerStep');
    return kernelsOnly ? entries : null;
  }

  /** The first replay of a plan, checked against an eager step on the same batch with the same random draws. */
  private verify(key: string, plan: StepPlan, data: StepData): Logs {
    const rng = getRng();
    const state = rng.getState();
    // The replay and the eager step both update the moving averages: keep only the eager one's.
    const moving = this.model.nonTrainableWeights.map((v) => Float32Array.from(v.values));
    for (const f of plan.run) f();
    const replayed = [plan.out.total, ...plan.out.grads].map((t) => t && Float32Array.from(t.values));
    rng.setState(state);
    this.model.nonTrainableWeights.forEach((v, i) => v.values.set(moving[i]!));
    const eager = this.forwardBackward(data.x, data.y, plan.weights);
    const expected = [eager.total, ...eager.grads];
    const bad = expected.findIndex((t, i) => !close(replayed[i] ?? null, t?.values ?? null));
    if (bad >= 0) {
      this.plans.delete(key);
      this.disabled = `the replayed step differed from the eager one (${bad === 0 ? 'loss' : `gradient of '${plan.weights[bad - 1]!.name}'`}): some op computes data in JavaScript that the trace cannot see`;
      if (this.setting === true && !this.warned) {
        this.warned = true;
        console.warn(`deepts: jitCompile: training steps run eagerly: ${this.disabled}`);
      }
    } else {
      plan.verified = true;
    }
    return this.finish(eager, data);
  }

  /** The optimizer update and the metrics, as Keras' default train_step does them. */
  private finish(r: StepResult, data: StepData): Logs {
    const pairs = this.pairs(r);
    if (pairs.length > 0) this.c.optimizer.applyGradients(pairs);
    return this.metrics(r, data);
  }

  private metrics(r: StepResult, data: StepData): Logs {
    return updateMetrics(this.c, r.total.item(), r.perOutput, data.y, r.yPreds);
  }

  private pairs(r: StepResult): [Tensor, Variable][] {
    const weights = this.model.trainableWeights;
    const pairs: [Tensor, Variable][] = [];
    r.grads.forEach((g, i) => g && pairs.push([g, weights[i]!]));
    return pairs;
  }
}

/**
 * A batch's plan key: the backend, each input's and target's dtype and shape, and which input each
 * target is (an autoencoder's). Rows of larger tensors (data.rows) are described without gathering them.
 */
export function batchKey(data: StepData): string {
  const rows = data.rows;
  if (!rows) return describeBatch(data, null);
  // Every batch of a tensor feed has the same key but the last: remember it per source.
  const backend = getBackend().name;
  const memo = rowKeys.get(rows.source);
  if (memo && memo.backend === backend && memo.count === rows.count) return memo.key;
  const key = describeBatch(rows.source, rows.count);
  rowKeys.set(rows.source, { backend, count: rows.count, key });
  return key;
}

const rowKeys = new WeakMap<StepData, { backend: string; count: number; key: string }>();

/** batchKey of `data`, or of `count` of its rows. */
function describeBatch({ x, y }: StepData, count: number | null): string {
  const shape = (t: Tensor): string => pad(count === null ? t.shape : [count, ...t.shape.slice(1)]);
  const xs = x.map((t) => `${t.dtype}${shape(t)}`).join(',');
  const ys = y.map((t) => `${t.dtype}${shape(t)}=${x.findIndex((u) => u.data === t.data)}`).join(',');
  return `${getBackend().name}|${xs}|${ys}`;
}

/** Copies a batch's rows into a plan's input and target buffers (targets that are inputs share them). */
export function feedRows(xs: readonly Tensor[], ys: readonly Tensor[], rows: BatchRows): void {
  xs.forEach((t, i) => copyRows(rows.source.x[i]!, rows, t.data));
  ys.forEach((t, i) => t.data !== xs[i]?.data && copyRows(rows.source.y[i]!, rows, t.data));
}

