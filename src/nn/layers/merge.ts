/**
 * Keras' merge layers, which combine a list of tensors: Concatenate (along an axis) and the
 * elementwise Add, Subtract, Multiply, Average, Maximum, Minimum (shapes broadcast as in Keras).
 * And Lambda, which wraps a function of tensors as a layer.
 * Masks (nn/mask.ts) combine as Keras' merge layers combine them (compute_mask): a step the
 * elementwise merges keep is one any input keeps, when every input carries a mask; Concatenate
 * joins the masks along its axis, unmasked inputs counting as kept everywhere.
 */
import { Tensor } from '../../tensor/tensor.js';
import { noGrad, ops } from '../../autograd/index.js';
import { Layer, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import { registerLayer } from '../serialization.js';

function asList(layer: Layer, inputs: Tensor | Tensor[], min: number): Tensor[] {
  if (!Array.isArray(inputs) || inputs.length < min) {
    throw new Error(`${layer.className} '${layer.name}' expects a list of at least ${min} tensors, got ${Array.isArray(inputs) ? inputs.length : 'a single tensor'}`);
  }
  return inputs;
}

function shapeList(layer: Layer, s: LayerShape | readonly LayerShape[]): readonly LayerShape[] {
  if (s.length === 0 || !Array.isArray(s[0])) throw new Error(`${layer.className} '${layer.name}' must be called on a list of tensors`);
  return s as readonly LayerShape[];
}

/** Broadcast of (batch-axis-null) shapes, aligned from the right as NumPy does. */
function broadcastShapes(layer: Layer, shapes: readonly LayerShape[]): LayerShape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: (number | null)[] = [];
  for (let i = 0; i < rank; i++) {
    let d: number | null = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i];
      if (v === undefined || v === 1) continue;
      if (v === null) { if (d === 1) d = null; continue; }
      if (d !== 1 && d !== null && d !== v) {
        throw new Error(`${layer.className} '${layer.name}': input shapes ${shapes.map((x) => `(${x.map((e) => e ?? 'None').join(', ')})`).join(', ')} cannot be combined elementwise`);
      }
      d = v;
    }
    out.push(d);
  }
  if (shapes.every((s) => s.length === rank)) out[0] = shapes[0]![0] ?? null;
  return out;
}

type MaskArg = Tensor | (Tensor | null)[] | null;

/** One mask (or null) per input, from what apply() hands computeMask. */
function maskList(mask: MaskArg, count: number): (Tensor | null)[] | null {
  if (mask === null) return null;
  return Array.isArray(mask) ? mask : [mask, ...new Array<null>(count - 1).fill(null)];
}

abstract class Elementwise extends Layer {
  protected abstract combine(xs: Tensor[]): Tensor;
  protected readonly minInputs: number = 2;
  override readonly supportsMasking: boolean = true;
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.combine(asList(this, inputs, this.minInputs));
  }
  /** Keras' Merge.compute_mask: the OR of the inputs' masks when every input has one, else no mask. */
  override computeMask(inputs: Tensor | Tensor[], mask: MaskArg): Tensor | null {
    const masks = maskList(mask, Array.isArray(inputs) ? inputs.length : 1);
    if (!masks || masks.some((m) => m === null)) return null;
    return noGrad(() => (masks as Tensor[]).slice(1).reduce((a, b) => ops.maximum(a, b), masks[0]!));
  }
  override computeOutputShape(s: LayerShape | readonly LayerShape[]): LayerShape {
    return broadcastShapes(this, shapeList(this, s));
  }
  override getConfig(): LayerConfig {
    return { name: this.name };
  }
}

/** keras.layers.Add: the sum of its inputs. */
export class Add extends Elementwise {
  readonly className = 'Add';
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.add(a, b), xs[0]!);
  }
}

/** keras.layers.Subtract: inputs[0] − inputs[1] (exactly two inputs). */
export class Subtract extends Elementwise {
  readonly className = 'Subtract';
  protected combine(xs: Tensor[]): Tensor {
    if (xs.length !== 2) throw new Error(`Subtract '${this.name}' expects exactly 2 inputs, got ${xs.length}`);
    return ops.sub(xs[0]!, xs[1]!);
  }
}

/** keras.layers.Multiply: the elementwise product of its inputs. */
export class Multiply extends Elementwise {
  readonly className = 'Multiply';
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.mul(a, b), xs[0]!);
  }
}

/** keras.layers.Average: the elementwise mean of its inputs. */
export class Average extends Elementwise {
  readonly className = 'Average';
  protected combine(xs: Tensor[]): Tensor {
    return ops.div(xs.slice(1).reduce((a, b) => ops.add(a, b), xs[0]!), xs.length);
  }
}

/** keras.layers.Maximum: the elementwise maximum of its inputs. */
export class Maximum extends Elementwise {
  readonly className = 'Maximum';
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.maximum(a, b), xs[0]!);
  }
}

/** keras.layers.Minimum: the elementwise minimum of its inputs. */
export class Minimum extends Elementwise {
  readonly className = 'Minimum';
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, b) => ops.minimum(a, b), xs[0]!);
  }
}

export interface ConcatenateArgs extends LayerArgs {
  /** Axis to join along (default -1, the features, as Keras). */
  axis?: number;
}

/** keras.layers.Concatenate(axis=-1): joins its inputs along an axis; the other axes must agree. */
export class Concatenate extends Layer {
  readonly className = 'Concatenate';
  readonly axis: number;
  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }
  override readonly supportsMasking: boolean = true;
  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = asList(this, inputs, 1);
    return ops.concat(xs, this.axis < 0 ? xs[0]!.rank + this.axis : this.axis);
  }
  /**
   * Keras' Concatenate.compute_mask: each input's mask spread over the input's shape (an unmasked
   * input: all kept), joined along the axis, then a position is kept if any of its last axis is.
   * Joining features (axis −1): the OR of the masks, or all kept when an input has none; joining
   * steps (axis 1): the masks one after the other.
   */
  override computeMask(inputs: Tensor | Tensor[], mask: MaskArg): Tensor | null {
    const xs = asList(this, inputs, 1);
    const masks = maskList(mask, xs.length);
    if (!masks || masks.every((m) => m === null)) return null;
    return noGrad(() => {
      const spread = xs.map((x, i) => {
        const m = masks[i] ?? null;
        if (!m) return new Tensor(new Float32Array(x.size).fill(1), x.shape);
        return m.rank < x.rank ? ops.maximum(ops.expandDims(m, -1), new Tensor(new Float32Array(x.size), x.shape)) : m;
      });
      return ops.max(ops.concat(spread, this.axis < 0 ? xs[0]!.rank + this.axis : this.axis), -1);
    });
  }
  override computeOutputShape(s: LayerShape | readonly LayerShape[]): LayerShape {
    const shapes = shapeList(this, s);
    const rank = shapes[0]!.length;
    const ax = this.axis < 0 ? rank + this.axis : this.axis;
    if (ax <= 0 || ax >= rank) throw new Error(`Concatenate '${this.name}': axis ${this.axis} is out of range for inputs of rank ${rank} (the batch axis cannot be joined)`);
    for (const sh of shapes) {
      if (sh.length !== rank || sh.some((d, i) => i !== ax && i !== 0 && d !== null && shapes[0]![i] !== null && d !== shapes[0]![i])) {
        throw new Error(`Concatenate '${this.name}': inputs must have the same shape except along axis ${this.axis}, got ${shapes.map((x) => `(${x.map((e) => e ?? 'None').join(', ')})`).join(', ')}`);
      }
    }
    const out = [...shapes[0]!];
    out[ax] = shapes.some((sh) => sh[ax] === null) ? null : shapes.reduce((t, sh) => t + (sh[ax] as number), 0);
    return out;
  }
  override getConfig(): LayerConfig {
    return { name: this.name, axis: this.axis };
  }
}

export type LambdaFn = (inputs: Tensor | Tensor[]) => Tensor;

export interface LambdaArgs extends LayerArgs {
  /** Output shape without the batch axis; by default found by running the function once. */
  outputShape?: readonly (number | null)[];
}

/**
 * keras.layers.Lambda(fn): any function of tensors built from differentiable ops, as a layer.
 * Like Keras, it cannot be saved as code: register a factory under the layer's name with
 * registerLambda(name, fn) before loading a model that uses it.
 */
export class Lambda extends Layer {
  readonly className = 'Lambda';
  readonly fn: LambdaFn;
  private readonly outputShape: readonly (number | null)[] | undefined;
  constructor(fn: LambdaFn, args: LambdaArgs = {}) {
    super(args);
    if (typeof fn !== 'function') throw new Error(`Lambda: expects a function of tensors, got ${typeof fn}`);
    this.fn = fn;
    this.outputShape = args.outputShape;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.fn(inputs);
  }
  override computeOutputShape(s: LayerShape | readonly LayerShape[]): LayerShape {
    if (this.outputShape) {
      const batch = (s.length > 0 && Array.isArray(s[0]) ? (s[0] as LayerShape)[0] : (s as LayerShape)[0]) ?? null;
      return [batch, ...this.outputShape];
    }
    return super.computeOutputShape(s) as LayerShape;
  }
  override getConfig(): LayerConfig {
    return { name: this.name, function: this.fn.name || null, outputShape: this.outputShape ? [...this.outputShape] : null };
  }
}

const lambdas = new Map<string, LambdaFn>();

/** Makes a Lambda loadable: models saved with a Lambda whose function is `fn.name` (or `name`) get fn back. */
export function registerLambda(name: string, fn: LambdaFn): void {
  lambdas.set(name, fn);
}

const nameOf = (c: LayerConfig): string | undefined => (typeof c['name'] === 'string' ? c['name'] : undefined);
for (const [cls, make] of [
  ['Add', (c: LayerConfig) => new Add({ name: nameOf(c) })], ['Subtract', (c: LayerConfig) => new Subtract({ name: nameOf(c) })],
  ['Multiply', (c: LayerConfig) => new Multiply({ name: nameOf(c) })], ['Average', (c: LayerConfig) => new Average({ name: nameOf(c) })],
  ['Maximum', (c: LayerConfig) => new Maximum({ name: nameOf(c) })], ['Minimum', (c: LayerConfig) => new Minimum({ name: nameOf(c) })],
] as const) registerLayer(cls, make);
registerLayer('Concatenate', (c) => new Concatenate({ name: nameOf(c), axis: typeof c['axis'] === 'number' ? c['axis'] : -1 }));
registerLayer('Lambda', (c) => {
  const key = typeof c['function'] === 'string' && lambdas.has(c['function']) ? c['function'] : nameOf(c);
  const fn = key === undefined ? undefined : lambdas.get(key);
  if (!fn) throw new Error(`cannot rebuild Lambda layer '${nameOf(c)}': its function is code, not saved; call registerLambda('${String(c['function'] ?? nameOf(c))}', fn) before loading`);
  const shape = c['outputShape'];
  return new Lambda(fn, { name: nameOf(c), outputShape: Array.isArray(shape) ? (shape as (number | null)[]) : undefined });
});
