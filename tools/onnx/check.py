#!/usr/bin/python3
"""Second opinion on deepts' ONNX files: the official checker (full_check runs shape inference).

Usage: /usr/bin/python3 tools/onnx/check.py model.onnx [...]   (Debian's python3-onnx)
Make files with `npx deepts export --format onnx MODEL_DIR out.onnx`, or
`node tools/onnx/export-samples.mjs DIR` (the models the tests export).
"""
import sys

import onnx
from onnx import checker, shape_inference

status = 0
for path in sys.argv[1:]:
    model = onnx.load(path)
    try:
        checker.check_model(model, full_check=True)
        inferred = shape_inference.infer_shapes(model, strict_mode=True)
        out = inferred.graph.output[0]
        dims = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
        opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
        print(f"ok  {path}: ir {model.ir_version}, opset {opset}, {len(model.graph.node)} nodes, output {out.name} {dims}")
    except Exception as e:  # report every file, fail at the end
        print(f"BAD {path}: {e}")
        status = 1
sys.exit(status)
