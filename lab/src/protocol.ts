/** Messages between the page and its training worker (train-worker.ts). */

export type OptimizerChoice = 'adam' | 'adamax' | 'sgd' | 'rmsprop' | 'adagrad';
export type ActivationChoice = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'softplus' | 'linear';
export type ModelKind = 'autoencoder' | 'classifier';

/** The lecture's knobs. For the autoencoder `hidden` is the encoder (the decoder mirrors it); its last entry is the code size. */
export interface TrainSettings {
  kind: ModelKind;
  hidden: number[];
  activation: ActivationChoice;
  optimizer: OptimizerChoice;
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** Training images (the first N of MNIST's 60,000). */
  trainSize: number;
  /** Validation images (the first N of the 10,000 test images). */
  valSize: number;
  seed: number;
}

/** A model in the CLI's saved format: the text of model.json and the bytes of weights.bin. */
export interface ModelFiles {
  json: string;
  weights: ArrayBuffer;
}

export type ToWorker =
  | { type: 'train'; settings: TrainSettings }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** The current drawing (784 pixels), reconstructed/classified in every preview while training. */
  | { type: 'probe'; pixels: Float32Array }
  | { type: 'confusion'; model: ModelFiles; count: number }
  | { type: 'regress'; xs: number[]; ys: number[]; units: number; activation: ActivationChoice; epochs: number; learningRate: number };

export type FromWorker =
  | { type: 'backend'; name: string; threads: number }
  | { type: 'status'; text: string }
  | { type: 'batch'; epoch: number; step: number; steps: number; loss: number }
  | { type: 'epoch'; epoch: number; loss: number; valLoss: number; accuracy?: number; valAccuracy?: number; seconds: number }
  /** Outputs on the preview inputs (8 test digits, then the drawing if any): 784 pixels each (autoencoder) or 10 probabilities (classifier). */
  | { type: 'preview'; inputs: Float32Array; outputs: Float32Array; count: number; width: number }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'done'; model: ModelFiles; stopped: boolean }
  | { type: 'confusion'; matrix: number[][]; accuracy: number; count: number }
  | { type: 'regression'; epoch: number; loss: number; grid: number[]; curve: number[] }
  | { type: 'error'; message: string };
