/** The bundled colour photographs (data/pictures/*.png, public domain / CC0: see data/README.md) as float tensors. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { bundledDataDir } from '../datasets/tabular-node.js';
import { decodePng } from './png.js';

/** An RGBA picture as an [height, width, 3] float32 tensor with values in [0, 1] (alpha dropped). */
export function rgbTensor(image: { width: number; height: number; data: ArrayLike<number> }): Tensor {
  const out = new Float32Array(image.width * image.height * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = image.data[p]! / 255;
    out[q + 1] = image.data[p + 1]! / 255;
    out[q + 2] = image.data[p + 2]! / 255;
  }
  return new Tensor(out, [image.height, image.width, 3]);
}

/** data/pictures/*.png in name order: astronaut, chelsea, coffee. */
export function loadBundledPictures(): { name: string; picture: Tensor }[] {
  const dir = join(bundledDataDir(), 'pictures');
  return readdirSync(dir).filter((f) => f.endsWith('.png')).sort().map((f) => ({
    name: f.replace(/\.png$/, ''),
    picture: rgbTensor(decodePng(readFileSync(join(dir, f)), f)),
  }));
}
