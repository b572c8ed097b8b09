#!/usr/bin/python3
"""An approximation-enabled CNN after ApproxNet §4.1, trained on Fashion-MNIST, exported per branch.

Made by (from the repository root; Debian's python3-torch 1.13, OpenCV 4.6, CPU only):

    /usr/bin/python3 examples/models/approxnet/make_approxnet.py            # train, export, card
    /usr/bin/python3 examples/models/approxnet/make_approxnet.py train      # approxnet.pt, train_log.json
    /usr/bin/python3 examples/models/approxnet/make_approxnet.py export     # onnx/*.onnx, branches.json
    /usr/bin/python3 examples/models/approxnet/make_approxnet.py card       # measurements.json, MODEL_CARD.md

The network (ApproxNet §4.1, scaled down from ResNet-34 at 224 px to 28 px grey frames):
- a stem convolution (stack 0) and four residual stacks (basic blocks, stride 1, 2, 1, 2);
- an outport after each of stacks 1-4: spatial pyramid pooling (max, levels l = 1, 2, 3, window
  ceil(a/l), stride floor(a/l): the paper rule, offloadkit::spp_max_pool with spp_rule::paper)
  and one fully connected layer to the 10 classes;
- input shapes s x s x 1 for s = 28, 24, 20, 16, 12, all through the same weights;
- a branch (s, exit) exists only when the feature map at that outport has a >= 7 (§4.1: l = 3
  needs it), as Table 1 rules out settings; the others are neither trained nor exported.
Training is joint over every branch: L = sum_i (1/n_i) sum_{s at outport i} L_{s,i}, n_i = number of
input shapes supported at outport i (§4.1); each mini-batch holds 64 images for each input shape.

torch 1.13 cannot export adaptive_max_pool2d when l does not divide a, so every pooling level is a
static max_pool2d(kernel ceil(a/l), stride floor(a/l)) per branch (one ONNX file per branch, with
a static 1 x 1 x s x s input). Every ONNX file is checked against torch through cv2.dnn within 1e-4
on the whole test set.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the committed scripts

import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import nets_common as nc  # noqa: E402

SEED = 17
SHAPES = (28, 24, 20, 16, 12)
WIDTHS = (8, 8, 16, 24, 48)      # stem, stacks 1-4
STRIDES = (1, 2, 1, 2)           # stacks 1-4
LEVELS = (1, 2, 3)
MIN_MAP = 7                      # ApproxNet §4.1: a >= 7 at every outport
EPOCHS = 10
BATCH_PER_SHAPE = 64
LR = 0.05
WEIGHT_DECAY = 5e-4
CHECKPOINT = os.path.join(HERE, "approxnet.pt")
ONNX_DIR = os.path.join(HERE, "onnx")


def conv_out(a, stride):
    """Output size of a 3x3 convolution with padding 1."""
    return (a + 2 - 3) // stride + 1


def map_size(s, exit_):
    """Spatial size a of the feature map at outport `exit_` (1-based) for input s x s."""
    a = s
    for st in STRIDES[:exit_]:
        a = conv_out(a, st)
    return a


def allowed(s, exit_):
    return map_size(s, exit_) >= MIN_MAP


def layers_to(exit_):
    """Weighted layers on the main path up to and including outport `exit_`'s FC layer:
    the stem, two convolutions per stack, the FC (shortcut 1x1 convolutions not counted, as
    ResNet's layer count does not count them)."""
    return 1 + 2 * exit_ + 1


def branch_name(s, exit_):
    """Branch name in the form of docs/approx-profile-format.md: input shape / layers."""
    return f"{s}x{s}x1/{layers_to(exit_)}"


def spp_paper(x, levels=LEVELS):
    """SPP by the ApproxNet §4.1 rule with static windows: per level l, max pooling with kernel
    ceil(a/l) and stride floor(a/l), the first l x l bins kept, flattened channel-major, levels
    concatenated (the layout of offloadkit::spp_max_pool)."""
    h, w = int(x.shape[2]), int(x.shape[3])
    out = []
    for l in levels:
        p = F.max_pool2d(x, (math.ceil(h / l), math.ceil(w / l)), (h // l, w // l))
        if p.shape[2] > l or p.shape[3] > l:
            p = p[:, :, :l, :l]
        out.append(torch.flatten(p, 1))
    return torch.cat(out, 1)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ApproxNet(nn.Module):
    """Stem + 4 residual stacks, an outport (SPP + FC) after each stack."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, WIDTHS[0], 3, 1, 1, bias=False), nn.BatchNorm2d(WIDTHS[0]), nn.ReLU())
        self.stacks = nn.ModuleList(
            [BasicBlock(WIDTHS[i], WIDTHS[i + 1], STRIDES[i]) for i in range(len(STRIDES))])
        per_channel = sum(l * l for l in LEVELS)
        self.outports = nn.ModuleList([nn.Linear(WIDTHS[i + 1] * per_channel, classes) for i in range(len(STRIDES))])

    def forward(self, x, exits):
        """Logits at each outport in `exits` (1-based, increasing); stops after the last."""
        h = self.stem(x)
        out = []
        for i in range(max(exits)):
            h = self.stacks[i](h)
            if i + 1 in exits:
                out.append(self.outports[i](spp_paper(h)))
        return out


class Branch(nn.Module):
    """One approximation branch: frame (1 x 1 x s x s) -> logits at one outport."""

    def __init__(self, net, exit_):
        super().__init__()
        self.net = net
        self.exit = exit_

    def forward(self, x):
        return self.net(x, [self.exit])[0]


def branches():
    """All (s, exit) pairs, allowed or not, in a fixed order (exit, then shape decreasing)."""
    return [(s, e) for e in range(1, len(STRIDES) + 1) for s in SHAPES]


def load_net():
    net = ApproxNet()
    net.load_state_dict(torch.load(CHECKPOINT))
    net.eval()
    return net


# ---------------------------------------------------------------------------------------- train

def train():
    nc.seed_everything(SEED)
    images, labels = nc.load_fashion("train")
    frames = {s: torch.from_numpy(nc.resize_frames(images, s)) for s in SHAPES}
    targets = torch.from_numpy(labels)
    net = ApproxNet().to(memory_format=torch.channels_last)
    exits_of = {s: [e for e in range(1, len(STRIDES) + 1) if allowed(s, e)] for s in SHAPES}
    n_i = {e: sum(1 for s in SHAPES if allowed(s, e)) for e in range(1, len(STRIDES) + 1)}
    decay = [p for n, p in net.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in net.named_parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": no_decay, "weight_decay": 0.0}],
                          lr=LR, momentum=0.9, nesterov=True)
    per_step = BATCH_PER_SHAPE * len(SHAPES)
    steps_per_epoch = len(targets) // per_step
    total = EPOCHS * steps_per_epoch
    warmup = 100
    gen = torch.Generator().manual_seed(SEED)
    log = {"epochs": []}
    t_start = time.time()
    step = 0
    for epoch in range(EPOCHS):
        net.train()
        perm = torch.randperm(len(targets), generator=gen)
        sums = {}
        for k in range(steps_per_epoch):
            lr = LR * (step + 1) / warmup if step < warmup else 0.5 * LR * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))
            for g in opt.param_groups:
                g["lr"] = lr
            idx = perm[k * per_step:(k + 1) * per_step]
            opt.zero_grad(set_to_none=True)
            loss = 0.0
            for j, s in enumerate(SHAPES):
                # the j-th chunk of 64 images goes to shape (j + epoch) mod 5: every image meets
                # every shape in every five epochs
                chunk = idx[((j + epoch) % len(SHAPES)) * BATCH_PER_SHAPE:((j + epoch) % len(SHAPES) + 1) * BATCH_PER_SHAPE]
                x = frames[s][chunk].contiguous(memory_format=torch.channels_last)
                y = targets[chunk]
                outs = net(x, exits_of[s])
                for e, logits in zip(exits_of[s], outs):
                    l_si = F.cross_entropy(logits, y)
                    loss = loss + l_si / n_i[e]
                    sums[(s, e)] = sums.get((s, e), 0.0) + float(l_si)
            loss.backward()
            opt.step()
            step += 1
        entry = {"epoch": epoch + 1, "seconds": round(time.time() - t_start, 1),
                 "mean_loss": {branch_name(s, e): round(v / steps_per_epoch, 4) for (s, e), v in sorted(sums.items())}}
        log["epochs"].append(entry)
        print(f"epoch {epoch + 1}/{EPOCHS}: {entry['seconds']} s, loss at 28/exit 4 "
              f"{entry['mean_loss'][branch_name(28, 4)]}, at 12/exit 1 {entry['mean_loss'][branch_name(12, 1)]}", flush=True)
    net = net.to(memory_format=torch.contiguous_format)
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    torch.save(state, CHECKPOINT)
    log["train_seconds"] = round(time.time() - t_start, 1)
    log["steps"] = total
    log["torch"] = torch.__version__
    log["threads"] = torch.get_num_threads()
    with open(os.path.join(HERE, "train_log.json"), "w") as f:
        json.dump(log, f, indent=1)
        f.write("\n")


# --------------------------------------------------------------------------------------- export

def onnx_path(s, e):
    return os.path.join(ONNX_DIR, f"approxnet_s{s}_e{e}.onnx")


def export():
    import warnings
    nc.seed_everything(SEED)
    net = load_net()
    os.makedirs(ONNX_DIR, exist_ok=True)
    images, labels = nc.load_fashion("test")
    rows = []
    excluded = []
    for s, e in branches():
        a = map_size(s, e)
        if not allowed(s, e):
            excluded.append({"input_size": s, "exit": e, "feature_map": a,
                             "reason": f"feature map {a}x{a} at outport {e} is smaller than {MIN_MAP}x{MIN_MAP} (ApproxNet §4.1)"})
            continue
        model = Branch(net, e).eval()
        path = onnx_path(s, e)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, torch.zeros(1, 1, s, s), path, opset_version=11, input_names=["frame"],
                              output_names=["logits"], do_constant_folding=True)
        x = nc.resize_frames(images, s)
        with torch.no_grad():
            ref = torch.cat([model(torch.from_numpy(x[i:i + 1000])) for i in range(0, len(x), 1000)]).numpy()
        dnn = nc.load_dnn(path)
        got = np.concatenate([nc.dnn_forward(dnn, x[i:i + 1]) for i in range(len(x))])
        diff = float(np.max(np.abs(got - ref)))
        if not diff <= 1e-4:
            raise SystemExit(f"{path}: cv2.dnn differs from torch by {diff} (> 1e-4)")
        macs, params = nc.count_macs(model, torch.zeros(1, 1, s, s))
        rows.append({
            "name": branch_name(s, e), "file": os.path.relpath(path, HERE), "input_size": s, "exit": e,
            "layers": layers_to(e), "feature_map": a, "macs": macs, "flops": 2 * macs, "params": params,
            "onnx_values": nc.deployed_params(path), "bytes": os.path.getsize(path),
            "accuracy": round(float(np.mean(got.argmax(1) == labels)), 4),
            "accuracy_torch": round(float(np.mean(ref.argmax(1) == labels)), 4),
            "max_abs_diff_cv2_torch": float(f"{diff:.3g}"),
            "sha256": nc.sha256(path)})
        print(f"{rows[-1]['name']}: acc {rows[-1]['accuracy']:.4f}, {macs} MACs, max |cv2 - torch| {diff:.2e}", flush=True)
    doc = {
        "model": "ApproxNet-FMNIST (examples/models/approxnet)",
        "paper": "ApproxNet §4.1",
        "classes": nc.CLASS_NAMES,
        "preprocess": {"from": "28x28 grey Fashion-MNIST frame (uint8)",
                       "resize": "cv2.resize(frame, (s, s), interpolation=cv2.INTER_AREA) when s < 28",
                       "scale": 1.0 / 255.0, "mean": 0.0, "std": 1.0, "layout": "NCHW, 1 x 1 x s x s float32"},
        "output": "logits, 1 x 10 (softmax not applied)",
        "spp": {"levels": list(LEVELS), "rule": "window ceil(a/l), stride floor(a/l) (ApproxNet §4.1)", "min_feature_map": MIN_MAP},
        "accuracy_on": "Fashion-MNIST test set, 10000 frames, top-1, through cv2.dnn",
        "flops": "2 x multiply-accumulates of convolutions and FC layers (BatchNorm folded; pooling, ReLU, additions not counted)",
        "branches": rows,
        "excluded": excluded,
    }
    with open(os.path.join(HERE, "branches.json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


# ----------------------------------------------------------------------------------------- card

def card():
    with open(os.path.join(HERE, "branches.json")) as f:
        doc = json.load(f)
    with open(os.path.join(HERE, "train_log.json")) as f:
        log = json.load(f)
    note = nc.machine_note()
    images, _ = nc.load_fashion("test")
    # a real frame (the first test image) at each branch's input shape
    inputs = {b["name"]: (os.path.join(HERE, b["file"]), nc.resize_frames(images[:1], b["input_size"]))
              for b in doc["branches"]}
    lat = nc.dnn_latency(inputs, rounds=20, runs_per_round=25)
    meas = {"machine": note, "method": "cv2.dnn (OpenCV 4.6, DNN_BACKEND_OPENCV, CPU), cv2.setNumThreads(1), "
                                       "20 interleaved rounds x 25 single-frame calls per branch after 10 warm-up calls; "
                                       "median, 10th and 90th percentile of the 500 calls",
            "latency_ms": {k: {"median": round(v[0] * 1e3, 4), "p10": round(v[1] * 1e3, 4), "p90": round(v[2] * 1e3, 4)}
                           for k, v in lat.items()}}
    with open(os.path.join(HERE, "measurements.json"), "w") as f:
        json.dump(meas, f, indent=1)
        f.write("\n")
    rows = []
    for b in doc["branches"]:
        l = meas["latency_ms"][b["name"]]
        rows.append([f"`{b['name']}`", b["input_size"], b["exit"], f"{b['feature_map']}x{b['feature_map']}",
                     f"{100 * b['accuracy']:.2f}", f"{b['flops'] / 1e6:.2f}", b["params"],
                     f"{l['median']:.3f} ({l['p10']:.3f}-{l['p90']:.3f})", f"{b['bytes'] / 1024:.1f}", f"`{b['file']}`"])
    table = nc.md_table(["branch", "s", "exit", "map a", "accuracy %", "MFLOPs", "params", "latency ms median (p10-p90)",
                         "KiB", "file"], rows)
    grid_rows = []
    for s in SHAPES:
        cells = [f"{s}x{s}x1"]
        for e in range(1, len(STRIDES) + 1):
            a = map_size(s, e)
            cells.append(f"{a}x{a}x{WIDTHS[e]}" if allowed(s, e) else f"– ({a}x{a})")
        grid_rows.append(cells)
    grid = nc.md_table(["input shape"] + [f"outport {e} ({layers_to(e)} layers)" for e in range(1, len(STRIDES) + 1)], grid_rows)
    # accuracy/latency Pareto frontier of this run (no other branch at least as fast and as accurate)
    lat_of = {b["name"]: meas["latency_ms"][b["name"]]["median"] for b in doc["branches"]}
    front = [b for b in doc["branches"]
             if not any(o is not b and lat_of[o["name"]] <= lat_of[b["name"]] and o["accuracy"] >= b["accuracy"]
                        and (lat_of[o["name"]] < lat_of[b["name"]] or o["accuracy"] > b["accuracy"]) for o in doc["branches"])]
    front.sort(key=lambda b: lat_of[b["name"]])
    frontier = ", ".join(f"`{b['name']}` ({lat_of[b['name']]:.3f} ms, {100 * b['accuracy']:.2f}%)" for b in front)
    acc = {(b["input_size"], b["exit"]): b["accuracy"] for b in doc["branches"]}
    above = [f"outport {e}: {s} px ({100 * acc[(s, e)]:.2f}%) above 28 px ({100 * acc[(28, e)]:.2f}%)"
             for (s, e) in sorted(acc, key=lambda k: (k[1], -k[0])) if s != 28 and acc[(s, e)] > acc[(28, e)]]
    by_exit = all(acc[(s, e)] > acc[(s, e - 1)] for (s, e) in acc if e > 1)
    monotone = ("At every input shape, accuracy rises with the outport. " if by_exit else
                "Accuracy does not always rise with the outport. ")
    if above:
        monotone += ("At a fixed outport it is not monotone in the input shape: " + "; ".join(above) +
                     ". We did not look for the cause (one suspect: the BatchNorm statistics, shared by all shapes).")
    total_bytes = sum(b["bytes"] for b in doc["branches"])
    epochs = "\n".join(f"| {e['epoch']} | {e['seconds']} | {e['mean_loss'][branch_name(28, 4)]} | "
                       f"{e['mean_loss'][branch_name(12, 1)]} |" for e in log["epochs"])
    text = CARD.format(grid=grid, table=table, frontier=frontier, monotone=monotone, n_branches=len(doc["branches"]), n_all=len(branches()),
                       total_kib=f"{total_bytes / 1024:.1f}", machine=meas["machine"], method=meas["method"],
                       train_seconds=log["train_seconds"], steps=log["steps"], epochs=epochs, EPOCHS=EPOCHS,
                       BATCH=BATCH_PER_SHAPE, LR=LR, WD=WEIGHT_DECAY, SEED=SEED, torch=log["torch"],
                       maxdiff=f"{max(b['max_abs_diff_cv2_torch'] for b in doc['branches']):.1e}")
    with open(os.path.join(HERE, "MODEL_CARD.md"), "w") as f:
        f.write(text)
    print(table)


CARD = """# ApproxNet-FMNIST: model card

An approximation-enabled CNN after ApproxNet §4.1, trained here on Fashion-MNIST and exported as one
ONNX file per approximation branch (input shape x outport) for OpenCV 4.6's dnn module. Made by
`make_approxnet.py` in this directory (its docstring gives the commands); this card is written by
`/usr/bin/python3 examples/models/approxnet/make_approxnet.py card`, so every figure below is that
run's. Machine-readable: `branches.json` (branch name, file, input size, exit, FLOPs, accuracy,
sha256, excluded settings), `measurements.json` (latencies), `train_log.json`.

## Architecture

ApproxNet's design (a ResNet cut into stacks, an outport after each stack, SPP so that one set of
weights serves every input shape) scaled down from ResNet-34 at 224x224x3 to 28x28x1 frames:

- stack 0: 3x3 convolution 1 -> 8 channels, BatchNorm, ReLU;
- stacks 1-4: one residual basic block each (two 3x3 convolutions, BatchNorm, identity or 1x1
  projection shortcut), 8, 16, 24, 48 channels, strides 1, 2, 1, 2;
- outport i (after stack i): SPP, max pooling at levels l = 1, 2, 3 with window ceil(a/l) and
  stride floor(a/l) (§4.1; `offloadkit::spp_max_pool`, `spp_rule::paper`), 14 bins per channel,
  then one fully connected layer to the 10 classes. Layers on the main path up to outport i:
  2 + 2i (stem, two per stack, the FC), hence branch names such as `28x28x1/10`.
- input shapes s = 28, 24, 20, 16, 12 (the 28x28 frame resized with `cv2.resize(...,
  INTER_AREA)`, pixels / 255, no mean or std).

The a >= 7 rule (§4.1: the smallest map fed to an SPP layer must be at least 7x7 so that l = 3 is
meaningful) applied to the feature map at each outport, as Table 1 applies it (map shown as
a x a x channels; "–" = ruled out, with the map size it would have):

{grid}

So {n_branches} of the {n_all} combinations are branches; only those are trained and exported. (A 6x6
map would still pool to 3x3 bins with window 2 and stride 2; the rule is the paper's, kept as
stated.) At a = 8, 14, 20 the level-3 bins leave the last row and column unpooled: the paper's
rule, as `spp.hpp` documents.

## Branches

Accuracy: top-1 on the 10,000 Fashion-MNIST test frames, computed on the outputs of cv2.dnn.
MFLOPs: 2 x multiply-accumulates of the convolutions and FC layers run by the branch (BatchNorm is
folded into the convolutions at export; pooling, ReLU and additions not counted). params: weights
the branch uses (torch, before folding). Latency: {method}; {machine}. The machine is shared by
several processes, so the spread matters more than the last digit.

{table}

Accuracy/latency Pareto frontier of these measurements (the branches the scheduler of §4.4 can
usefully pick among at no contention): {frontier}. {monotone}

Every ONNX file was checked against torch on all 10,000 test frames through cv2.dnn (batch 1):
largest absolute difference of a logit {maxdiff} (required: <= 1e-4). Files: {n_branches} ONNX files,
{total_kib} KiB in total (opset 11, float32 weights; each file holds the weights up to its outport).

## Training

- Data: Fashion-MNIST training set (60,000 frames) from Debian's `dataset-fashion-mnist`
  (`/usr/share/datasets/fashion-mnist/`), no augmentation, no download; test set only for the
  figures above (no model selection was done on it: one run, fixed recipe).
- Joint loss of §4.1: L = sum over outports i of (1/n_i) sum over the input shapes s allowed at i of
  the softmax loss L_(s,i); n_i = number of shapes allowed at outport i, so each outport weighs the
  same. Every mini-batch holds {BATCH} frames for each of the five input shapes (§4.1: "64 images for
  each of the 7 different shapes"); each image of the epoch's permutation goes to one shape, and the
  shape an image goes to rotates from epoch to epoch, so every five epochs every image meets
  every shape once.
- BatchNorm statistics are shared by all shapes (one set of weights and statistics, as §4.1's
  "single DNN model").
- SGD, Nesterov momentum 0.9, weight decay {WD} (weights only), learning rate {LR} with 100 steps of
  linear warm-up then cosine decay to 0, {EPOCHS} epochs = {steps} steps; seed {SEED}; torch {torch}
  on the CPU with one thread (`nets_common.seed_everything` says why: on this shared machine
  two threads were 9x slower), `torch.use_deterministic_algorithms(True)`.
- Training time on this machine: {train_seconds} s wall clock (the two cores were shared with other
  jobs; the process got roughly a third of one core).

| epoch | seconds since start | mean loss 28x28x1/10 | mean loss 12x12x1/4 |
|---|---|---|---|
{epochs}

## Reproducing

Needs Debian 12's `python3-torch` (1.13), `python3-onnx`, `python3-opencv` (4.6), `python3-numpy`
and `dataset-fashion-mnist`; no network. From the repository root:

    /usr/bin/python3 examples/models/approxnet/make_approxnet.py

re-trains (`approxnet.pt`, `train_log.json`), re-exports (`onnx/`, `branches.json`) and re-measures
(`measurements.json`, this card). Training and export are deterministic on this machine (same
torch, same thread count): the re-run gave byte-identical `approxnet.pt`, ONNX files and
`branches.json` (compare the sha256 in `branches.json`); latencies and training time differ run to
run.

## Limits

- 28x28 grey frames and ten classes: the accuracy/latency trade-off has the shape of the paper's
  Table 2 (deeper outports are more accurate and slower; larger shapes are slower and, except as
  noted above, more accurate) at a far smaller scale: a branch runs in well under a millisecond,
  so a runtime's per-call overhead is a visible share of it.
- One model, one training run: the accuracy differences between neighbouring branches that are
  below about 0.5 points are within what another seed would change.
"""


if __name__ == "__main__":
    stage = sys.argv[1] if len(sys.argv) > 1 else "all"
    if stage not in ("all", "train", "export", "card"):
        sys.stderr.write("usage: make_approxnet.py [all|train|export|card]\n")
        sys.exit(2)
    if stage in ("all", "train"):
        train()
    if stage in ("all", "export"):
        export()
    if stage in ("all", "card"):
        card()
