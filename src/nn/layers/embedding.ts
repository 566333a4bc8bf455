/**
 * keras.layers.Embedding(input_dim, output_dim, embeddings_initializer='uniform', mask_zero=False):
 * integer indices [batch, ...] → rows of an [inputDim, outputDim] table, [batch, ..., outputDim].
 * deepts inputs are float tensors holding integers (or int32 tensors); each index is checked to be
 * an integer in [0, inputDim). The gradient scatter-adds into the rows used (gather's adjoint).
 */
import { Tensor } from '../../tensor/tensor.js';
import { ops } from '../../autograd/index.js';
import { getInitializer, type Initializer, type InitializerName } from '../initializers.js';
import { Layer, type CallArgs, type LayerArgs, type LayerConfig, type LayerShape } from '../layer.js';
import { registerLayer } from '../serialization.js';
import type { Variable } from '../variable.js';
import type { RegularizerIdentifier } from '../regularizers.js';
import type { ConstraintIdentifier } from '../constraints.js';
import { base, bool, num, str } from './config.js';
import { penaltiesOf, penaltyConfig, weightOptions } from './weight-options.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Default 'randomUniform' = Keras' 'uniform': RandomUniform(-0.05, 0.05). */
  embeddingsInitializer?: InitializerName | string | Initializer;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  embeddingsConstraint?: ConstraintIdentifier | null;
  /** Index 0 is padding: the output carries a mask (index ≠ 0) for the layers after it. */
  maskZero?: boolean;
}

export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  override readonly supportsMasking = true;
  private readonly initializer: Initializer;
  private readonly initializerName: string;
  private readonly options: ReturnType<typeof weightOptions>;
  embeddings: Variable | null = null;

  constructor(inputDim: number, outputDim: number, args: EmbeddingArgs = {}) {
    super(args);
    for (const [k, v] of [['inputDim', inputDim], ['outputDim', outputDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Embedding '${this.name}': ${k} must be a positive integer, got ${v}`);
    }
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.maskZero = args.maskZero ?? false;
    this.initializer = getInitializer(args.embeddingsInitializer ?? 'randomUniform');
    this.initializerName = typeof args.embeddingsInitializer === 'string' ? args.embeddingsInitializer : 'randomUniform';
    this.options = weightOptions(this.name, 'embeddings', args.embeddingsRegularizer, args.embeddingsConstraint);
  }

  override build(_inputShape: LayerShape): void {
    this.embeddings = this.addWeight({ name: 'embeddings', shape: [this.inputDim, this.outputDim], initializer: this.initializer, ...this.options });
  }

  /** The indices as Int32Array, each checked to be an integer in [0, inputDim). */
  private indices(x: Tensor): Int32Array {
    const src = x.data;
    const out = src instanceof Int32Array ? src : new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.inputDim) {
        const where = x.shape.length > 1 ? `[${Math.floor(i / x.shape[x.rank - 1]!)}, ${i % x.shape[x.rank - 1]!}]` : `[${i}]`;
        throw new Error(`Embedding '${this.name}': input ${where} is ${v}; inputs must be integer indices in [0, ${this.inputDim}) (inputDim ${this.inputDim})`);
      }
      out[i] = v;
    }
    return out;
  }

  override call(x: Tensor, _kwargs: CallArgs = {}): Tensor {
    const rows = ops.gather(this.embeddings!, this.indices(x), 0);
    return ops.reshape(rows, [...x.shape, this.outputDim]);
  }

  override computeMask(inputs: Tensor | Tensor[], _mask: Tensor | Tensor[] | null): Tensor | null {
    if (!this.maskZero) return null;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return new Tensor(Float32Array.from(x.data, (v) => (v !== 0 ? 1 : 0)), x.shape);
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return [...s, this.outputDim];
  }

  override getConfig(): LayerConfig {
    return {
      name: this.name, trainable: this.trainable, inputDim: this.inputDim, outputDim: this.outputDim, maskZero: this.maskZero,
      embeddingsInitializer: this.initializerName,
      ...penaltyConfig({ embeddingsRegularizer: this.options.regularizer, embeddingsConstraint: this.options.constraint, activityRegularizer: this.activityRegularizer }),
    };
  }
}

registerLayer('Embedding', (c) => new Embedding(num(c, 'inputDim'), num(c, 'outputDim'), {
  ...base(c), maskZero: bool(c, 'maskZero', false), embeddingsInitializer: str(c, 'embeddingsInitializer'), ...penaltiesOf(c),
}));
