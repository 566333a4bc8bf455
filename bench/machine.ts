/**
 * The machine a benchmark ran on, and its theoretical fp32 peak derived from CPU
 * features × clock (read from /proc/cpuinfo; Linux only, with portable fallbacks).
 *
 * Peak assumption (FLOP per cycle per core, counting an FMA as 2 FLOP):
 * - AVX-512 on Intel server cores (Skylake-SP … Sapphire Rapids): 2 × 512-bit FMA = 64.
 * - AVX-512 on AMD Zen 4: 512-bit ops run on 256-bit datapaths (double-pumped) = 32.
 * - AVX2 + FMA (Haswell+, Zen 1–3): 2 × 256-bit FMA = 32 (Zen 1: 2 × 128-bit = 16).
 * - SSE only: 4-lane add + 4-lane mul per cycle = 8.
 * The clock is the "cpu MHz" the kernel reports (the nominal/base clock in VMs): turbo can
 * exceed it, so a kernel may show slightly over 100% on an idle bare-metal machine.
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  hostname: string;
  cpuModel: string;
  vendor: string;
  family: number | null;
  model: number | null;
  microarchitecture: string;
  cores: number;
  clockGHz: number;
  features: { avx2: boolean; fma: boolean; avx512f: boolean; avx512vl: boolean; amxTile: boolean };
  /** Widest SIMD path the kernels can use here. */
  simd: 'avx512' | 'avx2' | 'sse';
  flopPerCyclePerCore: number;
  peakGflopsPerCore: number;
  peakGflopsAllCores: number;
  peakAssumption: string;
  /** Clock the kernel reports in /proc/cpuinfo (often the base clock in VMs). */
  reportedClockGHz: number;
  /** Clock measured by timing dependent adds (native addon), when known. */
  measuredClockGHz: number | null;
  node: string;
  loadAverage: number[];
}

function cpuinfoField(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text);
  return m?.[1]?.trim();
}

/** Zen generation from the CPUID family/model (AMD), or a coarse label. */
function microarchitecture(vendor: string, family: number | null, model: number | null): string {
  if (vendor === 'AuthenticAMD' && family !== null && model !== null) {
    if (family === 0x17) return model >= 0x30 ? 'AMD Zen 2' : 'AMD Zen 1';
    if (family === 0x19) return (model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0x7f) || (model >= 0xa0 && model <= 0xaf) ? 'AMD Zen 4' : 'AMD Zen 3';
    if (family === 0x1a) return 'AMD Zen 5';
  }
  if (vendor === 'GenuineIntel') return 'Intel';
  return 'unknown';
}

export function detectMachine(): MachineInfo {
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: the fallbacks below still give a row, with the SIMD level unknown (sse)
  }
  const flags = new Set((cpuinfoField(text, 'flags') ?? '').split(/\s+/));
  const vendor = cpuinfoField(text, 'vendor_id') ?? 'unknown';
  const familyText = cpuinfoField(text, 'cpu family');
  const modelText = cpuinfoField(text, 'model');
  const family = familyText ? Number(familyText) : null;
  const model = modelText ? Number(modelText) : null;
  const cpus = os.cpus();
  const mhz = Number(cpuinfoField(text, 'cpu MHz') ?? cpus[0]?.speed ?? 0);
  const features = {
    avx2: flags.has('avx2'), fma: flags.has('fma'), avx512f: flags.has('avx512f'),
    avx512vl: flags.has('avx512vl'), amxTile: flags.has('amx_tile'),
  };
  const arch = microarchitecture(vendor, family, model);
  let simd: MachineInfo['simd'] = 'sse';
  let flop = 8;
  let why = 'SSE: 4-lane add + 4-lane mul per cycle';
  if (features.avx512f) {
    simd = 'avx512';
    if (vendor === 'AuthenticAMD') {
      flop = 32;
      why = `AVX-512 on ${arch}: 512-bit FMAs run on 256-bit datapaths, 2 × 8 lanes × 2 FLOP`;
    } else {
      flop = 64;
      why = 'AVX-512: 2 × 512-bit FMA units × 16 lanes × 2 FLOP (Xeon with two FMA ports)';
    }
  } else if (features.avx2 && features.fma) {
    simd = 'avx2';
    flop = arch === 'AMD Zen 1' ? 16 : 32;
    why = arch === 'AMD Zen 1' ? 'AVX2+FMA on Zen 1: 2 × 128-bit FMA' : 'AVX2+FMA: 2 × 256-bit FMA units × 8 lanes × 2 FLOP';
  }
  const clockGHz = mhz / 1000;
  const cores = cpus.length;
  return {
    hostname: os.hostname(),
    cpuModel: cpuinfoField(text, 'model name') ?? cpus[0]?.model ?? 'unknown',
    vendor, family, model, microarchitecture: arch, cores, clockGHz, reportedClockGHz: clockGHz, measuredClockGHz: null, features, simd,
    flopPerCyclePerCore: flop,
    peakGflopsPerCore: flop * clockGHz,
    peakGflopsAllCores: flop * clockGHz * cores,
    peakAssumption: `${why} = ${flop} FLOP/cycle × ${clockGHz.toFixed(2)} GHz (cpu MHz in /proc/cpuinfo; turbo not counted)`,
    node: process.version,
    loadAverage: os.loadavg(),
  };
}

/**
 * The peak at the clock the cores really run at: the measured clock (turbo included) when it
 * is above the reported one, so that "% of peak" never flatters a kernel.
 */
export function withMeasuredClock(m: MachineInfo, measuredGHz: number | undefined): MachineInfo {
  if (!measuredGHz || !Number.isFinite(measuredGHz) || measuredGHz <= 0) return m;
  const clockGHz = Math.max(m.reportedClockGHz, measuredGHz);
  const source = clockGHz === measuredGHz ? `measured ${measuredGHz.toFixed(2)} GHz (dependent-add loop; /proc/cpuinfo says ${m.reportedClockGHz.toFixed(2)})` : `${clockGHz.toFixed(2)} GHz from /proc/cpuinfo (measured ${measuredGHz.toFixed(2)})`;
  const why = m.peakAssumption.replace(/ × [0-9.]+ GHz \(.*\)$/, '');
  return {
    ...m, clockGHz, measuredClockGHz: measuredGHz,
    peakGflopsPerCore: m.flopPerCyclePerCore * clockGHz,
    peakGflopsAllCores: m.flopPerCyclePerCore * clockGHz * m.cores,
    peakAssumption: `${why} × ${source}`,
  };
}

/** Cores' worth of CPU time used by everything on the machine during `ms` (from /proc/stat); null off Linux. */
export async function measureBusyCores(ms = 700): Promise<number | null> {
  const sample = (): { busy: number; total: number } | null => {
    try {
      const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
      const v = line.trim().split(/\s+/).slice(1).map(Number);
      const idle = (v[3] ?? 0) + (v[4] ?? 0);
      const total = v.reduce((a, b) => a + b, 0);
      return { busy: total - idle, total };
    } catch {
      return null;
    }
  };
  const a = sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = sample();
  if (!a || !b || b.total === a.total) return null;
  return ((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length;
}

/** CPU counters for `othersBusyCores`: all cores' busy and total jiffies, and this process's reaped children's. */
export interface CpuSnapshot { busy: number; total: number; children: number }

export function cpuSnapshot(): CpuSnapshot | null {
  try {
    const v = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    // /proc/self/stat: fields after the ')' — cutime and cstime are the 14th and 15th (1-based from state).
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total, children: (f[13] ?? 0) + (f[14] ?? 0) };
  } catch {
    return null;
  }
}

/**
 * Cores' worth of CPU used by OTHER processes between two snapshots: all busy time minus what
 * this process's finished children (the measured configuration) used. Both counters are in
 * clock ticks, so the ratio needs no tick rate.
 */
export function othersBusyCores(before: CpuSnapshot | null, after: CpuSnapshot | null, unreapedTicks = 0): number | null {
  if (!before || !after || after.total <= before.total) return null;
  const cores = os.cpus().length;
  const others = after.busy - before.busy - (after.children - before.children) - unreapedTicks;
  return Math.max(0, (others / (after.total - before.total)) * cores);
}

/**
 * A measuring child prints this mark and a number of clock ticks: CPU its own descendants used
 * that never reached its children's counters, so the parent counts it as the measured
 * configuration's and not as other load (see closeCountingTree).
 */
export const UNREAPED_TICKS_MARK = '@@DEEPTS_UNREAPED_CPU_TICKS ';

/** The fields of /proc/<pid>/stat after the command name: [0] is the state, [1] the parent pid. */
function statFields(pid: number | 'self'): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** This process's reaped children's CPU ticks (cutime + cstime). */
function reapedChildrenTicks(): number | null {
  const f = statFields('self');
  return f ? Number(f[13]) + Number(f[14]) : null;
}

/** CPU ticks of every live descendant of this process, each with the children it reaped (utime + stime + cutime + cstime). */
function descendantTicks(): number | null {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return null;
  }
  const procs = new Map<number, { parent: number; ticks: number }>();
  for (const pid of pids) {
    const f = statFields(pid);
    if (f) procs.set(pid, { parent: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
  }
  const inTree = (pid: number): boolean => {
    for (let p = procs.get(pid)?.parent, hops = 0; p !== undefined && p > 1 && hops < 64; p = procs.get(p)?.parent, hops++) if (p === process.pid) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, p] of procs) if (inTree(pid)) ticks += p.ticks;
  return ticks;
}

let unreaped = 0;

/**
 * Runs `close` (a browser's close()) and counts the CPU its process tree used that close() leaves
 * out of this process's children's counters: Chromium's renderers are forked by its zygote and
 * never reaped up to the browser process, so without this a bench's parent would see the page's
 * own work as other load (run.ts's "others used … cores"). The tree's ticks just before closing,
 * less what closing adds to the reaped children's counters.
 */
export async function closeCountingTree(close: () => Promise<void>): Promise<void> {
  const tree = descendantTicks(), reapedBefore = reapedChildrenTicks();
  await close();
  const reapedAfter = reapedChildrenTicks();
  if (tree !== null && reapedBefore !== null && reapedAfter !== null) unreaped += Math.max(0, tree - (reapedAfter - reapedBefore));
}

/** The mark line for the parent (after the last closeCountingTree). */
export function unreapedTicksLine(): string {
  return `${UNREAPED_TICKS_MARK}${unreaped}\n`;
}
