/**
 * The install-time build (scripts/install.mjs): it must find npm's node-gyp and the local Node
 * headers (no network), and never fail `npm install`. The full build itself is exercised by
 * `npm install` / `npx deepts build-native`; here only what is cheap to check.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'scripts', 'install.mjs');

interface InstallScript {
  findNodeGyp(): string | null;
  findLocalNodeDir(): string | null;
  findCxxCompiler(env?: NodeJS.ProcessEnv): { compiler: string | null; env?: Record<string, string>; lookedFor?: string[] };
  failureReason(output: string, nodeDir: string | null): string;
}

describe('native install script', () => {
  it("finds npm's node-gyp and this Node's headers locally", async () => {
    const mod = (await import(pathToFileURL(script).href)) as InstallScript;
    const gyp = mod.findNodeGyp();
    assert.ok(gyp && existsSync(gyp), `node-gyp found (${gyp})`);
    const nodeDir = mod.findLocalNodeDir();
    assert.ok(nodeDir && existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h')),
      `Node headers found locally (${nodeDir}); without them node-gyp would try to download them`);
  });

  it('prints one line and succeeds when the build is skipped', () => {
    const out = execFileSync(process.execPath, [script], { env: { ...process.env, DEEPTS_SKIP_NATIVE: '1' }, encoding: 'utf8' });
    assert.equal(out.trim().split('\n').length, 1);
    assert.match(out, /native backend not built/);
  });

  it('says "no C++ compiler found" and how to get one when PATH has no compiler, and still succeeds', () => {
    // A copy of the package's build inputs, so that nothing here can touch this checkout's build/.
    const pkg = mkdtempSync(path.join(tmpdir(), 'deepts-nocxx-'));
    try {
      mkdirSync(path.join(pkg, 'scripts'));
      copyFileSync(script, path.join(pkg, 'scripts', 'install.mjs'));
      copyFileSync(path.join(root, 'binding.gyp'), path.join(pkg, 'binding.gyp'));
      // PATH: only node, python3, make and sh; no g++, c++ or clang++.
      const bin = path.join(pkg, 'bin');
      mkdirSync(bin);
      symlinkSync(process.execPath, path.join(bin, 'node'));
      for (const tool of ['sh', 'make', 'python3']) {
        const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => existsSync(p));
        if (found) symlinkSync(found, path.join(bin, tool));
      }
      const env: NodeJS.ProcessEnv = { PATH: bin, HOME: pkg };
      const out = execFileSync(process.execPath, [path.join(pkg, 'scripts', 'install.mjs')], { env, encoding: 'utf8', cwd: pkg });
      assert.equal(out.trim().split('\n').length, 1, out);
      assert.match(out, /native backend not built: no C\+\+ compiler found \(looked for g\+\+, c\+\+, clang\+\+ on PATH\): install one \(Debian\/Ubuntu: sudo apt-get install g\+\+ make;/);
      assert.match(out, /then run `npx deepts build-native`/);
      assert.doesNotMatch(out, /node-gyp failed/);
      assert.ok(!existsSync(path.join(pkg, 'build')), 'node-gyp never ran');
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });

  it('finds the compiler make would use, or another one through CXX', async () => {
    const mod = (await import(pathToFileURL(script).href)) as InstallScript;
    assert.equal(mod.findCxxCompiler({ PATH: '/nonexistent' }).compiler, null);
    assert.deepEqual(mod.findCxxCompiler({ PATH: '/nonexistent', CXX: 'no-such-c++' }).lookedFor, ['no-such-c++ (from CXX)']);
    // Compiler errors in build output are told apart from a missing compiler.
    assert.match(mod.failureReason('make: g++: No such file or directory\nmake: *** [Release/obj.target/x.o] Error 127', '/usr'), /^no C\+\+ compiler found: install one/);
    assert.match(mod.failureReason('/bin/sh: 1: g++: not found', '/usr'), /^no C\+\+ compiler found/);
    assert.equal(mod.failureReason('../native/addon.cc:12:3: error: expected ;', '/usr'), 'the C++ compiler reported errors');
  });
});
