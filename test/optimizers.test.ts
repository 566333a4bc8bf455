/** Each optimizer's update against its Keras formula, computed independently in float64. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/backend/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Variable } from '../src/nn/variable.js';
import { Adagrad, Adam, Adamax, RMSprop, SGD, getOptimizer, type Optimizer } from '../src/train/optimizers/index.js';
import { assertClose } from './helpers.js';

const w0 = [0.5, -1.5, 2.0, 0.0];
const gradSeq = [
  [0.1, -0.2, 0.3, 0.0],
  [-0.4, 0.5, 0.05, 1.0],
  [0.2, 0.2, -0.6, -0.3],
];

/** Runs the optimizer over gradSeq and returns the weights after each step. */
function run(opt: Optimizer): number[][] {
  const v = new Variable(Float32Array.from(w0), [4], 'w');
  return gradSeq.map((g) => {
    opt.applyGradients([[new Tensor(Float32Array.from(g), [4]), v]]);
    return Array.from(v.values);
  });
}

/** Reference: apply `step` elementwise with per-element state, in float64. */
function reference<S>(init: () => S, step: (w: number, g: number, s: S, t: number) => number): number[][] {
  const w = [...w0];
  const states = w.map(() => init());
  return gradSeq.map((g, ti) => {
    for (let i = 0; i < w.length; i++) w[i] = step(w[i]!, g[i]!, states[i]!, ti + 1);
    return [...w];
  });
}

function compare(actual: number[][], expected: number[][]): void {
  actual.forEach((row, i) => assertClose(row, expected[i]!, 1e-6, `step ${i + 1}`));
}

test('SGD: plain, momentum and nesterov follow Keras', () => {
  compare(run(new SGD({ learningRate: 0.1 })), reference(() => ({}), (w, g) => w - 0.1 * g));
  const mom = (nesterov: boolean) => reference(() => ({ m: 0 }), (w, g, s) => {
    s.m = 0.9 * s.m - 0.1 * g;
    return nesterov ? w + 0.9 * s.m - 0.1 * g : w + s.m;
  });
  compare(run(new SGD({ learningRate: 0.1, momentum: 0.9 })), mom(false));
  compare(run(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true })), mom(true));
});

test('Adam follows Keras (bias correction folded into the step size)', () => {
  const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7];
  compare(run(new Adam({ learningRate: lr })), reference(() => ({ m: 0, v: 0 }), (w, g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = b2 * s.v + (1 - b2) * g * g;
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    return w - (alpha * s.m) / (Math.sqrt(s.v) + eps);
  }));
});

test('Adam with amsgrad keeps the max of v', () => {
  const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7];
  compare(run(new Adam({ learningRate: lr, amsgrad: true })), reference(() => ({ m: 0, v: 0, vh: 0 }), (w, g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = b2 * s.v + (1 - b2) * g * g;
    s.vh = Math.max(s.vh, s.v);
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    return w - (alpha * s.m) / (Math.sqrt(s.vh) + eps);
  }));
});

test("Adamax follows Keras, with the lecture's defaults", () => {
  const opt = getOptimizer('adamax') as Adamax;
  assert.deepEqual([opt.learningRate, opt.beta1, opt.beta2, opt.epsilon], [0.001, 0.9, 0.999, 1e-7]);
  const [lr, b1, b2, eps] = [0.001, 0.9, 0.999, 1e-7];
  compare(run(opt), reference(() => ({ m: 0, u: 0 }), (w, g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.u = Math.max(b2 * s.u, Math.abs(g));
    return w - (lr / (1 - b1 ** t)) * (s.m / (s.u + eps));
  }));
});

test('RMSprop: plain, centered and with momentum follow Keras', () => {
  const [lr, rho, eps] = [0.01, 0.9, 1e-7];
  const ref = (centered: boolean, mu: number) => reference(() => ({ v: 0, a: 0, m: 0 }), (w, g, s) => {
    s.v = rho * s.v + (1 - rho) * g * g;
    let denom = s.v;
    if (centered) {
      s.a = rho * s.a + (1 - rho) * g;
      denom = s.v - s.a * s.a;
    }
    const inc = (lr * g) / Math.sqrt(denom + eps);
    if (mu > 0) {
      s.m = mu * s.m + inc;
      return w - s.m;
    }
    return w - inc;
  });
  compare(run(new RMSprop({ learningRate: lr })), ref(false, 0));
  compare(run(new RMSprop({ learningRate: lr, centered: true })), ref(true, 0));
  compare(run(new RMSprop({ learningRate: lr, momentum: 0.5 })), ref(false, 0.5));
});

test('Adagrad follows Keras (accumulator starts at 0.1)', () => {
  const [lr, eps] = [0.1, 1e-7];
  compare(run(new Adagrad({ learningRate: lr })), reference(() => ({ acc: 0.1 }), (w, g, s) => {
    s.acc += g * g;
    return w - (lr * g) / Math.sqrt(s.acc + eps);
  }));
});

test('Keras default hyper-parameters', () => {
  assert.equal((getOptimizer('sgd') as SGD).learningRate, 0.01);
  const adam = getOptimizer('Adam') as Adam;
  assert.deepEqual([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon, adam.amsgrad], [0.001, 0.9, 0.999, 1e-7, false]);
  const rms = getOptimizer('rmsprop') as RMSprop;
  assert.deepEqual([rms.learningRate, rms.rho, rms.momentum, rms.epsilon, rms.centered], [0.001, 0.9, 0, 1e-7, false]);
  const ada = getOptimizer('adagrad') as Adagrad;
  assert.deepEqual([ada.learningRate, ada.initialAccumulatorValue, ada.epsilon], [0.001, 0.1, 1e-7]);
  assert.throws(() => getOptimizer('lamb'), /unknown optimizer 'lamb'/);
  assert.equal(getOptimizer('adamw').name, 'AdamW');
});

test('a gradient of the wrong shape is rejected with the variable name', () => {
  const v = new Variable(new Float32Array(4), [4], 'dense/kernel');
  assert.throws(() => new SGD().applyGradients([[new Tensor(new Float32Array(3), [3]), v]]), /dense\/kernel/);
});
