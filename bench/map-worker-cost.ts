/**
 * Would a worker thread pay for a Dataset `map`? Times, per 28×28 picture, the denoise class's
 * map (Gaussian noise σ 0.1, clip to [0, 1]) on the main thread — with deepts ops and as plain
 * JS — against sending the picture to a worker that runs the same plain-JS arithmetic and sends
 * the result back (copies both ways), one at a time and with 16 in flight (what
 * `numParallelCalls` would do). A closure cannot be sent to a worker, so a worker map needs
 * its code as a module; these numbers say whether that would be worth asking of users.
 *
 * Run alone: `npx tsc -p tsconfig.json && node dist/bench/map-worker-cost.js`
 */
import { Worker } from 'node:worker_threads';
import { Tensor } from '../src/index.js';
import { degrade } from '../src/tasks/denoise.js';

const N = 4000;
const SIDE = 784;

const NOISE_BODY = `
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i += 2) {
    const u = Math.random() || 1e-12, v = Math.random();
    const r = Math.sqrt(-2 * Math.log(u)) * 0.1;
    out[i] = Math.min(1, Math.max(0, a[i] + r * Math.cos(2 * Math.PI * v)));
    if (i + 1 < a.length) out[i + 1] = Math.min(1, Math.max(0, a[i + 1] + r * Math.sin(2 * Math.PI * v)));
  }
  return out;`;
const plainNoise = new Function('a', NOISE_BODY) as (a: Float32Array) => Float32Array;

function perElementUs(f: () => void): number {
  const t0 = performance.now();
  f();
  return ((performance.now() - t0) * 1000) / N;
}

async function main(): Promise<void> {
  const pictures = Array.from({ length: N }, () => new Tensor(Float32Array.from({ length: SIDE }, () => Math.random()), [28, 28, 1]));
  const opsUs = perElementUs(() => { for (const x of pictures) degrade(x, { kind: 'noise', stddev: 0.1 }); });
  plainNoise(pictures[0]!.values);
  const plainUs = perElementUs(() => { for (const x of pictures) plainNoise(x.values); });

  const worker = new Worker(`const { parentPort } = require('node:worker_threads');
    const noise = (a) => {${NOISE_BODY}};
    parentPort.on('message', (a) => { const out = noise(a); parentPort.postMessage(out, [out.buffer]); });`, { eval: true });
  const roundTrip = (a: Float32Array): Promise<unknown> => new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(a); });
  for (let i = 0; i < 200; i++) await roundTrip(pictures[i]!.values);
  let t0 = performance.now();
  for (const x of pictures) await roundTrip(x.values);
  const oneAtATimeUs = ((performance.now() - t0) * 1000) / N;
  t0 = performance.now();
  await new Promise<void>((resolve) => {
    let done = 0, next = 0;
    worker.on('message', () => {
      done++;
      if (next < N) worker.postMessage(pictures[next++]!.values);
      if (done === N) resolve();
    });
    for (let k = 0; k < 16; k++) worker.postMessage(pictures[next++]!.values);
  });
  const pipelinedUs = ((performance.now() - t0) * 1000) / N;
  await worker.terminate();
  console.log('µs per 28×28 picture (noise + clip):');
  console.log(`  main thread, deepts ops     ${opsUs.toFixed(1)}`);
  console.log(`  main thread, plain JS       ${plainUs.toFixed(1)}`);
  console.log(`  worker, one at a time       ${oneAtATimeUs.toFixed(1)}`);
  console.log(`  worker, 16 in flight        ${pipelinedUs.toFixed(1)}`);
}

await main();
