/**
 * `deepts export --format onnx MODEL_DIR out.onnx`: converts a saved model for other engines
 * (ONNX Runtime, TensorRT, ...). A thin wrapper over loadModel + exportOnnx.
 */
import { resolve } from 'node:path';
import { loadModel } from '../../io/model-io.js';
import { exportOnnx, ONNX_OPSET } from '../../io/onnx/index.js';
import { UsageError, type OptionSpecs } from '../args.js';
import { defineCommand } from '../command.js';

const options = {
  format: { type: 'string', default: 'onnx', choices: ['onnx'], help: `output format: onnx (opset ${ONNX_OPSET}, input 'input', output 'output', dynamic batch)` },
} as const satisfies OptionSpecs;

export const command = defineCommand({
  summary: 'convert a saved model to another format (ONNX)',
  usage: 'deepts export --format onnx MODEL_DIR out.onnx',
  options,
  async run(o, positional) {
    if (positional.length !== 2) throw new UsageError('give the saved model folder and the output file, e.g. deepts export --format onnx classify-out/model model.onnx');
    const [dir, out] = positional as [string, string];
    const model = await loadModel(resolve(dir));
    await exportOnnx(model, resolve(out));
    console.log(`wrote ${out} (${o.format}, opset ${ONNX_OPSET}, ${model.countParams()} parameters)`);
  },
});
