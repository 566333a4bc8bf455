/**
 * Regression tests for issue 14 (rest of defect 9): every error names the file, the field or
 * the column and row, and what was expected — before any partial output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dense, Sequential, loadModel, saveModel, setSeed, tensor, zeros } from '../src/index.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'deepts-errors-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function deepts(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function compiled(): Sequential {
  setSeed(1);
  const model = new Sequential([new Dense(1, { inputShape: [2] })]);
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  return model;
}

test('fit({ initialEpoch: -5, epochs: 1 }) is refused instead of training 6 epochs', async () => {
  await assert.rejects(compiled().fit(tensor([[1, 2]]), tensor([[1]]), { initialEpoch: -5, epochs: 1, verbose: 0 }),
    /initialEpoch must be a non-negative integer .* got -5/);
  await assert.rejects(compiled().fit(tensor([[1, 2]]), tensor([[1]]), { initialEpoch: 1.5, epochs: 3, verbose: 0 }), /initialEpoch/);
  const history = await compiled().fit(tensor([[1, 2]]), tensor([[1]]), { initialEpoch: 2, epochs: 3, verbose: 0 });
  assert.deepEqual(history.epoch, [2], 'a valid initialEpoch still resumes there');
});

test('fit with 0 rows says the training data is empty', async () => {
  await assert.rejects(compiled().fit(zeros([0, 2]), zeros([0, 1]), { epochs: 1, verbose: 0 }), /fit: the training data has 0 samples \(x has shape \[0, 2\]\)/);
});

test('extra positional CLI arguments are an error naming them, for every command that takes a fixed number', async () => {
  const info = await deepts('info', 'foo', 'bar');
  assert.equal(info.code, 2);
  assert.match(info.stderr, /deepts info: unexpected arguments 'foo' 'bar': info takes no arguments besides options/);
  const classify = await deepts('classify', '--epochs', '1', 'typo.csv');
  assert.equal(classify.code, 2);
  assert.match(classify.stderr, /unexpected argument 'typo\.csv'/);
  assert.equal(classify.stdout, '', 'nothing ran');
  const exp = await deepts('export', '--format', 'onnx', 'a', 'b', 'c');
  assert.equal(exp.code, 2);
  assert.match(exp.stderr, /unexpected argument 'c': export takes at most 2 arguments/);
});

test("regress with Infinity in a CSV names the column and the row, before any output", async () => {
  const csv = join(dir, 'inf.csv');
  writeFileSync(csv, 'x,y\n1,2\n2,4\n3,Infinity\n4,8\n5,10\n6,12\n');
  const r = await deepts('regress', csv, '--target', 'y', '--epochs', '1', '--out', join(dir, 'o1'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /inf\.csv: column 'y', row 3 \(counting data rows from 1\) is Infinity/);
  assert.equal(r.stdout, '');
  writeFileSync(csv, 'x,y\n1,2\n-1e400,4\n3,5\n');
  const lin = await deepts('linreg', csv, '--x', 'x', '--y', 'y', '--out', join(dir, 'o2'));
  assert.match(lin.stderr, /column 'x', row 2 .* is -Infinity/);
  assert.equal(lin.stdout, '');
});

test('mle with 1e308 fails cleanly before any partial output', async () => {
  const csv = join(dir, 'big.csv');
  writeFileSync(csv, 'x,c\n1,a\n2,b\n1e308,a\n4,b\n5,a\n6,b\n7,a\n8,b\n');
  const r = await deepts('mle', csv, '--target', 'c', '--out', join(dir, 'o3'));
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '', 'no half report');
  assert.match(r.stderr, /big\.csv: column 'x', row 3 .* is 1e\+308, beyond ±1e\+150 \(its square overflows double precision\)/);
});

test('loadModel with a malformed optimizerState names the field (was TypeError: The "path" argument must be of type string)', async () => {
  const modelDir = join(dir, 'm');
  const model = compiled();
  await model.fit(tensor([[1, 2]]), tensor([[1]]), { epochs: 1, verbose: 0 });
  await saveModel(model, modelDir);
  const original = readFileSync(join(modelDir, 'model.json'), 'utf8');
  const cases: [string, (state: { [k: string]: unknown }) => void, RegExp][] = [
    ['path null', (s) => { s['path'] = null; }, /optimizerState\.path must be a file name beside model\.json, got null/],
    ['path escaping', (s) => { s['path'] = '../x.bin'; }, /optimizerState\.path must be a file name/],
    ['variables null', (s) => { s['variables'] = null; }, /optimizerState\.variables must be a list, got null/],
    ['a variable null', (s) => { s['variables'] = [null]; }, /optimizerState\.variables\[0\] must be/],
    ['size negative', (s) => { (s['variables'] as { size: number }[])[0]!.size = -1; }, /variables\[0\]\.size must be an integer/],
    ['slots huge', (s) => { s['slotsPerVariable'] = 1e9; }, /slotsPerVariable must be an integer in \[0, 16\]/],
  ];
  // optimizer.bin of a length that is no whole number of float32 values (found by npm run fuzz, seed 64117).
  const state = join(modelDir, 'optimizer.bin');
  const bytes = readFileSync(state);
  writeFileSync(state, bytes.subarray(0, bytes.length - 2));
  await assert.rejects(loadModel(modelDir), (e: Error) => {
    assert.equal(e.constructor, Error, `a plain Error, not ${e.constructor.name}: ${e.message}`);
    assert.match(e.message, new RegExp(`model\\.json: optimizer state optimizer\\.bin has ${bytes.length - 2} bytes, the manifest needs ${bytes.length}`));
    return true;
  });
  writeFileSync(state, bytes);
  for (const [what, damage, expected] of cases) {
    const json = JSON.parse(original) as { userDefinedMetadata: { deepts: { optimizerState: { [k: string]: unknown } } } };
    damage(json.userDefinedMetadata.deepts.optimizerState);
    writeFileSync(join(modelDir, 'model.json'), JSON.stringify(json));
    await assert.rejects(loadModel(modelDir), (e: Error) => {
      assert.equal(e.constructor, Error, `${what}: a plain Error, not ${e.constructor.name}: ${e.message}`);
      assert.match(e.message, expected, what);
      assert.match(e.message, /model\.json/, `${what}: names the file`);
      return true;
    });
  }
});
