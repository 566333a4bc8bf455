/**
 * The public types around keras.Model (constructor arguments, what predict returns, the data a
 * trainStep receives) and the registry of the save handler: the Node file handler registers
 * itself from deepts' io module, so the browser-safe core never imports node:fs.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import type { Model } from './model.js';

export interface ModelArgs<O extends ModelOutputs = SymbolicTensor> {
  /** Symbolic inputs from Input() (one, or a list). */
  inputs?: SymbolicTensor | readonly SymbolicTensor[];
  /** Symbolic outputs computed from the inputs (one, or a list). */
  outputs?: O;
  name?: string;
  trainable?: boolean;
}

export type ModelOutputs = SymbolicTensor | readonly SymbolicTensor[];
/** What predict() returns: one tensor for a model with one output, else one per output. */
export type Prediction<O extends ModelOutputs> = O extends SymbolicTensor ? Tensor : Tensor[];

/** The (x, y) a trainStep / testStep receives: a Tensor each for one input/output, else lists. */
export type TrainStepData = readonly [x: Tensor | Tensor[], y: Tensor | Tensor[], sampleWeight?: Tensor];

/** Saves models to a path; the Node file handler registers itself from deepts' io module. */
export interface ModelSaveHandler {
  save(model: Model, path: string, options?: ModelSaveOptions): Promise<void>;
}

/**
 * Options for model.save; `format` picks the file format (the io module lists the ones it knows);
 * `overwrite` as Keras' (see SaveOptions in src/io/model-io.ts: left out, an existing model is
 * replaced but a directory holding other things is refused).
 */
export interface ModelSaveOptions {
  format?: string;
  overwrite?: boolean;
}

let saveHandler: ModelSaveHandler | null = null;

export function registerSaveHandler(handler: ModelSaveHandler): void {
  saveHandler = handler;
}

/** The registered save handler, or a clear error naming what is missing. */
export function requireSaveHandler(): ModelSaveHandler {
  if (!saveHandler) throw new Error('model.save needs a save handler: in Node import from "deepts" (not "deepts/core"); in a browser use model.toConfig() and getWeights()');
  return saveHandler;
}
