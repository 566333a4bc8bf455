/**
 * The lab's web server serves only its own files: traversal in every spelling, directory
 * listings, other methods and non-loopback Host headers are refused; the CLI command prints
 * its URL and honours --port. Requests are written raw on a socket so no client normalises them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { cleanPath, startLabServer, LAB_DIR } from '../src/io/lab-server.js';

/** Sends one raw HTTP/1.1 request line and returns the status and body. */
function rawGet(port: number, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; head: string }> {
  return new Promise((ok, fail) => {
    const socket = connect(port, '127.0.0.1', () => {
      const h = { Host: `127.0.0.1:${port}`, Connection: 'close', ...headers };
      socket.write(`${method} ${target} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('end', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      ok({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head ?? '')?.[1]), body: rest.join('\r\n\r\n'), head: head ?? '' });
    });
    socket.on('error', fail);
  });
}

/** A throwaway page folder, so this test does not need the Vite build. */
function fakeSite(): { dir: string; page: string; models: string; mnist: string } {
  const dir = mkdtempSync(join(tmpdir(), 'deepts-lab-'));
  const page = join(dir, 'page');
  mkdirSync(join(page, 'assets'), { recursive: true });
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(join(page, 'assets', 'app.js'), 'console.log("app");'.repeat(50));
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  const models = join(dir, 'models');
  mkdirSync(join(models, 'm'), { recursive: true });
  writeFileSync(join(models, 'm', 'model.json'), '{}');
  const mnist = join(dir, 'mnist');
  mkdirSync(mnist);
  writeFileSync(join(mnist, 't10k-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]));
  return { dir, page, models, mnist };
}

test('lab server: traversal in every spelling, listings and foreign hosts are refused', async () => {
  const site = fakeSite();
  const lab = await startLabServer({ port: 0, pageDir: site.page, modelsDir: site.models, mnistDir: site.mnist });
  const port = Number(new URL(lab.url).port);
  try {
    assert.match(lab.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await rawGet(port, '/');
    assert.equal(index.status, 200);
    assert.match(index.head, /Cross-Origin-Opener-Policy: same-origin/i);
    assert.match(index.head, /Cross-Origin-Embedder-Policy: require-corp/i);
    assert.equal((await rawGet(port, '/assets/app.js')).status, 200);
    assert.match((await rawGet(port, '/assets/app.js', { 'Accept-Encoding': 'gzip' })).head, /Content-Encoding: gzip/i);
    assert.equal((await rawGet(port, '/models/m/model.json')).status, 200);
    const range = await rawGet(port, '/mnist/t10k-labels-idx1-ubyte', { Range: 'bytes=8-9' });
    assert.equal(range.status, 206);
    assert.deepEqual([...Buffer.from(range.body, 'latin1')], [7, 2]);

    const attacks = [
      '/../package.json', '/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/%2E%2E/package.json',
      '/%2e%2e%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/%2e%2e%5c%2e%2e%5csecret.txt', '/%252e%252e/secret.txt',
      '/%252e%252e%252fsecret.txt', '/..%5csecret.txt', '/..\\secret.txt', '/.%2e/secret.txt', '/%2e./secret.txt', '//secret.txt',
      '/assets/', '/assets', '/models/', '/models/m', '/mnist/', '/%00', '/index.html%00.js', '/%c0%ae%c0%ae/secret.txt', '/%', 'secret.txt',
      '/./index.html', '/assets/./app.js', `/${'..%2f'.repeat(8)}etc/passwd`,
    ];
    for (const target of attacks) {
      const r = await rawGet(port, target);
      assert.ok(r.status === 403 || r.status === 404 || r.status === 400, `${target} → ${r.status}`);
      assert.doesNotMatch(r.body, /SECRET|"name": "deepts"|root:/, target);
    }
    assert.equal((await rawGet(port, '/', {}, 'POST')).status, 405);
    assert.equal((await rawGet(port, '/', { Host: 'evil.example:80' })).status, 403, 'DNS rebinding: a foreign Host header is refused');
  } finally {
    await lab.close();
    rmSync(site.dir, { recursive: true, force: true });
  }
});

test('lab server: cleanPath never lets a dot segment or separator through, however encoded', () => {
  const piece = fc.constantFrom('..', '.', '%2e', '%2E', '%2e%2e', '%2f', '%2F', '%5c', '\\', '/', '%25', '%252e', 'a', 'index.html', '%41', '%', '%zz', '%00');
  fc.assert(fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
    const path = cleanPath(`/${pieces.join('')}`);
    if (path === null) return;
    const segments = path.split('/').slice(1);
    assert.ok(!segments.includes('..') && !segments.includes('.'), `${pieces.join('')} → ${path}`);
    assert.ok(!/[\\%\0]/.test(path), `${pieces.join('')} → ${path}`);
  }));
  assert.equal(cleanPath('/assets/app%20x.js'), '/assets/app x.js');
  assert.equal(cleanPath('/a/b.js?x=../..'), '/a/b.js');
});

test('deepts lab: prints its URL, honours --port and --no-open, serves the page', { skip: LAB_DIR.length === 0 }, async (t) => {
  const { existsSync } = await import('node:fs');
  if (!existsSync(join(LAB_DIR, 'dist', 'index.html'))) return t.skip('the lab page is not built (npm test builds it)');
  const child = spawn(process.execPath, [join(LAB_DIR, '../dist/src/cli/main.js'), 'lab', '--port', '0', '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      child.stdout.on('data', (d) => { out += String(d); const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out); if (m) ok(m[0]); });
      child.on('exit', (code) => fail(new Error(`deepts lab exited (${code}): ${out}`)));
      setTimeout(() => fail(new Error(`no URL printed: ${out}`)), 15000).unref();
    });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /deepts lab/);
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
  } finally {
    child.kill('SIGTERM');
  }
});
