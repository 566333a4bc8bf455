/**
 * dataset.cache(filename) in Node: the first complete pass is written to
 * `filename` (via a temporary file renamed at the end, so an interrupted pass
 * leaves no half cache); later passes — and later runs — read it back.
 * Record format: u32 header length, JSON header (the element's structure with
 * {dtype, shape} at tensor leaves), then the leaves' raw little-endian data.
 */
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Tensor } from '../tensor/tensor.js';
import { allocate, type DType } from '../tensor/dtype.js';
import { registerCacheFileStore, type CacheStore, type ElementIterator } from '../data/dataset/index.js';

type Header = number | { dtype: DType; shape: number[] } | Header[] | { obj: { [k: string]: Header } };

function headerOf(e: unknown, leaves: Tensor[]): Header {
  if (typeof e === 'number') return e;
  if (e instanceof Tensor) {
    leaves.push(e);
    return { dtype: e.dtype, shape: [...e.shape] };
  }
  if (Array.isArray(e)) return e.map((x) => headerOf(x, leaves));
  if (typeof e === 'object' && e !== null) return { obj: Object.fromEntries(Object.entries(e).map(([k, v]) => [k, headerOf(v, leaves)])) };
  throw new Error(`dataset cache: cannot store ${typeof e} values (only tensors and numbers in arrays and objects)`);
}

function rebuild(h: Header, next: (dtype: DType, shape: number[]) => Tensor): unknown {
  if (typeof h === 'number') return h;
  if (Array.isArray(h)) return h.map((x) => rebuild(x, next));
  if ('obj' in h) return Object.fromEntries(Object.entries(h.obj).map(([k, v]) => [k, rebuild(v, next)]));
  const t = h as { dtype: DType; shape: number[] };
  return next(t.dtype, t.shape);
}

function readExactly(fd: number, n: number, path: string): Buffer {
  const buf = Buffer.allocUnsafe(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, null);
    if (r === 0) throw new Error(`dataset cache ${path} is truncated; delete it to rebuild the cache`);
    got += r;
  }
  return buf;
}

export function fileStore(path: string): CacheStore {
  return {
    read: (): ElementIterator<unknown> | null => {
      if (!existsSync(path)) return null;
      let fd: number | null = openSync(path, 'r');
      const close = (): void => {
        if (fd !== null) closeSync(fd);
        fd = null;
      };
      return {
        next: () => {
          if (fd === null) return { done: true, value: undefined };
          const lenBuf = Buffer.allocUnsafe(4);
          if (readSync(fd, lenBuf, 0, 4, null) === 0) {
            close();
            return { done: true, value: undefined };
          }
          const header = JSON.parse(readExactly(fd, lenBuf.readUInt32LE(0), path).toString('utf8')) as Header;
          const value = rebuild(header, (dtype, shape) => {
            const data = allocate(dtype, shape.reduce((a, b) => a * b, 1));
            const bytes = readExactly(fd!, data.byteLength, path);
            new Uint8Array(data.buffer).set(bytes);
            return new Tensor(data, shape);
          });
          return { done: false, value };
        },
        return: close,
      };
    },
    write: () => {
      const tmp = `${path}.partial-${process.pid}`;
      let fd: number | null = openSync(tmp, 'w');
      return {
        append: (e) => {
          const leaves: Tensor[] = [];
          const header = Buffer.from(JSON.stringify(headerOf(e, leaves)), 'utf8');
          const len = Buffer.allocUnsafe(4);
          len.writeUInt32LE(header.length, 0);
          writeSync(fd!, len);
          writeSync(fd!, header);
          for (const t of leaves) writeSync(fd!, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
        },
        finish: () => {
          if (fd === null) return;
          closeSync(fd);
          fd = null;
          renameSync(tmp, path);
        },
        abort: () => {
          if (fd === null) return;
          closeSync(fd);
          fd = null;
          rmSync(tmp, { force: true });
        },
      };
    },
  };
}

registerCacheFileStore(fileStore);
