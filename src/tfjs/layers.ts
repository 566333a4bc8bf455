/**
 * tf.layers.*: tfjs' layer factories (one config object each) building deepts layers.
 * Options deepts lacks (initializer objects, weights) are refused with the option's name
 * rather than silently ignored. Regularizers and constraints come from tf.regularizers /
 * tf.constraints (or their names).
 */
import { Activation, Dense, Dropout, Flatten, InputLayer, Reshape } from '../nn/layers/index.js';
import type { Layer } from '../nn/layer.js';
import type { RegularizerIdentifier } from '../nn/regularizers.js';
import type { ConstraintIdentifier } from '../nn/constraints.js';

interface BaseArgs {
  name?: string;
  trainable?: boolean;
  inputShape?: number[];
  batchInputShape?: (number | null)[];
  inputDim?: number;
  dtype?: 'float32';
}

const UNSUPPORTED = ['weights', 'noiseShape'];

function base(what: string, args: BaseArgs & Record<string, unknown>): { name?: string; trainable?: boolean; inputShape?: number[] } {
  for (const k of UNSUPPORTED) if (args[k] !== undefined && args[k] !== null) throw new Error(`deepts/tfjs: tf.layers.${what}({ ${k} }) is not supported`);
  if (args.dtype !== undefined && args.dtype !== 'float32') throw new Error(`deepts/tfjs: tf.layers.${what}: only dtype float32 is supported`);
  const inputShape = args.inputShape ?? (args.batchInputShape ? (args.batchInputShape.slice(1) as number[]) : args.inputDim !== undefined ? [args.inputDim] : undefined);
  return { name: args.name, trainable: args.trainable, inputShape };
}

function initializerName(what: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`deepts/tfjs: tf.layers.${what}: give initializers by name ('glorotUniform', 'heNormal', 'zeros', ...)`);
  return v;
}

export interface DenseLayerArgs extends BaseArgs {
  units: number;
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: string;
  biasInitializer?: string;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  activityRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
  [k: string]: unknown;
}

export function dense(args: DenseLayerArgs): Layer {
  return new Dense(args.units, {
    ...base('dense', args), activation: args.activation, useBias: args.useBias,
    kernelInitializer: initializerName('dense', args.kernelInitializer), biasInitializer: initializerName('dense', args.biasInitializer),
    kernelRegularizer: args.kernelRegularizer, biasRegularizer: args.biasRegularizer, activityRegularizer: args.activityRegularizer,
    kernelConstraint: args.kernelConstraint, biasConstraint: args.biasConstraint,
  });
}

export function dropout(args: BaseArgs & { rate: number; seed?: number; [k: string]: unknown }): Layer {
  return new Dropout(args.rate, { ...base('dropout', args), seed: args.seed });
}

export function flatten(args: BaseArgs & { dataFormat?: string; [k: string]: unknown } = {}): Layer {
  if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') throw new Error('deepts/tfjs: tf.layers.flatten: only dataFormat channelsLast is supported');
  return new Flatten(base('flatten', args));
}

export function reshape(args: BaseArgs & { targetShape: number[]; [k: string]: unknown }): Layer {
  return new Reshape(args.targetShape, base('reshape', args));
}

export function activation(args: BaseArgs & { activation: string; [k: string]: unknown }): Layer {
  return new Activation(args.activation, base('activation', args));
}

export function inputLayer(args: { inputShape?: number[]; batchInputShape?: (number | null)[]; name?: string }): Layer {
  const shape = args.inputShape ?? args.batchInputShape?.slice(1);
  if (!shape || shape.some((d) => d === null)) throw new Error('deepts/tfjs: tf.layers.inputLayer needs inputShape (known dimensions)');
  return new InputLayer({ shape: shape as number[], name: args.name });
}
