#!/usr/bin/python3
"""Golden values for offloadkit's image complexity (tests/kernels/test_complexity.cpp).

Outside implementations: torch 1.13 conv2d with the Scharr kernels (cross-correlation, as OpenCV's
Scharr applies them), cross-checked against scipy.ndimage.correlate (mode='mirror'); both in
float64. Definition (ApproxNet §4.2, normalisation of include/offloadkit/kernels/complexity.hpp):
  gray  = (0.299 R + 0.587 G + 0.114 B) / 255   (gray frames: byte / 255)
  border reflect-101 (torch 'reflect' padding; an axis of length 1 replicates)
  edge  = sqrt(gx^2 + gy^2) / (16 sqrt 2);  mean edge value = mean(edge)
Frames are not stored: both sides draw bytes with xoshiro256** (splitmix64 seeding, as in
make_spp_golden.py), byte = next() >> 56, in row-major, channel-interleaved (RGB) order. Content
"noise" uses every byte; "blocks" makes 8x8 blocks by drawing one RGB triple per block (drawn
block by block, row-major) so that edges are sparse, as in natural frames.
Output complexity_golden.txt, one frame per line:
  name content seed h w mean_edge_value n_samples (y x edge)*
Run: /usr/bin/python3 tests/data/approx/make_complexity_golden.py
"""
import math
import os

import numpy as np
import scipy.ndimage as ndi
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


def make_frame(content, seed, h, w, ch):
    g = Rng(seed)
    if content == "noise":
        return np.array([g.next() >> 56 for _ in range(h * w * ch)], dtype=np.uint8).reshape(h, w, ch)
    bh, bw = (h + 7) // 8, (w + 7) // 8
    blocks = np.array([g.next() >> 56 for _ in range(bh * bw * ch)], dtype=np.uint8).reshape(bh, bw, ch)
    return np.repeat(np.repeat(blocks, 8, axis=0), 8, axis=1)[:h, :w, :]


def gray_of(frame):
    f = frame.astype(np.float64)
    if f.shape[2] == 1:
        return f[:, :, 0] / 255.0
    return (0.299 * f[:, :, 0] + 0.587 * f[:, :, 1] + 0.114 * f[:, :, 2]) / 255.0


KX = np.array([[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]], dtype=np.float64)


def edges_torch(gray):
    x = torch.from_numpy(gray)[None, None]
    # reflect-101 per axis; an axis of length 1 replicates
    x = F.pad(x, (1, 1, 0, 0), mode="reflect" if gray.shape[1] > 1 else "replicate")
    x = F.pad(x, (0, 0, 1, 1), mode="reflect" if gray.shape[0] > 1 else "replicate")
    k = torch.from_numpy(np.stack([KX, KX.T]))[:, None]
    g = F.conv2d(x, k)[0]
    return (torch.sqrt(g[0] ** 2 + g[1] ** 2) / (16 * math.sqrt(2))).numpy()


def edges_scipy(gray):
    if min(gray.shape) < 2:
        return None  # scipy's mirror mode differs from replicate on a length-1 axis
    gx = ndi.correlate(gray, KX, mode="mirror")
    gy = ndi.correlate(gray, KX.T, mode="mirror")
    return np.sqrt(gx ** 2 + gy ** 2) / (16 * math.sqrt(2))


def main():
    torch.set_num_threads(1)
    here = os.path.dirname(os.path.abspath(__file__))
    cases = []
    shapes = [(224, 224), (1, 1), (1, 7), (9, 1), (2, 2), (2, 3), (5, 17), (31, 30), (64, 48), (3, 100), (17, 33)]
    for i, (h, w) in enumerate(shapes):
        cases.append(("rgb_noise_%dx%d" % (h, w), "noise", 5000 + i, h, w, 3))
        cases.append(("rgb_blocks_%dx%d" % (h, w), "blocks", 5100 + i, h, w, 3))
    for i, (h, w) in enumerate([(224, 224), (7, 5), (1, 9)]):
        cases.append(("gray_noise_%dx%d" % (h, w), "noise", 5200 + i, h, w, 1))
        cases.append(("gray_blocks_%dx%d" % (h, w), "blocks", 5300 + i, h, w, 1))
    lines = []
    for name, content, seed, h, w, ch in cases:
        gray = gray_of(make_frame(content, seed, h, w, ch))
        e = edges_torch(gray)
        s = edges_scipy(gray)
        if s is not None:
            assert np.max(np.abs(e - s)) < 1e-12, name
        # all values of small maps, 64 fixed positions of larger ones
        if h * w <= 400:
            pos = [(y, x) for y in range(h) for x in range(w)]
        else:
            g = Rng(seed + 1)
            pos = [(0, 0), (h - 1, w - 1), (0, w - 1), (h - 1, 0)]
            pos += [(g.next() % h, g.next() % w) for _ in range(60)]
        samples = " ".join("%d %d %.17g" % (y, x, e[y, x]) for y, x in pos)
        lines.append("%s %s %d %d %d %.17g %d %s" % (name, content, seed, h, w, float(e.mean()), len(pos), samples))
    with open(os.path.join(here, "complexity_golden.txt"), "w") as f:
        f.write("# made by make_complexity_golden.py (torch %s); format in its docstring\n" % torch.__version__)
        f.write("\n".join(lines) + "\n")
    print(len(cases), "frames")


if __name__ == "__main__":
    main()
