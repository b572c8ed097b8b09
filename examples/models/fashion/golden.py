#!/usr/bin/python3
"""Golden vectors for the C++ ONNX backend tests: each Fashion-MNIST model's logits on 16 fixed
test images, through OpenCV's dnn module (cv2.dnn, the library the backend wraps) and through an
independent torch implementation of the same graph.

    /usr/bin/python3 examples/models/fashion/golden.py > tests/data/models/fashion_golden.txt

The torch side does not reuse the training script's modules' weights in memory: it reads the
weights back out of the committed ONNX files (float models: the torch modules of fashion.py with
the initializers loaded; int8 model: the integer reference fashion.int8_reference, bit-exact to
the ONNX QLinearConv definition) and fails if it differs from cv2.dnn by more than 1e-4.

Output format (text, one record per line, fields separated by one space):
  # ...                              comments (how it was made, the preprocessing)
  model <key> <file>                 the models, file relative to the repository root
  image <test_index> <label>         a test image of t10k-images-idx3-ubyte ...
  pixels <784 integers>              ... its 28 x 28 8-bit pixels, row-major
  logits <key> cv2 <10 floats>       cv2.dnn output for that image (batch 1, 1 thread)
  logits <key> torch <10 floats>     the torch reference
Floats are printed with 9 significant digits (float32 round trip).
"""
import os
import sys

import cv2
import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion as fm  # noqa: E402

INDICES = list(range(0, 10000, 625))  # 16 test images, fixed
MODELS = [("npu", "npu_fp16.onnx"), ("server", "server.onnx"), ("compress", "compress_int8.onnx")]
TOL = 1e-4


def initializers(path):
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}


def torch_float_model(cls, path):
    net = cls()
    inits = initializers(path)
    state = {k: torch.from_numpy(np.array(v)) for k, v in inits.items() if k in net.state_dict()}
    missing = set(net.state_dict()) - set(state)
    if missing:
        raise SystemExit(f"{path}: initializers {sorted(missing)} not found")
    net.load_state_dict(state)
    return net.eval()


def int8_record(path):
    """The quantization record of fashion.int8_reference, read from the ONNX graph itself."""
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    q = {"input_scale": inits["input_scale"], "input_zero_point": int(inits["input_zero_point"]), "layers": []}
    pooled = {n.input[0] for n in m.graph.node if n.op_type == "MaxPool"}
    for n in m.graph.node:
        if n.op_type != "QLinearConv":
            continue
        attrs = {a.name: list(a.ints) for a in n.attribute}
        q["layers"].append({"w": inits[n.input[3]], "w_scale": inits[n.input[4]], "b": inits[n.input[8]],
                            "pad": attrs["pads"][0], "y_scale": inits[n.input[6]],
                            "y_zero_point": int(inits[n.input[7]]), "pool": n.output[0] in pooled})
    return q


def fmt(v):
    return " ".join("%.9g" % float(a) for a in v)


def main():
    fm.setup_torch()
    cv2.setNumThreads(1)
    _, _, xte_u8, yte = fm.load_data()
    u8 = xte_u8[INDICES]
    x = fm.preprocess(u8)
    here = os.path.relpath(fm.HERE, os.path.join(fm.HERE, "..", "..", ".."))
    out = {}
    worst = {}
    for key, fname in MODELS:
        path = os.path.join(fm.HERE, fname)
        net = cv2.dnn.readNetFromONNX(path)
        cv = []
        for i in range(len(x)):
            net.setInput(x[i:i + 1])
            cv.append(net.forward().reshape(-1).copy())
        cv = np.array(cv, np.float32)
        if key == "npu":
            ref = torch_float_model(fm.NpuNet, path)(torch.from_numpy(x)).detach().numpy()
        elif key == "server":
            ref = torch_float_model(fm.ServerDeploy, path)(torch.from_numpy(x)).detach().numpy()
        else:
            ref = fm.int8_reference(int8_record(path), x)
        d = float(np.abs(cv.astype(np.float64) - ref.astype(np.float64)).max())
        if not d <= TOL:
            raise SystemExit(f"{key}: cv2.dnn and torch differ by {d} > {TOL}")
        out[key], worst[key] = (cv, ref), d
    print("# offloadkit Fashion-MNIST model golden vectors (see examples/models/fashion/MODEL_CARD.md)")
    print("# made by: /usr/bin/python3 examples/models/fashion/golden.py > tests/data/models/fashion_golden.txt")
    print(f"# OpenCV {cv2.__version__}, torch {torch.__version__.split('+')[0]}, numpy {np.__version__}")
    print(f"# input 1x1x28x28 float32, x = (p * float32(1/255) - {fm.MEAN!r}) / {fm.STD!r} in float32, "
          "p the 8-bit pixel (no resize: the images are 28 x 28)")
    print("# max |cv2 - torch| over these images: " + ", ".join(f"{k} {v:.3g}" for k, v in worst.items()))
    for key, fname in MODELS:
        print(f"model {key} {here}/{fname}")
    for n, idx in enumerate(INDICES):
        print(f"image {idx} {int(yte[idx])}")
        print("pixels " + " ".join(str(int(p)) for p in u8[n].reshape(-1)))
        for key, _ in MODELS:
            print(f"logits {key} cv2 {fmt(out[key][0][n])}")
            print(f"logits {key} torch {fmt(out[key][1][n])}")


if __name__ == "__main__":
    main()
