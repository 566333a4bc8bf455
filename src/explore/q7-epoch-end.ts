/**
 * Q7 "Is there anything extra happening at the end of each epoch?" — yes. A tracer
 * callback records when fit starts and ends each epoch and each step; each other
 * callback runs inside a timer that records what it did (learning rate changed, training
 * stopped, weights kept). From those events: what happens between the last training step
 * and the next epoch (validation pass, metrics, callbacks), and each part's share of time.
 */
import { setSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../nn/layers/dense.js';
import { Dropout } from '../nn/layers/activation.js';
import { Flatten, InputLayer } from '../nn/layers/reshaping.js';
import { Adam } from '../train/optimizers/index.js';
import { Callback, type CallbackModel, type Logs, type TrainingParams } from '../train/callbacks/callback.js';
import { EarlyStopping } from '../train/callbacks/early-stopping.js';
import { ReduceLROnPlateau } from '../train/callbacks/reduce-lr.js';
import { barChart } from '../viz/bar-chart.js';
import { experiment, fmt, now, percent, type Figure } from './experiment.js';

export interface EpochTrace {
  epoch: number;
  /** Milliseconds: from onEpochBegin to the first step (shuffling the order), the steps, from the last step to the callbacks (validation pass and metrics), the callbacks. */
  shuffleMs: number;
  stepsMs: number;
  steps: number;
  validationMs: number;
  callbacksMs: number;
  logs: Logs;
  /** What the callbacks did, in words, from the state they left. */
  actions: string[];
}

export interface EpochEndNumbers {
  trainRows: number;
  validationRows: number;
  epochs: EpochTrace[];
  /** Epochs asked for (training may stop earlier). */
  epochsAsked: number;
}

/** Times one callback's epoch-end hook and reports what changed. */
class Timed extends Callback {
  ms = 0;
  constructor(readonly inner: Callback, readonly describe: (before: { lr: number }, model: CallbackModel) => string | null) { super(); }
  override setModel(model: CallbackModel): void { super.setModel(model); this.inner.setModel(model); }
  override setParams(params: TrainingParams): void { super.setParams(params); this.inner.setParams(params); }
  override onTrainBegin(logs?: Logs) { return this.inner.onTrainBegin(logs); }
  override onTrainEnd(logs?: Logs) { return this.inner.onTrainEnd(logs); }
  override onEpochBegin(epoch: number, logs?: Logs) { return this.inner.onEpochBegin(epoch, logs); }
  override onBatchBegin(batch: number, logs?: Logs) { return this.inner.onBatchBegin(batch, logs); }
  override onBatchEnd(batch: number, logs?: Logs) { return this.inner.onBatchEnd(batch, logs); }
  lastAction: string | null = null;
  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    const lr = this.model?.optimizer?.learningRate ?? NaN;
    const t0 = now();
    await this.inner.onEpochEnd(epoch, logs);
    this.ms = now() - t0;
    this.lastAction = this.describe({ lr: Number(lr) }, this.model!);
  }
}

/** Keeps the weights of the best epoch so far in memory (what a checkpoint file would hold). */
class KeepBest extends Callback {
  best = Infinity;
  saved = false;
  weights: Tensor[] = [];
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    const v = logs['val_loss'] ?? Infinity;
    this.saved = v < this.best;
    if (this.saved) {
      this.best = v;
      this.weights = this.model!.getWeights();
    }
  }
}

export const epochEnd = experiment<EpochEndNumbers>({
  id: 7,
  name: 'epoch-end',
  question: 'Is there anything extra happening at the end of each epoch?',
  async measure({ data, quick, seed, log }) {
    const mnist = await data.mnist();
    const nTrain = Math.min(mnist.train.n, quick ? 4000 : 60000), nVal = Math.min(mnist.test.n, quick ? 1000 : 10000);
    const x = new Tensor(mnist.train.images.subarray(0, nTrain * 784), [nTrain, 28, 28]);
    const y = new Tensor(mnist.train.labels.subarray(0, nTrain), [nTrain]);
    const xv = new Tensor(mnist.test.images.subarray(0, nVal * 784), [nVal, 28, 28]);
    const yv = new Tensor(mnist.test.labels.subarray(0, nVal), [nVal]);
    setSeed(seed);
    const model = new Sequential([new InputLayer({ shape: [28, 28] }), new Flatten(), new Dense(128, { activation: 'relu' }), new Dense(128, { activation: 'relu' }), new Dropout(0.25), new Dense(10, { activation: 'softmax' })]);
    model.compile({ optimizer: new Adam({ learningRate: 0.001 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const keepBest = new KeepBest();
    const early = new EarlyStopping({ monitor: 'val_loss', patience: 2 });
    const timed = [
      new Timed(new ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 1 }), (before, m) => {
        const after = Number(m.optimizer?.learningRate ?? NaN);
        return after !== before.lr ? `ReduceLROnPlateau: val_loss did not improve, learning rate ${fmt(before.lr)} → ${fmt(after)}` : null;
      }),
      new Timed(keepBest, () => (keepBest.saved ? `checkpoint: best val_loss so far (${fmt(keepBest.best, 4)}), weights kept` : 'checkpoint: no improvement, nothing saved')),
      new Timed(early, (_b, m) => (m.stopTraining ? 'EarlyStopping: patience used up, training stops' : null)),
    ];
    const trace: EpochTrace[] = [];
    let tBegin = 0, tFirstStep = NaN, tLastStepEnd = 0, stepMs = 0, steps = 0, tStep = 0;
    const tracer = {
      onEpochBegin: () => { tBegin = now(); tFirstStep = NaN; stepMs = 0; steps = 0; },
      onBatchBegin: () => { tStep = now(); if (Number.isNaN(tFirstStep)) tFirstStep = tStep; },
      onBatchEnd: () => { tLastStepEnd = now(); stepMs += tLastStepEnd - tStep; steps++; },
      // Runs after the trainer's own History and before the timed callbacks: the validation pass is done by now.
      onEpochEnd: (epoch: number, logs?: Logs) => {
        trace.push({ epoch, shuffleMs: tFirstStep - tBegin, stepsMs: stepMs, steps, validationMs: now() - tLastStepEnd, callbacksMs: 0, logs: { ...logs }, actions: [] });
      },
    };
    const after = {
      onEpochEnd: () => {
        const t = trace[trace.length - 1]!;
        t.callbacksMs = timed.reduce((s, c) => s + c.ms, 0);
        t.actions = timed.map((c) => c.lastAction).filter((a): a is string => a !== null);
        log(`  epoch ${t.epoch + 1}: ${t.steps} steps ${fmt(t.stepsMs / 1000)} s, validation ${fmt(t.validationMs)} ms, callbacks ${fmt(t.callbacksMs)} ms; ${t.actions.join('; ')}`);
      },
    };
    const epochsAsked = quick ? 4 : 12;
    await model.fit(x, y, { epochs: epochsAsked, batchSize: 128, verbose: 0, validationData: [xv, yv], callbacks: [tracer, ...timed, after] });
    const parts = ['shuffle', 'training steps', 'validation + metrics', 'callbacks'];
    const total = (f: (t: EpochTrace) => number): number => trace.reduce((s, t) => s + f(t), 0);
    const figures: Figure[] = [{
      file: 'epoch-end',
      title: 'Where an epoch\'s time goes',
      picture: barChart({
        title: `Time per epoch by part (mean of ${trace.length} epochs, ms)`, yLabel: 'milliseconds',
        groups: parts,
        series: [{ name: 'mean per epoch', values: [total((t) => t.shuffleMs), total((t) => t.stepsMs), total((t) => t.validationMs), total((t) => t.callbacksMs)].map((v) => v / trace.length) }],
        width: 680, height: 420,
      }),
    }];
    return { numbers: { trainRows: nTrain, validationRows: nVal, epochs: trace, epochsAsked }, figures };
  },
  conclude({ trainRows, validationRows, epochs, epochsAsked }) {
    const lines: string[] = [];
    const sum = (f: (t: EpochTrace) => number): number => epochs.reduce((s, t) => s + f(t), 0);
    const all = sum((t) => t.shuffleMs + t.stepsMs + t.validationMs + t.callbacksMs);
    const stepsPerEpoch = epochs[0]?.steps ?? 0;
    lines.push(`Yes. Each epoch here: the ${trainRows.toLocaleString('en-US')} training rows are shuffled into a new order (${fmt(sum((t) => t.shuffleMs) / epochs.length)} ms), ${stepsPerEpoch} training steps run (${percent(sum((t) => t.stepsMs) / all)} of the time), then — at the end of the epoch — the model is evaluated on the ${validationRows.toLocaleString('en-US')} validation rows without updating weights and the metrics are logged (${percent(sum((t) => t.validationMs) / all)}), then the callbacks run (${percent(sum((t) => t.callbacksMs) / all)}).`);
    lines.push('What the callbacks did, epoch by epoch:');
    for (const t of epochs) {
      lines.push(`  epoch ${t.epoch + 1}: loss ${fmt(t.logs['loss'] ?? NaN, 4)}, val_loss ${fmt(t.logs['val_loss'] ?? NaN, 4)}, val_accuracy ${percent(t.logs['val_accuracy'] ?? NaN)} — ${t.actions.length ? t.actions.join('; ') : 'nothing else'}`);
    }
    const stopped = epochs.length < epochsAsked;
    lines.push(stopped ? `Training stopped after ${epochs.length} of ${epochsAsked} epochs because EarlyStopping ran out of patience.` : `All ${epochsAsked} epochs ran; EarlyStopping never ran out of patience.`);
    lines.push('Nothing else changes the weights at an epoch\'s end: the validation pass only measures, and callbacks act only if you add them (ReduceLROnPlateau, checkpoints, EarlyStopping, as here).');
    return lines.join('\n');
  },
});
