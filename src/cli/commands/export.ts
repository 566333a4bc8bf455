/**
 * `deepts export --format onnx MODEL_DIR out.onnx`: converts a saved model for other engines
 * (ONNX Runtime, TensorRT, ...). A thin wrapper over loadModel + exportOnnx.
 */
import { resolve } from 'node:path';
import { loadModel } from '../../io/model-io.js';
import { exportOnnx, ONNX_OPSET } from '../../io/onnx/index.js';
import { UsageError, type OptionSpecs, type ParsedOptions } from '../args.js';
import type { Command } from '../command.js';

const options: OptionSpecs = {
  format: { type: 'string', default: 'onnx', choices: ['onnx'], help: `output format: onnx (opset ${ONNX_OPSET}, input 'input', output 'output', dynamic batch)` },
};

export const command: Command = {
  summary: 'convert a saved model to another format (ONNX)',
  usage: 'deepts export --format onnx MODEL_DIR out.onnx',
  options,
  async run(o: ParsedOptions, positional: string[]): Promise<void> {
    if (positional.length !== 2) throw new UsageError('give the saved model folder and the output file, e.g. deepts export --format onnx classify-out/model model.onnx');
    const [dir, out] = positional as [string, string];
    const model = await loadModel(resolve(dir));
    await exportOnnx(model, resolve(out));
    console.log(`wrote ${out} (${String(o['format'])}, opset ${ONNX_OPSET}, ${model.countParams()} parameters)`);
  },
};
