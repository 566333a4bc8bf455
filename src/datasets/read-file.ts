/**
 * Reading whole input files with a size cap. A hostile or mistaken path (/dev/zero, a FIFO,
 * a 40 GB file named like a CSV) must fail with a clear error, not grow memory without
 * bound: the cap is checked against the file's size up front when it has one, and enforced
 * while reading for devices and pipes, whose size says nothing.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Caps on whole-file reads (here, below io in the layers, so data set loaders use it too). Pictures and model configs are small; CSVs may be large. */
export const READ_LIMITS = {
  /** model.json: the architecture and manifest (Normalization means may make it a few MB). */
  modelJson: 64 * 1024 * 1024,
  /** A picture file (PNG, PGM/PPM) given to predict. */
  picture: 64 * 1024 * 1024,
  /** A CSV table read into memory whole (parsed, it takes several times its size). */
  csv: 256 * 1024 * 1024,
  /** The optimizer state saved beside a model (Adam keeps two values per weight). */
  optimizerState: 16 * 1024 * 1024 * 1024,
  /** A compressed IDX file (MNIST-like): the images of Fashion-MNIST are 26 MB. */
  idx: 256 * 1024 * 1024,
  /** An IDX file once decompressed (Fashion-MNIST's training images are 47 MB). */
  idxInflated: 512 * 1024 * 1024,
} as const;

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} bytes`;
}

/** Turns an fs error into a message that says what went wrong with which path (never "invalid JSON"). */
export function describeReadError(path: string, e: unknown, what = 'file'): Error {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT' ? 'no such file'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied (EACCES): check the file\'s read permission'
        : code === 'EISDIR' ? 'it is a directory, not a file'
          : code === 'ELOOP' ? 'too many symbolic links'
            : e instanceof Error ? e.message : String(e);
  return new Error(`cannot read ${what} ${path}: ${reason}`);
}

/**
 * Reads a whole file into memory, refusing anything larger than `maxBytes` (checked from the
 * file size before reading, and while reading for devices and pipes).
 */
export function readFileCapped(path: string, maxBytes: number, what = 'file', options: { text?: boolean } = {}): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw describeReadError(path, e, what);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new Error(`cannot read ${what} ${path}: it is a directory, not a file`);
    if (st.isFile() && st.size > maxBytes) {
      throw new Error(`cannot read ${what} ${path}: it has ${formatBytes(st.size)}, more than the ${formatBytes(maxBytes)} this reader accepts`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const chunkSize = st.isFile() ? Math.max(1, Math.min(st.size + 1, 1 << 24)) : 1 << 16;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(chunkSize, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        throw describeReadError(path, e, what);
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes) {
        throw new Error(`cannot read ${what} ${path}: it is larger than the ${formatBytes(maxBytes)} this reader accepts (a device or pipe that never ends?)`);
      }
      const got = n === chunk.length ? chunk : chunk.subarray(0, n);
      // Text (CSV, JSON) never holds NUL bytes: stop at the first one instead of reading on (e.g. /dev/zero).
      const nul = options.text ? got.indexOf(0) : -1;
      if (nul >= 0) throw new Error(`cannot read ${what} ${path}: it holds binary data (a zero byte at offset ${total - n + nul}), not text`);
      chunks.push(got);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
