/**
 * fit's step loop is its own small function (trainer.ts trainEpoch) that awaits only promises, so
 * V8 never optimizes fitLoop as a whole: compiling it took 50-110 ms on a background thread that
 * competes with the compiled step's two compute threads, two to five times per fit (its code after
 * the step loop first ran after it was optimized, and deoptimized it). Checked in a child process
 * with --trace-opt, which names every function V8 compiles. Also: callbacks that return promises
 * are still awaited before the next step, and callbacks that return nothing are not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Adam, Dense, Sequential, Tensor, setSeed } from '../src/core.js';
import { Rng } from '../src/tensor/random.js';
import { randomTensor } from './helpers.js';

const coreJs = fileURLToPath(new URL('../src/core.js', import.meta.url));

test('fit over many steps never has V8 compile fitLoop (only the small per-epoch step loop gets hot)', () => {
  // 6 epochs of 400 small steps: the old fitLoop, resumed after every await of every step, was compiled in the first epoch.
  const code = `const { Adam, Dense, Sequential, Tensor, setSeed } = await import(${JSON.stringify(coreJs)});
    setSeed(1);
    const m = new Sequential([new Dense(8, { inputShape: [4], activation: 'relu' }), new Dense(4)]);
    m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
    const x = new Tensor(Float32Array.from({ length: 3200 * 4 }, (_, i) => Math.sin(i)), [3200, 4]);
    let steps = 0;
    await m.fit(x, x, { epochs: 6, batchSize: 8, verbose: 0, validationData: [x, x], callbacks: [{ onBatchEnd: () => { steps++; } }] });
    console.log('STEPS ' + steps);`;
  const r = spawnSync(process.execPath, ['--trace-opt', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /STEPS 2400/);
  const compiled = r.stdout.split('\n').filter((l) => l.startsWith('[compiling method'));
  assert.ok(compiled.length > 0, 'no --trace-opt output: the check would pass vacuously');
  assert.deepEqual(compiled.filter((l) => /<JSFunction fitLoop /.test(l)), [], 'fitLoop was compiled');
});

test('fit awaits a callback\'s promise before the next step', async () => {
  setSeed(2);
  const m = new Sequential([new Dense(3, { inputShape: [2] })]);
  m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
  const x = randomTensor([20, 2], new Rng(3));
  const y = new Tensor(new Float32Array(60), [20, 3]);
  const events: string[] = [];
  await m.fit(x, y, {
    epochs: 1, batchSize: 5, verbose: 0,
    callbacks: [{
      onBatchBegin: (b) => { events.push(`begin ${b}`); },
      onBatchEnd: async (b) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        events.push(`end ${b}`);
      },
    }],
  });
  assert.deepEqual(events, ['begin 0', 'end 0', 'begin 1', 'end 1', 'begin 2', 'end 2', 'begin 3', 'end 3']);
});
