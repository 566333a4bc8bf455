/**
 * The benchmark's logic without running a benchmark: the measuring plan's choice between
 * full and extrapolated epochs and its scaling, argument/plan parsing, peak derivation and
 * the ratio table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCH, DEFAULT_PLAN, TRAIN_IMAGES, VAL_IMAGES, measureEpoch, median, parsePlan, type EpochRunner } from '../bench/epoch.js';
import { UNREAPED_TICKS_MARK, closeCountingTree, detectMachine, unreapedTicksLine, withMeasuredClock, type MachineInfo } from '../bench/machine.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { formatEpochTable, formatGemmTable } from '../bench/report.js';
import { formatCnnRows, parseBenchArgs } from '../bench/run.js';
import { CNN_ACCURACY_CONFIGS, formatCnnAccuracy, parseTestAccuracy } from '../bench/cnn-accuracy.js';
import { PYTORCH_AUTOENCODER_SETTINGS, pytorchCommand } from '../bench/peers/pytorch.js';

/** A runner whose training costs `perImage` seconds per image and validation `perValImage`. */
function fakeRunner(perImage: number, perValImage: number): EpochRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async reset() { calls.push('reset'); },
    async train(samples) { calls.push(`train ${samples}`); return samples * perImage; },
    async validate(samples) { calls.push(`validate ${samples}`); return { seconds: samples * perValImage, mse: 0.05 }; },
    async fit(epochs) {
      calls.push(`fit ${epochs}`);
      const trainSeconds = [3, 1, 2].slice(0, epochs).map((k) => k * perImage * TRAIN_IMAGES);
      return { trainSeconds, valSeconds: trainSeconds.map(() => perValImage * VAL_IMAGES), valMse: trainSeconds.map((_, i) => 0.05 / (i + 1)) };
    },
    info: () => ({ backend: 'fake' }),
  };
}

test('cheap configurations run full epochs from a fresh model and report the median', async () => {
  const runner = fakeRunner(1e-5, 1e-6); // 0.6 s + 0.01 s per epoch
  const r = await measureEpoch('fake', runner, DEFAULT_PLAN);
  assert.equal(r.mode, 'full');
  assert.deepEqual(runner.calls.slice(-2), ['reset', 'fit 3']);
  assert.equal(r.epochSeconds.length, 3);
  assert.ok(Math.abs(r.secondsPerEpoch - (2 * 1e-5 * TRAIN_IMAGES + 1e-6 * VAL_IMAGES)) < 1e-9, 'median of epochs 3, 1, 2 is 2');
  assert.deepEqual(r.valMse, [0.05, 0.025, 0.05 / 3]);
});

test('full epochs of deepts-native split train and validation into time inside compiled plans and around them', async () => {
  const runner = fakeRunner(1e-5, 1e-6);
  const fit = runner.fit.bind(runner);
  runner.fit = async (epochs) => ({ ...(await fit(epochs)), trainPlanSeconds: [0.5, 0.3, 0.4], valPlanSeconds: [0.008, 0.009, 0.007] });
  const r = await measureEpoch('deepts-native', runner, DEFAULT_PLAN);
  assert.equal(r.trainPlanSecondsPerEpoch, 0.4);
  assert.equal(r.valPlanSecondsPerEpoch, 0.008);
  const line = formatEpochTable([{ config: 'deepts-native', result: r }]).split('\n').find((l) => l.includes('inside compiled plans'));
  // train 1.2 s (median of 0.6, 1.2, 1.8) of which 0.4 in plans: 0.8 s around them, 3.404 ms over 235 steps.
  assert.match(line ?? '', /train 0\.400 s \(1\.702 ms\/step\) \+ val 0\.008 s; around them train 0\.800 s \(3\.404 ms\/step/);
  const eager = fakeRunner(1e-5, 1e-6);
  const eagerFit = eager.fit.bind(eager);
  eager.fit = async (epochs) => ({ ...(await eagerFit(epochs)), trainPlanSeconds: [0, 0, 0], valPlanSeconds: [0, 0, 0] });
  assert.equal((await measureEpoch('deepts-native-eager', eager, DEFAULT_PLAN)).trainPlanSecondsPerEpoch, undefined, 'no plan ran');
  const plain = await measureEpoch('fake', fakeRunner(1e-5, 1e-6), DEFAULT_PLAN);
  assert.equal(plain.trainPlanSecondsPerEpoch, undefined);
  assert.ok(!formatEpochTable([{ config: 'fake', result: plain }]).includes('inside compiled plans'));
});

test('slow configurations time whole steps plus a proportional share of validation, scaled to one epoch', async () => {
  const perImage = 1e-3; // 60 s per epoch of training
  const runner = fakeRunner(perImage, 2e-4);
  const r = await measureEpoch('slow', runner, DEFAULT_PLAN);
  assert.equal(r.mode, 'extrapolated');
  assert.equal(r.valMse.length, 0);
  const stepSeconds = perImage * BATCH;
  assert.equal(r.stepsTimed, Math.round(DEFAULT_PLAN.stepBudgetSeconds / stepSeconds));
  assert.ok(runner.calls.includes(`train ${r.stepsTimed * BATCH}`));
  assert.equal(r.valImagesTimed, Math.round((VAL_IMAGES * r.stepsTimed * BATCH) / TRAIN_IMAGES));
  assert.ok(Math.abs(r.trainSecondsPerEpoch - perImage * TRAIN_IMAGES) < 1e-9);
  assert.ok(Math.abs(r.valSecondsPerEpoch - 2e-4 * VAL_IMAGES) < 1e-9);
  assert.ok(Math.abs(r.secondsPerEpoch - (60 + 2)) < 1e-9);
});

test('step counts stay within the plan limits', async () => {
  const huge = await measureEpoch('huge', fakeRunner(1, 0), DEFAULT_PLAN); // 256 s per step
  assert.equal(huge.stepsTimed, DEFAULT_PLAN.minSteps);
  const mid = await measureEpoch('mid', fakeRunner(1e-6, 0), { ...DEFAULT_PLAN, fullEpochMaxSeconds: 0 });
  assert.equal(mid.stepsTimed, DEFAULT_PLAN.maxSteps);
});

test('median and plan parsing', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.throws(() => median([]), /no values/);
  assert.deepEqual(parsePlan(undefined), DEFAULT_PLAN);
  assert.equal(parsePlan('{"fullEpochs":5}').fullEpochs, 5);
  assert.throws(() => parsePlan('{"fullEpochs":"x"}'), /fullEpochs/);
  assert.throws(() => parsePlan('{"probeSteps":0}'), /at least 1/);
});

test('bench options', () => {
  const o = parseBenchArgs(['--quick', '--only', 'native,pytorch', '--no-save']);
  assert.equal(o.quick, true);
  assert.deepEqual(o.only, ['native', 'pytorch']);
  assert.equal(o.save, false);
  assert.deepEqual(parseBenchArgs(['--only=gemm']).only, ['gemm']);
  assert.throws(() => parseBenchArgs(['--only', 'torch']), /unknown section 'torch'/);
  assert.throws(() => parseBenchArgs(['--fast']), /unknown option '--fast'/);
});

function machine(over: Partial<MachineInfo>): MachineInfo {
  return { ...detectMachine(), ...over };
}

test('peak is FLOP per cycle × clock, never below the measured clock', () => {
  const m = machine({ flopPerCyclePerCore: 32, reportedClockGHz: 2.5, clockGHz: 2.5, cores: 2, peakGflopsPerCore: 80, peakGflopsAllCores: 160, peakAssumption: 'x = 32 FLOP/cycle × 2.50 GHz (cpu MHz)' });
  const turbo = withMeasuredClock(m, 3.2);
  assert.ok(Math.abs(turbo.peakGflopsPerCore - 102.4) < 1e-9);
  assert.ok(Math.abs(turbo.peakGflopsAllCores - 204.8) < 1e-9);
  assert.match(turbo.peakAssumption, /measured 3\.20 GHz/);
  assert.equal(withMeasuredClock(m, 2.0).peakGflopsPerCore, 80, 'a slow measurement does not lower the peak');
  assert.equal(withMeasuredClock(m, undefined), m);
  const here = detectMachine();
  assert.ok(here.cores >= 1 && here.flopPerCyclePerCore >= 8);
});

test('tables: % of peak and peer ÷ deepts ratios', () => {
  const m = machine({ peakGflopsPerCore: 100, cores: 2 });
  const gemm = formatGemmTable([{ shape: 'fwd', rates: { a: 80, b: 150, c: null } }], [{ key: 'a', title: 'A 1T', cores: 1 }, { key: 'b', title: 'B 2T', cores: 2 }, { key: 'c', title: 'C', cores: 1 }], m);
  assert.match(gemm, /80\.0 \(80%\)/);
  assert.match(gemm, /150\.0 \(75%\)/);
  assert.match(gemm, /n\/a/);
  const base = { trainSecondsPerEpoch: 0, valSecondsPerEpoch: 0, epochSeconds: [1], valMse: [0.05], stepsTimed: 0, valImagesTimed: 0, probeEstimate: 1, info: {} };
  const table = formatEpochTable([
    { config: 'deepts-native', result: { ...base, config: 'deepts-native', mode: 'full', secondsPerEpoch: 0.5 } },
    { config: 'tfjs-wasm', result: { ...base, config: 'tfjs-wasm', mode: 'extrapolated', secondsPerEpoch: 25, epochSeconds: [], valMse: [] } },
    { config: 'pytorch-1thread', result: null, note: 'skipped: no torch' },
  ]);
  assert.match(table, /tfjs-wasm\s+25\.0\*/);
  assert.match(table, /50\.0×/);
  assert.match(table, /EXTRAPOLATED/);
  assert.match(table, /skipped: no torch/);
  assert.doesNotMatch(table, /PyTorch's best/, 'no PyTorch row measured, no ratio');
});

test('autoencoder table: deepts-native against the faster of PyTorch\'s thread settings', () => {
  const base = { trainSecondsPerEpoch: 0, valSecondsPerEpoch: 0, epochSeconds: [1], valMse: [0.05], stepsTimed: 0, valImagesTimed: 0, probeEstimate: 1, info: {} };
  const row = (config: string, secondsPerEpoch: number, mode: 'full' | 'extrapolated' = 'full') => ({ config, result: { ...base, config, mode, secondsPerEpoch } });
  const table = formatEpochTable([row('deepts-native', 0.4), row('pytorch-1thread', 1.2), row('pytorch-2threads', 1.0), row('tfjs-wasm', 0.1, 'extrapolated')]);
  assert.match(table, /deepts-native vs PyTorch's best \(pytorch-2threads\): 2\.50× faster/);
  const oneThreadBest = formatEpochTable([row('deepts-native', 0.4), row('pytorch-1thread', 0.9), row('pytorch-2threads', 1.0)]);
  assert.match(oneThreadBest, /\(pytorch-1thread\): 2\.25× faster/);
});

test('the PyTorch autoencoder child runs each setting on the threads it names, in every library it may use', () => {
  assert.deepEqual(PYTORCH_AUTOENCODER_SETTINGS.map((s) => s.config), ['pytorch-1thread', 'pytorch-2threads', 'pytorch-2t-blas1t', 'pytorch-2t-blas1t-ftz']);
  for (const { threads, blasThreads, flushDenormal } of PYTORCH_AUTOENCODER_SETTINGS) {
    const { env } = pytorchCommand('/mnist', '{}', threads, blasThreads, flushDenormal);
    assert.equal(env['DEEPTS_BENCH_TORCH_FLUSH_DENORMAL'], flushDenormal ? '1' : '0');
    for (const k of ['OMP_NUM_THREADS', 'DEEPTS_BENCH_TORCH_THREADS']) assert.equal(env[k], String(threads), k);
    for (const k of ['OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS']) assert.equal(env[k], String(blasThreads), k);
  }
});

test('cnn-accuracy section: reads the accuracy deepts cnn prints and says whether each target is met', () => {
  assert.equal(parseTestAccuracy('...\nTest accuracy: 99.31%  (loss 0.0213, 69 of 10000 wrong)\n'), 0.9931);
  assert.equal(parseTestAccuracy('no report'), null);
  assert.deepEqual(CNN_ACCURACY_CONFIGS.map((c) => c.dataset), ['mnist', 'fashion']);
  assert.ok(parseBenchArgs([]).only.includes('cnn-accuracy'), 'part of a full bench run');
  const text = formatCnnAccuracy([
    { args: '--model wide', dataset: 'mnist', target: 0.992, testAccuracy: 0.9931, seconds: 400 },
    { args: '--dataset fashion --model wide', dataset: 'fashion', target: 0.92, testAccuracy: 0.9185, seconds: 420 },
    { args: '--dataset fashion', dataset: 'fashion', target: 0.92, testAccuracy: NaN, seconds: 0, error: 'not installed' },
  ]);
  assert.match(text, /npx deepts cnn --model wide {2,}\s+99\.31 % {2}meets 99\.2 %/);
  assert.match(text, /--dataset fashion --model wide +91\.85 % {2}below 92\.0 %/);
  assert.match(text, /npx deepts cnn --dataset fashion +failed: not installed/);
});

test('cnn section: says which rows timed real epochs and which were extrapolated, and the ratio to PyTorch\'s best', () => {
  const text = formatCnnRows([
    { config: 'deepts-native', backend: 'native', mode: 'full', stepSeconds: 0.008, testBatchSeconds: 0.0025, epochSeconds: 4, steps: 0, epochs: [4.1, 3.9], valAccuracy: [0.97, 0.98], othersBusyCores: 0.05 },
    { config: 'tfjs-cpu', backend: 'tfjs-cpu', mode: 'extrapolated', stepSeconds: 5, testBatchSeconds: 1, epochSeconds: 2424, steps: 3 },
    { config: 'pytorch-1thread', backend: 'pytorch', mode: 'full', stepSeconds: 0.07, testBatchSeconds: 0.03, epochSeconds: 36, steps: 0, epochs: [36] },
    { config: 'pytorch-2threads', backend: 'pytorch', mode: 'full', stepSeconds: 0.045, testBatchSeconds: 0.02, epochSeconds: 24, steps: 0, epochs: [24, 24] },
  ]);
  assert.match(text, /deepts-native +4\.0 s\/epoch {2}full, median of 2 epochs \(4\.1, 3\.9\): 8\.0 ms\/step, 2\.5 ms\/test batch, val accuracy 98\.0 %, others used 0\.05 cores/);
  assert.match(text, /tfjs-cpu +2424\.0 s\/epoch {2}extrapolated from 3 steps/);
  assert.match(text, /pytorch-1thread +36\.0 s\/epoch {2}full, 1 epoch/);
  assert.match(text, /deepts-native vs PyTorch's best \(pytorch-2threads\): 6\.00× faster \(full vs full; issue 8 asks ≥ 6×/);
});

test('a measuring child counts the CPU of descendants it cannot reap (Chromium renderers) as its own', { skip: !existsSync('/proc/self/stat') }, async () => {
  // As Chromium's zygote: a grandchild that works, then outlives its parent and is never reaped up to us.
  const child = spawn('sh', ['-c', `node -e "const t = Date.now(); while (Date.now() - t < 400); setTimeout(() => {}, 20000)" & sleep 20`], { detached: true, stdio: 'ignore' });
  await new Promise((ok) => setTimeout(ok, 1500));
  try {
    await closeCountingTree(async () => {
      child.kill('SIGKILL');
      await new Promise((ok) => child.once('exit', ok));
    });
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
  }
  const line = unreapedTicksLine();
  assert.ok(line.startsWith(UNREAPED_TICKS_MARK));
  // The grandchild's busy 0.4 s (10 ms ticks; at least a quarter of it even on a loaded machine), not counted twice.
  const ticks = Number(line.slice(UNREAPED_TICKS_MARK.length));
  assert.ok(ticks >= 10 && ticks < 200, `unreaped ticks ${ticks}`);
});
