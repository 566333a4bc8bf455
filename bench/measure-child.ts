/**
 * Running one measuring child process of `npm run bench`: wait for a quiet machine, run the
 * child, read the JSON it prints after RESULT_MARK, and measure how much CPU other processes
 * took meanwhile, re-measuring a disturbed row (bench/run.ts's --wait-quiet and --retries).
 */
import { spawn } from 'node:child_process';
import { RESULT_MARK } from './epoch.js';
import { cpuSnapshot, measureBusyCores, othersBusyCores as othersBusyCores_, UNREAPED_TICKS_MARK } from './machine.js';
import { DISTURBED_CORES } from './report.js';

/** The bench options that govern measuring: seconds to wait for quiet, re-measurements of a disturbed row. */
export interface QuietOptions {
  waitQuiet: number;
  retries: number;
}

export interface ChildOutcome<T> {
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
      // Descendants the child could not reap (Chromium's renderers) are the measured configuration too.
      const unreaped = out.split('\n').filter((l) => l.startsWith(UNREAPED_TICKS_MARK)).reduce((s, l) => s + (Number(l.slice(UNREAPED_TICKS_MARK.length)) || 0), 0);
      const othersBusyCores = othersBusyCores_(before, cpuSnapshot(), unreaped);
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
async function quietCheck(label: string, opts: QuietOptions): Promise<number | null> {
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
export async function measureQuietly<T>(label: string, cmd: { command: string; args: string[]; env: NodeJS.ProcessEnv }, opts: QuietOptions, timeoutSeconds: number): Promise<ChildOutcome<T> & { busyCoresBefore: number | null; attempts: number }> {
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
