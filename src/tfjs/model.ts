/**
 * tfjs' LayersModel / Sequential API over a deepts Sequential: the method names,
 * argument objects, return types and log names ('acc', 'val_acc') tfjs code expects.
 * `evaluate` is synchronous and returns scalar tensors, as in tfjs.
 */
import { Sequential } from '../models/sequential.js';
import type { Model } from '../models/model.js';
import { Tensor } from '../tensor/tensor.js';
import type { Layer, LayerShape } from '../nn/layer.js';
import type { Variable } from '../nn/variable.js';
import type { Loss } from '../train/losses.js';
import { getMetric } from '../train/metrics.js';
import type { Optimizer } from '../train/optimizers/index.js';
import { History, type LambdaCallbackArgs, type Logs } from '../train/callbacks/callback.js';
import { TfTensor, scalar, unwrap } from './tensor.js';

type In = TfTensor | Tensor;

/** tfjs' CustomCallbackArgs (each hook may be async): Keras' LambdaCallback hooks and tfjs' onYield. */
export interface TfCallbackArgs extends LambdaCallbackArgs {
  onYield?: (epoch: number, batch: number, logs?: Logs) => void | Promise<void>;
}

export interface TfModelFitArgs {
  batchSize?: number;
  epochs?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: TfCallbackArgs | TfCallbackArgs[];
  validationSplit?: number;
  validationData?: [In, In] | [In, In, In];
  shuffle?: boolean;
  initialEpoch?: number;
  /** tfjs yields to the browser's event loop; deepts' fit is async already, so this is accepted and ignored. */
  yieldEvery?: 'auto' | 'batch' | 'epoch' | 'never' | number;
  classWeight?: unknown;
  stepsPerEpoch?: number;
}

export interface TfCompileArgs {
  optimizer: string | Optimizer;
  loss: string | string[];
  metrics?: string | string[];
}

/** tfjs names 'accuracy' 'acc' in logs and history (and 'val_acc'). */
const tfjsLogName = (k: string): string => k.replace(/(^|_)accuracy$/, '$1acc');

function renameLogs(logs: Logs | undefined): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs ?? {})) out[tfjsLogName(k)] = v;
  return out;
}

/** One output tensor from a model's predict (deepts/tfjs models have a single output). */
function single(y: Tensor | Tensor[] | Record<string, Tensor>): Tensor {
  if (y instanceof Tensor) return y;
  throw new Error('deepts/tfjs covers models with one output');
}

export class LayersModel {
  constructor(readonly model: Model) {}

  get name(): string {
    return this.model.name;
  }

  get layers(): Layer[] {
    return this.model.layers;
  }

  get optimizer(): Optimizer | null {
    return this.model.optimizer;
  }

  get stopTraining(): boolean {
    return this.model.stopTraining;
  }

  set stopTraining(v: boolean) {
    this.model.stopTraining = v;
  }

  /** tfjs: model.inputs[0].shape, e.g. [null, 784]. */
  /** tfjs: model.inputs[0].shape, e.g. [null, 784] (known once the first layer has an inputShape). */
  get inputs(): { shape: (number | null)[] }[] {
    const s = this.model.toConfig().config['inputShape'];
    return Array.isArray(s) ? [{ shape: [null, ...(s as number[])] }] : [];
  }

  get outputs(): { shape: (number | null)[] }[] {
    const input = this.inputs[0];
    if (!input || !(this.model instanceof Sequential)) return [];
    let shape: LayerShape = input.shape;
    for (const l of this.model.layers) shape = l.computeOutputShape(shape) as LayerShape;
    return [{ shape: [...shape] }];
  }

  getLayer(name: string): Layer {
    const l = this.model.layers.find((x) => x.name === name);
    if (!l) throw new Error(`no layer named '${name}' (layers: ${this.model.layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    this.model.summary(printFn);
  }

  compile(args: TfCompileArgs): void {
    if (Array.isArray(args.loss)) {
      if (args.loss.length !== 1) throw new Error('deepts/tfjs: models have one output, so give one loss');
    }
    const loss = Array.isArray(args.loss) ? args.loss[0]! : args.loss;
    const metrics = args.metrics === undefined ? [] : Array.isArray(args.metrics) ? args.metrics : [args.metrics];
    this.model.compile({ optimizer: args.optimizer, loss, metrics });
  }

  async fit(x: In, y: In, args: TfModelFitArgs = {}): Promise<History> {
    const cw = args.classWeight;
    // tfjs' ClassWeight { [classIndex]: weight } (one output); its per-output maps and lists have no use with one output.
    if (cw !== undefined && (typeof cw !== 'object' || cw === null || Array.isArray(cw) || !Object.values(cw).every((v) => typeof v === 'number'))) {
      throw new Error('deepts/tfjs: fit({ classWeight }) takes one { classIndex: weight } object (models here have one output)');
    }
    if (args.stepsPerEpoch !== undefined) throw new Error('deepts/tfjs: fit({ stepsPerEpoch }) is for datasets, which deepts/tfjs does not cover');
    const list = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
    const history = new History();
    // tfjs hands callbacks its log names ('acc'), so wrap each hook.
    const callbacks = [history, ...list].map((cb) => ({
      onTrainBegin: async (logs?: Logs) => { await cb.onTrainBegin?.(renameLogs(logs)); },
      onTrainEnd: async (logs?: Logs) => { await cb.onTrainEnd?.(renameLogs(logs)); },
      onEpochBegin: async (e: number, logs?: Logs) => { await cb.onEpochBegin?.(e, renameLogs(logs)); },
      onEpochEnd: async (e: number, logs?: Logs) => { await cb.onEpochEnd?.(e, renameLogs(logs)); },
      onBatchBegin: async (b: number, logs?: Logs) => { await cb.onBatchBegin?.(b, renameLogs(logs)); },
      onBatchEnd: async (b: number, logs?: Logs) => { await cb.onBatchEnd?.(b, renameLogs(logs)); },
    }));
    const validationData = args.validationData ? ([unwrap(args.validationData[0]), unwrap(args.validationData[1])] as const) : undefined;
    await this.model.fit(unwrap(x), unwrap(y), {
      epochs: args.epochs ?? 1, // tfjs' default, as Keras'
      batchSize: args.batchSize ?? 32,
      verbose: args.verbose ?? 0, // tfjs prints no progress bar without tfjs-node
      validationSplit: args.validationSplit,
      validationData,
      shuffle: args.shuffle ?? true,
      initialEpoch: args.initialEpoch,
      classWeight: cw as { [cls: number]: number } | undefined,
      callbacks,
    });
    return history;
  }

  predict(x: In, args: { batchSize?: number } = {}): TfTensor {
    return TfTensor.from(single(this.model.predict(unwrap(x), { batchSize: args.batchSize ?? 32 })));
  }

  /** Synchronous, like tfjs: the loss as a scalar tensor, or [loss, ...metrics] when metrics were compiled. */
  evaluate(x: In, y: In, args: { batchSize?: number } = {}): TfTensor | TfTensor[] {
    const loss: Loss | null = this.model.loss;
    if (!loss) throw new Error('call model.compile({ optimizer, loss }) before model.evaluate()');
    const pred = single(this.model.predict(unwrap(x), { batchSize: args.batchSize ?? 32 }));
    const target = unwrap(y);
    const values = [loss.call(target, pred).values[0]!];
    for (const name of this.model.metricNames.slice(1)) {
      const metric = getMetric(name, loss);
      metric.update(target, pred);
      values.push(metric.result());
    }
    const out = values.map((v) => scalar(v));
    return out.length === 1 ? out[0]! : out;
  }

  /** tfjs' weight order: every trainable weight (layer by layer), then the non-trainable ones (BatchNormalization's moving statistics). */
  private tfjsWeights(): Variable[] {
    const trainable = new Set(this.model.trainableWeights);
    const all = this.model.weights;
    return [...all.filter((w) => trainable.has(w)), ...all.filter((w) => !trainable.has(w))];
  }

  getWeights(): TfTensor[] {
    return this.tfjsWeights().map((w) => TfTensor.from(w.read()));
  }

  setWeights(weights: In[]): void {
    const own = this.tfjsWeights();
    if (weights.length !== own.length) throw new Error(`setWeights: the model has ${own.length} weights, got ${weights.length}`);
    own.forEach((w, i) => {
      const t = unwrap(weights[i]!);
      if (t.shape.join(',') !== w.shape.join(',')) throw new Error(`setWeights: weight '${w.name}' has shape [${w.shape.join(', ')}], got [${t.shape.join(', ')}]`);
      w.assign(t);
    });
  }

  countParams(): number {
    return this.model.countParams();
  }

  /** tfjs' model.save: 'file://dir' (or a plain path) writes the tfjs Layers format; an IOHandler with save() gets the artifacts. */
  async save(target: string | { save: (artifacts: unknown) => Promise<unknown> }): Promise<unknown> {
    if (typeof target === 'string') {
      await this.model.save(target.replace(/^file:\/\//, ''), { format: 'tfjs' });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }
    const { toTfjsArtifacts } = await import('../io/tfjs-format.js');
    const { json, weightData } = toTfjsArtifacts(this.model);
    const weightSpecs = json.weightsManifest?.[0]?.weights ?? [];
    return target.save({ ...json, weightSpecs, weightData: weightData.slice().buffer });
  }
}

/** tf.Sequential: a LayersModel that layers can be added to. */
export class TfSequential extends LayersModel {
  constructor(readonly sequentialModel: Sequential) {
    super(sequentialModel);
  }

  add(layer: Layer): void {
    this.sequentialModel.add(layer);
  }

  pop(): void {
    this.sequentialModel.pop();
  }
}

export function sequential(config: { layers?: Layer[]; name?: string } = {}): TfSequential {
  return new TfSequential(new Sequential(config.layers ?? [], { name: config.name }));
}
