import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler, trainTestSplit,
} from '../src/data/preprocessing.js';
import { TabularPreprocessor } from '../src/data/tabular-preprocessor.js';
import { Table } from '../src/data/table.js';

const close = (a: readonly number[], b: readonly number[], tol = 1e-9): void => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `${v} vs ${b[i]} at ${i}`));
};

test('MinMaxScaler: known values, constant column → low end, custom range', () => {
  const x = [[1, 5, 10], [3, 5, 20], [5, 5, 30]];
  const s = new MinMaxScaler();
  assert.deepEqual(s.fitTransform(x), [[0, 0, 0], [0.5, 0, 0.5], [1, 0, 1]]);
  assert.deepEqual(s.transform([[7, 6, 0]]), [[1.5, 1, -0.5]]);
  const r = new MinMaxScaler({ featureRange: [-1, 1] }).fit(x);
  assert.deepEqual(r.transform([[1, 5, 30]]), [[-1, -1, 1]]);
  assert.throws(() => new MinMaxScaler({ featureRange: [1, 0] }), /low < high/);
  assert.throws(() => s.transform([[1, 2]]), /fitted on 3 features, got 2/);
  assert.throws(() => new MinMaxScaler().transform(x), /not fitted yet/);
});

test('StandardScaler: population std (ddof 0), zero std → scale 1, dense input stays dense', () => {
  const x = { data: [1, 7, 3, 7, 5, 7, 7, 7], rows: 4, cols: 2 };
  const s = new StandardScaler().fit(x);
  close(s.mean!, [4, 7]);
  close(s.std!, [Math.sqrt(5), 1]); // var of 1,3,5,7 with ddof 0 = 5
  const out = s.transform(x);
  assert.ok(out.data instanceof Float64Array);
  close(Array.from(out.data), [-3 / Math.sqrt(5), 0, -1 / Math.sqrt(5), 0, 1 / Math.sqrt(5), 0, 3 / Math.sqrt(5), 0]);
});

test('scalers: inverseTransform(transform(x)) = x and toJSON/fromJSON give the same transform (property)', () => {
  const matrix = fc.integer({ min: 1, max: 4 }).chain((cols) =>
    fc.array(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 20 }));
  fc.assert(
    fc.property(matrix, fc.boolean(), (x, minmax) => {
      const s = minmax ? new MinMaxScaler() : new StandardScaler();
      const y = s.fitTransform(x);
      const back = s.inverseTransform(y);
      back.forEach((row, i) => close(row, x[i]!, 1e-6));
      const restored = minmax ? MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON()))) : StandardScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
      assert.deepEqual(restored.transform(x), y);
    }),
    { numRuns: 200 },
  );
});

test('scalers ignore NaN when fitting and keep it when transforming', () => {
  const s = new MinMaxScaler().fit([[0], [NaN], [10]]);
  const out = s.transform([[5], [NaN]]);
  assert.equal(out[0]![0], 0.5);
  assert.ok(Number.isNaN(out[1]![0]));
});

test('OneHotEncoder: sorted categories, output names, round trip', () => {
  const rows = [['USA', 4], ['Japan', 6], ['Europe', 4], ['USA', 8]];
  const e = new OneHotEncoder().fit(rows, ['Origin', 'Cylinders']);
  assert.deepEqual(e.categories, [['Europe', 'Japan', 'USA'], [4, 6, 8]]);
  assert.deepEqual(e.getFeatureNamesOut(), ['Origin=Europe', 'Origin=Japan', 'Origin=USA', 'Cylinders=4', 'Cylinders=6', 'Cylinders=8']);
  const m = e.transform(rows);
  assert.deepEqual(Array.from(m.data.subarray(0, 6)), [0, 0, 1, 1, 0, 0]);
  assert.deepEqual(e.inverseTransform(m), rows);
  const restored = OneHotEncoder.fromJSON(JSON.parse(JSON.stringify(e.toJSON())));
  assert.deepEqual(restored.transform(rows), m);
});

test('OneHotEncoder: unknown category is a clear error, or all zeros with ignore', () => {
  const strict = new OneHotEncoder().fit([['a'], ['b']], ['letter']);
  assert.throws(() => strict.transform([['a'], ['z']]), /unknown category "z" in column "letter" \(row 1\); known: "a", "b".*handleUnknown: 'ignore'/);
  const lenient = new OneHotEncoder({ handleUnknown: 'ignore' }).fit([['a'], ['b']], ['letter']);
  const m = lenient.transform([['z'], ['b']]);
  assert.deepEqual(Array.from(m.data), [0, 0, 0, 1]);
  assert.deepEqual(lenient.inverseTransform(m), [[null], ['b']]);
});

test('OneHotEncoder: missing values are their own category, last', () => {
  const e = new OneHotEncoder().fit([['b'], [null], ['a']], ['s']);
  assert.deepEqual(e.categories, [['a', 'b', null]]);
  assert.deepEqual(e.getFeatureNamesOut(), ['s=a', 's=b', 's=null']);
});

test('LabelEncoder: sorted classes, codes, inverse, unknown label', () => {
  const e = new LabelEncoder();
  const codes = e.fitTransform(['virginica', 'setosa', 'versicolor', 'setosa']);
  assert.deepEqual(e.classes, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(Array.from(codes), [2, 0, 1, 0]);
  assert.deepEqual(e.inverseTransform(codes), ['virginica', 'setosa', 'versicolor', 'setosa']);
  assert.throws(() => e.transform(['rose']), /unknown label "rose"/);
  assert.throws(() => e.inverseTransform([3]), /code 3 is outside 0\.\.2/);
  assert.deepEqual(LabelEncoder.fromJSON(e.toJSON()).transform(['versicolor']), Int32Array.from([1]));
});

test('trainTestSplit: sizes like scikit-learn, seeded reproducibility, disjoint cover', () => {
  const a = trainTestSplit(10, { seed: 3 });
  assert.equal(a.testIndices.length, 3); // ceil(0.25 × 10)
  assert.equal(a.trainIndices.length, 7);
  assert.deepEqual(trainTestSplit(10, { seed: 3 }), a);
  assert.notDeepEqual(trainTestSplit(10, { seed: 4 }), a);
  assert.deepEqual([...a.trainIndices, ...a.testIndices].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const ordered = trainTestSplit(5, { testSize: 2, shuffle: false });
  assert.deepEqual(Array.from(ordered.trainIndices), [0, 1, 2]);
  assert.deepEqual(Array.from(ordered.testIndices), [3, 4]);
  assert.equal(trainTestSplit(17000, { testSize: 0.2, seed: 1 }).testIndices.length, 3400);
  assert.throws(() => trainTestSplit(10, { testSize: 10 }), /leaves no training or no test rows/);
});

test('TabularPreprocessor: scales numbers, one-hot encodes strings in place, applies to new data', () => {
  const train = Table.fromCsv('hp,origin,mpg\n100,USA,18\n50,Japan,30\n150,Europe,20\n');
  const p = new TabularPreprocessor({ numeric: 'minmax' });
  const out = p.fitTransform(train, ['hp', 'origin']);
  assert.deepEqual(out.featureNames, ['hp', 'origin=Europe', 'origin=Japan', 'origin=USA']);
  assert.ok(out.data instanceof Float32Array);
  assert.deepEqual(Array.from(out.data), [0.5, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0]);
  const fresh = Table.fromCsv('hp,origin\n200,Japan\n');
  const restored = TabularPreprocessor.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
  assert.deepEqual(Array.from(restored.transform(fresh).data), [1.5, 0, 1, 0]);
  assert.throws(() => p.transform(Table.fromCsv('hp,origin\n1,Mars\n')), /unknown category "Mars" in column "origin"/);
  assert.throws(() => p.transform(Table.fromCsv('hp,origin\n,USA\n')), /column "hp" has a missing value/);
});
