import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { encodeIdx, parseIdx, type IdxDType } from '../src/datasets/idx.js';

const small = encodeIdx({ dtype: 'uint8', shape: [2, 3], data: [0, 1, 2, 253, 254, 255] });

test('parses a hand-written big-endian IDX file', () => {
  // int16, 1 dimension of 2 elements: 0x0102 = 258 and 0xfffe = -2.
  const bytes = new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
  const parsed = parseIdx(bytes, 'hand.idx');
  assert.equal(parsed.dtype, 'int16');
  assert.deepEqual(parsed.shape, [2]);
  assert.deepEqual(Array.from(parsed.data), [258, -2]);
});

test('encode → parse round trip for every dtype (property)', () => {
  const ranges: Record<IdxDType, fc.Arbitrary<number>> = {
    uint8: fc.integer({ min: 0, max: 255 }),
    int8: fc.integer({ min: -128, max: 127 }),
    int16: fc.integer({ min: -32768, max: 32767 }),
    int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    float32: fc.float({ noNaN: true }).map(Math.fround),
    float64: fc.double({ noNaN: true }),
  };
  const dtypes = Object.keys(ranges) as IdxDType[];
  const arb = fc
    .record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }) })
    .chain(({ dtype, shape }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return fc.array(ranges[dtype], { minLength: size, maxLength: size }).map((data) => ({ dtype, shape, data }));
    });
  fc.assert(
    fc.property(arb, (array) => {
      const parsed = parseIdx(encodeIdx(array), 'prop.idx');
      assert.equal(parsed.dtype, array.dtype);
      assert.deepEqual(parsed.shape, array.shape);
      assert.deepEqual(Array.from(parsed.data), array.data.map((v) => (Object.is(v, -0) && !array.dtype.startsWith('float') ? 0 : v)));
    }),
    { numRuns: 200 },
  );
});

test('a file inside a larger buffer (non-zero byteOffset) parses', () => {
  const padded = new Uint8Array(small.length + 5);
  padded.set(small, 5);
  const parsed = parseIdx(padded.subarray(5), 'offset.idx');
  assert.deepEqual(Array.from(parsed.data), [0, 1, 2, 253, 254, 255]);
});

test('truncated payload names the file and the byte counts', () => {
  assert.throws(() => parseIdx(small.subarray(0, small.length - 1), 'cut.idx'), /cut\.idx: payload truncated.*expected 18 bytes in the file, got 17/);
});

test('too short for a header', () => {
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8]), 'tiny.idx'), /tiny\.idx: too short for an IDX header/);
  // Header says 3 dims but only one dim is present.
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), 'dims.idx'), /dims\.idx: too short.*3 dimensions/);
});

test('bad magic', () => {
  const bad = small.slice();
  bad[0] = 0x12;
  assert.throws(() => parseIdx(bad, 'bad.idx'), /bad\.idx: bad magic number \(first bytes 12 00 08 02/);
});

test('unknown dtype code', () => {
  const bad = small.slice();
  bad[2] = 0x0a;
  assert.throws(() => parseIdx(bad, 'type.idx'), /type\.idx: unknown IDX element type code 0x0a/);
});

test('zero dims, zero-length dimension and absurd shapes are rejected', () => {
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'z.idx'), /z\.idx: IDX header declares 0 dimensions/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 0]), 'e.idx'), /e\.idx: dimension 0 is 0/);
  const huge = new Uint8Array([0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.throws(() => parseIdx(huge, 'huge.idx'), /huge\.idx: absurd shape/);
});

test('trailing bytes', () => {
  const long = new Uint8Array(small.length + 3);
  long.set(small);
  assert.throws(() => parseIdx(long, 'long.idx'), /long\.idx: 3 trailing bytes after the payload/);
});

test('gzip input: clear error, or parsed through a caller-provided inflate', () => {
  const gz = new Uint8Array(gzipSync(small));
  assert.throws(() => parseIdx(gz, 'mnist.idx.gz'), /mnist\.idx\.gz: this is a gzip-compressed file.*decompress it first/);
  const parsed = parseIdx(gz, 'mnist.idx.gz', { inflate: (b) => new Uint8Array(gunzipSync(b)) });
  assert.deepEqual(parsed.shape, [2, 3]);
  assert.deepEqual(Array.from(parsed.data), [0, 1, 2, 253, 254, 255]);
});

test('encodeIdx rejects data that does not fit the shape', () => {
  assert.throws(() => encodeIdx({ dtype: 'uint8', shape: [2, 2], data: [1, 2, 3] }), /4 elements but data has 3/);
});
