/**
 * The core in a real browser page (Debian's Chromium, driven by playwright-core):
 * deepts/core loads without Node built-ins, picks the WASM SIMD backend, trains a
 * small model with the Keras API, and the loss falls. CI installs Chromium in
 * .ci/run; elsewhere the test is skipped when no Chromium is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { serveIsolatedPage } from '../bench/isolated-server.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

const PAGE = `<!doctype html><meta charset="utf-8"><title>deepts browser test</title>
<script type="module">
  const dt = await import('/dist/src/core.js');
  try {
    const backend = await dt.ready();
    dt.setSeed(3);
    // y = sin-like bumps from 2 features: a small regression the network can fit.
    const n = 256, xs = [], ys = [];
    const rng = new dt.Rng(5);
    for (let i = 0; i < n; i++) {
      const a = rng.uniform(-1, 1), b = rng.uniform(-1, 1);
      xs.push([a, b]); ys.push([a * b + 0.5 * a]);
    }
    const x = dt.tensor(xs), y = dt.tensor(ys);
    const model = new dt.Sequential([new dt.Dense(32, { inputShape: [2], activation: 'tanh' }), new dt.Dense(1)]);
    model.compile({ optimizer: new dt.Adam({ learningRate: 0.01 }), loss: 'mse' });
    const lines = [];
    const history = await model.fit(x, y, { epochs: 30, batchSize: 32, verbose: 2, output: { write: (s) => lines.push(s), isTTY: false } });
    const summary = [];
    model.summary((l) => summary.push(l));
    window.__result = { backend, loss: history.history.loss, lines: lines.length, summary: summary.join('\\n'),
      isolated: self.crossOriginIsolated === true };
  } catch (e) {
    window.__result = { error: String(e && e.stack || e) };
  }
</script>`;


test('deepts/core trains in Chromium on the WASM backend', { skip: !CHROMIUM && !process.env['CI'] ? 'no Chromium installed (CI installs it)' : false, timeout: 120_000 }, async () => {
  assert.ok(CHROMIUM, 'Chromium must be installed in CI (.ci/run installs the Debian package)');
  const { chromium } = await import('playwright-core');
  const { server, url } = await serveIsolatedPage(PAGE);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 90_000 });
    const result = await page.evaluate(() => (window as unknown as { __result: Record<string, unknown> }).__result);
    assert.equal(result['error'], undefined, String(result['error']));
    assert.deepEqual(errors, []);
    assert.equal(result['backend'], 'wasm');
    const loss = result['loss'] as number[];
    assert.equal(loss.length, 30);
    assert.ok(loss[29]! < 0.3 * loss[0]!, `loss should fall: ${loss[0]} → ${loss[29]}`);
    assert.equal(result['lines'], 30, 'verbose 2 prints one line per epoch');
    assert.match(String(result['summary']), /Total params: 129/);
  } finally {
    await browser.close();
    server.close();
  }
});
