import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table, formatNumberColumn, parseNumber, quantileSorted } from '../src/data/table.js';

const csv = 'name,mpg,origin,weight\n"ford, torino",17,USA,3449\nvw,NA,Europe,1835\ndatsun,27,Japan,\nbmw,26,Europe,2234\n';

test('fromCsv infers column kinds and missing values', () => {
  const t = Table.fromCsv(csv, { name: 'cars.csv' });
  assert.deepEqual(t.columns, ['name', 'mpg', 'origin', 'weight']);
  assert.deepEqual(t.shape, [4, 4]);
  assert.equal(t.kind('mpg'), 'number');
  assert.equal(t.kind('origin'), 'string');
  assert.deepEqual(t.numbers('mpg').map((v) => (Number.isNaN(v) ? 'NaN' : v)), [17, 'NaN', 27, 26]);
  assert.deepEqual(t.missing(), { name: 0, mpg: 1, origin: 0, weight: 1 });
  assert.equal(t.column('name')[0], 'ford, torino');
});

test('a column with any non-numeric text is a string column; kinds can be forced', () => {
  const t = Table.fromCsv('zip,x\n02139,1\n10001,2e3\n');
  assert.equal(t.kind('zip'), 'number');
  assert.deepEqual(t.numbers('x'), [1, 2000]);
  const forced = Table.fromCsv('zip,x\n02139,1\n10001,2\n', { kinds: { zip: 'string' } });
  assert.deepEqual(forced.column('zip'), ['02139', '10001']);
  assert.equal(Table.fromCsv('a\n1\n0x1A\n').kind('a'), 'string');
  assert.throws(() => Table.fromCsv('a\n1\nb\n', { kinds: { a: 'number' } }), /column "a" row 1: "b" is not a number/);
});

test('parseNumber accepts decimal forms only', () => {
  assert.equal(parseNumber(' 1.5e-3 '), 0.0015);
  assert.equal(parseNumber('-inf'), -Infinity);
  assert.equal(parseNumber('.5'), 0.5);
  assert.equal(parseNumber('1,5'), undefined);
  assert.equal(parseNumber('0x10'), undefined);
  assert.equal(parseNumber(''), undefined);
});

test('select, drop, dropna, head, tail, filter keep row labels', () => {
  const t = Table.fromCsv(csv);
  assert.deepEqual(t.select(['origin', 'mpg']).columns, ['origin', 'mpg']);
  assert.deepEqual(t.drop(['name']).columns, ['mpg', 'origin', 'weight']);
  assert.throws(() => t.select(['nope']), /no column "nope" \(columns: name, mpg, origin, weight\)/);
  const clean = t.dropna();
  assert.deepEqual(clean.column('name'), ['ford, torino', 'bmw']);
  assert.deepEqual(t.dropna(['mpg']).column('name'), ['ford, torino', 'datsun', 'bmw']);
  assert.equal(t.head(2).numRows, 2);
  assert.deepEqual(t.tail(1).column('name'), ['bmw']);
  assert.deepEqual(t.filter((r) => r['origin'] === 'Europe').column('name'), ['vw', 'bmw']);
  assert.match(clean.toString(), /^\s+name\s+mpg\s+origin\s+weight\n0\s+ford, torino\s+17\s+USA\s+3449\n3\s+bmw/);
});

test('describe matches hand-computed values (sample std, linear quantiles)', () => {
  // x = 1, 2, 3, 4, 10 (and one missing): mean 4, sample var = (9+4+1+0+36)/4 = 12.5
  const t = Table.fromColumns({ x: [1, 2, null, 3, 4, 10], s: ['a', 'b', 'c', 'd', 'e', 'f'] });
  const d = t.describe();
  assert.deepEqual(d.columns, ['x']);
  const x = d.numbers('x');
  assert.equal(x[0], 5); // count
  assert.equal(x[1], 4); // mean
  assert.ok(Math.abs(x[2]! - Math.sqrt(12.5)) < 1e-12); // std, ddof = 1
  assert.deepEqual(x.slice(3), [1, 2, 3, 4, 10]); // min, 25%, 50%, 75%, max
  // Quartiles between ranks: [1, 2, 3, 4] → 25% at position 0.75 → 1.75.
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.75), 3.25);
  assert.match(d.toString(), /^\s+x\ncount\s+5\.0+\nmean\s+4\.0+\nstd\s+3\.535534/);
});

test('sample and split are reproducible with a seed and partition the rows', () => {
  const t = Table.fromColumns({ id: Array.from({ length: 100 }, (_, i) => i) });
  assert.deepEqual(t.sample(10, 7).column('id'), t.sample(10, 7).column('id'));
  assert.notDeepEqual(t.sample(10, 7).column('id'), t.sample(10, 8).column('id'));
  assert.equal(t.sample({ frac: 0.25, seed: 1 }).numRows, 25);
  const [train, rest] = t.split(0.8, 42);
  assert.equal(train.numRows, 80);
  assert.equal(rest.numRows, 20);
  const all = [...(train.column('id') as number[]), ...(rest.column('id') as number[])].sort((a, b) => a - b);
  assert.deepEqual(all, t.column('id'));
  const restIds = rest.column('id') as number[];
  assert.deepEqual(restIds, [...restIds].sort((a, b) => a - b), 'rest keeps original order');
  const [again] = t.split(0.8, 42);
  assert.deepEqual(again.column('id'), train.column('id'));
  assert.throws(() => t.sample(101), /n must be an integer in 0\.\.100/);
});

test('toMatrix is row-major and refuses strings and missing values', () => {
  const t = Table.fromRows(['a', 'b', 'c'], [[1, 2, 'x'], [3, 4, 'y']]);
  assert.deepEqual(Array.from(t.toMatrix(['a', 'b'])), [1, 2, 3, 4]);
  assert.deepEqual(t.toArrays(['b', 'a']), [[2, 1], [4, 3]]);
  assert.throws(() => t.toMatrix(), /column "c" holds strings/);
  assert.throws(() => Table.fromColumns({ a: [1, null] }).toMatrix(), /missing value at row 1; use dropna/);
});

test('fromObjects takes JSON records with nulls and absent keys', () => {
  const t = Table.fromObjects([{ a: 1, b: 'x' }, { a: null }, { b: 'y', c: true }]);
  assert.deepEqual(t.columns, ['a', 'b', 'c']);
  assert.equal(t.kind('a'), 'number');
  assert.deepEqual(t.column('b'), ['x', null, 'y']);
  assert.deepEqual(t.column('c'), [null, null, 'true']);
  assert.throws(() => Table.fromObjects([{ a: [1] }]), /record 0 field "a" is a object/);
});

test('toString truncates long tables with ... and reports the size', () => {
  const t = Table.fromColumns({ v: Array.from({ length: 50 }, (_, i) => i + 0.5) });
  const lines = t.toString().split('\n');
  assert.equal(lines[0]!.trim(), 'v');
  assert.match(lines[1]!, /^0\s+0\.5$/);
  assert.ok(lines.some((l) => /^\.\.\.\s+\.\.\.$/.test(l)));
  assert.match(lines.at(-3)!, /^49\s+49\.5$/);
  assert.equal(lines.at(-1), '[50 rows x 1 columns]');
  assert.equal(lines.length, 1 + 10 + 1 + 2); // header, rows, '...', blank, size
});

test('numbers are printed with a shared number of decimals', () => {
  assert.deepEqual(formatNumberColumn([1, 2.5, 3.25]), ['1.00', '2.50', '3.25']);
  assert.deepEqual(formatNumberColumn([1, 2, 3]), ['1', '2', '3']);
  assert.deepEqual(formatNumberColumn([1, NaN]), ['1.0', 'NaN']);
});

test('CSV round trip through toCsv', () => {
  const t = Table.fromCsv(csv);
  const back = Table.fromCsv(t.toCsv());
  assert.deepEqual(back.toObjects(), t.toObjects());
});
