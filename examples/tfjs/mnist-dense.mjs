import * as tf from 'deepts/tfjs';
import { mnistArrays } from './mnist-data.mjs';

// A typical TensorFlow.js MNIST example with dense layers, unchanged but for the import line.
const data = await mnistArrays();
const trainXs = tf.tensor4d(data.trainImages, [data.nTrain, 28, 28, 1]);
const trainYs = tf.oneHot(tf.tensor1d(data.trainLabels, 'int32'), 10);
const testXs = tf.tensor4d(data.testImages, [data.nTest, 28, 28, 1]);
const testYs = tf.oneHot(tf.tensor1d(data.testLabels, 'int32'), 10);

const model = tf.sequential({
  layers: [
    tf.layers.flatten({ inputShape: [28, 28, 1] }),
    tf.layers.dense({ units: 128, activation: 'relu' }),
    tf.layers.dropout({ rate: 0.2 }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.summary();
model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

const epochs = Number(process.env.MNIST_EXAMPLE_EPOCHS ?? 5);
const history = await model.fit(trainXs, trainYs, {
  batchSize: 64,
  epochs,
  validationSplit: 0.15,
  shuffle: true,
  callbacks: {
    onEpochEnd: async (epoch, logs) => {
      console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)} acc ${logs.acc.toFixed(4)} val_acc ${logs.val_acc.toFixed(4)}`);
    },
  },
});

const [testLoss, testAcc] = model.evaluate(testXs, testYs);
const accuracy = tf.tidy(() => {
  const predicted = model.predict(testXs).argMax(-1);
  const truth = testYs.argMax(-1);
  return predicted.equal(truth).asType('float32').mean().dataSync()[0];
});
console.log(`epochs run: ${history.history.loss.length}`);
console.log(`test loss: ${testLoss.dataSync()[0].toFixed(4)}`);
console.log(`test accuracy: ${testAcc.dataSync()[0].toFixed(4)} (argMax check ${accuracy.toFixed(4)})`);
tf.dispose([trainXs, trainYs, testXs, testYs]);
