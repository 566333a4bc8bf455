#!/usr/bin/python3
"""Builds the .keras fixtures in test/fixtures/keras/ without Keras (not installable here),
following keras/src/saving/saving_lib.py of Keras 3 exactly:

  zip: metadata.json, config.json, model.weights.h5
  h5:  /vars (the model's own, empty for Sequential)
       /layers/<snake_case class>[_N]/vars/<i>   i = trainable then non-trainable, creation order

config.json is what serialize_keras_object writes for a Sequential model (module, class_name,
config, registered_name, build_config; layer dtypes as DTypePolicy). Expected outputs are
computed here with numpy in float64 from the same weights, and stored beside each file.

Run: /usr/bin/python3 tools/keras/make-fixtures.py   (Debian python3-h5py, python3-numpy)
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "keras")
rng = np.random.default_rng(20261129)
POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def init(cls, **config):
    if cls not in ("Zeros", "Ones"):
        config.setdefault("seed", None)
    return {"module": "keras.initializers", "class_name": cls, "config": config, "registered_name": None}


def layer(cls, input_shape, **config):
    base = {"name": config.pop("name"), "trainable": True, "dtype": POLICY}
    out = {"module": "keras.layers", "class_name": cls, "config": {**base, **config}, "registered_name": None}
    if input_shape is not None:
        out["build_config"] = {"input_shape": input_shape}
    return out


def dense(name, units, activation, input_shape):
    return layer("Dense", input_shape, name=name, units=units, activation=activation, use_bias=True,
                 kernel_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"),
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None, bias_constraint=None)


def sequential(name, batch_shape, layers):
    inp = {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
           "config": {"batch_shape": batch_shape, "dtype": "float32", "sparse": False, "name": "input_layer"}}
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": name, "trainable": True, "dtype": POLICY, "layers": [inp] + layers, "build_input_shape": batch_shape},
            "build_config": {"input_shape": batch_shape}}


def write(name, config, variables, x, y):
    """variables: list of (h5 group path, [arrays]) in the model's layer order."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("vars")
        for path, arrays in variables:
            g = f.create_group(path).create_group("vars")
            for i, a in enumerate(arrays):
                g[str(i)] = a
    meta = {"keras_version": "3.6.0", "date_saved": "2026-11-29@10:00:00"}
    with zipfile.ZipFile(os.path.join(OUT, f"{name}.keras"), "w") as zf:
        zf.writestr("metadata.json", json.dumps(meta))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", buf.getvalue())
    with open(os.path.join(OUT, f"{name}.expected.json"), "w") as fh:
        json.dump({"x": x.tolist(), "shape": list(x.shape), "y": y.tolist()}, fh)
        fh.write("\n")


def relu(z):
    return np.maximum(z, 0)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


os.makedirs(OUT, exist_ok=True)

# 1. A classifier: Dense(8, relu) → Dropout → Dense(8, tanh) → Dense(3, softmax)
k1, b1 = rng.normal(size=(4, 8)).astype("f4"), rng.normal(size=8).astype("f4") * 0.1
k2, b2 = rng.normal(size=(8, 8)).astype("f4") * 0.5, rng.normal(size=8).astype("f4") * 0.1
k3, b3 = rng.normal(size=(8, 3)).astype("f4"), rng.normal(size=3).astype("f4") * 0.1
config = sequential("classifier", [None, 4], [
    dense("hidden", 8, "relu", [None, 4]),
    layer("Dropout", [None, 8], name="dropout", rate=0.25, seed=None, noise_shape=None),
    dense("hidden_2", 8, "tanh", [None, 8]),
    dense("probs", 3, "softmax", [None, 8]),
])
x = rng.normal(size=(5, 4)).astype("f4")
f64 = lambda a: a.astype("f8")
y = softmax(np.tanh(relu(f64(x) @ f64(k1) + b1) @ f64(k2) + b2) @ f64(k3) + b3)
write("classifier", config, [("layers/dense", [k1, b1]), ("layers/dropout", []), ("layers/dense_1", [k2, b2]), ("layers/dense_2", [k3, b3])], x, y)

# 2. Normalization (adapted: mean, variance, int64 count) → Reshape → Flatten → Dense(2, sigmoid)
mean = rng.normal(size=6).astype("f4") * 3
variance = (rng.random(6) * 4 + 0.1).astype("f4")
k, b = rng.normal(size=(6, 2)).astype("f4"), rng.normal(size=2).astype("f4")
config = sequential("normalized", [None, 6], [
    layer("Normalization", [None, 6], name="normalization", axis=-1, invert=False, mean=None, variance=None),
    layer("Reshape", [None, 6], name="reshape", target_shape=[2, 3]),
    layer("Flatten", [None, 2, 3], name="flatten", data_format="channels_last"),
    dense("out", 2, "sigmoid", [None, 6]),
])
x = (rng.normal(size=(4, 6)) * 3).astype("f4")
z = (f64(x) - mean) / np.maximum(np.sqrt(f64(variance)), 1e-7)
y = 1 / (1 + np.exp(-(z @ f64(k) + b)))
write("normalized", config, [("layers/normalization", [mean, variance, np.int64(1000)]), ("layers/reshape", []), ("layers/flatten", []), ("layers/dense", [k, b])], x, y)
print("wrote", sorted(os.listdir(OUT)))
