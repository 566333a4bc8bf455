// npm `install` script of deepts: builds the native backend (N-API addon) with node-gyp.
// It must never make `npm install` fail: without a compiler deepts falls back to its WASM/JS
// backends, and this script says so in ONE line (full compiler output goes to a log file).
// Also used by `deepts build-native` (src/backend/native/build.ts imports buildNativeAddon).
// Headers: node-gyp is pointed at the headers of the running Node (<prefix>/include/node)
// so that no header download (network) is needed.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The node-gyp CLI script: npm's own copy first (always present where npm runs), then others. */
export function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(
    path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  );
  for (const from of [packageRoot, process.cwd()]) {
    try {
      candidates.push(createRequire(path.join(from, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
    } catch {
      // not installed there
    }
  }
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** A directory with include/node/node_api.h for the running Node, or null. */
export function findLocalNodeDir() {
  const candidates = [];
  if (process.env.npm_config_nodedir) candidates.push(process.env.npm_config_nodedir);
  candidates.push(path.resolve(path.dirname(process.execPath), '..'), '/usr', '/usr/local');
  return candidates.find((d) => existsSync(path.join(d, 'include', 'node', 'node_api.h'))) ?? null;
}

/** How to get a C++ compiler, per system: the second half of the no-compiler message. */
export const HOW_TO_GET_A_COMPILER =
  'install one (Debian/Ubuntu: sudo apt-get install g++ make; Fedora/RHEL: sudo dnf install gcc-c++ make; ' +
  'Alpine: apk add g++ make; macOS: xcode-select --install; Windows: Visual Studio Build Tools with "Desktop development with C++"), ' +
  'then run `npx deepts build-native`';

function executableOnPath(name, env) {
  const isExecutable = (p) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return isExecutable(name) ? name : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const p = path.join(dir, name);
    if (isExecutable(p)) return p;
  }
  return null;
}

/**
 * The C++ compiler the build will use, found before node-gyp runs so that a machine without one
 * gets "no C++ compiler found" and how to get one, not a screen of make errors. Resolves to
 * { compiler, env } (env: variables to pass to node-gyp, e.g. CXX=clang++ when g++, make's
 * default, is missing but clang++ is there) or { compiler: null, lookedFor }.
 * Windows is not checked: node-gyp locates Visual Studio itself and says what is missing.
 */
export function findCxxCompiler(env = process.env) {
  if (process.platform === 'win32') return { compiler: 'msvc', env: {} };
  if (env.CXX && env.CXX.trim() !== '') {
    const wanted = env.CXX.trim().split(/\s+/)[0];
    const compiler = executableOnPath(wanted, env);
    return compiler ? { compiler, env: {} } : { compiler: null, lookedFor: [`${wanted} (from CXX)`] };
  }
  // make's default C++ compiler is g++ (macOS: c++ is clang); the others are used through CXX.
  const names = process.platform === 'darwin' ? ['c++', 'clang++', 'g++'] : ['g++', 'c++', 'clang++'];
  for (const name of names) {
    const compiler = executableOnPath(name, env);
    if (compiler) return { compiler, env: name === names[0] ? {} : { CXX: compiler } };
  }
  return { compiler: null, lookedFor: names };
}

/**
 * Builds build/Release/deepts_native.node. Resolves to { ok, message, log }.
 * `verbose` streams the compiler output instead of writing it to the log file only.
 */
export async function buildNativeAddon({ verbose = false } = {}) {
  const log = path.join(packageRoot, 'build', 'deepts-native-build.log');
  const cxx = findCxxCompiler();
  if (!cxx.compiler) {
    return { ok: false, message: `no C++ compiler found (looked for ${cxx.lookedFor.join(', ')} on PATH): ${HOW_TO_GET_A_COMPILER}`, log: null };
  }
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return { ok: false, message: 'node-gyp was not found (it ships with npm)', log: null };
  const nodeDir = findLocalNodeDir();
  const args = [nodeGyp, 'rebuild', '--release', '--jobs=max'];
  if (nodeDir) args.push(`--nodedir=${nodeDir}`);
  const result = spawnSync(process.execPath, args, {
    cwd: packageRoot,
    encoding: 'utf8',
    stdio: verbose ? 'inherit' : 'pipe',
    env: { ...process.env, ...cxx.env, npm_config_loglevel: verbose ? 'info' : 'warn' },
  });
  const addon = path.join(packageRoot, 'build', 'Release', 'deepts_native.node');
  if (!verbose) {
    try {
      mkdirSync(path.dirname(log), { recursive: true });
      writeFileSync(log, `${args.join(' ')}\n\n${result.stdout ?? ''}\n${result.stderr ?? ''}\n${result.error ?? ''}`);
    } catch {
      // an unwritable package folder must not turn a build failure into a crash
    }
  }
  if (result.status === 0 && existsSync(addon)) return { ok: true, message: `built ${addon}`, log };
  const output = `${result.stderr ?? ''}\n${result.stdout ?? ''}`;
  const reason = result.error ? String(result.error.message) : failureReason(output, nodeDir);
  return { ok: false, message: reason, log: verbose ? null : log };
}

/** The likely cause of a failed node-gyp run, in a few words. */
function failureReason(output, nodeDir) {
  if (/Could not find any Python/i.test(output)) return 'no Python 3 found (node-gyp needs it)';
  if (/not found: make|make: not found|gmake.*not found/i.test(output)) return 'no `make` found';
  // "make: g++: No such file or directory", "/bin/sh: 1: g++: not found" (no \b after "++": both sides are non-word characters).
  if (/(^|[\s/:])(g\+\+|c\+\+|clang\+\+|gcc|cc|clang)(:|\s)[^\n]*(not found|No such file)|No such file or directory: '[^']*(g\+\+|gcc|cc|clang)/im.test(output)) {
    return `no C++ compiler found: ${HOW_TO_GET_A_COMPILER}`;
  }
  if (!nodeDir && /getaddrinfo|ENOTFOUND|ECONNREFUSED|EAI_AGAIN/i.test(output)) {
    return 'Node headers are not installed locally and could not be downloaded';
  }
  if (/error:/.test(output)) return 'the C++ compiler reported errors';
  return 'node-gyp failed';
}

async function main() {
  if (process.env.DEEPTS_SKIP_NATIVE) {
    console.log('deepts: DEEPTS_SKIP_NATIVE is set, native backend not built (WASM/JS backends will be used).');
    return;
  }
  try {
    const r = await buildNativeAddon();
    if (r.ok) console.log('deepts: native backend built (AVX-512/AVX2/generic kernels, chosen at run time).');
    else {
      const where = r.log ? ` (details: ${r.log})` : '';
      const retry = r.message.includes('npx deepts build-native') ? '' : ' Retry with `npx deepts build-native`.';
      console.log(`deepts: native backend not built: ${r.message}${where}; deepts will use its WASM/JS backends meanwhile.${retry}`);
    }
  } catch (e) {
    console.log(`deepts: native backend not built: ${e instanceof Error ? e.message : String(e)}; deepts will use its WASM/JS backends.`);
  }
}

export { failureReason };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
  process.exitCode = 0;
}
