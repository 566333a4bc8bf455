/**
 * The install-time build (scripts/install.mjs): it must find npm's node-gyp and the local Node
 * headers (no network), and never fail `npm install`. The full build itself is exercised by
 * `npm install` / `npx deepts build-native`; here only what is cheap to check.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'scripts', 'install.mjs');

interface InstallScript {
  findNodeGyp(): string | null;
  findLocalNodeDir(): string | null;
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
});
