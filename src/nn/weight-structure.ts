/**
 * A counter that moves whenever the weights a model trains, or the layers it runs, may have
 * changed: a weight created (Layer.addWeight), a layer's or a weight's `trainable` set, a layer
 * added to or removed from a Sequential model. Compiled steps (src/train/compiled-step.ts,
 * compiled-forward.ts) keep a plan's weight and layer lists while it stands still, instead of
 * walking the layer tree on every step, and compare the lists again when it moved.
 *
 * It covers what can change the model of a compiled step (a Sequential or functional model of
 * built-in layers, which hold no sub-layers); a layer assigned to a field of another layer is
 * not seen here, which only matters for models that run eagerly anyway.
 */
let version = 0;

/** The current count; equal counts mean no weight or layer list changed in between. */
export function weightStructureVersion(): number {
  return version;
}

/** Records that some model's weights, their trainability or its layers may have changed. */
export function weightStructureChanged(): void {
  version++;
}
