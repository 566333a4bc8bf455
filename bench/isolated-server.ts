/**
 * A static server for a page that trains in Chromium: `page` at `/`, and the repository's files
 * by path (the page imports /dist/src/core.js, workers from /dist/bench/...). It sends the cross-origin
 * isolation headers (COOP same-origin, COEP require-corp), which give the WASM backend its
 * worker threads, as the lab server does. Used by bench/chromium-steps.ts and test/browser.test.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (this module runs from dist/bench/). */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Debian's Chromium, if installed (the benches' and browser tests' browser). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;

const MIME: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.wasm': 'application/wasm' };

export function serveIsolatedPage(page: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    if (path === '/') {
      res.setHeader('Content-Type', 'text/html');
      res.end(page);
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    ok({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/` });
  }));
}
