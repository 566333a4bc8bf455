/** The Dataset operators: order, structure, seeded determinism, cardinality and errors with context. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Tensor, tensor } from '../src/tensor/tensor.js';
import { setSeed, randomNormal, randomUniform } from '../src/tensor/random.js';
import { Dataset, AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, DatasetError } from '../src/data/dataset/index.js';

const nums = async (ds: Dataset<unknown>): Promise<number[]> => (await ds.toArray()).map((e) => (e instanceof Tensor ? e.item() : (e as number)));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('fromTensorSlices slices tensors, number arrays, tuples and records along the first axis', async () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]]);
  const rows = await Dataset.fromTensorSlices(x).toArray();
  assert.deepEqual(rows.map((r) => r.toArray()), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(rows[0]!.shape, [2]);
  assert.deepEqual(await nums(Dataset.fromTensorSlices([7, 8, 9])), [7, 8, 9]);
  const pairs = await Dataset.fromTensorSlices([x, tensor([0, 1, 2])]).toArray();
  assert.deepEqual(pairs.map(([a, b]) => [a.toArray(), b.item()]), [[[1, 2], 0], [[3, 4], 1], [[5, 6], 2]]);
  const recs = await Dataset.fromTensorSlices({ image: x, label: [10, 20, 30] }).toArray();
  assert.deepEqual(recs.map((r) => [r.image.toArray(), r.label.item()]), [[[1, 2], 10], [[3, 4], 20], [[5, 6], 30]]);
  assert.equal(Dataset.fromTensorSlices(x).cardinality(), 3);
});

test('fromTensorSlices names the input whose first dimension differs', () => {
  assert.throws(() => Dataset.fromTensorSlices({ a: tensor([1, 2, 3]), b: tensor([1, 2]) }), /input\.a has 3 and input\.b has 2/);
  assert.throws(() => Dataset.fromTensorSlices(tensor(5)), /scalar/);
  assert.throws(() => Dataset.fromTensorSlices({ a: 'text' } as never), /input\.a is a string/);
});

test('fromGenerator accepts sync and async generators and restarts on every pass', async () => {
  const sync = Dataset.fromGenerator(function* () { yield 1; yield 2; yield 3; });
  assert.deepEqual(await nums(sync), [1, 2, 3]);
  assert.deepEqual(await nums(sync), [1, 2, 3]);
  assert.equal(sync.cardinality(), UNKNOWN_CARDINALITY);
  const asyncDs = Dataset.fromGenerator(async function* () { for (let i = 0; i < 4; i++) { await sleep(1); yield i * i; } });
  assert.deepEqual(await nums(asyncDs), [0, 1, 4, 9]);
  const seen: number[] = [];
  for await (const v of asyncDs) seen.push(v);
  assert.deepEqual(seen, [0, 1, 4, 9]);
  assert.throws(() => Dataset.fromGenerator([1, 2] as never), /function returning an iterable/);
});

test('range follows Python, zip pairs up to the shortest, as tuples or records', async () => {
  assert.deepEqual(await nums(Dataset.range(4)), [0, 1, 2, 3]);
  assert.deepEqual(await nums(Dataset.range(2, 10, 3)), [2, 5, 8]);
  assert.deepEqual(await nums(Dataset.range(5, 0, -2)), [5, 3, 1]);
  assert.equal(Dataset.range(2, 10, 3).cardinality(), 3);
  const z = Dataset.zip([Dataset.range(5), Dataset.range(10, 13)]);
  assert.deepEqual(await z.toArray(), [[0, 10], [1, 11], [2, 12]]);
  assert.equal(z.cardinality(), 3);
  const r = Dataset.zip({ a: Dataset.range(2), b: Dataset.range(3).repeat() });
  assert.deepEqual(await r.toArray(), [{ a: 0, b: 0 }, { a: 1, b: 1 }]);
  assert.equal(r.cardinality(), 2);
});

test('map keeps order and passes the element index; filter and flatMap', async () => {
  assert.deepEqual(await Dataset.range(4).map((x, i) => [x * 10, i]).toArray(), [[0, 0], [10, 1], [20, 2], [30, 3]]);
  assert.deepEqual(await nums(Dataset.range(10).filter((x) => x % 3 === 0)), [0, 3, 6, 9]);
  assert.deepEqual(await nums(Dataset.range(3).flatMap((x) => Dataset.range(x))), [0, 0, 1]);
  assert.deepEqual(await nums(Dataset.range(3).flatMap((x) => [x, -x])), [0, -0, 1, -1, 2, -2]);
  assert.deepEqual(await nums(Dataset.range(4).map(async (x) => { await sleep(1); return x + 1; })), [1, 2, 3, 4]);
  assert.equal(Dataset.range(4).map((x) => x).cardinality(), 4);
  assert.equal(Dataset.range(4).filter(() => true).cardinality(), UNKNOWN_CARDINALITY);
});

test('map with numParallelCalls overlaps async calls and still yields in order', async () => {
  let running = 0;
  let most = 0;
  const slow = async (x: number): Promise<number> => {
    running++;
    most = Math.max(most, running);
    await sleep(((x * 7) % 5) + 1); // finish out of order
    running--;
    return x;
  };
  assert.deepEqual(await nums(Dataset.range(20).map(slow, { numParallelCalls: 4 })), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(most, 4);
  most = 0;
  await Dataset.range(6).map(slow).toArray();
  assert.equal(most, 1, 'without numParallelCalls one call at a time');
  assert.deepEqual(await nums(Dataset.range(5).map(slow, { numParallelCalls: AUTOTUNE })), [0, 1, 2, 3, 4]);
});

test('an error inside map reaches the caller with the element index and the failing operator', async () => {
  const ds = Dataset.range(10).shuffle(4, { seed: 1 }).map((x, i) => {
    if (i === 3) throw new Error(`bad value ${x}`);
    return x;
  });
  await assert.rejects(ds.toArray(), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.operator, 'map');
    assert.equal(e.elementIndex, 3);
    assert.match(e.message, /Dataset map failed on element 3 \(pipeline: range → shuffle\(4\) → map\): bad value \d/);
    assert.ok(e.cause instanceof Error);
    return true;
  });
  // Async failures and failures deeper in a pipeline keep their context through later stages.
  const asyncFail = Dataset.range(5).map(async (x) => { if (x === 2) throw new Error('no'); return x; }, { numParallelCalls: 2 }).batch(2).prefetch(2);
  await assert.rejects(asyncFail.toArray(), /map failed on element 2 \(pipeline: range → map\): no/);
  await assert.rejects(Dataset.range(3).filter(() => { throw new RangeError('pred'); }).toArray(), /filter failed on element 0.*pred/);
  await assert.rejects(Dataset.range(3).filter(() => 1 as unknown as boolean).toArray(), /must return a boolean/);
});

test('shuffle: seeded orders repeat, passes reshuffle unless told not to, every element comes out once', async () => {
  const a = await nums(Dataset.range(50).shuffle(50, { seed: 42 }));
  const b = await nums(Dataset.range(50).shuffle(50, { seed: 42 }));
  assert.deepEqual(a, b);
  assert.deepEqual([...a].sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(a, Array.from({ length: 50 }, (_, i) => i));
  const ds = Dataset.range(50).shuffle(50, { seed: 42 });
  const [p1, p2] = [await nums(ds), await nums(ds)];
  assert.notDeepEqual(p1, p2, 'a new order each pass (epoch)');
  const fixed = Dataset.range(50).shuffle(50, { seed: 42, reshuffleEachIteration: false });
  assert.deepEqual(await nums(fixed), await nums(fixed));
  setSeed(3);
  const g1 = await nums(Dataset.range(30).shuffle(30));
  setSeed(3);
  assert.deepEqual(await nums(Dataset.range(30).shuffle(30)), g1, 'unseeded shuffles follow setSeed');
});

test('shuffle really mixes: each element lands uniformly (full buffer), and never earlier than the buffer allows', async () => {
  const n = 10;
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const ds = Dataset.range(n).shuffle(n, { seed: 7 });
  const passes = 2000;
  for (let p = 0; p < passes; p++) (await nums(ds)).forEach((v, pos) => counts[v]![pos]!++);
  // Chi-square over the 100 cells (81 dof): the 0.999 quantile is ~126.
  let chi = 0;
  const expected = passes / n;
  for (const row of counts) for (const c of row) chi += (c - expected) ** 2 / expected;
  assert.ok(chi < 126, `position counts far from uniform: chi² = ${chi.toFixed(1)}`);
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.integer(), async (len, buf, seed) => {
    const out = await nums(Dataset.range(len).shuffle(buf, { seed }));
    assert.deepEqual([...out].sort((p, q) => p - q), Array.from({ length: len }, (_, i) => i));
    out.forEach((v, pos) => assert.ok(v <= pos + buf - 1, `element ${v} at ${pos} with buffer ${buf}`));
  }), { numRuns: 60 });
});

test('batch: remainders, dropRemainder, structures, cardinality; unbatch inverts it', async () => {
  const sizes = async (ds: Dataset<Tensor>): Promise<number[]> => (await ds.toArray()).map((t) => t.shape[0]!);
  assert.deepEqual(await sizes(Dataset.range(10).batch(3)), [3, 3, 3, 1]);
  assert.deepEqual(await sizes(Dataset.range(10).batch(3, { dropRemainder: true })), [3, 3, 3]);
  assert.equal(Dataset.range(10).batch(3).cardinality(), 4);
  assert.equal(Dataset.range(10).batch(3, { dropRemainder: true }).cardinality(), 3);
  assert.equal(Dataset.range(10).batch(5).cardinality(), 2);
  const x = tensor([[1, 2], [3, 4], [5, 6]]);
  const [first] = await Dataset.fromTensorSlices({ x, y: tensor([0, 1, 2], [3], 'int32') }).batch(2).toArray();
  assert.deepEqual(first!.x.shape, [2, 2]);
  assert.deepEqual(first!.x.toArray(), [[1, 2], [3, 4]]);
  assert.equal(first!.y.dtype, 'int32');
  const back = await Dataset.fromTensorSlices([x, [7, 8, 9]]).batch(2).unbatch().toArray();
  assert.deepEqual(back.map(([a, b]) => [a.toArray(), b.item()]), [[[1, 2], 7], [[3, 4], 8], [[5, 6], 9]]);
  const ragged = Dataset.fromGenerator(() => [tensor([1, 2]), tensor([1, 2, 3])]).batch(2);
  await assert.rejects(ragged.toArray(), /shape \[2\] in element 0 but shape \[3\] in element 1/);
  assert.throws(() => Dataset.range(3).batch(0), /positive integer/);
});

test('repeat, take and skip, with finite, infinite and unknown cardinality', async () => {
  assert.deepEqual(await nums(Dataset.range(3).repeat(2)), [0, 1, 2, 0, 1, 2]);
  assert.equal(Dataset.range(3).repeat(2).cardinality(), 6);
  const forever = Dataset.range(3).repeat();
  assert.equal(forever.cardinality(), INFINITE_CARDINALITY);
  assert.deepEqual(await nums(forever.take(7)), [0, 1, 2, 0, 1, 2, 0]);
  assert.equal(forever.take(7).cardinality(), 7);
  assert.equal(forever.skip(2).cardinality(), INFINITE_CARDINALITY);
  assert.deepEqual(await nums(Dataset.range(5).skip(2)), [2, 3, 4]);
  assert.equal(Dataset.range(5).skip(9).cardinality(), 0);
  assert.equal(Dataset.range(5).take(-1).cardinality(), 5);
  assert.deepEqual(await nums(Dataset.range(0).repeat()), [], 'an empty dataset repeated stays empty');
  assert.equal(Dataset.range(0).repeat().cardinality(), 0);
  await assert.rejects(forever.toArray(), /infinite/);
  assert.equal(Dataset.fromGenerator(() => [1]).repeat(3).cardinality(), UNKNOWN_CARDINALITY);
});

test('prefetch keeps order, runs ahead of an async upstream and passes a sync one straight through', async () => {
  let produced = 0;
  const src = Dataset.fromGenerator(async function* () { for (let i = 0; i < 12; i++) { await sleep(1); produced++; yield i; } });
  const it = src.prefetch(4).iterator();
  const first = await it.next();
  assert.equal(first.value, 0);
  for (let t = 0; t < 200 && produced < 5; t++) await sleep(10);
  assert.equal(produced, 5, 'prefetch(4) pulled 4 ahead of the consumer');
  await sleep(20);
  assert.equal(produced, 5, 'and no further');
  const rest: number[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
  assert.deepEqual(rest, Array.from({ length: 11 }, (_, i) => i + 1));
  assert.deepEqual(await nums(src.prefetch(AUTOTUNE)), Array.from({ length: 12 }, (_, i) => i));
  const syncIt = Dataset.range(3).map((x) => x * 2).prefetch(2).iterator();
  const r0 = syncIt.next();
  assert.ok(!(r0 instanceof Promise), 'an in-memory pipeline answers synchronously');
  assert.equal(Dataset.range(3).prefetch(AUTOTUNE).cardinality(), 3);
});

test('cache replays the first complete pass without re-running the stages above it', async () => {
  let calls = 0;
  const ds = Dataset.range(5).map((x) => { calls++; return x * 2; }).cache();
  assert.deepEqual(await nums(ds.take(2)), [0, 2], 'a partial pass');
  assert.deepEqual(await nums(ds), [0, 2, 4, 6, 8]);
  const after = calls;
  assert.deepEqual(await nums(ds), [0, 2, 4, 6, 8]);
  assert.deepEqual(await nums(ds.repeat(2)), [0, 2, 4, 6, 8, 0, 2, 4, 6, 8]);
  assert.equal(calls, after, 'later passes come from the cache');
  assert.equal(after, 7, 'the partial pass was not kept');
});

test('interleave matches tf.data\'s documented example', async () => {
  // tf.data docs: range(1, 6).interleave(lambda x: from_tensors(x).repeat(6), cycle_length=2, block_length=4)
  const ds = Dataset.range(1, 6).interleave((x) => Dataset.fromTensorSlices([x]).repeat(6), { cycleLength: 2, blockLength: 4 });
  assert.deepEqual(await nums(ds), [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]);
  assert.equal(ds.cardinality(), UNKNOWN_CARDINALITY);
  assert.deepEqual(await nums(Dataset.range(3).interleave((x) => [x, x + 10], { cycleLength: 3 })), [0, 1, 2, 10, 11, 12]);
});

test('seeded random ops inside a pipeline: new noise per element, the same run twice', async () => {
  const noisy = (): Dataset<Tensor> => Dataset.range(4).map(() => randomNormal([3], { stddev: 0.5, seed: 11 }));
  setSeed(1);
  const a = (await noisy().toArray()).map((t) => t.toFlatArray());
  setSeed(1);
  const b = (await noisy().toArray()).map((t) => t.toFlatArray());
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], a[1]);
  const u = randomUniform([1000], { minval: -2, maxval: 3, seed: 5 }).values;
  assert.ok(u.every((v) => v >= -2 && v < 3));
  const mean = u.reduce((s, v) => s + v, 0) / u.length;
  assert.ok(Math.abs(mean - 0.5) < 0.15, `uniform mean ${mean}`);
  const n = randomNormal([4000], { mean: 1, stddev: 2 }).values;
  const m = n.reduce((s, v) => s + v, 0) / n.length;
  const sd = Math.sqrt(n.reduce((s, v) => s + (v - m) ** 2, 0) / n.length);
  assert.ok(Math.abs(m - 1) < 0.15 && Math.abs(sd - 2) < 0.15, `normal mean ${m}, sd ${sd}`);
  assert.throws(() => randomUniform([2], { minval: 1, maxval: 1 }), /greater than minval/);
});

test('toString describes the pipeline and its cardinality', () => {
  assert.equal(String(Dataset.range(10).shuffle(4).batch(3).repeat()), 'Dataset(range → shuffle(4) → batch(3) → repeat(); cardinality infinite)');
});
