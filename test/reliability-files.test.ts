/**
 * Regression tests for issue 14 (defect 2, and the file-naming errors of defect 9): hostile
 * pictures, CSVs and IDX files fail with a clear error in bounded memory and time. Peak memory
 * is measured in a child process (its maxRSS), so the runner's own memory does not count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createDeflate, gzipSync } from 'node:zlib';
import { crc32 } from '../src/io/png.js';
import { decodeNetpbm } from '../src/io/netpbm.js';
import { decodePng } from '../src/io/png.js';
import { parseIdx, encodeIdx } from '../src/datasets/idx.js';
import { gunzipSync } from 'node:zlib';
import { distSrc, measureInChild } from './child-measure.js';

function withDir<T>(body: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-files-'));
  return Promise.resolve().then(() => body(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
  return out;
}

/** A PNG whose rows are all zero, streamed through deflate (a 10000×10000 16-bit RGBA one is ~780 KB). */
async function zeroPng(width: number, height: number, bitDepth: number, colorType: number, interlace = 0): Promise<Buffer> {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType]!;
  const row = Buffer.alloc(1 + Math.ceil((width * channels * bitDepth) / 8));
  const deflate = createDeflate({ level: 9, strategy: constants.Z_RLE });
  const parts: Buffer[] = [];
  deflate.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  for (let y = 0; y < height; y++) if (!deflate.write(row)) await new Promise((r) => deflate.once('drain', r));
  deflate.end();
  await done;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  ihdr[12] = interlace;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', new Uint8Array(0))]);
}

const pictureImports = `import { readDigitFile } from ${JSON.stringify(join(distSrc, 'io', 'image-file.js'))};`;

test('issue 14.2: the 780 KB 10000×10000 16-bit RGBA PNG bomb is refused from its header (peak < 250 MB, < 2 s)', async () => {
  await withDir(async (dir) => {
    const png = await zeroPng(10_000, 10_000, 16, 6);
    assert.ok(png.length < 1_000_000, `bomb is ${png.length} bytes`);
    writeFileSync(join(dir, 'bomb.png'), png);
    const r = measureInChild(pictureImports, `readDigitFile(${JSON.stringify(join(dir, 'bomb.png'))}, 'auto');`);
    assert.equal(r.kind, 'Error');
    assert.match(r.message, /bomb\.png: image of 10000×10000 is too large to decode \(limit 12 megapixels\)/);
    assert.ok(r.peakMB < 250, `peak ${r.peakMB.toFixed(0)} MB`);
    assert.ok(r.ms < 2000, `${r.ms.toFixed(0)} ms`);
  });
});

test('issue 14.2: decodePng refuses pictures whose decompressed data would exceed its limit, before inflating', () => {
  // Only the header matters: the limits are checked before the (here empty) data is inflated.
  const header = (w: number, h: number, depth: number, type: number, interlace: number): Buffer => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0);
    ihdr.writeUInt32BE(h, 4);
    ihdr[8] = depth;
    ihdr[9] = type;
    ihdr[12] = interlace;
    return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', Uint8Array.of(0)), chunk('IEND', new Uint8Array(0))]);
  };
  assert.throws(() => decodePng(header(10_000, 10_000, 16, 6, 1), 'x.png'), /x\.png: image of 10000×10000 is too large to decode \(limit 32 megapixels\)/);
  assert.throws(() => decodePng(header(10_000, 10_000, 8, 0, 0), 'g.png'), /too large to decode/);
  assert.throws(() => decodePng(header(5000, 5000, 16, 6, 0), 'w.png'), /w\.png: image of 5000×5000 at 16 bits × 4 channels needs 191 MiB decompressed, more than the 128 MiB limit/);
  assert.throws(() => decodePng(header(5000, 5000, 8, 0, 0), 'ok.png', { maxPixels: 1e6 }), /limit 1 megapixels/);
});

test('issue 14.2: PGM/PPM headers are capped like PNG: P5 100000 100000 gives a clear Error, not a RangeError', () => {
  const err = (() => {
    try {
      decodeNetpbm(Buffer.from('P5 100000 100000 255\n'), 'huge.pgm');
    } catch (e) {
      return e as Error;
    }
    return null;
  })();
  assert.ok(err);
  assert.equal(err.constructor, Error, `${err.constructor.name}: ${err.message}`);
  assert.match(err.message, /huge\.pgm: P5 image of 100000×100000 is too large to decode/);
  // ASCII files must hold at least one digit and one separator per sample: fail before allocating.
  assert.throws(() => decodeNetpbm(Buffer.from('P2 3000 3000 255\n1 2 3'), 'short.pgm'), /short\.pgm: truncated P2 image: 3000×3000 needs 9000000 samples/);
  // A number with a million digits is damage, not a size (and must not overflow the stack).
  assert.throws(() => decodeNetpbm(Buffer.from(`P5 ${'9'.repeat(1_000_000)} 1 255\n`), 'digits.pgm'), /digits\.pgm: damaged P5 image: the width at byte 3 is too large/);
  // A good picture still decodes, 16-bit and ASCII colour alike.
  const p6 = decodeNetpbm(Buffer.concat([Buffer.from('P6 1 1 65535\n'), Buffer.from([0xff, 0xff, 0, 0, 0x80, 0])]), 'ok.ppm');
  assert.deepEqual([...p6.data], [255, 0, 128, 255]);
  assert.deepEqual([...decodeNetpbm(Buffer.from('P3 1 1 255 10 20 30'), 'ok.ppm').data], [10, 20, 30, 255]);
});

test('issue 14.2: /dev/zero given as a picture or a CSV fails at a cap instead of growing memory (peak < 250 MB)', { skip: process.platform === 'win32' }, async () => {
  await withDir(async (dir) => {
    symlinkSync('/dev/zero', join(dir, 'zero.png'));
    symlinkSync('/dev/zero', join(dir, 'zero.csv'));
    let r = measureInChild(pictureImports, `readDigitFile(${JSON.stringify(join(dir, 'zero.png'))}, 'auto');`);
    assert.equal(r.kind, 'Error');
    assert.match(r.message, /cannot read picture .*zero\.png: it is larger than the 64 MiB/);
    assert.ok(r.peakMB < 250, `picture: peak ${r.peakMB.toFixed(0)} MB`);
    r = measureInChild(`import { loadTable } from ${JSON.stringify(join(distSrc, 'datasets', 'tabular-node.js'))};`, `loadTable(${JSON.stringify(join(dir, 'zero.csv'))});`);
    assert.equal(r.kind, 'Error');
    assert.match(r.message, /cannot read CSV file .*zero\.csv: it holds binary data \(a zero byte at offset 0\), not text/);
    assert.ok(r.peakMB < 250, `CSV: peak ${r.peakMB.toFixed(0)} MB`);
  });
});

test('issue 14.9: a truncated gzip IDX file names the file', () => {
  const gz = gzipSync(encodeIdx({ dtype: 'uint8', shape: [100], data: new Uint8Array(100).fill(7) }));
  assert.throws(() => parseIdx(gz.subarray(0, gz.length - 12), 'train-labels-idx1-ubyte.gz', { inflate: (b) => gunzipSync(b) }),
    /train-labels-idx1-ubyte\.gz: cannot decompress this gzip file \(unexpected end of file\); it is probably truncated/);
});
