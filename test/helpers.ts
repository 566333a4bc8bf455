/** Test utilities: finite-difference gradient checks and approximate comparisons. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../src/tensor/tensor.js';
import { gradients } from '../src/autograd/tape.js';
import { ops } from '../src/autograd/index.js';
import { Rng } from '../src/tensor/random.js';

export function randomTensor(shape: number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform(lo, hi);
  return new Tensor(d, shape);
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    const err = Math.abs(a - e) / Math.max(1, Math.abs(e));
    if (!(err <= tol)) assert.fail(`${what}[${i}]: got ${a}, expected ${e} (rel. error ${err.toExponential(2)} > ${tol})`);
  }
}

/**
 * Compares autograd's gradient of sum(f(inputs) ⊙ w) (w random, so every output
 * element matters) with central finite differences computed in float64 on the
 * float32 function.
 */
export function checkGradients(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: { eps?: number; tol?: number; seed?: number } = {}): void {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 2e-2;
  const rng = new Rng(opts.seed ?? 7);
  const leaves = inputs.map((t) => new Tensor(Float32Array.from(t.values), t.shape, true));
  const out = f(...leaves);
  const w = randomTensor([...out.shape], rng);
  const objective = (xs: Tensor[]): number => {
    const o = f(...xs).values;
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i]! * w.values[i]!;
    return s;
  };
  const loss = ops.sum(ops.mul(out, w));
  const grads = gradients(loss, leaves);
  leaves.forEach((leaf, li) => {
    const g = grads[li];
    assert.ok(g, `no gradient for input ${li}`);
    for (let i = 0; i < leaf.size; i++) {
      const plain = leaves.map((t) => new Tensor(Float32Array.from(t.values), t.shape));
      const orig = plain[li]!.values[i]!;
      plain[li]!.values[i] = orig + eps;
      const up = objective(plain);
      plain[li]!.values[i] = orig - eps;
      const down = objective(plain);
      const numeric = (up - down) / (2 * eps);
      const analytic: number = g.values[i]!;
      const err = Math.abs(numeric - analytic) / Math.max(1, Math.abs(numeric));
      if (!(err <= tol)) {
        assert.fail(`input ${li} element ${i}: autograd ${analytic}, finite difference ${numeric} (error ${err.toExponential(2)})`);
      }
    }
  });
}

/** The compiled CLI entry (dist/src/cli/main.js): tests of commands run it as a user would. */
export const CLI_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

export interface CliRun { code: number; stdout: string; stderr: string }

/** Runs `deepts ...args` in `cwd` and resolves with its exit code and output (never rejects). */
export function runCli(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI_MAIN, ...args], { cwd, env, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Wraps a model's forwardAll to count its inference (training = false) passes; returns the counter. */
export function countInferencePasses(model: { forwardAll(xs: Tensor[], training: boolean): Tensor[] }): () => number {
  const forwardAll = model.forwardAll.bind(model);
  let inference = 0;
  model.forwardAll = (xs: Tensor[], training: boolean) => {
    if (!training) inference++;
    return forwardAll(xs, training);
  };
  return () => inference;
}
