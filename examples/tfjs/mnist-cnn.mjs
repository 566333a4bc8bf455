import * as tf from 'deepts/tfjs';
import { mnistArrays } from './mnist-data.mjs';

// The TensorFlow.js "handwritten digit recognition with CNNs" tutorial model (tfjs-examples'
// mnist): conv2d 8 filters 5×5 → maxPooling2d → conv2d 16 filters 5×5 → maxPooling2d →
// flatten → dense 10 softmax; unchanged but for the import line.
const data = await mnistArrays();
const TRAIN_DATA_SIZE = data.nTrain;
const TEST_DATA_SIZE = data.nTest;

function getModel() {
  const model = tf.sequential();
  const IMAGE_WIDTH = 28;
  const IMAGE_HEIGHT = 28;
  const IMAGE_CHANNELS = 1;

  // In the first layer of our convolutional neural network we have
  // to specify the input shape. Then we specify some parameters for
  // the convolution operation that takes place in this layer.
  model.add(tf.layers.conv2d({
    inputShape: [IMAGE_WIDTH, IMAGE_HEIGHT, IMAGE_CHANNELS],
    kernelSize: 5,
    filters: 8,
    strides: 1,
    activation: 'relu',
    kernelInitializer: 'varianceScaling',
  }));

  // The MaxPooling layer acts as a sort of downsampling using max values
  // in a region instead of averaging.
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));

  // Repeat another conv2d + maxPooling stack.
  // Note that we have more filters in the convolution.
  model.add(tf.layers.conv2d({
    kernelSize: 5,
    filters: 16,
    strides: 1,
    activation: 'relu',
    kernelInitializer: 'varianceScaling',
  }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));

  // Now we flatten the output from the 2D filters into a 1D vector to prepare
  // it for input into our last layer. This is common practice when feeding
  // higher dimensional data to a final classification output layer.
  model.add(tf.layers.flatten());

  // Our last layer is a dense layer which has 10 output units, one for each
  // output class (i.e. 0, 1, 2, 3, 4, 5, 6, 7, 8, 9).
  const NUM_OUTPUT_CLASSES = 10;
  model.add(tf.layers.dense({
    units: NUM_OUTPUT_CLASSES,
    kernelInitializer: 'varianceScaling',
    activation: 'softmax',
  }));

  // Choose an optimizer, loss function and accuracy metric,
  // then compile and return the model
  const optimizer = tf.train.adam();
  model.compile({
    optimizer: optimizer,
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });

  return model;
}

async function train(model) {
  const BATCH_SIZE = 512;

  const [trainXs, trainYs] = tf.tidy(() => {
    const xs = tf.tensor2d(data.trainImages, [TRAIN_DATA_SIZE, 784]);
    const labels = tf.oneHot(tf.tensor1d(data.trainLabels, 'int32'), 10);
    return [xs.reshape([TRAIN_DATA_SIZE, 28, 28, 1]), labels];
  });

  const [testXs, testYs] = tf.tidy(() => {
    const xs = tf.tensor2d(data.testImages, [TEST_DATA_SIZE, 784]);
    const labels = tf.oneHot(tf.tensor1d(data.testLabels, 'int32'), 10);
    return [xs.reshape([TEST_DATA_SIZE, 28, 28, 1]), labels];
  });

  return model.fit(trainXs, trainYs, {
    batchSize: BATCH_SIZE,
    validationData: [testXs, testYs],
    epochs: Number(process.env.MNIST_EXAMPLE_EPOCHS ?? 10),
    shuffle: true,
    callbacks: {
      onEpochEnd: (epoch, logs) => console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)} acc ${logs.acc.toFixed(4)} val_loss ${logs.val_loss.toFixed(4)} val_acc ${logs.val_acc.toFixed(4)}`),
    },
  });
}

const model = getModel();
console.log(`output shape: ${JSON.stringify(model.outputs[0].shape)}`);
console.log(`weight shapes: ${JSON.stringify(model.getWeights().map((w) => w.shape))}`);
console.log(`parameters: ${model.countParams()}`);
const history = await train(model);
console.log(`epochs run: ${history.history.loss.length}`);
