#!/usr/bin/python3
"""Builds test/fixtures/keras/functional_cnn.keras without Keras (not installable here): a
compiled two-input functional CNN laid out as Keras 3 writes one, following its source:

  config.json   serialize_keras_object(model): module keras.src.models.functional, class_name
                Functional, config = Functional.get_config() (layers with name and inbound_nodes
                [{"args": [__keras_tensor__ ...], "kwargs": {}}], input_layers, output_layers),
                and compile_config = Trainer._compile_config (optimizer serialized, loss and
                metrics as given to compile).
  weights.h5    saving_lib: /layers/<snake_case class>[_N]/vars/<i>, layers in the order of
                Functional.layers, i.e. ops/function.py map_graph: by decreasing depth, ties by
                the order a depth-first walk from the outputs first meets them. InputLayers are
                layers there too (input_layer, input_layer_1).

The model (names as given to each layer):
  image (6, 6, 2) ─ conv_a Conv2D(3, 3×3, same, relu) ─┐
        └──────── conv_b Conv2D(3, 1×1) ─ bn ────────── add ─ pool MaxPooling2D(2) ─ gap ─┐
  extra (2,) ───────────────────────────────────────────────────────────────────── concat ─ probs Dense(4, softmax)

map_graph, worked by hand: the walk from probs meets probs 0, concat 1, gap 2, pool 3, add 4,
conv_a 5, image 6, bn 7, conv_b 8, extra 9; depths: probs 0, concat 1, gap 2, extra 2, pool 3,
add 4, conv_a 5, bn 5, conv_b 6, image 7. So Functional.layers is
  image, conv_b, conv_a, bn, add, pool, gap, extra, concat, probs
and conv_b's weights are in layers/conv2d, conv_a's in layers/conv2d_1 — the reverse of the
order the layers were made in, which is what the test checks deepts gets right.

Expected outputs are computed here with numpy in float64 (BatchNormalization in inference form).
Run: /usr/bin/python3 tools/keras/make-functional-fixture.py   (Debian python3-h5py, python3-numpy)
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "keras")
rng = np.random.default_rng(20261130)
POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def init(cls, **config):
    if cls not in ("Zeros", "Ones"):
        config.setdefault("seed", None)
    return {"module": "keras.initializers", "class_name": cls, "config": config, "registered_name": None}


def tensor(shape, layer, node=0):
    return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, node, 0]}}


def node(*args):
    return {"args": list(args), "kwargs": {}}


def layer(cls, name, build_shape, inbound, **config):
    out = {"module": "keras.layers", "class_name": cls,
           "config": {"name": name, "trainable": True, "dtype": POLICY, **config}, "registered_name": None}
    if build_shape is not None:
        out["build_config"] = {"input_shape": build_shape}
    out["name"] = name
    out["inbound_nodes"] = inbound
    return out


def input_layer(name, batch_shape):
    return {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
            "config": {"batch_shape": batch_shape, "dtype": "float32", "sparse": False, "name": name},
            "name": name, "inbound_nodes": []}


def conv(name, filters, k, padding, activation, build_shape, inbound):
    return layer("Conv2D", name, build_shape, inbound, filters=filters, kernel_size=[k, k], strides=[1, 1], padding=padding,
                 data_format="channels_last", dilation_rate=[1, 1], groups=1, activation=activation, use_bias=True,
                 kernel_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


IMG = [None, 6, 6, 2]
MAP = [None, 6, 6, 3]
layers = [
    input_layer("image", IMG),
    conv("conv_b", 3, 1, "valid", "linear", IMG, [node(tensor(IMG, "image"))]),
    conv("conv_a", 3, 3, "same", "relu", IMG, [node(tensor(IMG, "image"))]),
    layer("BatchNormalization", "bn", MAP, [node(tensor(MAP, "conv_b"))], axis=-1, momentum=0.99, epsilon=0.001, center=True,
          scale=True, beta_initializer=init("Zeros"), gamma_initializer=init("Ones"), moving_mean_initializer=init("Zeros"),
          moving_variance_initializer=init("Ones"), beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
          gamma_constraint=None, synchronized=False),
    layer("Add", "add", [MAP, MAP], [node([tensor(MAP, "conv_a"), tensor(MAP, "bn")])]),
    layer("MaxPooling2D", "pool", MAP, [node(tensor(MAP, "add"))], pool_size=[2, 2], padding="valid", strides=[2, 2],
          data_format="channels_last"),
    layer("GlobalAveragePooling2D", "gap", [None, 3, 3, 3], [node(tensor([None, 3, 3, 3], "pool"))], data_format="channels_last",
          keepdims=False),
    input_layer("extra", [None, 2]),
    layer("Concatenate", "concat", [[None, 3], [None, 2]], [node([tensor([None, 3], "gap"), tensor([None, 2], "extra")])], axis=-1),
    layer("Dense", "probs", [None, 5], [node(tensor([None, 5], "concat"))], units=4, activation="softmax", use_bias=True,
          kernel_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"), kernel_regularizer=None,
          bias_regularizer=None, kernel_constraint=None, bias_constraint=None),
]
compile_config = {
    "optimizer": {"module": "keras.optimizers", "class_name": "Adam", "registered_name": None, "config": {
        "name": "adam", "learning_rate": 0.002, "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
        "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None, "beta_1": 0.85, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}},
    "loss": "categorical_crossentropy", "loss_weights": None, "metrics": ["accuracy"], "weighted_metrics": None,
    "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
}
config = {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
          "config": {"name": "two_inputs", "trainable": True, "layers": layers,
                     "input_layers": [["image", 0, 0], ["extra", 0, 0]], "output_layers": ["probs", 0, 0]},
          "compile_config": compile_config}

f4 = lambda *s, scale=1.0: (rng.normal(size=s) * scale).astype("f4")
kb, bb = f4(1, 1, 2, 3), f4(3, scale=0.1)
ka, ba = f4(3, 3, 2, 3, scale=0.5), f4(3, scale=0.1)
gamma, beta, mean, var = f4(3, scale=0.3) + 1, f4(3, scale=0.2), f4(3, scale=0.5), (rng.random(3) + 0.5).astype("f4")
kd, bd = f4(5, 4), f4(4, scale=0.1)
variables = [  # (h5 group, arrays) in Functional.layers order; trainable first, then non-trainable
    ("layers/input_layer", []), ("layers/conv2d", [kb, bb]), ("layers/conv2d_1", [ka, ba]),
    ("layers/batch_normalization", [gamma, beta, mean, var]), ("layers/add", []), ("layers/max_pooling2d", []),
    ("layers/global_average_pooling2d", []), ("layers/input_layer_1", []), ("layers/concatenate", []), ("layers/dense", [kd, bd]),
]

img = rng.random((3, 6, 6, 2)).astype("f4")
extra = rng.normal(size=(3, 2)).astype("f4")
f64 = lambda a: np.asarray(a, dtype="f8")


def conv2d(x, k, b, pad):
    kh, kw = k.shape[:2]
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    n, h, w, _ = x.shape
    out = np.zeros((n, h - kh + 1, w - kw + 1, k.shape[3]))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j, :] = np.einsum("nhwc,hwcf->nf", x[:, i:i + kh, j:j + kw, :], k)
    return out + b


a = np.maximum(conv2d(f64(img), f64(ka), f64(ba), 1), 0)
bn = (conv2d(f64(img), f64(kb), f64(bb), 0) - f64(mean)) / np.sqrt(f64(var) + 0.001) * f64(gamma) + f64(beta)
s = a + bn
pooled = s.reshape(3, 3, 2, 3, 2, 3).max(axis=(2, 4))
z = np.concatenate([pooled.mean(axis=(1, 2)), f64(extra)], axis=1) @ f64(kd) + f64(bd)
e = np.exp(z - z.max(-1, keepdims=True))
y = e / e.sum(-1, keepdims=True)

buf = io.BytesIO()
with h5py.File(buf, "w") as f:
    f.create_group("vars")
    for path, arrays in variables:
        g = f.create_group(path).create_group("vars")
        for i, arr in enumerate(arrays):
            g[str(i)] = arr
os.makedirs(OUT, exist_ok=True)
with zipfile.ZipFile(os.path.join(OUT, "functional_cnn.keras"), "w") as zf:
    zf.writestr("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2026-11-30@10:00:00"}))
    zf.writestr("config.json", json.dumps(config))
    zf.writestr("model.weights.h5", buf.getvalue())
with open(os.path.join(OUT, "functional_cnn.expected.json"), "w") as fh:
    json.dump({"image": img.tolist(), "extra": extra.tolist(), "y": y.tolist()}, fh)
    fh.write("\n")
print("wrote functional_cnn.keras", sorted(os.listdir(OUT)))
