#!/usr/bin/env node
/** Exports the lecture autoencoder and the classifiers to DIR/*.onnx (run `npm run build` first). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildAutoencoder, buildClassifier, exportOnnx } from '../../dist/src/index.js';

const dir = process.argv[2] ?? 'onnx-samples';
mkdirSync(dir, { recursive: true });
const models = { autoencoder: buildAutoencoder(), course_classifier: buildClassifier('course'), classifier: buildClassifier('default') };
for (const [name, model] of Object.entries(models)) {
  await exportOnnx(model, join(dir, `${name}.onnx`));
  console.log(join(dir, `${name}.onnx`));
}
