#!/usr/bin/python3
"""Golden vectors for offloadkit's spatial pyramid pooling (tests/kernels/test_spp.cpp).

The outside implementation is torch 1.13 (Debian's python3-torch), CPU, one thread:
  paper rule    F.max_pool2d(x, (ceil(H/l), ceil(W/l)), (floor(H/l), floor(W/l)))[:, :, :l, :l]
                F.avg_pool2d(x, same kernel and stride)[:, :, :l, :l]
  adaptive rule F.adaptive_max_pool2d(x, l), F.adaptive_avg_pool2d(x, l)
and, per image, torch.cat([pool(x).flatten(1) for l in levels], 1). The crop [:l, :l] is the paper's
"exactly l bins" (torch returns more than l bins when a mod l > floor(a/l), e.g. a = 5, l = 3).

Inputs are not stored: both sides generate them with xoshiro256** seeded through splitmix64
(offloadkit::detail::rng; written here from the published specification, as in
tests/data/make_random_golden.py), element by element in NCHW order:
  data "dyadic":  (next() >> 52) - 2048, divided by 64   (exact in float32; every sum is exact,
                  so even average pooling must match bit for bit)
  data "uniform": float32(((next() >> 11) * 2**-53) * 2 - 1)   (average pooling: to rounding)

Outputs: spp_golden.txt (one case per line) and spp_golden.f32 (all outputs, float32
little-endian, concatenated; each line gives its offset and count in floats).
Line: name rule op data seed N C H W nlevels levels... offset count
Run: /usr/bin/python3 tests/data/approx/make_spp_golden.py   (from the repository root)
"""
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

M = (1 << 64) - 1


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Rng:
    def __init__(self, seed):
        self.s = []
        sm = seed
        for _ in range(4):
            sm = (sm + 0x9E3779B97F4A7C15) & M
            z = sm
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result


def make_input(data, seed, n):
    g = Rng(seed)
    if data == "dyadic":
        vals = [((g.next() >> 52) - 2048) / 64.0 for _ in range(n)]
    else:
        vals = [((g.next() >> 11) * 2.0 ** -53) * 2.0 - 1.0 for _ in range(n)]
    return np.array(vals, dtype=np.float64).astype(np.float32)


def spp(x, levels, rule, op):
    _, _, h, w = x.shape
    parts = []
    for l in levels:
        if rule == "paper":
            k = (math.ceil(h / l), math.ceil(w / l))
            s = (h // l, w // l)
            pool = F.max_pool2d if op == "max" else F.avg_pool2d
            y = pool(x, k, s)[:, :, :l, :l]
            assert y.shape[2] == l and y.shape[3] == l
        else:
            pool = F.adaptive_max_pool2d if op == "max" else F.adaptive_avg_pool2d
            y = pool(x, (l, l))
        parts.append(y.flatten(1))
    return torch.cat(parts, 1)


def main():
    torch.set_num_threads(1)
    here = os.path.dirname(os.path.abspath(__file__))
    cases = []
    # ApproxNet's SPP inputs (ApproxNet Table 1): 64 channels, a x a, levels 1, 2, 3.
    for a in (28, 24, 20, 16, 14, 12, 10, 8, 7):
        for rule in ("paper", "adaptive"):
            for op in ("max", "avg"):
                cases.append(("table1_%d" % a, rule, op, "dyadic", 1000 + a, 1, 64, a, a, [1, 2, 3]))
    # Edge cases of the paper rule: a = l, a mod l > floor(a/l) (torch gives more bins), the
    # unpooled last row/column (a = 8, 11, 14 at l = 3), levels in any order, one level.
    edge = [
        ("a_eq_l", 2, 3, 3, [3, 1]),
        ("a5_l3", 3, 5, 5, [3]),
        ("a7_l4", 2, 7, 9, [4, 2]),
        ("a11_l3", 2, 11, 11, [1, 2, 3]),
        ("levels_321", 3, 9, 13, [3, 2, 1]),
        ("h1", 4, 1, 17, [1]),
        ("w1", 5, 19, 1, [1]),
        ("big_level", 1, 12, 12, [6, 12]),
    ]
    for i, (name, c, h, w, levels) in enumerate(edge):
        for rule in ("paper", "adaptive"):
            for op in ("max", "avg"):
                cases.append((name, rule, op, "dyadic", 2000 + i, 1, c, h, w, levels))
    # Adaptive pooling with a < l (bins repeat pixels): not allowed under the paper rule.
    for op in ("max", "avg"):
        cases.append(("adaptive_small", "adaptive", op, "dyadic", 2100, 1, 3, 2, 3, [1, 4, 5]))
    # Random odd shapes, both data kinds, batches of 1 to 3 images.
    g = Rng(77)
    for i in range(48):
        c = 1 + g.next() % 9
        h = 1 + g.next() % 37
        w = 1 + g.next() % 37
        n = 1 + g.next() % 3
        rule = "paper" if i % 2 == 0 else "adaptive"
        op = "max" if (i // 2) % 2 == 0 else "avg"
        data = "dyadic" if (i // 4) % 2 == 0 else "uniform"
        top = min(h, w, 6) if rule == "paper" else 6
        nlev = 1 + g.next() % 3
        levels = [1 + g.next() % top for _ in range(nlev)]
        cases.append(("random_%d" % i, rule, op, data, 3000 + i, n, c, h, w, levels))

    blob = bytearray()
    lines = []
    for name, rule, op, data, seed, n, c, h, w, levels in cases:
        x = torch.from_numpy(make_input(data, seed, n * c * h * w).reshape(n, c, h, w))
        y = spp(x, levels, rule, op).contiguous().numpy().astype("<f4").ravel()
        offset = len(blob) // 4
        blob += y.tobytes()
        lines.append("%s %s %s %s %d %d %d %d %d %d %s %d %d" % (
            name, rule, op, data, seed, n, c, h, w, len(levels), " ".join(map(str, levels)), offset, y.size))
    with open(os.path.join(here, "spp_golden.txt"), "w") as f:
        f.write("# made by make_spp_golden.py (torch %s); see its docstring for the format\n" % torch.__version__)
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(here, "spp_golden.f32"), "wb") as f:
        f.write(bytes(blob))
    print(len(cases), "cases,", len(blob), "bytes")


if __name__ == "__main__":
    main()
