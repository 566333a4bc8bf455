/**
 * Where one training step of Keras' simple MNIST convnet (batch 128) spends its time, per kernel
 * call: each entry of the active kernel table is wrapped with a timer (eager mode, so every
 * kernel is a separate call), and calls are grouped by kernel name and operand size.
 * Run: `DEEPTS_BACKEND=native node dist/bench/cnn-profile.js [steps]`. Wall time of the
 * timed pass and this process's CPU time are printed too (other processes share the cores).
 */
async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 20);
  const deepts = await import('../src/index.js');
  const { kernels } = await import('../src/backend/registry.js');
  const { withBufferScope } = await import('../src/tensor/buffer-pool.js');
  const { buildConvnet } = await import('../src/models/mnist-models.js');
  const { Tensor, setSeed, Rng } = deepts;
  let timing = false;
  const stats = new Map<string, { ms: number; cpu: number; calls: number }>();
  const table = kernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const describe = (name: string, a: unknown[]): string => {
    const geom = a.find((v) => typeof v === 'object' && v !== null && 'kH' in v) as Record<string, number> | undefined;
    if (geom) return `${name} ${geom['inH']}x${geom['inW']}x${geom['inC']}->${geom['outC']} k${geom['kH']}`;
    const sizes = a.filter((v): v is Float32Array => v instanceof Float32Array).map((v) => v.length);
    const ops = a.filter((v) => typeof v === 'number' || typeof v === 'string').slice(0, 6).join(',');
    return `${name} [${sizes.join(',')}] ${ops}`;
  };
  for (const name of Object.keys(table)) {
    const f = table[name]!;
    if (typeof f !== 'function') continue;
    table[name] = (...a: unknown[]): unknown => {
      if (!timing) return f(...a);
      const t = performance.now();
      const c = process.cpuUsage();
      const r = f(...a);
      const key = describe(name, a);
      const s = stats.get(key) ?? { ms: 0, cpu: 0, calls: 0 };
      s.ms += performance.now() - t;
      const cu = process.cpuUsage(c);
      s.cpu += (cu.user + cu.system) / 1000;
      s.calls++;
      stats.set(key, s);
      return r;
    };
  }
  const rng = new Rng(1);
  const x = new Tensor(Float32Array.from({ length: 128 * 784 }, () => rng.next()), [128, 28, 28, 1]);
  const y = new Tensor(Float32Array.from({ length: 128 }, () => rng.int(10)), [128]);
  setSeed(42);
  const model = buildConvnet();
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], jitCompile: false });
  const step = (): void => { withBufferScope(() => model.runTrainStep({ x: [x], y: [y] })); };
  for (let i = 0; i < 3; i++) step();
  const c0 = process.cpuUsage();
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const wall = (performance.now() - t0) / steps;
  const cpu = process.cpuUsage(c0);
  timing = true;
  t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const timedWall = (performance.now() - t0) / steps;
  timing = false;
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  let total = 0, totalCpu = 0;
  for (const [, s] of rows) { total += s.ms / steps; totalCpu += s.cpu / steps; }
  console.log(`eager step: ${wall.toFixed(2)} ms wall, ${((cpu.user + cpu.system) / 1000 / steps).toFixed(2)} ms CPU; timed pass ${timedWall.toFixed(2)} ms, kernels ${total.toFixed(2)} ms wall, ${totalCpu.toFixed(2)} ms CPU (columns: wall, CPU of all threads, calls)`);
  for (const [key, s] of rows) console.log(`${(s.ms / steps).toFixed(3).padStart(8)} ms ${(s.cpu / steps).toFixed(3).padStart(8)} ms ${(s.calls / steps).toFixed(1).padStart(4)}x  ${key}`);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
