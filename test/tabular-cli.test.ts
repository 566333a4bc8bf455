import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/stats/index.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'deepts-tabular-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

interface Run { code: number; stdout: string; stderr: string }
function deepts(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

function isPng(path: string): boolean {
  if (!existsSync(path)) return false;
  const head = readFileSync(path).subarray(0, 8);
  return head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

// A small table: y depends on x (numeric) and on a string category; one missing x; a class column.
const rng = new Rng(7);
const lines = ['x,colour,y,group'];
for (let i = 0; i < 80; i++) {
  const x = rng.double() * 10;
  const colour = ['red', 'green', 'blue'][i % 3]!;
  const y = 2 * x + (colour === 'red' ? 5 : 0) + 0.3 * rng.normal();
  const group = x < 5 ? 'low' : 'high';
  lines.push(`${i === 10 ? '' : x.toFixed(4)},${colour},${y.toFixed(4)},${group}`);
}
const csv = join(dir, 'small.csv');
writeFileSync(csv, `${lines.join('\n')}\n`);
const line = join(dir, 'line.csv');
writeFileSync(line, `"input, x",output\n${[0, 1, 2, 3, 4, 5].map((x) => `${x},${(3 * x + 1 + (x % 2 ? 0.1 : -0.1)).toFixed(2)}`).join('\n')}\n`);
const bad = join(dir, 'bad.csv');
writeFileSync(bad, 'a,b\n1,2\n3,4\n5,6,7\n');

test('regress: encodes, drops missing rows, reports MAE/MSE vs a linear baseline, writes pictures', async () => {
  const out = join(dir, 'regress-out');
  const r = await deepts('regress', csv, '--target', 'y', '--features', 'x,colour', '--epochs', '30', '--seed', '3', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Dropped 1 of 80 rows with missing values \(missing per column: x: 1\); 79 rows left/);
  assert.match(r.stdout, /63 training rows, 16 held-out rows; 4 inputs after encoding/);
  const nn = /neural network \(32 relu, 32 relu, 1\)\s+([\d.]+)\s+([\d.]+)/.exec(r.stdout);
  const lin = /linear baseline \(least squares\)\s+([\d.]+)\s+([\d.]+)/.exec(r.stdout);
  const mean = /predicting the training mean\s+([\d.]+)\s+([\d.]+)/.exec(r.stdout);
  assert.ok(nn && lin && mean, r.stdout);
  // y is linear in x and the one-hot colour, noise 0.3: least squares must be near the noise level.
  assert.ok(Number(lin[1]) < 0.5, `linear MAE ${lin[1]}`);
  // The trivial baseline (the training mean, MAE ≈ 5 here): the network must clearly beat it.
  assert.ok(Number(mean[1]) > 3, `mean-prediction MAE ${mean[1]}`);
  assert.ok(Number(nn[1]) > 0 && Number(nn[1]) < 0.25 * Number(mean[1]), `network MAE ${nn[1]} vs predicting the mean ${mean[1]}`);
  for (const f of ['predicted-vs-true.png', 'loss-curve.png']) assert.ok(isPng(join(out, f)), `${f} missing or not a PNG`);
  assert.ok(existsSync(join(out, 'model', 'model.json')) && existsSync(join(out, 'model', 'preprocessing.json')));
});

test('mle: naive Bayes accuracy, confusion matrix and pictures', async () => {
  const out = join(dir, 'mle-out');
  const r = await deepts('mle', csv, '--target', 'group', '--features', 'x,y', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const acc = /Held-out accuracy: ([\d.]+) \((\d+) of 16 correct\)/.exec(r.stdout);
  assert.ok(acc, r.stdout);
  const majority = /Always answering the most frequent training class \('\w+'\): ([\d.]+)/.exec(r.stdout);
  assert.ok(majority, r.stdout);
  assert.ok(Number(acc[1]) >= Number(majority[1]) + 0.25, `accuracy ${acc[1]} on a nearly separable split vs ${majority[1]} for the majority class`);
  assert.match(r.stdout, /true \\ predicted\s+high\s+low/);
  for (const f of ['normal-curves.png', 'confusion-matrix.png']) assert.ok(isPng(join(out, f)), `${f} missing or not a PNG`);
});

test('linreg: least squares and maximum likelihood give the same a and b', async () => {
  const out = join(dir, 'linreg-out');
  const r = await deepts('linreg', line, '--x', 'input, x', '--y', 'output', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const ls = /least squares \(closed form\)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(r.stdout);
  const ml = /maximum likelihood \(Nelder-Mead on NLL\)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(r.stdout);
  assert.ok(ls && ml, r.stdout);
  // By hand: noise e = −0.1, +0.1, … for x = 0..5, x̄ = 2.5, Σ(x − x̄)² = 17.5, Σ(x − x̄)e = 0.3
  // → a = 3 + 0.3/17.5 = 3.0171428…, b = ȳ − a·x̄ = 8.5 − 2.5a = 0.9571428…
  assert.ok(Math.abs(Number(ls[1]) - 3.0171429) < 1e-6, `a = ${ls[1]}`);
  assert.ok(Math.abs(Number(ls[2]) - 0.9571429) < 1e-6, `b = ${ls[2]}`);
  assert.ok(Math.abs(Number(ml[1]) - Number(ls[1])) < 1e-5 && Math.abs(Number(ml[2]) - Number(ls[2])) < 1e-5, 'MLE and LS disagree');
  assert.ok(Math.abs(Number(ml[3]) - Number(ls[3])) < 1e-5, 'sigma differs from sqrt(MSE)');
  for (const f of ['line.png', 'likelihood.png']) assert.ok(isPng(join(out, f)), `${f} missing or not a PNG`);
});

test('built-in data set names work in place of a CSV path', async () => {
  const r = await deepts('linreg', 'iris', '--x', 'petal_length', '--y', 'petal_width', '--out', join(dir, 'iris-out'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /150 rows/);
  assert.match(r.stdout, /R² = 0\.92/);
});

test('bad input: clear errors and a non-zero exit', async () => {
  const cases: [string[], RegExp][] = [
    [['regress', bad, '--target', 'b'], /line 4: expected 2 fields, got 3/],
    [['regress', csv, '--target', 'colour'], /'colour' holds strings.*not numbers/],
    [['regress', csv, '--target', 'nope'], /unknown column 'nope' for --target \(columns: x, colour, y, group\)/],
    [['regress', csv], /--target COLUMN is required/],
    [['mle', csv, '--target', 'group', '--features', 'x,colour'], /string columns \(colour\)/],
    [['linreg', csv, '--x', 'colour', '--y', 'y'], /'colour' holds strings/],
    [['linreg', join(dir, 'missing.csv'), '--x', 'a', '--y', 'b'], /no such file .*missing\.csv.*not a built-in data set/],
    [['regress', csv, '--target', 'y', '--scale', 'weird'], /scale/],
  ];
  const runs = await Promise.all(cases.map(([args]) => deepts(...args)));
  runs.forEach((r, i) => {
    assert.notEqual(r.code, 0, `${cases[i]![0].join(' ')} exited 0`);
    assert.match(r.stderr, cases[i]![1], `${cases[i]![0].join(' ')}: ${r.stderr}`);
  });
});
