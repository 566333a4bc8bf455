/** int32 tensors (labels, indices) move through the data-movement ops as int32, exactly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import '../src/backend/index.js';
import { ops } from '../src/autograd/index.js';
import { Tensor } from '../src/tensor/tensor.js';

// 2^24 + 1 and its neighbours are not float32 numbers: a detour through float32 would change them.
const BIG = 16_777_217;

function ints(shape: number[], offset = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Int32Array.from({ length: n }, (_, i) => BIG + 2 * i + offset), shape);
}

test('int32: transpose, slice, gather, concat, stack, reshape keep the dtype and every value exactly', () => {
  const x = ints([2, 3]);
  const t = ops.transpose(x);
  assert.equal(t.dtype, 'int32');
  assert.deepEqual(Array.from(t.data), [BIG, BIG + 6, BIG + 2, BIG + 8, BIG + 4, BIG + 10]);
  const s = ops.slice(x, [1, 1], [1, 2]);
  assert.equal(s.dtype, 'int32');
  assert.deepEqual(Array.from(s.data), [BIG + 8, BIG + 10]);
  const g = ops.gather(x, [2, 0], 1);
  assert.equal(g.dtype, 'int32');
  assert.deepEqual(Array.from(g.data), [BIG + 4, BIG, BIG + 10, BIG + 6]);
  const c = ops.concat([x, ints([1, 3], 1)], 0);
  assert.equal(c.dtype, 'int32');
  assert.deepEqual(c.shape, [3, 3]);
  assert.equal(c.data[7], BIG + 3);
  const st = ops.stack([x, x], 2);
  assert.equal(st.dtype, 'int32');
  assert.deepEqual(st.shape, [2, 3, 2]);
  assert.equal(ops.reshape(x, [3, 2]).dtype, 'int32');
});

test('int32: transpose of any permutation equals the float32 path on small integers (property)', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
      fc.tuple(fc.constant(shape), fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length }))),
    ([shape, perm]) => {
      const x = ints(shape);
      const small = new Tensor(Float32Array.from(x.data, (v) => v - BIG), shape);
      const got = ops.transpose(x, perm);
      const want = ops.transpose(small, perm);
      assert.equal(got.dtype, 'int32');
      assert.deepEqual(got.shape, want.shape);
      assert.deepEqual(Array.from(got.data, (v) => v - BIG), Array.from(want.data));
    },
  ), { numRuns: 100 });
});

test('int32: mixing int32 and float32 in concat is a clear error naming the dtype', () => {
  assert.throws(() => ops.concat([ints([1, 2]), new Tensor(new Float32Array(2), [1, 2])], 0), /concat expects a float32 tensor, got int32/);
});
