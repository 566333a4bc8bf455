/**
 * The issue's accuracy targets for `deepts cnn`, measured by running the command itself (the
 * CLI, not a copy of it) with the flags the README documents, seed 42:
 *   MNIST test accuracy ≥ 99.2 %, Fashion-MNIST ≥ 92 %.
 * Keras' example model itself (the default, `--model simple`) does not reach them (README: 99.09 %
 * and 90.35 %); the rows run the documented wide variant, 15 epochs on MNIST and 25 on
 * Fashion-MNIST (~8 min on a quiet 2-core machine); --quick trains 1 epoch on 5,000 images (a smoke test: its
 * accuracies say nothing about the targets).
 *
 * Run as a child process: `node dist/bench/cnn-accuracy.js [quick|full]`. Prints one RESULT_MARK line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULT_MARK } from './epoch.js';
import { FASHION_MNIST_DIR } from '../src/datasets/fashion-mnist-node.js';

export interface CnnAccuracyRow {
  /** The command line after `npx deepts cnn`. */
  args: string;
  dataset: 'mnist' | 'fashion';
  /** The target for this dataset, as a fraction. */
  target: number;
  testAccuracy: number;
  seconds: number;
  error?: string;
}

export const CNN_ACCURACY_CONFIGS: readonly { dataset: 'mnist' | 'fashion'; args: string[] }[] = [
  { dataset: 'mnist', args: ['--model', 'wide', '--lr-schedule', 'cosine'] },
  // 15 epochs leave Fashion-MNIST at 91.95–92.06 % (seeds 42 and 7, this machine): 25 clear the target.
  { dataset: 'fashion', args: ['--dataset', 'fashion', '--model', 'wide', '--lr-schedule', 'cosine', '--epochs', '25'] },
];
export const CNN_TARGETS = { mnist: 0.992, fashion: 0.92 } as const;

/** "Test accuracy: 99.31%" → 0.9931. */
export function parseTestAccuracy(stdout: string): number | null {
  const m = /^Test accuracy: (\d+(?:\.\d+)?)%/m.exec(stdout);
  return m ? Number(m[1]) / 100 : null;
}

function cliMain(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
}

function runRow(dataset: 'mnist' | 'fashion', args: string[], quick: boolean): CnnAccuracyRow {
  const out = mkdtempSync(path.join(tmpdir(), 'deepts-bench-cnn-'));
  const extra = quick ? ['--epochs', '1', '--limit', '5000'] : [];
  const started = performance.now();
  try {
    const r = spawnSync(process.execPath, [cliMain(), 'cnn', ...args, ...extra, '--seed', '42', '--verbose', '0', '--out', out], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const seconds = (performance.now() - started) / 1000;
    const accuracy = parseTestAccuracy(r.stdout ?? '');
    const row = { args: [...args, ...extra].join(' '), dataset, target: CNN_TARGETS[dataset], seconds };
    if (r.status !== 0 || accuracy === null) return { ...row, testAccuracy: NaN, error: (r.stderr || r.error?.message || 'no accuracy printed').trim().split('\n').slice(-1)[0] ?? 'failed' };
    return { ...row, testAccuracy: accuracy };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function formatCnnAccuracy(rows: readonly CnnAccuracyRow[]): string {
  const lines = ['deepts cnn test accuracy (seed 42; targets: MNIST >= 99.2 %, Fashion-MNIST >= 92 %):'];
  const width = Math.max(...rows.map((r) => `npx deepts cnn ${r.args}`.trim().length));
  for (const r of rows) {
    const cmd = `npx deepts cnn ${r.args}`.trim().padEnd(width);
    lines.push(r.error ? `  ${cmd} failed: ${r.error}`
      : `  ${cmd} ${(r.testAccuracy * 100).toFixed(2).padStart(6)} %  ${r.testAccuracy >= r.target ? 'meets' : 'below'} ${(r.target * 100).toFixed(1)} %  (${r.seconds.toFixed(0)} s)`);
  }
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const quick = process.argv[2] === 'quick';
  const rows: CnnAccuracyRow[] = [];
  for (const c of CNN_ACCURACY_CONFIGS) {
    if (c.dataset === 'fashion' && !existsSync(FASHION_MNIST_DIR)) {
      rows.push({ args: c.args.join(' '), dataset: c.dataset, target: CNN_TARGETS[c.dataset], testAccuracy: NaN, seconds: 0, error: "Fashion-MNIST not installed (Debian: apt-get install dataset-fashion-mnist)" });
      continue;
    }
    rows.push(runRow(c.dataset, c.args, quick));
    process.stderr.write(`  ${formatCnnAccuracy(rows.slice(-1)).split('\n')[1]}\n`);
  }
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(rows)}\n`);
}
