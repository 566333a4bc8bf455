/**
 * The in-memory fast path (gather.ts: slices → element-wise map → shuffle of indices → fused
 * batch, and deferredIterator's batches stacked on demand) against the generic operators: the
 * same pipeline over fromGenerator (no random access) must yield identical elements, in the
 * same order, pass after pass, and fail with the same error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import '../src/backend/index.js'; // the gather kernel stacks row views (without a backend, TypedArray.set does)
import { Tensor } from '../src/tensor/tensor.js';
import { withBufferScope } from '../src/tensor/buffer-pool.js';
import { Dataset, type ElementIterator } from '../src/data/dataset/index.js';
import { kernels } from '../src/backend/registry.js';
import { RowView } from '../src/data/dataset/row-view.js';

type Structure = 'tensor' | 'tuple' | 'record';
type MapKind = 'none' | 'pair' | 'scale' | 'async';

interface Plan {
  n: number;
  width: number;
  structure: Structure;
  map: MapKind;
  shuffle: number | null;
  seed: number;
  batch: number;
  drop: boolean;
  tail: 'none' | 'take' | 'skip' | 'repeat' | 'prefetch';
}

/** Nested arrays of plain numbers: what two elements must agree on. */
function plain(e: unknown): unknown {
  if (e instanceof Tensor) return { shape: [...e.shape], dtype: e.dtype, values: Array.from(e.data) };
  if (Array.isArray(e)) return e.map(plain);
  if (typeof e === 'object' && e !== null) return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, plain(v)]));
  return e;
}

function inputs(p: Plan): { x: Tensor; y: Tensor } {
  const x = new Tensor(Float32Array.from({ length: p.n * p.width }, (_, i) => i * 0.5 - 3), [p.n, p.width]);
  const y = new Tensor(Int32Array.from({ length: p.n }, (_, i) => i % 7), [p.n]);
  return { x, y };
}

function rowOf(t: Tensor, i: number): Tensor {
  const stride = t.size / t.shape[0]!;
  return new Tensor(t.data.slice(i * stride, (i + 1) * stride), t.shape.slice(1));
}

/** The pipeline of plan p over a source (fast: fromTensorSlices; generic: fromGenerator of the same rows). */
function build(p: Plan, fast: boolean): Dataset<unknown> {
  const { x, y } = inputs(p);
  let ds: Dataset<unknown>;
  const rows = (i: number): unknown => (p.structure === 'tensor' ? rowOf(x, i) : p.structure === 'tuple' ? [rowOf(x, i), rowOf(y, i)] : { image: rowOf(x, i), label: rowOf(y, i) });
  if (fast) ds = Dataset.fromTensorSlices(p.structure === 'tensor' ? x : p.structure === 'tuple' ? [x, y] : { image: x, label: y }) as Dataset<unknown>;
  else ds = Dataset.fromGenerator(function* () { for (let i = 0; i < p.n; i++) yield rows(i); });
  const first = (e: unknown): Tensor => (e instanceof Tensor ? e : Array.isArray(e) ? (e[0] as Tensor) : (e as { image: Tensor }).image);
  if (p.map === 'pair') ds = ds.map((e) => [first(e), first(e)]);
  if (p.map === 'scale') ds = ds.map((e, i) => [new Tensor(first(e).values.map((v) => v * 2 + i), first(e).shape), i]);
  if (p.map === 'async') ds = ds.map(async (e, i) => (i % 3 === 0 ? await Promise.resolve([first(e), i]) : [first(e), i]));
  if (p.shuffle !== null) ds = ds.shuffle(p.shuffle, { seed: p.seed });
  ds = ds.batch(p.batch, { dropRemainder: p.drop });
  if (p.tail === 'take') ds = ds.take(2);
  if (p.tail === 'skip') ds = ds.skip(1);
  if (p.tail === 'repeat') ds = ds.repeat(2);
  if (p.tail === 'prefetch') ds = ds.prefetch();
  return ds;
}

async function drain(it: ElementIterator<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) out.push(plain(r.value));
  return out;
}

/** What fit sees: each deferred batch made inside a step scope, read there, and dropped. */
async function drainDeferred(it: ElementIterator<() => unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) {
    const make = r.value;
    out.push(withBufferScope(() => plain(make())));
  }
  return out;
}

const plans: fc.Arbitrary<Plan> = fc.record({
  n: fc.integer({ min: 0, max: 30 }),
  // Also rows as wide as an image's (300 floats), the shape the fast path is made for.
  width: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(300)),
  structure: fc.constantFrom<Structure>('tensor', 'tuple', 'record'),
  map: fc.constantFrom<MapKind>('none', 'pair', 'scale', 'async'),
  shuffle: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  batch: fc.integer({ min: 1, max: 8 }),
  drop: fc.boolean(),
  tail: fc.constantFrom<Plan['tail']>('none', 'take', 'skip', 'repeat', 'prefetch'),
});

test('fast path and generic path yield identical batches, pass after pass, iterated and deferred', async () => {
  await fc.assert(fc.asyncProperty(plans, async (p) => {
    const fast = build(p, true);
    const generic = build(p, false);
    for (let pass = 0; pass < 2; pass++) {
      // A new shuffle order per pass (reshuffleEachIteration): fast and generic count passes alike.
      const g = await drain(generic.iterator());
      assert.deepEqual(await drain(fast.iterator()), g, `pass ${pass}, iterated`);
      assert.deepEqual(await drainDeferred(fast.deferredIterator()), await drainDeferred(generic.deferredIterator()), `pass ${pass}, deferred`);
    }
  }), { numRuns: 150 });
});

test('the fast path is taken: shuffle makes an element only as it leaves the buffer, batch needs no element objects in between', async () => {
  const x = new Tensor(Float32Array.from({ length: 200 }, (_, i) => i), [100, 2]);
  let calls = 0;
  const ds = Dataset.fromTensorSlices(x).map((r) => { calls++; return r; }).shuffle(100, { seed: 1 }).batch(4);
  const [b] = await ds.take(1).toArray();
  assert.deepEqual(b!.shape, [4, 2]);
  assert.equal(calls, 4, 'only the 4 elements of the first batch were mapped (the generic shuffle maps all 100 to fill its buffer)');
  calls = 0;
  await Dataset.fromGenerator(function* () { for (let i = 0; i < 100; i++) yield i; }).map((v) => { calls++; return v; }).shuffle(100, { seed: 1 }).batch(4).take(1).toArray();
  assert.equal(calls, 100, 'the generic path fills the buffer first');
});

test('an error in a fused map names the same element and operator as the generic path', async () => {
  const x = new Tensor(Float32Array.from({ length: 20 }, (_, i) => i), [20, 1]);
  const boom = (r: Tensor, i: number): Tensor => {
    if (i === 13) throw new Error('bad row');
    return r;
  };
  const fast = Dataset.fromTensorSlices(x).map(boom).shuffle(20, { seed: 3 }).batch(5);
  const generic = Dataset.fromGenerator(function* () { for (let i = 0; i < 20; i++) yield rowOf(x, i); }).map(boom).shuffle(20, { seed: 3 }).batch(5);
  await assert.rejects(fast.toArray(), /Dataset map failed on element 13 \(pipeline: fromTensorSlices → map\): bad row/);
  await assert.rejects(generic.toArray(), /Dataset map failed on element 13 \(pipeline: fromGenerator → map\): bad row/);
  const ragged = Dataset.fromTensorSlices(x).map((r, i) => (i === 2 ? new Tensor(new Float32Array(2), [2]) : r)).batch(4);
  await assert.rejects(ragged.toArray(), /Dataset batch 0 \(pipeline: fromTensorSlices → map → batch\(4\)\): element has shape \[1\] in element 0 but shape \[2\] in element 2/);
});

test('deferred batches stack into recycled memory only inside a step scope; iterated batches are the caller\'s to keep', async () => {
  const x = new Tensor(Float32Array.from({ length: 4096 * 2 }, (_, i) => i), [2, 4096]);
  const ds = Dataset.fromTensorSlices(x).batch(2);
  const kept = (await ds.toArray())[0]!;
  const again = (await ds.toArray())[0]!;
  assert.notEqual(kept.data.buffer, again.data.buffer, 'each pass stacks into fresh memory outside a scope');
  const seen: ArrayBufferLike[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const it = ds.deferredIterator();
    const r = it.next() as IteratorResult<() => Tensor>;
    assert.ok(!r.done);
    withBufferScope(() => seen.push(r.value().data.buffer));
  }
  assert.equal(seen[0], seen[1], 'the second step reused the first step\'s batch memory');
  assert.deepEqual(Array.from(kept.data.subarray(0, 3)), [0, 1, 2]);
});

test('Tensor.viewMaker: row views share one checked, frozen shape and behave as tensors made by the constructor', () => {
  const view = Tensor.viewMaker([2, 3]);
  const data = Float32Array.from({ length: 12 }, (_, i) => i);
  const a = view(data.subarray(0, 6));
  const b = view(data.subarray(6, 12));
  assert.equal(a.shape, b.shape); // one shape array for all views
  assert.ok(Object.isFrozen(a.shape));
  assert.deepEqual(plain(b), plain(new Tensor(data.slice(6, 12), [2, 3])));
  assert.notEqual(a.id, b.id);
  assert.equal(view(new Int32Array(6)).dtype, 'int32');
  assert.throws(() => view(data.subarray(0, 5)), /tensor data has 5 elements but shape \[2, 3\] needs 6/);
  assert.throws(() => Tensor.viewMaker([2, -1]), /shape \[2, -1\] is invalid/);
  // The shortcut is for the maker's own calls: the same shape array passed to the constructor is checked and copied.
  assert.throws(() => new Tensor(new Float32Array(5), a.shape), /needs 6/);
  assert.notEqual(new Tensor(new Float32Array(6), a.shape).shape, a.shape);
});

test('fused batches larger than the preallocated batch array, and a short last batch', async () => {
  const x = new Tensor(Float32Array.from({ length: 5000 }, (_, i) => i), [5000, 1]);
  const batches = await Dataset.fromTensorSlices(x).shuffle(5000, { seed: 2 }).batch(4500).toArray();
  assert.deepEqual(batches.map((b) => b.shape), [[4500, 1], [500, 1]]);
  const seen = batches.flatMap((b) => Array.from(b.data)).sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: 5000 }, (_, i) => i));
});

test('shuffled index order drawn ahead in chunks: the same order as the generic shuffle, across chunk boundaries and refills', async () => {
  // The index shuffle draws 4096 outputs at a time; the generic shuffle one per element. Sizes
  // around and past the chunk, buffers smaller and larger than the data, several passes.
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 1, max: 10000 }), fc.integer({ min: 0, max: 1000 }),
    async (n, size, seed) => {
      const fast = Dataset.range(n).shuffle(size, { seed });
      const generic = Dataset.fromGenerator(function* () { for (let i = 0; i < n; i++) yield i; }).shuffle(size, { seed });
      for (let pass = 0; pass < 2; pass++) assert.deepEqual(await fast.toArray(), await generic.toArray());
    },
  ), { numRuns: 25, examples: [[4096, 4096, 1], [4097, 10000, 2], [8192, 100, 3], [8193, 1, 4], [9000, 4095, 5]] });
});

/** What `run` returns, with the source array of every call it made to the backend's gather kernel. */
async function recordGathers<T>(run: () => Promise<T>): Promise<{ result: T; sources: unknown[] }> {
  const table = kernels() as unknown as { gather: (...a: unknown[]) => void };
  const original = table.gather;
  const sources: unknown[] = [];
  table.gather = (...a: unknown[]) => {
    sources.push(a[0]);
    original.apply(table, a);
  };
  try {
    return { result: await run(), sources };
  } finally {
    table.gather = original;
  }
}

test('a batch of row views (RowView) is gathered straight from its source rows, whichever slicer made them, without making their typed arrays', async () => {
  const n = 300;
  const width = 5;
  const x = new Tensor(Float32Array.from({ length: n * width }, (_, i) => i), [n, width]);
  const rowsOf = (b: Tensor): number[] => Array.from({ length: b.shape[0]! }, (_, r) => b.data[r * width]! / width);
  // map(x => [x, x]) → shuffle → batch: the fused path, every batch one gather from x's own data.
  const { result: pairs, sources } = await recordGathers(() => Dataset.fromTensorSlices(x).map((r) => [r, r] as [Tensor, Tensor]).shuffle(n, { seed: 4 }).batch(64).toArray());
  assert.ok(sources.length === pairs.length && sources.every((s) => s === x.data), 'gathered from the source array itself');
  assert.ok(pairs.every(([a, b]) => a === b), 'the pair shares one stacked tensor');
  const order = pairs.flatMap(([a]) => rowsOf(a));
  assert.deepEqual([...order].sort((p, q) => p - q), Array.from({ length: n }, (_, i) => i));
  assert.deepEqual(order, (await Dataset.range(n).shuffle(n, { seed: 4 }).toArray()), 'the rows in the shuffled order');
  // Two pipelines over x made alternately: each batch's rows still come from x itself.
  const zip = await recordGathers(() => Dataset.zip([Dataset.fromTensorSlices(x), Dataset.fromTensorSlices(x).skip(1)]).batch(10).take(3).toArray());
  assert.deepEqual(zip.result.map(([a, b]) => [rowsOf(a), rowsOf(b)]), [0, 1, 2].map((k) => [
    Array.from({ length: 10 }, (_, i) => 10 * k + i), Array.from({ length: 10 }, (_, i) => 10 * k + i + 1)]));
  assert.ok(zip.sources.length === 6 && zip.sources.every((s) => s === x.data), 'one gather per column, from x');
  // A map handing out the previous element's view: repeated and lagged rows.
  let prev: Tensor | null = null;
  const lagged = await Dataset.fromTensorSlices(x).map((r) => {
    const out = prev ?? r;
    prev = r;
    return out;
  }).batch(8).take(2).toArray();
  assert.deepEqual(lagged.map(rowsOf), [[0, 0, 1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12, 13, 14]]);
  // A column mixing rows of x with a tensor of its own: stacked view by view, same values.
  const own = new Tensor(Float32Array.from({ length: width }, (_, i) => -i), [width]);
  const mixed = await Dataset.fromTensorSlices(x).map((r, i) => (i === 3 ? own : r)).batch(5).take(1).toArray();
  assert.deepEqual(Array.from(mixed[0]!.data), [...Array.from({ length: 3 * width }, (_, i) => i), ...Array.from(own.data), ...Array.from({ length: width }, (_, i) => 4 * width + i)]);
  // Rows that only passed through (map x => [x, x], shuffle, batch) never made a typed array.
  const elements: Tensor[] = [];
  await Dataset.fromTensorSlices(x).map((r) => {
    elements.push(r);
    return [r, r] as [Tensor, Tensor];
  }).shuffle(n, { seed: 4 }).batch(64).toArray();
  const madeView = (t: Tensor): boolean => (t as unknown as { stored: Float32Array | null }).stored !== null;
  assert.ok(elements.length === n && elements.every((t) => t instanceof RowView && !madeView(t)), 'no row made its typed array');
  // Read, a row's view is made once, over the source's buffer at its row.
  const r7 = elements.find((t) => (t as RowView).row === 7)!;
  assert.equal(r7.data, r7.data);
  assert.ok(madeView(r7) && r7.data.buffer === x.data.buffer && r7.data.byteOffset === 7 * width * 4);
  assert.deepEqual(Array.from(r7.data), Array.from({ length: width }, (_, i) => 7 * width + i));
});

test('fromTensorSlices rows of int32, empty and trainable tensors are plain typed-array views (not RowViews), and stack the same', async () => {
  const ints = new Tensor(Int32Array.from({ length: 12 }, (_, i) => i), [4, 3]);
  const empty = new Tensor(new Float32Array(0), [4, 0]);
  const weights = new Tensor(Float32Array.from({ length: 8 }, (_, i) => i / 2), [4, 2], true);
  const rows = await Dataset.fromTensorSlices([ints, empty, weights]).toArray();
  assert.ok(rows.every((e) => e.every((t) => !(t instanceof RowView))));
  const [b] = await Dataset.fromTensorSlices([ints, empty, weights]).batch(4).toArray();
  assert.deepEqual(b!.map((t) => [t.dtype, [...t.shape], Array.from(t.data)]), [
    ['int32', [4, 3], Array.from(ints.data)], ['float32', [4, 0], []], ['float32', [4, 2], Array.from(weights.data)]]);
});

test('fromTensorSlices of tensors over part of a buffer: rows are views at the right offsets, float32 and int32', async () => {
  const floats = Float32Array.from({ length: 20 }, (_, i) => i);
  const ints = Int32Array.from({ length: 13 }, (_, i) => 100 + i);
  const x = new Tensor(floats.subarray(2, 14), [4, 3]); // starts 8 bytes into its buffer
  const y = new Tensor(ints.subarray(5, 9), [4]);
  const rows = await Dataset.fromTensorSlices([x, y]).toArray();
  assert.deepEqual(rows.map(([a, b]) => [Array.from(a.data), a.dtype, b.item(), b.dtype]), [
    [[2, 3, 4], 'float32', 105, 'int32'], [[5, 6, 7], 'float32', 106, 'int32'],
    [[8, 9, 10], 'float32', 107, 'int32'], [[11, 12, 13], 'float32', 108, 'int32'],
  ]);
  assert.equal(rows[1]![0].data.buffer, floats.buffer); // a view, not a copy
  assert.equal(rows[1]![0].data.byteOffset, 5 * 4);
  assert.deepEqual(rows[3]![1].shape, []);
  const empty = await Dataset.fromTensorSlices(new Tensor(floats.subarray(20), [2, 0])).toArray();
  assert.deepEqual(empty.map((t) => t.shape), [[0], [0]]);
});

test('tuples of row views from two sources, with a repeated leaf, are gathered leaf by leaf in one pass: the same batches as the generic path', async () => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 2, max: 90 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1000 }), fc.boolean(),
    async (n, width, batch, seed, drop) => {
      const x = new Tensor(Float32Array.from({ length: n * width }, (_, i) => i * 0.25 - 1), [n, width]);
      const z = new Tensor(Float32Array.from({ length: n * 2 }, (_, i) => 1000 + i), [n, 2]);
      const triple = ([a, b]: Tensor[]): Tensor[] => [a!, b!, a!];
      const fast = Dataset.fromTensorSlices([x, z]).map(triple).shuffle(n, { seed }).batch(batch, { dropRemainder: drop });
      const generic = Dataset.fromGenerator(function* () { for (let i = 0; i < n; i++) yield [rowOf(x, i), rowOf(z, i)]; })
        .map(triple).shuffle(n, { seed }).batch(batch, { dropRemainder: drop });
      const { result: got, sources } = await recordGathers(() => fast.toArray());
      assert.deepEqual(plain(got), plain(await generic.toArray()));
      for (const b of got) assert.equal(b[2], b[0], 'the repeated leaf shares its stacked tensor');
      // Every batch of two rows or more: one gather from x's data and one from z's.
      const multi = got.filter((b) => b[0]!.shape[0]! >= 2).length;
      assert.deepEqual(sources.filter((s) => s === x.data || s === z.data).length, 2 * multi);
    },
  ), { numRuns: 40 });
});

test('lazily gathered batches keep their own row numbers: made first, read last in reverse order, across more rows than one arena of row numbers holds', async () => {
  const n = 70_000;
  const x = new Tensor(Float32Array.from({ length: n }, (_, i) => i), [n, 1]);
  const it = Dataset.fromTensorSlices(x).map((r) => [r, r] as [Tensor, Tensor]).shuffle(n, { seed: 9 }).batch(1000).deferredIterator();
  const batches: Tensor[][] = [];
  for (let r = it.next() as IteratorResult<() => Tensor[]>; !r.done; r = it.next() as IteratorResult<() => Tensor[]>) batches.push(r.value());
  assert.equal(batches.length, 70);
  const read = batches.map(() => [] as number[]);
  for (let b = batches.length - 1; b >= 0; b--) read[b] = Array.from(batches[b]![0]!.data);
  assert.deepEqual(read.flat(), await Dataset.range(n).shuffle(n, { seed: 9 }).toArray());
});

test('a fused batch is known finite without a check: iterated, as a plain tensor of one hidden class (no marks of its own); made for a trainer, with its rows marked on it', async () => {
  const { knownFinite, rowSourceOf } = await import('../src/train/data-adapter.js');
  const x = new Tensor(Float32Array.from({ length: 40 }, (_, i) => i), [20, 2]);
  const ds = Dataset.fromTensorSlices(x).map((r) => [r, r] as [Tensor, Tensor]).shuffle(20, { seed: 2 }).batch(5);
  const [iterated] = (await ds.take(1).toArray())[0]!;
  assert.ok(knownFinite(iterated!) && rowSourceOf(iterated!) === undefined);
  assert.deepEqual(Object.getOwnPropertySymbols(iterated!), [], 'no property added to a plain tensor');
  const r = ds.deferredIterator().next() as IteratorResult<() => Tensor[]>;
  assert.ok(!r.done);
  withBufferScope(() => {
    const [lazy] = r.value();
    const rows = rowSourceOf(lazy!);
    assert.ok(knownFinite(lazy!) && rows !== undefined && rows.source === x);
    assert.deepEqual(Array.from(lazy!.data), Array.from(rows.indices).flatMap((i) => [2 * i, 2 * i + 1]));
  });
  // A source holding NaN: its batches are not vouched for, so fit's check reads them.
  const bad = new Tensor(Float32Array.from([1, NaN, 3, 4]), [2, 2]);
  const [b] = (await Dataset.fromTensorSlices(bad).map((t) => [t, t] as [Tensor, Tensor]).batch(2).toArray())[0]!;
  assert.equal(knownFinite(b!), false);
});
