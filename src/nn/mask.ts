/**
 * Keras masks: a [batch, steps] tensor of 1 (keep) / 0 (padding) that travels with a layer's
 * output (Keras' tensor._keras_mask). Embedding(maskZero) and Masking make one; layers that
 * support masking pass it on (Dense, Activation, Dropout, LayerNormalization, BatchNormalization) or use it
 * (GlobalAveragePooling1D averages the kept steps only); other layers drop it, as Keras does.
 */
import type { Tensor } from '../tensor/tensor.js';

const masks = new WeakMap<Tensor, Tensor>();

/** The mask carried by a tensor (Keras' backend.get_keras_mask), or null. */
export function getMask(t: Tensor): Tensor | null {
  return masks.get(t) ?? null;
}

/** Attaches a mask to a tensor (Keras' backend.set_keras_mask); null removes it. */
export function setMask(t: Tensor, mask: Tensor | null): void {
  if (mask) masks.set(t, mask);
  else masks.delete(t);
}
