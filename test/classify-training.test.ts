import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dense, Flatten, InputLayer, Sequential, Tensor, loadMnist, setSeed, writePng } from '../src/index.js';
import { buildClassifier } from '../src/models/mnist-models.js';
import { decodeImageFile } from '../src/io/image-file.js';
import { formatPercent, toCategorical, topK, topKCaption } from '../src/train/classification.js';
import { runCli } from './helpers.js';

const PNG_SIGNATURE = '89504e470d0a1a0a';

test('course model: the homework architecture (Flatten, 128 relu, 128 relu, Dropout 0.25, 10 softmax)', () => {
  const lines: string[] = [];
  buildClassifier('course').summary((l) => lines.push(l));
  const text = lines.join('\n');
  assert.match(text, /dense(_\d+)? \(Dense\)\s+│ \(None, 128\)\s+│\s+100,480 │/);
  assert.match(text, /\(None, 128\)\s+│\s+16,512 │/);
  assert.match(text, /dropout(_\d+)? \(Dropout\)\s+│ \(None, 128\)/);
  assert.match(text, /\(None, 10\)\s+│\s+1,290 │/);
  assert.match(text, /Total params: 118,282/);
});

test('captions: top-3 lines with honest percentages', () => {
  assert.equal(formatPercent(0.981), '98.1%');
  assert.equal(formatPercent(0.99999), '>99.9%');
  assert.equal(formatPercent(0.00001), '<0.1%');
  assert.equal(topKCaption(topK([[0.012, 0.003, 0.005, 0, 0, 0, 0, 0.981, 0, 0.0]], 3), 0), '7 98.1%\n0 1.2%\n2 0.5%');
});

test('classify on 2000 MNIST images for 2 epochs beats chance by far, writes pictures and a model that predict reads', async () => {
  const out = mkdtempSync(join(tmpdir(), 'deepts-classify-'));
  try {
    const run = await runCli(out, ['classify', '--model', 'default', '--epochs', '2', '--batch-size', '64', '--seed', '1', '--out', out, '--limit', '2000', '--verbose', '0']);
    assert.equal(run.code, 0, run.stderr);
    const text = run.stdout;
    assert.match(text, /MNIST: 2000 training and 10000 test images/);
    const accuracy = Number(/Test accuracy: (\d+\.\d\d)%/.exec(text)?.[1]) / 100;
    const top3 = Number(/Top-3 accuracy: (\d+\.\d\d)%/.exec(text)?.[1]) / 100;
    assert.match(text, /for 2 epochs/);
    const majority = Number(/Always answering the most frequent training digit \(\d\): (\d+\.\d\d)%/.exec(text)?.[1]) / 100;
    assert.ok(majority > 0.08 && majority < 0.2, `majority-class baseline ${majority}`);
    assert.ok(accuracy > majority + 0.6, `test accuracy ${accuracy} must clearly beat always answering the most frequent digit (${majority})`);
    assert.ok(top3 > accuracy && top3 <= 1, `top-3 ${top3}`);
    assert.match(text, / {2}precision {4}recall {2}f1-score {3}support\n/);
    assert.match(text, /weighted avg +0\.\d{3} +0\.\d{3} +0\.\d{3} +10000/);
    for (const name of ['confusion-matrix.png', 'next-likely.png', 'worst-mistakes.png', 'training-curve.png']) {
      const bytes = readFileSync(join(out, name));
      assert.equal(bytes.subarray(0, 8).toString('hex'), PNG_SIGNATURE, `${name} is a PNG`);
      assert.ok(bytes.length > 2000, `${name} has content`);
    }
    assert.ok(existsSync(join(out, 'model', 'weights.bin')));

    // Predict on MNIST test digits drawn as a person would: big, dark ink on light paper, off-centre.
    const mnist = await loadMnist({ limitTrain: 1, limitTest: 8 });
    const files: string[] = [];
    for (let k = 0; k < 8; k++) {
      const [w, h, s] = [200, 170, 5];
      const data = new Uint8ClampedArray(w * h * 4);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const [sx, sy] = [Math.floor((x - 60) / s), Math.floor((y - 20) / s)];
          const v = sx >= 0 && sy >= 0 && sx < 28 && sy < 28 ? mnist.test.images[k * 784 + sy * 28 + sx]! : 0;
          data.set([250 - 240 * v, 250 - 240 * v, 250 - 200 * v, 255], 4 * (y * w + x));
        }
      }
      const file = join(out, `digit-${k}-is-${mnist.test.labels[k]}.png`);
      writePng(file, { width: w, height: h, data });
      files.push(file);
    }
    const predicted = await runCli(out, ['predict', '--model', join(out, 'model'), ...files]);
    assert.equal(predicted.code, 0, predicted.stderr);
    const printed = predicted.stdout.trim().split('\n');
    assert.equal(printed.length, 8);
    let hits = 0;
    printed.forEach((line, k) => {
      const m = /→\s+(\d) +[<>]?[\d.]+%\s+(\d) +[<>]?[\d.]+%\s+(\d) +[<>]?[\d.]+%\s+\(dark on light: inverted\)$/.exec(line);
      assert.ok(m, `predict output line: ${line}`);
      if (m.slice(1, 4).includes(String(mnist.test.labels[k]))) hits++;
    });
    assert.ok(hits >= 7, `the true digit is in the top 3 for ${hits} of 8 pictures`);

    // Unreadable files are named in the error; the good ones are still answered.
    const junk = join(out, 'notes.png');
    writeFileSync(junk, 'not a picture');
    const partial = await runCli(out, ['predict', '--model', join(out, 'model'), files[0]!, junk, join(out, 'missing.png')]);
    assert.equal(partial.code, 1);
    assert.equal(partial.stdout.trim().split('\n').length, 1);
    const errors = partial.stderr.trim().split('\n');
    assert.match(errors[0]!, /notes\.png: not a PNG, PGM or PPM image \(it starts with bytes 6e 6f 74 20\)/);
    assert.match(errors[1]!, /cannot read picture .*missing\.png: no such file/);
    assert.match(errors[2]!, /2 of 3 files could not be read as a digit picture: .*notes\.png, .*missing\.png/);
    const noModel = await runCli(out, ['predict', ...files]);
    assert.equal(noModel.code, 2);
    assert.match(noModel.stderr, /--model DIR is required/);
    assert.match((await runCli(out, ['predict', '--model', join(out, 'nope'), ...files])).stderr, /cannot load the model from .*nope/);
    const noFiles = await runCli(out, ['predict', '--model', join(out, 'model')]);
    assert.equal(noFiles.code, 2);
    assert.match(noFiles.stderr, /give one or more digit pictures/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('PGM and PPM pictures decode (ASCII and binary, comments, 16 bit); damaged ones name the file', () => {
  const p2 = decodeImageFile(Buffer.from('P2\n# a comment\n3 2\n4\n0 1 2\n3 4 4\n'), 'a.pgm');
  assert.deepEqual([p2.width, p2.height], [3, 2]);
  assert.deepEqual(Array.from(p2.data.subarray(0, 8)), [0, 0, 0, 255, 64, 64, 64, 255]);
  const p6 = decodeImageFile(Buffer.concat([Buffer.from('P6 1 1 255\n'), Buffer.from([10, 20, 30])]), 'b.ppm');
  assert.deepEqual(Array.from(p6.data), [10, 20, 30, 255]);
  const p5 = decodeImageFile(Buffer.concat([Buffer.from('P5 1 1 65535\n'), Buffer.from([0xff, 0xff])]), 'c.pgm');
  assert.deepEqual(Array.from(p5.data), [255, 255, 255, 255]);
  assert.throws(() => decodeImageFile(Buffer.concat([Buffer.from('P5 4 4 255\n'), Buffer.from([1, 2])]), 'd.pgm'), /d\.pgm: truncated P5 image: 4×4 needs 16 data bytes, the file has 2/);
  assert.throws(() => decodeImageFile(Buffer.from('P2 2 x'), 'e.pgm'), /e\.pgm: damaged P2 image: expected the height/);
  assert.throws(() => decodeImageFile(new Uint8Array(0), 'f.png'), /f\.png: not a PNG, PGM or PPM image \(the file is empty\)/);
  assert.throws(() => decodeImageFile(Buffer.from('\x89PNG\r\n\x1a\nxx', 'latin1'), 'g.png'), /g\.png: /);
});

test('bad labels are rejected before the first epoch, with the problem named', async () => {
  setSeed(5);
  const n = 12;
  const x = new Tensor(new Float32Array(n * 4 * 4).map((_, i) => (i % 7) / 7), [n, 4, 4]);
  const sparse = new Sequential([new InputLayer({ shape: [4, 4] }), new Flatten(), new Dense(10, { activation: 'softmax' })]);
  sparse.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  let epochsStarted = 0;
  const args = { epochs: 1, verbose: 0 as const, callbacks: [{ onEpochBegin: () => { epochsStarted++; } }] };
  const labels = (values: number[]): Tensor => new Tensor(Float32Array.from(values), [values.length]);
  const good = Array.from({ length: n }, (_, i) => i % 10);

  await assert.rejects(sparse.fit(x, labels(good.map((v, i) => (i === 7 ? 10 : v))), args), /label 10 at index 7 is not a class in \[0, 10\)/);
  await assert.rejects(sparse.fit(x, labels(good.map((v, i) => (i === 3 ? -1 : v))), args), /label -1 at index 3 is not a class/);
  await assert.rejects(sparse.fit(x, labels(good.map((v, i) => (i === 2 ? 2.5 : v))), args), /label 2\.5 at index 2 is not a class/);
  await assert.rejects(sparse.fit(x, labels(good.slice(1)), args), /inputs have 12 samples .* but targets have 11/);
  await assert.rejects(sparse.fit(x, labels(good), { ...args, validationData: [x, labels(good.map(() => 12))] }), /label 12 at index 0/);
  await assert.rejects(sparse.fit(x, labels(good.map((v, i) => (i === 5 ? NaN : v))), args), /targets contain NaN at flat index 5/);
  await assert.rejects(sparse.evaluate(x, labels(good.map(() => 11))), /label 11 at index 0/);

  const categorical = new Sequential([new InputLayer({ shape: [4, 4] }), new Flatten(), new Dense(10, { activation: 'softmax' })]);
  categorical.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
  await assert.rejects(categorical.fit(x, labels(good), args), /per-sample shape \[\] but the model outputs \[10\].*toCategorical/);
  await assert.rejects(categorical.fit(x, toCategorical(good.map((v) => v % 9), 9), args), /per-sample shape \[9\] but the model outputs \[10\]/);
  const twos = new Tensor(toCategorical(good, 10).values.map((v) => v * 2), [n, 10]);
  await assert.rejects(categorical.fit(x, twos, args), /target 2 at index \d+ is not a probability in \[0, 1\]/);
  assert.equal(epochsStarted, 0, 'no epoch may start with bad labels');

  await sparse.fit(x, labels(good), args);
  assert.equal(epochsStarted, 1, 'good labels train');
});
