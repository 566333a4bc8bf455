/**
 * The Layer base class (keras.layers.Layer), with Keras' subclassing contract:
 *
 *   class MyDense extends Layer {
 *     build(inputShape) { this.w = this.addWeight({ name: 'w', shape: [inputShape.at(-1), 8], initializer: 'glorotUniform' }); }
 *     call(inputs, { training }) { return ops.matmul(inputs, this.w); }
 *   }
 *
 * `apply(x)` (Keras' `layer(x)`) builds the layer once from the first input shape — and marks it
 * built whatever `build` does, so weights are never created twice — then calls it. Given a
 * symbolic tensor from `Input()` it records a node of the functional graph instead.
 * Shapes here include the batch axis as null, as Keras prints them: (None, 128).
 * Sub-layers stored in fields (or arrays of them) are tracked automatically, as in Keras.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/tape.js';
import { Variable } from './variable.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';
import { SymbolicTensor } from './symbolic.js';
import { ops } from '../autograd/index.js';
import { getRegularizer, type Regularizer, type RegularizerIdentifier } from './regularizers.js';
import { getConstraint, type ConstraintIdentifier } from './constraints.js';
import { getMask, setMask } from './mask.js';
import { weightStructureChanged } from './weight-structure.js';

export type LayerShape = readonly (number | null)[];
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type LayerConfig = { [key: string]: JsonValue };

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample (without the batch axis), as Keras' input_shape / tfjs' inputShape; null for a size known only at run time. */
  inputShape?: readonly (number | null)[];
  /** Keras' batch_size: a fixed batch size for the input (with inputShape). */
  batchSize?: number;
  /** Keras' batch_input_shape: the input shape with its batch axis (null = any). */
  batchInputShape?: LayerShape;
  /** Keras 2's input_dim: a 1-D sample shape [inputDim]. */
  inputDim?: number;
  /** Keras' activity_regularizer: a penalty on the layer's output, added to the loss. */
  activityRegularizer?: RegularizerIdentifier | null;
}

/** The keyword arguments of call(): Keras' call(inputs, training=None). */
export interface CallArgs {
  /** True in fit (dropout active), false in predict / evaluate. */
  training?: boolean;
  /** Keras' mask argument: the input's mask (1 = keep, 0 = padding), when it carries one (see nn/mask.ts). */
  mask?: Tensor | (Tensor | null)[] | null;
}

export interface AddWeightArgs {
  name?: string;
  shape: readonly number[];
  /** A Keras name ('glorotUniform', 'zeros', 'random_normal', ...) or a function; default glorotUniform. */
  initializer?: InitializerName | string | Initializer;
  trainable?: boolean;
  /** A penalty on the weight, added to the loss (Keras' add_weight(regularizer=...)). */
  regularizer?: RegularizerIdentifier | null;
  /** A projection applied after each optimizer step (Keras' add_weight(constraint=...)). */
  constraint?: ConstraintIdentifier | null;
}

const nameCounts = new Map<string, number>();

/**
 * Supplies the value of each weight a layer creates, instead of its initializer. Used when
 * loading a saved model: the saved values are checked against the shape the architecture asks
 * for before anything of that size is allocated, and no random initialisation is wasted on
 * weights about to be overwritten.
 */
export type WeightSource = (name: string, shape: readonly number[]) => Float32Array;

let weightSource: WeightSource | null = null;

/** Runs `build` with every addWeight() taking its value from `source` (not the initializer). */
export function withWeightSource<T>(source: WeightSource, build: () => T): T {
  const previous = weightSource;
  weightSource = source;
  try {
    return build();
  } finally {
    weightSource = previous;
  }
}

/** Keras-style unique names: dense, dense_1, dense_2, ... */
export function uniqueName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Resets the automatic name counters (like keras.backend.clear_session). */
export function clearSession(): void {
  nameCounts.clear();
}

export function snakeCase(className: string): string {
  // Conv2D → conv2d, MaxPooling2D → max_pooling2d (Keras' names), then split the camel case.
  return className.replace(/(\d)D(?=[A-Z]|$)/g, '$1d').replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** The batch input shape a layer's arguments declare, if any (inputShape, batchInputShape, inputDim, batchSize). */
export function declaredBatchShape(args: LayerArgs): LayerShape | undefined {
  if (args.batchInputShape) return [...args.batchInputShape];
  const sample = args.inputShape ?? (args.inputDim !== undefined ? [args.inputDim] : undefined);
  if (!sample) return undefined;
  if (args.batchSize !== undefined && !(Number.isInteger(args.batchSize) && args.batchSize > 0)) {
    throw new Error(`batchSize must be a positive integer, got ${args.batchSize}`);
  }
  return [args.batchSize ?? null, ...sample];
}

/**
 * Layers whose call losses are not empty, over all models: while it is 0, clearLosses (at the
 * end of every training step) has nothing to forget and skips its walk over the layer tree
 * (Object.values of every layer: ~20 µs per lecture-autoencoder step, timed around the call in
 * a loop of compiled steps in Node; ~1 % of a native compiled step). A layer dropped while
 * holding losses keeps it above 0, which only brings the walk back.
 */
let layersWithCallLosses = 0;

const isShapeList = (s: LayerShape | readonly LayerShape[]): s is readonly LayerShape[] => s.length > 0 && Array.isArray(s[0]);

export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  /** Keras' layer.built: set after build() ran (by apply, whatever build itself does). */
  built = false;
  private trainableFlag: boolean;
  private readonly ownWeights: Variable[] = [];
  private declaredShape: LayerShape | undefined;
  /** Output shape of the last call (batch axis null), for summaries of subclassed models. */
  private lastShape: LayerShape | null = null;
  /** Losses added during the last call (addLoss, the activity regularizer). */
  private callLosses: Tensor[] = [];
  /** Keras' activity_regularizer: penalises the layer's output. */
  readonly activityRegularizer: Regularizer | null;
  /** Keras' supports_masking: the layer passes its input's mask on (computeMask's default). */
  readonly supportsMasking: boolean = false;
  private maskWarned = false;

  constructor(args: LayerArgs = {}, defaultBase?: string) {
    this.name = args.name ?? uniqueName(defaultBase ?? snakeCase(new.target.name));
    this.trainableFlag = args.trainable ?? true;
    this.declaredShape = declaredBatchShape(args);
    this.activityRegularizer = getRegularizer(args.activityRegularizer, `layer '${this.name}': activityRegularizer`);
  }

  /**
   * Keras' add_loss: a scalar (or a tensor, summed) added to the training loss, from inside
   * call(). It holds until the layer (or the model around it) is called again.
   */
  addLoss(loss: Tensor): void {
    if (!(loss instanceof Tensor)) throw new Error(`layer '${this.name}'.addLoss expects a Tensor, got ${describe(loss)}`);
    if (this.callLosses.length === 0) layersWithCallLosses++;
    this.callLosses.push(loss.rank === 0 ? loss : ops.sum(loss));
  }

  /**
   * Keras' layer.losses: the losses of the last call (addLoss, activity regularizer) and the
   * penalties of the trainable weights' regularizers, this layer's and its sub-layers'.
   */
  get losses(): Tensor[] {
    const out: Tensor[] = [];
    const seen = new Set<Layer>();
    const visit = (l: Layer): void => {
      if (seen.has(l)) return;
      seen.add(l);
      out.push(...l.callLosses);
      if (l.trainable) for (const w of l.ownWeights) if (w.trainable && w.regularizer) out.push(w.regularizer.apply(w));
      for (const s of l.subLayers()) visit(s);
    };
    visit(this);
    return out;
  }

  /** Forgets the losses of the last call, in this layer and its sub-layers (before a new forward pass). */
  clearLosses(): void {
    if (layersWithCallLosses === 0) return;
    const seen = new Set<Layer>();
    const visit = (l: Layer): void => {
      if (seen.has(l)) return;
      seen.add(l);
      l.forgetCallLosses();
      for (const s of l.subLayers()) visit(s);
    };
    visit(this);
  }

  private forgetCallLosses(): void {
    if (this.callLosses.length === 0) return;
    layersWithCallLosses--;
    this.callLosses = [];
  }

  /** The input shape (batch axis first) this layer was declared with, if any. */
  get batchInputShape(): LayerShape | undefined {
    return this.declaredShape;
  }

  protected setBatchInputShape(shape: LayerShape | undefined): void {
    this.declaredShape = shape;
  }

  /**
   * Keras' layer.trainable. Setting it to false freezes every weight of the layer (and of its
   * sub-layers) at once: fit no longer changes them, summary() counts them as non-trainable.
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    this.trainableFlag = value;
    weightStructureChanged(); // compiled steps compare their plan's weight list again
    // Frozen weights need no gradient: the backward pass skips them.
    for (const w of this.ownWeights) w.requiresGrad = value && w.trainable;
    for (const l of this.subLayers()) l.trainable = value;
  }

  /** Creates the weights for an input shape; apply() calls it once, before the first call. */
  build(_inputShape: LayerShape | readonly LayerShape[]): void {
    this.built = true;
  }

  /** The output shape of the most recent call (batch axis null), or null if never called. */
  get lastOutputShape(): LayerShape | null {
    return this.lastShape;
  }

  get isBuilt(): boolean {
    return this.built;
  }

  /** Builds the layer for an input shape unless it is built already, and marks it built. */
  ensureBuilt(inputShape: LayerShape | readonly LayerShape[]): void {
    if (this.built) return;
    this.build(inputShape);
    this.built = true;
  }

  /**
   * The forward pass on a batch (or a list of batches, for layers with several inputs).
   * `training` switches dropout-like behaviour.
   */
  abstract call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor | Tensor[];

  /**
   * Output shape for an input shape (both with the batch axis as null). By default the layer is
   * run once on a batch of one zero sample to find out, as Keras traces compute_output_spec.
   */
  computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    const concrete = (s: LayerShape): Tensor => {
      const dims = s.map((d, i) => (d === null ? 1 : i === 0 ? 1 : d));
      if (dims.length === 0) throw new Error(`layer '${this.name}': cannot infer the output shape of a scalar input`);
      return new Tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    };
    this.ensureBuilt(inputShape);
    const out = noGrad(() => this.call(isShapeList(inputShape) ? inputShape.map(concrete) : concrete(inputShape as LayerShape), { training: false }));
    const batch = isShapeList(inputShape) ? inputShape[0]![0] ?? null : (inputShape as LayerShape)[0] ?? null;
    const shapeOf = (t: Tensor): LayerShape => [batch, ...t.shape.slice(1)];
    return Array.isArray(out) ? out.map(shapeOf) : shapeOf(out);
  }

  /**
   * Keras' compute_mask: the mask of the output, from the inputs and their mask. By default a
   * layer that supports masking passes its (first) input's mask on, and other layers drop it.
   */
  computeMask(_inputs: Tensor | Tensor[], mask: Tensor | (Tensor | null)[] | null): Tensor | null {
    if (!this.supportsMasking || mask === null) return null;
    return Array.isArray(mask) ? mask.find((m) => m !== null) ?? null : mask;
  }

  /** The constructor arguments, JSON-serialisable, for saving (Keras' get_config). */
  getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable };
  }

  /** Keras' layer(x): on tensors, builds once and calls; on symbolic tensors, adds a node to the graph. */
  apply(inputs: SymbolicTensor | SymbolicTensor[], kwargs?: CallArgs): SymbolicTensor;
  apply(inputs: Tensor | Tensor[], kwargs?: CallArgs): Tensor;
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], kwargs?: CallArgs): Tensor | SymbolicTensor;
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], kwargs: CallArgs = {}): Tensor | SymbolicTensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw new Error(`layer '${this.name}': called on an empty list of inputs`);
    if (list.every((t) => t instanceof SymbolicTensor)) return this.applySymbolic(inputs as SymbolicTensor | SymbolicTensor[]);
    if (list.some((t) => t instanceof SymbolicTensor)) {
      throw new Error(`layer '${this.name}': inputs mix symbolic tensors (from Input()) and concrete tensors`);
    }
    for (const t of list) {
      if (!(t instanceof Tensor)) throw new Error(`layer '${this.name}' (${this.className}) expects a Tensor or a list of Tensors, got ${describe(t)}`);
    }
    return this.applyVia(inputs as Tensor | Tensor[], kwargs, (t, kw) => this.call(t, kw));
  }

  /**
   * Internal, for model-level fused kernels (src/models/fusion.ts): apply() on tensors with
   * `call` replaced by `run`, keeping apply's building, call losses, masks and shape bookkeeping.
   * `outShape` (called after run; batch axis null) is recorded as the output shape when run's
   * result is not this layer's own output (a fused kernel that also did the next layer's work).
   */
  applyVia(tensors: Tensor | Tensor[], kwargs: CallArgs, run: (x: Tensor | Tensor[], kw: CallArgs) => Tensor | Tensor[], outShape?: () => LayerShape): Tensor {
    const list = Array.isArray(tensors) ? tensors : [tensors];
    const shapes = Array.isArray(tensors) ? tensors.map((t) => [null, ...t.shape.slice(1)]) : [null, ...tensors.shape.slice(1)];
    this.ensureBuilt(shapes);
    this.forgetCallLosses();
    const masks = list.map((t) => getMask(t));
    const mask = masks.every((m) => m === null) ? null : Array.isArray(tensors) ? masks : masks[0]!;
    let out = run(tensors, mask ? { training: kwargs.training ?? false, mask } : { training: kwargs.training ?? false });
    if (Array.isArray(out)) {
      if (out.length !== 1) throw new Error(`layer '${this.name}' returned ${out.length} tensors; use call() for layers with several outputs`);
      out = out[0]!;
    }
    if (!(out instanceof Tensor)) throw new Error(`layer '${this.name}' (${this.className}): call() must return a Tensor, got ${describe(out)}`);
    if (this.activityRegularizer) {
      if (this.callLosses.length === 0) layersWithCallLosses++;
      this.callLosses.push(this.activityRegularizer.apply(out));
    }
    const outMask = this.computeMask(tensors, mask);
    if (outMask) setMask(out, outMask);
    else if (mask && !this.supportsMasking && !this.maskWarned && out !== tensors) {
      this.maskWarned = true; // Keras warns once too
      console.warn(`WARNING: layer '${this.name}' (${this.className}) does not support masking: the mask of its input is dropped and the layers after it see every step`);
    }
    this.lastShape = outShape ? [...outShape()] : [null, ...out.shape.slice(1)];
    return out;
  }

  private applySymbolic(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const shapes = Array.isArray(inputs) ? list.map((s) => s.shape) : list[0]!.shape;
    this.ensureBuilt(shapes);
    const outShape = this.computeOutputShape(shapes);
    if (isShapeList(outShape as LayerShape | LayerShape[])) {
      throw new Error(`layer '${this.name}' has several outputs; the functional API supports one output per layer call`);
    }
    return new SymbolicTensor(outShape as LayerShape, { layer: this, inputs: list, listInput: Array.isArray(inputs) });
  }

  /**
   * Keras' add_weight: creates (and tracks) a weight. Either
   * addWeight({ name, shape, initializer, trainable }) or addWeight(name, shape, initializer, trainable).
   */
  addWeight(args: AddWeightArgs): Variable;
  addWeight(name: string, shape: readonly number[], initializer?: InitializerName | string | Initializer, trainable?: boolean): Variable;
  addWeight(
    nameOrArgs: string | AddWeightArgs, shape?: readonly number[], initializer?: InitializerName | string | Initializer, trainable = true,
  ): Variable {
    const a: AddWeightArgs = typeof nameOrArgs === 'string' ? { name: nameOrArgs, shape: shape!, initializer, trainable } : nameOrArgs;
    if (!Array.isArray(a.shape) || !a.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`layer '${this.name}'.addWeight: shape must be a list of non-negative integers, got ${JSON.stringify(a.shape)}`);
    }
    const name = a.name ?? `variable${this.ownWeights.length === 0 ? '' : `_${this.ownWeights.length}`}`;
    const init = getInitializer(a.initializer ?? 'glorotUniform');
    const fullName = `${this.name}/${name}`;
    const value = weightSource ? weightSource(fullName, a.shape) : init(a.shape);
    const v = new Variable(value, a.shape, fullName, a.trainable ?? true);
    v.requiresGrad = v.trainable && this.trainable;
    v.regularizer = getRegularizer(a.regularizer, `layer '${this.name}', weight '${name}'`);
    v.constraint = getConstraint(a.constraint, `layer '${this.name}', weight '${name}'`);
    this.ownWeights.push(v);
    weightStructureChanged();
    return v;
  }

  /** Layers held in this layer's fields (or arrays of them): Keras tracks them automatically. */
  subLayers(): Layer[] {
    const found: Layer[] = [];
    for (const value of Object.values(this)) {
      if (value instanceof Layer && value !== this) found.push(value);
      else if (Array.isArray(value)) for (const v of value) if (v instanceof Layer && v !== this) found.push(v);
    }
    return [...new Set(found)];
  }

  /** Every weight: this layer's own, then its sub-layers' (each weight once). */
  get weights(): Variable[] {
    return [...new Set([...this.ownWeights, ...this.subLayers().flatMap((l) => l.weights)])];
  }

  get trainableWeights(): Variable[] {
    if (!this.trainable) return [];
    return [...new Set([...this.ownWeights.filter((w) => w.trainable), ...this.subLayers().flatMap((l) => l.trainableWeights)])];
  }

  get nonTrainableWeights(): Variable[] {
    const trainable = new Set(this.trainableWeights);
    return this.weights.filter((w) => !trainable.has(w));
  }

  countParams(): number {
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  /** Copies of the weights' values (keras layer.get_weights()). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.read());
  }

  setWeights(values: readonly Tensor[]): void {
    const own = this.weights;
    if (values.length !== own.length) throw new Error(`layer '${this.name}'.setWeights: got ${values.length} arrays, the layer has ${own.length} weights`);
    own.forEach((w, i) => w.assign(values[i]!));
  }

  /** Checks a sample shape against what the layer was built for, naming the layer. */
  protected assertInput(x: Tensor, expectedLast: number | undefined): void {
    if (expectedLast !== undefined && x.shape[x.rank - 1] !== expectedLast) {
      throw new Error(`layer '${this.name}' (${this.className}) expects inputs with last dimension ${expectedLast}, got shape ${formatShape(x.shape)}`);
    }
  }
}

/** A short description of an unexpected value, for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') {
    const ctor = (v as object).constructor?.name;
    if (typeof (v as { next?: unknown }).next === 'function') return 'a generator/iterator';
    return ctor && ctor !== 'Object' ? `a ${ctor}` : 'a plain object';
  }
  return `${typeof v} ${String(v)}`;
}
