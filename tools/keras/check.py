#!/usr/bin/python3
"""Second opinion on a .keras file deepts wrote: opens the zip and model.weights.h5 with h5py
(Debian python3-h5py) and prints the layout Keras' saving_lib will walk: for each layer in
config.json (InputLayer excluded, as Sequential.layers does), its h5 group and variable shapes.

Usage: /usr/bin/python3 tools/keras/check.py model.keras
"""
import io
import json
import re
import sys
import zipfile

import h5py


def snake(name):  # keras.src.utils.naming.to_snake_case
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


with zipfile.ZipFile(sys.argv[1]) as zf:
    names = sorted(zf.namelist())
    assert names == ["config.json", "metadata.json", "model.weights.h5"], names
    config = json.loads(zf.read("config.json"))
    print("metadata", json.loads(zf.read("metadata.json")))
    h5 = h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")
assert "vars" in h5, "root vars group missing"
used = {}
for layer in config["config"]["layers"]:
    if layer["class_name"] == "InputLayer":
        continue
    base = snake(layer["class_name"])
    used[base] = used.get(base, -1) + 1
    path = f"layers/{base}" + (f"_{used[base]}" if used[base] else "")
    group = h5[path]["vars"]
    shapes = [(k, group[k].shape, str(group[k].dtype)) for k in sorted(group, key=int)]
    print(f"{layer['class_name']:>14} {layer['config']['name']:<16} {path:<26} {shapes}")
print("ok")
