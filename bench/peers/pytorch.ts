/**
 * Peer (optional): PyTorch from Debian's python3-torch in the settings of
 * PYTORCH_AUTOENCODER_SETTINGS (threads, BLAS threads, denormal flush; the targets compare with
 * the fastest), running bench/pytorch_autoencoder.py with the same model and measuring plan.
 * When /usr/bin/python3 cannot import torch the row is skipped, never failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env['DEEPTS_BENCH_PYTHON'] ?? '/usr/bin/python3';

/** Null when PyTorch is usable, else why not (for the table's footnote). */
export function pytorchUnavailableReason(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return null;
  return `'${PYTHON} -c "import torch"' failed (apt-get install python3-torch libopenblas0-pthread to add this row)`;
}

/** bench/pytorch_autoencoder.py, found from dist/bench/peers/ or bench/peers/. */
export function pytorchScriptPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'bench', 'pytorch_autoencoder.py');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('bench/pytorch_autoencoder.py not found above ' + path.dirname(fileURLToPath(import.meta.url)));
}

/**
 * Command line and environment of the PyTorch child process: `threads` intra-op threads
 * (torch.set_num_threads, OpenMP) and `blasThreads` BLAS threads (OpenBLAS, MKL).
 */
export function pytorchCommand(mnistDir: string, planJson: string, threads = 1, blasThreads = threads, flushDenormal = false): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const n = String(threads), blas = String(blasThreads);
  return {
    command: PYTHON,
    args: [pytorchScriptPath(), mnistDir, planJson],
    env: {
      ...process.env, OPENBLAS_NUM_THREADS: blas, MKL_NUM_THREADS: blas, OMP_NUM_THREADS: n, DEEPTS_BENCH_TORCH_THREADS: n,
      DEEPTS_BENCH_TORCH_FLUSH_DENORMAL: flushDenormal ? '1' : '0',
    },
  };
}

/**
 * The PyTorch settings the autoencoder row tries; the targets compare with the fastest, and
 * which one that is changes between hosts. On 2 cores, letting both OpenMP and OpenBLAS run two
 * threads each (PyTorch's default) was measured 2-3× slower than one thread (2026-11-30: 2.97
 * against 1.14 s/epoch); two intra-op threads over a one-thread BLAS were 3-9 % faster on one host.
 * The last setting also flushes denormals to zero (torch.set_flush_denormal(True)), as deepts'
 * replayed plans do: from the third epoch on, Adamax moments decaying into the denormal range
 * slowed PyTorch's epochs from ~1.15 to ~1.33 s (2026-11-30, 8-epoch runs, 2 threads).
 */
export const PYTORCH_AUTOENCODER_SETTINGS = [
  { config: 'pytorch-1thread', threads: 1, blasThreads: 1, flushDenormal: false },
  { config: 'pytorch-2threads', threads: 2, blasThreads: 2, flushDenormal: false },
  { config: 'pytorch-2t-blas1t', threads: 2, blasThreads: 1, flushDenormal: false },
  { config: 'pytorch-2t-blas1t-ftz', threads: 2, blasThreads: 1, flushDenormal: true },
] as const;

/** Command line and environment of the PyTorch GEMM child (torch.mm, 1 thread). */
export function pytorchGemmCommand(secondsPerShape: number): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const c = pytorchCommand('', '');
  return { ...c, args: [pytorchScriptPath(), '--gemm', String(secondsPerShape)] };
}
