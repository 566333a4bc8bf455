import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../src/io/atomic-write.js';

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-atomic-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('writeFileAtomic creates and then replaces a file, leaving no temp files', () => {
  withTempDir((dir) => {
    const path = join(dir, 'model.json');
    writeFileAtomic(path, '{"a":1}');
    assert.equal(readFileSync(path, 'utf8'), '{"a":1}');
    writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    assert.deepEqual(readdirSync(dir), ['model.json']);
  });
});

test('writeFileAtomic names the path when the directory is missing, and keeps the old file on failure', () => {
  withTempDir((dir) => {
    assert.throws(() => writeFileAtomic(join(dir, 'nope', 'x.bin'), 'x'), /cannot write .*x\.bin: directory .*nope does not exist/);
    // A directory sitting at the target path makes the final rename fail: old content stays, temp is removed.
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'keep.txt'), 'old');
    assert.throws(() => writeFileAtomic(join(dir, 'taken'), 'new'), /cannot write .*taken/);
    assert.equal(readFileSync(join(dir, 'taken', 'keep.txt'), 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['taken']);
  });
});

test('writeDirAtomic creates a directory with nested files', () => {
  withTempDir((dir) => {
    const target = join(dir, 'out', 'model');
    writeDirAtomic(target, { 'model.json': '{"layers":[]}', 'weights/w0.bin': Uint8Array.of(9, 8, 7) });
    assert.equal(readFileSync(join(target, 'model.json'), 'utf8'), '{"layers":[]}');
    assert.deepEqual([...readFileSync(join(target, 'weights', 'w0.bin'))], [9, 8, 7]);
    assert.deepEqual(readdirSync(join(dir, 'out')), ['model']);
  });
});

test('writeDirAtomic replaces the whole directory: stale files from the old version disappear', () => {
  withTempDir((dir) => {
    const target = join(dir, 'model');
    writeDirAtomic(target, { 'a.txt': 'one', 'stale.bin': 'x' });
    writeDirAtomic(target + '/', { 'a.txt': 'two' });
    assert.deepEqual(readdirSync(target), ['a.txt']);
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'two');
    assert.deepEqual(readdirSync(dir), ['model'], 'no temp or old directories are left behind');
  });
});

test('writeDirAtomic failing while writing leaves the previous directory untouched and cleans up', () => {
  withTempDir((dir) => {
    const target = join(dir, 'model');
    writeDirAtomic(target, { 'a.txt': 'old' });
    const notBytes = { length: 3 } as unknown as Uint8Array; // makes the file write throw midway
    assert.throws(() => writeDirAtomic(target, { 'b.txt': 'fine', 'c.bin': notBytes }), /cannot write directory .*model/);
    assert.deepEqual(readdirSync(target), ['a.txt']);
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['model']);
  });
});

test('writeDirAtomic rejects names that escape the directory and a file at the target', () => {
  withTempDir((dir) => {
    const target = join(dir, 'model');
    for (const bad of ['../evil.txt', '/abs.txt', 'a/../../b', '']) {
      assert.throws(() => writeDirAtomic(target, { [bad]: 'x' }), /must be a relative path inside it/, JSON.stringify(bad));
    }
    assert.equal(existsSync(target), false);
    writeFileSync(join(dir, 'file'), 'x');
    assert.throws(() => writeDirAtomic(join(dir, 'file'), { 'a.txt': 'x' }), /a file \(not a directory\) already exists/);
  });
});
