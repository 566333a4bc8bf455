/**
 * A replayed native plan runs with denormals flushed to zero (FTZ and DAZ, as TensorFlow's CPU
 * runtime): Adam-family moments decaying into the denormal range made every later epoch slower
 * (microcode assists). Eager kernels keep denormals, on every thread of the pool: the pool's
 * workers run each job under its caller's floating-point mode, so which thread computes which
 * rows never changes a result. Skipped when the addon (with plans) is not built, or off x86.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { arch } from 'node:process';
import { loadNativeBackend, setNativeThreads, type NativeAddon } from '../src/backend/native/load.js';

const backend = loadNativeBackend();
const addon = backend?.addon as (NativeAddon & { setPlanFlushDenormals?: (on?: boolean) => void }) | undefined;
const skip = !addon?.beginPlan || !addon.setPlanFlushDenormals ? 'native addon with plans not built' : arch !== 'x64' && arch !== 'ia32' ? 'denormal flushing is x86-only' : false;

const DENORMAL = 1e-39; // below float32's smallest normal, 2^-126 ≈ 1.18e-38

const ROWS = 512;
const COLS = 256;
/** Products per check: the first wakes the pool's worker, which then takes part in the rest (it spins between jobs). */
const PRODUCTS = 8;

/** C = A·I for 512×256 As of denormals, PRODUCTS of them: big enough that the pool splits each over its threads. */
function identityProducts(): { a: Float32Array; b: Float32Array; outs: Float32Array[] } {
  const a = new Float32Array(ROWS * COLS).fill(DENORMAL);
  const b = new Float32Array(COLS * COLS);
  for (let i = 0; i < COLS; i++) b[i * COLS + i] = 1;
  return { a, b, outs: Array.from({ length: PRODUCTS }, () => new Float32Array(ROWS * COLS).fill(Number.NaN)) };
}

function multiply(p: { a: Float32Array; b: Float32Array; outs: Float32Array[] }): void {
  for (const out of p.outs) addon!.matmul(p.a, p.b, out, ROWS, COLS, COLS, false, false, false);
}

function counts(v: Float32Array): { zero: number; denormal: number } {
  let zero = 0;
  let denormal = 0;
  for (const x of v) {
    if (x === 0) zero++;
    else if (Math.abs(x) < 2 ** -126) denormal++;
  }
  return { zero, denormal };
}

describe('denormals in native plans', { skip }, () => {
  const a = addon!;
  after(() => {
    a.setPlanFlushDenormals!(true);
    setNativeThreads(0);
  });

  for (const threads of [1, 2]) {
    it(`a replayed plan flushes them on every thread; eager kernels before and after keep them (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      setNativeThreads(threads);
      const all = (p: { outs: Float32Array[] }): { zero: number; denormal: number } => {
        const c = p.outs.map(counts);
        return { zero: c.reduce((s, x) => s + x.zero, 0), denormal: c.reduce((s, x) => s + x.denormal, 0) };
      };
      const n = PRODUCTS * ROWS * COLS;
      const eager = identityProducts();
      multiply(eager);
      assert.deepEqual(all(eager), { zero: 0, denormal: n }, 'eager keeps denormals');

      const planned = identityProducts();
      a.beginPlan!();
      multiply(planned);
      const plan = a.endPlan!();
      a.runPlan!(plan);
      assert.deepEqual(all(planned), { zero: n, denormal: 0 }, 'the plan flushes every row, whichever thread ran it');

      // The caller's mode is restored after the replay, and the workers follow it again.
      const again = identityProducts();
      multiply(again);
      assert.deepEqual(all(again), { zero: 0, denormal: n }, 'eager after a replay keeps denormals');

      a.setPlanFlushDenormals!(false);
      for (const out of planned.outs) out.fill(Number.NaN);
      a.runPlan!(plan);
      assert.deepEqual(all(planned), { zero: 0, denormal: n }, 'setPlanFlushDenormals(false) keeps them in plans');
      a.setPlanFlushDenormals!(true);
    });
  }
});
