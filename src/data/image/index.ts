/** tf.image for deepts: `import { image } from 'deepts'` → image.resize, image.ssim, ... (browser-safe). */
export { extractPatches, resize, flipLeftRight, randomCrop, type ExtractPatchesArgs, type ResizeArgs } from './geometry.js';
export { adjustBrightness, adjustSaturation } from './color.js';
export { ssim, psnr, type SsimArgs } from './quality.js';
