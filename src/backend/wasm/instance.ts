/**
 * One instance of the compiled kernels plus the scratch arena its calls use.
 *
 * Tensors live in JS Float32Arrays; a kernel call copies its inputs into linear memory,
 * runs, and copies the result out. The arena is a bump allocator above __heap_base (and
 * above the blocks compiled plans reserve) that is reset at the start of every call, so
 * memory only grows to the largest single call's need and is then reused (no per-call
 * growth, no free lists).
 */

/** Elements per pass of the elementwise kernels through linear memory (4 MiB per buffer). */
export const ELEMENTWISE_CHUNK = 1 << 20;

/** Exports of wasm/src/kernels.cc (op codes: indices in the op table, src/backend/ops.ts); pointers are byte offsets into linear memory, 0 means null. */
export interface WasmKernelExports {
  readonly __heap_base: WebAssembly.Global;
  sgemm(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number, accumulate: number): void;
  unary(op: number, x: number, out: number, n: number, alpha: number): void;
  unary_backward(op: number, x: number, y: number, dy: number, out: number, n: number, alpha: number): void;
  bias_act(x: number, bias: number, op: number, alpha: number, out: number, rows: number, cols: number): void;
  bias_act_backward(y: number, dy: number, op: number, alpha: number, dz: number, dbias: number, rows: number, cols: number): void;
  binary(op: number, a: number, aRowStep: number, aColStep: number, b: number, bRowStep: number, bColStep: number, out: number, rows: number, cols: number): void;
  reduce(op: number, x: number, outer: number, mid: number, inner: number, out: number): void;
  conv2d(x: number, w: number, out: number, geometry: number, col: number, colFloats: number): void;
  conv2d_backprop_input(dy: number, w: number, dx: number, geometry: number, col: number, colFloats: number): void;
  conv2d_backprop_filter(x: number, dy: number, dw: number, geometry: number, col: number, colFloats: number): void;
  pool2d(op: number, x: number, out: number, geometry: number): void;
  pool2d_backward(op: number, x: number, y: number, dy: number, dx: number, geometry: number): void;
  bias_act_pool(act: number, z: number, bias: number, out: number, argmax: number, geometry: number): void;
  bias_act_pool_backward(act: number, y: number, dy: number, argmax: number, dz: number, dbias: number, geometry: number): void;
  conv_bias_act_pool(act: number, x: number, w: number, bias: number, out: number, argmax: number, geometry: number, poolH: number, poolW: number): void;
  conv_bias_act_pool_filter(act: number, x: number, y: number, dy: number, argmax: number, dw: number, dbias: number, geometry: number, poolH: number, poolW: number): void;
  /** h: hLen floats, or (hLive non-zero) hLen doubles read when the update runs (a recorded plan's update). */
  optimizer_step(rule: number, w: number, g: number, s0: number, s1: number, s2: number, h: number, hLive: number, hLen: number, n: number): void;
  softmax(x: number, out: number, rows: number, cols: number, log: number): void;
  pointwise_loss(op: number, p: number, t: number, sum: number, grad: number, n: number, scale: number): void;
  batch_norm_stats(x: number, mean: number, variance: number, rows: number, cols: number): void;
  batch_norm(x: number, gamma: number, beta: number, mean: number, variance: number, y: number, rows: number, cols: number, epsilon: number): void;
  batch_norm_backward(dy: number, x: number, gamma: number, mean: number, variance: number, dx: number, dgamma: number, dbeta: number,
    rows: number, cols: number, epsilon: number, training: number): void;
  fill(x: number, n: number, value: number): void;
  /** Dropout of n elements, stream elements base .. base + n − 1, key: 2 int32 words (read when the op runs). */
  dropout(x: number, out: number, n: number, base: number, key: number, rate: number): void;
  /** Plans (native/plan.inc, src/backend/wasm/plan.ts): the size of one recorded op, recording into a block of ops, replay. */
  plan_op_bytes(): number;
  plan_begin(ops: number, capacity: number): void;
  plan_length(): number;
  plan_end(): number;
  plan_run(ops: number, count: number): void;
  /** Threaded build only: threads a replayed plan's GEMMs use, and whether the calling thread may block (Atomics.wait). */
  plan_threads?(threads: number, canBlock: number): void;
  /** Whether plans recorded afterwards run the output layer's loss pass in its GEMM's epilogue (two threads; A/B measurements). */
  plan_fuse_gemm_loss(on: number): void;
}

const PAGE_BYTES = 65536;
const ALIGN_BYTES = 64;

export class WasmArena {
  readonly exports: WasmKernelExports;
  readonly memory: WebAssembly.Memory;
  /** Where each call's scratch starts: above __heap_base and every reserved block. */
  private base: number;
  private top: number;
  private view: Float32Array;
  private readonly heapBase: number;
  /** Blocks reserved for compiled plans (reserve/release), by address; free ones are reused first. */
  private readonly blocks: { ptr: number; bytes: number; free: boolean }[] = [];

  constructor(exports: WasmKernelExports, memory: WebAssembly.Memory) {
    this.exports = exports;
    this.memory = memory;
    this.heapBase = align(Number(exports.__heap_base.value));
    this.base = this.heapBase;
    this.top = this.base;
    this.view = new Float32Array(memory.buffer);
  }

  /** Grows linear memory to at least `bytes`. */
  private ensure(bytes: number, what: string): void {
    const memory = this.memory;
    if (bytes > memory.buffer.byteLength) {
      const pages = Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES);
      try {
        memory.grow(pages);
      } catch (e) {
        throw new Error(`wasm backend: cannot grow linear memory to ${(bytes / 2 ** 20).toFixed(0)} MiB for ${what} (${String(e)})`);
      }
    }
    // grow() detaches a non-shared memory's old buffer (and a shared one's old view keeps its old length).
    if (this.view.buffer !== memory.buffer) this.view = new Float32Array(memory.buffer);
  }

  /**
   * Starts a call that needs room for buffers of the given float counts. Grows memory
   * once, up front, if the call needs more than any call before it.
   */
  begin(...floatCounts: number[]): void {
    let bytes = 0;
    for (const n of floatCounts) bytes += paddedBytes(n);
    this.ensure(this.base + bytes, 'this kernel call');
    this.top = this.base;
  }

  /**
   * Reserves `bytes` of linear memory that stay at their address until release(): the buffers
   * of a compiled plan (src/backend/wasm/plan.ts). Kernel calls' scratch moves above them.
   */
  reserve(bytes: number): number {
    const size = align(bytes);
    const fit = this.blocks.find((b) => b.free && b.bytes >= size);
    if (fit) {
      if (fit.bytes - size >= PAGE_BYTES) {
        this.blocks.splice(this.blocks.indexOf(fit) + 1, 0, { ptr: fit.ptr + size, bytes: fit.bytes - size, free: true });
        fit.bytes = size;
      }
      fit.free = false;
      return fit.ptr;
    }
    const last = this.blocks[this.blocks.length - 1];
    const ptr = last ? last.ptr + last.bytes : this.heapBase;
    this.ensure(ptr + size, 'a compiled step');
    this.blocks.push({ ptr, bytes: size, free: false });
    this.base = ptr + size;
    this.top = this.base;
    return ptr;
  }

  /** Returns a block from reserve(); free blocks at the top give their memory back to the scratch. */
  release(ptr: number): void {
    const i = this.blocks.findIndex((b) => b.ptr === ptr && !b.free);
    if (i < 0) return;
    this.blocks[i]!.free = true;
    for (let j = this.blocks.length - 1; j > 0; j--) {
      const a = this.blocks[j - 1]!, b = this.blocks[j]!;
      if (a.free && b.free) {
        a.bytes += b.bytes;
        this.blocks.splice(j, 1);
      }
    }
    while (this.blocks.length > 0 && this.blocks[this.blocks.length - 1]!.free) this.blocks.pop();
    const last = this.blocks[this.blocks.length - 1];
    this.base = last ? last.ptr + last.bytes : this.heapBase;
    this.top = this.base;
  }

  /** Bytes held by reserved blocks (for tests). */
  reservedBytes(): number {
    return this.blocks.reduce((s, b) => s + (b.free ? 0 : b.bytes), 0);
  }

  /** The bytes of linear memory, as a view current after any grow(). */
  bytes(): Uint8Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return new Uint8Array(this.view.buffer);
  }

  /** Reserves n floats (plus at least 4 floats of padding that kernels may overrun into); returns the byte offset. */
  alloc(n: number): number {
    const ptr = this.top;
    this.top += paddedBytes(n);
    if (this.top > this.view.byteLength) throw new Error('wasm backend: arena overflow (begin() was given too few buffers)');
    return ptr;
  }

  /** Copies src (its first n values) into a fresh buffer. */
  put(src: Float32Array, n: number): number {
    if (src.length < n) throw new Error(`wasm backend: input has ${src.length} values, the kernel needs ${n}`);
    const ptr = this.alloc(n);
    this.view.set(n === src.length ? src : src.subarray(0, n), ptr >>> 2);
    return ptr;
  }

  /** Writes integers as int32 at ptr (a buffer from alloc or reserve). */
  putInt32(values: readonly number[], ptr: number): void {
    new Int32Array(this.bytes().buffer, ptr, values.length).set(values);
  }

  /** Copies n floats from linear memory at ptr into dst. */
  get(ptr: number, dst: Float32Array, n: number): void {
    if (dst.length < n) throw new Error(`wasm backend: output has ${dst.length} values, the kernel writes ${n}`);
    dst.set(this.view.subarray(ptr >>> 2, (ptr >>> 2) + n));
  }

  memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN_BYTES) * ALIGN_BYTES;
}

function paddedBytes(nFloats: number): number {
  return align((nFloats + 4) * 4);
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const bytes = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * Where a module's bytes come from: base64 embedded in the bundle (the default: no file
 * access or fetch needed), or the URL of a .wasm file, compiled while it downloads.
 */
export type WasmModuleSource = { base64: string } | { url: string | URL };

async function compile(source: WasmModuleSource): Promise<WebAssembly.Module> {
  if (typeof WebAssembly === 'undefined') throw new Error('this JavaScript runtime has no WebAssembly');
  if ('url' in source) return compileFromUrl(source.url);
  try {
    return await WebAssembly.compile(decodeBase64(source.base64));
  } catch (e) {
    throw new Error(`this runtime cannot compile WebAssembly SIMD128 (${e instanceof Error ? e.message : String(e)})`);
  }
}

async function compileFromUrl(url: string | URL): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load the WASM kernels from ${String(url)}: HTTP ${response.status}`);
  const streams = response.headers.get('content-type')?.startsWith('application/wasm') === true;
  try {
    // compileStreaming needs the application/wasm type; otherwise compile the downloaded bytes.
    return streams ? await WebAssembly.compileStreaming(response) : await WebAssembly.compile(await response.arrayBuffer());
  } catch (e) {
    throw new Error(`this runtime cannot compile the WASM kernels from ${String(url)} (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * The clock a profiling build imports (`PROFILE=-DDEEPTS_PROFILE sh wasm/build.sh`, read by
 * bench/chromium-trace.ts): ms on one epoch for every thread. The committed builds import nothing
 * but memory, and an unused import is ignored.
 */
const profileClock = (): number => performance.timeOrigin + performance.now();

/** Compiles and instantiates the single-threaded module; throws if the runtime lacks WebAssembly SIMD128. */
export async function instantiateKernels(source: WasmModuleSource): Promise<WasmArena> {
  const module = await compile(source);
  const instance = await WebAssembly.instantiate(module, { env: { now: profileClock } });
  // A plain copy: the instance's own exports object is frozen, and the bench times plan_run by wrapping it.
  const exports = { ...instance.exports } as unknown as WasmKernelExports & { memory: WebAssembly.Memory };
  return new WasmArena(exports, exports.memory);
}

export interface ThreadedKernels {
  arena: WasmArena;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

/** The threaded build on a new shared memory; throws where SharedArrayBuffer / shared wasm memory is unavailable. */
export async function instantiateThreadedKernels(source: WasmModuleSource, initialPages: number, maxPages: number): Promise<ThreadedKernels> {
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('SharedArrayBuffer is not available (in browsers the page must be crossOriginIsolated)');
  const module = await compile(source);
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: maxPages, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory, now: profileClock } });
  return { arena: new WasmArena({ ...instance.exports } as unknown as WasmKernelExports, memory), module, memory };
}
