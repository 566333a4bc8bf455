/** Weight initializers with Keras names and defaults, drawing from the seeded global RNG. */
import { getRng } from '../tensor/random.js';
import type { Shape } from '../tensor/shape.js';
import { sizeOf } from '../tensor/shape.js';

export type InitializerName =
  | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunUniform' | 'lecunNormal'
  | 'zeros' | 'ones' | 'randomNormal' | 'randomUniform' | 'truncatedNormal';

export type Initializer = (shape: Shape) => Float32Array;

/** fan_in / fan_out as Keras computes them (dense: [in, out]; conv: receptive field × channels). */
export function fans(shape: Shape): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}

function uniform(limit: number): Initializer {
  return (shape) => {
    const rng = getRng();
    const out = new Float32Array(sizeOf(shape));
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
    return out;
  };
}

/** Normal truncated at 2 std (resampled), as Keras' variance-scaling normal initializers. */
function truncatedNormal(std: number): Initializer {
  return (shape) => {
    const rng = getRng();
    const out = new Float32Array(sizeOf(shape));
    for (let i = 0; i < out.length; i++) {
      let v: number;
      do v = rng.normal(); while (Math.abs(v) > 2);
      out[i] = v * std;
    }
    return out;
  };
}

/** Keras' VarianceScaling: scale / fan, uniform or truncated normal (0.8796 corrects the truncation). */
function varianceScaling(scale: number, mode: 'fanIn' | 'fanAvg', distribution: 'uniform' | 'normal'): Initializer {
  return (shape) => {
    const [fanIn, fanOut] = fans(shape);
    const n = mode === 'fanIn' ? fanIn : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, n);
    return distribution === 'uniform' ? uniform(Math.sqrt(3 * variance))(shape) : truncatedNormal(Math.sqrt(variance) / 0.87962566103423978)(shape);
  };
}

const table: Record<InitializerName, Initializer> = {
  glorotUniform: varianceScaling(1, 'fanAvg', 'uniform'),
  glorotNormal: varianceScaling(1, 'fanAvg', 'normal'),
  heUniform: varianceScaling(2, 'fanIn', 'uniform'),
  heNormal: varianceScaling(2, 'fanIn', 'normal'),
  lecunUniform: varianceScaling(1, 'fanIn', 'uniform'),
  lecunNormal: varianceScaling(1, 'fanIn', 'normal'),
  zeros: (shape) => new Float32Array(sizeOf(shape)),
  ones: (shape) => new Float32Array(sizeOf(shape)).fill(1),
  // Keras defaults: RandomNormal(mean=0, stddev=0.05), RandomUniform(-0.05, 0.05), TruncatedNormal(stddev=0.05)
  randomNormal: (shape) => {
    const rng = getRng();
    return Float32Array.from({ length: sizeOf(shape) }, () => rng.normal(0, 0.05));
  },
  randomUniform: uniform(0.05),
  truncatedNormal: truncatedNormal(0.05),
};

const snakeToCamel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Resolves Keras names ('glorot_uniform', 'GlorotUniform', 'glorotUniform') to an initializer. */
export function getInitializer(id: InitializerName | string | Initializer): Initializer {
  if (typeof id === 'function') return id;
  const key = snakeToCamel(id.charAt(0).toLowerCase() + id.slice(1)) as InitializerName;
  const init = table[key];
  if (!init) throw new Error(`unknown initializer '${id}' (known: ${Object.keys(table).join(', ')})`);
  return init;
}
