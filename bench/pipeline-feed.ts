/**
 * The pipeline bench's two feeds alone, without training: one epoch of batches of
 *   Dataset.fromTensorSlices(x).map(x => [x, x]).shuffle(60000).batch(256).prefetch(AUTOTUNE)
 * against the tensor feed's gathers of shuffled rows (fit(x, x, {shuffle})), each batch made
 * inside a buffer scope as fit makes it. Rounds alternate; reported: process CPU milliseconds
 * per epoch (median), and the wall time inside the gather kernel. With NOGATHER=1 the gather
 * kernel is skipped, leaving the JavaScript (and garbage collection) each feed costs.
 *
 *   DEEPTS_BACKEND=native node dist/bench/pipeline-feed.js [rounds]
 */
import { withBufferScope } from '../src/tensor/buffer-pool.js';
import { kernels } from '../src/backend/registry.js';
import { tensorFeed, deferredPass } from '../src/train/batch-feed.js';
import { median } from './epoch.js';

const deepts = await import('../src/index.js');
const { Tensor, Dataset, AUTOTUNE } = deepts;
const mnist = await deepts.loadMnist();
const x = new Tensor(mnist.train.images, [mnist.train.n, 28, 28]);
const ds = Dataset.fromTensorSlices(x).map((img) => [img, img] as [typeof img, typeof img]).shuffle(x.shape[0]!).batch(256).prefetch(AUTOTUNE);
const n = x.shape[0]!;
const order = new Int32Array(n);
for (let i = 0; i < n; i++) order[i] = i;

const table = kernels() as unknown as { gather: (...a: unknown[]) => void };
const gather = table.gather.bind(table);
const skipGather = process.env.NOGATHER === '1';
let gatherMs = 0;
table.gather = (...a: unknown[]) => {
  const t0 = performance.now();
  if (!skipGather) gather(...a);
  gatherMs += performance.now() - t0;
};

let sink = 0;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
const tensorEpoch = (): void => {
  deepts.getRng().shuffle(order);
  const feed = tensorFeed({ x: [x], y: [x] }, 256, order);
  for (let step = 0; ; step++) {
    const batch = feed.next(step) as (() => { x: InstanceType<typeof Tensor>[] }) | null;
    if (!batch) break;
    withBufferScope(() => void (sink += batch().x[0]!.data[0]!)); // data read: a lazily gathered batch is gathered
  }
};
const datasetEpoch = (): void => {
  const it = deferredPass(ds);
  for (;;) {
    const r = it.next() as IteratorResult<() => unknown>;
    if (r.done) break;
    withBufferScope(() => void (sink += (r.value() as InstanceType<typeof Tensor>[])[0]!.data[0]!));
  }
};

const rounds = Number(process.argv[2] ?? 15);
const cpu: Record<'tensor' | 'dataset', number[]> = { tensor: [], dataset: [] };
const inGather: Record<'tensor' | 'dataset', number[]> = { tensor: [], dataset: [] };
for (let r = 0; r <= rounds; r++) {
  for (const feed of r % 2 ? (['tensor', 'dataset'] as const) : (['dataset', 'tensor'] as const)) {
    gatherMs = 0;
    const c0 = cpuMs();
    if (feed === 'tensor') tensorEpoch();
    else datasetEpoch();
    if (r === 0) continue; // warm-up
    cpu[feed].push(cpuMs() - c0);
    inGather[feed].push(gatherMs);
  }
}
const t = median(cpu.tensor);
const d = median(cpu.dataset);
console.log(`feeds alone${skipGather ? ' (gather kernel skipped)' : ''}, median of ${rounds} alternating rounds: tensors ${t.toFixed(1)} ms CPU per epoch, dataset ${d.toFixed(1)} ms (+${(d - t).toFixed(1)} ms); in the gather kernel ${median(inGather.tensor).toFixed(1)} / ${median(inGather.dataset).toFixed(1)} ms wall${Number.isNaN(sink) ? ' (NaN read?)' : ''}`);
