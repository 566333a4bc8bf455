import * as tf from 'deepts/tfjs';

// The TensorFlow.js Layers "getting started" example, unchanged but for the import line:
// fit y = 2x − 1 with one Dense unit, then predict for x = 5.
const model = tf.sequential();
model.add(tf.layers.dense({ units: 1, inputShape: [1] }));
model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });

const xs = tf.tensor2d([-1, 0, 1, 2, 3, 4], [6, 1]);
const ys = tf.tensor2d([-3, -1, 1, 3, 5, 7], [6, 1]);

await model.fit(xs, ys, { epochs: 250 });
const prediction = model.predict(tf.tensor2d([5], [1, 1]));
prediction.print();
console.log(`prediction for x=5: ${prediction.dataSync()[0]}`);
