#!/usr/bin/python3
"""Second opinion on a .keras file deepts wrote: opens the zip and model.weights.h5 with h5py
(Debian python3-h5py) and walks it as Keras' saving_lib will: for each layer of model.layers —
Sequential: config.json's layers without the InputLayer; Functional: the order of Keras'
ops/function.py map_graph, recomputed here from the inbound_nodes, InputLayers included — its
h5 group (layers/<snake_case class>[_N]) and variable shapes, checking each layer has the number
of variables its Keras class creates. Exits non-zero on a missing group or a wrong count.

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


def keras_tensor_refs(value, out):
    """(layer, node index) of every __keras_tensor__ in a node's args/kwargs."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            history = value["config"]["keras_history"]
            out.append((history[0], history[1]))
            return out
        for v in value.values():
            keras_tensor_refs(v, out)
    elif isinstance(value, list):
        for v in value:
            keras_tensor_refs(v, out)
    return out


def leaves(refs):
    if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
        return [(refs[0], refs[1])]
    return [leaf for r in refs for leaf in leaves(r)]


def functional_order(cfg):
    """Functional.layers: map_graph's operations by decreasing depth, ties by first DFS visit."""
    parents = {}
    for layer in cfg["layers"]:
        if not layer["inbound_nodes"]:
            parents[(layer["name"], 0)] = []
        for i, node in enumerate(layer["inbound_nodes"]):
            parents[(layer["name"], i)] = keras_tensor_refs([node["args"], node["kwargs"]], [])
    inputs, outputs = leaves(cfg["input_layers"]), leaves(cfg["output_layers"])
    finished, order, index = set(), [], {}

    def build(node):  # _build_map_helper
        if node in finished:
            return
        index.setdefault(node[0], len(index))
        if node not in inputs:
            for parent in parents[node]:
                build(parent)
        finished.add(node)
        order.append(node)

    for out in outputs:
        build(out)
    node_depth, op_depth = {}, {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(node, 0), op_depth.get(node[0], 0))
        op_depth[node[0]] = node_depth[node] = depth
        for parent in parents[node]:
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for inp in inputs:
        if inp[0] not in op_depth:
            op_depth[inp[0]], index[inp[0]] = 0, -1
    by_name = {layer["name"]: layer for layer in cfg["layers"]}
    return [by_name[name] for name in sorted(op_depth, key=lambda op: (-op_depth[op], index[op]))]


def expected_vars(layer):
    c, cls = layer["config"], layer["class_name"]
    bias = 1 if c.get("use_bias", True) else 0
    if cls in ("Dense", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D"):
        return 1 + bias
    if cls == "SeparableConv2D":
        return 2 + bias
    if cls == "BatchNormalization":
        return int(c.get("scale", True)) + int(c.get("center", True)) + 2
    if cls == "Normalization":
        return None  # 3 when adapted, 0 when mean/variance were given
    return 0


with zipfile.ZipFile(sys.argv[1]) as zf:
    names = sorted(zf.namelist())
    assert names == ["config.json", "metadata.json", "model.weights.h5"], names
    config = json.loads(zf.read("config.json"))
    print("metadata", json.loads(zf.read("metadata.json")))
    h5 = h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")
assert "vars" in h5, "root vars group missing"
if config["class_name"] == "Functional":
    layers = functional_order(config["config"])
else:
    layers = [layer for layer in config["config"]["layers"] if layer["class_name"] != "InputLayer"]
used = {}
status = 0
for layer in layers:
    base = snake(layer["class_name"])
    used[base] = used.get(base, -1) + 1
    path = f"layers/{base}" + (f"_{used[base]}" if used[base] else "")
    group = h5[path]["vars"]
    shapes = [(k, group[k].shape, str(group[k].dtype)) for k in sorted(group, key=int)]
    want = expected_vars(layer)
    flag = "" if want is None or want == len(shapes) else f"  BAD: Keras' {layer['class_name']} has {want} variables"
    status |= bool(flag)
    print(f"{layer['class_name']:>22} {layer['config']['name']:<24} {path:<30} {shapes}{flag}")
if "compile_config" in config:
    cc = config["compile_config"]
    print("compile_config", cc["optimizer"]["class_name"], cc["optimizer"]["config"], "loss", cc["loss"], "metrics", cc["metrics"])
print("BAD" if status else "ok")
sys.exit(status)
