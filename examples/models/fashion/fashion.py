"""Shared pieces of the Fashion-MNIST model scripts (train.py, golden.py, measure.py).

Data loading from the Debian package's idx files, the one input convention of all three models,
the network definitions, calibration metrics (CBO §III-B: 10 equal-width bins) and the bit-exact
integer reference of the int8 model that OpenCV 4.6's ConvolutionInt8 layer computes.
Not a tool by itself; imported by the scripts beside it.
"""
import gzip
import os

import numpy as np
import torch
import torch.nn as nn

DATA_DIR = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
THREADS = 1  # one thread: reproducible sums, and on a shared 2-core machine 2 OpenMP threads wait on each other

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

# The input convention of all three models: 1 x 1 x 28 x 28 float32, gray, and for a pixel p in
# 0..255, computed in float32 in this order: x = (p * SCALE - MEAN) / STD.  MEAN and STD are the
# training set's pixel mean and standard deviation (0.28604, 0.35302) rounded to 4 digits.
SIZE = 28
SCALE = np.float32(1.0 / 255.0)
MEAN = np.float32(0.2860)
STD = np.float32(0.3530)


def setup_torch():
    """Deterministic CPU torch: fixed thread count, deterministic kernels."""
    torch.set_num_threads(THREADS)
    torch.set_num_interop_threads(THREADS)
    torch.use_deterministic_algorithms(True)


def read_idx(name):
    """One idx file (images N x 28 x 28 or labels N) of the Debian dataset package, as uint8."""
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        raise ValueError(f"{name}: not an unsigned-byte idx file")
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * nd)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{name}: {data.size} bytes of data for dims {dims}")
    return data.reshape(dims)


def load_data():
    """(train images, train labels, test images, test labels), uint8 / int64 numpy arrays."""
    return (read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz").astype(np.int64),
            read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))


def preprocess(u8):
    """uint8 images (N x H x W) -> float32 model input N x 1 x H x W by the convention above."""
    x = u8.astype(np.float32) * SCALE
    x = (x - MEAN) / STD
    return x[:, None, :, :].astype(np.float32)


# ---- networks -----------------------------------------------------------------------------------

class NpuNet(nn.Module):
    """Compact CNN for the device: conv5x5(6)-pool-conv5x5(12)-pool-fc(192->10), ReLU, no padding."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 12, 5)
        self.fc = nn.Linear(12 * 4 * 4, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class ServerNet(nn.Module):
    """Server CNN as trained: three conv-BN-ReLU-maxpool stages (16, 32, 64 channels), dropout, fc."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn3 = nn.BatchNorm2d(64)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(64 * 3 * 3, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)   # 28 -> 14
        x = torch.max_pool2d(torch.relu(self.bn2(self.conv2(x))), 2)   # 14 -> 7
        x = torch.max_pool2d(torch.relu(self.bn3(self.conv3(x))), 2)   # 7 -> 3 (floor)
        return self.fc(self.drop(torch.flatten(x, 1)))


class ServerDeploy(nn.Module):
    """The server network for inference: batch norm folded into the convolutions, no dropout."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64 * 3 * 3, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv3(x)), 2)
        return self.fc(torch.flatten(x, 1))


def fold_bn(net):
    """ServerNet (eval statistics) -> ServerDeploy with W' = W g / sqrt(v + eps), b' = (b - m) g / sqrt(v + eps) + beta.

    Computed in float64 and rounded once to float32; a weight that is exactly 0 stays 0 (pruning)."""
    dep = ServerDeploy()
    with torch.no_grad():
        for c, bn in (("conv1", net.bn1), ("conv2", net.bn2), ("conv3", net.bn3)):
            conv = getattr(net, c)
            g = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
            w = conv.weight.double() * g[:, None, None, None]
            b = (conv.bias.double() - bn.running_mean.double()) * g + bn.bias.double()
            getattr(dep, c).weight.copy_(w.float())
            getattr(dep, c).bias.copy_(b.float())
        dep.fc.weight.copy_(net.fc.weight)
        dep.fc.bias.copy_(net.fc.bias)
    return dep.eval()


# ---- metrics ------------------------------------------------------------------------------------

def softmax(logits):
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def calibration(logits, labels):
    """Accuracy, mean confidence, ECE, MCE of max-softmax confidence (CBO §III-B: 10 equal-width
    bins, bin = min(floor(10 c), 9); ECE weights |accuracy - confidence| by the bin's share)."""
    p = softmax(logits)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == labels).astype(np.float64)
    bins = np.minimum(np.floor(conf * 10).astype(np.int64), 9)
    ece, mce, table = 0.0, 0.0, []
    for b in range(10):
        sel = bins == b
        if not sel.any():
            continue
        gap = abs(correct[sel].mean() - conf[sel].mean())
        ece += gap * sel.sum() / len(conf)
        mce = max(mce, gap)
        table.append((b, int(sel.sum()), float(conf[sel].mean()), float(correct[sel].mean())))
    return {"accuracy": float(correct.mean()), "mean_confidence": float(conf.mean()),
            "ece": float(ece), "mce": float(mce), "bins": table}


# ---- int8 reference -----------------------------------------------------------------------------

def round_half_even(a):
    return np.round(a)  # numpy rounds half to even, as cvRound does in OpenCV's default FP mode


def int8_reference(q, x):
    """Bit-exact reference of the int8 model (the QOperator graph train.py writes) in float64 torch.

    q: the quantization record train.py builds (scales, zero points, int8 weights, int32 biases).
    x: float32 inputs N x 1 x 28 x 28.  Returns the float32 logits N x 10.
    Integer products and sums are exact in float64 (|sum| < 2^53).  Requantization follows the
    ONNX QLinearConv definition with OpenCV's float32 multiplier (x_scale * w_scale) / y_scale."""
    f32 = np.float32
    s_in, z_in = f32(q["input_scale"]), int(q["input_zero_point"])
    # QuantizeLinear as OpenCV's Quantize layer computes it: x * (1/scale) + zero point, float32, rounded.
    codes = np.clip(round_half_even((x.astype(f32) * (f32(1.0) / s_in)).astype(f32) + f32(z_in)), -128, 127)
    a = torch.tensor(codes, dtype=torch.float64)
    s_prev, z_prev = s_in, z_in
    for layer in q["layers"]:
        w = torch.tensor(layer["w"].astype(np.float64))
        acc = torch.nn.functional.conv2d(a - z_prev, w, padding=layer["pad"]).numpy()
        acc = acc + layer["b"].astype(np.float64)[None, :, None, None]
        mult = ((f32(s_prev) * layer["w_scale"].astype(f32)) / f32(layer["y_scale"])).astype(f32)
        y = (acc.astype(f32) * mult[None, :, None, None]).astype(f32)
        y = np.clip(round_half_even(y) + layer["y_zero_point"], -128, 127)
        a = torch.tensor(y.astype(np.float64))
        if layer["pool"]:
            a = torch.max_pool2d(a, 2)
        s_prev, z_prev = f32(layer["y_scale"]), int(layer["y_zero_point"])
    out = (a.numpy() - z_prev) * np.float64(s_prev)
    return out.reshape(out.shape[0], -1).astype(f32)
