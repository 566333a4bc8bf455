/**
 * Loads the native backend: an N-API addon (native/*.cc, built by scripts/install.mjs) whose
 * kernels work zero-copy on the tensors' Float32Array memory, with AVX-512 / AVX2+FMA /
 * generic kernels chosen at run time and a persistent thread pool.
 *
 * Environment: DEEPTS_BACKEND (another name than 'native' skips loading), DEEPTS_NATIVE_ISA=
 * avx512|avx2|generic (force a kernel set; 'scalar' is accepted for generic: portable code on 128-bit
 * compiler vectors, SSE2 on x86-64 / NEON on arm64), DEEPTS_NUM_THREADS (pool size, default: all cores).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Shape } from '../../tensor/shape.js';
import { broadcastStrides, jsKernels } from '../js/kernels.js';
import type { BinaryOp, F32, KernelName, Kernels, PoolOp, ReduceOp, UnaryOp } from '../kernels.js';
import { conv2dGeometryFields } from '../conv-geometry.js';
import { OUTPUT_DIFFERENTIABLE } from '../kernels.js';
import type { Backend } from '../registry.js';
import { compileNativeTrace, planAddon } from './plan.js';
import { checkDropout } from '../js/dropout.js';

/** The addon's exports (native/addon.cc). Op arguments are codes: indices into the name lists. */
/** The addon calling convention this code speaks (kAbiVersion in native/addon.cc). */
export const NATIVE_ABI_VERSION = 3;

export interface NativeAddon {
  /** kAbiVersion of the build (absent from builds older than ABI 2). */
  abiVersion?(): number;
  matmul(a: F32, b: F32, out: F32, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void;
  unary(op: number, x: F32, out: F32, alpha: number): void;
  unaryBackward(op: number, x: F32, y: F32, dy: F32, out: F32, alpha: number): void;
  binary(op: number, a: F32, aStrides: readonly number[], b: F32, bStrides: readonly number[], out: F32, outShape: Shape): void;
  reduce(op: number, x: F32, out: F32, outer: number, red: number, inner: number): void;
  gather(x: F32, out: F32, indices: Int32Array, outer: number, dim: number, inner: number): void;
  slice(x: F32, out: F32, shape: Shape, begin: readonly number[], size: readonly number[]): void;
  biasAct(x: F32, bias: F32 | null, act: number, alpha: number, out: F32, rows: number, cols: number): void;
  biasActBackward(y: F32, dy: F32, act: number, alpha: number, dz: F32, dbias: F32 | null, rows: number, cols: number): void;
  softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void;
  batchNormStats(x: F32, mean: F32, variance: F32, rows: number, cols: number): void;
  batchNorm(x: F32, gamma: F32 | null, beta: F32 | null, mean: F32, variance: F32, y: F32, rows: number, cols: number, epsilon: number): void;
  batchNormBackward(dy: F32, x: F32, gamma: F32 | null, mean: F32, variance: F32, dx: F32 | null, dgamma: F32 | null, dbeta: F32 | null,
    rows: number, cols: number, epsilon: number, training: boolean): void;
  optimizerStep(rule: number, w: F32, g: F32, slots: readonly F32[], h: ArrayLike<number>): void;
  /** Dropout from the Philox stream (absent from addons built before it existed). */
  dropout?(x: F32, key: Int32Array, rate: number, out: F32): void;
  /** The fused loss (absent from addons built before it existed). */
  pointwiseLoss?(op: number, pred: F32, target: F32, sum: F32, grad: F32 | null, scale: number): void;
  readonly lossOps?: readonly string[];
  /** Convolutions and pooling; `geometry` is conv2dGeometryFields(g). Absent from addons built before they existed. */
  conv2d?(x: F32, w: F32, out: F32, geometry: readonly number[]): void;
  conv2dBackpropInput?(dy: F32, w: F32, dx: F32, geometry: readonly number[]): void;
  conv2dBackpropFilter?(x: F32, dy: F32, dw: F32, geometry: readonly number[]): void;
  pool2d?(op: number, x: F32, out: F32, geometry: readonly number[]): void;
  pool2dBackward?(op: number, x: F32, y: F32, dy: F32, dx: F32, geometry: readonly number[]): void;
  biasActPool?(act: number, z: F32, bias: F32 | null, out: F32, argmax: F32, geometry: readonly number[]): void;
  biasActPoolBackward?(act: number, y: F32, dy: F32, argmax: F32, dz: F32, dbias: F32 | null, geometry: readonly number[]): void;
  conv2dBiasActPool?(act: number, x: F32, w: F32, bias: F32 | null, out: F32, argmax: F32, geometry: readonly number[], poolH: number, poolW: number): void;
  conv2dBiasActPoolBackpropFilter?(act: number, x: F32, y: F32, dy: F32, argmax: F32, dw: F32, dbias: F32 | null, geometry: readonly number[], poolH: number, poolW: number): void;
  readonly poolOps?: readonly string[];
  /** Recorded plans (compiled training steps, ./plan.ts); absent from addons built before them. */
  beginPlan?(): void;
  planLength?(): number;
  endPlan?(): unknown;
  runPlan?(plan: unknown): void;
  fill?(x: F32, value: number): void;
  /** madvise(MADV_HUGEPAGE) on a buffer's 2 MiB-aligned interior; bytes advised (absent from older addons). */
  adviseHugePages?(a: ArrayBufferView): number;
  info(): { isa: string; lanes: number; microTile: string; threads: number; avx2: boolean; fma: boolean; avx512f: boolean; avx512vl: boolean; isaNote: string; threadNote?: string };
  supportedIsas(): string[];
  setIsa(name: string): boolean;
  /** Which 3×3 stride-1 convolution passes run on Winograd (native/conv-winograd.inc); absent from older addons. */
  setConvWinograd?(mode: ConvWinogradMode): void;
  setNumThreads(n: number): number;
  measureClockGHz(): number;
  measureFmaPeakGflops(): number;
  readonly unaryOps: readonly string[];
  readonly binaryOps: readonly string[];
  readonly reduceOps: readonly string[];
  readonly optimizerRules: readonly string[];
}

export interface NativeBackend extends Backend {
  /**
   * Kernels this backend deliberately takes from the reference backend: data movement that is
   * off the hot path of dense training (gather and slice, used for every batch, are native).
   */
  readonly fallbackKernels: readonly KernelName[];
  readonly addon: NativeAddon;
  readonly addonPath: string;
}

export const NATIVE_FALLBACK_KERNELS: readonly KernelName[] = ['argReduce', 'transpose', 'scatterAdd', 'concat'];
const CONV_KERNELS: readonly KernelName[] = ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'pool2d', 'pool2dBackward'];

let cached: NativeBackend | null | undefined;
let unavailableReason: string | null = null;

/** Where the addon lives (whether or not it was built). */
export function nativeAddonPath(): string {
  // Benchmarking knob: load another build of the addon (A/B comparisons of kernel changes).
  const override = process.env.DEEPTS_NATIVE_ADDON;
  if (override) return path.resolve(override);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'binding.gyp'))) return path.join(dir, 'build', 'Release', 'deepts_native.node');
    dir = path.dirname(dir);
  }
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../build/Release/deepts_native.node');
}

/** Why the native backend is not available (null when it loaded or was not asked for). */
export function nativeUnavailableReason(): string | null {
  return unavailableReason;
}

function codes(names: readonly string[]): Map<string, number> {
  return new Map(names.map((n, i) => [n, i]));
}

function product(shape: Shape, from: number, to: number): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i]!;
  return p;
}

/** The conv and pooling kernels, when the addon has them (a build from before they existed has not). */
function convKernels(addon: NativeAddon): Partial<Kernels> {
  const { conv2d, conv2dBackpropInput, conv2dBackpropFilter, pool2d, pool2dBackward, poolOps } = addon;
  if (!conv2d || !conv2dBackpropInput || !conv2dBackpropFilter || !pool2d || !pool2dBackward || !poolOps) return {};
  const poolCode = codes(poolOps);
  const code = (op: PoolOp): number => {
    const c = poolCode.get(op);
    if (c === undefined) throw new Error(`native addon: unknown pool op '${op}'`);
    return c;
  };
  return {
    conv2d: (x, w, out, g) => conv2d.call(addon, x, w, out, conv2dGeometryFields(g)),
    conv2dBackpropInput: (dy, w, dx, g) => conv2dBackpropInput.call(addon, dy, w, dx, conv2dGeometryFields(g)),
    conv2dBackpropFilter: (x, dy, dw, g) => conv2dBackpropFilter.call(addon, x, dy, dw, conv2dGeometryFields(g)),
    pool2d: (op, x, out, g) => pool2d.call(addon, code(op), x, out, conv2dGeometryFields(g)),
    pool2dBackward: (op, x, y, dy, dx, g) => pool2dBackward.call(addon, code(op), x, y, dy, dx, conv2dGeometryFields(g)),
  };
}

function makeKernels(addon: NativeAddon): Partial<Kernels> {
  const ref = jsKernels as Kernels;
  const unaryCode = codes(addon.unaryOps);
  const binaryCode = codes(addon.binaryOps);
  const reduceCode = codes(addon.reduceOps);
  const ruleCode = codes(addon.optimizerRules);
  return {
    matmul: (a, b, out, m, n, k, transA, transB, accumulate) => addon.matmul(a, b, out, m, n, k, transA, transB, accumulate),
    unary(op: UnaryOp, x, out, alpha) {
      const c = unaryCode.get(op);
      if (c === undefined) return ref.unary(op, x, out, alpha);
      addon.unary(c, x, out, alpha);
    },
    unaryBackward(op: UnaryOp, x, y, dy, out, alpha) {
      const c = unaryCode.get(op);
      if (c === undefined) return ref.unaryBackward(op, x, y, dy, out, alpha);
      addon.unaryBackward(c, x, y, dy, out, alpha);
    },
    binary(op: BinaryOp, a, aShape, b, bShape, out, outShape) {
      const c = binaryCode.get(op);
      if (c === undefined) return ref.binary(op, a, aShape, b, bShape, out, outShape);
      const n = out.length;
      if (a.length === n && b.length === n) return addon.binary(c, a, [1], b, [1], out, [n]);
      if (b.length === 1 && a.length === n) return addon.binary(c, a, [1], b, [0], out, [n]);
      if (a.length === 1 && b.length === n) return addon.binary(c, a, [0], b, [1], out, [n]);
      addon.binary(c, a, broadcastStrides(aShape, outShape), b, broadcastStrides(bShape, outShape), out, outShape);
    },
    reduce(op: ReduceOp, x, shape, axes, out) {
      const c = reduceCode.get(op);
      const first = axes[0]!;
      const last = axes[axes.length - 1]!;
      // Contiguous axes make x an outer × reduced × inner block; other patterns use the reference.
      if (c === undefined || axes.length === 0 || last - first !== axes.length - 1) return ref.reduce(op, x, shape, axes, out);
      addon.reduce(c, x, out, product(shape, 0, first), product(shape, first, last + 1), product(shape, last + 1, shape.length));
    },
    gather(x, shape, indices, axis, out) {
      addon.gather(x, out, indices, product(shape, 0, axis), shape[axis]!, product(shape, axis + 1, shape.length));
    },
    slice: (x, shape, begin, size, out) => addon.slice(x, out, shape, begin, size),
    biasAct(x, bias, act, alpha, out, rows, cols) {
      const c = unaryCode.get(act);
      if (c === undefined) return ref.biasAct(x, bias, act, alpha, out, rows, cols);
      addon.biasAct(x, bias, c, alpha, out, rows, cols);
    },
    biasActBackward(y, dy, act, alpha, dz, dbias, rows, cols) {
      const c = unaryCode.get(act);
      if (c === undefined || !OUTPUT_DIFFERENTIABLE.has(act)) return ref.biasActBackward(y, dy, act, alpha, dz, dbias, rows, cols);
      addon.biasActBackward(y, dy, c, alpha, dz, dbias, rows, cols);
    },
    softmax: (x, out, rows, cols, log) => addon.softmax(x, out, rows, cols, log),
    batchNormStats: (x, mean, variance, rows, cols) => addon.batchNormStats(x, mean, variance, rows, cols),
    batchNorm: (x, gamma, beta, mean, variance, y, rows, cols, epsilon) => addon.batchNorm(x, gamma, beta, mean, variance, y, rows, cols, epsilon),
    batchNormBackward: (dy, x, gamma, mean, variance, dx, dgamma, dbeta, rows, cols, epsilon, training) =>
      addon.batchNormBackward(dy, x, gamma, mean, variance, dx, dgamma, dbeta, rows, cols, epsilon, training),
    optimizerStep(rule, w, g, slots, h) {
      const c = ruleCode.get(rule);
      if (c === undefined) return ref.optimizerStep(rule, w, g, slots, h);
      addon.optimizerStep(c, w, g, slots, h);
    },
    ...convKernels(addon),
    ...lossKernel(addon),
    ...dropoutKernel(addon),
    ...biasPoolKernels(addon, unaryCode),
  };
}

/** The conv epilogue fused with max pooling, when the addon has it (the addon checks act and geometry). */
function biasPoolKernels(addon: NativeAddon, unaryCode: Map<string, number>): Partial<Kernels> {
  const { biasActPool, biasActPoolBackward, conv2dBiasActPool, conv2dBiasActPoolBackpropFilter } = addon;
  if (!biasActPool || !biasActPoolBackward || !conv2dBiasActPool || !conv2dBiasActPoolBackpropFilter) return {};
  const code = (act: UnaryOp): number => {
    const c = unaryCode.get(act);
    if (c === undefined) throw new Error(`native addon: unknown activation '${act}'`);
    return c;
  };
  return {
    biasActPool: (act, z, bias, out, argmax, g) => biasActPool.call(addon, code(act), z, bias, out, argmax, conv2dGeometryFields(g)),
    biasActPoolBackward: (act, y, dy, argmax, dz, dbias, g) =>
      biasActPoolBackward.call(addon, code(act), y, dy, argmax, dz, dbias, conv2dGeometryFields(g)),
    conv2dBiasActPool: (act, x, w, bias, out, argmax, g, poolH, poolW) =>
      conv2dBiasActPool.call(addon, code(act), x, w, bias, out, argmax, conv2dGeometryFields(g), poolH, poolW),
    conv2dBiasActPoolBackpropFilter: (act, x, y, dy, argmax, dw, dbias, g, poolH, poolW) =>
      conv2dBiasActPoolBackpropFilter.call(addon, code(act), x, y, dy, argmax, dw, dbias, conv2dGeometryFields(g), poolH, poolW),
  };
}

/** The dropout kernel, when the addon has it (the reference checks the arguments first: the same errors on every backend). */
function dropoutKernel(addon: NativeAddon): Partial<Kernels> {
  const { dropout } = addon;
  if (!dropout) return {};
  return {
    dropout(x, key, rate, out) {
      checkDropout(x, key, rate, out);
      dropout.call(addon, x, key, rate, out);
    },
  };
}

/** The fused loss kernel, when the addon has it. */
function lossKernel(addon: NativeAddon): Partial<Kernels> {
  const { pointwiseLoss, lossOps } = addon;
  if (!pointwiseLoss || !lossOps) return {};
  const lossCode = codes(lossOps);
  return {
    pointwiseLoss(op, pred, target, sum, grad, scale) {
      const c = lossCode.get(op);
      if (c === undefined) return (jsKernels as Kernels).pointwiseLoss(op, pred, target, sum, grad, scale);
      pointwiseLoss.call(addon, c, pred, target, sum, grad, scale);
    },
  };
}

/**
 * The native backend, or null when it is not built / cannot load / DEEPTS_BACKEND names another
 * backend. Never throws; `nativeUnavailableReason()` says why (the Node start-up,
 * src/backend/setup-node.ts, prints the one-line hint about `npx deepts build-native`).
 */
export function loadNativeBackend(): NativeBackend | null {
  if (cached !== undefined) return cached;
  cached = null;
  const wanted = process.env.DEEPTS_BACKEND;
  if (wanted && wanted !== 'native') return null;
  const addonPath = nativeAddonPath();
  try {
    if (!existsSync(addonPath)) {
      unavailableReason = `the native addon is not built (no ${addonPath}): npm did not run deepts' install script, or no C++ compiler was found`;
      return null;
    }
    const addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
    const abi = typeof addon.abiVersion === 'function' ? addon.abiVersion() : 1;
    if (abi !== NATIVE_ABI_VERSION) {
      unavailableReason = `the native addon ${addonPath} was built from ${abi < NATIVE_ABI_VERSION ? 'an older' : 'a newer'} deepts (calling convention ${abi}, this deepts speaks ${NATIVE_ABI_VERSION}): rebuild it with \`npx deepts build-native\``;
      return null;
    }
    const kernels = makeKernels(addon);
    const backend: NativeBackend = {
      name: 'native',
      priority: 20,
      kernels,
      compileTrace: planAddon(addon) ? (entries) => compileNativeTrace(planAddon(addon)!, entries) : undefined,
      fusesWideConvPool: kernels.conv2dBiasActPool !== undefined,
      fallbackKernels: [...NATIVE_FALLBACK_KERNELS, ...CONV_KERNELS.filter((n) => kernels[n] === undefined)],
      addon,
      addonPath,
      describe() {
        const i = addon.info();
        const facts: Record<string, string | number | boolean> = {
          kind: 'native N-API addon (SIMD kernels, thread pool)',
          isa: i.isa,
          lanes: i.lanes,
          gemmMicroTile: i.microTile,
          threads: i.threads,
          avx2: i.avx2,
          fma: i.fma,
          avx512f: i.avx512f,
          avx512vl: i.avx512vl,
          supportedIsas: addon.supportedIsas().join(','),
          addon: addonPath,
        };
        if (i.isaNote) facts.isaNote = i.isaNote;
        if (i.threadNote) facts.threadNote = i.threadNote;
        return facts;
      },
    };
    cached = backend;
    // One line when the thread pool runs with fewer threads than asked (a capped DEEPTS_NUM_THREADS,
    // or the OS refusing threads): training still works, only slower.
    const threadNote = addon.info().threadNote;
    if (threadNote) console.warn(`deepts: ${threadNote}`);
    return backend;
  } catch (e) {
    unavailableReason = `the native addon failed to load: ${e instanceof Error ? e.message : String(e)}`;
    return null;
  }
}

/** Sets the native thread pool size (n < 1: all cores); returns the size in effect, or 0 without the addon. */
export function setNativeThreads(n: number): number {
  const b = loadNativeBackend();
  return b ? b.addon.setNumThreads(Math.floor(n)) : 0;
}

/** Buffers smaller than this gain nothing from huge pages (few rows, few TLB misses). */
const HUGE_PAGES_MIN_BYTES = 8 << 20;

/**
 * Asks Linux for transparent huge pages behind a large buffer that was just allocated and is not
 * written yet (a training set about to be filled), when the native addon is loaded (it is not
 * loaded for that). Shuffled batches gather rows from all over such a buffer, and with 4 KiB pages
 * every row costs a page walk that misses the caches a training step just filled: the batch
 * gather of fit on MNIST took half as long with huge pages. Returns the bytes advised (0: nothing).
 */
export function adviseHugePages(a: Float32Array | Int32Array | Uint8Array): number {
  if (a.byteLength < HUGE_PAGES_MIN_BYTES || !cached) return 0;
  return cached.addon.adviseHugePages?.(a) ?? 0;
}

/** Switches the native kernels to an instruction set ('avx512' | 'avx2' | 'generic', alias 'scalar'); false if unsupported here. */
export function setNativeIsa(isa: string): boolean {
  const b = loadNativeBackend();
  return b ? b.addon.setIsa(isa) : false;
}

/** 'auto': the measured rule of native/conv-winograd.inc; 'never' / 'always': the implicit GEMM only, or Winograd wherever eligible. */
export type ConvWinogradMode = 'auto' | 'never' | 'always';

/**
 * Chooses how the native kernels run 3×3 stride-1 convolutions (forward and input gradient):
 * for tests and A/B benchmarks (the environment variable DEEPTS_CONV_WINOGRAD=0 / 1 does the same
 * at start-up). False without an addon that has the switch.
 */
export function setNativeConvWinograd(mode: ConvWinogradMode): boolean {
  const b = loadNativeBackend();
  if (!b?.addon.setConvWinograd) return false;
  b.addon.setConvWinograd(mode);
  return true;
}

/** Instruction sets the native kernels can use on this CPU, best first. */
export function nativeIsas(): string[] {
  const b = loadNativeBackend();
  return b ? b.addon.supportedIsas() : [];
}
