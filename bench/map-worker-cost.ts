/**
 * Would worker threads pay for a Dataset `map`? Two measurements.
 *
 * 1. Per element, for maps of different cost on a 32×32×3 patch (the denoise class's noise and
 *    clip, its nearest down-res ×2, and a heavy augmentation stand-in: ten 3×3 box blurs): the
 *    map on the main thread, against a worker that gets one element per message (16 in flight)
 *    and 64 elements per message (arrays transferred both ways, not copied). "main busy" is the
 *    main thread's event-loop active time per element (performance.eventLoopUtilization): what
 *    a worker would leave for training.
 * 2. `epoch`: the denoise class's training epoch (25 steps of 32 patches, as `deepts denoise`)
 *    with the map on the main thread against the same plain-JS map in a worker, through an
 *    async map with numParallelCalls 64 and a pool that packs the calls of one turn into one
 *    message — alternated in one process, so a busy machine disturbs every variant alike.
 *
 * A closure cannot be sent to a worker, so the worker runs the map's source text; that is what a
 * worker-thread map would ask of users (a module or a function's source, no captured variables).
 *
 * Run alone: `npx tsc -p tsconfig.json && node dist/bench/map-worker-cost.js [epoch]`
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Dataset, AUTOTUNE, Tensor, getBackend, setSeed } from '../src/index.js';
import { degrade, picturePatches } from '../src/tasks/denoise.js';
import { buildDenoiser } from '../src/tasks/denoise-model.js';
import { loadBundledPictures } from '../src/io/pictures.js';

const H = 32, W = 32, C = 3, SIZE = H * W * C;

/** The maps as source text (what a worker can run): (a: Float32Array) => Float32Array. */
const MAPS: Record<string, string> = {
  'noise σ 0.1 + clip': `(a) => { const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i += 2) { const u = Math.random() || 1e-12, v = Math.random(); const r = Math.sqrt(-2 * Math.log(u)) * 0.1;
      out[i] = Math.min(1, Math.max(0, a[i] + r * Math.cos(2 * Math.PI * v))); if (i + 1 < a.length) out[i + 1] = Math.min(1, Math.max(0, a[i + 1] + r * Math.sin(2 * Math.PI * v))); }
    return out; }`,
  'down-res ×2 (nearest)': `(a) => { const out = new Float32Array(a.length);
    for (let y = 0; y < ${H}; y++) for (let x = 0; x < ${W}; x++) { const sy = y - (y % 2), sx = x - (x % 2);
      for (let c = 0; c < ${C}; c++) out[(y * ${W} + x) * ${C} + c] = a[(sy * ${W} + sx) * ${C} + c]; } return out; }`,
  'ten 3×3 box blurs': `(a) => { let src = a, out = a;
    for (let k = 0; k < 10; k++) { out = new Float32Array(a.length);
      for (let y = 0; y < ${H}; y++) for (let x = 0; x < ${W}; x++) for (let c = 0; c < ${C}; c++) { let s = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) { const yy = Math.min(${H - 1}, Math.max(0, y + dy)), xx = Math.min(${W - 1}, Math.max(0, x + dx)); s += src[(yy * ${W} + xx) * ${C} + c]; }
        out[(y * ${W} + x) * ${C} + c] = s / 9; } src = out; } return out; }`,
};

type MapFn = (a: Float32Array) => Float32Array;
const compile = (source: string): MapFn => new Function(`return ${source}`)() as MapFn;

/**
 * Workers running `source`; run() calls made in one turn go out together, up to `perMessage` per
 * message. Inputs and outputs are transferred, not copied: run() takes ownership of its array.
 */
function workerPool(source: string, workers: number, perMessage: number): { run(a: Float32Array): Promise<Float32Array>; close(): Promise<void> } {
  const ws = Array.from({ length: workers }, () => new Worker(`const { parentPort } = require('node:worker_threads'); const f = ${source};
    parentPort.on('message', ({ id, batch }) => { const outs = batch.map(f); parentPort.postMessage({ id, outs }, outs.map((o) => o.buffer)); });`, { eval: true }));
  const pending = new Map<number, ((out: Float32Array) => void)[]>();
  let queue: { a: Float32Array; resolve: (out: Float32Array) => void }[] = [];
  let scheduled = false, nextId = 0, turn = 0;
  for (const w of ws) {
    w.on('message', ({ id, outs }: { id: number; outs: Float32Array[] }) => {
      const resolvers = pending.get(id)!;
      pending.delete(id);
      outs.forEach((o, i) => resolvers[i]!(o));
    });
  }
  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0) {
      const part = queue.slice(0, perMessage);
      queue = queue.slice(perMessage);
      const id = nextId++;
      pending.set(id, part.map((p) => p.resolve));
      const batch = part.map((p) => p.a);
      ws[turn++ % ws.length]!.postMessage({ id, batch }, batch.map((a) => a.buffer as ArrayBuffer));
    }
  };
  return {
    run: (a) => new Promise((resolve) => {
      queue.push({ a, resolve });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }),
    close: async () => {
      await Promise.all(ws.map((w) => w.terminate()));
    },
  };
}

const N = 2048;
const patches = (): Float32Array[] => Array.from({ length: N }, () => Float32Array.from({ length: SIZE }, () => Math.random()));

/** µs per element: wall, and main-thread busy time. */
async function timed(f: (items: Float32Array[]) => Promise<void>): Promise<{ wall: number; busy: number }> {
  await f(patches().slice(0, 256)); // warm-up: JIT, worker start
  const items = patches();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await f(items);
  const wall = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  return { wall: (wall * 1000) / N, busy: (elu.active * 1000) / N };
}

async function perElement(): Promise<void> {
  console.log(`µs per 32×32×3 patch (${N} patches; wall / main thread busy):`);
  console.log('  map                        main thread      worker, 1 per message   worker, 64 per message');
  for (const [name, source] of Object.entries(MAPS)) {
    const f = compile(source);
    const main = await timed(async (items) => { for (const a of items) f(a); });
    const viaWorker = async (perMessage: number, inFlight: number): Promise<{ wall: number; busy: number }> => {
      const pool = workerPool(source, 1, perMessage);
      const r = await timed(async (items) => {
        let next = 0;
        const lane = async (): Promise<void> => {
          while (next < items.length) await pool.run(items[next++]!);
        };
        await Promise.all(Array.from({ length: inFlight }, lane));
      });
      await pool.close();
      return r;
    };
    const one = await viaWorker(1, 16);
    const packed = await viaWorker(64, 128);
    const cell = (r: { wall: number; busy: number }): string => `${r.wall.toFixed(1).padStart(7)} / ${r.busy.toFixed(1).padStart(6)}`.padEnd(24);
    console.log(`  ${name.padEnd(25)}  ${cell(main)} ${cell(one)} ${cell(packed)}`);
  }
}

async function denoiseEpochs(): Promise<void> {
  const pictures = loadBundledPictures().filter((p) => p.name !== 'chelsea').map((p) => p.picture);
  const source = (): Dataset<Tensor> => Dataset.fromGenerator(() => pictures).map((p) => picturePatches(p, 32)).flatMap((p) => Dataset.fromTensorSlices(p));
  const tail = (ds: Dataset<[Tensor, Tensor]>): Dataset<[Tensor, Tensor]> => ds.repeat().shuffle(1024, { seed: 42 }).batch(32).prefetch(AUTOTUNE) as Dataset<[Tensor, Tensor]>;
  for (const mapName of ['noise σ 0.1 + clip', 'ten 3×3 box blurs']) {
    const f = compile(MAPS[mapName]!);
    const pool = workerPool(MAPS[mapName]!, 1, 64);
    const variants: Record<string, () => Dataset<[Tensor, Tensor]>> = {
      ...(mapName.startsWith('noise') ? { 'main thread, deepts ops': () => tail(source().map((c): [Tensor, Tensor] => [degrade(c, { kind: 'noise', stddev: 0.1, seed: 42 }), c])) } : {}),
      'main thread, plain JS': () => tail(source().map((c): [Tensor, Tensor] => [new Tensor(f(c.values), c.shape), c])),
      'worker, plain JS': () => tail(source().map(async (c): Promise<[Tensor, Tensor]> => [new Tensor(await pool.run(c.values.slice()), c.shape), c], { numParallelCalls: 64 })),
    };
    setSeed(1);
    const runs = Object.entries(variants).map(([name, make]) => {
      const model = buildDenoiser(3);
      model.compile({ optimizer: 'adamax', loss: 'mae' });
      return { name, model, ds: make(), seconds: [] as number[] };
    });
    for (const r of runs) await r.model.fit(r.ds, { epochs: 1, stepsPerEpoch: 5, verbose: 0 });
    for (let round = 0; round < 3; round++) {
      for (const r of round % 2 === 0 ? runs : [...runs].reverse()) {
        const t0 = performance.now();
        await r.model.fit(r.ds, { epochs: 2, stepsPerEpoch: 25, verbose: 0 });
        r.seconds.push((performance.now() - t0) / 2000);
      }
    }
    await pool.close();
    console.log(`\ndenoise epoch, map "${mapName}" (25 steps × 32 colour 32×32 patches, deepts-${getBackend().name}; s per epoch, 3 alternated rounds):`);
    for (const r of runs) console.log(`  ${r.name.padEnd(26)} ${r.seconds.map((s) => s.toFixed(2)).join('  ')}   median ${[...r.seconds].sort((a, b) => a - b)[1]!.toFixed(2)}`);
  }
}

await perElement();
if (process.argv.includes('epoch')) await denoiseEpochs();
