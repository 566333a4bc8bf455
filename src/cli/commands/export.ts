/**
 * `deepts export --format onnx|tfjs|keras MODEL out`: converts a saved model (a tfjs Layers
 * folder, deepts' own format, or a .keras file) for other engines: ONNX Runtime (onnx),
 * TensorFlow.js' tf.loadLayersModel (tfjs, a folder with model.json + weights.bin) or
 * Keras 3's keras.saving.load_model (keras, a .keras file). A thin wrapper over loadModel +
 * exportOnnx / saveModel.
 */
import { resolve } from 'node:path';
import { loadModel, saveModel } from '../../io/model-io.js';
import { exportOnnx, ONNX_OPSET } from '../../io/onnx/index.js';
import { UsageError, type OptionSpecs } from '../args.js';
import { defineCommand } from '../command.js';

const options = {
  format: {
    type: 'string', default: 'onnx', choices: ['onnx', 'tfjs', 'keras'],
    help: `output format: onnx (opset ${ONNX_OPSET}, inputs/outputs named, dynamic batch, channels-last like deepts), tfjs (a folder for tf.loadLayersModel) or keras (a Keras 3 .keras file)`,
  },
} as const satisfies OptionSpecs;

export const command = defineCommand({
  summary: 'convert a saved model to another format (ONNX, TensorFlow.js, Keras 3)',
  usage: 'deepts export --format onnx|tfjs|keras MODEL out',
  maxPositional: 2,
  options,
  async run(o, positional) {
    if (positional.length !== 2) throw new UsageError('give the saved model (folder or .keras file) and the output, e.g. deepts export --format onnx classify-out/model model.onnx');
    const [src, out] = positional as [string, string];
    if (o.format === 'keras' && !out.endsWith('.keras')) throw new UsageError(`a Keras file's name must end in .keras (Keras refuses others), got ${out}`);
    const model = await loadModel(resolve(src));
    if (o.format === 'onnx') {
      await exportOnnx(model, resolve(out));
      console.log(`wrote ${out} (onnx, opset ${ONNX_OPSET}, ${model.countParams()} parameters)`);
    } else {
      await saveModel(model, resolve(out), { format: o.format as 'tfjs' | 'keras' });
      console.log(`wrote ${out} (${o.format}, ${model.countParams()} parameters)`);
    }
  },
});
