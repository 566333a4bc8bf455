/**
 * IDX file format (the format MNIST ships in), pure TypeScript, no Node imports.
 *
 * Layout: bytes 0-1 are zero, byte 2 is the element type code, byte 3 the number of
 * dimensions; then one big-endian uint32 per dimension; then the elements, big-endian,
 * row-major. See http://yann.lecun.com/exdb/mnist/ ("THE IDX FILE FORMAT").
 */

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  data: IdxData;
}

/** Optional decompressor for gzip'd IDX files (e.g. `zlib.gunzipSync` from a Node caller). */
export type Inflate = (gz: Uint8Array) => Uint8Array;

export interface ParseIdxOptions {
  /** When given, gzip'd input is decompressed with it instead of rejected. */
  inflate?: Inflate;
}

const CODE_TO_DTYPE: ReadonlyMap<number, IdxDType> = new Map<number, IdxDType>([
  [0x08, 'uint8'],
  [0x09, 'int8'],
  [0x0b, 'int16'],
  [0x0c, 'int32'],
  [0x0d, 'float32'],
  [0x0e, 'float64'],
]);

const DTYPE_TO_CODE: Readonly<Record<IdxDType, number>> = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
};

const BYTES_PER_ELEMENT: Readonly<Record<IdxDType, number>> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
};

/** Refuse files claiming more elements than this: a corrupt header, not a real data set. */
const MAX_ELEMENTS = 2 ** 31 - 1;

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an IDX file. `name` (usually the file path) appears in every error message.
 * Throws on anything that is not a complete, well-formed IDX file.
 * For uint8/int8 the returned data is a view sharing memory with `bytes` (copy it if you
 * will modify either); wider types are decoded into new arrays.
 */
export function parseIdx(bytes: Uint8Array, name: string, options: ParseIdxOptions = {}): IdxArray {
  if (isGzip(bytes)) {
    if (options.inflate === undefined) {
      throw new Error(
        `${name}: this is a gzip-compressed file (starts with 1f 8b), not a raw IDX file; ` +
          `decompress it first (e.g. \`gunzip ${name}\`) or pass an inflate function`,
      );
    }
    let inflated: Uint8Array;
    try {
      inflated = options.inflate(bytes);
    } catch (e) {
      // zlib's messages ("unexpected end of file") do not say which file; this does.
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`${name}: cannot decompress this gzip file (${why}); it is probably truncated or damaged, download it again`);
    }
    if (isGzip(inflated)) throw new Error(`${name}: still gzip-compressed after inflating once`);
    return parseIdx(inflated, name);
  }
  if (bytes.length < 4) {
    throw new Error(`${name}: too short for an IDX header (${bytes.length} bytes, need at least 4)`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${name}: bad magic number (first bytes ${hex}; an IDX file starts with 00 00)`);
  }
  const code = bytes[2]!;
  const dtype = CODE_TO_DTYPE.get(code);
  if (dtype === undefined) {
    throw new Error(
      `${name}: unknown IDX element type code 0x${code.toString(16).padStart(2, '0')} ` +
        `(expected one of 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`,
    );
  }
  const ndims = bytes[3]!;
  if (ndims === 0) throw new Error(`${name}: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new Error(
      `${name}: too short for an IDX header with ${ndims} dimensions ` +
        `(need ${headerBytes} bytes, got ${bytes.length})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let size = 1;
  for (let d = 0; d < ndims; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    if (dim === 0) throw new Error(`${name}: dimension ${d} is 0 (shape [${[...shape, dim].join(', ')}...])`);
    size *= dim;
    if (size > MAX_ELEMENTS) {
      throw new Error(`${name}: absurd shape (more than ${MAX_ELEMENTS} elements after dimension ${d}); corrupt header?`);
    }
    shape.push(dim);
  }
  const elementBytes = BYTES_PER_ELEMENT[dtype];
  const expected = headerBytes + size * elementBytes;
  if (bytes.length < expected) {
    throw new Error(
      `${name}: payload truncated: shape [${shape.join(', ')}] of ${dtype}: expected ${expected} bytes in the file, ` +
        `got ${bytes.length}`,
    );
  }
  if (bytes.length > expected) {
    throw new Error(
      `${name}: ${bytes.length - expected} trailing bytes after the payload ` +
        `(shape [${shape.join(', ')}] of ${dtype}: expected ${expected} bytes in the file, got ${bytes.length})`,
    );
  }
  return { dtype, shape, data: decodePayload(view, headerBytes, size, dtype) };
}

function decodePayload(view: DataView, offset: number, size: number, dtype: IdxDType): IdxData {
  const start = view.byteOffset + offset;
  switch (dtype) {
    // One-byte types need no byte swapping: return a view on the input (no 47 MB copy for MNIST).
    case 'uint8':
      return new Uint8Array(view.buffer, start, size);
    case 'int8':
      return new Int8Array(view.buffer, start, size);
    case 'int16': {
      const out = new Int16Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(size);
      for (let i = 0; i < size; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Encodes an array as an IDX file (big-endian). Used by tests and for writing small fixtures. */
export function encodeIdx(array: { dtype: IdxDType; shape: readonly number[]; data: ArrayLike<number> }): Uint8Array {
  const { dtype, shape, data } = array;
  if (shape.length === 0 || shape.length > 255) {
    throw new Error(`encodeIdx: need 1..255 dimensions, got ${shape.length}`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new Error(`encodeIdx: shape [${shape.join(', ')}] has ${size} elements but data has ${data.length}`);
  }
  const headerBytes = 4 + 4 * shape.length;
  const elementBytes = BYTES_PER_ELEMENT[dtype];
  const out = new Uint8Array(headerBytes + size * elementBytes);
  const view = new DataView(out.buffer);
  out[2] = DTYPE_TO_CODE[dtype];
  out[3] = shape.length;
  shape.forEach((dim, d) => view.setUint32(4 + 4 * d, dim, false));
  for (let i = 0; i < size; i++) {
    const value = data[i]!;
    const at = headerBytes + i * elementBytes;
    switch (dtype) {
      case 'uint8': view.setUint8(at, value); break;
      case 'int8': view.setInt8(at, value); break;
      case 'int16': view.setInt16(at, value, false); break;
      case 'int32': view.setInt32(at, value, false); break;
      case 'float32': view.setFloat32(at, value, false); break;
      case 'float64': view.setFloat64(at, value, false); break;
    }
  }
  return out;
}
