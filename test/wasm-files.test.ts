/** The WASM backend loaded from served .wasm files (as the lab page does) instead of the embedded base64 copy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kernels } from '../src/backend/kernels.js';
import { nodeWasmWorkerFactory } from '../src/backend/wasm-node-workers.js';
import { createWasmBackend, wasmUnavailableReason } from '../src/backend/wasm/load.js';
import { WASM_KERNELS_BASE64, WASM_KERNELS_THREADED_BASE64 } from '../src/backend/wasm/module.generated.js';

const files: Record<string, Buffer> = {
  '/deepts-kernels.wasm': Buffer.from(WASM_KERNELS_BASE64, 'base64'),
  '/deepts-kernels-mt.wasm': Buffer.from(WASM_KERNELS_THREADED_BASE64, 'base64'),
};

/** Serves the two builds; `type` is the Content-Type sent (compileStreaming needs application/wasm). */
async function serve(type: string): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (!body) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function matmulWorks(kernels: Kernels): void {
  const a = Float32Array.from([1, 2, 3, 4]);
  const b = Float32Array.from([5, 6, 7, 8]);
  const c = new Float32Array(4);
  kernels.matmul(a, b, c, 2, 2, 2, false, false, false);
  assert.deepEqual(Array.from(c), [19, 22, 43, 50]);
}

for (const type of ['application/wasm', 'application/octet-stream']) {
  test(`wasmFiles: both builds load from URLs served as ${type} and compute correctly`, async () => {
    const { server, url, requests } = await serve(type);
    try {
      const wasmFiles = { single: `${url}/deepts-kernels.wasm`, threaded: new URL(`${url}/deepts-kernels-mt.wasm`) };
      const single = await createWasmBackend({ threads: 1, wasmFiles });
      assert.ok(single, String(wasmUnavailableReason()));
      matmulWorks(single.kernels as Kernels);
      const threaded = await createWasmBackend({ threads: 2, workerFactory: nodeWasmWorkerFactory, wasmFiles });
      assert.ok(threaded);
      assert.equal(threaded.describe?.()['threads'], 2);
      matmulWorks(threaded.kernels as Kernels);
      threaded.stopThreads();
      assert.deepEqual(requests, ['/deepts-kernels.wasm', '/deepts-kernels-mt.wasm']);
    } finally {
      server.close();
    }
  });
}

test('wasmFiles: a missing file is a clear reason (URL and HTTP status), never a crash', async () => {
  const { server, url } = await serve('application/wasm');
  try {
    const backend = await createWasmBackend({ threads: 1, wasmFiles: { single: `${url}/nope.wasm`, threaded: `${url}/nope-mt.wasm` } });
    assert.equal(backend, null);
    assert.match(String(wasmUnavailableReason()), /nope\.wasm: HTTP 404/);
  } finally {
    server.close();
  }
});
