/**
 * WASM GEMM GFLOPS in Chromium, one thread, per build: the plain SIMD128 module and the relaxed-SIMD
 * one (and any other single-threaded .wasm build given on the command line, e.g. an experimental
 * tile), on the lecture autoencoder's six large shapes. Builds are alternated shape by shape and
 * each cell keeps its fastest single call (~1 ms each: on a shared machine some run undisturbed),
 * so load hits every build alike.
 * Run: `node dist/bench/chromium-gemm.js [seconds per cell] [extra.wasm ...]` (the embedded plain and
 * relaxed builds, then each extra single-threaded build, e.g. from wasm/build/).
 */
import { existsSync } from 'node:fs';
import { relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, serveIsolatedPage } from './isolated-server.js';
import { LECTURE_GEMM_SHAPES } from './wasm-gemm.js';
import { RESULT_MARK } from './epoch.js';
import { closeCountingTree, unreapedTicksLine } from './machine.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChromiumGemmResult {
  builds: string[];
  /** rows[shape][build] GFLOPS */
  rows: { shape: string; gflops: number[] }[];
  chromiumVersion: string;
}

const PAGE = (builds: string[], seconds: number, shapes: unknown): string => `<!doctype html><meta charset="utf-8"><title>deepts gemm bench</title>
<script type="module">
  import { createWasmBackend } from '/dist/src/backend/wasm/load.js';
  const builds = ${JSON.stringify(builds)};
  const shapes = ${JSON.stringify(shapes)};
  try {
    const backends = [];
    for (const f of builds) {
      // 'plain' and 'relaxed': the embedded builds; anything else: a .wasm file served from the repository.
      const b = await createWasmBackend(f === 'plain' ? { threads: 1, relaxedSimd: false } : f === 'relaxed' ? { threads: 1 }
        : { threads: 1, relaxedSimd: true, wasmFiles: { single: f, threaded: f, singleRelaxed: f } });
      if (f === 'relaxed' && b && b.describe?.()?.relaxedSimd !== true) throw new Error('this Chromium does not run relaxed SIMD');
      if (!b) throw new Error('cannot load ' + f);
      backends.push(b.kernels.matmul);
    }
    const rows = [];
    for (const s of shapes) {
      const a = Float32Array.from({ length: s.m * s.k }, () => Math.random() - 0.5);
      const b = Float32Array.from({ length: s.k * s.n }, () => Math.random() - 0.5);
      const out = new Float32Array(s.m * s.n);
      const best = builds.map(() => 0);
      const runs = backends.map((mm) => () => mm(a, b, out, s.m, s.n, s.k, s.transA, s.transB, false));
      for (const r of runs) { r(); r(); }
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < runs.length; i++) {
          const start = performance.now();
          while (performance.now() - start < ${seconds * 1000} / 6) {
            const t0 = performance.now();
            runs[i]();
            best[i] = Math.max(best[i], (2 * s.m * s.n * s.k) / ((performance.now() - t0) / 1000) / 1e9);
          }
          await new Promise((ok) => setTimeout(ok, 0));
        }
      }
      rows.push({ shape: s.label, gflops: best });
    }
    window.__result = { rows };
  } catch (e) { window.__result = { error: String(e && e.stack || e) }; }
</script>`;

export async function measureGemmInChromium(builds: string[], seconds = 1.2): Promise<ChromiumGemmResult> {
  if (!CHROMIUM) throw new Error('no Chromium installed (/usr/bin/chromium)');
  const { chromium } = await import('playwright-core');
  const urls = builds.map((f) => (f === 'plain' || f === 'relaxed' ? f : '/' + relative(root, resolve(f))));
  const { server, url } = await serveIsolatedPage(PAGE(urls, seconds, LECTURE_GEMM_SHAPES));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 600_000, polling: 1000 });
    const r = await page.evaluate(() => (window as unknown as { __result: Record<string, unknown> }).__result);
    if (r['error']) throw new Error(String(r['error']));
    return { builds, rows: r['rows'] as ChromiumGemmResult['rows'], chromiumVersion: browser.version() };
  } finally {
    await closeCountingTree(() => browser.close());
    server.close();
  }
}

export function formatChromiumGemm(r: ChromiumGemmResult): string {
  const names = r.builds.map((b) => b.replace(/^.*\//, '').replace(/\.wasm$/, ''));
  const lines = [`WASM GEMM in Chromium ${r.chromiumVersion}, 1 thread, GFLOPS (fastest call, builds alternated):`,
    `${'shape'.padEnd(32)}${names.map((n) => n.padStart(12)).join('')}`];
  const sums = r.builds.map(() => 0);
  for (const row of r.rows) {
    row.gflops.forEach((g, i) => { sums[i] += g; });
    lines.push(`${row.shape.padEnd(32)}${row.gflops.map((g) => g.toFixed(1).padStart(12)).join('')}`);
  }
  lines.push(`${'mean'.padEnd(32)}${sums.map((s) => (s / r.rows.length).toFixed(1).padStart(12)).join('')}`);
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const seconds = Number(process.argv[2] ?? 1.2);
  const files = process.argv.slice(3).map((f) => resolve(root, f));
  for (const f of files) if (!existsSync(f)) throw new Error(`${f} missing`);
  const builds = ['plain', 'relaxed', ...files];
  const r = await measureGemmInChromium(builds, seconds);
  if (process.env['DEEPTS_BENCH_PRINT'] !== '0') console.log(formatChromiumGemm(r));
  process.stdout.write(unreapedTicksLine());
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(r)}\n`);
}
