/**
 * Model-level kernel fusion: layer pairs a model runs as one fused kernel when nothing else
 * reads the first layer's output. Keras users write Conv2D(activation='relu') and
 * MaxPooling2D as two layers; run separately they make four passes over the (large) conv
 * output, fused one each way (ops.biasActivationMaxPool). Sequential models fuse every such
 * adjacent pair; functional models when the conv output's only consumer is the pool and it is
 * not a model output — so a sub-model ending at the conv layer (model.layers[0].output, as
 * `deepts cnn` draws feature maps) still computes the conv output itself.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { CallArgs, Layer, LayerShape } from '../nn/layer.js';
import { getMask } from '../nn/mask.js';
import { Conv2D } from '../nn/layers/convolutional.js';
import { MaxPooling2D } from '../nn/layers/pooling.js';

/** Does conv → pool run as one fused kernel (given nothing else reads conv's output)? */
export function fusesConvPool(conv: Layer, pool: Layer): boolean {
  if (!(conv instanceof Conv2D) || !conv.fusesMaxPool()) return false;
  if (!(pool instanceof MaxPooling2D) || pool.constructor !== MaxPooling2D) return false;
  const [ph, pw] = pool.poolSize;
  return pool.padding === 'valid' && pool.strides[0] === ph && pool.strides[1] === pw && ph * pw <= 256;
}

/** pool.apply(conv.apply(x)) through the fused kernel, keeping both layers' apply() bookkeeping. */
export function applyConvPool(conv: Layer, pool: Layer, x: Tensor, kwargs: CallArgs): Tensor {
  if (!(conv instanceof Conv2D) || !(pool instanceof MaxPooling2D) || getMask(x) !== null) return pool.apply(conv.apply(x, kwargs), kwargs);
  let convShape: LayerShape = [];
  const pooled = conv.applyVia(x, kwargs, (t) => {
    const r = conv.callMaxPooled(t as Tensor, pool.poolSize);
    convShape = r.convShape;
    return r.pooled;
  }, () => convShape);
  return pool.applyVia(pooled, kwargs, (t) => t);
}
