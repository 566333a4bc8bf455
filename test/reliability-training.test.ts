/** Regression tests for issue 14 (defect 7): divergence is detected at the first non-finite loss. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense, SGD, Sequential, TerminateOnNaN, setSeed, tensor } from '../src/index.js';

function divergingModel(): Sequential {
  setSeed(3);
  const model = new Sequential([new Dense(1, { inputShape: [2] })]);
  model.compile({ optimizer: new SGD({ learningRate: 1e9 }), loss: 'mse' });
  return model;
}
const x = tensor(Array.from({ length: 64 }, (_, i) => [i / 8, 1 - i / 16]));
const y = tensor(Array.from({ length: 64 }, (_, i) => [3 * i]));

test('issue 14.7: TerminateOnNaN stops fit at the first non-finite loss and says where and what to try', async () => {
  const lines: string[] = [];
  const model = divergingModel();
  const history = await model.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0, callbacks: [new TerminateOnNaN({ print: (l) => lines.push(l) })] });
  assert.equal(history.history['loss']!.length, 1, 'training went on after the loss stopped being finite');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^training diverged: the loss became (NaN|Infinity) at epoch 1, step \d+\. Try a smaller learning rate/);
});

test('issue 14.7: TerminateOnNaN({ raise: true }) (the CLI default) makes fit reject with the message', async () => {
  await assert.rejects(divergingModel().fit(x, y, { epochs: 5, batchSize: 8, verbose: 0, callbacks: [new TerminateOnNaN({ raise: true })] }),
    /training diverged: the loss became (NaN|Infinity) at epoch 1, step \d+\..*learning rate/);
});
