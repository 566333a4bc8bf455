/**
 * A custom training loop, as the lecture's VAE / GAN notebooks write them with tf.GradientTape:
 * forward pass, loss, gradients of the trainable weights, optimizer.applyGradients — and the
 * same step as an overridden trainStep, so fit() drives it. The Keras original:
 *   with tf.GradientTape() as tape:
 *       loss = loss_fn(y, model(x, training=True))
 *   grads = tape.gradient(loss, model.trainable_weights)
 *   optimizer.apply_gradients(zip(grads, model.trainable_weights))
 * Run: node dist/examples/custom-training-loop.js
 */
import {
  Adam, Dense, GradientTape, Model, Sequential, losses, metrics, setSeed, stats, tensor, type Logs, type Tensor, type TrainStepData,
} from '../src/index.js';

setSeed(4);
const rng = new stats.Rng(5);
const x = tensor(Array.from({ length: 128 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)]));
const y = tensor(Array.from({ length: 128 }, (_, i) => [3 * x.get(i, 0) - 2 * x.get(i, 2) + 0.5]));

// 1. The loop written out.
const model = new Sequential([new Dense(16, { inputShape: [3], activation: 'tanh' }), new Dense(1)]);
const optimizer = new Adam(0.01);
const lossFn = new losses.MeanSquaredError();
const mae = new metrics.MeanAbsoluteError();
for (let epoch = 0; epoch < 100; epoch++) {
  const tape = new GradientTape();
  const yPred = model.forward(x, true);
  const loss = lossFn.call(y, yPred);
  const grads = tape.gradient(loss, model.trainableWeights);
  optimizer.applyGradients(grads.map((g, i) => [g, model.trainableWeights[i]!] as const));
  if (epoch % 25 === 0 || epoch === 99) {
    mae.reset();
    mae.update(y, yPred);
    console.log(`epoch ${epoch + 1}: loss ${loss.item().toFixed(4)}, mae ${mae.result().toFixed(4)}`);
  }
}

// 2. The same step inside fit(), as Keras 3's overridable train_step.
class CustomFit extends Model {
  readonly hidden = new Dense(16, { activation: 'tanh' });
  readonly out = new Dense(1);
  override call(inputs: Tensor): Tensor {
    return this.out.apply(this.hidden.apply(inputs));
  }
  override trainStep([xb, yb]: TrainStepData): Logs {
    const tape = new GradientTape();
    const yPred = this.call(xb as Tensor);
    const loss = this.computeLoss(yb, yPred);
    const grads = tape.gradient(loss, this.trainableWeights);
    this.optimizer!.applyGradients(grads.map((g, i) => [g, this.trainableWeights[i]!] as const));
    return this.computeMetrics(yb, yPred, loss);
  }
}
const custom = new CustomFit();
custom.compile({ optimizer: new Adam(0.01), loss: 'mse', metrics: ['mae'] });
const history = await custom.fit(x, y, { epochs: 20, batchSize: 16, verbose: 0 });
console.log(`trainStep in fit: loss ${history.history['loss']![0]!.toFixed(4)} → ${history.history['loss']!.at(-1)!.toFixed(4)}`);
