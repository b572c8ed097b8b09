#!/usr/bin/python3
"""Split CNNs for AMVP (§IV-A transfer-learning candidates, §IV-B split points), on Fashion-MNIST.

Made by (from the repository root; Debian's python3-torch 1.13, OpenCV 4.6, CPU only):

    /usr/bin/python3 examples/models/amvp/make_amvp.py            # train, export, card
    /usr/bin/python3 examples/models/amvp/make_amvp.py train      # amvp.pt, train_log.json
    /usr/bin/python3 examples/models/amvp/make_amvp.py export     # onnx/*.onnx, models.json
    /usr/bin/python3 examples/models/amvp/make_amvp.py card       # measurements.json, MODEL_CARD.md

Three tasks on the same 28x28 frames:
- class10: the ten Fashion-MNIST classes (the base model's own task);
- coarse4: upper-body garment / legwear or dress / footwear / bag (a coarsening of class10);
- tone3: the item's tone in the original photo, light / medium / dark: terciles (over the
  training set) of the mean of the frame's pixels above 25. Fashion-MNIST frames are negatives,
  so a high mean is a dark item. Not a function of the class: a T-shirt can be any tone.

One base model ("fmnet", MobileNet-style: a 3x3 convolution then four depthwise-separable blocks,
global average pooling and one FC layer; 6 layers, the FC being layer 6) is trained on class10.
The candidates of coarse4 and tone3 freeze the base's first k layers (k = 0 ... 5: strategy 1 is
k = 0, strategy 3 is 0 < k < 5, strategy 2 is k = 5, AMVP Fig. 5) and train the rest (initialised
from the base) with a new classifier, on 500 frames per category as AMVP §V-A trains each task.
Frozen layers keep the base's weights and BatchNorm statistics bit for bit, so part 1 up to
layer j <= k is the same network in every candidate and can be shared (AMVP §IV-A); the export
checks that the ONNX bytes are identical and writes each shared part 1 once.

Split points after layers 1, 2, 3, 4 and 5 (§IV-B: the last layer of a block), plus the unsplit
model (layer 6): part 1 (FE) = frame -> features, part 2 (FI) = features -> logits. Every part-1 ->
part-2 chain and every unsplit model is checked against torch through cv2.dnn within 1e-4.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the committed scripts

import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import nets_common as nc  # noqa: E402

SEED = 18
CHECKPOINT = os.path.join(HERE, "amvp.pt")
ONNX_DIR = os.path.join(HERE, "onnx")
BASE = "fmnet"
LAYERS = 6                      # 5 feature layers + the classifier
SPLITS = (1, 2, 3, 4, 5)        # split after layer j; LAYERS = unsplit
FREEZES = (0, 1, 2, 3, 4, 5)    # candidates of coarse4 and tone3
WIDTHS = (16, 32, 32, 64, 64)
STRIDES = (1, 2, 1, 2, 1)
BASE_EPOCHS = 8
BASE_BATCH = 128
BASE_LR = 0.1
TASK_PER_CATEGORY = 500
TASK_EPOCHS = 30
TASK_BATCH = 50
TASK_LR = 0.02
WEIGHT_DECAY = 5e-4
TONE_MIN_PIXEL = 25

COARSE4 = {"names": ["upper-body garment", "legwear or dress", "footwear", "bag"],
           "of_class": [0, 1, 0, 1, 0, 2, 0, 2, 3, 2]}
TASKS = ("class10", "coarse4", "tone3")


def tone_values(images):
    """Mean of each frame's pixels above TONE_MIN_PIXEL (0 when there is none)."""
    x = images.reshape(len(images), -1).astype(np.float64)
    mask = x > TONE_MIN_PIXEL
    n = mask.sum(1)
    return np.where(n > 0, (x * mask).sum(1) / np.maximum(n, 1), 0.0)


def task_labels(task, images, labels, tone_cuts):
    if task == "class10":
        return labels
    if task == "coarse4":
        return np.array(COARSE4["of_class"], dtype=np.int64)[labels]
    v = tone_values(images)
    return np.searchsorted(np.asarray(tone_cuts), v, side="right").astype(np.int64)


def task_classes(task):
    return {"class10": nc.CLASS_NAMES, "coarse4": COARSE4["names"],
            "tone3": ["light (low mean in the negative frame)", "medium", "dark (high mean)"]}[task]


def conv_bn_relu(cin, cout, k, stride, groups=1):
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def make_layer(i):
    """Feature layer i (0-based): layer 0 a 3x3 convolution, the others depthwise-separable."""
    cin = 1 if i == 0 else WIDTHS[i - 1]
    cout = WIDTHS[i]
    if i == 0:
        return nn.Sequential(*conv_bn_relu(cin, cout, 3, STRIDES[i]))
    return nn.Sequential(*conv_bn_relu(cin, cin, 3, STRIDES[i], groups=cin), *conv_bn_relu(cin, cout, 1, 1))


class FMNet(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.features = nn.ModuleList([make_layer(i) for i in range(len(WIDTHS))])
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(WIDTHS[-1], classes))

    def forward(self, x):
        for f in self.features:
            x = f(x)
        return self.classifier(x)


class Part1(nn.Module):
    """Layers 1..j: frame -> features (AMVP's FE)."""

    def __init__(self, net, j):
        super().__init__()
        self.layers = nn.ModuleList(net.features[:j])

    def forward(self, x):
        for f in self.layers:
            x = f(x)
        return x


class Part2(nn.Module):
    """Layers j+1..6: features -> logits (AMVP's FI)."""

    def __init__(self, net, j):
        super().__init__()
        self.layers = nn.ModuleList(net.features[j:])
        self.classifier = net.classifier

    def forward(self, x):
        for f in self.layers:
            x = f(x)
        return self.classifier(x)


def feature_shape(j):
    a = 28
    for st in STRIDES[:j]:
        a = (a + 2 - 3) // st + 1
    return [1, WIDTHS[j - 1], a, a]


def candidate_list():
    """(name, task, frozen layers); the base model is class10's candidate: all five feature layers
    are the base's, so it shares part 1 with every candidate at every split up to k."""
    out = [("class10/f5", "class10", 5)]
    for task in ("coarse4", "tone3"):
        out += [(f"{task}/f{k}", task, k) for k in FREEZES]
    return out


def stem(name):
    return name.replace("/", "_")


# ---------------------------------------------------------------------------------------- train

def balanced_subset(y, per_category, gen):
    idx = []
    for c in range(int(y.max()) + 1):
        members = np.flatnonzero(y == c)
        pick = torch.randperm(len(members), generator=gen)[:per_category].numpy()
        idx.append(members[np.sort(pick)])
    return np.sort(np.concatenate(idx))


def run_epochs(net, params, x, y, epochs, batch, lr, gen, frozen=0, log=None, tag=""):
    decay = [p for p in params if p.dim() > 1]
    no_decay = [p for p in params if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": no_decay, "weight_decay": 0.0}],
                          lr=lr, momentum=0.9, nesterov=True)
    steps_per_epoch = len(y) // batch
    total = epochs * steps_per_epoch
    step = 0
    for epoch in range(epochs):
        net.train()
        for f in net.features[:frozen]:
            f.eval()  # frozen BatchNorm statistics stay the base's
        perm = torch.randperm(len(y), generator=gen)
        running = 0.0
        for k in range(steps_per_epoch):
            for g in opt.param_groups:
                g["lr"] = 0.5 * lr * (1 + np.cos(np.pi * step / total))
            idx = perm[k * batch:(k + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            running += float(loss)
            step += 1
        if log is not None:
            log.append({"model": tag, "epoch": epoch + 1, "mean_loss": round(running / steps_per_epoch, 4)})
    net.eval()


def train():
    nc.seed_everything(SEED)
    gen = torch.Generator().manual_seed(SEED)
    images, labels = nc.load_fashion("train")
    x_all = torch.from_numpy(nc.resize_frames(images, 28))
    tone_cuts = [float(v) for v in np.quantile(tone_values(images), [1 / 3, 2 / 3])]
    log = {"epochs": [], "seconds": {}}
    t0 = time.time()
    base = FMNet(10)
    run_epochs(base, list(base.parameters()), x_all, torch.from_numpy(labels), BASE_EPOCHS, BASE_BATCH, BASE_LR, gen,
               log=log["epochs"], tag="class10/f5")
    log["seconds"]["class10/f5"] = round(time.time() - t0, 1)
    print(f"base: {log['seconds']['class10/f5']} s, last loss {log['epochs'][-1]['mean_loss']}", flush=True)
    states = {"class10/f5": base.state_dict()}
    subsets = {}
    for name, task, k in candidate_list()[1:]:
        t1 = time.time()
        y_all = task_labels(task, images, labels, tone_cuts)
        if task not in subsets:
            subsets[task] = balanced_subset(y_all, TASK_PER_CATEGORY, gen)
        idx = subsets[task]
        net = FMNet(len(task_classes(task)))
        sd = {key: v for key, v in base.state_dict().items() if key.startswith("features.")}
        net.load_state_dict(sd, strict=False)  # the classifier keeps its seeded initialisation
        for f in net.features[:k]:
            for p in f.parameters():
                p.requires_grad_(False)
        params = [p for p in net.parameters() if p.requires_grad]
        run_epochs(net, params, x_all[idx], torch.from_numpy(y_all[idx]), TASK_EPOCHS, TASK_BATCH, TASK_LR, gen,
                   frozen=k, log=log["epochs"], tag=name)
        for key, v in net.state_dict().items():
            layer = int(key.split(".")[1]) if key.startswith("features.") else None
            if layer is not None and layer < k and not torch.equal(v, base.state_dict()[key]):
                raise SystemExit(f"{name}: frozen tensor {key} changed during training")
        states[name] = net.state_dict()
        log["seconds"][name] = round(time.time() - t1, 1)
        print(f"{name}: {log['seconds'][name]} s, last loss {log['epochs'][-1]['mean_loss']}", flush=True)
    torch.save({"states": states, "tone_cuts": tone_cuts,
                "subsets": {t: torch.from_numpy(v) for t, v in subsets.items()}}, CHECKPOINT)
    log["train_seconds"] = round(time.time() - t0, 1)
    log["torch"] = torch.__version__
    log["threads"] = torch.get_num_threads()
    with open(os.path.join(HERE, "train_log.json"), "w") as f:
        json.dump(log, f, indent=1)
        f.write("\n")


def load_models():
    ck = torch.load(CHECKPOINT)
    nets = {}
    for name, task, k in candidate_list():
        net = FMNet(len(task_classes(task)))
        net.load_state_dict(ck["states"][name])
        net.eval()
        nets[name] = net
    return nets, ck


# --------------------------------------------------------------------------------------- export

def export_onnx(module, shape, path):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), torch.zeros(*shape), path, opset_version=11, input_names=["input"],
                          output_names=["output"], do_constant_folding=True)


def part_info(module, shape, path, rel):
    macs, params = nc.count_macs(module, torch.zeros(*shape))
    return {"file": rel, "macs": macs, "flops": 2 * macs, "params": params, "weight_bytes": 4 * nc.deployed_params(path),
            "bytes": os.path.getsize(path), "sha256": nc.sha256(path)}


def export():
    nc.seed_everything(SEED)
    nets, ck = load_models()
    os.makedirs(ONNX_DIR, exist_ok=True)
    tmp = os.path.join(ONNX_DIR, ".tmp.onnx")
    images, labels = nc.load_fashion("test")
    x = nc.resize_frames(images, 28)
    check = x[:500]  # chains are checked on the first 500 test frames, the unsplit models on all
    shared = {}      # split j -> {"file", "sha256", "candidates"}
    cands = []
    for name, task, k in candidate_list():
        net = nets[name]
        y = task_labels(task, images, labels, ck["tone_cuts"])
        full_path = os.path.join(ONNX_DIR, f"{stem(name)}_full.onnx")
        export_onnx(net, (1, 1, 28, 28), full_path)
        with torch.no_grad():
            ref = net(torch.from_numpy(x)).numpy()
        dnn = nc.load_dnn(full_path)
        got = np.concatenate([nc.dnn_forward(dnn, x[i:i + 1]) for i in range(len(x))])
        diff = float(np.max(np.abs(got - ref)))
        if not diff <= 1e-4:
            raise SystemExit(f"{full_path}: cv2.dnn differs from torch by {diff}")
        entry = {"name": name, "task": task, "base": BASE, "frozen_layers": k,
                 "accuracy": round(float(np.mean(got.argmax(1) == y)), 4),
                 "accuracy_torch": round(float(np.mean(ref.argmax(1) == y)), 4),
                 "unsplit": {"layer": LAYERS, **part_info(net, (1, 1, 28, 28), full_path, os.path.relpath(full_path, HERE))},
                 "max_abs_diff_cv2_torch": diff, "splits": []}
        for j in SPLITS:
            p1, p2 = Part1(net, j), Part2(net, j)
            fshape = feature_shape(j)
            export_onnx(p1, (1, 1, 28, 28), tmp)
            h = nc.sha256(tmp)
            if name == candidate_list()[0][0]:
                # the base's part 1: the shared feature extractor of split j
                p1_path = os.path.join(ONNX_DIR, f"{BASE}_p1_L{j}.onnx")
                os.replace(tmp, p1_path)
                shared[j] = {"layer": j, "file": os.path.relpath(p1_path, HERE), "sha256": h, "candidates": [name]}
            elif j <= k:
                # frozen up to j: must be byte-identical to the base's part 1
                if shared[j]["sha256"] != h:
                    raise SystemExit(f"{name}: part 1 at split {j} differs from the base's although layers 1..{j} are frozen")
                shared[j]["candidates"].append(name)
                p1_path = os.path.join(HERE, shared[j]["file"])
                os.remove(tmp)
            else:
                p1_path = os.path.join(ONNX_DIR, f"{stem(name)}_p1_L{j}.onnx")
                os.replace(tmp, p1_path)
            p2_path = os.path.join(ONNX_DIR, f"{stem(name)}_p2_L{j}.onnx")
            export_onnx(p2, tuple(fshape), p2_path)
            d1, d2 = nc.load_dnn(p1_path), nc.load_dnn(p2_path)
            chain_diff = feat_diff = 0.0
            with torch.no_grad():
                feats_ref = p1(torch.from_numpy(check)).numpy()
                logits_ref = p2(torch.from_numpy(feats_ref)).numpy()
            for i in range(len(check)):
                f = nc.dnn_forward(d1, check[i:i + 1])
                o = nc.dnn_forward(d2, f)
                feat_diff = max(feat_diff, float(np.max(np.abs(f - feats_ref[i:i + 1]))))
                chain_diff = max(chain_diff, float(np.max(np.abs(o - logits_ref[i:i + 1]))))
            if not (feat_diff <= 1e-4 and chain_diff <= 1e-4):
                raise SystemExit(f"{name} split {j}: cv2.dnn differs from torch (features {feat_diff}, logits {chain_diff})")
            entry["splits"].append({
                "layer": j, "feature_shape": fshape, "feature_bytes": 4 * int(np.prod(fshape)),
                "part1": part_info(p1, (1, 1, 28, 28), p1_path, os.path.relpath(p1_path, HERE)),
                "part2": part_info(p2, tuple(fshape), p2_path, os.path.relpath(p2_path, HERE)),
                "part1_shared_with_base": j <= k,
                "max_abs_diff_features": float(f"{feat_diff:.3g}"), "max_abs_diff_logits": float(f"{chain_diff:.3g}")})
        cands.append(entry)
        print(f"{name}: accuracy {entry['accuracy']:.4f}, max |cv2 - torch| {diff:.2e}", flush=True)
    doc = {
        "base_model": {"name": BASE, "layers": LAYERS, "split_layers": list(SPLITS) + [LAYERS],
                       "layer_kinds": ["conv3x3 1->16", "dw3x3/2 + pw 16->32", "dw3x3 + pw 32->32", "dw3x3/2 + pw 32->64",
                                       "dw3x3 + pw 64->64", "global average pool + FC 64->classes"],
                       "trained_on": "class10"},
        "paper": "AMVP §IV-A (transfer-learning candidates, layer sharing), §IV-B (split points, FE/FI)",
        "preprocess": {"from": "28x28 grey Fashion-MNIST frame (uint8)", "scale": 1.0 / 255.0, "mean": 0.0, "std": 1.0,
                       "layout": "NCHW, 1 x 1 x 28 x 28 float32"},
        "parts": "part 1 (FE): frame -> features (NCHW float32, shape feature_shape); part 2 (FI): features -> logits",
        "accuracy_on": "Fashion-MNIST test set, 10000 frames, top-1, unsplit model through cv2.dnn (every split gives the same "
                       "outputs within 1e-4)",
        "flops": "2 x multiply-accumulates of convolutions and FC layers (BatchNorm folded; pooling, ReLU not counted)",
        "tasks": [{"name": t, "classes": task_classes(t),
                   "definition": {"class10": "Fashion-MNIST label",
                                  "coarse4": "class -> " + ", ".join(f"{nc.CLASS_NAMES[c]}: {COARSE4['names'][g]}" for c, g in enumerate(COARSE4["of_class"])),
                                  "tone3": f"terciles of the mean of the pixels > {TONE_MIN_PIXEL}, cuts {[round(v, 4) for v in ck['tone_cuts']]} "
                                           "(training set); label = number of cuts <= value"}[t]}
                  for t in TASKS],
        "candidates": cands,
        "shared_part1": [shared[j] for j in SPLITS],
    }
    with open(os.path.join(HERE, "models.json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


# ----------------------------------------------------------------------------------------- card

def card():
    with open(os.path.join(HERE, "models.json")) as f:
        doc = json.load(f)
    with open(os.path.join(HERE, "train_log.json")) as f:
        log = json.load(f)
    note = nc.machine_note()
    images, _ = nc.load_fashion("test")
    frame = nc.resize_frames(images[:1], 28)
    # a real frame (the first test image); each part 2 gets its part 1's features of that frame
    inputs = {}
    for c in doc["candidates"]:
        inputs[c["unsplit"]["file"]] = (os.path.join(HERE, c["unsplit"]["file"]), frame)
        for s in c["splits"]:
            p1 = os.path.join(HERE, s["part1"]["file"])
            inputs[s["part1"]["file"]] = (p1, frame)
            inputs[s["part2"]["file"]] = (os.path.join(HERE, s["part2"]["file"]), nc.dnn_forward(nc.load_dnn(p1), frame))
    lat = nc.dnn_latency(inputs, rounds=10, runs_per_round=25)
    meas = {"machine": note, "method": "cv2.dnn (OpenCV 4.6, DNN_BACKEND_OPENCV, CPU), cv2.setNumThreads(1), "
                                       "10 interleaved rounds x 25 single-frame calls per file after 10 warm-up calls; "
                                       "median, 10th and 90th percentile of the 250 calls",
            "latency_ms": {k: {"median": round(v[0] * 1e3, 4), "p10": round(v[1] * 1e3, 4), "p90": round(v[2] * 1e3, 4)}
                           for k, v in sorted(lat.items())}}
    with open(os.path.join(HERE, "measurements.json"), "w") as f:
        json.dump(meas, f, indent=1)
        f.write("\n")
    L = meas["latency_ms"]
    acc_rows = []
    for c in doc["candidates"]:
        sh = [str(s["layer"]) for s in c["splits"] if s["part1_shared_with_base"]]
        acc_rows.append([f"`{c['name']}`", c["task"], c["frozen_layers"], f"{100 * c['accuracy']:.2f}",
                         ", ".join(sh) if sh else "none", c["unsplit"]["params"], f"{c['unsplit']['flops'] / 1e6:.3f}",
                         f"{L[c['unsplit']['file']]['median']:.3f}"])
    acc_table = nc.md_table(["candidate", "task", "frozen layers", "accuracy %", "part 1 shared with the base at splits",
                             "params", "MFLOPs", "unsplit latency ms"], acc_rows)
    split_rows = []
    for c in doc["candidates"]:
        for s in c["splits"]:
            p1, p2 = s["part1"], s["part2"]
            split_rows.append([f"`{c['name']}`", s["layer"], "x".join(str(v) for v in s["feature_shape"][1:]),
                               s["feature_bytes"], f"{p1['flops'] / 1e3:.1f}", f"{p2['flops'] / 1e3:.1f}",
                               p1["params"], p2["params"], f"{p1['weight_bytes'] / 1024:.1f}", f"{p2['weight_bytes'] / 1024:.1f}",
                               f"{L[p1['file']]['median']:.3f}", f"{L[p2['file']]['median']:.3f}",
                               f"`{os.path.basename(p1['file'])}`{' (shared)' if s['part1_shared_with_base'] else ''}",
                               f"`{os.path.basename(p2['file'])}`"])
    split_table = nc.md_table(["candidate", "split after layer", "features CxHxW", "feature bytes (fp32)", "P1 kFLOPs",
                               "P2 kFLOPs", "P1 params", "P2 params", "P1 weights KiB", "P2 weights KiB", "P1 ms",
                               "P2 ms", "part 1 file", "part 2 file"], split_rows)
    shared_rows = [[s["layer"], f"`{os.path.basename(s['file'])}`", s["sha256"][:16], ", ".join(f"`{n}`" for n in s["candidates"])]
                   for s in doc["shared_part1"]]
    shared_table = nc.md_table(["split after layer", "file", "sha256 (first 16)", "used by"], shared_rows)
    files = sorted(set(os.path.join(HERE, f["file"]) for c in doc["candidates"]
                       for f in [c["unsplit"]] + [s["part1"] for s in c["splits"]] + [s["part2"] for s in c["splits"]]))
    total = sum(os.path.getsize(p) for p in files)
    per_task = {}
    for e in log["epochs"]:
        per_task[e["model"]] = e["mean_loss"]
    findings = []
    span = {}
    for task in ("coarse4", "tone3"):
        cs = sorted((c for c in doc["candidates"] if c["task"] == task), key=lambda c: c["frozen_layers"])
        findings.append(f"- {task}: " + ", ".join(f"k = {c['frozen_layers']}: {100 * c['accuracy']:.2f}%" for c in cs))
        span[task] = (100 * min(c["accuracy"] for c in cs), 100 * max(c["accuracy"] for c in cs),
                      100 * cs[0]["accuracy"], 100 * cs[-1]["accuracy"])
    findings.append("")
    findings.append(
        f"coarse4 is a coarsening of class10, so the base's features already carry it: all six candidates lie "
        f"within {span['coarse4'][1] - span['coarse4'][0]:.2f} points ({span['coarse4'][0]:.2f}-{span['coarse4'][1]:.2f}%), "
        f"so freezing the whole base and sharing all of part 1 costs nothing measurable. tone3 goes from "
        f"{span['tone3'][2]:.2f}% with nothing frozen to {span['tone3'][3]:.2f}% with the whole base frozen: the layers "
        f"trained for the classes do not keep what tone needs, so every layer shared with the base costs tone3 "
        f"accuracy. That is the trade-off between shared layers and accuracy that AMVP's model selection weighs (§IV-A).")
    # the candidates have the same architecture: how far apart are their part latencies?
    spread = 0.0
    for j in range(len(SPLITS)):
        for part in ("part1", "part2"):
            v = [L[c["splits"][j][part]["file"]]["median"] for c in doc["candidates"]]
            spread = max(spread, (max(v) - min(v)) / min(v))
    v = [L[c["unsplit"]["file"]]["median"] for c in doc["candidates"]]
    spread = max(spread, (max(v) - min(v)) / min(v))
    base = doc["candidates"][0]
    base_rows = [[s["layer"], "x".join(str(v) for v in s["feature_shape"][1:]), s["feature_bytes"],
                  f"{s['part1']['flops'] / 1e3:.1f}", f"{s['part2']['flops'] / 1e3:.1f}",
                  f"{s['part1']['weight_bytes'] / 1024:.1f}", f"{s['part2']['weight_bytes'] / 1024:.1f}",
                  f"{L[s['part1']['file']]['median']:.3f}", f"{L[s['part2']['file']]['median']:.3f}"]
                 for s in base["splits"]]
    base_rows.append([f"{LAYERS} (unsplit)", "-", "-", f"{base['unsplit']['flops'] / 1e3:.1f}", "-",
                      f"{base['unsplit']['weight_bytes'] / 1024:.1f}", "-", f"{L[base['unsplit']['file']]['median']:.3f}", "-"])
    base_table = nc.md_table(["split after layer", "features CxHxW", "feature bytes (fp32)", "P1 kFLOPs", "P2 kFLOPs",
                              "P1 weights KiB", "P2 weights KiB", "P1 ms", "P2 ms"], base_rows)
    text = CARD.format(acc_table=acc_table, split_table=split_table, base_table=base_table, findings="\n".join(findings), spread=100 * spread, shared_table=shared_table, n_files=len(files),
                       total_kib=f"{total / 1024:.1f}", machine=meas["machine"], method=meas["method"],
                       train_seconds=log["train_seconds"], base_seconds=log["seconds"]["class10/f5"],
                       tone_cuts=next(t["definition"] for t in doc["tasks"] if t["name"] == "tone3"),
                       coarse=next(t["definition"] for t in doc["tasks"] if t["name"] == "coarse4"),
                       BASE_EPOCHS=BASE_EPOCHS, BASE_BATCH=BASE_BATCH, BASE_LR=BASE_LR, TASK_EPOCHS=TASK_EPOCHS,
                       TASK_BATCH=TASK_BATCH, TASK_LR=TASK_LR, PER=TASK_PER_CATEGORY, WD=WEIGHT_DECAY, SEED=SEED,
                       torch=log["torch"],
                       maxdiff=f"{max(max(s['max_abs_diff_logits'] for s in c['splits']) for c in doc['candidates']):.1e}",
                       maxdiff_full=f"{max(c['max_abs_diff_cv2_torch'] for c in doc['candidates']):.1e}")
    with open(os.path.join(HERE, "MODEL_CARD.md"), "w") as f:
        f.write(text)
    print(acc_table)
    print(split_table)


CARD = """# AMVP split CNNs on Fashion-MNIST: model card

Transfer-learning candidates after AMVP §IV-A for three tasks on the same frames, each split at
every split point as §IV-B's (FE, FI) pairs and exported as ONNX for OpenCV 4.6's dnn module. Made
by `make_amvp.py` in this directory (its docstring gives the commands); this card is written by
`/usr/bin/python3 examples/models/amvp/make_amvp.py card`, so every figure below is that run's.
Machine-readable: `models.json` (tasks, candidates, split points, files, FLOPs, feature shapes,
sha256, shared part 1s), `measurements.json` (latencies), `train_log.json`.

## Tasks (same 28x28 frames, Fashion-MNIST)

- **class10** — the ten Fashion-MNIST classes. The base model's own task.
- **coarse4** — {coarse}. A coarsening of class10, the "simpler task" of the set (AMVP's
  GenderNet plays this role in §V): the base's features already separate it.
- **tone3** — the item's tone in the original photo: {tone_cuts}. Fashion-MNIST frames are
  negatives of the photos, so a high mean is a dark item. Chosen because it is *not* a function of
  the class (any garment comes in any tone) and rests on intensity, which the class task does not
  need and its deeper layers may discard: it is the task for which freezing more of the base can
  cost accuracy, i.e. the sharing-versus-accuracy trade-off of §IV-A. "Has sleeves" or
  upper/lower body would have been one more coarsening of the class labels, adding nothing that
  coarse4 does not show.

## Base model and candidates

`fmnet`, MobileNet-style (AMVP's base models are mobileNetV2 and resNet50V2), 6 layers:

| layer | kind | output (CxHxW) |
|---|---|---|
| 1 | 3x3 convolution 1 -> 16, BatchNorm, ReLU | 16x28x28 |
| 2 | depthwise 3x3 stride 2 + pointwise 16 -> 32 (each BatchNorm, ReLU) | 32x14x14 |
| 3 | depthwise 3x3 + pointwise 32 -> 32 | 32x14x14 |
| 4 | depthwise 3x3 stride 2 + pointwise 32 -> 64 | 64x7x7 |
| 5 | depthwise 3x3 + pointwise 64 -> 64 | 64x7x7 |
| 6 | global average pooling + FC 64 -> classes (the classifier) | classes |

Input: the 28x28 frame as float pixels / 255 (no mean or std), 1x1x28x28.

- The base is trained on class10 and is class10's candidate `class10/f5` (its five feature layers
  are the base's, so it shares part 1 with every other candidate wherever they freeze).
- coarse4 and tone3 each get six candidates `<task>/f<k>`, k = 0 ... 5: layers 1..k frozen at the
  base's weights *and BatchNorm statistics* (the frozen layers stay in eval mode during training),
  layers k+1..5 fine-tuned from the base's weights, a new classifier (AMVP Fig. 5: k = 0 is
  strategy 1, k = 5 strategy 2, the others strategy 3). The training script checks that every
  frozen tensor is unchanged; the export checks that part 1 at every split j <= k is byte for byte
  the base's ONNX file, and writes it once.
- Split points after layers 1-5 (the end of each block, as AMVP §V-B's); the unsplit model is
  split layer 6. Part 2 of split 5 is the classifier alone.

## Accuracy per candidate

Top-1 on the 10,000 test frames, through cv2.dnn (the unsplit model; every split computes the same
function: part 1 -> part 2 agrees with torch within {maxdiff} on the first 500 test frames, the
unsplit models within {maxdiff_full} on all 10,000). Latency: see below.

{acc_table}

Accuracy against the number of frozen layers k (AMVP Fig. 9's question):

{findings}

## Split points

The base model (`class10/f5`) at each split point; the candidates share its architecture, so their
FLOPs, feature shapes and weight sizes are the same, and the medians of the same part across
candidates differ by at most {spread:.1f}% in this run (full table below):

{base_table}

Per candidate and split point: feature tensor between the parts (raw float32 bytes, before any
quantization), FLOPs (2 x multiply-accumulates of convolutions and FC layers, BatchNorm folded)
and parameters of each part, weight memory of each part (float32 values stored in its ONNX file),
median latency of each part through cv2.dnn with one thread. Peak activation memory is not
listed: the largest tensor any part holds is the 16x28x28 float map (50,176 bytes); the profiler
(issue 18 §2) measures the runtime memory. {method}; {machine}. The machine is shared with other
jobs: read latencies to within about 10-20%.

{split_table}

## Shareable part 1s

Part 1 at split j of every candidate with k >= j is the base's, byte for byte (one file):

{shared_table}

Files: {n_files} ONNX files, {total_kib} KiB in total (opset 11, float32 weights).

## Training

- Data: Fashion-MNIST (Debian's `dataset-fashion-mnist`, `/usr/share/datasets/fashion-mnist/`),
  no augmentation, no download. Test set only for the figures above (one fixed recipe, no model
  selection on it).
- Base (class10): all 60,000 training frames, {BASE_EPOCHS} epochs, batch {BASE_BATCH}, SGD with Nesterov
  momentum 0.9, learning rate {BASE_LR} with cosine decay to 0, weight decay {WD} (weights only);
  {base_seconds} s.
- Candidates (coarse4, tone3): {PER} training frames per category (balanced, drawn from the training
  set with the seeded generator; AMVP §V-A trains each task on 500 images per category), {TASK_EPOCHS}
  epochs, batch {TASK_BATCH}, same optimizer at learning rate {TASK_LR}.
- Seed {SEED}; torch {torch} on the CPU with one thread (`nets_common.seed_everything` says why),
  `torch.use_deterministic_algorithms(True)`. Total training time on this machine: {train_seconds} s
  wall clock (the two cores were shared with other jobs; the process got roughly a third of one core).

## Reproducing

Needs Debian 12's `python3-torch` (1.13), `python3-onnx`, `python3-opencv` (4.6), `python3-numpy`
and `dataset-fashion-mnist`; no network. From the repository root:

    /usr/bin/python3 examples/models/amvp/make_amvp.py

re-trains (`amvp.pt`, `train_log.json`), re-exports (`onnx/`, `models.json`) and re-measures
(`measurements.json`, this card). Training and export are deterministic on this machine: the
re-run gave byte-identical `amvp.pt`, ONNX files and `models.json`; latencies and times differ.

## Limits

- Tiny frames and networks: part latencies are tens to hundreds of microseconds, so per-call
  overhead of the runtime is a visible share of them; AMVP's phones ran parts of 100 ms and more.
- Accuracy does not depend on the split point here (no quantization yet); issue 18 §2 measures the
  accuracy of each split with n-bit features.
- One training run per candidate: differences below about half a point between neighbouring
  candidates are within what another seed would change.
"""


if __name__ == "__main__":
    stage = sys.argv[1] if len(sys.argv) > 1 else "all"
    if stage not in ("all", "train", "export", "card"):
        sys.stderr.write("usage: make_amvp.py [all|train|export|card]\n")
        sys.exit(2)
    if stage in ("all", "train"):
        train()
    if stage in ("all", "export"):
        export()
    if stage in ("all", "card"):
        card()
