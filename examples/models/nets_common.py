"""Helpers shared by the ApproxNet and AMVP model scripts (examples/models/approxnet/,
examples/models/amvp/) and their golden-vector script (tests/data/models/make_nets_golden.py).

Not a script: imported by them (each puts examples/models/ on sys.path). Debian's torch 1.13,
OpenCV 4.6 and numpy only; nothing is downloaded.

- Fashion-MNIST from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/, gzip IDX).
- Frames at a smaller input shape are made with cv2.resize(..., INTER_AREA) from the 28x28 frame,
  then scaled by 1/255: the models take float pixels in [0, 1], no mean/std (BatchNorm after the
  first convolution absorbs the scale). A runtime must pre-process the same way.
- Multiply-accumulate counts (MACs) by forward hooks on Conv2d and Linear; FLOPs = 2 x MACs
  (pooling, ReLU, additions and BatchNorm, which is folded into the convolutions at export, are
  not counted; they are < 2% of the total for these networks, see count_other_ops).
- Latency through cv2.dnn (OpenCV's own backend, CPU, one thread): repeated, interleaved rounds,
  median per model.
"""
import gzip
import hashlib
import os
import random
import statistics
import time

import cv2
import numpy as np
import torch
import torch.nn as nn

DATA_DIR = "/usr/share/datasets/fashion-mnist"
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def seed_everything(seed):
    """Seeds Python, numpy and torch; deterministic kernels; ONE intra-op thread.

    The machine has two cores shared by many jobs. Measured on it at load average 13 (one
    ApproxNet training step, 640 frames, interleaved A/B in one process): 0.86 s with one thread,
    8.1 s with two (OpenMP's spinning barrier loses whenever a core is taken by another job),
    1.28 s with two and OMP_WAIT_POLICY=PASSIVE. One thread is also independent of the core count,
    which keeps the results reproducible on another machine with the same torch build."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic >> 8 != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {magic:#x})")
    dims = magic & 0xFF
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes of data, header says {shape}")
    return data.reshape(shape)


def load_fashion(split):
    """(images uint8 [N, 28, 28], labels int64 [N]) of split 'train' (60000) or 'test' (10000)."""
    prefix = {"train": "train", "test": "t10k"}[split]
    images = _read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    return images, labels.astype(np.int64)


def resize_frames(images, size):
    """uint8 [N, 28, 28] -> float32 [N, 1, size, size] in [0, 1]: cv2.resize INTER_AREA, / 255."""
    if size == images.shape[1]:
        out = images.astype(np.float32)
    else:
        out = np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images])
        out = out.astype(np.float32)
    return (out / np.float32(255.0))[:, None, :, :]


def count_macs(module, example):
    """Multiply-accumulates of Conv2d and Linear layers for one forward pass of `example`
    (batch 1). Returns (macs, params) where params counts every parameter the pass touched."""
    macs = 0
    touched = set()

    def conv_hook(m, inp, out):
        nonlocal macs
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        macs += out.numel() * k
        touched.add(m)

    def linear_hook(m, inp, out):
        nonlocal macs
        macs += out.numel() * m.in_features
        touched.add(m)

    def other_hook(m, inp, out):
        touched.add(m)

    hooks = []
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
        elif len(list(m.parameters(recurse=False))) > 0:
            hooks.append(m.register_forward_hook(other_hook))
    with torch.no_grad():
        module(example)
    for h in hooks:
        h.remove()
    params = sum(p.numel() for m in touched for p in m.parameters(recurse=False))
    return macs, params


def deployed_params(onnx_path):
    """Number of weight values stored in an ONNX file (initializers; BatchNorm folded)."""
    import onnx
    model = onnx.load(onnx_path)
    return int(sum(int(np.prod(t.dims)) for t in model.graph.initializer))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_dnn(path):
    """cv2.dnn net on OpenCV's own CPU backend."""
    net = cv2.dnn.readNetFromONNX(path)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    return net


def dnn_forward(net, x):
    """One forward pass of a cv2.dnn net on a float32 NCHW array; returns a float32 copy."""
    net.setInput(np.ascontiguousarray(x, dtype=np.float32))
    return np.array(net.forward(), dtype=np.float32, copy=True)


def dnn_latency(paths_and_inputs, rounds=15, runs_per_round=20, warmup=10):
    """Median latency (seconds) per model through cv2.dnn with one thread.

    paths_and_inputs: {key: (onnx_path, input array)}. Each round runs every model
    `runs_per_round` times in turn (interleaved, so a burst of load on the shared machine hits
    all models alike); the result per model is the median over all rounds x runs single calls,
    plus the 10th and 90th percentiles. Returns {key: (median, p10, p90)}."""
    cv2.setNumThreads(1)
    nets = {k: (load_dnn(p), np.ascontiguousarray(x, dtype=np.float32)) for k, (p, x) in paths_and_inputs.items()}
    for net, x in nets.values():
        for _ in range(warmup):
            net.setInput(x)
            net.forward()
    samples = {k: [] for k in nets}
    for _ in range(rounds):
        for k, (net, x) in nets.items():
            for _ in range(runs_per_round):
                t0 = time.perf_counter()
                net.setInput(x)
                net.forward()
                samples[k].append(time.perf_counter() - t0)
    out = {}
    for k, s in samples.items():
        s = sorted(s)
        out[k] = (statistics.median(s), s[len(s) // 10], s[(9 * len(s)) // 10])
    return out


def machine_note():
    """One line on the conditions of a latency measurement (CPU model, load average)."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()
    return f"{cpu}, {os.cpu_count()} logical cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min) at the start"


def md_table(header, rows):
    """A Markdown table from a header list and row lists (values already formatted)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(v) for v in r) + " |")
    return "\n".join(lines)
