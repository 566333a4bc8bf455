/**
 * The fused conv epilogue + max pooling (ops.biasActivationMaxPool, kernels biasActPool /
 * biasActPoolBackward) against the two ops it replaces, on every backend: the same values,
 * argmax routing (ties to the first tap, NaN taps win), input and bias gradients; finite
 * differences; and the model level: Sequential and functional models run Conv2D(relu) →
 * MaxPooling2D through it with the same outputs and gradients as the unfused layers, and a
 * model that also outputs the conv layer's output does not fuse.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Conv2D, Dense, Flatten, Input, MaxPooling2D, Model, Sequential, Tensor, ops, setSeed } from '../src/index.js';
import { gradients } from '../src/autograd/tape.js';
import { getBackend, kernels, listBackends, setBackend } from '../src/backend/registry.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, checkGradients, randomTensor } from './helpers.js';

const rng = new Rng(21);

function onEveryBackend(f: (backend: string) => void): void {
  const before = getBackend().name;
  try {
    for (const { name } of listBackends()) {
      setBackend(name);
      f(name);
    }
  } finally {
    setBackend(before);
  }
}

/** Runs f with the calls of the active backend's kernel `name` counted. */
function countCalls<T>(name: 'biasActPool' | 'conv2dBiasActPool' | 'pool2d', f: () => T): { result: T; calls: number } {
  const table = kernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const orig = table[name]!;
  let calls = 0;
  table[name] = (...a: unknown[]): unknown => { calls++; return orig(...a); };
  try {
    return { result: f(), calls };
  } finally {
    table[name] = orig;
  }
}

const leaf = (t: Tensor): Tensor => new Tensor(Float32Array.from(t.values), t.shape, true);

/** Equal element for element (NaN equals NaN); tol relative, as assertClose. */
function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(g) || Number.isNaN(w)) assert.ok(Number.isNaN(g) && Number.isNaN(w), `${what}[${i}]: got ${g}, expected ${w}`);
    else assertClose([g], [w], tol, `${what}[${i}]`);
  }
}

describe('biasActivationMaxPool op', () => {
  it('equals maxPool2d(biasActivation(...)) in values and gradients, ties and NaN included, on every backend', () => {
    onEveryBackend((backend) => {
      fc.assert(fc.property(
        fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('relu' as const, 'linear' as const), fc.boolean(), fc.boolean(), fc.integer(),
        (n, h, w, c, ph, pw, act, withBias, ties, seed) => {
          if (h < ph || w < pw) return;
          const r = new Rng(seed);
          const x0 = randomTensor([n, h, w, c], r, -2, 2);
          const xv = Float32Array.from(x0.values, (v) => (ties ? Math.round(v) : v));
          if (ties) xv[Math.abs(seed) % xv.length] = NaN;
          const x = leaf(new Tensor(xv, x0.shape));
          const b = withBias ? leaf(randomTensor([c], r)) : null;
          const fused = ops.biasActivationMaxPool(x, b, act, [ph, pw]);
          const plain = ops.maxPool2d(ops.biasActivation(x, b, act), { poolSize: [ph, pw] });
          const what = `${backend} ${act} ${[n, h, w, c]} pool ${ph}x${pw}`;
          assert.deepEqual(fused.shape, plain.shape, what);
          assertSame(fused.values, plain.values, 0, `${what}: values`);
          const dy = randomTensor([...fused.shape], r);
          const wrt = b ? [x, b] : [x];
          const gf = gradients(fused, wrt, dy);
          const gp = gradients(plain, wrt, dy);
          assertSame(gf[0]!.values, gp[0]!.values, 0, `${what}: dx`);
          if (b) assertSame(gf[1]!.values, gp[1]!.values, 1e-5, `${what}: dbias`);
        },
      ), { numRuns: 25 });
    });
  });

  it('a NaN in the conv output reaches the pooled output and its gradient', () => {
    const x = leaf(new Tensor(Float32Array.from([1, NaN, 3, 2]), [1, 2, 2, 1]));
    const y = ops.biasActivationMaxPool(x, null, 'relu', 2);
    assert.ok(Number.isNaN(y.values[0]!));
    const [dx] = gradients(y, [x], new Tensor(Float32Array.from([5]), [1, 1, 1, 1]));
    // relu'(NaN) is 0 in the unfused path too (dy·0 at the NaN tap, 0 elsewhere).
    assert.deepEqual([...dx!.values], [0, 0, 0, 0]);
  });

  it('gradients match finite differences (relu and linear, bias, odd sizes, 2×2 and 3×2 windows)', () => {
    for (const [act, pool] of [['relu', 2], ['linear', [3, 2]]] as const) {
      // Distinct values far apart, so a finite-difference step never changes a window's maximum.
      const perm = rng.permutation(2 * 7 * 5 * 3);
      const x = new Tensor(Float32Array.from(perm, (v) => (v - 100) * 0.05), [2, 7, 5, 3]);
      checkGradients((t, b) => ops.biasActivationMaxPool(t, b, act, pool), [x, randomTensor([3], rng, -0.01, 0.01)], { eps: 1e-3, tol: 1e-2 });
    }
  });

  it('rejects what it cannot fuse with clear messages', () => {
    const x = randomTensor([1, 4, 4, 2], rng);
    assert.throws(() => ops.biasActivationMaxPool(x, null, 'sigmoid', 2), /activation must be 'relu' or 'linear'/);
    assert.throws(() => ops.biasActivationMaxPool(x, randomTensor([3], rng), 'relu', 2), /bias shape \[3\] does not match/);
    assert.throws(() => ops.biasActivationMaxPool(randomTensor([4, 4, 2], rng), null, 'relu', 2), /4-D batch/);
  });
});

describe('conv2dBiasActivationMaxPool op (few-tap convolutions)', () => {
  it('equals the separate ops in values and in x, kernel and bias gradients, on every backend', () => {
    onEveryBackend((backend) => {
      fc.assert(fc.property(
        fc.integer({ min: 1, max: 2 }), fc.integer({ min: 3, max: 8 }), fc.integer({ min: 3, max: 8 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 20 }),
        fc.constantFrom('valid' as const, 'same' as const), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom('relu' as const, 'linear' as const), fc.boolean(), fc.integer(),
        (n, h, w, c, f, padding, stride, pool, act, withBias, seed) => {
          const r = new Rng(seed);
          const kh = c === 1 ? 3 : 2;
          const x = leaf(randomTensor([n, h, w, c], r));
          const k = leaf(randomTensor([kh, kh, c, f], r));
          const b = withBias ? leaf(randomTensor([f], r)) : null;
          const o = { padding, strides: stride };
          let plain: Tensor;
          try {
            plain = ops.maxPool2d(ops.biasActivation(ops.conv2d(x, k, o), b, act), { poolSize: pool });
          } catch {
            assert.throws(() => ops.conv2dBiasActivationMaxPool(x, k, b, act, o, pool), /smaller than/);
            return;
          }
          const fused = ops.conv2dBiasActivationMaxPool(x, k, b, act, o, pool);
          const what = `${backend} ${act} ${[n, h, w, c, f]} ${padding} stride ${stride} pool ${pool}`;
          assertSame(fused.values, plain.values, 1e-5, `${what}: values`);
          const dy = randomTensor([...fused.shape], r);
          const wrt = b ? [x, k, b] : [x, k];
          const gf = gradients(fused, wrt, dy), gp = gradients(plain, wrt, dy);
          gf.forEach((g, i) => assertSame(g!.values, gp[i]!.values, 1e-4, `${what}: gradient ${i}`));
        },
      ), { numRuns: 20 });
    });
  });

  it('gradients match finite differences', () => {
    const perm = rng.permutation(2 * 7 * 6);
    const x = new Tensor(Float32Array.from(perm, (v) => (v - 40) * 0.05), [2, 7, 6, 1]);
    checkGradients((t, k, b) => ops.conv2dBiasActivationMaxPool(t, k, b, 'relu', {}, 2), [x, randomTensor([3, 3, 1, 4], rng), randomTensor([4], rng, 0.2, 0.4)], { eps: 1e-3, tol: 2e-2 });
  });
});

describe('models fuse Conv2D(relu) → MaxPooling2D', () => {
  it('a first layer on grayscale pictures runs as one kernel (conv2dBiasActPool), with the unfused outputs and gradients', () => {
    onEveryBackend((backend) => {
      setSeed(6);
      const conv = new Conv2D(6, 3, { activation: 'relu', inputShape: [10, 9, 1] }), dense = new Dense(2);
      const model = new Sequential([conv, new MaxPooling2D(2), new Flatten(), dense]);
      const x = randomTensor([3, 10, 9, 1], rng);
      const { result: y, calls } = countCalls('conv2dBiasActPool', () => model.apply(x, { training: true }));
      assert.equal(calls, 1, backend);
      const h = ops.maxPool2d(ops.biasActivation(ops.conv2d(x, conv.kernel!), conv.bias, 'relu'));
      const want = ops.add(ops.matmul(ops.reshape(h, [3, -1]), dense.kernel!), dense.bias!);
      assertClose(y.values, want.values, 1e-5, `${backend}: outputs`);
      const weights = [conv.kernel!, conv.bias!];
      const dy = randomTensor([...y.shape], rng);
      const got = gradients(y, weights, dy), exp = gradients(want, weights, dy);
      got.forEach((g, i) => assertClose(g!.values, exp[i]!.values, 1e-4, `${backend}: gradient ${i}`));
    });
  });

  const layersOf = (): [Conv2D, MaxPooling2D, Flatten, Dense] => [
    new Conv2D(5, 3, { activation: 'relu', inputShape: [9, 8, 2] }), new MaxPooling2D(2), new Flatten(), new Dense(3),
  ];
  /** The kernel a wider conv's fused block calls: conv2dBiasActPool where the backend fuses it (native), else biasActPool after conv2d. */
  const wideKernel = (): 'conv2dBiasActPool' | 'biasActPool' => (getBackend().fusesWideConvPool === true ? 'conv2dBiasActPool' : 'biasActPool');
  /** The same network written with the unfused ops. */
  const unfused = (x: Tensor, conv: Conv2D, dense: Dense): Tensor => {
    const h = ops.maxPool2d(ops.biasActivation(ops.conv2d(x, conv.kernel!), conv.bias, 'relu'));
    return ops.add(ops.matmul(ops.reshape(h, [h.shape[0]!, -1]), dense.kernel!), dense.bias!);
  };

  it('Sequential: the fused kernel runs, with the unfused outputs and weight gradients', () => {
    onEveryBackend((backend) => {
      setSeed(3);
      const [conv, pool, flat, dense] = layersOf();
      const model = new Sequential([conv, pool, flat, dense]);
      const x = randomTensor([3, 9, 8, 2], rng);
      const { result: y, calls } = countCalls(wideKernel(), () => model.apply(x, { training: true }));
      assert.equal(calls, 1, `${backend}: one fused call`);
      const want = unfused(x, conv, dense);
      assertClose(y.values, want.values, 1e-5, `${backend}: outputs`);
      const weights = [conv.kernel!, conv.bias!, dense.kernel!];
      const dy = randomTensor([...y.shape], rng);
      const got = gradients(y, weights, dy), exp = gradients(want, weights, dy);
      got.forEach((g, i) => assertClose(g!.values, exp[i]!.values, 1e-4, `${backend}: gradient ${i}`));
      assert.deepEqual(conv.lastOutputShape, [null, 7, 6, 5], 'the conv layer still reports its own output shape');
      assert.deepEqual(pool.lastOutputShape, [null, 3, 3, 5]);
    });
  });

  it('functional: fuses when the pool is the conv output\'s only reader, not when the conv output is a model output', () => {
    setSeed(4);
    const [conv, pool, flat, dense] = layersOf();
    const input = Input({ shape: [9, 8, 2] });
    const z = conv.apply(input);
    const out = dense.apply(flat.apply(pool.apply(z)));
    const model = new Model({ inputs: input, outputs: out });
    const both = new Model({ inputs: input, outputs: [out, z] });
    const x = randomTensor([2, 9, 8, 2], rng);
    const fused = countCalls(wideKernel(), () => model.apply(x) as Tensor);
    assert.equal(fused.calls, 1);
    const split = countCalls(wideKernel(), () => both.call(x) as unknown as Tensor[]);
    assert.equal(split.calls, 0, 'the conv output is needed: no fusion');
    assertClose(fused.result.values, split.result[0]!.values, 1e-6, 'same outputs');
    assertClose(split.result[1]!.values, ops.biasActivation(ops.conv2d(x, conv.kernel!), conv.bias, 'relu').values, 1e-6, 'the conv output itself');
    assertClose(fused.result.values, unfused(x, conv, dense).values, 1e-5, 'the unfused network');
  });

  it('does not fuse a sigmoid conv, an overlapping or same-padded pool, or a conv with an activity regularizer', () => {
    const cases: [Conv2D, MaxPooling2D][] = [
      [new Conv2D(2, 3, { activation: 'sigmoid' }), new MaxPooling2D(2)],
      [new Conv2D(2, 3, { activation: 'relu' }), new MaxPooling2D(3, { strides: 2 })],
      [new Conv2D(2, 3, { activation: 'relu' }), new MaxPooling2D(2, { padding: 'same' })],
      [new Conv2D(2, 3, { activation: 'relu', activityRegularizer: 'l2' }), new MaxPooling2D(2)],
    ];
    const x = randomTensor([1, 8, 8, 1], rng);
    for (const [conv, pool] of cases) {
      const model = new Sequential([conv, pool]);
      // Neither fused kernel: a 1-channel 3×3 conv would fuse through conv2dBiasActPool, not biasActPool.
      const r = countCalls('biasActPool', () => countCalls('conv2dBiasActPool', () => model.apply(x)));
      const what = `${conv.activation.name} ${pool.poolSize} ${pool.strides} ${pool.padding}`;
      assert.equal(r.calls, 0, what);
      assert.equal(r.result.calls, 0, what);
      const want = ops.maxPool2d(conv.apply(x), { poolSize: pool.poolSize, strides: pool.strides, padding: pool.padding });
      assertClose(r.result.result.values, want.values, 1e-6);
    }
  });
});
