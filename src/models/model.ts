/**
 * keras.Model, three ways, as in Keras:
 *   - functional: new Model({ inputs, outputs }) over symbolic tensors from Input();
 *   - subclassed: class MyModel extends Model { call(inputs, { training }) { ... } };
 *   - Sequential (a subclass, models/sequential.ts).
 * A Model is a Layer (models nest), and adds compile / fit / evaluate / predict, the batch
 * methods (trainOnBatch, testOnBatch, predictOnBatch), an overridable trainStep / testStep,
 * summary, weights access and saving.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { noGrad } from '../autograd/tape.js';
import { Layer, type CallArgs, type JsonValue, type LayerShape } from '../nn/layer.js';
import type { SymbolicTensor } from '../nn/symbolic.js';
import { registerLayer } from '../nn/serialization.js';
import type { Loss } from '../train/losses.js';
import type { Mean, Metric } from '../train/metrics.js';
import type { Optimizer } from '../train/optimizers/index.js';
import {
  computeLosses, withModelLosses, defaultTestStep, defaultTrainStep, evaluateLoop, fitLoop, metricLogs, predictDatasetLoop, predictLoop, prepareData, resetCompiledMetrics, updateMetrics,
  type Compiled, type EvaluateArgs, type FitArgs, type StepData, type TrainableModel,
} from '../train/trainer.js';
import { datasetSource, isDatasetLike, type DatasetLike, type DatasetSource } from '../train/batch-feed.js';
import { toTensorList, type ModelData, type TensorInput } from '../train/data-adapter.js';
import type { History, Logs } from '../train/callbacks/callback.js';
import { CompiledTrainStep, type JitCompile, type JitStatus } from '../train/compiled-step.js';
import { CompiledForward } from '../train/compiled-forward.js';
import { withSampleWeights, type SampleWeightArgs } from '../train/sample-weights.js';
import { FunctionalGraph } from './functional.js';
import { summaryTable } from './summary.js';
import { resolveCompile, type CompileArgs, type CompileConfig } from './compile.js';
import { requireSaveHandler, type ModelArgs, type ModelOutputs, type ModelSaveOptions, type Prediction, type TrainStepData } from './model-types.js';

export type { CompileArgs, CompileConfig, LossSpec, MetricSpec } from './compile.js';

export type { TensorInput, ModelData };
export { registerSaveHandler, type ModelArgs, type ModelOutputs, type ModelSaveHandler, type ModelSaveOptions, type Prediction, type TrainStepData } from './model-types.js';

const single = <T>(list: readonly T[]): T | T[] => (list.length === 1 ? list[0]! : [...list]);

export class Model<O extends ModelOutputs = SymbolicTensor> extends Layer implements TrainableModel {
  readonly className: string;
  stopTraining = false;
  private compiledState: Compiled | null = null;
  private jitStep: CompiledTrainStep | null = null;
  /** evaluate's test steps and predict's batches, compiled as training steps are (same jitCompile setting). */
  private jitTest: CompiledForward | null = null;
  private jitPredict: CompiledForward | null = null;
  private compileConfigJson: CompileConfig | null = null;
  /** The graph of a functional model (null for subclassed models and Sequential). */
  protected readonly graph: FunctionalGraph | null = null;

  constructor(args: ModelArgs<O> = {}) {
    super({ name: args.name, trainable: args.trainable }, new.target === Model ? 'functional' : undefined);
    this.className = new.target === Model ? 'Functional' : new.target.name;
    if ((args.inputs === undefined) !== (args.outputs === undefined)) {
      throw new Error('Model: give both inputs and outputs (functional API), or neither (subclass Model and implement call)');
    }
    if (args.inputs !== undefined && args.outputs !== undefined) {
      const list = <T>(v: T | readonly T[]): T[] => (Array.isArray(v) ? [...(v as T[])] : [v as T]);
      this.graph = new FunctionalGraph(list(args.inputs), list(args.outputs as SymbolicTensor | readonly SymbolicTensor[]));
      this.built = true;
    }
  }

  /** The layers: a functional model's, in graph order (inputs included), or the tracked sub-layers. */
  get layers(): Layer[] {
    return this.graph ? [...this.graph.layers] : this.subLayers();
  }

  override subLayers(): Layer[] {
    return this.graph ? [...this.graph.layers] : super.subLayers();
  }

  /** The layer with this name (Keras' model.get_layer(name)). */
  getLayer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new Error(`model '${this.name}' has no layer named '${name}' (layers: ${this.layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  get inputNames(): string[] {
    return this.graph ? this.graph.inputs.map((t) => t.name) : ['input'];
  }

  get outputNames(): string[] {
    if (this.graph) return this.graph.outputs.map((t) => t.name);
    const n = this.compiledState?.losses.length ?? 1;
    return n === 1 ? ['output'] : Array.from({ length: n }, (_, i) => `output_${i + 1}`);
  }

  /** The forward pass. Functional models run their graph; subclasses override this (Keras' call). */
  call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor | Tensor[] {
    if (this.graph) return single(this.graph.run(Array.isArray(inputs) ? inputs : [inputs], kwargs));
    throw new Error(`${this.className} '${this.name}': implement call(inputs, { training }) in your Model subclass, or build a functional model with new Model({ inputs, outputs })`);
  }

  /** One tensor per input in, one per output out (what fit, evaluate and predict run). */
  forwardAll(xs: Tensor[], training: boolean): Tensor[] {
    this.built = true;
    this.clearLosses(); // model.losses are those of this pass (Keras clears them at each outer call)
    const out = this.call(xs.length === 1 ? xs[0]! : xs, { training });
    const list = Array.isArray(out) ? out : [out];
    list.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`${this.className} '${this.name}': call() must return a Tensor or a list of Tensors, output ${i} is ${typeof t}`);
    });
    return list;
  }

  /** Keras' model(x): the outputs for a batch, in inference mode unless { training: true }. */
  forward(x: Tensor, training = false): Tensor {
    const out = this.forwardAll([x], training);
    return out[0]!;
  }

  // ---------------------------------------------------------------- compile

  compile(args: CompileArgs): void {
    const { compiled, config, jit } = resolveCompile(args, this.outputNames, this.graph ? this.graph.outputs.length : undefined);
    this.compiledState = compiled;
    this.jitStep = new CompiledTrainStep(this, compiled, jit);
    this.jitTest = new CompiledForward(this, compiled, jit);
    this.jitPredict = new CompiledForward(this, null, jit);
    this.compileConfigJson = config;
  }

  /** The compile() settings as JSON, or null before compile (saved with the model). */
  get compileConfig(): CompileConfig | null {
    return this.compileConfigJson;
  }

  get isCompiled(): boolean {
    return this.compiledState !== null;
  }

  get optimizer(): Optimizer | null {
    return this.compiledState?.optimizer ?? null;
  }

  /** The (first output's) loss, or null before compile. */
  get loss(): Loss | null {
    return this.compiledState?.losses.find((l) => l !== null) ?? null;
  }

  /** The names fit logs: 'loss', each output's loss (several outputs), then the metrics. */
  get metricNames(): string[] {
    return this.compiledState ? Object.keys(metricLogs(this.compiledState)) : [];
  }

  /** The loss tracker and the compiled metrics (Keras' model.metrics). */
  get metrics(): (Metric | Mean)[] {
    const c = this.compiledState;
    return c ? [c.lossTracker, ...c.outputLossTrackers.slice(c.losses.length > 1 ? 0 : 1), ...c.metrics.flat(), ...c.weightedMetrics.flat()] : [];
  }

  private requireCompiled(what: string): Compiled {
    if (!this.compiledState) throw new Error(`call model.compile({ optimizer, loss }) before model.${what}()`);
    return this.compiledState;
  }

  // ---------------------------------------------------------------- steps (overridable)

  /**
   * One training step on a batch (Keras 3's train_step). Override it for custom training, e.g.
   * with gradients() / valueAndGrad and this.optimizer.applyGradients; return the logs to show.
   */
  trainStep(data: TrainStepData): Logs {
    return defaultTrainStep(this, this.requireCompiled('fit'), this.stepData(data));
  }

  /** One evaluation step on a batch (Keras 3's test_step). */
  testStep(data: TrainStepData): Logs {
    return defaultTestStep(this, this.requireCompiled('evaluate'), this.stepData(data));
  }

  private stepData([x, y, sw]: TrainStepData): StepData {
    const step: StepData = { x: Array.isArray(x) ? x : [x], y: Array.isArray(y) ? y : [y] };
    if (sw) step.sw = [sw];
    return step;
  }

  /** The step's [x, y] (and sample weights when given), as trainStep / testStep receive it (Keras' data tuple). */
  private stepTuple(data: StepData): TrainStepData {
    return data.sw ? [single(data.x), single(data.y), data.sw[0]!] : [single(data.x), single(data.y)];
  }

  /** The loss of a batch: the compiled losses' weighted sum over outputs plus sum(model.losses) (Keras 3's compute_loss). */
  computeLoss(y: Tensor | Tensor[], yPred: Tensor | Tensor[]): Tensor {
    const list = (v: Tensor | Tensor[]): Tensor[] => (Array.isArray(v) ? v : [v]);
    return withModelLosses(this, computeLosses(this.requireCompiled('computeLoss'), list(y), list(yPred)).total);
  }

  /** Updates the loss tracker (with `loss`) and the compiled metrics (weighted ones with `sampleWeight`); returns the logs so far. */
  computeMetrics(y: Tensor | Tensor[], yPred: Tensor | Tensor[], loss: Tensor | number, sampleWeight?: Tensor | Tensor[]): Logs {
    const list = (v: Tensor | Tensor[]): Tensor[] => (Array.isArray(v) ? v : [v]);
    const c = this.requireCompiled('computeMetrics');
    const value = typeof loss === 'number' ? loss : loss.item();
    return updateMetrics(c, value, c.losses.map(() => null), list(y), list(yPred), sampleWeight === undefined ? undefined : list(sampleWeight));
  }

  runTrainStep(data: StepData): Logs {
    const eager = (): Logs => this.trainStep(this.stepTuple(data));
    try {
      // Weighted batches run eagerly: a recorded plan has no input for the weights.
      return this.jitStep && !data.sw ? this.jitStep.trainStep(data, eager) : eager();
    } finally {
      this.clearLosses(); // the step's tensors are recycled when it ends (tensor/buffer-pool.ts)
    }
  }

  /** Whether compile() asked for compiled steps (Keras' model.jit_compile). */
  get jitCompile(): JitCompile {
    return this.jitStep?.setting ?? 'auto';
  }

  /** How training steps run now: compiled (replayed plans), pending (first step of a shape), or eager and why. */
  jitCompileStatus(): JitStatus {
    const forward = (this.jitTest?.replayed ?? 0) + (this.jitPredict?.replayed ?? 0);
    const status = this.jitStep?.status() ?? { setting: 'auto', mode: 'pending', reason: null, plans: 0, replayedSteps: 0 };
    return { ...status, replayedForwardBatches: forward };
  }

  /** Why this model's steps cannot be traced at all, or null (used by the compiled step). */
  jitBlocker(): string | null {
    if (this.trainStep !== Model.prototype.trainStep) return `${this.className} '${this.name}' overrides trainStep`;
    if (this.forwardAll !== Model.prototype.forwardAll) return `${this.className} '${this.name}' overrides forwardAll`;
    if (!this.hasStaticCall()) return `${this.className} '${this.name}' is a subclassed model whose call() is code; compiled steps take Sequential and functional models`;
    return null;
  }

  /** True when call() is the library's own graph or layer stack (not user code). */
  protected hasStaticCall(): boolean {
    return this.graph !== null && this.call === Model.prototype.call;
  }

  runTestStep(data: StepData): Logs {
    const eager = (): Logs => this.testStep(this.stepTuple(data));
    try {
      return this.jitTest && !data.sw && this.testStep === Model.prototype.testStep ? this.jitTest.testStep(data, eager) : eager();
    } finally {
      this.clearLosses();
    }
  }

  resetMetrics(): void {
    if (this.compiledState) resetCompiledMetrics(this.compiledState);
  }

  // ---------------------------------------------------------------- fit / evaluate / predict

  private data(x: unknown, y: unknown, what: string, weights: SampleWeightArgs = {}): StepData {
    const c = this.requireCompiled(what);
    const xs = toTensorList(x, this.inputNames, `${what}: x`);
    if (y === undefined) throw new Error(`${what}(x, y): the targets y are missing`);
    const ys = y === x ? xs : toTensorList(y, this.outputNames, `${what}: y`);
    const data = prepareData(this, c, xs, ys, what);
    return withSampleWeights(data, weights, what);
  }

  /** A dataset of [x, y] batches as the training loops read it; its second argument must be options. */
  private source(ds: DatasetLike, second: unknown, what: string): DatasetSource {
    if (second !== undefined && (typeof second !== 'object' || second === null || Array.isArray(second) || second instanceof Tensor || isDatasetLike(second))) {
      throw new Error(`${what}(dataset, options): a dataset yields [inputs, targets] itself, so the second argument is the options, not targets`);
    }
    return datasetSource(this, this.requireCompiled(what), ds, what);
  }

  /**
   * Trains for a number of epochs; resolves to the History (history.history.loss, .val_loss, ...).
   * fit(x, y, options) with arrays, or fit(dataset, options) with a Dataset of [x, y] batches
   * (options.stepsPerEpoch for a dataset that repeats forever).
   */
  async fit(dataset: DatasetLike, args?: FitArgs): Promise<History>;
  async fit(x: ModelData, y?: ModelData, args?: FitArgs): Promise<History>;
  async fit(x: ModelData | DatasetLike, y?: ModelData | FitArgs, args: FitArgs = {}): Promise<History> {
    if (isDatasetLike(x)) args = (y ?? {}) as FitArgs;
    if (isDatasetLike(x) && (args.sampleWeight !== undefined || args.classWeight !== undefined)) {
      throw new Error('fit(dataset): sampleWeight / classWeight apply to tensors; a dataset gives weights as the third item of its [x, y, sampleWeight] elements');
    }
    const train = isDatasetLike(x) ? this.source(x, y, 'fit') : this.data(x, y, 'fit', args);
    const v = args.validationData;
    const validation = !v ? null : isDatasetLike(v) ? datasetSource(this, this.requireCompiled('fit'), v, 'validationData')
      : this.data(v[0], v[1], 'validationData', v.length > 2 ? { sampleWeight: v[2] } : {});
    return fitLoop(this, train, validation, args);
  }

  /**
   * Loss (and metrics) on the given data. As Keras: a number when there are no metrics, else
   * [loss, ...metrics]; with { returnDict: true } a { loss, accuracy, ... } record.
   * evaluate(x, y, options), or evaluate(dataset, options) with a Dataset of [x, y] batches.
   */
  async evaluate(dataset: DatasetLike, args: EvaluateArgs & { returnDict: true }): Promise<Logs>;
  async evaluate(dataset: DatasetLike, args?: EvaluateArgs & { returnDict?: false }): Promise<number | number[]>;
  async evaluate(x: ModelData, y: ModelData, args: EvaluateArgs & { returnDict: true }): Promise<Logs>;
  async evaluate(x: ModelData, y: ModelData, args?: EvaluateArgs & { returnDict?: false }): Promise<number | number[]>;
  async evaluate(x: ModelData | DatasetLike, y?: ModelData | (EvaluateArgs & { returnDict?: boolean }), args: EvaluateArgs & { returnDict?: boolean } = {}): Promise<number | number[] | Logs> {
    if (isDatasetLike(x)) args = (y ?? {}) as EvaluateArgs & { returnDict?: boolean };
    const logs = isDatasetLike(x) ? await evaluateLoop(this, this.source(x, y, 'evaluate'), args) : await evaluateLoop(this, this.data(x, y, 'evaluate', args), args);
    if (args.returnDict) return logs;
    const values = Object.values(logs);
    return values.length === 1 ? values[0]! : values;
  }

  /** evaluate() as a name → value record (same as evaluate(x, y, { returnDict: true })). */
  async evaluateLogs(dataset: DatasetLike, args?: EvaluateArgs): Promise<Logs>;
  async evaluateLogs(x: ModelData, y: ModelData, args?: EvaluateArgs): Promise<Logs>;
  async evaluateLogs(x: ModelData | DatasetLike, y?: ModelData | EvaluateArgs, args: EvaluateArgs = {}): Promise<Logs> {
    if (isDatasetLike(x)) return evaluateLoop(this, this.source(x, y, 'evaluate'), (y ?? {}) as EvaluateArgs);
    return evaluateLoop(this, this.data(x, y, 'evaluate', args), args);
  }

  /**
   * Outputs for all samples, computed in batches (default 32, as Keras). Dropout is off.
   * With a dataset (of input batches, or [x, y] pairs) it resolves asynchronously, as datasets may.
   */
  predict(dataset: DatasetLike, args?: { steps?: number }): Promise<Prediction<O>>;
  predict(x: ModelData, args?: { batchSize?: number; verbose?: 0 | 1 | 2 | 'auto' }): Prediction<O>;
  predict(x: ModelData | DatasetLike, args: { batchSize?: number; steps?: number; verbose?: 0 | 1 | 2 | 'auto' } = {}): Prediction<O> | Promise<Prediction<O>> {
    if (isDatasetLike(x)) {
      if (args.batchSize !== undefined) throw new Error('predict: batchSize does not apply to a dataset, which yields batches already');
      return predictDatasetLoop(this, x, args.steps, (b) => this.compiledPredictBatch(b)).then((ys) => single(ys) as Prediction<O>);
    }
    const xs = toTensorList(x, this.inputNames, 'predict: x');
    return single(predictLoop(this, xs, args.batchSize ?? 32, (b) => this.compiledPredictBatch(b))) as Prediction<O>;
  }

  /** predict's batches through a compiled forward pass (null: run this one eagerly); uncompiled models use jitCompile's default. */
  private compiledPredictBatch(xs: Tensor[]): Tensor[] | null {
    this.jitPredict ??= new CompiledForward(this, null, 'auto');
    return this.jitPredict.predictBatch(xs);
  }

  /** One training step on exactly this batch; returns the loss, or [loss, ...metrics] (Keras' train_on_batch). */
  trainOnBatch(x: ModelData, y: ModelData, args: SampleWeightArgs & { returnDict?: boolean } = {}): number | number[] | Logs {
    this.resetMetrics();
    const logs = this.runTrainStep(this.data(x, y, 'trainOnBatch', args));
    return this.result(logs, args.returnDict);
  }

  /** Loss and metrics on exactly this batch, without training (Keras' test_on_batch). */
  testOnBatch(x: ModelData, y: ModelData, args: Pick<SampleWeightArgs, 'sampleWeight'> & { returnDict?: boolean } = {}): number | number[] | Logs {
    this.resetMetrics();
    const logs = noGrad(() => this.runTestStep(this.data(x, y, 'testOnBatch', args)));
    return this.result(logs, args.returnDict);
  }

  /** The outputs for exactly this batch (Keras' predict_on_batch). */
  predictOnBatch(x: ModelData): Prediction<O> {
    const xs = toTensorList(x, this.inputNames, 'predictOnBatch: x');
    return single(noGrad(() => this.forwardAll(xs, false))) as Prediction<O>;
  }

  private result(logs: Logs, returnDict = false): number | number[] | Logs {
    if (returnDict) return { ...logs };
    const v = Object.values(logs);
    return v.length === 1 ? v[0]! : v;
  }

  /** Builds a subclassed model's weights by running it once on a zero batch of this input shape (batch axis first). */
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    if (this.graph || this.built) return;
    const zerosOf = (s: LayerShape): Tensor => {
      const dims = s.map((d) => d ?? 1);
      return new Tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    };
    const list = inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as LayerShape[]) : [inputShape as LayerShape];
    noGrad(() => this.forwardAll(list.map(zerosOf), false));
    this.built = true;
  }

  // ---------------------------------------------------------------- weights, summary, saving

  /** Copies of every weight's value, in layer order (keras model.get_weights()). */
  override getWeights(): Tensor[] {
    return this.weights.map((w) => w.read());
  }

  override setWeights(weights: readonly Tensor[]): void {
    const own = this.weights;
    if (weights.length !== own.length) throw new Error(`setWeights: got ${weights.length} arrays, the model has ${own.length} weights`);
    own.forEach((w, i) => {
      const v = weights[i]!;
      if (!shapesEqual(v.shape, w.shape)) throw new Error(`setWeights: weight '${w.name}' has shape ${formatShape(w.shape)}, got ${formatShape(v.shape)}`);
    });
    own.forEach((w, i) => w.assign(weights[i]!));
  }

  /** The Keras summary table; functional models add the "Connected to" column. */
  summary(print: (line: string) => void = console.log): void {
    const trainable = this.trainableWeights.reduce((s, w) => s + w.size, 0);
    const rows = this.graph ? this.graph.summaryRows() : this.subLayers().map((l) => ({ name: l.name, type: l.className, outputShape: l.lastOutputShape, params: l.countParams() }));
    print(summaryTable(this.name, rows, trainable, this.countParams() - trainable, this.graph !== null));
  }

  override getConfig(): { [k: string]: JsonValue } {
    if (!this.graph) return { name: this.name, trainable: this.trainable };
    return { name: this.name, trainable: this.trainable, ...this.graph.toConfig() };
  }

  /** Architecture as JSON (Keras' model.to_json()). Subclassed models have no architecture to save. */
  toConfig(): { className: string; config: { [k: string]: JsonValue } } {
    if (!this.graph) {
      throw new Error(`${this.className} '${this.name}': a subclassed model's architecture is code, so it cannot be saved as JSON; save its weights (getWeights) and rebuild it with new ${this.className}()`);
    }
    return { className: 'Functional', config: this.getConfig() };
  }

  /** Rebuilds a functional model from toConfig().config. */
  static fromConfig(config: { [k: string]: JsonValue }): Model<SymbolicTensor | SymbolicTensor[]> {
    const { inputs, outputs } = FunctionalGraph.fromConfig(config);
    return new Model<SymbolicTensor | SymbolicTensor[]>({
      inputs, outputs: outputs.length === 1 ? outputs[0]! : outputs, name: typeof config['name'] === 'string' ? config['name'] : undefined,
      trainable: config['trainable'] !== false,
    });
  }

  /**
   * Saves architecture, weights, compile settings and optimizer state (Node: `import 'deepts'`
   * registers the file handler). The default format is TensorFlow.js Layers (a directory with
   * model.json + weights.bin, loadable by tfjs).
   */
  async save(path: string, options: ModelSaveOptions = {}): Promise<void> {
    await requireSaveHandler().save(this as Model, path, options);
  }
}

registerLayer('Functional', (c) => Model.fromConfig(c));
