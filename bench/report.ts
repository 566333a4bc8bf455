/**
 * Readable tables for `npm run bench`: GEMM rates as % of the machine's fp32 peak, and
 * seconds per epoch of the lecture autoencoder with ratios (peer time / deepts time).
 */
import { BATCH, TRAIN_IMAGES, type EpochResult } from './epoch.js';
import type { MachineInfo } from './machine.js';

/** One GEMM shape: GFLOPS per implementation (null: not measured here). */
export interface GemmRow {
  shape: string;
  rates: Record<string, number | null>;
}

/** A GEMM column and how many cores its rate may use (for % of peak; 0: no % shown). */
export interface GemmColumn {
  key: string;
  title: string;
  cores: number;
}

export interface EpochRow {
  config: string;
  result: EpochResult | null;
  /** Why there is no result (skipped or failed). */
  note?: string;
  /** Cores' worth of CPU others were using just before this row was measured. */
  busyCoresBefore?: number | null;
  /** Cores' worth of CPU other processes used while this row was measured. */
  othersBusyCores?: number | null;
  /** How many times the row was measured (re-measured when disturbed). */
  attempts?: number;
}

/** Above this many cores used by other processes during a measurement, the row is flagged. */
export const DISTURBED_CORES = 0.2;

const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);

export function formatMachine(m: MachineInfo): string {
  const simd = m.simd === 'avx512' ? 'AVX-512' : m.simd === 'avx2' ? 'AVX2+FMA' : 'SSE';
  return [
    `Machine: ${m.cpuModel} (${m.microarchitecture}, family ${m.family ?? '?'} model ${m.model ?? '?'}), ${m.cores} cores, ${simd}${m.features.amxTile ? ', AMX' : ''}, ${m.clockGHz.toFixed(2)} GHz, Node ${m.node}`,
    `fp32 peak: ${m.peakGflopsPerCore.toFixed(1)} GFLOPS per core, ${m.peakGflopsAllCores.toFixed(1)} on all ${m.cores} cores — ${m.peakAssumption}`,
  ].join('\n');
}

export function formatGemmTable(rows: readonly GemmRow[], columns: readonly GemmColumn[], m: MachineInfo): string {
  const w = 14;
  const head = pad('GEMM, GFLOPS (% of peak)', 34) + columns.map((c) => lpad(c.title, w)).join('');
  const lines = [head];
  for (const r of rows) {
    let line = pad(r.shape, 34);
    for (const c of columns) {
      const v = r.rates[c.key];
      if (v === null || v === undefined) {
        line += lpad('n/a', w);
        continue;
      }
      const pct = c.cores > 0 ? ` (${Math.round((100 * v) / (m.peakGflopsPerCore * c.cores))}%)` : '';
      line += lpad(`${v.toFixed(1)}${pct}`, w);
    }
    lines.push(line);
  }
  return lines.join('\n');
}

function describeRun(r: EpochResult): string {
  if (r.mode === 'full') return `${r.epochSeconds.length === 1 ? '1 full epoch' : `median of ${r.epochSeconds.length} full epochs`}`;
  return `EXTRAPOLATED: ${r.stepsTimed} steps + ${r.valImagesTimed} val images`;
}

function describeMse(r: EpochResult): string {
  if (r.valMse.length === 0) return '— (partial epoch)';
  const last = r.valMse[r.valMse.length - 1]!;
  return `${last.toFixed(4)} after ${r.valMse.length} ep`;
}

export function formatEpochTable(rows: readonly EpochRow[]): string {
  const base = (name: string): number | null => rows.find((r) => r.config === name)?.result?.secondsPerEpoch ?? null;
  const bases = ['deepts-native', 'deepts-wasm', 'deepts-js'].map((n) => ({ name: n, seconds: base(n) })).filter((b) => b.seconds !== null);
  const head = pad('Lecture autoencoder', 20) + lpad('s/epoch', 9) + lpad('train', 8) + lpad('val', 7) + '  ' + pad('how measured', 44) + pad('val MSE', 20)
    + bases.map((b) => lpad(`÷ ${b.name.replace('deepts-', '')}`, 10)).join('') + lpad('others', 8);
  const lines = [head];
  for (const row of rows) {
    const r = row.result;
    if (!r) {
      lines.push(pad(row.config, 20) + lpad('—', 9) + `   ${row.note ?? 'not measured'}`);
      continue;
    }
    const mark = r.mode === 'extrapolated' ? '*' : ' ';
    let line = pad(row.config, 20) + lpad(r.secondsPerEpoch.toFixed(r.secondsPerEpoch < 10 ? 2 : 1) + mark, 9)
      + lpad(r.trainSecondsPerEpoch.toFixed(2), 8) + lpad(r.valSecondsPerEpoch.toFixed(2), 7) + '  '
      + pad(describeRun(r), 44) + pad(describeMse(r), 20);
    for (const b of bases) line += lpad(`${(r.secondsPerEpoch / b.seconds!).toFixed(r.secondsPerEpoch / b.seconds! < 10 ? 2 : 1)}×`, 10);
    const others = row.othersBusyCores;
    line += lpad(others === null || others === undefined ? 'n/a' : `${others.toFixed(2)}${others > DISTURBED_CORES ? '!' : ''}`, 8);
    lines.push(line);
  }
  lines.push('s/epoch = training on 60,000 images + validation on 10,000 (batch 256); * = timed on part of an epoch and scaled to a full one.');
  for (const row of rows) {
    const r = row.result;
    if (r?.trainPlanSecondsPerEpoch === undefined || r.valPlanSecondsPerEpoch === undefined) continue;
    const steps = Math.ceil(TRAIN_IMAGES / BATCH);
    const outside = r.trainSecondsPerEpoch - r.trainPlanSecondsPerEpoch;
    lines.push(`${row.config}: inside compiled plans train ${r.trainPlanSecondsPerEpoch.toFixed(3)} s (${((1000 * r.trainPlanSecondsPerEpoch) / steps).toFixed(3)} ms/step) + val ${r.valPlanSecondsPerEpoch.toFixed(3)} s; `
      + `around them train ${outside.toFixed(3)} s (${((1000 * outside) / steps).toFixed(3)} ms/step: the shuffled batch's gather, JavaScript) + val ${(r.valSecondsPerEpoch - r.valPlanSecondsPerEpoch).toFixed(3)} s.`);
  }
  const torch = rows.filter((r) => r.config.startsWith('pytorch') && r.result?.mode === 'full')
    .sort((a, b) => a.result!.secondsPerEpoch - b.result!.secondsPerEpoch)[0];
  const native = rows.find((r) => r.config === 'deepts-native' && r.result?.mode === 'full');
  if (torch && native) {
    lines.push(`deepts-native vs PyTorch's best (${torch.config}): ${(torch.result!.secondsPerEpoch / native.result!.secondsPerEpoch).toFixed(2)}× faster (issue 15 asks ≥ 4× and ≤ 0.5 s/epoch)`);
  }
  lines.push('÷ X = this row\'s time / deepts-X\'s time (above 1: deepts-X is that many times faster).');
  lines.push(`others = cores' worth of CPU other processes used meanwhile (! above ${DISTURBED_CORES}: that row is slowed by other load; re-run on a quiet machine).`);
  return lines.join('\n');
}
