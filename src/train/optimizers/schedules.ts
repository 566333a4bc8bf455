/**
 * keras.optimizers.schedules: learning rates that change with the optimizer's step.
 * Pass one wherever a learning rate goes — new Adam({ learningRate: new CosineDecay({...}) }) —
 * and the optimizer asks it for the rate at each update, with the number of updates made
 * before this one (0 for the first), as Keras does.
 *
 * Divergence: constructors take one options object (tfjs style), not positional arguments.
 */

/** keras.optimizers.schedules.serialize(schedule), camelCase (a type, not an interface, so it is JSON-compatible). */
export type ScheduleConfig = {
  className: string;
  config: { [key: string]: number | boolean | null | number[] };
};

export abstract class LearningRateSchedule {
  /** The learning rate for update number `step` (0-based: the count of updates already made). */
  abstract call(step: number): number;
  abstract getConfig(): ScheduleConfig['config'];
  /** Keras' class name (explicit, so minified browser bundles keep it). */
  abstract readonly className: string;
}

function positive(v: number, what: string): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`${what} must be a positive number, got ${v}`);
  return v;
}

function checkStep(step: number): number {
  if (!(step >= 0)) throw new Error(`learning rate schedule: step must be >= 0, got ${step}`);
  return step;
}

export interface ExponentialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** Decay in whole intervals of decaySteps (default false). */
  staircase?: boolean;
}

/** lr = initialLearningRate · decayRate^(step / decaySteps)   (staircase: the exponent floored). */
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(args: ExponentialDecayArgs) {
    super();
    this.initialLearningRate = positive(args.initialLearningRate, 'ExponentialDecay: initialLearningRate');
    this.decaySteps = positive(args.decaySteps, 'ExponentialDecay: decaySteps');
    this.decayRate = positive(args.decayRate, 'ExponentialDecay: decayRate');
    this.staircase = args.staircase ?? false;
  }

  call(step: number): number {
    let p = checkStep(step) / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate * Math.pow(this.decayRate, p);
  }

  getConfig(): ScheduleConfig['config'] {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate, staircase: this.staircase };
  }
}

export interface PiecewiseConstantDecayArgs {
  /** Increasing step counts where the rate changes. */
  boundaries: number[];
  /** One more value than boundaries: values[0] up to and including boundaries[0], ... */
  values: number[];
}

/** values[0] while step ≤ boundaries[0], values[i] while boundaries[i−1] < step ≤ boundaries[i], then the last value. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: number[];
  readonly values: number[];

  constructor(args: PiecewiseConstantDecayArgs) {
    super();
    const { boundaries, values } = args;
    if (values.length !== boundaries.length + 1) {
      throw new Error(`PiecewiseConstantDecay: values must have one more entry than boundaries (got ${values.length} values for ${boundaries.length} boundaries)`);
    }
    boundaries.forEach((b, i) => {
      if (!Number.isFinite(b) || (i > 0 && !(b > boundaries[i - 1]!))) throw new Error(`PiecewiseConstantDecay: boundaries must be finite and increasing, got [${boundaries.join(', ')}]`);
    });
    values.forEach((v) => positive(v, 'PiecewiseConstantDecay: every value'));
    this.boundaries = [...boundaries];
    this.values = [...values];
  }

  call(step: number): number {
    checkStep(step);
    for (let i = 0; i < this.boundaries.length; i++) if (step <= this.boundaries[i]!) return this.values[i]!;
    return this.values[this.values.length - 1]!;
  }

  getConfig(): ScheduleConfig['config'] {
    return { boundaries: [...this.boundaries], values: [...this.values] };
  }
}

export interface CosineDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  /** Floor of the decay as a fraction of the rate it decays from (default 0). */
  alpha?: number;
  /** With warmup: the rate reached linearly from initialLearningRate after warmupSteps; decay starts from it. */
  warmupTarget?: number | null;
  warmupSteps?: number;
}

/**
 * Keras 3's CosineDecay (SGDR without restarts), with optional linear warmup:
 *   decayed(s, from) = from · ((1 − α) · ½(1 + cos(π · min(s, decaySteps) / decaySteps)) + α)
 *   no warmup: decayed(step, initial);  warmup: step < warmupSteps → initial + (target − initial) · step / warmupSteps,
 *   else decayed(step − warmupSteps, target).
 */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;

  constructor(args: CosineDecayArgs) {
    super();
    if (!(args.initialLearningRate >= 0)) throw new Error(`CosineDecay: initialLearningRate must be >= 0, got ${args.initialLearningRate}`);
    this.initialLearningRate = args.initialLearningRate;
    this.decaySteps = positive(args.decaySteps, 'CosineDecay: decaySteps');
    this.alpha = args.alpha ?? 0;
    if (!(this.alpha >= 0 && this.alpha <= 1)) throw new Error(`CosineDecay: alpha must be in [0, 1], got ${this.alpha}`);
    this.warmupTarget = args.warmupTarget ?? null;
    this.warmupSteps = args.warmupSteps ?? 0;
    if (!(this.warmupSteps >= 0)) throw new Error(`CosineDecay: warmupSteps must be >= 0, got ${this.warmupSteps}`);
  }

  private decayed(step: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos((Math.PI * step) / this.decaySteps));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  call(step: number): number {
    checkStep(step);
    if (this.warmupTarget === null) return this.decayed(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps) return (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) + this.initialLearningRate;
    return this.decayed(s - this.warmupSteps, this.warmupTarget);
  }

  getConfig(): ScheduleConfig['config'] {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, alpha: this.alpha, warmupTarget: this.warmupTarget, warmupSteps: this.warmupSteps };
  }
}

const SCHEDULES = { ExponentialDecay, PiecewiseConstantDecay, CosineDecay } as const;

/** A schedule from { className, config } (keras.optimizers.schedules.deserialize). */
export function scheduleFromConfig(c: ScheduleConfig): LearningRateSchedule {
  const ctor = SCHEDULES[c.className as keyof typeof SCHEDULES];
  if (!ctor) throw new Error(`unknown learning rate schedule '${c.className}' (known: ${Object.keys(SCHEDULES).join(', ')})`);
  return new ctor(c.config as never);
}
