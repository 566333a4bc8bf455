/**
 * Regularizers and constraints of a layer's weights, as Keras' layer arguments name them
 * (kernelRegularizer, biasConstraint, depthwiseRegularizer, ...): resolving them, writing them
 * into a layer config, and reading them back.
 */
import type { LayerConfig } from '../layer.js';
import { getRegularizer, serializeRegularizer, deserializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { getConstraint, serializeConstraint, deserializeConstraint, type Constraint, type ConstraintIdentifier } from '../constraints.js';

/** Keras' kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint. */
export interface KernelBiasOptions {
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/** Resolves one weight's regularizer and constraint (errors name the layer and the argument). */
export function weightOptions(layer: string, prefix: string, regularizer: RegularizerIdentifier | null | undefined, constraint: ConstraintIdentifier | null | undefined): { regularizer: Regularizer | null; constraint: Constraint | null } {
  return {
    regularizer: getRegularizer(regularizer, `layer '${layer}': ${prefix}Regularizer`),
    constraint: getConstraint(constraint, `layer '${layer}': ${prefix}Constraint`),
  };
}

/** The config entries of the set regularizers and constraints ({ kernelRegularizer: {...}, ... }); unset ones are left out. */
export function penaltyConfig(entries: { [key: string]: Regularizer | Constraint | null }): LayerConfig {
  const out: LayerConfig = {};
  for (const [k, v] of Object.entries(entries)) {
    if (v === null) continue;
    out[k] = k.endsWith('Regularizer') ? serializeRegularizer(v as Regularizer) : serializeConstraint(v as Constraint);
  }
  return out;
}

/** Every *Regularizer / *Constraint entry of a saved config, deserialized (for the layer factories). */
export function penaltiesOf(c: LayerConfig): { [key: string]: Regularizer | Constraint | null } {
  const out: { [key: string]: Regularizer | Constraint | null } = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined || v === null) continue;
    if (k.endsWith('Regularizer')) out[k] = deserializeRegularizer(v, `layer config: ${k}`);
    else if (k.endsWith('Constraint')) out[k] = deserializeConstraint(v, `layer config: ${k}`);
  }
  return out;
}
