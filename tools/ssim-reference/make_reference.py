#!/usr/bin/python3
"""SSIM and PSNR reference numbers for deepts' image.ssim / image.psnr (test/image.test.ts).

Computed independently with scikit-image (Debian's python3-skimage). With
gaussian_weights=True, sigma=1.5, use_sample_covariance=False and data_range=maxVal,
skimage's structural_similarity is TensorFlow's tf.image.ssim: an 11x11 Gaussian window
(truncate 3.5 -> radius 5), k1 0.01, k2 0.03, the mean over positions a whole window fits
(skimage filters then crops 5 pixels at each border; TF filters VALID), then over channels.

Run (Debian's Python, where python3-skimage lives): /usr/bin/python3 tools/ssim-reference/make_reference.py > tools/ssim-reference/reference.json
Images are stored as 8-bit integers; `scale` says what they are divided by before comparing.
"""
import json
import sys

import numpy as np
import skimage
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def case(name, a8, b8, scale, data_range):
    a = a8.astype(np.float64) / scale
    b = b8.astype(np.float64) / scale
    multichannel = a.ndim == 3
    s = structural_similarity(a, b, data_range=data_range, gaussian_weights=True, sigma=1.5,
                              use_sample_covariance=False, channel_axis=-1 if multichannel else None)
    p = peak_signal_noise_ratio(a, b, data_range=data_range) if not np.array_equal(a, b) else None
    shape = list(a8.shape) if multichannel else list(a8.shape) + [1]
    return {"name": name, "shape": shape, "scale": scale, "dataRange": data_range,
            "a": a8.reshape(-1).tolist(), "b": b8.reshape(-1).tolist(), "ssim": float(s), "psnr": p}


def main():
    rng = np.random.default_rng(20261129)
    cases = []
    yy, xx = np.mgrid[0:32, 0:40]
    smooth = (127 + 100 * np.sin(xx / 5.0) * np.cos(yy / 7.0)).astype(np.uint8)
    noisy = np.clip(smooth.astype(np.int32) + rng.integers(-30, 31, smooth.shape), 0, 255).astype(np.uint8)
    cases.append(case("gray pattern + uniform noise, range 255", smooth, noisy, 1, 255))
    rgb = rng.integers(0, 256, (24, 30, 3)).astype(np.uint8)
    shifted = np.clip(rgb.astype(np.int32) // 2 + 40, 0, 255).astype(np.uint8)
    cases.append(case("random RGB vs contrast-halved, range 1", rgb, shifted, 255, 1.0))
    astro = data.astronaut()[100:148, 180:228]  # a 48x48 crop of the public-domain astronaut photo
    noise = rng.normal(0, 20, astro.shape)
    astro_noisy = np.clip(astro + noise, 0, 255).astype(np.uint8)
    cases.append(case("astronaut crop + Gaussian noise, range 1", astro, astro_noisy, 255, 1.0))
    cases.append(case("identical pictures", astro[:16, :16], astro[:16, :16], 255, 1.0))
    json.dump({"generator": "tools/ssim-reference/make_reference.py", "skimage": skimage.__version__,
               "numpy": np.__version__, "cases": cases}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
