/**
 * Names of a WASM plan's ops read back from linear memory, for the Chromium benches' per-op
 * tables (bench/chromium-worker.ts, bench/chromium-trace-worker.ts).
 * Browser-safe: no Node built-ins.
 */

// native/plan.inc's PlanCode, in order.
const PLAN_CODES = ['fill', 'gemm', 'gemmPair', 'unary', 'unaryBackward', 'binary', 'reduce', 'biasAct', 'biasActBackward',
  'softmax', 'optimizer', 'slice', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'pool2d', 'pool2dBackward', 'pointwiseLoss',
  'biasActPool', 'biasActPoolBackward', 'gemmBiasAct', 'lossBiasActBackward', 'convPool', 'convPoolFilter',
  'gemmUpdate', 'batchNormStats', 'batchNorm', 'batchNormBackward', 'dropout', 'gemmLossBackward', 'convPoolBackprop'];

/** A PlanOp's name from linear memory (wasm32: the code, then GemmArgs {a, b, c, m, n, k, transA, transB, accumulate} at +4, 28 bytes; a pair's second at +32). */
export function planOpName(mem: WebAssembly.Memory, at: number): string {
  const i32 = new Int32Array(mem.buffer, at, 16);
  const u8 = new Uint8Array(mem.buffer, at, 64);
  const code = PLAN_CODES[i32[0]!] ?? `op${i32[0]}`;
  const gemm = (w: number): string => `${i32[w + 3]}x${i32[w + 4]}x${i32[w + 5]} ${u8[(w + 6) * 4] ? 'T' : 'N'}${u8[(w + 6) * 4 + 1] ? 'T' : 'N'}`;
  if (code === 'gemm' || code === 'gemmBiasAct' || code === 'gemmUpdate' || code === 'gemmLossBackward') return `${code} ${gemm(1)}`;
  if (code === 'gemmPair') return `gemmPair ${gemm(1)} | ${gemm(8)}`;
  return code;
}
