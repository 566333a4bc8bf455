/**
 * Where the compiled WASM step's time goes on two threads against one, op by op, in Chromium:
 * `PROFILE=-DDEEPTS_PROFILE sh wasm/build.sh && npx tsc -p tsconfig.json && node
 * dist/bench/chromium-trace.js [steps] [spin µs ...]` (TRACE_OPS=1 adds the per-op table), then
 * rebuild without PROFILE. A measuring tool for wasm/src/threads.inc (wasm/README.md), not a bench
 * row: the profiling build adds a clock call per op and task. Use `chrt -f 20` on a shared machine.
 */
import { CHROMIUM, serveIsolatedPage } from './isolated-server.js';
const steps = Number(process.argv[2] ?? 100);
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
const w = new Worker('/dist/bench/chromium-trace-worker.js', { type: 'module' });
w.onerror = (e) => { window.__result = { error: 'worker error ' + e.message }; };
w.onmessage = (e) => { window.__result = e.data; };
w.postMessage({ steps: ${steps}, variants: ${JSON.stringify(process.argv.slice(3))} });
</script>`;
const { chromium } = await import('playwright-core');
const { server, url } = await serveIsolatedPage(PAGE);
const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--headless', '--no-sandbox', '--disable-gpu', ...(process.env['CHROME_ARGS'] ? process.env['CHROME_ARGS'].split(' ') : [])] });
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log('page:', m.text()));
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 900_000, polling: 500 });
  const r = await page.evaluate(() => (window as unknown as { __result: { error?: string; result?: unknown } }).__result);
  if (r.error) throw new Error(r.error);
  type Op = { i: number; name: string; wall: number; wallMin: number; pre: number; caller: number; worker: number; wake: number; wait: number; post: number; jobs: number; tasks: number; wtasks: number };
  const res = r.result as { backend: string; callMed: number; stepMed: number; stepMin: number; runMed: number; runMin: number; ops: Op[] }[];
  const one = res[res.length - 1]!;
  for (const m of res) console.log(`${m.backend}: plan_run calls ${m.callMed.toFixed(3)}; step tmean ${m.stepMed.toFixed(3)} min ${m.stepMin.toFixed(3)}; plan ops med ${m.runMed.toFixed(3)} min ${m.runMin.toFixed(3)} ms; sum of op medians ${m.ops.reduce((a, o) => a + o.wall, 0).toFixed(3)}`);
  const f = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '' : v.toFixed(3)).padStart(6);
  const cat = (ops: Op[], pick: (o: Op) => number, where: (o: Op) => boolean = () => true): string => ops.filter(where).reduce((a, o) => a + pick(o), 0).toFixed(3);
  const twos = res.slice(0, -1);
  for (const t of twos) console.log(`${t.backend} sums: wall ${cat(t.ops, (o) => o.wall)} pre ${cat(t.ops, (o) => o.pre)} caller ${cat(t.ops, (o) => o.caller)} worker ${cat(t.ops, (o) => o.worker)} wait ${cat(t.ops, (o) => o.wait)} post ${cat(t.ops, (o) => o.post)} wake ${cat(t.ops, (o) => Number.isNaN(o.wake) ? 0 : o.wake)} unthreaded-ops ${cat(t.ops, (o) => o.wall, (o) => o.jobs === 0)}`);
  if (!process.env['TRACE_OPS']) process.exit(0);
  const last = twos[twos.length - 1]!;
  console.log(`${'#'.padStart(3)} ${'op'.padEnd(52)} ${twos.map((t) => t.backend.slice(-7).padStart(7)).join(' ')} ${'pre'.padStart(6)} ${'caller'.padStart(6)} ${'worker'.padStart(6)} ${'wake'.padStart(6)} ${'wait'.padStart(6)} ${'post'.padStart(6)} jobs tasks wt   (detail: ${last.backend})`);
  for (const o of last.ops) {
    const walls = twos.map((t) => f(t.ops.find((p) => p.i === o.i)?.wall).padStart(7)).join(' ');
    if (o.wall < 0.004) continue;
    console.log(`${String(o.i).padStart(3)} ${o.name.padEnd(52)} ${walls} ${f(o.pre)} ${f(o.caller)} ${f(o.worker)} ${f(o.wake)} ${f(o.wait)} ${f(o.post)} ${o.jobs.toFixed(1).padStart(4)} ${o.tasks.toFixed(1).padStart(5)} ${o.wtasks.toFixed(1).padStart(4)}`);
  }
  console.log('1T ops:');
  for (const o of one.ops) if (o.wall >= 0.004) console.log(`${String(o.i).padStart(3)} ${o.name.padEnd(52)} ${f(o.wall)}`);
} finally {
  await browser.close();
  server.close();
}
