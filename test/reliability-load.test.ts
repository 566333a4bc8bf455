/**
 * Regression tests for issue 14 (defects 1 and 9, model side): loading a hostile or damaged
 * model directory fails fast with an error naming the file and field, and never allocates
 * more than weights.bin really holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Dense, Sequential, getRng, loadModel, saveModel, setSeed } from '../src/index.js';
import { Normalization } from '../src/nn/layers/normalization.js';

const here = fileURLToPath(new URL('.', import.meta.url));

function withDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-load-'));
  return body(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function denseModelJson(units: number, inputs: number, manifest: number[][]): string {
  return JSON.stringify({
    format: 'deepts-model', version: 1,
    modelConfig: { className: 'Sequential', config: { name: 's', inputShape: [inputs], layers: [{ className: 'Dense', config: { units } }] } },
    weights: manifest.map((shape, i) => ({ name: `w${i}`, shape, dtype: 'float32' })),
  });
}

/** Loads `dir` in a child process and returns its error message and peak resident memory (MB). */
function loadInChild(dir: string): { message: string; peakMB: number; ms: number } {
  const script = `
    const { loadModel } = await import(${JSON.stringify(join(here, '..', 'src', 'io', 'model-io.js'))});
    const t0 = performance.now();
    let message = 'loaded';
    try { await loadModel(${JSON.stringify(dir)}); } catch (e) { message = e.message; }
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ message, ms, peakMB: process.resourceUsage().maxRSS / 1024 }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as { message: string; peakMB: number; ms: number };
}

test('issue 14.1: a 40,000-unit Dense with an empty weights.bin is rejected before anything is allocated (peak < 200 MB)', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'model.json'), denseModelJson(40_000, 40_000, [[40_000, 40_000], [40_000]]));
    writeFileSync(join(dir, 'weights.bin'), '');
    const r = loadInChild(dir);
    assert.match(r.message, /weights\.bin has 0 bytes, the manifest needs 6400160000/);
    assert.ok(r.peakMB < 200, `peak RSS ${r.peakMB.toFixed(0)} MB`);
  });
});

test('issue 14.1: a manifest that fits weights.bin but not the architecture is rejected before the layer allocates (peak < 200 MB)', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'model.json'), denseModelJson(40_000, 40_000, [[1], [1]]));
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(8));
    const r = loadInChild(dir);
    assert.match(r.message, /model\.json: layers\[0\] \(Dense\): weight 0 \(w0\) has shape \[1\] in the manifest but \[40000, 40000\] in the architecture/);
    assert.ok(r.peakMB < 200, `peak RSS ${r.peakMB.toFixed(0)} MB`);
  });
});

test('issue 14.1: the same in the tfjs Layers format: huge layers, empty or mismatched weights.bin, peak < 200 MB', async () => {
  await withDir(async (dir) => {
    const json = (manifest: number[][]): string => JSON.stringify({
      format: 'layers-model',
      modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 40_000, batch_input_shape: [null, 40_000] } }] } },
      weightsManifest: [{ paths: ['weights.bin'], weights: manifest.map((shape, i) => ({ name: i === 0 ? 'd/kernel' : 'd/bias', shape, dtype: 'float32' })) }],
    });
    writeFileSync(join(dir, 'model.json'), json([[40_000, 40_000], [40_000]]));
    writeFileSync(join(dir, 'weights.bin'), '');
    let r = loadInChild(dir);
    assert.match(r.message, /weights\.bin has 0 bytes, the manifest needs 6400160000/);
    assert.ok(r.peakMB < 200, `peak RSS ${r.peakMB.toFixed(0)} MB`);
    writeFileSync(join(dir, 'model.json'), json([[1], [1]]));
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(8));
    r = loadInChild(dir);
    assert.match(r.message, /layers\[0\] \(Dense\): weight d\/kernel has shape \[1\] in the manifest but d\/kernel has \[40000, 40000\]/);
    assert.ok(r.peakMB < 200, `peak RSS ${r.peakMB.toFixed(0)} MB`);
  });
});

test('issue 14.1: loading does not random-initialise the weights it loads (the global RNG is untouched)', async () => {
  await withDir(async (dir) => {
    const model = new Sequential([new Dense(64, { inputShape: [32] }), new Dense(4)]);
    await saveModel(model, join(dir, 'm'));
    setSeed(5);
    const expected = getRng().nextUint32();
    setSeed(5);
    const loaded = await loadModel(join(dir, 'm'));
    assert.equal(getRng().nextUint32(), expected, 'loadModel drew random numbers');
    assert.deepEqual([...loaded.weights[0]!.values], [...model.weights[0]!.values]);
  });
});

test('issue 14.1: a Normalization layer loads its saved statistics', async () => {
  await withDir(async (dir) => {
    const norm = new Normalization({ inputShape: [3] });
    norm.adapt([[1, 2, 3], [3, 4, 9]]);
    const model = new Sequential([norm, new Dense(2)]);
    await saveModel(model, join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    assert.deepEqual(loaded.getWeights().map((w) => [...w.values]), model.getWeights().map((w) => [...w.values]));
  });
});

const base = (): Record<string, unknown> => JSON.parse(denseModelJson(2, 3, [[3, 2], [2]])) as Record<string, unknown>;
const malformed: [string, (f: Record<string, unknown>) => unknown, RegExp][] = [
  ['top level an array', () => [], /model\.json is not a JSON object/],
  ['modelConfig missing', (f) => ({ ...f, modelConfig: undefined }), /modelConfig must be an object, got nothing/],
  ['modelConfig.config a number', (f) => ({ ...f, modelConfig: { className: 'Sequential', config: 3 } }), /modelConfig\.config must be an object, got 3/],
  ['layers a string', (f) => ({ ...f, modelConfig: { className: 'Sequential', config: { layers: 'x' } } }), /modelConfig\.config\.layers must be a list, got "x"/],
  ['a layer null', (f) => ({ ...f, modelConfig: { className: 'Sequential', config: { layers: [null] } } }), /modelConfig\.config\.layers\[0\] must be an object, got null/],
  ['a layer without config', (f) => ({ ...f, modelConfig: { className: 'Sequential', config: { layers: [{ className: 'Dense' }] } } }), /layers\[0\]\.config must be an object/],
  ['inputShape with a string', (f) => ({ ...f, modelConfig: { className: 'Sequential', config: { inputShape: ['3'], layers: [] } } }), /inputShape must be a list of positive integers, got \["3"\]/],
  ['inputShape negative', (f) => ({ ...f, modelConfig: { className: 'Sequential', config: { inputShape: [-3], layers: [] } } }), /inputShape must be a list of positive integers/],
  ['weights an object', (f) => ({ ...f, weights: {} }), /weights must be a list, got \{\}/],
  ['weight shape not iterable', (f) => ({ ...f, weights: [{ name: 'a', shape: 5, dtype: 'float32' }] }), /weights\[0\]\.shape must be a list of integers/],
  ['weight shape fractional', (f) => ({ ...f, weights: [{ name: 'a', shape: [1.5], dtype: 'float32' }] }), /weights\[0\]\.shape must be a list of integers/],
  ['weight dtype', (f) => ({ ...f, weights: [{ name: 'a', shape: [1], dtype: 'int8' }] }), /weights\[0\]\.dtype must be "float32", got "int8"/],
  ['weight entry null', (f) => ({ ...f, weights: [null] }), /weights\[0\] must be an object/],
  ['unknown layer class', (f) => ({ ...f, modelConfig: { className: 'Sequential', config: { inputShape: [3], layers: [{ className: 'Nope', config: {} }] } } }), /layers\[0\] \(Nope\): unknown layer class 'Nope'/],
  ['units a string', (f) => ({ ...f, modelConfig: { className: 'Sequential', config: { inputShape: [3], layers: [{ className: 'Dense', config: { units: 'two' } }] } } }), /layers\[0\] \(Dense\): .*'units' must be a number/],
  ['units negative', (f) => ({ ...f, modelConfig: { className: 'Sequential', config: { inputShape: [3], layers: [{ className: 'Dense', config: { units: -2 } }] } } }), /layers\[0\] \(Dense\): Dense: units must be a positive integer/],
  ['model class', (f) => ({ ...f, modelConfig: { className: 'Functional', config: { layers: [] } } }), /modelConfig\.className must be "Sequential"/],
  ['format version', (f) => ({ ...f, version: 7 }), /has format version 7/],
];

test('issue 14.9: every malformed model.json field gives a plain Error naming the file and the field', async () => {
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(32));
    for (const [what, mutate, expected] of malformed) {
      writeFileSync(join(dir, 'model.json'), JSON.stringify(mutate(base())));
      const err = await loadModel(dir).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof Error, `${what}: no error`);
      assert.equal(err.constructor, Error, `${what}: ${err.constructor.name}: ${err.message}`);
      assert.match(err.message, /model\.json/, what);
      assert.match(err.message, expected, what);
    }
  });
});

test('issue 14.9: a model.json that cannot be read is reported as unreadable, not as invalid JSON', async () => {
  await withDir(async (dir) => {
    mkdirSync(join(dir, 'm', 'model.json'), { recursive: true });
    await assert.rejects(loadModel(join(dir, 'm')), /cannot read model file .*model\.json: it is a directory/);
    if (process.getuid?.() !== 0) {
      // Root reads anything, so EACCES can only be reproduced as an ordinary user.
      mkdirSync(join(dir, 'p'));
      writeFileSync(join(dir, 'p', 'model.json'), denseModelJson(2, 3, [[3, 2], [2]]));
      chmodSync(join(dir, 'p', 'model.json'), 0o000);
      await assert.rejects(loadModel(join(dir, 'p')), /cannot read model file .*model\.json: permission denied \(EACCES\)/);
    }
  });
});

test('issue 14.2: /dev/zero as model.json is refused at the size cap instead of growing memory', { skip: process.platform === 'win32' }, async () => {
  await withDir(async (dir) => {
    symlinkSync('/dev/zero', join(dir, 'model.json'));
    await assert.rejects(loadModel(dir), /cannot read model file .*model\.json: it holds binary data/);
  });
});
