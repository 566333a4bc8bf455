/**
 * The lab page in headless Chromium (Debian's, driven by playwright-core), served by the
 * real `deepts lab` server: a digit drawn with mouse strokes is read correctly; training in
 * the worker draws the curve, the loss falls, pause holds it and resume continues; a model
 * saved by Node's saveModel predicts in the page what it predicts in Node; the lecture demos
 * compute what their formulas say; pen and finger draw, the code bars drag, the trained model
 * downloads and dropped files load; and no main-thread task exceeds 100 ms while training
 * (a longtask observer, from the click on Train through loading MNIST and the start of fit).
 * With DEEPTS_SCREENSHOTS=1 the screenshots go to docs/images (the README shows them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dense, Flatten, InputLayer, Sequential, Tensor, setSeed } from '../src/index.js';
import { loadModel, saveModel } from '../src/io/model-io.js';
import { loadMnist } from '../src/datasets/mnist-node.js';
import { LAB_DIR, startLabServer } from '../src/io/lab-server.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const BUILT = existsSync(join(LAB_DIR, 'dist', 'index.html')) && existsSync(join(LAB_DIR, 'models', 'classifier', 'model.json'));
const SHOTS = process.env['DEEPTS_SCREENSHOTS'] ? join(LAB_DIR, '..', 'docs', 'images') : mkdtempSync(join(tmpdir(), 'deepts-lab-shots-'));

type Point = [number, number];
/** Strokes in the pad's unit square, as a person would draw them. */
const DIGITS: Record<string, Point[][]> = {
  '1': [[[0.55, 0.12], [0.52, 0.5], [0.48, 0.88]]],
  '0': [Array.from({ length: 17 }, (_, i): Point => [0.5 + 0.24 * Math.sin((i / 16) * 2 * Math.PI), 0.5 - 0.36 * Math.cos((i / 16) * 2 * Math.PI)])],
  '7': [[[0.25, 0.15], [0.75, 0.15], [0.45, 0.88]]],
};

interface TraceEvent { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number; args?: { name?: string } }

/** CPU time of each task on the page's main thread (CrRendererMain) in a Chromium trace. */
function mainThreadTasks(trace: { traceEvents: TraceEvent[] }): { longestCpu: number; totalCpu: number; count: number } {
  const main = new Set(trace.traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const tasks = trace.traceEvents.filter((e) => e.name === 'RunTask' && e.ph === 'X' && main.has(`${e.pid}:${e.tid}`));
  const cpu = tasks.map((e) => (e.tdur ?? e.dur ?? 0) / 1000);
  return { longestCpu: Math.max(0, ...cpu), totalCpu: cpu.reduce((a, b) => a + b, 0), count: tasks.length };
}

interface LabWindow {
  __lab: {
    ready: Promise<boolean>;
    pad: { top: { label: number; probability: number }[]; pixels: Float32Array | null; code: Float32Array | null };
    train: { running: boolean; paused: boolean; batchLoss: number[]; epochLoss: number[]; valLoss: number[]; previews: number; status: string };
    mle: () => { mu: number; sigma: number; logL: number; maxLogL: number };
    leastSquares: () => { a: number; b: number; mse: number; nll: number };
    regression: () => { loss: number; epochs: number };
    confusion: () => { accuracy: number; matrix: number[][] | null };
    models: () => { classifier: string | null; autoencoder: string | null };
    classify: (pixels: number[]) => number[];
    autoencode: (pixels: number[]) => number[];
  };
  __longtasks: { start: number; duration: number }[];
  __heartbeatMaxGap: number;
}

test('deepts lab in Chromium: draw, train, pause/resume, load a CLI model, the lecture demos, responsiveness', {
  skip: !CHROMIUM && !process.env['CI'] ? 'no Chromium installed (CI installs it)' : !BUILT ? 'the lab page is not built (npm test builds it)' : false,
  timeout: 120_000,
}, async (t) => {
  assert.ok(CHROMIUM, 'Chromium must be installed in CI (.ci/run installs the Debian package)');
  const { chromium } = await import('playwright-core');
  const lab = await startLabServer({ port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const tmp = mkdtempSync(join(tmpdir(), 'deepts-lab-model-'));
  try {
    const page = await browser.newPage({ viewport: { width: 1180, height: 900 }, hasTouch: true, acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    // Every request must stay on the lab's own server.
    const foreign: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith(lab.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) foreign.push(r.url()); });
    // The kernels arrive as a .wasm file served as application/wasm (streaming compilation), not base64 in a script.
    const wasmResponses: { url: string; type: string }[] = [];
    page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasmResponses.push({ url: r.url(), type: r.headers()['content-type'] ?? '' }); });
    await page.addInitScript(() => {
      const w = window as unknown as LabWindow;
      w.__longtasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) w.__longtasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(lab.url);
    await page.waitForFunction(() => (window as unknown as LabWindow).__lab?.ready);
    await page.evaluate(() => (window as unknown as LabWindow).__lab.ready);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated');
    const models = await page.evaluate(() => (window as unknown as LabWindow).__lab.models());
    assert.match(String(models.classifier), /starter/);
    assert.match(String(models.autoencoder), /starter/);
    await page.waitForFunction(() => /training backend: wasm/.test(document.querySelector('#backend')?.textContent ?? ''), undefined, { timeout: 30_000 });
    assert.equal(wasmResponses.length, 1, `one .wasm build fetched: ${JSON.stringify(wasmResponses)}`);
    // Chromium runs relaxed SIMD, so the page loads a relaxed build (GEMM multiply-adds as FMA).
    assert.match(wasmResponses[0]!.url, /deepts-kernels(-mt)?-relaxed-[\w-]+\.wasm$/);
    assert.equal(wasmResponses[0]!.type, 'application/wasm');

    await t.test('a digit drawn with mouse strokes is read correctly, and the autoencoder reconstructs it', async () => {
      const box = (await page.locator('#pad').boundingBox())!;
      for (const [digit, strokes] of Object.entries(DIGITS)) {
        await page.click('#clear');
        for (const stroke of strokes) {
          const at = ([x, y]: Point): [number, number] => [box.x + x * box.width, box.y + y * box.height];
          await page.mouse.move(...at(stroke[0]!));
          await page.mouse.down();
          for (let i = 1; i < stroke.length; i++) {
                        const [x1, y1] = at(stroke[i]!);
            await page.mouse.move(x1, y1, { steps: stroke.length > 4 ? 2 : 8 });
          }
          await page.mouse.up();
        }
        await page.waitForTimeout(50);
        const pad = await page.evaluate(() => {
          const p = (window as unknown as LabWindow).__lab.pad;
          return { top: p.top, ink: p.pixels ? Array.from(p.pixels).filter((v) => v > 0.5).length : 0, code: p.code ? Array.from(p.code) : [] };
        });
        assert.equal(pad.top.length, 3, `top-3 for ${digit}`);
        assert.equal(String(pad.top[0]!.label), digit, `drawn ${digit}, read ${JSON.stringify(pad.top)}`);
        assert.ok(pad.ink > 20, 'the 28×28 input has ink');
        assert.equal(pad.code.length, 32);
        if (digit === '7') await page.locator('#draw').screenshot({ path: join(SHOTS, 'lab-draw.png') });
      }
    });

    await t.test('pen and finger draw like the mouse (real pointer events from Chromium\'s input pipeline)', async () => {
      const box = (await page.locator('#pad').boundingBox())!;
      const at = ([x, y]: Point): { x: number; y: number } => ({ x: box.x + x * box.width, y: box.y + y * box.height });
      const stroke = DIGITS['1']![0]!;
      const path = [at(stroke[0]!), ...stroke.slice(1).flatMap((p, i) => Array.from({ length: 8 }, (_, s) => {
        const [a, b] = [stroke[i]!, p];
        return at([a[0] + ((b[0] - a[0]) * (s + 1)) / 8, a[1] + ((b[1] - a[1]) * (s + 1)) / 8]);
      }))];
      const cdp = await page.context().newCDPSession(page);
      const read = (): Promise<{ top: { label: number }[]; ink: number }> => page.evaluate(() => {
        const p = (window as unknown as LabWindow).__lab.pad;
        return { top: p.top, ink: p.pixels ? Array.from(p.pixels).filter((v) => v > 0.5).length : 0 };
      });
      // A pen: mouse events with pointerType 'pen' (what a stylus sends).
      await page.click('#clear');
      await cdp.send('Input.dispatchMouseEvent', { type: 'mousePressed', ...path[0]!, button: 'left', clickCount: 1, pointerType: 'pen' });
      for (const p of path.slice(1)) await cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', ...p, button: 'left', pointerType: 'pen' });
      await cdp.send('Input.dispatchMouseEvent', { type: 'mouseReleased', ...path.at(-1)!, button: 'left', clickCount: 1, pointerType: 'pen' });
      await page.waitForTimeout(50);
      const pen = await read();
      assert.ok(pen.ink > 20, `the pen drew (${pen.ink} inked pixels)`);
      assert.equal(String(pen.top[0]!.label), '1', `pen: ${JSON.stringify(pen.top)}`);
      // A finger: touch events (pointerType 'touch').
      await page.click('#clear');
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [path[0]!] });
      for (const p of path.slice(1)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [p] });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await page.waitForTimeout(50);
      const finger = await read();
      assert.ok(finger.ink > 20, `the finger drew (${finger.ink} inked pixels)`);
      assert.equal(String(finger.top[0]!.label), '1', `finger: ${JSON.stringify(finger.top)}`);
      await cdp.detach();
    });

    await t.test('dragging a bar of the code changes that code value and the decoder\'s picture', async () => {
      const decoded = (): Promise<number[]> => page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('#decoded')!;
        return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
      });
      const code = (): Promise<number[]> => page.evaluate(() => Array.from((window as unknown as LabWindow).__lab.pad.code ?? []));
      const before = { code: await code(), picture: await decoded() };
      assert.equal(before.code.length, 32);
      const box = (await page.locator('#code').boundingBox())!;
      const bar = 5;
      const x = box.x + ((bar + 0.5) / 32) * box.width;
      await page.mouse.move(x, box.y + box.height - 6);
      await page.mouse.down();
      await page.mouse.move(x, box.y + 5, { steps: 6 });
      await page.mouse.up();
      await page.waitForTimeout(50);
      const after = { code: await code(), picture: await decoded() };
      assert.ok(after.code[bar]! > before.code[bar]! + 1e-3 || before.code[bar]! === Math.max(...after.code), `bar ${bar} rose: ${before.code[bar]} → ${after.code[bar]}`);
      assert.ok(after.code[bar]! >= Math.max(...after.code.filter((_, i) => i !== bar)) - 1e-6, 'dragged to the top, it is the largest value');
      after.code.forEach((v, i) => { if (i !== bar) assert.equal(v, before.code[i], `bar ${i} untouched`); });
      const changed = after.picture.filter((v, i) => v !== before.picture[i]).length;
      assert.ok(changed > 100, `the decoder's picture changed (${changed} channel values)`);
    });

    await t.test('the lecture demos: maximum likelihood, least squares = maximum likelihood, regression, confusion matrix', async () => {
      await page.click('#mle .best');
      const best = await page.evaluate(() => (window as unknown as LabWindow).__lab.mle());
      assert.ok(Math.abs(best.logL - best.maxLogL) < 1e-6, 'the button jumps to the MLE');
      const mleBox = (await page.locator('#mle canvas').boundingBox())!;
      await page.mouse.move(mleBox.x + mleBox.width * 0.3, mleBox.y + 100);
      await page.mouse.down();
      await page.mouse.move(mleBox.x + mleBox.width * 0.35, mleBox.y + 60, { steps: 3 });
      await page.mouse.up();
      const dragged = await page.evaluate(() => (window as unknown as LabWindow).__lab.mle());
      assert.ok(dragged.logL < best.maxLogL - 1, 'moving the curve away lowers the log-likelihood');

      const ls = page.locator('#ls .points');
      const lsBox = (await ls.boundingBox())!;
      const samples: { mse: number; nll: number }[] = [];
      for (const [fx, fy] of [[0.1, 0.3], [0.9, 0.7], [0.1, 0.6], [0.9, 0.2]]) {
        await page.mouse.click(lsBox.x + lsBox.width * fx!, lsBox.y + lsBox.height * fy!);
        samples.push(await page.evaluate(() => (window as unknown as LabWindow).__lab.leastSquares()));
      }
      await page.click('#ls .fit');
      const fitted = await page.evaluate(() => (window as unknown as LabWindow).__lab.leastSquares());
      // NLL = c + n·MSE/(2σ²) with n = 40, σ = 1: the same line through every sample.
      for (const s of [...samples, fitted]) assert.ok(Math.abs((s.nll - fitted.nll) - 20 * (s.mse - fitted.mse)) < 1e-6);
      assert.ok(samples.every((s) => s.mse > fitted.mse), 'the least-squares line has the smallest MSE and NLL');
      await page.locator('#ls').screenshot({ path: join(SHOTS, 'lab-least-squares.png') });
      await page.locator('#mle').screenshot({ path: join(SHOTS, 'lab-likelihood.png') });

      await page.fill('#regression [name=epochs]', '150');
      await page.click('#regression .fit');
      await page.waitForFunction(() => (window as unknown as LabWindow).__lab.regression().epochs >= 150, undefined, { timeout: 30_000 });
      const reg = await page.evaluate(() => (window as unknown as LabWindow).__lab.regression());
      assert.ok(reg.loss < 0.03, `the network fits the curve (MSE ${reg.loss}; predicting the mean gives ≈ 0.06)`);

      await page.click('#confusion .evaluate');
      await page.waitForFunction(() => (window as unknown as LabWindow).__lab.confusion().matrix !== null, undefined, { timeout: 30_000 });
      const conf = await page.evaluate(() => (window as unknown as LabWindow).__lab.confusion());
      assert.equal(conf.matrix!.flat().reduce((a, b) => a + b, 0), 2000);
      assert.ok(conf.accuracy > 0.85, `the starter classifier is far above chance (${conf.accuracy})`);
    });

    await t.test('training in the worker: the curve gets points, the loss falls, pause holds it, resume continues, no long main-thread task', async () => {
      await page.selectOption('#train [name=kind]', 'autoencoder');
      await page.fill('#train [name=hidden]', '64, 32');
      await page.fill('#train [name=epochs]', '2');
      await page.fill('#train [name=trainSize]', '3000');
      await page.fill('#train [name=valSize]', '500');
      await page.fill('#train [name=batchSize]', '32');
      await page.fill('#train [name=learningRate]', '0.002');
      await page.selectOption('#train [name=optimizer]', 'adam');
      const since = await page.evaluate(() => {
        const w = window as unknown as LabWindow;
        w.__heartbeatMaxGap = 0;
        let last = performance.now();
        const beat = (): void => { const now = performance.now(); w.__heartbeatMaxGap = Math.max(w.__heartbeatMaxGap, now - last); last = now; if (w.__lab.train.running || now - t0 < 500) setTimeout(beat, 5); };
        const t0 = performance.now();
        setTimeout(beat, 5);
        return t0;
      });
      // Chromium's trace gives each main-thread task's CPU time: what the page itself costs,
      // unlike wall time, which on a machine shared by many processes also counts waiting for a core.
      await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      // Train, then Pause at once, in one task of the page: 'pause' reaches the worker right after
      // 'train', while MNIST loads, and holds training right after its first batch. (Two Playwright
      // clicks raced the training: on a loaded machine the Pause click, which waits for the button to
      // be enabled and stable over animation frames, sometimes landed after the last batch, and the
      // panel said "done after 2 epoch(s)" with nothing paused, or found Pause disabled again.)
      await page.evaluate(() => {
        for (const button of ['.train', '.pause']) document.querySelector<HTMLButtonElement>(`#train ${button}`)!.click();
      });
      // 30 s like the other waits here (it takes 1.3-3 s); on a timeout, say what the panel shows
      // (an error from the worker lands in its status line) instead of only "Timeout exceeded".
      await page.waitForFunction(() => (window as unknown as LabWindow).__lab.train.paused, undefined, { timeout: 30_000 }).catch(async (e: Error) => {
        const train = await page.evaluate(() => { const s = (window as unknown as LabWindow).__lab.train; return { status: s.status, running: s.running, batches: s.batchLoss.length }; });
        throw new Error(`${e.message}; the training panel: ${JSON.stringify(train)}`);
      });
      const heldAt = await page.evaluate(() => (window as unknown as LabWindow).__lab.train.batchLoss.length);
      assert.ok(heldAt >= 1);
      await page.waitForTimeout(400);
      assert.equal(await page.evaluate(() => (window as unknown as LabWindow).__lab.train.batchLoss.length), heldAt, 'no batch runs while paused');
      await page.click('#train .pause');
      await page.waitForFunction(() => !(window as unknown as LabWindow).__lab.train.running, undefined, { timeout: 60_000 });
      const cpu = mainThreadTasks(JSON.parse(String(await browser.stopTracing())) as { traceEvents: TraceEvent[] });
      const st = await page.evaluate(() => (window as unknown as LabWindow).__lab.train);
      assert.ok(!/error/.test(st.status), st.status);
      assert.equal(st.batchLoss.length, 2 * Math.ceil(3000 / 32), 'every batch reached the curve');
      assert.equal(st.epochLoss.length, 2);
      assert.equal(st.valLoss.length, 2);
      assert.ok(st.previews >= 3, 'reconstructions were sent during training');
      const first = st.batchLoss.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
      const last = st.batchLoss.slice(-20).reduce((a, b) => a + b, 0) / 20;
      assert.ok(last < 0.6 * first, `the loss fell: ${first} → ${last}`);
      assert.ok(st.valLoss[1]! < st.valLoss[0]!, 'val_loss fell');
      const tasks = await page.evaluate((t0) => (window as unknown as LabWindow).__longtasks.filter((e) => e.start >= t0), since);
      const longest = Math.max(0, ...tasks.map((e) => e.duration));
      const gap = await page.evaluate(() => (window as unknown as LabWindow).__heartbeatMaxGap);
      const load = loadavg()[0]! / cpus().length;
      t.diagnostic(`main thread while training: longest task ${cpu.longestCpu.toFixed(1)} ms CPU (${cpu.count} tasks, ${cpu.totalCpu.toFixed(0)} ms CPU in all); wall clock: longest ${longest.toFixed(0)} ms (${tasks.length} longtask entries), heartbeat max gap ${gap.toFixed(0)} ms; load ${load.toFixed(1)} per core`);
      assert.ok(cpu.count > 50, 'the trace saw the main thread handle the training messages');
      assert.ok(cpu.longestCpu <= 100, `a main-thread task took ${cpu.longestCpu.toFixed(0)} ms of CPU while training`);
      // Wall time is only meaningful when the machine has a core to spare for the page.
      if (load < 1) assert.ok(longest <= 100, `main-thread tasks while training: ${JSON.stringify(tasks)}`);
      assert.match(String(await page.evaluate(() => (window as unknown as LabWindow).__lab.models().autoencoder)), /trained in this page/);
      await page.locator('#train').screenshot({ path: join(SHOTS, 'lab-train.png') });
    });

    await t.test('the model trained in the page downloads as model.json + weights.bin that Node loads and that predict the same', async () => {
      const dir = join(tmp, 'downloaded');
      mkdirSync(dir);
      const downloads = new Promise<void>((resolve, reject) => {
        let saved = 0;
        page.on('download', (d) => {
          void d.saveAs(join(dir, d.suggestedFilename())).then(() => { if (++saved === 2) resolve(); }, reject);
        });
      });
      await page.click('#train .download');
      await downloads;
      const model = await loadModel(dir);
      const mnist = await loadMnist({ limitTrain: 1, limitTest: 4 });
      const expected = model.predict(new Tensor(mnist.test.images, [4, 28, 28])).data;
      for (let i = 0; i < 4; i++) {
        const pixels = Array.from(mnist.test.images.subarray(i * 784, (i + 1) * 784));
        const got = await page.evaluate((p) => (window as unknown as LabWindow).__lab.autoencode(p), pixels);
        assert.equal(got.length, 784);
        for (let k = 0; k < 784; k++) assert.ok(Math.abs(got[k]! - expected[i * 784 + k]!) < 1e-5, `image ${i} pixel ${k}: page ${got[k]} vs Node ${expected[i * 784 + k]}`);
      }
    });

    await t.test('a model folder\'s files dropped on the page load (the drop handler, not only the file chooser)', async () => {
      setSeed(11);
      const model = new Sequential([new InputLayer({ shape: [28, 28] }), new Flatten(), new Dense(16, { activation: 'relu' }), new Dense(10, { activation: 'softmax' })]);
      const dir = join(tmp, 'dropped');
      await saveModel(model, dir);
      const files = { json: readFileSync(join(dir, 'model.json'), 'utf8'), weights: Array.from(readFileSync(join(dir, 'weights.bin'))) };
      await page.evaluate(({ json, weights }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([json], 'model.json', { type: 'application/json' }));
        dt.items.add(new File([Uint8Array.from(weights)], 'weights.bin'));
        const zone = document.querySelector('#drop')!;
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, files);
      await page.waitForFunction(() => /loaded a classifier/.test(document.querySelector('#load-status')?.textContent ?? ''));
      const mnist = await loadMnist({ limitTrain: 1, limitTest: 1 });
      const expected = model.predict(new Tensor(mnist.test.images, [1, 28, 28])).data;
      const got = await page.evaluate((p) => (window as unknown as LabWindow).__lab.classify(p), Array.from(mnist.test.images));
      for (let k = 0; k < 10; k++) assert.ok(Math.abs(got[k]! - expected[k]!) < 1e-5);
    });

    await t.test('a model saved by the CLI loads from files and predicts in the page what it predicts in Node', async () => {
      setSeed(9);
      const model = new Sequential([new InputLayer({ shape: [28, 28] }), new Flatten(), new Dense(24, { activation: 'tanh' }), new Dense(10, { activation: 'softmax' })]);
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const dir = join(tmp, 'cli-model');
      await saveModel(model, dir);
      await page.setInputFiles('#files', [join(dir, 'model.json'), join(dir, 'weights.bin')]);
      await page.waitForFunction(() => /loaded a classifier/.test(document.querySelector('#load-status')?.textContent ?? ''));
      const mnist = await loadMnist({ limitTrain: 1, limitTest: 16 });
      const expected = model.predict(new Tensor(mnist.test.images, [16, 28, 28])).data;
      for (let i = 0; i < 16; i++) {
        const pixels = Array.from(mnist.test.images.subarray(i * 784, (i + 1) * 784));
        const got = await page.evaluate((p) => (window as unknown as LabWindow).__lab.classify(p), pixels);
        for (let k = 0; k < 10; k++) assert.ok(Math.abs(got[k]! - expected[i * 10 + k]!) < 1e-5, `image ${i} class ${k}: page ${got[k]} vs Node ${expected[i * 10 + k]}`);
      }
    });

    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, [], 'nothing is fetched from outside the lab server');
  } finally {
    await browser.close();
    await lab.close();
    rmSync(tmp, { recursive: true, force: true });
    if (!process.env['DEEPTS_SCREENSHOTS']) rmSync(SHOTS, { recursive: true, force: true });
  }
});
