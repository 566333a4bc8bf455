/**
 * Compiled forward passes: evaluate's test steps (forward, losses) and predict's batches
 * (forward only), replayed like compiled training steps (./compiled-step.ts) under the same
 * jitCompile setting. The first batch of each shape runs eagerly while its kernels are traced,
 * into buffers the plan keeps; the next one replays the plan and is checked against an eager
 * pass on the same batch; later ones copy the batch into the plan's inputs and replay it (on the
 * native addon: one call into C++). Metrics and loss trackers then update from the plan's
 * output buffers exactly as after an eager step. Models or losses the trace cannot handle run
 * eagerly, as their training steps do.
 */
import { Tensor } from '../tensor/tensor.js';
import { withoutBufferScope } from '../tensor/buffer-pool.js';
import { traceStep, type TraceEntry } from '../tensor/step-trace.js';
import { getBackend } from '../backend/registry.js';
import { noGrad } from '../autograd/tape.js';
import type { Layer } from '../nn/layer.js';
import type { Variable } from '../nn/variable.js';
import { weightStructureVersion } from '../nn/weight-structure.js';
import type { Logs } from './callbacks/callback.js';
import type { StepData } from './trainer.js';
import { computeLosses, updateMetrics, withModelLosses, type Compiled } from './compile-utils.js';
import { MAX_PLANS, batchKey, feedRows, type JitCompile, type JitModel } from './compiled-step.js';
import { checkTrace, close, sameList, untraceableReason } from './trace-checks.js';

interface ForwardOut {
  yPreds: Tensor[];
  /** The total loss (null for predict's plans). */
  total: Tensor | null;
  perOutput: (Tensor | null)[];
  /** The plan's targets, when the batch's rows were copied straight into them (data.rows). */
  ys?: Tensor[];
}

interface ForwardPlan {
  /** The model's layers and weights when the plan was traced (layers added or removed make it stale). */
  readonly layers: readonly Layer[];
  readonly weights: readonly Variable[];
  /** weightStructureVersion() when they were last found unchanged. */
  version: number;
  readonly xs: Tensor[];
  readonly ys: Tensor[];
  readonly run: (() => void)[];
  /** The trace: it holds every buffer the plan uses (native plans keep raw pointers into them). */
  readonly trace: readonly TraceEntry[];
  readonly out: ForwardOut;
  /** The optimizer's iterations when the plan was traced. */
  readonly tracedAt: number;
  verified: boolean;
  /** Also checked after the weights changed (an optimizer step since the trace). */
  verifiedAfterUpdate: boolean;
}

export class CompiledForward {
  private readonly plans = new Map<string, ForwardPlan>();
  private disabled: string | null;
  /** Batches run by replaying a plan so far. */
  replayed = 0;

  /** `c` null: predict's plans (forward only). */
  constructor(
    private readonly model: JitModel,
    private readonly c: Compiled | null,
    readonly setting: JitCompile,
  ) {
    this.disabled = setting === false ? 'jitCompile is false' : null;
  }

  /** Why batches run eagerly, or null. */
  get reason(): string | null {
    return this.disabled;
  }

  /** One test step (Keras' default test_step): the losses and metrics of a batch. */
  testStep(data: StepData, eager: () => Logs): Logs {
    const c = this.c;
    if (!c) throw new Error('internal error: a predict plan cannot run test steps');
    const out = this.forward(data);
    if (!out) return eager();
    return updateMetrics(c, out.total!.item(), out.perOutput, out.ys ?? data.y, out.yPreds);
  }

  /** The model's outputs for a batch (training = false), in buffers the next call overwrites; null: run it eagerly. */
  predictBatch(xs: Tensor[]): Tensor[] | null {
    return this.forward({ x: xs, y: [] })?.yPreds ?? null;
  }

  private forward(data: StepData): ForwardOut | null {
    if (this.disabled) return null;
    const key = this.keyOf(data);
    let plan = this.plans.get(key);
    if (plan && !this.unchanged(plan)) {
      this.plans.delete(key); // the model's layers or weights changed (model.add, pop): trace again
      plan = undefined;
    }
    if (!plan) {
      const reason = this.model.jitBlocker() ?? untraceableReason(this.model.layers, this.c?.losses ?? []);
      if (reason) {
        this.disabled = reason;
        this.plans.clear();
        return null;
      }
      return this.record(key, data);
    }
    // Rows of larger tensors (evaluate's and validation's tensor feed) go straight into the plan.
    const direct = plan.verified && data.rows !== undefined;
    if (direct) {
      feedRows(plan.xs, plan.ys, data.rows!);
    } else {
      plan.xs.forEach((t, i) => t.data.set(data.x[i]!.data));
      plan.ys.forEach((t, i) => t.data !== plan!.xs[i]?.data && t.data.set(data.y[i]!.data));
    }
    for (const f of plan.run) f();
    // Checked against an eager pass on its first replay and once more after the weights moved:
    // between a test plan's trace and its first replay nothing trains, so a value the trace took
    // from the weights in JavaScript would only show after an update.
    const iterations = this.iterations();
    if (!plan.verified || (!plan.verifiedAfterUpdate && iterations !== plan.tracedAt)) {
      const replayed = [plan.out.total, ...plan.out.yPreds].map((t) => t && Float32Array.from(t.values));
      const eager = this.pass(data.x, data.y);
      const bad = [eager.total, ...eager.yPreds].findIndex((t, i) => !close(replayed[i] ?? null, t?.values ?? null));
      if (bad >= 0) {
        this.plans.clear();
        this.disabled = `the replayed ${this.c ? 'test step' : 'forward pass'} differed from the eager one (${bad === 0 ? 'loss' : `output ${bad}`}): some op computes data in JavaScript that the trace cannot see`;
        return eager;
      }
      plan.verified = true;
      if (iterations !== plan.tracedAt) plan.verifiedAfterUpdate = true;
      return eager;
    }
    this.replayed++;
    return direct ? { ...plan.out, ys: plan.ys } : plan.out;
  }

  /** Whether the plan's layers and weights are still the model's (walked again only after some changed). */
  private unchanged(plan: ForwardPlan): boolean {
    const version = weightStructureVersion();
    if (plan.version === version) return true;
    if (!sameList(plan.layers, this.model.layers) || !sameList(plan.weights, this.model.weights)) return false;
    plan.version = version;
    return true;
  }

  private iterations(): number {
    return (this.model as { optimizer?: { iterations: number } | null }).optimizer?.iterations ?? 0;
  }

  private pass(xs: Tensor[], ys: Tensor[]): ForwardOut {
    return noGrad(() => {
      const yPreds = this.model.forwardAll(xs, false);
      if (!this.c) return { yPreds, total: null, perOutput: [] };
      const computed = computeLosses(this.c, ys, yPreds);
      return { yPreds, total: withModelLosses(this.model, computed.total), perOutput: computed.perOutput };
    });
  }

  private keyOf(data: StepData): string {
    return batchKey(data);
  }

  private record(key: string, data: StepData): ForwardOut {
    const copy = (t: Tensor): Tensor => new Tensor(t.data.slice(), t.shape);
    const xs = data.x.map(copy);
    const ys = data.y.map((t) => {
      const i = data.x.findIndex((u) => u.data === t.data);
      return i >= 0 ? xs[i]! : copy(t);
    });
    // Taken before the trace: a layer built while tracing moves it, and the next batch checks again.
    const version = weightStructureVersion();
    const { result, entries } = withoutBufferScope(() => traceStep(() => this.pass(xs, ys)));
    const problem = checkTrace(entries);
    if (problem) {
      this.disabled = problem;
      return result;
    }
    while (this.plans.size >= MAX_PLANS) this.plans.delete(this.plans.keys().next().value!);
    const plain = (t: Tensor): Tensor => new Tensor(t.data, t.shape);
    const out: ForwardOut = { yPreds: result.yPreds.map(plain), total: result.total && plain(result.total), perOutput: result.perOutput.map((t) => t && plain(t)) };
    const run = getBackend().compileTrace?.(entries) ?? entries.map((e) => (e.kind === 'host' ? e.fill : () => e.fn(...(e.args as never[]))));
    this.plans.set(key, { layers: this.model.layers, weights: this.model.weights, version, xs, ys, run, trace: entries, out, tracedAt: this.iterations(), verified: false, verifiedAfterUpdate: false });
    return result;
  }
}

