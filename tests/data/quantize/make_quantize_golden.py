#!/usr/bin/python3
"""Golden vectors for offloadkit's uniform feature quantizer (AMVP eq. 1-2), computed with numpy
in float64 and packed with np.packbits(bitorder='little') -- an implementation independent of ours.

    /usr/bin/python3 tests/data/quantize/make_quantize_golden.py > tests/data/quantize/quantize_golden.txt

Each case: bits, layout (0 per tensor, 1 CHW, 2 HWC), channels, n, then the float32 features, the
codes floor((x - min)/(max - min)*(2^bits - 1) + 0.5) per channel, the LSB-first payload in hex and
the float64 dequantized values min + code*(max - min)/(2^bits - 1). Features whose y lies within
0.05 of a rounding tie are resampled, so binary32 and binary64 evaluation give the same code.
"""
import numpy as np

rng = np.random.default_rng(20240603)


def channel_index(n, layout, channels):
    i = np.arange(n)
    if layout == 0:
        return np.zeros(n, dtype=np.int64)
    if layout == 1:
        return i // (n // channels)
    return i % channels


def make_case(bits, layout, channels, n, kind):
    L = (1 << bits) - 1
    if kind == "normal":
        x = rng.normal(0.0, 1.0, n).astype(np.float32)
    elif kind == "offset":
        x = (1000.0 + rng.uniform(-3.0, 5.0, n)).astype(np.float32)
    else:  # relu-like feature map: many exact zeros
        x = np.maximum(rng.normal(0.2, 1.0, n), 0.0).astype(np.float32)
    ch = channel_index(n, layout, channels)
    for _ in range(100):
        lo = np.array([x[ch == c].min() for c in range(channels)], dtype=np.float32)
        hi = np.array([x[ch == c].max() for c in range(channels)], dtype=np.float32)
        lo64 = lo[ch].astype(np.float64)
        hi64 = hi[ch].astype(np.float64)
        rng64 = hi64 - lo64
        y = np.where(rng64 > 0, (x.astype(np.float64) - lo64) / np.where(rng64 > 0, rng64, 1.0) * L, 0.0)
        frac = y - np.floor(y)
        bad = (np.abs(frac - 0.5) < 0.05) & (x > lo[ch]) & (x < hi[ch])
        if not bad.any():
            break
        # resample strictly inside (lo, hi): the channel ranges stay the same
        t = rng.uniform(0.1, 0.9, bad.sum())
        x[bad] = (lo64[bad] + t * rng64[bad]).astype(np.float32)
    else:
        raise RuntimeError("could not avoid ties")
    codes = np.floor(y + 0.5).astype(np.int64)
    bitsmat = ((codes[:, None] >> np.arange(bits)[None, :]) & 1).astype(np.uint8).reshape(-1)
    payload = np.packbits(bitsmat, bitorder="little")
    deq = lo64 + codes * rng64 / L
    return x, codes, payload, deq


cases = []
for bits in range(1, 17):
    cases.append((bits, 0, 1, 301, "normal"))
cases += [
    (8, 0, 1, 3136, "relu"),      # a 14x14x16 slice of AMVP's 14x14x64 feature
    (8, 0, 1, 777, "offset"),
    (3, 1, 5, 5 * 37, "normal"),  # CHW
    (8, 1, 64, 64 * 9, "relu"),
    (5, 2, 3, 3 * 41, "normal"),  # HWC
    (12, 2, 40, 40 * 7, "offset"),
    (16, 2, 64, 64 * 5, "normal"),
]
print("# offloadkit quantizer golden vectors (numpy", np.__version__, ") -- see make_quantize_golden.py")
for bits, layout, channels, n, kind in cases:
    x, codes, payload, deq = make_case(bits, layout, channels, n, kind)
    print(f"case {bits} {layout} {channels} {n}")
    print("x " + " ".join(f"{v:.9e}" for v in x))
    print("codes " + " ".join(str(int(c)) for c in codes))
    print("payload " + payload.tobytes().hex())
    print("deq " + " ".join(repr(float(v)) for v in deq))
