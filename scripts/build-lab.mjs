// Builds the `deepts lab` page (lab/ → lab/dist, bundled by Vite) and, once, its starter
// models (lab/models, trained with a fixed seed by dist/src/tasks/lab-starter-models.js).
// Run by `npm install` (prepare) and `npm test`, after tsc. Vite is a devDependency: where
// it is missing (an install without dev dependencies) an existing build is kept.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

// The page serves deepts' WASM kernels as .wasm files (smaller on the wire than base64 and
// compiled while downloading). Their bytes come from the one committed copy, the generated
// module tsc compiled into dist/, checked against the sha256 recorded beside them.
const generated = path.join(lab, '.generated');
mkdirSync(generated, { recursive: true });
const embedded = readFileSync(path.join(root, 'dist/src/backend/wasm/module.generated.js'), 'utf8');
const WASM_FILES = [
  ['WASM_KERNELS', 'deepts-kernels.wasm'], ['WASM_KERNELS_THREADED', 'deepts-kernels-mt.wasm'],
  ['WASM_KERNELS_RELAXED', 'deepts-kernels-relaxed.wasm'], ['WASM_KERNELS_THREADED_RELAXED', 'deepts-kernels-mt-relaxed.wasm'],
];
for (const [name, file] of WASM_FILES) {
  const m = new RegExp(`sha256 ([0-9a-f]{64}) \\*/\\s*export const ${name}_BASE64 =([^;]*);`).exec(embedded);
  if (!m) throw new Error(`deepts lab: ${name}_BASE64 not found in dist/src/backend/wasm/module.generated.js`);
  // The literal is 'chunk' + 'chunk' + ...; '+' is also a base64 digit, so join chunks, not strip '+'.
  const bytes = Buffer.from(m[2].trim().replace(/'\s*\+\s*'/g, '').replace(/'/g, ''), 'base64');
  if (createHash('sha256').update(bytes).digest('hex') !== m[1]) throw new Error(`deepts lab: ${file} does not match its recorded sha256`);
  writeFileSync(path.join(generated, file), bytes);
}
// ...and the embedded base64 copy stays out of the page's bundles: the page passes the files'
// URLs to ready({ wasmFiles }), and importing the embedded copy would be a loud error.
const noEmbeddedWasm = {
  name: 'deepts-lab-wasm-files-only',
  enforce: 'pre',
  resolveId: (id) => (/(^|\/)module\.generated\.js$/.test(id) ? '\0deepts-embedded-wasm' : null),
  load: (id) => (id === '\0deepts-embedded-wasm'
    ? 'throw new Error("deepts lab: the WASM kernels load from .wasm files (ready({ wasmFiles })), not an embedded copy");'
    : null),
};

// Type-check the page (Vite only strips types).
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(lab, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

await vite.build({
  configFile: false,
  root: lab,
  base: './',
  logLevel: quiet ? 'warn' : 'info',
  resolve: { alias: [{ find: /^deepts\/core$/, replacement: path.join(root, 'dist/src/core.js') }] },
  plugins: [noEmbeddedWasm],
  worker: { format: 'es', plugins: () => [noEmbeddedWasm] },
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
