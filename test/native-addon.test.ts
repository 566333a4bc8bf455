/**
 * The native backend's own behaviour (the kernels' numbers are checked against the reference
 * in backend-conformance.test.ts): loader facts, thread pool, ISA selection, input checking.
 * Skipped when the addon is not built here.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KERNEL_NAMES } from '../src/backend/kernels.js';
import { existsSync, readFileSync } from 'node:fs';
import { adviseHugePages, loadNativeBackend, nativeIsas, setNativeIsa, setNativeThreads } from '../src/backend/native/load.js';

const backend = loadNativeBackend();
const skip = backend ? false : 'native addon not built (npm run build-native / scripts/install.mjs)';
const loadJs = fileURLToPath(new URL('../src/backend/native/load.js', import.meta.url));

/** describe() of the native backend in a fresh process with `env`. */
function childDescribe(env: Record<string, string>): unknown {
  const code = `const m = await import(${JSON.stringify(loadJs)}); const b = m.loadNativeBackend(); console.log(JSON.stringify(b ? b.describe() : null));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function random(n: number, seed: number): Float32Array {
  const d = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; d[i] = s / 2 ** 31 - 1; }
  return d;
}

describe('native backend', { skip }, () => {
  const b = backend!;
  after(() => { setNativeThreads(0); setNativeIsa(nativeIsas()[0]!); });

  it('advises huge pages for the interior of a large fresh buffer only, leaving its values alone', () => {
    assert.equal(adviseHugePages(new Float32Array(1024)), 0, 'small buffers are left alone');
    const big = new Float32Array(6 << 20); // 24 MiB: at least 10 whole 2 MiB pages inside
    const advised = adviseHugePages(big);
    const thp = '/sys/kernel/mm/transparent_hugepage/enabled';
    const enabled = process.platform === 'linux' && existsSync(thp) && !/\[never\]/.test(readFileSync(thp, 'utf8'));
    if (enabled) {
      assert.ok(advised >= 20 << 20 && advised <= big.byteLength && advised % (2 << 20) === 0, `advised ${advised} bytes of ${big.byteLength}`);
    } else {
      assert.ok(advised >= 0 && advised <= big.byteLength);
    }
    for (let i = 0; i < big.length; i += 4099) big[i] = i;
    for (let i = 0; i < big.length; i += 4099) assert.equal(big[i], i);
    assert.equal(big[1], 0);
    assert.throws(() => b.addon.adviseHugePages!({} as never), /typed array/);
  });

  it('describes itself and declares every kernel it leaves to the reference', () => {
    assert.equal(b.name, 'native');
    assert.equal(b.priority, 20);
    const d = b.describe!();
    assert.ok(nativeIsas().includes(String(d.isa)), `isa ${d.isa} is one of ${nativeIsas()}`);
    assert.ok(Number(d.threads) >= 1);
    assert.match(String(d.addon), /deepts_native\.node$/);
    for (const n of KERNEL_NAMES) assert.ok((b.kernels[n] !== undefined) !== b.fallbackKernels.includes(n), `kernel ${n}: own xor fallback`);
    assert.ok(nativeIsas().includes('generic'), 'the portable kernels are always available');
  });

  it('gives bit-identical matmul results on 1 and on all threads (rows or columns are split, sums are not)', () => {
    // Tall C: row blocks against a shared packed B; wide C (m <= n): each thread its own columns
    // (784 on 2 threads: 384 + 400, a 16-column tail; on 3: 256 + 256 + 272).
    for (const [m, n, k, transA, transB] of [[256, 130, 301, false, false], [120, 784, 300, true, false], [256, 784, 128, false, true], [200, 300, 257, false, false]] as const) {
      const a = random(m * k, 1), w = random(k * n, 2);
      const one = new Float32Array(m * n);
      assert.equal(setNativeThreads(1), 1);
      b.kernels.matmul!(a, w, one, m, n, k, transA, transB, false);
      for (const t of [2, 3, 4]) {
        const all = new Float32Array(m * n);
        assert.equal(setNativeThreads(t), t);
        b.kernels.matmul!(a, w, all, m, n, k, transA, transB, false);
        assert.deepEqual(all, one, `${m}x${n}x${k} on ${t} threads`);
      }
    }
  });

  it('gives the same matmul products, bit for bit, with AVX-512\'s 6×64 tile as with AVX2\'s 6×16 (same sums in the same order)', (t) => {
    const isas = nativeIsas();
    if (!isas.includes('avx512') || !isas.includes('avx2')) { t.skip('needs a CPU with AVX-512 and AVX2'); return; }
    after(() => { setNativeIsa(isas[0]!); setNativeThreads(0); });
    let seed = 11;
    const next = (lo: number, hi: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return lo + (seed % (hi - lo + 1)); };
    for (let run = 0; run < 60; run++) {
      // Column counts around the tile widths (32, 64) and the lecture's; rows and depth around MR, KC.
      const m = next(1, 40) * (run % 3 === 0 ? 7 : 1), n = [1, 17, 31, 32, 33, 63, 64, 65, 96, 127, 128, 130, 784][next(0, 12)]!, k = next(1, 600);
      const transA = next(0, 1) === 1, transB = next(0, 1) === 1, accumulate = next(0, 3) === 0;
      const a = random(m * k, run * 3 + 1), w = random(k * n, run * 3 + 2), c0 = random(m * n, run * 3 + 3);
      setNativeThreads(1 + (run % 2));
      const product = (isa: string): Float32Array => {
        assert.ok(setNativeIsa(isa));
        const out = c0.slice();
        b.kernels.matmul!(a, w, out, m, n, k, transA, transB, accumulate);
        return out;
      };
      assert.deepEqual(product('avx512'), product('avx2'), `${m}x${n}x${k}${transA ? ' At' : ''}${transB ? ' Bt' : ''}${accumulate ? ' +=' : ''}`);
    }
  });

  it('survives resizing the pool between calls and interleaved small and large work', () => {
    const a = random(200 * 200, 3), out = new Float32Array(200 * 200), small = new Float32Array(9);
    for (let i = 0; i < 40; i++) {
      setNativeThreads(1 + (i % 3));
      b.kernels.matmul!(a, a, out, 200, 200, 200, i % 2 === 0, false, false);
      b.kernels.matmul!(a, a, small, 3, 3, 3, false, true, true);
      b.kernels.unary!('sigmoid', a, out, 0);
    }
    assert.ok(out.every((v) => v > 0 && v < 1));
  });

  it('switches instruction sets at run time and refuses unknown ones', () => {
    for (const isa of nativeIsas()) assert.equal(setNativeIsa(isa), true);
    assert.equal(setNativeIsa('avx9000'), false);
    if (!nativeIsas().includes('avx512')) assert.equal(setNativeIsa('avx512'), false, 'AVX-512 is refused on a CPU without it');
  });

  it('rejects bad arguments with a clear error instead of touching memory', () => {
    const mm = b.addon.matmul;
    assert.throws(() => mm(new Float32Array(6), new Float32Array(6), new Float32Array(3), 2, 2, 3, false, false, false), /out has 3 elements but 4 are needed/);
    assert.throws(() => mm(new Float32Array(5), new Float32Array(6), new Float32Array(4), 2, 2, 3, false, false, false), /a has 5 elements but 6/);
    assert.throws(() => mm(new Float64Array(6) as unknown as Float32Array, new Float32Array(6), new Float32Array(4), 2, 2, 3, false, false, false), /a must be a Float32Array/);
    assert.throws(() => mm(new Float32Array(6), new Float32Array(6), new Float32Array(4), -2, 2, 3, false, false, false), /m must be a non-negative integer/);
    assert.throws(() => b.addon.unary(999, new Float32Array(2), new Float32Array(2), 0), /unary op code out of range/);
    assert.throws(() => b.addon.biasAct(new Float32Array(6), new Float32Array(2), 0, 0, new Float32Array(6), 2, 3), /bias has 2 elements but 3/);
    assert.throws(() => b.addon.unaryBackward(b.addon.unaryOps.indexOf('relu'), new Float32Array(0), new Float32Array(1), new Float32Array(4), new Float32Array(4), 0), /y has 1 elements but 4/);
  });

  it('honours DEEPTS_NATIVE_ISA, DEEPTS_NUM_THREADS and DEEPTS_BACKEND', () => {
    const forced = childDescribe({ DEEPTS_NATIVE_ISA: 'scalar', DEEPTS_NUM_THREADS: '3' }) as Record<string, unknown>;
    assert.equal(forced.isa, 'generic');
    assert.equal(forced.threads, 3);
    if (!nativeIsas().includes('avx512')) {
      const refused = childDescribe({ DEEPTS_NATIVE_ISA: 'avx512' }) as Record<string, unknown>;
      assert.equal(refused.isa, nativeIsas()[0]);
      assert.match(String(refused.isaNote), /not supported by this CPU/);
    }
    assert.equal(childDescribe({ DEEPTS_BACKEND: 'js' }), null);
  });
});
