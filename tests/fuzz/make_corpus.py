#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/seed_*).

Run from anywhere: /usr/bin/python3 tests/fuzz/make_corpus.py. It (re)writes only files named
seed_*; crash regressions saved next to them (crash-*, regression_*) are left alone.

Text targets get real files in their documented formats (plus a few edge cases); the targets that
decode bytes into sizes and numbers get byte strings built with `Bytes`, which mirrors
tests/fuzz/fuzz_support.hpp's fuzz::input (range(lo, hi) reads one byte when hi - lo < 256, else
two, little-endian, and takes the value modulo the span).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed_" + name), "wb") as f:
        f.write(data)


class Bytes:
    """Encoder for fuzz::input."""

    def __init__(self):
        self.b = bytearray()

    def byte(self, v):
        self.b.append(v & 0xFF)
        return self

    def u16(self, v):
        self.b += struct.pack("<H", v & 0xFFFF)
        return self

    def range(self, lo, hi, value):
        assert lo <= value <= hi
        if hi - lo + 1 <= 256:
            return self.byte(value - lo)
        return self.u16(value - lo)

    def boolean(self, v):
        return self.byte(1 if v else 0)

    def unit(self, x):  # fuzz::input::unit: u16 / 65535
        return self.u16(round(x * 65535))

    def raw_float(self, x):
        self.b += struct.pack("<f", x)
        return self

    def raw_double(self, x):
        self.b += struct.pack("<d", x)
        return self

    def number_unit(self, x):  # fuzz::input::number, selector 4 (unit grid)
        return self.byte(4).unit(x)

    def number_dyadic(self, x):  # selector 2: int16 / 64
        v = round(x * 64)
        return self.byte(2).u16(v & 0xFFFF)

    def number_special(self, k):  # selector 0 with index k into the specials table
        return self.byte((k << 3) | 0)

    def data(self):
        return bytes(self.b)


# ---- quantize: wire messages (docs/wire-format.md) and feature inputs -------------------------

def pack_codes(codes, bits):
    acc = 0
    for i, c in enumerate(codes):
        assert 0 <= c < (1 << bits)
        acc |= c << (i * bits)
    n = (len(codes) * bits + 7) // 8
    return acc.to_bytes(n, "little") if n else b""


def wire(bits, layout, ranges, codes):
    head = b"OKQT" + bytes([1, bits, layout, 0]) + struct.pack("<QI", len(codes), len(ranges))
    body = b"".join(struct.pack("<ff", lo, hi) for lo, hi in ranges)
    return head + body + pack_codes(codes, bits)


def quantize_seeds():
    # the two examples of docs/wire-format.md
    doc = wire(8, 0, [(-1.5, 2.25)], [0, 102, 255])
    assert doc.hex() == "4f4b515401080000030000000000000001000000" "0000c0bf00001040" "0066ff"
    write("quantize", "doc_example_8bit", doc)
    write("quantize", "doc_example_2bit", wire(2, 0, [(0.0, 1.0)], [0, 1, 2, 3]))
    write("quantize", "empty", wire(8, 0, [(0.0, 0.0)], []))
    write("quantize", "flat", wire(4, 0, [(3.5, 3.5)], [0] * 5))
    write("quantize", "bits1_padding", wire(1, 0, [(-1.0, 1.0)], [1, 0, 1, 1, 0]))
    write("quantize", "bits16", wire(16, 0, [(-100.0, 1e6)], [0, 65535, 1234, 40000]))
    write("quantize", "bits13", wire(13, 0, [(-3e38, 3e38)], [0, 8191, 4096, 17, 5000, 1]))
    write("quantize", "chw_3ch", wire(5, 1, [(0.0, 1.0), (2.0, 2.0), (-5.0, 7.0)],
                                      [0, 31, 7, 9, 0, 0, 0, 0, 1, 2, 3, 30]))
    write("quantize", "hwc_4ch", wire(8, 2, [(0.0, 255.0), (-1.0, 1.0), (1e-30, 2e-30), (0.0, 0.0)],
                                      [10, 20, 30, 0, 255, 0, 128, 0]))
    # AMVP's feature (AMVP Fig. 11) is 14x14x64; a 4x4x3 HWC slice keeps the seed small
    write("quantize", "hwc_4x4x3", wire(8, 2, [(-0.5, 3.25), (0.0, 6.0), (-2.0, 2.0)],
                                        [(7 * i) % 256 for i in range(48)]))
    # rejected: truncated, trailing byte, bad padding, NaN range, code in a flat channel
    write("quantize", "bad_truncated", doc[:-1])
    write("quantize", "bad_trailing", doc + b"\x00")
    bad_pad = bytearray(wire(1, 0, [(-1.0, 1.0)], [1, 0, 1]))
    bad_pad[-1] |= 0x80
    write("quantize", "bad_padding", bytes(bad_pad))
    write("quantize", "bad_nan_range", wire(8, 0, [(float("nan"), 1.0)], [1]))
    bad_flat = bytearray(wire(4, 0, [(2.0, 2.0)], [0, 0]))
    bad_flat[-1] = 0x10
    write("quantize", "bad_flat_code", bytes(bad_flat))
    # feature mode (any input not starting with "OKQT"): bits, layout, count, channels, mode, data
    f = Bytes().range(0, 17, 8).range(0, 2, 0).range(0, 600, 12).byte(1).range(0, 3, 1)
    f.u16(5).raw_float(0.5)
    for i in range(12):
        f.byte(i * 13)
    write("quantize", "features_narrow", f.data())
    f = Bytes().range(0, 17, 3).range(0, 2, 1).range(0, 600, 12).range(1, 9, 3).byte(1).range(0, 3, 0)
    f.u16(0).raw_float(0.0)
    for x in [0.5, -1.0, 2.0, 3.0, 1e-3, 7.0, -7.0, 0.0, 1e30, -1e30, 3.5, 1.25]:
        f.raw_float(x)
    write("quantize", "features_chw_raw", f.data())
    f = Bytes().range(0, 17, 16).range(0, 2, 2).range(0, 600, 8).range(1, 9, 4).byte(1).range(0, 3, 2)
    f.u16(1).raw_float(1e36)
    for i in range(8):
        f.byte((i * 37) & 0xFF)
    write("quantize", "features_hwc_wide", f.data())


# ---- calibrator text (detail/model_text.hpp) -------------------------------------------------

def calibrator_text_seeds():
    sel = {"platt": 0, "isotonic": 1, "identity": 2, "temperature": 3, "one_vs_rest": 4}

    def w(name, kind, text):
        write("calibrator_text", name, bytes([sel[kind]]) + text.encode())

    w("platt", "platt", "offloadkit.platt_calibrator 1\na -3.25\nb 1.5\n")
    w("platt_crlf_no_final_newline", "platt", "offloadkit.platt_calibrator 1\r\na -12.5\r\nb 8.25")
    w("platt_extreme", "platt", "offloadkit.platt_calibrator 1\na 1e+300\nb -1.7976931348623157e+308\n")
    w("isotonic", "isotonic",
      "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 4\n0.1 0\n0.4 0.25\n0.7 0.8\n0.95 1\n")
    w("isotonic_decreasing", "isotonic",
      "offloadkit.isotonic_calibrator 1\nincreasing 0\npoints 3\n-2 1\n0 0.5\n3.5 0.125\n")
    w("isotonic_single", "isotonic", "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 1\n0.5 0.75\n")
    w("isotonic_wide", "isotonic",
      "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 3\n-1.7976931348623157e+308 0\n0 0.5\n"
      "1.7976931348623157e+308 1\n")
    w("identity", "identity", "offloadkit.identity_calibrator 1\n")
    w("temperature", "temperature", "offloadkit.temperature_scaler 1\ntemperature 1.75\n")
    w("temperature_tiny", "temperature", "offloadkit.temperature_scaler 1\ntemperature 1e-300\n")
    w("one_vs_rest", "one_vs_rest",
      "offloadkit.one_vs_rest_calibrator 1\nclasses 2\n1.5 -0.25 0.125\n-0.5 2 -1\n")
    w("one_vs_rest_3", "one_vs_rest",
      "offloadkit.one_vs_rest_calibrator 1\nclasses 3\n1 0 0 0\n0 1 0 -0.5\n0.25 0.25 2 1\n")
    w("bad_version", "platt", "offloadkit.platt_calibrator 2\na 1\nb 1\n")
    w("bad_nan", "isotonic", "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 1\nnan 0.5\n")
    w("bad_not_monotone", "isotonic",
      "offloadkit.isotonic_calibrator 1\nincreasing 1\npoints 2\n0 0.75\n1 0.5\n")


# ---- traces (docs/trace-format.md) ---------------------------------------------------------------

def trace_seeds():
    with open(os.path.join(ROOT, "docs", "trace-format.md")) as f:
        doc = f.read()
    example = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    write("trace", "doc_example.csv", example)
    # the first 24 frames of the shipped Fashion-MNIST trace (comments and extra columns included)
    with open(os.path.join(ROOT, "examples", "data", "fashion_mnist_trace.csv")) as f:
        lines = f.readlines()
    header = next(i for i, l in enumerate(lines) if not l.startswith("#"))
    write("trace", "fashion_first24.csv", "".join(lines[:header + 25]))
    # no arrival_s column, two resolutions in another column order, CRLF, quoted cells, comments
    rows = ["server_correct@lo,bytes@lo,npu_confidence,npu_correct,bytes@hi,server_correct@hi"]
    for i in range(10):
        rows.append(f"{i % 2},{900 + 37 * i},{(i * 0.37) % 1:.3f},{(i // 3) % 2},{5000 + 411 * i},{(i + 1) % 2}")
    rows.insert(4, "# a comment line")
    rows.insert(6, '"1", 1085 ,"0.850",1,  "7055" ,0')  # quoted cells, blanks around fields
    rows.insert(7, "")
    write("trace", "no_arrival_crlf.csv", "\r\n".join(rows) + "\r\n")
    # equal arrivals, large and tiny sizes, confidences at the ends of [0, 1]
    t = ["arrival_s,npu_confidence,npu_correct,bytes@a,server_correct@a,bytes@b,server_correct@b"]
    for i in range(8):
        t.append(f"{0.05 * (i // 2)},{[0, 1, 0.5, 1e-9][i % 4]},{i % 2},{[1, 1e9, 30000, 2.5][i % 4]},1,"
                 f"{12000 + i},{(i // 2) % 2}")
    write("trace", "ties_extremes.csv", "\n".join(t) + "\n")
    write("trace", "bad_out_of_order.csv",
          "arrival_s,npu_confidence,npu_correct,bytes@45,server_correct@45\n0.3,0.5,1,100,1\n0.2,0.5,1,100,0\n")
    # per-class scores (CBO Fig. 6): npu_logit@k out of order, true_label, K = 3
    pc = ["npu_logit@2,arrival_s,npu_confidence,npu_correct,bytes@a,server_correct@a,true_label,npu_logit@0,npu_logit@1"]
    for i in range(8):
        pc.append(f"{(i * 1.7) % 5 - 2:.3f},{i / 30:.4f},{0.34 + 0.08 * i:.2f},{i % 2},{1000 + 50 * i},{(i + 1) % 2},"
                  f"{i % 3},{-i * 0.5:.2f},{3.5 - i:.1f}")
    write("trace", "per_class_scores.csv", "\n".join(pc) + "\n")
    write("trace", "bad_missing_server.csv", "npu_confidence,npu_correct,bytes@45\n0.5,1,100\n")


# ---- ApproxNet profiles (docs/approx-profile-format.md) ------------------------------------------

def profile_seeds():
    for name in ["approxnet_table2a.csv", "approx_illustrative_profile.csv"]:
        with open(os.path.join(ROOT, "examples", "data", name)) as f:
            write("profile", name, f.read())
    write("profile", "seconds_with_transitions.csv",
          "branch,accuracy[0],accuracy[1],latency_s[0],latency_s[1],notes\n"
          "a,0.5,0.4,0.010,0.020,x\n"
          "\"b, quoted\",0.6,0.6,0.015,0.015,\n"
          "c,0.7,0.3,0.030,0.012,\n"
          "d,0.7,0.3,0.030,0.012,duplicate numbers\n"
          "%%\n"
          "from,to,cost_ms\n"
          "a,c,5\n"
          "c,a,0.5\n"
          "\"b, quoted\",d,12\n"
          "d,d,0\n")
    write("profile", "remote_only_one_level.csv",
          "executor,branch,latency_ms,accuracy\nlocal,x,10,0.25\nremote,edge,3,0.99\nlocal,y,10,0.25\n")
    write("profile", "bad_percent.csv", "branch,accuracy,latency_ms\na,66.39,16.14\n")
    write("profile", "bad_gap.csv", "branch,accuracy[0],accuracy[2],latency_ms\na,0.5,0.5,1\n")


# ---- AMVP problems (docs/amvp-problem-format.md) ---------------------------------------------------

def amvp_seeds():
    with open(os.path.join(ROOT, "examples", "data", "amvp_fig7b.csv")) as f:
        write("amvp", "fig7b.csv", f.read())
    small = """# two tasks on two phones, one base model with a split and the unsplit model
[tasks]
task,accuracy_goal,latency_goal_ms,throughput_goal_fps,alpha,beta,gamma
A,0.9,500,2,0.8,0.1,0.1
B,0.8,1000,1,0.5,0.25,0.25

[devices]
device,compute,memory_mb,speed
P1,1.0,64,1.0
P2,0.5,32,2.0

[links]
from,to,bandwidth_mbps
P1,P2,20

[models]
model,layers
net,10

[splits]
model,layer,device,p1_latency_ms,p2_latency_ms,p1_memory_mb,p2_memory_mb,feature_kb
net,4,*,40,60,8,16,100
net,10,*,100,0,24,0,0
net,10,P2,70,0,24,0,0

[candidates]
task,candidate,model,frozen_layers,accuracy
A,net/f4,net,4,0.85
A,net/f0,net,0,0.9
B,net/f6,net,6,0.7

[settings]
key,value
share_steps,4
"""
    write("amvp", "small.csv", small)
    three = """[settings]
key,value
share_steps,2
[devices]
device,compute,memory_mb
D1,1,100
D2,1,100
D3,0.5,10
[links]
from,to,bandwidth_mbps
*,*,5
[models]
model,layers
m1,5
m2,8
[splits]
model,layer,device,p1_latency_ms,p2_latency_ms,p1_memory_mb,p2_memory_mb,feature_kb,p1_throughput_fps,p2_throughput_fps
m1,2,*,10,20,1,2,50,80,40
m1,5,*,30,0,3,0,0,30,1
m2,3,D1,50,50,5,5,10,15,15
m2,3,*,60,40,5,5,10,14,20
m2,8,*,100,0,9,0,0,9,1
[tasks]
task,accuracy_goal,latency_goal_ms,throughput_goal_fps,alpha,beta,gamma
s1,0.9,100,10,0.6,0.2,0.2
s2,0.9,300,5,1,0,0
s3,0.5,50,30,0.2,0.4,0.4
[candidates]
task,candidate,model,frozen_layers,accuracy
s1,a,m1,2,0.8
s1,b,m2,3,0.95
s2,c,m2,7,0.9
s3,d,m1,4,0.5
s3,e,m2,0,0.6
"""
    write("amvp", "three_tasks.csv", three)
    write("amvp", "bad_weights.csv", small.replace("0.8,0.1,0.1", "0.8,0.1,0.2"))
    write("amvp", "bad_unknown_device.csv", small.replace("P1,P2,20", "P1,P9,20"))


# ---- calibrator fit (byte-decoded; see fuzz_calibrator_fit.cpp) --------------------------------------

def calibrator_fit_seeds():
    def binary(selector, scores, labels, weights=None, use_float=False, direction=None, platt_mode=0):
        b = Bytes().byte(selector)
        n = len(scores)
        b.range(0, 64, n).range(0, 15, 1)  # no size mismatch
        b.range(0, 3, 0 if use_float else 1)
        b.boolean(weights is not None)
        b.range(0, 3, 1)  # scores on the unit grid
        for s in scores:
            b.unit(s)
        for l in labels:
            b.byte(l)
        if weights is not None:
            b.range(0, 7, 1)  # ordinary weights: k / 2
            for w in weights:
                b.range(0, 8, int(w * 2))
        if selector == 0:
            b.range(0, 7, platt_mode)
        if selector == 1:
            b.range(0, 2, direction or 0)
        return b.data()

    conf = [0.95, 0.2, 0.7, 0.4, 0.99, 0.35, 0.6, 0.8, 0.1, 0.55, 0.9, 0.3]
    correct = [1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0]
    write("calibrator_fit", "platt", binary(0, conf, correct))
    write("calibrator_fit", "platt_weighted", binary(0, conf, correct, weights=[1, 2, 0.5, 0, 1, 1, 3, 1, 1, 2, 1, 1]))
    write("calibrator_fit", "platt_float_one_class", binary(0, conf[:5], [1] * 5, use_float=True))
    write("calibrator_fit", "isotonic", binary(1, conf, correct))
    write("calibrator_fit", "isotonic_auto_weighted", binary(1, conf, correct, weights=[1] * 6 + [2] * 6, direction=2))
    write("calibrator_fit", "isotonic_decreasing", binary(1, conf, correct, direction=1))
    write("calibrator_fit", "identity", binary(2, conf[:4], correct[:4]))

    def multi(selector, k, rows, labels, ovr=False):
        b = Bytes().byte(selector).range(0, 4, k).range(0, 16, len(labels)).range(0, 15, 1).boolean(True)
        for row in rows:
            for z in row:
                b.byte(round(z * 8) & 0xFF)  # plain logits: int8 / 8
        for l in labels:
            b.byte(l)
        if not ovr:
            b.range(0, 7, 1)  # default options
        else:
            b.range(0, 20, 10).boolean(True).range(0, 5, 0)
        return b.data()

    rows = [[2.0, 0.5, -1.0], [0.25, 1.5, 0.0], [-0.5, 0.0, 3.0], [1.0, 1.0, 1.0], [4.0, -2.0, 0.5], [0.0, 2.5, 2.0]]
    labels = [0, 1, 2, 1, 0, 2]
    write("calibrator_fit", "temperature", multi(3, 3, rows, labels))
    write("calibrator_fit", "temperature_constant_rows", multi(3, 2, [[1.0, 1.0], [0.5, 0.5]], [0, 1]))
    write("calibrator_fit", "one_vs_rest", multi(4, 3, rows, labels, ovr=True))
    write("calibrator_fit", "bad_label", binary(0, [0.5, 0.6], [0, 0xFF]))


# ---- SPP (byte-decoded; see fuzz_spp.cpp) -----------------------------------------------------------

def spp_seeds():
    def shape(n, c, h, w, levels, adaptive, hwc, average, use_float, values):
        b = Bytes().range(1, 3, n).range(0, 40, c).range(0, 48, h).range(0, 48, w).range(0, 5, len(levels))
        for l in levels:
            b.range(0, 12, l)
        b.boolean(adaptive).boolean(hwc).boolean(average).boolean(use_float)
        b.boolean(False)  # no specials
        for v in values:
            if average:
                b.byte(v & 0xFF)
            else:
                b.range(0, 3, 1).byte(v & 0xFF)
        if n == 1:
            b.boolean(True)  # the single-image entry point
        return b.data()

    def vals(count):
        return [((i * 37) % 251) - 120 for i in range(count)]

    # ApproxNet's levels {1, 2, 3} on a 7x7 map (the smallest size the paper rule allows, §4.1)
    write("spp", "paper_7x7", shape(1, 4, 7, 7, [1, 2, 3], False, False, False, True, vals(4 * 49)))
    write("spp", "paper_8x8_unpooled_edge", shape(1, 2, 8, 8, [3], False, False, True, True, vals(128)))
    write("spp", "adaptive_hwc_5x3", shape(2, 3, 5, 3, [1, 2, 4], True, True, False, False, vals(90)))
    write("spp", "adaptive_average_small", shape(1, 9, 2, 2, [3, 1], True, False, True, False, vals(36)))
    write("spp", "bad_level_too_large", shape(1, 1, 2, 5, [3], False, False, False, True, vals(10)))


# ---- schedules (byte-decoded; see fuzz_schedule.cpp) ------------------------------------------------

def schedule_seeds():
    def problem(deadline_steps, server_steps, latency_steps, bw_k, acc, frames, free=None):
        b = Bytes().range(0, 7, 1).range(1, 15, deadline_steps)
        b.range(0, 15, 1).range(0, 5, server_steps)
        b.range(0, 15, 1).range(0, 10, latency_steps)
        b.range(0, 7, 1).range(1, 64, bw_k)
        b.range(0, 31, 1).range(1, 3, len(acc))
        for a in acc:
            b.range(0, 31, 1).range(0, 20, a)
        b.range(0, 8, len(frames))
        for gap, local, sizes in frames:
            b.range(0, 6, gap).range(0, 15, 1)
            b.range(0, 31, 1).range(0, 20, local)
            b.range(0, 63, 1)
            for s in sizes:
                b.range(0, 31, 1).range(1, 60, s)
        if free is None:
            b.range(0, 7, 1)
        else:
            b.range(0, 7, 0).range(0, 15, 1).range(0, 20, free)
        return b.data()

    # CBO Table II flavour: T 200 ms, T^o 40 ms, L 100 ms, 25 kB/s, five-ish frames
    write("schedule", "paper_like", problem(10, 4, 10, 25, [7, 12, 15], [
        (0, 14, [15, 40, 60]), (3, 4, [15, 40, 60]), (3, 18, [12, 35, 55]), (3, 9, [16, 41, 58]),
        (3, 2, [15, 44, 60]), (3, 10, [14, 39, 59])]))
    write("schedule", "tight_ties", problem(3, 1, 2, 10, [10, 10], [
        (0, 5, [10, 10]), (0, 5, [10, 10]), (1, 5, [5, 20]), (1, 0, [1, 60]), (0, 20, [3, 3])], free=2))
    write("schedule", "eight_frames", problem(15, 0, 3, 64, [20, 1, 13], [
        (i % 3, (i * 7) % 21, [1 + i, 30 + i, 59 - i]) for i in range(8)]))
    write("schedule", "no_frames", problem(5, 1, 1, 1, [10], []))


# ---- offload protocol (docs/wire-protocol.md): request headers and answers -------------------------

def tcp_request(id_=0x0102030405060708, budget=200000, res=3, payload=37000, magic=b"OKRQ", version=1,
                kind=1, flags=0, r22=0, r28=0):
    return (magic + struct.pack("<BBH", version, kind, flags) + struct.pack("<Q", id_) +
            struct.pack("<IHH", budget, res, r22) + struct.pack("<II", payload, r28))


def tcp_answer(id_=42, status=0, label=7, conf=0.75, queue=1500, compute=37000, magic=b"OKAN", version=1,
               flags=0, conf_bits=None):
    cb = struct.pack("<f", conf) if conf_bits is None else struct.pack("<I", conf_bits)
    return (magic + struct.pack("<BBH", version, status, flags) + struct.pack("<Q", id_) +
            struct.pack("<I", label) + cb + struct.pack("<II", queue, compute))


def tcp_seeds():
    write("tcp_request", "doc_example", tcp_request())
    write("tcp_request", "no_deadline", tcp_request(budget=0xFFFFFFFF, res=0, payload=1))
    write("tcp_request", "expired_budget", tcp_request(budget=0, res=4, payload=1500))
    write("tcp_request", "max_payload", tcp_request(payload=64 << 20, res=0xFFFF))
    write("tcp_request", "bad_version", tcp_request(version=2))
    write("tcp_request", "bad_kind", tcp_request(kind=2))
    write("tcp_request", "bad_reserved", tcp_request(r28=1))
    write("tcp_request", "zero_payload", tcp_request(payload=0))
    write("tcp_request", "answer_magic", tcp_answer())
    write("tcp_request", "short", tcp_request()[:31])
    write("tcp_request", "long", tcp_request() + b"\x00")
    write("tcp_answer", "doc_example", tcp_answer())
    write("tcp_answer", "expired", tcp_answer(status=1, label=0, conf=0.0, queue=250000, compute=0))
    write("tcp_answer", "overloaded", tcp_answer(status=2, label=0, conf=0.0, queue=0, compute=0))
    write("tcp_answer", "failed", tcp_answer(status=3, label=0, conf=0.0, queue=10, compute=900))
    write("tcp_answer", "confidence_one", tcp_answer(conf=1.0, label=0xFFFFFFFF))
    write("tcp_answer", "confidence_nan", tcp_answer(conf_bits=0x7FC00000))
    write("tcp_answer", "negative_zero_expired", tcp_answer(status=1, label=0, conf_bits=0x80000000, compute=0))
    write("tcp_answer", "status_4", tcp_answer(status=4))
    write("tcp_answer", "garbage", b"garbage! " * 3 + b"garbage")
    write("tcp_answer", "request_magic", tcp_request())


def main():
    tcp_seeds()
    quantize_seeds()
    calibrator_text_seeds()
    trace_seeds()
    profile_seeds()
    amvp_seeds()
    calibrator_fit_seeds()
    spp_seeds()
    schedule_seeds()


if __name__ == "__main__":
    main()
