#!/usr/bin/python3
"""The model card's measurements of the committed Fashion-MNIST models, printed as Markdown.

    /usr/bin/python3 examples/models/fashion/measure.py [--rounds 15]

Per model: parameters (and non-zero ones), multiply-accumulates per frame (from the ONNX graph's
shapes: Conv/QLinearConv output elements x Cin x kh x kw, Gemm M x N x K), file size and its
gzip -9 size, test accuracy, mean confidence, ECE/MCE through cv2.dnn, and the latency of one
1 x 1 x 28 x 28 frame through cv2.dnn (OpenCV 4.6, DNN_BACKEND_OPENCV, CPU, cv2.setNumThreads(1)).
Latencies are measured interleaved (round r times every model in turn, 300 forwards each) so that
the machine's load falls on all models alike; the card reports the median and the minimum over
rounds, and each model's ratio to the NPU model from the same rounds; and the CPU time of the
calling thread (time.thread_time; OpenCV runs on that thread with setNumThreads(1)), which the
machine's load does not inflate as it does wall time.

Also the server model's accuracy on frames that went through a lower resolution (indicative of
CBO Fig. 10; the demo trace measures it on the frames the encoder really produced): each test
image is shrunk to r x r with INTER_AREA, encoded and decoded as PNG by cv2.imencode/imdecode,
enlarged back to 28 x 28 with INTER_LINEAR, then classified.  Timings vary run to run; the other
numbers do not.
"""
import argparse
import gzip
import os
import sys
import time

import cv2
import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion as fm  # noqa: E402

MODELS = [("npu", "npu_fp16.onnx"), ("server", "server.onnx"), ("compress", "compress_int8.onnx")]
RESOLUTIONS = [(45, 6), (90, 11), (134, 17), (179, 22), (224, 28)]  # CBO px -> ours, round(28 R / 224)


def graph_facts(path):
    m = shape_inference.infer_shapes(onnx.load(path))
    shapes = {}
    for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    macs = 0
    for n in m.graph.node:
        if n.op_type in ("Conv", "QLinearConv"):
            w = inits[n.input[1 if n.op_type == "Conv" else 3]]
            out = shapes[n.output[0]]
            macs += int(np.prod(out)) * int(np.prod(w.shape[1:]))
        elif n.op_type == "Gemm":
            w = inits[n.input[1]]
            macs += int(np.prod(w.shape))
    weights = [a for k, a in inits.items()
               if a.size > 1 and not k.endswith("_scale") and not k.endswith("_zero_point")]
    params = sum(a.size for a in weights)
    nonzero = sum(int(np.count_nonzero(a)) for a in weights)
    raw = open(path, "rb").read()
    return {"params": params, "nonzero": nonzero, "macs": macs, "bytes": len(raw),
            "gzip": len(gzip.compress(raw, 9, mtime=0))}


def cv_net(path):
    net = cv2.dnn.readNetFromONNX(path)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    return net


def logits(net, x, bs=500):
    out = []
    for i in range(0, len(x), bs):
        net.setInput(x[i:i + bs])
        out.append(net.forward().reshape(len(x[i:i + bs]), -1).copy())
    return np.concatenate(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--forwards", type=int, default=300)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    _, _, xte_u8, yte = fm.load_data()
    xte = fm.preprocess(xte_u8)
    nets = {k: cv_net(os.path.join(fm.HERE, f)) for k, f in MODELS}

    print("| model | file | params (non-zero) | MACs / frame | bytes | gzip -9 bytes | accuracy | mean conf. | ECE | MCE |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    stats = {}
    for k, f in MODELS:
        g = graph_facts(os.path.join(fm.HERE, f))
        s = fm.calibration(logits(nets[k], xte), yte)
        stats[k] = s
        print(f"| {k} | {f} | {g['params']:,} ({g['nonzero']:,}) | {g['macs']:,} | {g['bytes']:,} | {g['gzip']:,} | "
              f"{s['accuracy']:.4f} | {s['mean_confidence']:.4f} | {s['ece']:.4f} | {s['mce']:.4f} |")

    print("\nNPU reliability (confidence bin: frames, mean confidence, accuracy):\n")
    print("| bin | frames | confidence | accuracy |")
    print("|---|---:|---:|---:|")
    for b, n, c, a in stats["npu"]["bins"]:
        print(f"| [{b / 10:.1f}, {(b + 1) / 10:.1f}{']' if b == 9 else ')'} | {n} | {c:.3f} | {a:.3f} |")

    print("\nServer accuracy after a lower resolution (shrink INTER_AREA, PNG round trip, enlarge INTER_LINEAR):\n")
    print("| R (CBO px) | " + " | ".join(str(R) for R, _ in RESOLUTIONS) + " |")
    print("|---|" + "---:|" * len(RESOLUTIONS))
    print("| r (ours) | " + " | ".join(str(r) for _, r in RESOLUTIONS) + " |")
    accs = []
    for _, r in RESOLUTIONS:
        frames = np.empty_like(xte_u8)
        for i, img in enumerate(xte_u8):
            small = cv2.resize(img, (r, r), interpolation=cv2.INTER_AREA)
            ok, png = cv2.imencode(".png", small)
            back = cv2.imdecode(png, cv2.IMREAD_GRAYSCALE)
            if not ok or not np.array_equal(back, small):
                raise SystemExit("PNG round trip is not lossless")
            frames[i] = cv2.resize(back, (fm.SIZE, fm.SIZE), interpolation=cv2.INTER_LINEAR)
        pred = logits(nets["server"], fm.preprocess(frames)).argmax(1)
        accs.append((pred == yte).mean())
    print("| server accuracy | " + " | ".join(f"{a:.4f}" for a in accs) + " |")

    x1 = xte[:1].copy()
    for net in nets.values():
        net.setInput(x1)
        for _ in range(50):
            net.forward()
    per = {k: [] for k in nets}
    cpu = {k: [] for k in nets}
    for _ in range(args.rounds):
        for k, net in nets.items():
            net.setInput(x1)
            t, c = time.perf_counter(), time.thread_time()
            for _ in range(args.forwards):
                net.forward()
            cpu[k].append((time.thread_time() - c) / args.forwards)
            per[k].append((time.perf_counter() - t) / args.forwards)
    print(f"\nLatency per frame through cv2.dnn, 1 thread ({args.rounds} rounds x {args.forwards} forwards, "
          f"load average {os.getloadavg()[0]:.1f}):\n")
    print("| model | wall median (us) | wall min (us) | wall ratio to npu | thread CPU median (us) | CPU ratio to npu |")
    print("|---|---:|---:|---:|---:|---:|")
    ratios = {k: np.median(np.array(per[k]) / np.array(per["npu"])) for k in per}
    cratios = {k: np.median(np.array(cpu[k]) / np.array(cpu["npu"])) for k in cpu}
    for k in per:
        print(f"| {k} | {np.median(per[k]) * 1e6:.1f} | {np.min(per[k]) * 1e6:.1f} | {ratios[k]:.2f} | "
              f"{np.median(cpu[k]) * 1e6:.1f} | {cratios[k]:.2f} |")


if __name__ == "__main__":
    main()
