// Builds the `deepts lab` page (lab/ → lab/dist, bundled by Vite) and, once, its starter
// models (lab/models, trained with a fixed seed by dist/src/tasks/lab-starter-models.js).
// Run by `npm install` (prepare) and `npm test`, after tsc. Vite is a devDependency: where
// it is missing (an install without dev dependencies) an existing build is kept.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lab = path.join(root, 'lab');
const quiet = process.argv.includes('--quiet');
// npm pack ships the page but not the starter models (1.3 MB): they are trained in a clone's `npm install`.
const pageOnly = process.argv.includes('--page-only');

let vite;
try {
  vite = await import('vite');
} catch {
  if (existsSync(path.join(lab, 'dist', 'index.html'))) process.exit(0);
  console.error('deepts lab: Vite is not installed, so the lab page cannot be built (npm install without --omit=dev)');
  process.exit(0);
}

// Type-check the page (Vite only strips types).
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(lab, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

await vite.build({
  configFile: false,
  root: lab,
  base: './',
  logLevel: quiet ? 'warn' : 'info',
  resolve: { alias: [{ find: /^deepts\/core$/, replacement: path.join(root, 'dist/src/core.js') }] },
  worker: { format: 'es' },
  build: {
    outDir: path.join(lab, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // .wasm stays a file (streaming compilation), never a base64 data: URL.
    assetsInlineLimit: (file) => !file.endsWith('.wasm') && undefined,
    reportCompressedSize: !quiet,
  },
});

if (!pageOnly) {
  const { makeStarterModels } = await import(pathToFileURL(path.join(root, 'dist/src/tasks/lab-starter-models.js')).href);
  await makeStarterModels();
}
const { pageTransferSize } = await import(pathToFileURL(path.join(root, 'dist/src/io/lab-server.js')).href);
const size = pageTransferSize();
if (!quiet) console.log(`deepts lab: page ${size.files} files, ${(size.raw / 1024).toFixed(0)} KiB, ${(size.gzip / 1024).toFixed(0)} KiB with gzip`);
