/**
 * Compiled training steps on the WASM backend (src/backend/wasm/plan.ts): a replayed step is one
 * plan_run call into WASM with its buffers at fixed addresses; it gives eager's numbers on the
 * single-threaded and the threaded build (shared memory, GEMMs posted to the workers from inside
 * the plan); linear memory growing between replays (which detaches a non-shared memory's views)
 * changes nothing; kernels the plan cannot take run as JavaScript between segments; a dropped
 * plan gives its memory back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Dense, Sequential, Tensor, getBackend, setBackend, setSeed } from '../src/index.js';
import { registerBackend } from '../src/backend/registry.js';
import { buildAutoencoder } from '../src/models/mnist-models.js';
import { findBackend, kernels } from '../src/backend/registry.js';
import { traceStep } from '../src/tensor/step-trace.js';
import { nodeWasmWorkerFactory } from '../src/backend/wasm-node-workers.js';
import { createWasmBackend, type WasmBackend, type WasmWorkerFactory } from '../src/backend/wasm/load.js';
import { compileWasmTrace } from '../src/backend/wasm/plan.js';
import { Rng } from '../src/tensor/random.js';
import { assertClose, randomTensor } from './helpers.js';
import { withWasmPlanSpy } from './wasm-plan-spy.js';

const rng = new Rng(21);
/** One batch for every run: the runs differ only in how the step executes. */
const batch: Tensor = randomTensor([16, 28, 28], rng, 0, 1);
/** Batch 64: its GEMMs (≥ 12 MFLOP) are ones the pool splits over the threads. */
const batch64: Tensor = randomTensor([64, 28, 28], rng, 0, 1);

/** Trains the autoencoder for `steps` batches on `backend`, compiled or eager; counts plan_run calls on the replays. */
function trainAutoencoder(backend: WasmBackend, jitCompile: boolean, steps: number, between?: () => void, x = batch): { weights: Float32Array[]; losses: number[]; planRuns: number; mode: string; codes: number[] } {
  return withWasmPlanSpy(backend, (spy) => {
    setSeed(3);
    const m = buildAutoencoder();
    m.compile({ optimizer: 'adamax', loss: 'mse', jitCompile });
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      if (i === 2) spy.runs = 0; // steps 0 and 1 trace and check the plan
      losses.push(Number(m.trainOnBatch(x, x)));
      between?.();
    }
    return { weights: m.getWeights().map((w) => Float32Array.from(w.values)), losses, planRuns: spy.runs, mode: m.jitCompileStatus().mode, codes: spy.codes };
  });
}

const single = (await createWasmBackend({ threads: 1 }))!;
const threaded = (await createWasmBackend({ threads: 2, workerFactory: nodeWasmWorkerFactory }))!;

test('a replayed autoencoder step on WASM is one plan_run call and gives the eager losses and weights (1 thread)', () => {
  assert.ok(single, 'the wasm backend must load');
  const eager = trainAutoencoder(single, false, 7);
  const compiled = trainAutoencoder(single, true, 7);
  assert.equal(compiled.mode, 'compiled');
  assert.equal(eager.mode, 'eager');
  assert.equal(compiled.planRuns, 5, 'one plan_run per replayed step');
  assert.equal(eager.planRuns, 0);
  assertClose(compiled.losses, eager.losses, 1e-6, 'losses');
  compiled.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, 1e-6, `weight ${i}`));
});

test('the threaded build replays a step in one call with its work on the workers, and agrees with eager and one thread within float rounding', (t) => {
  if (!threaded || threaded.describe?.()['threads'] !== 2) {
    t.skip(`the threaded WASM build did not start here (${String(threaded?.describe?.()['threadsNote'])})`);
    return;
  }
  const x = batch64;
  const ex = threaded.arena.exports as unknown as { thread_ctrl(): number };
  const jobs = (): number => new Int32Array(threaded.arena.memory.buffer, ex.thread_ctrl(), 1)[0]!;
  /** GEMM jobs posted to the workers in the last step (by JavaScript eagerly, from inside plan_run on replays). */
  const counter = (): { step: () => void; posted: number } => {
    let last = jobs();
    const c = { posted: 0, step: (): void => { c.posted = jobs() - last; last = jobs(); } };
    return c;
  };
  const eagerJobs = counter();
  const eager = trainAutoencoder(threaded, false, 6, eagerJobs.step, x);
  const compiledJobs = counter();
  const compiled = trainAutoencoder(threaded, true, 6, compiledJobs.step, x);
  assert.equal(compiled.mode, 'compiled');
  assert.equal(compiled.planRuns, 4);
  assert.ok(eagerJobs.posted > 0, 'the eager step posts GEMM jobs');
  assert.ok(compiledJobs.posted >= eagerJobs.posted, `a replayed step posts its GEMMs (and pairs and elementwise splits) to the workers: ${compiledJobs.posted} jobs, eager ${eagerJobs.posted}`);
  // The first layer's weight gradient (784x128x64, no input gradient to pair with) carries its
  // weight's Adamax update in its epilogue: one K_GEMM_UPDATE (24), split over the threads by rows.
  assert.equal(compiled.codes.filter((c) => c === 24).length, 1, `plan op codes: ${compiled.codes.join(' ')}`);
  assert.equal(trainAutoencoder(single, true, 4, undefined, x).codes.filter((c) => c === 24).length, 0, 'one thread: no update in a GEMM epilogue');
  // The output layer's forward GEMM carries its loss and backward in its epilogue (K_GEMM_LOSS_BACKWARD,
  // 29) on two threads, as the addon's; one thread keeps the two ops.
  assert.equal(compiled.codes.filter((c) => c === 29).length, 1, `plan op codes: ${compiled.codes.join(' ')}`);
  assertClose(compiled.losses, eager.losses, 1e-6, 'losses');
  compiled.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, 1e-6, `weight ${i}`));
  // The single-threaded build within float rounding: the row splits and pairs change no sum, the
  // fused loss part sums the loss by rows and the output bias gradient by blocks of 4 rows.
  const one = trainAutoencoder(single, true, 6, undefined, x);
  assert.equal(one.codes.filter((c) => c === 29).length, 0, `one thread: plan op codes ${one.codes.join(' ')}`);
  assertClose(compiled.losses, one.losses, 1e-6, 'losses, 1 thread');
  compiled.weights.forEach((w, i) => assertClose(w, one.weights[i]!, 1e-6, `weight ${i}, 1 thread`));
  threadedCompiled = compiled.weights;
});

/** The threaded build's compiled weights (the test above), for the caller-alone run below. */
let threadedCompiled: Float32Array[] | null = null;

test('a job never waits for a worker to wake: with a worker that never takes a task, eager and replayed steps finish on the caller alone', async (t) => {
  // A pool whose one worker says it is ready and then never runs anything: every job's tasks are
  // taken by the caller (wasm/src/threads.inc), where waiting for the worker would hang for 30 s.
  const asleep: WasmWorkerFactory = () => {
    let reply: ((data: unknown) => void) | null = null;
    return { postMessage: () => queueMicrotask(() => reply?.({ ready: true })), onMessage: (h) => { reply = h; }, terminate: () => {} };
  };
  const lone = await createWasmBackend({ threads: 2, workerFactory: asleep });
  if (!lone || lone.describe?.()['threads'] !== 2) {
    t.skip(`the threaded WASM build did not start here (${String(lone?.describe?.()['threadsNote'])})`);
    return;
  }
  const x = batch64;
  const started = performance.now();
  const eager = trainAutoencoder(lone, false, 4, undefined, x);
  const compiled = trainAutoencoder(lone, true, 6, undefined, x);
  assert.ok(performance.now() - started < 20_000, 'no job waited for the worker');
  assert.equal(compiled.mode, 'compiled');
  // The same numbers whichever thread takes a task: eager as one thread, the replay as the same
  // plan with both threads running (row blocks, pairs and the fused loss part's sums change with
  // the thread count only, never with who runs what).
  const oneEager = trainAutoencoder(single, false, 4, undefined, x);
  eager.weights.forEach((w, i) => assert.deepEqual(w, oneEager.weights[i], `eager weight ${i}`));
  const both = threadedCompiled ?? (threaded?.describe?.()['threads'] === 2 ? trainAutoencoder(threaded, true, 6, undefined, x).weights : null);
  if (both) compiled.weights.forEach((w, i) => assert.deepEqual(w, both[i], `weight ${i}`));
  lone.stopThreads?.();
});

test('linear memory growing between replays (views detached) leaves the plan working', () => {
  const eager = trainAutoencoder(single, false, 6);
  let grown = 0;
  const compiled = trainAutoencoder(single, true, 6, () => {
    // Growing detaches the old ArrayBuffer of this non-shared memory: the plan's buffers must stay where they are.
    const old = single.arena.memory.buffer;
    single.arena.memory.grow(16);
    if (old.byteLength === 0) grown++;
  });
  assert.equal(grown, 6);
  assert.equal(compiled.mode, 'compiled');
  assertClose(compiled.losses, eager.losses, 1e-6, 'losses');
  compiled.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, 1e-6, `weight ${i}`));
});

test('kernels the plan cannot take run as JavaScript between plan segments, on current data', () => {
  const before = getBackend().name;
  registerBackend(single);
  setBackend('wasm');
  try {
    const x = Float32Array.from({ length: 64 }, (_, i) => i - 30);
    const y = new Float32Array(64), z = new Float32Array(64), t2 = new Float32Array(64), out = new Float32Array(64);
    const { entries } = traceStep(() => {
      const k = kernels(); // the recording table: only while tracing
      k.unary('relu', x, y, 0); // plan
      k.transpose(y, [8, 8], [1, 0], z); // JavaScript (a js fallback kernel): reads y from linear memory
      k.unary('sin', z, t2, 0); // JavaScript (sin's large-argument fix-up)
      k.binary('add', t2, [64], x, [64], out, [64]); // plan again: reads what JavaScript wrote
    });
    const actions = compileWasmTrace(single.arena, entries, [out]);
    x.set(Float32Array.from({ length: 64 }, (_, i) => 2 * i - 50));
    out.fill(0);
    y.fill(0);
    for (const f of actions) f();
    const want = new Float32Array(64);
    const relu = x.map((v) => Math.max(v, 0));
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) want[r * 8 + c] = Math.fround(Math.fround(Math.sin(relu[c * 8 + r]!)) + x[r * 8 + c]!);
    assertClose(out, want, 1e-6, 'out');
  } finally {
    setBackend(before);
  }
});

test('a dropped compiled step gives its linear memory back', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const before = getBackend().name;
  registerBackend(single);
  setBackend('wasm');
  try {
    // Plans of the tests before are collected first (finalizers run between turns of the event loop).
    const collect = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await collect();
    const reserved0 = single.arena.reservedBytes();
    // Each model lives in its own call: a local of this async function would stay reachable.
    const trainOne = async (): Promise<void> => {
      setSeed(1);
      const m = new Sequential([new Dense(64, { inputShape: [32], activation: 'relu' }), new Dense(1)]);
      m.compile({ optimizer: 'adam', loss: 'mse' });
      const x = randomTensor([64, 32], rng), y = randomTensor([64, 1], rng);
      await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
      assert.equal(m.jitCompileStatus().mode, 'compiled');
    };
    for (let i = 0; i < 3; i++) await trainOne();
    assert.ok(single.arena.reservedBytes() > reserved0, 'the plans reserved memory');
    await collect();
    assert.equal(single.arena.reservedBytes(), reserved0, 'every dropped plan released its block');
  } finally {
    setBackend(before);
  }
});

test('optimizer slots stay in linear memory between replays and come back whenever JavaScript reads them', () => {
  const before = getBackend().name;
  const previous = findBackend('wasm');
  registerBackend(single);
  setBackend('wasm');
  const small = randomTensor([8, 28, 28], rng, 0, 1);
  /** Steps on batches of 16 and 8 (two plans sharing the optimizer's slots), the optimizer's state read midway. */
  const run = (jitCompile: boolean): { weights: Float32Array[]; losses: number[]; midState: Float32Array[]; endState: Float32Array[]; stale: boolean } => {
    setSeed(3);
    const m = buildAutoencoder();
    m.compile({ optimizer: 'adamax', loss: 'mse', jitCompile });
    const opt = m.optimizer!;
    const slotsOf = (): Float32Array[] => [...(opt as unknown as { slots: Map<unknown, Float32Array[]> }).slots.values()].flat();
    const losses: number[] = [];
    let midState: Float32Array[] = [];
    let stale = false;
    // Batch 8 at steps 3, 7 (traced, verified: eager updates), 11 and 15 (replays of its own plan).
    for (let i = 0; i < 16; i++) {
      losses.push(Number(m.trainOnBatch(i % 4 === 3 ? small : batch, i % 4 === 3 ? small : batch)));
      if (i === 6) {
        const js = slotsOf().map((s) => Float32Array.from(s)); // the JavaScript arrays as they are, unsynced
        midState = opt.getState().slots.flatMap((s) => s.values);
        stale = js.some((s, j) => s.some((v, k) => v !== midState[j]![k]));
      }
    }
    return { weights: m.getWeights().map((w) => Float32Array.from(w.values)), losses, midState, endState: opt.getState().slots.flatMap((s) => s.values), stale };
  };
  try {
    const eager = run(false);
    const compiled = run(true);
    assert.equal(eager.stale, false);
    assert.equal(compiled.stale, true, 'after a replay the newest slots are in linear memory, not yet in the JavaScript arrays');
    assertClose(compiled.losses, eager.losses, 1e-6, 'losses');
    compiled.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, 1e-6, `weight ${i}`));
    compiled.midState.forEach((s, i) => assertClose(s, eager.midState[i]!, 1e-6, `slot ${i} read midway`));
    compiled.endState.forEach((s, i) => assertClose(s, eager.endState[i]!, 1e-6, `slot ${i} at the end`));
  } finally {
    if (previous) registerBackend(previous);
    setBackend(before);
  }
});

test('the weights a replay updates stay in linear memory, and come back on any read, a write or another backend', () => {
  const before = getBackend().name;
  const previous = findBackend('wasm');
  registerBackend(single);
  setBackend('wasm');
  const small = randomTensor([8, 28, 28], rng, 0, 1);
  /** Batches of 16 and 8 (two plans), with reads, a write and a switch to the js backend between steps. */
  const run = (jitCompile: boolean): { weights: Float32Array[]; losses: number[]; mid: Float32Array[]; predicted: Float32Array[]; stale: boolean } => {
    setSeed(3);
    const m = buildAutoencoder();
    m.compile({ optimizer: 'adamax', loss: 'mse', jitCompile });
    const stored = (): Float32Array[] => m.trainableWeights.map((v) => Float32Array.from((v as unknown as { stored: Float32Array }).stored));
    const losses: number[] = [];
    const predicted: Float32Array[] = [];
    let mid: Float32Array[] = [];
    let stale = false;
    for (let i = 0; i < 18; i++) {
      losses.push(Number(m.trainOnBatch(i % 4 === 3 ? small : batch, i % 4 === 3 ? small : batch)));
      if (i === 6) {
        const js = stored(); // the arrays as they are, without the accessor's write-back
        mid = m.getWeights().map((w) => Float32Array.from(w.values));
        stale = js.some((w, j) => w.some((v, k) => v !== mid[j]![k]));
      }
      if (i === 9) m.setWeights(m.getWeights().map((w) => new Tensor(Float32Array.from(w.values, (v) => v * 0.5), w.shape)));
      if (i === 12) {
        setBackend('js');
        predicted.push(Float32Array.from((m.predict(small) as Tensor).values));
        setBackend('wasm');
      }
      if (i === 14) predicted.push(Float32Array.from((m.predict(small) as Tensor).values));
    }
    return { weights: m.getWeights().map((w) => Float32Array.from(w.values)), losses, mid, predicted, stale };
  };
  try {
    const eager = run(false);
    const compiled = run(true);
    assert.equal(eager.stale, false);
    assert.equal(compiled.stale, true, 'after a replay the newest weights are in linear memory, not yet in the JavaScript arrays');
    assertClose(compiled.losses, eager.losses, 1e-5, 'losses');
    compiled.mid.forEach((w, i) => assertClose(w, eager.mid[i]!, 1e-6, `weight ${i} read midway`));
    compiled.predicted.forEach((p, i) => assertClose(p, eager.predicted[i]!, 1e-5, `prediction ${i}`));
    compiled.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, 1e-5, `weight ${i} at the end`));
  } finally {
    if (previous) registerBackend(previous);
    setBackend(before);
  }
});

test('each replay takes its batch straight into linear memory (feed), inputs and separate targets alike, on both builds', () => {
  const before = getBackend().name;
  const previous = findBackend('wasm');
  const batches = Array.from({ length: 6 }, (_, i) => ({
    x: randomTensor([8, 12], new Rng(100 + i), -1, 1), y: randomTensor([8, 3], new Rng(200 + i), -1, 1),
  }));
  const run = (backend: WasmBackend, jitCompile: boolean): { losses: number[]; weights: Float32Array[]; fed: number } => {
    let fed = 0;
    const compileTrace = backend.compileTrace!;
    registerBackend({
      ...backend,
      compileTrace: (entries, keep) => {
        const actions = compileTrace(entries, keep);
        const feed = actions.feed;
        if (feed) actions.feed = (input, values) => (feed(input, values) ? (fed++, true) : false);
        return actions;
      },
    });
    setBackend('wasm');
    setSeed(5);
    const m = new Sequential([new Dense(6, { activation: 'relu', inputShape: [12] }), new Dense(3)]);
    m.compile({ optimizer: 'adam', loss: 'mse', jitCompile });
    // Every step a new batch: a replay that read the previous step's batch would drift from eager.
    const losses = [...batches, ...batches].map((b) => Number(m.trainOnBatch(b.x, b.y)));
    return { losses, weights: m.getWeights().map((w) => Float32Array.from(w.values)), fed };
  };
  try {
    for (const backend of [single, ...(threaded ? [threaded] : [])]) {
      const eager = run(backend, false);
      const compiled = run(backend, true);
      assert.equal(eager.fed, 0);
      // Steps 0 and 1 trace and check the plan; the 10 replays after them feed x and y each.
      assert.equal(compiled.fed, 20, 'inputs and targets fed on every replay');
      assertClose(compiled.losses, eager.losses, 1e-6, 'losses');
      compiled.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, 1e-6, `weight ${i}`));
    }
  } finally {
    if (previous) registerBackend(previous);
    setBackend(before);
  }
});
