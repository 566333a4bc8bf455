/** dataset.cache(filename) in Node: written once, replayed by later passes and later runs; no half caches. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset, tensor, Tensor } from '../src/index.js';

test('cache(filename) writes the first complete pass and replays it, structures and dtypes intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-cache-'));
  try {
    const file = join(dir, 'pairs.cache');
    let calls = 0;
    const make = (): Dataset<{ x: Tensor; y: Tensor; n: number }> => Dataset.fromTensorSlices({ x: tensor([[1, 2], [3, 4], [5, 6]]), y: tensor([0, 1, 2], [3], 'int32') })
      .map(({ x, y }, i) => { calls++; return { x, y, n: i * 1.5 }; })
      .cache(file);
    const ds = make();
    const firstTwo = await ds.take(2).toArray();
    assert.equal(firstTwo.length, 2);
    assert.ok(!existsSync(file), 'a partial pass leaves no cache file');
    assert.deepEqual(readdirSync(dir), [], 'nor a temporary one');
    const full = await ds.toArray();
    assert.ok(existsSync(file));
    const callsAfter = calls;
    const again = await make().toArray(); // a new pipeline, as a later run would build it
    assert.equal(calls, callsAfter, 'read from the file, not recomputed');
    assert.deepEqual(again.map((e) => [e.x.toArray(), e.y.item(), e.y.dtype, e.n]), full.map((e) => [e.x.toArray(), e.y.item(), 'int32', e.n]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
