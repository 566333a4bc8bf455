/**
 * The native plan's fusions (native/plan.inc): a recorded matmul + biasAct becomes one GEMM with
 * the bias and activation in its epilogue, and a pointwise loss followed by the biasActBackward of
 * its gradient becomes one pass, and a weight gradient's GEMM runs its weight's optimizer update in
 * its epilogue; on two or more threads the output layer's forward GEMM also runs that loss pass in its
 * epilogue. A fused replay must give what the separate kernels give: the same
 * numbers for the epilogues (same arithmetic), float rounding for the loss pass's bias gradient
 * (summed per block of rows). Checked on random shapes on one thread and on the pool, against the
 * addon's own unfused calls. Skipped when the addon is not built here.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadNativeBackend, setNativeThreads, type NativeAddon } from '../src/backend/native/load.js';

const backend = loadNativeBackend();
const addon = backend?.addon as (NativeAddon & { planProfile?: (p: unknown) => { name: string }[] }) | undefined;
const skip = addon?.beginPlan && addon.planProfile ? false : 'native addon with plans not built';

function random(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const d = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; d[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo); }
  return d;
}

/** Runs `calls` eagerly, then recorded as a plan (on fresh copies of the outputs); returns both results and the plan's op names. */
function eagerAndPlanned(outputs: Float32Array[], calls: (out: Float32Array[]) => void): { eager: Float32Array[]; planned: Float32Array[]; ops: string[] } {
  const a = addon!;
  const eager = outputs.map((o) => o.slice());
  calls(eager);
  const planned = outputs.map((o) => o.slice());
  a.beginPlan!();
  calls(planned);
  const plan = a.endPlan!();
  a.runPlan!(plan);
  return { eager, planned, ops: a.planProfile!(plan).map((it) => it.name) };
}

function assertClose(actual: Float32Array, expected: Float32Array, rtol: number, what: string): void {
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    assert.ok(d <= rtol * (1 + scale) || (Number.isNaN(actual[i]!) && Number.isNaN(expected[i]!)), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('native plan fusions', { skip }, () => {
  const a = addon!;
  const code = (names: readonly string[] | undefined, name: string): number => names!.indexOf(name);
  after(() => setNativeThreads(0));

  it('matmul + biasAct run as one GEMM with the epilogue, exactly as the two kernels', () => {
    const acts = ['linear', 'relu', 'sigmoid', 'tanh', 'elu'].filter((n) => a.unaryOps.includes(n));
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 300 }),
      fc.constantFrom(...acts), fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom(1, 2), fc.integer({ min: 1, max: 1e6 }),
      (m, n, k, act, transA, bias, inPlace, threads, seed) => {
        setNativeThreads(threads);
        const x = random(m * k, seed), w = random(k * n, seed + 1), b = bias ? random(n, seed + 2) : null;
        const { eager, planned, ops } = eagerAndPlanned([new Float32Array(m * n), new Float32Array(m * n)], ([z, y]) => {
          a.matmul(x, w, z!, m, n, k, transA, false, false);
          a.biasAct(z!, b, code(a.unaryOps, act), 0, inPlace ? z! : y!, m, n);
        });
        assert.deepEqual(ops, [`matmul+biasAct ${act} ${m}x${n}x${k}${transA ? ' At' : ''}`]);
        assert.deepEqual(planned[0], eager[0]);
        assert.deepEqual(planned[1], eager[1]);
      },
    ), { numRuns: 60 });
  });

  it('setPlanFusion(false) records plans unfused (for the A/B bench), and true fuses again', () => {
    const f = a as unknown as { setPlanFusion(on: boolean): void };
    const x = random(8 * 4, 1), w = random(4 * 6, 2), z = new Float32Array(48), y = new Float32Array(48);
    const record = (): string[] => eagerAndPlanned([], () => {
      a.matmul(x, w, z, 8, 6, 4, false, false, false);
      a.biasAct(z, null, code(a.unaryOps, 'relu'), 0, y, 8, 6);
    }).ops;
    try {
      f.setPlanFusion(false);
      assert.deepEqual(record(), ['matmul 8x6x4', 'biasAct relu']);
    } finally {
      f.setPlanFusion(true);
    }
    assert.deepEqual(record(), ['matmul+biasAct relu 8x6x4']);
  });

  it('a biasAct that does not take the matmul output whole stays a separate op', () => {
    const x = random(8 * 4, 1), w = random(4 * 6, 2), z = new Float32Array(48), y = new Float32Array(48);
    const { ops } = eagerAndPlanned([], () => {
      a.matmul(x, w, z, 8, 6, 4, false, false, false);
      a.biasAct(z, null, code(a.unaryOps, 'relu'), 0, y, 6, 8); // same buffer, other shape
    });
    assert.deepEqual(ops, ['matmul 8x6x4', 'biasAct relu']);
  });

  it('a pointwise loss and the biasActBackward of its gradient run as one pass, within float rounding', () => {
    if (!a.pointwiseLoss || !a.lossOps) return;
    const acts = ['sigmoid', 'relu', 'linear', 'tanh'].filter((n) => a.unaryOps.includes(n));
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 900 }), fc.constantFrom(...a.lossOps!), fc.constantFrom(...acts),
      fc.boolean(), fc.constantFrom(1, 2), fc.integer({ min: 1, max: 1e6 }),
      (rows, cols, loss, act, bias, threads, seed) => {
        setNativeThreads(threads);
        const n = rows * cols;
        const p = random(n, seed, 0.01, 0.99), t = random(n, seed + 1, 0, 1);
        const sumN = new Float32Array([n]);
        // As autograd records it: loss (sum, grad), the mean's division, the zero fills of the new
        // gradient buffers, then the layer's backward.
        const { eager, planned, ops } = eagerAndPlanned(
          [new Float32Array(1), new Float32Array(n), new Float32Array(n), new Float32Array(cols)],
          ([sum, grad, dz, dbias]) => {
            a.pointwiseLoss!(code(a.lossOps, loss), p, t, sum!, grad!, 2 / n);
            a.binary(code(a.binaryOps, 'div'), sum!, [], sumN, [], sum!, []);
            a.fill!(dz!, 0);
            if (bias) a.fill!(dbias!, 0);
            a.biasActBackward(p, grad!, code(a.unaryOps, act), 0, dz!, bias ? dbias! : null, rows, cols);
          });
        assert.deepEqual(ops, [`pointwiseLoss+biasActBackward ${loss} ${act}`, 'binary div']);
        assertClose(planned[0]!, eager[0]!, 1e-6, 'loss');
        assert.deepEqual(planned[1], eager[1], 'the loss gradient');
        assert.deepEqual(planned[2], eager[2], 'dz');
        assertClose(planned[3]!, eager[3]!, 1e-5, 'dbias');
      },
    ), { numRuns: 60 });
  });

  it('a wide GEMM split by columns over the pool applies bias + activation and the optimizer update to its columns exactly as the kernels', () => {
    // m <= n and n >= 64 per thread: each thread computes and finishes its own columns (native/host.inc, matmulByColumns).
    for (const threads of [2, 3]) {
      setNativeThreads(threads);
      const [m, n, k] = [96, 784, 200];
      const x = random(m * k, 1), w = random(k * n, 2), b = random(n, 3);
      const fused = eagerAndPlanned([new Float32Array(m * n), new Float32Array(m * n)], ([z, y]) => {
        a.matmul(x, w, z!, m, n, k, false, false, false);
        a.biasAct(z!, b, code(a.unaryOps, 'sigmoid'), 0, y!, m, n);
      });
      assert.deepEqual(fused.ops, [`matmul+biasAct sigmoid ${m}x${n}x${k}`]);
      fused.planned.forEach((p, i) => assert.deepEqual(p, fused.eager[i], `biasAct output ${i}, ${threads} threads`));
      const [um, un, uk] = [64, 300, 500];
      const xt = random(uk * um, 4), dy = random(uk * un, 5), h = Float64Array.from([0.001, 0.9, 0.999, 1e-7]);
      const update = eagerAndPlanned([new Float32Array(um * un), random(um * un, 6), random(um * un, 7, 0, 1), random(um * un, 8, 0, 1)], ([dw, wt, ...state]) => {
        a.matmul(xt, dy, dw!, um, un, uk, true, false, false);
        a.optimizerStep(code(a.optimizerRules, 'adamax'), wt!, dw!, state, h);
      });
      assert.deepEqual(update.ops, [`matmul+optimizerStep adamax ${um}x${un}x${uk} At`]);
      update.planned.forEach((p, i) => assert.deepEqual(p, update.eager[i], `update output ${i}, ${threads} threads`));
    }
  });

  it('a weight gradient GEMM runs its weight\'s optimizer update in the epilogue, exactly as the separate step', () => {
    const rules = ['sgd', 'adam', 'adamax', 'rmsprop'].filter((r) => a.optimizerRules.includes(r));
    const slots: Record<string, number> = { sgd: 0, adam: 2, adamax: 2, rmsprop: 3 };
    const hyper: Record<string, number[]> = { sgd: [0.1], adam: [0.01, 0.9, 0.999, 1e-7], adamax: [0.001, 0.9, 0.999, 1e-7], rmsprop: [0.01, 0.9, 0.5, 1e-7, 1] };
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 160 }), fc.integer({ min: 1, max: 300 }), fc.constantFrom(...rules),
      fc.boolean(), fc.integer({ min: 1, max: 1e6 }),
      (m, n, k, rule, between, seed) => {
        setNativeThreads(2); // fused on two or more threads only (native/plan-entries.inc, EndPlan)
        const x = random(k * m, seed), dy = random(k * n, seed + 1), other = random(64, seed + 2);
        const h = Float64Array.from(hyper[rule]!); // live hyper-parameters, as the optimizers pass them
        const outputs = [new Float32Array(m * n), random(m * n, seed + 3), new Float32Array(64)];
        for (let i = 0; i < slots[rule]!; i++) outputs.push(random(m * n, seed + 4 + i, 0, 1));
        const { eager, planned, ops } = eagerAndPlanned(outputs, ([dw, w, scratch, ...state]) => {
          a.matmul(x, dy, dw!, m, n, k, true, false, false); // dW = Xᵀ·dY
          if (between) a.unary(code(a.unaryOps, 'neg'), other, scratch!, 0); // could run before the update: nothing shared
          a.optimizerStep(code(a.optimizerRules, rule), w!, dw!, state, h);
        });
        const name = `matmul+optimizerStep ${rule} ${m}x${n}x${k} At`;
        assert.deepEqual(ops, between ? [name, 'unary neg'] : [name]);
        planned.forEach((p, i) => assert.deepEqual(p, eager[i], `output ${i}`));
      },
    ), { numRuns: 60 });
  });

  it('an update is not moved ahead of an op that reads its weight', () => {
    setNativeThreads(2);
    const x = random(16 * 8, 1), dy = random(16 * 4, 2), w = random(32, 3), dw = new Float32Array(32), copy = new Float32Array(32);
    const { ops } = eagerAndPlanned([], () => {
      a.matmul(x, dy, dw, 8, 4, 16, true, false, false);
      a.unary(code(a.unaryOps, 'neg'), w, copy, 0);
      a.optimizerStep(code(a.optimizerRules, 'sgd'), w, dw, [], Float64Array.of(0.1));
    });
    assert.deepEqual(ops, ['matmul 8x4x16 At', 'unary neg', 'optimizerStep sgd']);
  });

  // A Dense output layer's step as autograd records it: matmul, biasAct (the predictions), the loss
  // (sum, gradient), the mean's division, the zero fills of the new gradient buffers, the layer's backward.
  const outputLayerStep = (x: Float32Array, w: Float32Array, b: Float32Array | null, t: Float32Array, m: number, n: number, k: number,
    act: string, bAct: string, loss: string) => (out: Float32Array[]): void => {
    const [z, y, sum, grad, dz, dbias] = out;
    a.matmul(x, w, z!, m, n, k, false, false, false);
    a.biasAct(z!, b, code(a.unaryOps, act), 0, y!, m, n);
    a.pointwiseLoss!(code(a.lossOps, loss), y!, t, sum!, grad!, 2 / (m * n));
    a.binary(code(a.binaryOps, 'div'), sum!, [], Float32Array.of(m * n), [], sum!, []);
    a.fill!(dz!, 0);
    if (b) a.fill!(dbias!, 0);
    a.biasActBackward(y!, grad!, code(a.unaryOps, bAct), 0, dz!, b ? dbias! : null, m, n);
  };
  const stepBuffers = (m: number, n: number): Float32Array[] =>
    [new Float32Array(m * n), new Float32Array(m * n), new Float32Array(1), new Float32Array(m * n), new Float32Array(m * n), new Float32Array(n)];

  it('the output layer\'s loss and backward run in its forward GEMM\'s epilogue on two threads: the same predictions, gradients and dz, loss and bias gradient within float rounding', () => {
    if (!a.pointwiseLoss || !a.lossOps) return;
    const acts = ['sigmoid', 'relu', 'linear', 'tanh'].filter((n) => a.unaryOps.includes(n));
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 200 }), fc.constantFrom(...a.lossOps!),
      fc.constantFrom(...acts), fc.boolean(), fc.integer({ min: 1, max: 1e6 }),
      (m, n, k, loss, act, bias, seed) => {
        setNativeThreads(2);
        const x = random(m * k, seed), w = random(k * n, seed + 1), b = bias ? random(n, seed + 2) : null, t = random(m * n, seed + 3, 0, 1);
        const { eager, planned, ops } = eagerAndPlanned(stepBuffers(m, n), outputLayerStep(x, w, b, t, m, n, k, act, act, loss));
        assert.deepEqual(ops, [`matmul+biasAct+pointwiseLoss+biasActBackward ${act} ${loss} ${m}x${n}x${k}`, 'binary div']);
        assert.deepEqual(planned[0], eager[0], 'the GEMM output');
        assert.deepEqual(planned[1], eager[1], 'the predictions');
        assertClose(planned[2]!, eager[2]!, 1e-6, 'loss');
        assert.deepEqual(planned[3], eager[3], 'the loss gradient');
        assert.deepEqual(planned[4], eager[4], 'dz');
        assertClose(planned[5]!, eager[5]!, 1e-5, 'dbias');
      },
    ), { numRuns: 60 });
  });

  it('the fused output layer step sums its loss and bias gradient the same way on any number of threads, and stays two ops on one', () => {
    if (!a.pointwiseLoss || !a.lossOps) return;
    const m = 256, n = 784, k = 128;
    const x = random(m * k, 5), w = random(k * n, 6), b = random(n, 7), t = random(m * n, 8, 0, 1);
    const run = (threads: number): { planned: Float32Array[]; ops: string[] } => {
      setNativeThreads(threads);
      return eagerAndPlanned(stepBuffers(m, n), outputLayerStep(x, w, b, t, m, n, k, 'sigmoid', 'sigmoid', 'squaredError'));
    };
    const two = run(2), three = run(3), one = run(1);
    assert.equal(two.ops[0], 'matmul+biasAct+pointwiseLoss+biasActBackward sigmoid squaredError 256x784x128');
    three.planned.forEach((p, i) => assert.deepEqual(p, two.planned[i], `output ${i}, 3 threads vs 2`));
    assert.deepEqual(one.ops, ['matmul+biasAct sigmoid 256x784x128', 'pointwiseLoss+biasActBackward squaredError sigmoid', 'binary div']);
  });

  it('the loss is not moved into the GEMM when its targets are the GEMM\'s output', () => {
    if (!a.pointwiseLoss || !a.lossOps) return;
    setNativeThreads(2);
    const m = 16, n = 32, k = 8, x = random(m * k, 1), w = random(k * n, 2);
    const { ops } = eagerAndPlanned(stepBuffers(m, n), (out) => {
      // The targets are z, the matmul's output, which the fused GEMM writes while the loss reads it.
      const [z] = out;
      outputLayerStep(x, w, null, z!, m, n, k, 'sigmoid', 'sigmoid', 'squaredError')(out);
    });
    assert.deepEqual(ops, [`matmul+biasAct sigmoid ${m}x${n}x${k}`, 'pointwiseLoss+biasActBackward squaredError sigmoid', 'binary div']);
  });

  it('the loss pass is not fused across an op that reads what the backward writes', () => {
    if (!a.pointwiseLoss || !a.lossOps) return;
    const n = 64, p = random(n, 3, 0.1, 0.9), t = random(n, 4, 0, 1);
    const sum = new Float32Array(1), grad = new Float32Array(n), dz = new Float32Array(n), copy = new Float32Array(n);
    const { ops } = eagerAndPlanned([], () => {
      a.pointwiseLoss!(code(a.lossOps, 'squaredError'), p, t, sum, grad, 1 / n);
      a.unary(code(a.unaryOps, 'neg'), dz, copy, 0); // reads dz before the backward writes it
      a.biasActBackward(p, grad, code(a.unaryOps, 'sigmoid'), 0, dz, null, 8, 8);
    });
    assert.deepEqual(ops, ['pointwiseLoss squaredError', 'unary neg', 'biasActBackward sigmoid']);
  });
});
