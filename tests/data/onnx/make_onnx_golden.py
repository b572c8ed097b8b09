#!/usr/bin/python3
"""Tiny ONNX models and golden vectors for the onnx backend's tests (tests/backends/test_onnx.cpp).

Run: /usr/bin/python3 tests/data/onnx/make_onnx_golden.py   (Debian's python3: torch 1.13, onnx,
cv2 = OpenCV 4.6, numpy). It rewrites, next to itself:

  tiny_gray.onnx     1 x 1 x 12 x 12 -> 5 logits (conv, relu, max-pool, conv, relu, flatten, gemm)
  tiny_rgb.onnx      N x 3 x 10 x 8 -> 6 logits (dynamic batch; conv, relu, avg-pool, gemm)
  split_part1.onnx   1 x 1 x 12 x 12 -> 1 x 3 x 10 x 10 features (conv, relu)
  split_part2.onnx   1 x 3 x 10 x 10 -> 4 logits (max-pool, flatten, gemm)
  two_outputs.onnx   one input, two outputs (must be rejected)
  two_inputs.onnx    two inputs, one output (must be rejected)
  golden.txt         inputs and outputs, see below

and the seed corpora of the backend's fuzz targets (tests/fuzz/corpus/onnx_model/seed_*,
tests/fuzz/corpus/decode_image/seed_*).

golden.txt: one record per line, `key count v0 v1 ...` (values as exact decimal text of float32
or integers). For each case the outputs of torch (the exporter's source of truth) and of cv2.dnn
(OpenCV Python on the same ONNX file) are recorded; the script checks they agree within 1e-5.
Image cases record the 8-bit frame (pixels with its row padding, height, width, format code,
row stride), the preprocessed NCHW tensor computed with cv2.cvtColor / cv2.resize and float32
numpy arithmetic (x = (p * scale - mean[c]) / std[c]), and both models' outputs on it.
Format codes follow offloadkit::pixel_format: rgb 0, bgr 1, rgba 2, bgra 3, gray 4.
Interpolation codes follow offloadkit::interpolation: area 0, linear 1, nearest 2, cubic 3.
Encoder cases record cv2.imencode sizes of a fixed frame (PNG at zlib level 1 and 6 with the
default strategy, JPEG at quality 50 and 95) at three sizes reached with INTER_AREA.
"""
import os
import shutil

import cv2
import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")

FORMATS = {"rgb": 0, "bgr": 1, "rgba": 2, "bgra": 3, "gray": 4}
CHANNELS = {"rgb": 3, "bgr": 3, "rgba": 4, "bgra": 4, "gray": 1}
INTERP = {"area": (0, cv2.INTER_AREA), "linear": (1, cv2.INTER_LINEAR),
          "nearest": (2, cv2.INTER_NEAREST), "cubic": (3, cv2.INTER_CUBIC)}
TO_GRAY = {"rgb": cv2.COLOR_RGB2GRAY, "bgr": cv2.COLOR_BGR2GRAY, "rgba": cv2.COLOR_RGBA2GRAY,
           "bgra": cv2.COLOR_BGRA2GRAY}
TO_RGB = {"bgr": cv2.COLOR_BGR2RGB, "rgba": cv2.COLOR_RGBA2RGB, "bgra": cv2.COLOR_BGRA2RGB,
          "gray": cv2.COLOR_GRAY2RGB}
TO_BGR = {"rgb": cv2.COLOR_RGB2BGR, "rgba": cv2.COLOR_RGBA2BGR, "bgra": cv2.COLOR_BGRA2BGR,
          "gray": cv2.COLOR_GRAY2BGR}


class TinyGray(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, 3, padding=1)
        self.c2 = nn.Conv2d(4, 4, 3)
        self.fc = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.c1(x)), 2)
        x = torch.relu(self.c2(x))
        return self.fc(torch.flatten(x, 1))


class TinyRgb(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 5 * 4, 6)

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.relu(self.c1(x)), 2)
        return self.fc(torch.flatten(x, 1))


class Part1(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 3, 3)

    def forward(self, x):
        return torch.relu(self.c1(x))


class Part2(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 5 * 5, 4)

    def forward(self, f):
        return self.fc(torch.flatten(nn.functional.max_pool2d(f, 2), 1))


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 2)
        self.b = nn.Linear(4, 3)

    def forward(self, x):
        return self.a(x), self.b(x)


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 2)

    def forward(self, x, y):
        return self.a(x + y)


def export(model, args, name, inputs, outputs, dynamic=None):
    model.eval()
    path = os.path.join(HERE, name)
    torch.onnx.export(model, args, path, input_names=inputs, output_names=outputs, opset_version=11,
                      do_constant_folding=True, dynamic_axes=dynamic)
    return path


class Golden:
    def __init__(self):
        self.lines = []

    def floats(self, key, values):
        v = np.asarray(values, dtype=np.float32).ravel()
        self.lines.append(f"{key} {v.size} " + " ".join(repr(float(x)) for x in v))

    def ints(self, key, values):
        v = np.asarray(values).ravel()
        self.lines.append(f"{key} {v.size} " + " ".join(str(int(x)) for x in v))

    def write(self, path):
        with open(path, "w") as f:
            f.write("# made by tests/data/onnx/make_onnx_golden.py; key count values...\n")
            f.write("\n".join(self.lines) + "\n")


def run_both(model, path, x):
    with torch.no_grad():
        t = model(torch.from_numpy(x)).numpy()
    net = cv2.dnn.readNetFromONNX(path)
    net.setInput(x)
    c = net.forward()
    assert t.shape == c.shape or t.size == c.size, (t.shape, c.shape)
    err = float(np.max(np.abs(t.ravel() - c.ravel())))
    assert err < 1e-5, f"torch and cv2.dnn differ by {err} on {path}"
    return t, c


def preprocess(img, fmt, height, width, channels, order, interp, scale, mean, std):
    """The reference of offloadkit::image_preprocess: colour conversion on the 8-bit frame, then
    cv2.resize to width x height, then x = (p * scale - mean[c]) / std[c] in float32, NCHW."""
    if channels == 1:
        conv = img if fmt == "gray" else cv2.cvtColor(img, TO_GRAY[fmt])
    else:
        table = TO_RGB if order == "rgb" else TO_BGR
        conv = img if fmt == order else cv2.cvtColor(img, table[fmt])
    if conv.shape[0] != height or conv.shape[1] != width:
        conv = cv2.resize(conv, (width, height), interpolation=INTERP[interp][1])
    conv = conv.reshape(height, width, channels).astype(np.float32)
    out = np.empty((1, channels, height, width), np.float32)
    for c in range(channels):
        out[0, c] = (conv[:, :, c] * np.float32(scale) - np.float32(mean[c])) / np.float32(std[c])
    return out


def image_case(g, key, rng, fmt, h, w, pad, model, path, spec):
    ch = CHANNELS[fmt]
    stride = w * ch + pad
    buf = rng.integers(0, 256, size=h * stride, dtype=np.uint8)
    img = np.lib.stride_tricks.as_strided(buf, shape=(h, w, ch), strides=(stride, ch, 1)).copy()
    if ch == 1:
        img = img.reshape(h, w)
    x = preprocess(img, fmt, **spec)
    t, c = run_both(model, path, x)
    g.ints(key + ".frame", [h, w, FORMATS[fmt], stride])
    g.ints(key + ".pixels", buf)
    g.floats(key + ".spec", [spec["height"], spec["width"], spec["channels"],
                             0 if spec["order"] == "rgb" else 1, INTERP[spec["interp"]][0], spec["scale"],
                             *spec["mean"], *spec["std"]])
    g.floats(key + ".pre", x)
    g.floats(key + ".torch", t)
    g.floats(key + ".cv2", c)


def encoder_cases(g, rng):
    # A 40 x 30 RGB frame: smooth gradient plus noise, so that the sizes depend on the content.
    yy, xx = np.mgrid[0:30, 0:40]
    base = np.stack([xx * 6, yy * 8, (xx + yy) * 3], axis=-1).astype(np.int32)
    rgb = np.clip(base + rng.integers(-6, 7, size=base.shape), 0, 255).astype(np.uint8)
    g.ints("encoder.frame", [30, 40, FORMATS["rgb"], 40 * 3])
    g.ints("encoder.pixels", rgb.ravel())
    sizes = [(30, 40), (15, 20), (7, 9)]  # (height, width); the first is the frame itself
    g.ints("encoder.sizes", np.array(sizes).ravel())
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    for name, ext, params in [("png1", ".png", [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, 0]),
                              ("png6", ".png", [cv2.IMWRITE_PNG_COMPRESSION, 6, cv2.IMWRITE_PNG_STRATEGY, 0]),
                              ("jpeg50", ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 50]),
                              ("jpeg95", ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 95])]:
        out = []
        for h, w in sizes:
            img = bgr if (h, w) == bgr.shape[:2] else cv2.resize(bgr, (w, h), interpolation=cv2.INTER_AREA)
            ok, b = cv2.imencode(ext, img, params)
            assert ok
            out.append(len(b))
        g.ints("encoder." + name, out)
    return bgr


def write_corpus(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed_" + name), "wb") as f:
        f.write(data)


def corpora(models, bgr):
    for name in models:
        with open(os.path.join(HERE, name), "rb") as f:
            data = f.read()
        stem = name[:-5]
        write_corpus("onnx_model", stem, data)
    with open(os.path.join(HERE, "tiny_gray.onnx"), "rb") as f:
        gray = f.read()
    write_corpus("onnx_model", "truncated", gray[: len(gray) // 2])
    write_corpus("onnx_model", "empty", b"")
    write_corpus("onnx_model", "not_protobuf", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")
    ok, png = cv2.imencode(".png", bgr[:12, :16], [cv2.IMWRITE_PNG_COMPRESSION, 6])
    write_corpus("decode_image", "png_bgr", png.tobytes())
    gray_img = cv2.cvtColor(bgr[:9, :7], cv2.COLOR_BGR2GRAY)
    ok, pngg = cv2.imencode(".png", gray_img)
    write_corpus("decode_image", "png_gray", pngg.tobytes())
    ok, jpg = cv2.imencode(".jpg", bgr[:16, :16], [cv2.IMWRITE_JPEG_QUALITY, 80])
    write_corpus("decode_image", "jpeg_bgr", jpg.tobytes())
    ok, jpgg = cv2.imencode(".jpg", gray_img, [cv2.IMWRITE_JPEG_QUALITY, 60])
    write_corpus("decode_image", "jpeg_gray", jpgg.tobytes())
    write_corpus("decode_image", "png_truncated", png.tobytes()[:-20])
    write_corpus("decode_image", "jpeg_truncated", jpg.tobytes()[: len(jpg) // 2])


def main():
    torch.manual_seed(13)
    rng = np.random.default_rng(13)
    g = Golden()

    models = {}
    m = TinyGray()
    models["tiny_gray.onnx"] = (m, export(m, torch.zeros(1, 1, 12, 12), "tiny_gray.onnx", ["x"], ["logits"]))
    m = TinyRgb()
    models["tiny_rgb.onnx"] = (m, export(m, torch.zeros(1, 3, 10, 8), "tiny_rgb.onnx", ["x"], ["logits"],
                                         dynamic={"x": {0: "batch"}, "logits": {0: "batch"}}))
    m = Part1()
    models["split_part1.onnx"] = (m, export(m, torch.zeros(1, 1, 12, 12), "split_part1.onnx", ["x"], ["features"]))
    m = Part2()
    models["split_part2.onnx"] = (m, export(m, torch.zeros(1, 3, 10, 10), "split_part2.onnx", ["features"],
                                            ["logits"]))
    m = TwoOutputs()
    export(m, torch.zeros(1, 4), "two_outputs.onnx", ["x"], ["a", "b"])
    m = TwoInputs()
    export(m, (torch.zeros(1, 4), torch.zeros(1, 4)), "two_inputs.onnx", ["x", "y"], ["out"])

    # Raw tensors in, logits out.
    for name, shape in [("tiny_gray.onnx", (1, 1, 12, 12)), ("tiny_rgb.onnx", (1, 3, 10, 8)),
                        ("split_part1.onnx", (1, 1, 12, 12)), ("split_part2.onnx", (1, 3, 10, 10))]:
        model, path = models[name]
        x = rng.normal(0.0, 1.0, size=shape).astype(np.float32)
        if name == "split_part2.onnx":
            x = np.maximum(x, 0.0)  # features come out of a ReLU
        t, c = run_both(model, path, x)
        key = name[:-5] + ".raw"
        g.floats(key + ".in", x)
        g.floats(key + ".torch", t)
        g.floats(key + ".cv2", c)

    # The split pair end to end: part2(part1(x)) equals the unsplit composition.
    p1, p1path = models["split_part1.onnx"]
    p2, p2path = models["split_part2.onnx"]
    x = rng.normal(0.0, 1.0, size=(1, 1, 12, 12)).astype(np.float32)
    f, _ = run_both(p1, p1path, x)
    t, c = run_both(p2, p2path, f)
    g.floats("split.in", x)
    g.floats("split.features", f)
    g.floats("split.torch", t)
    g.floats("split.cv2", c)

    gray_spec = dict(height=12, width=12, channels=1, order="rgb", interp="area", scale=1.0 / 255.0,
                     mean=[0.5, 0.0, 0.0], std=[0.25, 1.0, 1.0])
    rgb_spec = dict(height=10, width=8, channels=3, order="rgb", interp="area", scale=1.0 / 255.0,
                    mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    tg, tgp = models["tiny_gray.onnx"]
    tr, trp = models["tiny_rgb.onnx"]
    image_case(g, "img.gray_from_rgb", rng, "rgb", 20, 17, 0, tg, tgp, gray_spec)
    image_case(g, "img.gray_from_bgra_padded", rng, "bgra", 25, 31, 6, tg, tgp, gray_spec)
    image_case(g, "img.gray_from_gray_linear", rng, "gray", 9, 9, 3, tg, tgp, dict(gray_spec, interp="linear"))
    image_case(g, "img.gray_same_size", rng, "gray", 12, 12, 0, tg, tgp, gray_spec)
    image_case(g, "img.rgb_from_bgra_padded", rng, "bgra", 23, 19, 5, tr, trp, rgb_spec)
    image_case(g, "img.rgb_from_rgb_cubic", rng, "rgb", 13, 11, 0, tr, trp, dict(rgb_spec, interp="cubic"))
    image_case(g, "img.bgr_order_from_rgba", rng, "rgba", 30, 24, 0, tr, trp, dict(rgb_spec, order="bgr"))
    image_case(g, "img.rgb_from_gray_nearest", rng, "gray", 7, 5, 1, tr, trp, dict(rgb_spec, interp="nearest"))
    image_case(g, "img.part1_from_bgr", rng, "bgr", 24, 24, 0, p1, p1path, gray_spec)

    bgr = encoder_cases(g, rng)
    g.write(os.path.join(HERE, "golden.txt"))
    corpora(["tiny_gray.onnx", "tiny_rgb.onnx", "split_part1.onnx", "split_part2.onnx", "two_outputs.onnx",
             "two_inputs.onnx"], bgr)
    for name in sorted(os.listdir(HERE)):
        print(f"{name}: {os.path.getsize(os.path.join(HERE, name))} bytes")


if __name__ == "__main__":
    main()
