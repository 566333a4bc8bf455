/**
 * Subclassing keras.Model in deepts: layers are fields (tracked automatically), call() is the
 * forward pass with Keras' { training } flag, and compile / fit / evaluate / predict / summary
 * work as for any model. The Keras original:
 *   class MLP(keras.Model):
 *       def __init__(self):
 *           super().__init__(); self.hidden = layers.Dense(32, activation="relu")
 *           self.dropout = layers.Dropout(0.2); self.out = layers.Dense(1)
 *       def call(self, inputs, training=False):
 *           return self.out(self.dropout(self.hidden(inputs), training=training))
 * Run: node dist/examples/subclassed-model.js
 */
import { Dense, Dropout, Model, setSeed, stats, tensor, type CallArgs, type Tensor } from '../src/index.js';

class MLP extends Model {
  readonly hidden = new Dense(32, { activation: 'relu' });
  readonly dropout = new Dropout(0.2);
  readonly out = new Dense(1);

  override call(inputs: Tensor, { training }: CallArgs = {}): Tensor {
    return this.out.apply(this.dropout.apply(this.hidden.apply(inputs), { training }));
  }
}

setSeed(2);
const rng = new stats.Rng(3);
const x = Array.from({ length: 200 }, () => [rng.uniform(-2, 2), rng.uniform(-2, 2)]);
const y = x.map(([u, v]) => u! * u! - v!);

const model = new MLP();
model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
const history = await model.fit(tensor(x), tensor(y), { epochs: 40, batchSize: 16, verbose: 0 });
const { loss, mae } = await model.evaluate(tensor(x), tensor(y), { verbose: 0, returnDict: true });
model.summary();
console.log(`training loss ${history.history['loss']![0]!.toFixed(3)} → ${history.history['loss']!.at(-1)!.toFixed(3)}; evaluate: loss ${loss!.toFixed(3)}, mae ${mae!.toFixed(3)}`);
console.log(`predict([[1, 0]]) = ${model.predict(tensor([[1, 0]])).get(0, 0).toFixed(2)} (true value 1)`);
