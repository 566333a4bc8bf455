/**
 * The published package: `npm pack` ships only what users need (the compiled library, the
 * install script, the native sources and binding.gyp, the bundled data, README and LICENSE), and
 * the packed tarball installs into a fresh project where `npx deepts info` and a short training
 * run — without a compiler (WASM backend, with the install-time message saying why) and on the
 * native backend.
 *
 * The native path reuses this checkout's built addon (copied into the installed package), since
 * compiling it again takes 1–2 minutes on a 2-core machine; DEEPTS_TEST_NATIVE_BUILD=1 compiles
 * it from the packed sources with `npx deepts build-native` instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackFile { path: string; size: number }
interface PackResult { filename: string; files: PackFile[]; entryCount: number; size: number; unpackedSize: number }

function pack(extra: string[]): PackResult {
  // --ignore-scripts: `npm test` has just compiled dist/; prepack would rebuild it.
  const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', ...extra], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(out) as PackResult[])[0]!;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env, timeout: 240_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('npm pack ships the library, install script, native sources, data, the built lab page, README and LICENSE, and nothing else', () => {
  const r = pack(['--dry-run']);
  const files = r.files.map((f) => f.path);
  const top = new Set(files.map((f) => (f.includes('/') ? f.slice(0, f.indexOf('/') + 1) : f)));
  assert.deepEqual([...top].sort(), ['LICENSE', 'README.md', 'binding.gyp', 'data/', 'dist/', 'lab/', 'native/', 'package.json', 'scripts/'].sort());
  assert.ok(files.every((f) => !f.startsWith('dist/') || f.startsWith('dist/src/')), 'only dist/src of the build (no compiled tests, bench or examples)');
  assert.ok(files.every((f) => !f.startsWith('lab/') || f.startsWith('lab/dist/')), 'only the built lab page (no page sources, no starter models)');
  for (const needed of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/core.js', 'dist/src/cli/main.js', 'dist/src/backend/wasm/module.generated.js', 'scripts/install.mjs', 'data/california_housing_train.csv', 'lab/dist/index.html']) {
    assert.ok(files.includes(needed), `${needed} is packed`);
  }
  // Every source binding.gyp compiles is packed, with the headers and includes next to it.
  const gyp = JSON.parse(readFileSync(path.join(root, 'binding.gyp'), 'utf8')) as { targets: { sources: string[] }[] };
  for (const source of gyp.targets.flatMap((t) => t.sources)) assert.ok(files.includes(source), `${source} (binding.gyp) is packed`);
  assert.ok(files.some((f) => /^native\/.*\.h$/.test(f)), 'native headers are packed');
  // The library grows with every feature (501 files on 2026-11-30); the bound catches tests, bench or page sources slipping in (~700 with them).
  assert.ok(r.entryCount < 580, `${r.entryCount} files`);
  // 1.88 MB on 2026-11-29 (after the fused conv/pool and GEMM-epilogue kernels), 2.04 MB after the Philox dropout kernels
  // (20:00–21:10 UTC); ~0.27 MB of it photographs `deepts denoise` reads and ~0.6 MB the WASM builds (4 modules, embedded
  // in the library and again in the lab's files). A stray test, bench or page-source tree adds far more than the margin.
  assert.ok(r.size < 2.3e6, `${r.size} bytes packed`);
});

test('the packed package installs into a fresh project: info and a short training without a compiler and on the native backend', { timeout: 300_000 }, async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'deepts-packed-'));
  try {
    const tarball = path.join(work, pack(['--pack-destination', work]).filename);
    const project = path.join(work, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'deepts-user', version: '1.0.0', private: true, type: 'module' }));
    writeFileSync(path.join(project, 'train.mjs'), `
      import { Sequential, Dense, InputLayer, Tensor, getBackend, setSeed } from 'deepts';
      setSeed(1);
      const x = new Tensor(Float32Array.from({ length: 64 }, (_, i) => (i % 8) / 8), [32, 2]);
      const y = new Tensor(Float32Array.from({ length: 32 }, (_, i) => 2 * x.values[2 * i] - x.values[2 * i + 1] + 0.5), [32, 1]);
      const model = new Sequential([new InputLayer({ shape: [2] }), new Dense(8, { activation: 'relu' }), new Dense(1)]);
      model.compile({ optimizer: 'adam', loss: 'mse' });
      const h = await model.fit(x, y, { epochs: 40, batchSize: 8, verbose: 0 });
      const loss = h.history.loss;
      console.log(JSON.stringify({ backend: getBackend().name, first: loss[0], last: loss[loss.length - 1] }));
    `);

    // The no-compiler path: install with a PATH that has node, npm and sh but no C++ compiler.
    const bin = path.join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const npmOnPath = (process.env['PATH'] ?? '').split(path.delimiter).map((d) => path.join(d, 'npm')).find((p) => existsSync(p));
    assert.ok(npmOnPath, 'npm is on PATH');
    const npmCli = realpathSync(npmOnPath); // …/node_modules/npm/bin/npm-cli.js
    symlinkSync(npmCli, path.join(bin, 'npm'));
    symlinkSync(path.join(path.dirname(npmCli), 'npx-cli.js'), path.join(bin, 'npx'));
    for (const tool of ['sh', 'env']) {
      const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => existsSync(p));
      if (found) symlinkSync(found, path.join(bin, tool));
    }
    const noCompiler: NodeJS.ProcessEnv = { ...process.env, PATH: bin, CXX: '', npm_config_foreground_scripts: 'true' };
    delete noCompiler['DEEPTS_BACKEND'];
    const install = await run(process.execPath, [path.join(bin, 'npm'), 'install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project, noCompiler);
    assert.equal(install.code, 0, install.stderr);
    const installed = path.join(project, 'node_modules', 'deepts');
    assert.ok(existsSync(path.join(installed, 'dist', 'src', 'index.js')));
    assert.ok(!existsSync(path.join(installed, 'test')) && !existsSync(path.join(installed, 'bench')));

    // npm 11 asks before running a dependency's install script, so the build is run as a user would.
    const build = await run(process.execPath, [path.join(bin, 'npx'), '--no-install', 'deepts', 'build-native'], project, noCompiler);
    assert.equal(build.code, 1);
    assert.match(build.stdout, /native backend not built: no C\+\+ compiler found .*sudo apt-get install g\+\+/);
    assert.doesNotMatch(build.stdout + build.stderr, /node-gyp failed/);

    const infoWasm = await run(process.execPath, [path.join(bin, 'npx'), '--no-install', 'deepts', 'info'], project, noCompiler);
    assert.equal(infoWasm.code, 0, infoWasm.stderr);
    assert.match(infoWasm.stdout, /deepts backend: wasm/);
    assert.match(infoWasm.stderr, /native backend not built/);
    const trainWasm = await run(process.execPath, ['train.mjs'], project, noCompiler);
    assert.equal(trainWasm.code, 0, trainWasm.stderr);
    const wasmRun = JSON.parse(trainWasm.stdout) as { backend: string; first: number; last: number };
    assert.equal(wasmRun.backend, 'wasm');
    assert.ok(wasmRun.last < 0.2 * wasmRun.first, `training lowers the loss: ${wasmRun.first} → ${wasmRun.last}`);

    // The native path.
    if (process.env['DEEPTS_TEST_NATIVE_BUILD']) {
      const built = await run(process.execPath, [path.join(bin, 'npx'), '--no-install', 'deepts', 'build-native'], project, process.env);
      assert.equal(built.code, 0, built.stdout + built.stderr);
    } else {
      const addon = path.join(root, 'build', 'Release', 'deepts_native.node');
      if (!existsSync(addon)) return; // this checkout has no native build to reuse (no compiler here either)
      mkdirSync(path.join(installed, 'build', 'Release'), { recursive: true });
      copyFileSync(addon, path.join(installed, 'build', 'Release', 'deepts_native.node'));
    }
    const infoNative = await run(process.execPath, [path.join(bin, 'npx'), '--no-install', 'deepts', 'info'], project, noCompiler);
    assert.equal(infoNative.code, 0, infoNative.stderr);
    assert.match(infoNative.stdout, /deepts backend: native/);
    const trainNative = await run(process.execPath, ['train.mjs'], project, noCompiler);
    assert.equal(trainNative.code, 0, trainNative.stderr);
    const nativeRun = JSON.parse(trainNative.stdout) as { backend: string; first: number; last: number };
    assert.equal(nativeRun.backend, 'native');
    assert.ok(nativeRun.last < 0.2 * nativeRun.first, `training lowers the loss: ${nativeRun.first} → ${nativeRun.last}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
