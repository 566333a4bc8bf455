/**
 * Seconds per epoch of the lecture autoencoder (784-128-64-32-64-128-784, relu/sigmoid,
 * Adamax, MSE, batch 256, shuffle, 60k train, validation on the 10k test images).
 *
 * The measuring plan is shared by every configuration (deepts backends here, tfjs in
 * bench/peers/tfjs.ts, PyTorch in bench/pytorch_autoencoder.py mirrors it): a warm-up
 * pass, a timed probe, then either full epochs (cheap configurations, median reported)
 * or a fixed number of timed steps plus a proportional share of validation, scaled to a
 * full epoch and marked as extrapolated (slow configurations would take minutes).
 *
 * Run as a child process (`DEEPTS_BACKEND=native node dist/bench/epoch.js '<plan json>'`):
 * the backend is chosen when src/index.ts is imported, so one process measures one backend.
 */

export const TRAIN_IMAGES = 60000;
export const VAL_IMAGES = 10000;
export const BATCH = 256;
/** Prefix of the one stdout line a child prints with its result (other output is ignored). */
export const RESULT_MARK = '@@DEEPTS_BENCH_RESULT ';

export interface EpochPlan {
  /** Full epochs to run when one is cheap (the median is reported). */
  fullEpochs: number;
  /** Run full epochs when the probe estimates an epoch at most this long (s). */
  fullEpochMaxSeconds: number;
  /** Otherwise time about this many seconds of training steps and extrapolate. */
  stepBudgetSeconds: number;
  minSteps: number;
  maxSteps: number;
  /** Steps of each warm-up/probe pass. */
  probeSteps: number;
  seed: number;
}

export const DEFAULT_PLAN: EpochPlan = { fullEpochs: 3, fullEpochMaxSeconds: 10, stepBudgetSeconds: 12, minSteps: 4, maxSteps: 120, probeSteps: 4, seed: 42 };
export const QUICK_PLAN: EpochPlan = { fullEpochs: 1, fullEpochMaxSeconds: 4, stepBudgetSeconds: 4, minSteps: 3, maxSteps: 40, probeSteps: 3, seed: 42 };

export interface FitTimes {
  /** Per epoch: seconds of the training steps, of the validation pass, and the validation MSE. */
  trainSeconds: number[];
  valSeconds: number[];
  valMse: number[];
  /** deepts on the native addon: per epoch, the seconds of those spent inside compiled plans (addon.runPlan). */
  trainPlanSeconds?: number[];
  valPlanSeconds?: number[];
}

/** One framework/backend able to train the lecture autoencoder. */
export interface EpochRunner {
  /** Fresh model (seeded weights), compiled with Adamax + MSE. */
  reset(): Promise<void>;
  /** One shuffled pass (batch 256) over the first `samples` training images; seconds from epoch begin to the last batch. */
  train(samples: number): Promise<number>;
  /** MSE on the first `samples` test images (batch 256) and the seconds it took. */
  validate(samples: number): Promise<{ seconds: number; mse: number }>;
  /** `epochs` full epochs with validation on all test images, as `fit` does it. */
  fit(epochs: number): Promise<FitTimes>;
  /** Facts worth recording (backend, threads, versions). */
  info(): Record<string, string | number | boolean>;
}

export interface EpochResult {
  config: string;
  mode: 'full' | 'extrapolated';
  /** Median (full) or extrapolated seconds per epoch, training + validation. */
  secondsPerEpoch: number;
  trainSecondsPerEpoch: number;
  valSecondsPerEpoch: number;
  /**
   * Full mode, deepts on the native addon: median seconds per epoch spent inside compiled plans
   * (the replayed steps and validation batches); the rest of train / val is the step loop around them.
   */
  trainPlanSecondsPerEpoch?: number;
  valPlanSecondsPerEpoch?: number;
  /** Full mode: every epoch's seconds and validation MSE. */
  epochSeconds: number[];
  valMse: number[];
  /** Extrapolated mode: what was actually timed. */
  stepsTimed: number;
  valImagesTimed: number;
  /** Probe's estimate of one epoch (s), which chose the mode. */
  probeEstimate: number;
  info: Record<string, string | number | boolean>;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const STEPS_PER_EPOCH = TRAIN_IMAGES / BATCH; // 234.375: the last batch is a quarter batch

export async function measureEpoch(config: string, runner: EpochRunner, plan: EpochPlan): Promise<EpochResult> {
  await runner.reset();
  const probeSamples = plan.probeSteps * BATCH;
  await runner.train(probeSamples); // warm-up: JIT, memory pools, kernel caches
  await runner.validate(2 * BATCH);
  const probeTrain = await runner.train(probeSamples);
  const probeVal = await runner.validate(2 * BATCH);
  const probeEstimate = (probeTrain / plan.probeSteps) * STEPS_PER_EPOCH + (probeVal.seconds / (2 * BATCH)) * VAL_IMAGES;
  const common = { config, probeEstimate, info: runner.info() };

  if (probeEstimate <= plan.fullEpochMaxSeconds) {
    await runner.reset();
    const t = await runner.fit(plan.fullEpochs);
    const epochSeconds = t.trainSeconds.map((s, i) => s + t.valSeconds[i]!);
    return {
      ...common, mode: 'full', secondsPerEpoch: median(epochSeconds),
      trainSecondsPerEpoch: median(t.trainSeconds), valSecondsPerEpoch: median(t.valSeconds),
      // Only where plans ran (not the eager rows, whose runner times an idle runPlan).
      ...(t.trainPlanSeconds?.some((v) => v > 0) ? { trainPlanSecondsPerEpoch: median(t.trainPlanSeconds) } : {}),
      ...(t.valPlanSeconds?.some((v) => v > 0) ? { valPlanSecondsPerEpoch: median(t.valPlanSeconds) } : {}),
      epochSeconds, valMse: t.valMse, stepsTimed: 0, valImagesTimed: 0,
    };
  }
  const perStep = probeTrain / plan.probeSteps;
  const steps = Math.max(plan.minSteps, Math.min(plan.maxSteps, Math.round(plan.stepBudgetSeconds / perStep)));
  const trained = steps * BATCH;
  const valImages = Math.max(BATCH, Math.min(VAL_IMAGES, Math.round((VAL_IMAGES * trained) / TRAIN_IMAGES)));
  const trainSeconds = await runner.train(trained);
  const val = await runner.validate(valImages);
  const trainSecondsPerEpoch = (trainSeconds * TRAIN_IMAGES) / trained;
  const valSecondsPerEpoch = (val.seconds * VAL_IMAGES) / valImages;
  return {
    ...common, mode: 'extrapolated', secondsPerEpoch: trainSecondsPerEpoch + valSecondsPerEpoch,
    trainSecondsPerEpoch, valSecondsPerEpoch, epochSeconds: [], valMse: [], stepsTimed: steps, valImagesTimed: valImages,
  };
}

/** Reads a plan given as JSON on the command line, checking every field. */
export function parsePlan(json: string | undefined): EpochPlan {
  if (json === undefined) return DEFAULT_PLAN;
  const raw = JSON.parse(json) as Record<string, unknown>;
  const plan = { ...DEFAULT_PLAN };
  for (const key of Object.keys(DEFAULT_PLAN) as (keyof EpochPlan)[]) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`epoch plan: '${key}' must be a non-negative number, got ${JSON.stringify(v)}`);
    plan[key] = v;
  }
  if (plan.fullEpochs < 1 || plan.probeSteps < 1 || plan.minSteps < 1) throw new Error('epoch plan: fullEpochs, probeSteps and minSteps must be at least 1');
  return plan;
}

/** The lecture autoencoder on the deepts backend chosen by DEEPTS_BACKEND. */
async function deeptsRunner(seed: number): Promise<EpochRunner> {
  const deepts = await import('../src/index.js');
  const { buildAutoencoder } = await import('../src/models/mnist-models.js');
  const { Tensor, ops, setSeed, getBackend, Adamax } = deepts;
  const mnist = await deepts.loadMnist();
  const xTrain = new Tensor(mnist.train.images, [mnist.train.n, 28, 28]);
  const xTest = new Tensor(mnist.test.images, [mnist.test.n, 28, 28]);
  const first = (t: InstanceType<typeof Tensor>, n: number): InstanceType<typeof Tensor> => ops.slice(t, [0, 0, 0], [n, 28, 28]);
  let model = buildAutoencoder();
  // Time inside the addon's plan replays, to split fit's epoch into the compiled steps and the loop around them.
  const { findBackend } = await import('../src/backend/registry.js');
  const addon = getBackend().name === 'native' ? (findBackend('native') as { addon?: { runPlan?: (plan: unknown) => void } } | undefined)?.addon : undefined;
  let inPlan = 0;
  if (addon?.runPlan) {
    const runPlan = addon.runPlan.bind(addon);
    addon.runPlan = (plan: unknown): void => {
      const t = performance.now();
      runPlan(plan);
      inPlan += performance.now() - t;
    };
  }
  return {
    async reset() {
      setSeed(seed);
      model = buildAutoencoder();
      // DEEPTS_BENCH_JIT=0: eager steps (model.compile's jitCompile: false), for the eager-vs-compiled rows.
      const jitCompile = process.env['DEEPTS_BENCH_JIT'] === '0' ? false : 'auto';
      model.compile({ optimizer: new Adamax({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }), loss: 'mse', jitCompile });
    },
    async train(samples) {
      const x = first(xTrain, samples);
      // Epoch begin → last batch: like the full-epoch timing, without fit's one-off input checks.
      let begin = 0;
      let lastBatch = 0;
      await model.fit(x, x, {
        epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0,
        callbacks: [{ onEpochBegin: () => { begin = performance.now(); }, onBatchEnd: () => { lastBatch = performance.now(); } }],
      });
      return (lastBatch - begin) / 1000;
    },
    async validate(samples) {
      const x = first(xTest, samples);
      const t0 = performance.now();
      const logs = await model.evaluateLogs(x, x, { batchSize: BATCH, verbose: 0 });
      return { seconds: (performance.now() - t0) / 1000, mse: logs['loss']! };
    },
    async fit(epochs) {
      const times: FitTimes = { trainSeconds: [], valSeconds: [], valMse: [], ...(addon?.runPlan ? { trainPlanSeconds: [], valPlanSeconds: [] } : {}) };
      let begin = 0;
      let lastBatch = 0;
      let planAtBegin = 0;
      let planAtLastBatch = 0;
      await model.fit(xTrain, xTrain, {
        epochs, batchSize: BATCH, shuffle: true, validationData: [xTest, xTest], verbose: 0,
        callbacks: [{
          onEpochBegin: () => { begin = performance.now(); planAtBegin = inPlan; },
          onBatchEnd: () => { lastBatch = performance.now(); planAtLastBatch = inPlan; },
          onEpochEnd: (_epoch: number, logs?: Record<string, number>) => {
            const end = performance.now();
            times.trainSeconds.push((lastBatch - begin) / 1000);
            times.valSeconds.push((end - lastBatch) / 1000);
            times.valMse.push(logs?.['val_loss'] ?? Number.NaN);
            times.trainPlanSeconds?.push((planAtLastBatch - planAtBegin) / 1000);
            times.valPlanSeconds?.push((inPlan - planAtLastBatch) / 1000);
          },
        }],
      });
      return times;
    },
    info() {
      const b = getBackend();
      const facts: Record<string, string | number | boolean> = { backend: b.name, jitCompile: model.jitCompileStatus().mode };
      for (const [k, v] of Object.entries(b.describe?.() ?? {})) facts[k] = v;
      return facts;
    },
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const plan = parsePlan(process.argv[2]);
  const name = process.env['DEEPTS_BACKEND'] ?? 'default';
  const result = await measureEpoch(`deepts-${name}`, await deeptsRunner(plan.seed), plan);
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}
