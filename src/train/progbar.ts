/**
 * Keras' progress bar (keras/src/utils/progbar.py), same text:
 *   Epoch 3/17
 *   235/235 ━━━━━━━━━━━━━━━━━━━━ 2s 8ms/step - loss: 0.0213 - val_loss: 0.0208
 * On a terminal the line is redrawn in place (green done part, grey rest) with
 * an ETA; elsewhere (a pipe, a file, CI) only the finished line is printed.
 * verbose=2 prints one line per epoch.
 */
export interface TextOutput {
  write(text: string): void;
  readonly isTTY: boolean;
}

interface ProcessLike {
  stdout?: { write(s: string): boolean; isTTY?: boolean };
}

/** stdout in Node, console.log lines elsewhere (browsers) — without importing Node modules. */
export function defaultOutput(): TextOutput {
  const proc = (globalThis as { process?: ProcessLike }).process;
  const stdout = proc?.stdout;
  if (stdout) return { write: (s) => void stdout.write(s), isTTY: stdout.isTTY === true };
  let pending = '';
  return {
    isTTY: false,
    write: (s) => {
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) console.log(l);
    },
  };
}

/** Keras number format: .4f when |v| > 1e-3, else .4e. */
export function formatValue(v: number): string {
  if (Math.abs(v) > 1e-3) return v.toFixed(4);
  return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatDuration(seconds: number): string {
  if (seconds > 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds > 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.floor(seconds)}s`;
}

function formatPerStep(seconds: number, unit: string): string {
  if (seconds >= 1 || seconds === 0) return `${seconds.toFixed(0)}s/${unit}`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(0)}ms/${unit}`;
  return `${(seconds * 1e6).toFixed(0)}us/${unit}`;
}

export class Progbar {
  private readonly start = now();
  private lastDraw = 0;
  private values: [string, number][] = [];

  constructor(
    /** Steps in the epoch; null while unknown (a dataset of unknown size, first epoch): shown as "n/Unknown". */
    private readonly target: number | null,
    private readonly out: TextOutput,
    private readonly verbose: 1 | 2 = 1,
    private readonly width = 20,
    private readonly unit = 'step',
    /** Seconds between redraws on a terminal (Keras: 0.05). */
    private readonly interval = 0.05,
  ) {}

  /** Reports progress; `values` replace the shown ones (they are already epoch means). */
  update(current: number, values: Record<string, number>, finalize = this.target !== null && current >= this.target): void {
    this.values = Object.entries(values);
    const t = now();
    if (!finalize && (this.verbose === 2 || !this.out.isTTY || t - this.lastDraw < this.interval)) return;
    this.lastDraw = t;
    const elapsed = t - this.start;
    const perStep = current > 0 ? elapsed / current : 0;
    const target = this.target ?? (finalize ? current : null);
    const count = target === null ? `${current}/Unknown` : `${String(current).padStart(String(target).length)}/${target}`;
    const metrics = this.values.map(([k, v]) => ` - ${k}: ${formatValue(v)}`).join('');
    if (this.verbose === 2) {
      this.out.write(`${count} - ${Math.round(elapsed)}s - ${formatPerStep(perStep, this.unit)}${metrics}\n`);
      return;
    }
    const done = target === null ? 0 : Math.floor((this.width * Math.min(current, target)) / target);
    const tty = this.out.isTTY;
    const bar = tty
      ? `\x1b[1m${count}\x1b[0m ${done > 0 ? `\x1b[32m${'━'.repeat(done)}\x1b[0m` : ''}\x1b[37m${'━'.repeat(this.width - done)}\x1b[0m`
      : `${count} ${'━'.repeat(this.width)}`;
    const timing = finalize || target === null ? ` ${Math.round(elapsed)}s ${formatPerStep(perStep, this.unit)}` : ` ${formatDuration(perStep * (target - current))}`;
    const line = `${bar}${timing}${metrics}`;
    this.out.write(tty ? `\r${line}\x1b[K${finalize ? '\n' : ''}` : `${line}\n`);
  }
}

function now(): number {
  return performance.now() / 1000;
}
