/**
 * Optimizer base (keras.optimizers.Optimizer): keeps per-variable slots
 * (moments, accumulators) and an iteration count, and updates variables in
 * place. Subclasses name their update rule and its hyper-parameters for this
 * step; the update itself is one fused, vectorised kernel per variable
 * (src/backend: 'optimizerStep'), which keeps it cheap next to the matmuls.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { formatShape, shapesEqual } from '../../tensor/shape.js';
import type { Variable } from '../../nn/variable.js';
import { kernels } from '../../backend/registry.js';
import type { OptimizerRule } from '../../backend/kernels.js';
import { LearningRateSchedule, type ScheduleConfig } from './schedules.js';
import { hostWrite } from '../../tensor/step-trace.js';
import { syncResident } from '../../backend/resident.js';

/** A fixed learning rate, or a schedule over the optimizer's steps (keras.optimizers.schedules). */
export type LearningRate = number | LearningRateSchedule;

/**
 * getConfig() of an optimizer. A schedule given as learning rate is saved as the schedule
 * ({ className, config }, Keras' serialize), not as the rate of the moment.
 */
export interface OptimizerConfig {
  learningRate: number | ScheduleConfig;
  [key: string]: number | boolean | string | ScheduleConfig;
}

/** Options every Keras optimizer takes. */
export interface OptimizerCommonArgs {
  /** Each gradient is rescaled so its L2 norm is at most this (Keras' clipnorm). */
  clipnorm?: number;
  /** Each gradient element is clipped to [-clipvalue, clipvalue] (Keras' clipvalue). */
  clipvalue?: number;
  /** Decoupled weight decay, as Keras 3: before each update w -= learningRate · weightDecay · w. */
  weightDecay?: number;
}

/**
 * An update rule written in TypeScript (Nadam, Lion): w updated in place from g, reading and
 * writing the state arrays, with the step's hyper-parameters h. Runs the same on every backend.
 */
export type ElementwiseRule = (w: Float32Array, g: Float32Array, slots: readonly Float32Array[], h: readonly number[]) => void;

export abstract class Optimizer {
  abstract readonly name: string;
  readonly clipnorm: number | undefined;
  readonly clipvalue: number | undefined;
  readonly weightDecay: number | undefined;
  /** Number of update steps applied so far (Keras' optimizer.iterations). */
  iterations = 0;
  private readonly slots = new Map<Variable, Float32Array[]>();
  /**
   * This update's hyper-parameters as the kernels read them: one array for the optimizer's
   * life, so a compiled step's recorded update reads each step's values when it runs.
   */
  private readonly hyper = new Float64Array(8);
  /** Changes when setState() replaces the slot arrays (recorded updates point into them). */
  stateVersion = 0;
  private fixedRate = 0;
  /** The schedule given as learning rate, if any. */
  readonly learningRateSchedule: LearningRateSchedule | null;
  /** The rate of the update in progress (a schedule is asked once per update). */
  private rateThisStep: number | null = null;

  constructor(learningRate: LearningRate, common: OptimizerCommonArgs = {}) {
    if (learningRate instanceof LearningRateSchedule) this.learningRateSchedule = learningRate;
    else {
      this.learningRateSchedule = null;
      this.learningRate = learningRate;
    }
    for (const k of ['clipnorm', 'clipvalue', 'weightDecay'] as const) {
      const v = common[k];
      if (v !== undefined && !(v >= 0 && Number.isFinite(v))) throw new Error(`${k} must be a finite number ≥ 0, got ${v}`);
    }
    this.clipnorm = common.clipnorm;
    this.clipvalue = common.clipvalue;
    this.weightDecay = common.weightDecay;
  }

  /**
   * The learning rate the next update uses: the fixed rate, or the schedule at the number of
   * updates made so far (Keras: the first update uses schedule(0)).
   */
  get learningRate(): number {
    if (this.rateThisStep !== null) return this.rateThisStep;
    return this.learningRateSchedule ? this.learningRateSchedule.call(this.iterations) : this.fixedRate;
  }

  set learningRate(v: number) {
    if (this.learningRateSchedule) {
      throw new Error(`${this.name}: the learning rate comes from a ${this.learningRateSchedule.className} schedule and cannot be set (as in Keras; ReduceLROnPlateau needs a fixed learning rate)`);
    }
    if (!(v > 0) || !Number.isFinite(v)) throw new Error(`learningRate must be a positive number, got ${v}`);
    this.fixedRate = v;
  }

  /** The gradient after clipnorm / clipvalue (a copy when changed). */
  private clipped(grad: Float32Array): Float32Array {
    if (this.clipnorm === undefined && this.clipvalue === undefined) return grad;
    let g = grad;
    if (this.clipvalue !== undefined) {
      const c = this.clipvalue;
      g = g.map((v) => (v > c ? c : v < -c ? -c : v));
    }
    if (this.clipnorm !== undefined) {
      let ss = 0;
      for (let i = 0; i < g.length; i++) ss += g[i]! * g[i]!;
      const norm = Math.sqrt(ss);
      if (norm > this.clipnorm) {
        const scale = this.clipnorm / norm;
        g = g.map((v) => v * scale);
      }
    }
    return g;
  }

  /** learningRate (the fixed rate, or the schedule itself) and clipnorm / clipvalue / weightDecay as set (for getConfig of subclasses). */
  protected commonConfig(): { learningRate: number | ScheduleConfig; [key: string]: number | ScheduleConfig } {
    const s = this.learningRateSchedule;
    const c: { learningRate: number | ScheduleConfig; [key: string]: number | ScheduleConfig } = {
      learningRate: s ? { className: s.className, config: s.getConfig() } : this.fixedRate,
    };
    if (this.clipnorm !== undefined) c['clipnorm'] = this.clipnorm;
    if (this.clipvalue !== undefined) c['clipvalue'] = this.clipvalue;
    if (this.weightDecay !== undefined) c['weightDecay'] = this.weightDecay;
    return c;
  }

  /** How many state arrays each variable needs (momentum, velocity, ...). */
  protected abstract readonly slotCount: number;

  /** Initial value of the slots (Adagrad starts its accumulator at 0.1). */
  protected slotInit(_slot: number): number {
    return 0;
  }

  /** The kernel rule and its hyper-parameters for update number `step` (from 1); see OPTIMIZER_RULES. */
  protected abstract rule(step: number): { rule: OptimizerRule | ElementwiseRule; h: number[] };

  abstract getConfig(): OptimizerConfig;

  /** Applies one step to every (gradient, variable) pair, like optimizer.apply_gradients(zip(grads, vars)). */
  applyGradients(pairs: readonly (readonly [Tensor | null, Variable])[]): void {
    if (!Array.isArray(pairs)) throw new Error(`${this.name}.applyGradients expects a list of [gradient, variable] pairs`);
    let rate = 0;
    let step: { rule: OptimizerRule | ElementwiseRule; h: number[] } | undefined;
    // Counting the update and computing its hyper-parameters is JavaScript: a compiled training
    // step (train/compiled-step.ts) that records the update redoes it on every replay.
    hostWrite(this.hyper, () => {
      rate = this.learningRate;
      this.iterations++;
      this.rateThisStep = rate;
      try {
        step = this.rule(this.iterations);
      } finally {
        this.rateThisStep = null;
      }
      if (typeof step.rule === 'string') {
        // Kernel rules take at most 8 (OPTIMIZER_RULE_TABLE); JavaScript rules read step.h itself.
        this.hyper.fill(0);
        this.hyper.set(step.h.slice(0, this.hyper.length));
      }
    });
    const { rule, h } = step!;
    const k = kernels();
    for (const [grad, variable] of pairs) {
      if (grad === null || grad === undefined) continue; // Keras skips variables without a gradient
      if (!shapesEqual(grad.shape, variable.shape)) {
        throw new Error(`${this.name}: gradient of shape ${formatShape(grad.shape)} for variable '${variable.name}' of shape ${formatShape(variable.shape)}`);
      }
      let slots = this.slots.get(variable);
      // A WASM compiled step may hold the newest slot values in linear memory (backend/resident.ts).
      if (slots) syncResident(slots);
      if (!slots) {
        slots = Array.from({ length: this.slotCount }, (_, i) => new Float32Array(variable.size).fill(this.slotInit(i)));
        this.slots.set(variable, slots);
      }
      if (this.weightDecay) {
        const decay = 1 - rate * this.weightDecay; // this step's rate (a schedule was asked once, above)
        const w = variable.values;
        for (let i = 0; i < w.length; i++) w[i]! *= decay;
      }
      if (typeof rule === 'function') rule(variable.values, this.clipped(grad.values), slots, h);
      else k.optimizerStep(rule, variable.values, this.clipped(grad.values), slots, this.hyper);
      // Keras 3 projects a constrained weight right after its update.
      variable.constraint?.apply(variable.values, variable.shape);
    }
  }

  /**
   * The optimizer's state for saving: the iteration count and, per variable name, its slot arrays
   * (moments, accumulators). setState() puts it back, so training resumes where it stopped.
   */
  getState(): { iterations: number; slots: { name: string; values: Float32Array[] }[] } {
    for (const s of this.slots.values()) syncResident(s);
    return { iterations: this.iterations, slots: [...this.slots].map(([v, s]) => ({ name: v.name, values: s.map((a) => Float32Array.from(a)) })) };
  }

  /** Restores getState() output onto the given variables (matched by name; shapes must agree). */
  setState(state: { iterations: number; slots: readonly { name: string; values: readonly Float32Array[] }[] }, variables: readonly Variable[]): void {
    const byName = new Map(variables.map((v) => [v.name, v]));
    this.iterations = state.iterations;
    this.stateVersion++;
    for (const s of this.slots.values()) syncResident(s); // ends the claims on the arrays being replaced
    this.slots.clear();
    for (const { name, values } of state.slots) {
      const v = byName.get(name);
      if (!v) throw new Error(`${this.name}.setState: no variable named '${name}' in the model`);
      if (values.length !== this.slotCount || values.some((a) => a.length !== v.size)) {
        throw new Error(`${this.name}.setState: saved state for '${name}' does not fit (${values.length} slots of ${values[0]?.length ?? 0} values, expected ${this.slotCount} of ${v.size})`);
      }
      this.slots.set(v, values.map((a) => Float32Array.from(a)));
    }
  }

  /** Number of slot arrays per variable (for saving the state). */
  get slotsPerVariable(): number {
    return this.slotCount;
  }

  /** The value a variable's slot `i` starts at before its first update (for writing state in other formats). */
  initialSlotValue(i: number): number {
    return this.slotInit(i);
  }
}

/** Keras accepts the learning rate as the first positional argument: Adam(0.01). */
export function optimizerArgs<A extends { learningRate?: LearningRate }>(args: LearningRate | A | undefined): A {
  if (typeof args === 'number' || args instanceof LearningRateSchedule) return { learningRate: args } as A;
  return args ?? ({} as A);
}
