#!/usr/bin/python3
"""The colour pictures `deepts denoise` trains and evaluates on (data/pictures/*.png).

Copied from scikit-image's data folder (Debian's python3-skimage), choosing public-domain / CC0
photographs only (licences quoted from skimage/data/_fetchers.py docstrings, recorded in
data/README.md), scaled down so the repository stays small (longest side 256 px,
anti-aliased) and saved as 8-bit RGB PNG.

Run: /usr/bin/python3 tools/denoise-pictures/make_pictures.py
"""
import os

import numpy as np
from PIL import Image
from skimage import data
from skimage.transform import resize

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'data', 'pictures')
PICTURES = {
    'astronaut': data.astronaut,  # public domain (NASA)
    'chelsea': data.chelsea,      # CC0 (Stefan van der Walt)
    'coffee': data.coffee,        # CC0 (Rachel Michetti)
}

os.makedirs(OUT, exist_ok=True)
for name, load in PICTURES.items():
    img = load()
    h, w = img.shape[:2]
    s = 256 / max(h, w)
    small = resize(img, (round(h * s), round(w * s)), anti_aliasing=True)
    Image.fromarray((np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8)).save(os.path.join(OUT, f'{name}.png'), optimize=True)
    print(name, small.shape)
