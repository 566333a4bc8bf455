/**
 * The lecture autoencoder's training step in Chromium on the WASM backend, eager vs compiled
 * (model.compile({ jitCompile })), as the lab runs it: in a Web Worker of a cross-origin
 * isolated page (so GEMMs use the WASM worker threads). Reports ms/step split into kernel time
 * and everything else (bench/chromium-worker.ts; alternating rounds, each mode's best) and the
 * longest main-thread task while the worker trains (PerformanceObserver 'longtask': tasks over
 * 50 ms; the lab's limit is 100 ms).
 *
 * Drives Debian's Chromium with playwright-core like test/browser.test.ts; without Chromium the
 * row is skipped with the reason. Run as a child of `npm run bench` (section chromium) or alone:
 * `node dist/bench/chromium-steps.js [steps]`; prints one RESULT_MARK line.
 */
import { existsSync } from 'node:fs';
import { serveIsolatedPage } from './isolated-server.js';
import { RESULT_MARK } from './epoch.js';
import type { StepSplitRow } from './steps.js';


/** Debian's Chromium, if installed. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;

export interface ChromiumStepsResult {
  rows: StepSplitRow[];
  /** Longest main-thread task seen while the worker trained, ms (0: none over 50 ms). */
  longestMainTaskMs: number;
  chromiumVersion: string;
}

const PAGE = (steps: number, threads: number | undefined): string => `<!doctype html><meta charset="utf-8"><title>deepts step bench</title>
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
  worker.postMessage({ steps: ${steps}${threads === undefined ? '' : `, threads: ${threads}`} });
</script>`;


/** One page load: the WASM backend with its default threads (as the lab: all cores) or `threads`. */
export async function measureInChromium(steps: number, threads?: number): Promise<ChromiumStepsResult> {
  if (!CHROMIUM) throw new Error('no Chromium installed (/usr/bin/chromium)');
  const { chromium } = await import('playwright-core');
  const { server, url } = await serveIsolatedPage(PAGE(steps, threads));
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
    return { rows: r['rows'] as StepSplitRow[], longestMainTaskMs: Number(r['longestMainTaskMs']), chromiumVersion: browser.version() };
  } finally {
    await browser.close();
    server.close();
  }
}

export function formatChromiumSteps(r: ChromiumStepsResult): string {
  const lines = [
    `Training step split, Chromium ${r.chromiumVersion} (lecture autoencoder, batch 256, in a Web Worker; ms/step; kernel = kernel calls and WASM plan replays):`,
    `${'model'.padEnd(12)} ${'backend'.padEnd(8)} ${'mode'.padEnd(9)} ${'ms/step'.padStart(8)} ${'kernel'.padStart(8)} ${'other'.padStart(8)} ${'calls'.padStart(6)}`,
  ];
  for (const x of r.rows) {
    lines.push(`${x.model.padEnd(12)} ${x.backend.padEnd(8)} ${x.mode.padEnd(9)} ${x.msPerStep.toFixed(2).padStart(8)} ${x.kernelMsPerStep.toFixed(2).padStart(8)} ${x.otherMsPerStep.toFixed(2).padStart(8)} ${x.kernelCallsPerStep.toFixed(0).padStart(6)}`);
  }
  for (const backend of new Set(r.rows.map((x) => x.backend))) {
    const eager = r.rows.find((x) => x.backend === backend && x.mode === 'eager');
    const compiled = r.rows.find((x) => x.backend === backend && x.mode === 'compiled');
    if (eager && compiled) lines.push(`${backend}: compiled is ${(eager.msPerStep / compiled.msPerStep).toFixed(2)}x eager (target >= 2x)`);
  }
  lines.push(`longest main-thread task while the worker trained: ${r.longestMainTaskMs.toFixed(0)} ms (limit 100; 0: none over 50 ms)`);
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  // The lab's setting (threads on all cores) and one thread (load-robust: no waiting for a second core).
  const steps = Number(process.argv[2] ?? 30);
  const all = await measureInChromium(steps);
  const one = await measureInChromium(steps, 1);
  const result: ChromiumStepsResult = { ...all, rows: [...all.rows, ...one.rows], longestMainTaskMs: Math.max(all.longestMainTaskMs, one.longestMainTaskMs) };
  if (process.env['DEEPTS_BENCH_PRINT']) console.log(formatChromiumSteps(result));
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}
