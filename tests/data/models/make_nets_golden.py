#!/usr/bin/python3
"""Golden vectors for the ONNX backend's tests on the ApproxNet and AMVP models.

Run from the repository root (Debian's python3-torch 1.13 and OpenCV 4.6; reads the committed
checkpoints and ONNX files, trains nothing):

    /usr/bin/python3 tests/data/models/make_nets_golden.py

Writes, for 8 fixed frames (Fashion-MNIST test images 0-7):
- approxnet_golden.txt: the logits of four ApproxNet branches (examples/models/approxnet/onnx/);
- amvp_golden.txt: a part 1 -> part 2 chain of the AMVP split CNNs (examples/models/amvp/onnx/):
  the base's part 1 at split 4 (shared by several candidates), its features, and two part 2s fed by
  it (coarse4/f4 and tone3/f5), plus one unsplit model;
each output computed twice, by torch (the checkpoint, float32, eval mode) and by cv2.dnn
(OpenCV's own backend, one thread, batch 1). The script fails unless the two agree within 1e-5,
so a C++ test can hold its own output to either within 1e-4.

File format (both files): text, one record per line, fields separated by one space, '#' lines are
comments. Floats are float32 values printed with 9 significant digits (they read back exactly).
  frame <k> <test index> <label> <784 pixels as integers 0-255, row-major 28x28>
  model <id> <ONNX path from the repository root> input <N> <C> <H> <W> output <N> <K...>
  input <model id> <k> <N*C*H*W floats>: the tensor fed to a model taking an s x s frame, s < 28,
      for frame k: cv2.resize(frame, (s, s), interpolation=INTER_AREA), then / 255 in float32.
      Models taking the 28x28 frame have no input records: their input is pixel / 255.0f. A part 2
      has none either: its input is its part 1's output.
  torch <model id> <k> <floats>: torch's output
  cv2 <model id> <k> <floats>: cv2.dnn's output
  chain <part 1 id> <part 2 id>: the part 2 takes the part 1's output
For a part 2 in a chain, `cv2` is cv2.dnn's part 2 run on cv2.dnn's part-1 output (the chain as a
runtime runs it) and `torch` is torch's part 2 on torch's features.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the committed scripts

import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "examples", "models"))
sys.path.insert(0, os.path.join(ROOT, "examples", "models", "approxnet"))
sys.path.insert(0, os.path.join(ROOT, "examples", "models", "amvp"))
import nets_common as nc  # noqa: E402
import make_approxnet as ax  # noqa: E402
import make_amvp as am  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))
FRAMES = range(8)
TOL = 1e-5
BRANCHES = ((28, 4), (24, 3), (20, 2), (12, 1))


def fmt(a):
    return " ".join("%.9g" % v for v in np.asarray(a, dtype=np.float32).ravel())


def dims(shape):
    return " ".join(str(int(d)) for d in shape)


def check(name, a, b):
    d = float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
    if not d <= TOL:
        raise SystemExit(f"{name}: cv2.dnn and torch differ by {d} (> {TOL})")
    return d


def frame_lines(images, labels):
    return [f"frame {k} {i} {labels[i]} " + " ".join(str(int(p)) for p in images[i].ravel()) for k, i in enumerate(FRAMES)]


def approxnet(images, labels):
    nc.seed_everything(0)
    net = ax.load_net()
    lines = ["# ApproxNet branches (examples/models/approxnet): logits for 8 Fashion-MNIST test frames,",
             "# torch and cv2.dnn; written by /usr/bin/python3 tests/data/models/make_nets_golden.py",
             "# (format: see the script's docstring)"]
    lines += frame_lines(images, labels)
    worst = 0.0
    for s, e in BRANCHES:
        path = ax.onnx_path(s, e)
        rel = os.path.relpath(path, ROOT)
        mid = ax.branch_name(s, e)
        lines.append(f"model {mid} {rel} input 1 1 {s} {s} output 1 10")
        branch = ax.Branch(net, e).eval()
        dnn = nc.load_dnn(path)
        for k, i in enumerate(FRAMES):
            x = nc.resize_frames(images[i:i + 1], s)
            with torch.no_grad():
                t = branch(torch.from_numpy(x)).numpy()
            c = nc.dnn_forward(dnn, x)
            worst = max(worst, check(f"{mid} frame {k}", c, t))
            if s < 28:
                lines.append(f"input {mid} {k} {fmt(x)}")
            lines += [f"torch {mid} {k} {fmt(t)}", f"cv2 {mid} {k} {fmt(c)}"]
    lines.insert(3, f"# largest |cv2 - torch| over all outputs: {worst:.3g}")
    return lines


def amvp(images, labels):
    nc.seed_everything(0)
    nets, _ = am.load_models()
    with open(os.path.join(ROOT, "examples", "models", "amvp", "models.json")) as f:
        import json
        doc = json.load(f)
    by_name = {c["name"]: c for c in doc["candidates"]}
    split = 4
    p1_file = next(s["file"] for s in doc["shared_part1"] if s["layer"] == split)
    p1_rel = os.path.relpath(os.path.join(ROOT, "examples", "models", "amvp", p1_file), ROOT)
    fshape = am.feature_shape(split)
    lines = ["# AMVP split CNNs (examples/models/amvp): a shared part 1 -> two part 2s, and one unsplit model,",
             "# for 8 Fashion-MNIST test frames, torch and cv2.dnn;",
             "# written by /usr/bin/python3 tests/data/models/make_nets_golden.py (format: see the script's docstring)"]
    lines += frame_lines(images, labels)
    p1_id = f"{am.BASE}/p1_L{split}"
    lines.append(f"model {p1_id} {p1_rel} input 1 1 28 28 output {dims(fshape)}")
    p1_torch = am.Part1(nets["class10/f5"], split).eval()
    d1 = nc.load_dnn(os.path.join(ROOT, p1_rel))
    feats_t, feats_c = {}, {}
    worst = 0.0
    for k, i in enumerate(FRAMES):
        x = nc.resize_frames(images[i:i + 1], 28)
        with torch.no_grad():
            feats_t[k] = p1_torch(torch.from_numpy(x)).numpy()
        feats_c[k] = nc.dnn_forward(d1, x)
        worst = max(worst, check(f"{p1_id} frame {k}", feats_c[k], feats_t[k]))
        lines.append(f"torch {p1_id} {k} {fmt(feats_t[k])}")
        # cv2's features are not stored (they agree with torch's within the tolerance checked above)
    for cand in ("coarse4/f4", "tone3/f5"):
        c = by_name[cand]
        sp = next(s for s in c["splits"] if s["layer"] == split)
        if sp["part1"]["file"] != p1_file:
            raise SystemExit(f"{cand}: part 1 at split {split} is not the shared file")
        p2_rel = os.path.relpath(os.path.join(ROOT, "examples", "models", "amvp", sp["part2"]["file"]), ROOT)
        p2_id = f"{cand}/p2_L{split}"
        n_out = len(am.task_classes(c["task"]))
        lines.append(f"model {p2_id} {p2_rel} input {dims(fshape)} output 1 {n_out}")
        lines.append(f"chain {p1_id} {p2_id}")
        p2_torch = am.Part2(nets[cand], split).eval()
        d2 = nc.load_dnn(os.path.join(ROOT, p2_rel))
        for k in range(len(FRAMES)):
            with torch.no_grad():
                t = p2_torch(torch.from_numpy(feats_t[k])).numpy()
            cc = nc.dnn_forward(d2, feats_c[k])
            worst = max(worst, check(f"{p2_id} frame {k}", cc, t))
            lines += [f"torch {p2_id} {k} {fmt(t)}", f"cv2 {p2_id} {k} {fmt(cc)}"]
    cand = "tone3/f0"
    full_rel = os.path.relpath(os.path.join(ROOT, "examples", "models", "amvp", by_name[cand]["unsplit"]["file"]), ROOT)
    fid = f"{cand}/full"
    lines.append(f"model {fid} {full_rel} input 1 1 28 28 output 1 3")
    d = nc.load_dnn(os.path.join(ROOT, full_rel))
    for k, i in enumerate(FRAMES):
        x = nc.resize_frames(images[i:i + 1], 28)
        with torch.no_grad():
            t = nets[cand](torch.from_numpy(x)).numpy()
        cc = nc.dnn_forward(d, x)
        worst = max(worst, check(f"{fid} frame {k}", cc, t))
        lines += [f"torch {fid} {k} {fmt(t)}", f"cv2 {fid} {k} {fmt(cc)}"]
    lines.insert(3, f"# largest |cv2 - torch| over all outputs and features: {worst:.3g}")
    return lines


def main():
    import cv2
    cv2.setNumThreads(1)
    images, labels = nc.load_fashion("test")
    for name, lines in (("approxnet_golden.txt", approxnet(images, labels)), ("amvp_golden.txt", amvp(images, labels))):
        with open(os.path.join(OUT, name), "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"wrote {os.path.relpath(os.path.join(OUT, name), ROOT)}: {lines[3]}")


if __name__ == "__main__":
    main()
