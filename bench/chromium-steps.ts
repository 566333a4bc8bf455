/**
 * The lecture autoencoder's training step in Chromium on the WASM backend, eager vs compiled
 * (model.compile({ jitCompile })), as the lab runs it: in a Web Worker of a cross-origin
 * isolated page (so GEMMs use the WASM worker threads). Reports ms/step split into kernel time
 * and everything else (bench/chromium-worker.ts; alternating rounds, each mode's best) and the
 * longest main-thread task while the worker trains (PerformanceObserver 'longtask': tasks over
 * 50 ms; the lab's limit is 100 ms). Where Chromium runs relaxed SIMD (the build deepts loads
 * there), every mode also runs on the plain SIMD128 build in the same rounds: compiled-relaxed
 * against eager-SIMD128 is the gain over the eager WASM step before relaxed SIMD.
 *
 * Drives Debian's Chromium with playwright-core like test/browser.test.ts; without Chromium the
 * row is skipped with the reason. Run as a child of `npm run bench` (section chromium) or alone:
 * `node dist/bench/chromium-steps.js [steps]`; prints one RESULT_MARK line.
 */
import { CHROMIUM, serveIsolatedPage } from './isolated-server.js';
import { formatChromiumGemm, measureGemmInChromium, type ChromiumGemmResult } from './chromium-gemm.js';
import { RESULT_MARK } from './epoch.js';
import { closeCountingTree, unreapedTicksLine } from './machine.js';
import type { StepSplitRow } from './steps.js';
import type { PlanOpTime } from './chromium-worker.js';

export { CHROMIUM };

export interface ChromiumStepsResult {
  rows: StepSplitRow[];
  /** Longest main-thread task seen while the worker trained, ms (0: none over 50 ms). */
  longestMainTaskMs: number;
  chromiumVersion: string;
  /** With `--profile`: the compiled step's plan op by op (all-cores page), ms per step. */
  profile?: PlanOpTime[];
  /** The WASM GEMM per build, one thread (bench/chromium-gemm.ts), or why it failed. */
  gemm?: ChromiumGemmResult | { error: string };
}

const PAGE = (steps: number, threads: number | undefined, profile: boolean): string => `<!doctype html><meta charset="utf-8"><title>deepts step bench</title>
<script type="module">
  // Main-thread tasks while the worker trains (not the page's own start-up).
  let longest = 0, since = Infinity;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (performance.timeOrigin + e.startTime >= since) longest = Math.max(longest, e.duration);
  }).observe({ type: 'longtask', buffered: true });
  const worker = new Worker('/dist/bench/chromium-worker.js', { type: 'module' });
  worker.onerror = (e) => { window.__result = { error: 'worker error: ' + (e.message || 'failed to start') }; };
  worker.onmessage = (e) => {
    if (e.data.started) since = e.data.started;
    else setTimeout(() => { window.__result = { ...e.data, longestMainTaskMs: longest, isolated: self.crossOriginIsolated === true }; }, 200);
  };
  worker.postMessage({ steps: ${steps}, profile: ${profile}${threads === undefined ? '' : `, threads: ${threads}`} });
</script>`;


/** One page load: the WASM backend with its default threads (as the lab: all cores) or `threads`. */
export async function measureInChromium(steps: number, threads?: number, profile = false): Promise<ChromiumStepsResult> {
  if (!CHROMIUM) throw new Error('no Chromium installed (/usr/bin/chromium)');
  const { chromium } = await import('playwright-core');
  const { server, url } = await serveIsolatedPage(PAGE(steps, threads, profile));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 900_000, polling: 1000 });
    const r = await page.evaluate(() => (window as unknown as { __result: Record<string, unknown> }).__result);
    if (r['error']) throw new Error(String(r['error']));
    if (r['isolated'] !== true) throw new Error('the bench page is not cross-origin isolated');
    return {
      rows: r['rows'] as StepSplitRow[], longestMainTaskMs: Number(r['longestMainTaskMs']), chromiumVersion: browser.version(),
      ...(r['profile'] ? { profile: r['profile'] as PlanOpTime[] } : {}),
    };
  } finally {
    await closeCountingTree(() => browser.close());
    server.close();
  }
}

export function formatChromiumSteps(r: ChromiumStepsResult): string {
  const lines = [
    `Training step split, Chromium ${r.chromiumVersion} (lecture autoencoder, batch 256, in a Web Worker; ms/step; kernel = kernel calls and WASM plan replays):`,
    `${'model'.padEnd(12)} ${'backend'.padEnd(17)} ${'mode'.padEnd(9)} ${'ms/step'.padStart(8)} ${'kernel'.padStart(8)} ${'other'.padStart(8)} ${'calls'.padStart(6)}`,
  ];
  for (const x of r.rows) {
    lines.push(`${x.model.padEnd(12)} ${x.backend.padEnd(17)} ${x.mode.padEnd(9)} ${x.msPerStep.toFixed(2).padStart(8)} ${x.kernelMsPerStep.toFixed(2).padStart(8)} ${x.otherMsPerStep.toFixed(2).padStart(8)} ${x.kernelCallsPerStep.toFixed(0).padStart(6)}`);
  }
  for (const backend of new Set(r.rows.map((x) => x.backend))) {
    const eager = r.rows.find((x) => x.backend === backend && x.mode === 'eager');
    const compiled = r.rows.find((x) => x.backend === backend && x.mode === 'compiled');
    if (eager && compiled) lines.push(`${backend}: compiled is ${(eager.msPerStep / compiled.msPerStep).toFixed(2)}x eager of the same build`);
    // The target's baseline: the eager step on the plain SIMD128 build (the WASM step before relaxed SIMD).
    const plainEager = backend.endsWith(' relaxed') ? r.rows.find((x) => x.backend === backend.replace(/ relaxed$/, ' simd128') && x.mode === 'eager') : undefined;
    if (compiled && plainEager) lines.push(`${backend}: compiled is ${(plainEager.msPerStep / compiled.msPerStep).toFixed(2)}x eager on plain SIMD128 (target >= 2x)`);
  }
  if (r.profile) {
    const total = r.profile.reduce((s, o) => s + o.ms, 0);
    lines.push(`compiled step op by op (${r.rows[0]?.backend ?? 'wasm'}; each op replayed alone: ${total.toFixed(2)} ms in ${r.profile.length} ops):`);
    const merged = new Map<string, { ms: number; n: number }>();
    for (const o of r.profile) {
      const key = o.name;
      const m = merged.get(key) ?? { ms: 0, n: 0 };
      m.ms += o.ms;
      m.n++;
      merged.set(key, m);
    }
    for (const [name, m] of [...merged].sort((a, b) => b[1].ms - a[1].ms)) lines.push(`  ${m.ms.toFixed(3).padStart(7)} ms ${String(m.n).padStart(3)}×  ${name}`);
  }
  lines.push(`longest main-thread task while the worker trained: ${r.longestMainTaskMs.toFixed(0)} ms (limit 100; 0: none over 50 ms)`);
  if (r.gemm) lines.push('error' in r.gemm ? `WASM GEMM in Chromium: failed: ${r.gemm.error}` : formatChromiumGemm(r.gemm));
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  // The lab's setting (threads on all cores) and one thread (load-robust: no waiting for a second core).
  // --profile adds the compiled step op by op (all cores); --one-page skips the 1-thread page.
  const args = process.argv.slice(2);
  const steps = Number(args.find((a) => !a.startsWith('--')) ?? 30);
  const all = await measureInChromium(steps, undefined, args.includes('--profile'));
  const one = args.includes('--one-page') ? null : await measureInChromium(steps, 1);
  // The GEMM per build (plain SIMD128 vs relaxed), one thread: the kernels' share of the gain.
  const gemm = await measureGemmInChromium(['plain', 'relaxed']).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
  const result: ChromiumStepsResult = {
    ...all, rows: [...all.rows, ...(one?.rows ?? [])], longestMainTaskMs: Math.max(all.longestMainTaskMs, one?.longestMainTaskMs ?? 0), gemm,
  };
  if (process.env['DEEPTS_BENCH_PRINT']) console.log(formatChromiumSteps(result));
  process.stdout.write(unreapedTicksLine());
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}
