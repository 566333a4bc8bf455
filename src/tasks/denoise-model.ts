/** The course's denoising network (needs the CNN layers). */
import { Sequential } from '../models/sequential.js';
import { Conv2D, InputLayer } from '../nn/layers/index.js';

/** The course's denoiser: three 3×3 'same' convolutions, 32 → 64 → channels filters, relu. */
export function buildDenoiser(channels: number): Sequential {
  return new Sequential([
    new InputLayer({ shape: [null, null, channels] }),
    new Conv2D(32, 3, { padding: 'same', activation: 'relu' }),
    new Conv2D(64, 3, { padding: 'same', activation: 'relu' }),
    new Conv2D(channels, 3, { padding: 'same', activation: 'relu' }),
  ], { name: 'denoiser' });
}
