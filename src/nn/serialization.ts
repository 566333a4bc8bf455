/** className → constructor from config, so saved models can be rebuilt. New layers register here. */
import type { Layer, LayerConfig } from './layer.js';

export type LayerFactory = (config: LayerConfig) => Layer;

const factories = new Map<string, LayerFactory>();

export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}

export interface SerializedLayer {
  className: string;
  config: LayerConfig;
}

export function serializeLayer(layer: Layer): SerializedLayer {
  return { className: layer.className, config: layer.getConfig() };
}

export function deserializeLayer(s: SerializedLayer): Layer {
  const f = factories.get(s.className);
  if (!f) throw new Error(`unknown layer class '${s.className}' (known: ${[...factories.keys()].join(', ')})`);
  return f(s.config);
}
