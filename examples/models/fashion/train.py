#!/usr/bin/python3
"""Train, export and check the three Fashion-MNIST models of the CBO demo (see MODEL_CARD.md).

    /usr/bin/python3 examples/models/fashion/train.py

writes, beside this script:
  npu_fp16.onnx      the device ("NPU") model: compact CNN, over-trained on 1,000 images, fp16 weights
  server.onnx        the server model: stronger CNN trained on all 60,000 images, fp32
  compress_int8.onnx the Compress baseline's model (CBO §V): the server model pruned to 90%
                     sparsity, fine-tuned, int8 (QLinearConv graph that OpenCV 4.6 runs in int8)
  models.json        input convention, class names, and the measured facts of each model
and prints what it checked.  CPU only, seeded, torch.use_deterministic_algorithms(True),
1 thread; data from the Debian package dataset-fashion-mnist, nothing downloaded.
About 14 minutes on the shared 2-core development machine (server model 9 of them).

Every exported model is loaded back through cv2.dnn (OpenCV 4.6, the library the C++ backend
uses) and must give torch's logits within 1e-4 on all 10,000 test images; the script fails
otherwise.  --cache DIR keeps the trained torch weights for development re-runs (not used for
the committed files).
"""
import argparse
import json
import os
import sys
import time

import cv2
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion as fm  # noqa: E402

SEED = 13
OPSET = 13
TOL = 1e-4
NPU_TRAIN_IMAGES = 1000
NPU_EPOCHS = 100
SERVER_EPOCHS = 8
PRUNE_EPOCHS = 2
SPARSITY = 0.9
CALIBRATION_IMAGES = 2000


def log(*a):
    print(*a, flush=True)


def batches(n, size, gen):
    perm = torch.randperm(n, generator=gen)
    for i in range(0, n, size):
        yield perm[i:i + size]


def torch_logits(model, x, bs=1000):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), bs):
            out.append(model(torch.from_numpy(x[i:i + bs])).numpy())
    return np.concatenate(out)


def cv2_logits(path, x, bs=500):
    net = cv2.dnn.readNetFromONNX(path)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    out = []
    for i in range(0, len(x), bs):
        net.setInput(x[i:i + bs])
        out.append(net.forward().reshape(len(x[i:i + bs]), -1).copy())
    return np.concatenate(out)


# ---- NPU ----------------------------------------------------------------------------------------

def train_npu(xtr, ytr):
    """Compact CNN on a random 1,000-image subset, 100 epochs of Adam, no regularisation."""
    gen = torch.Generator().manual_seed(SEED + 1)
    sub = torch.randperm(len(xtr), generator=gen)[:NPU_TRAIN_IMAGES]
    x, y = torch.from_numpy(xtr[sub.numpy()]), torch.from_numpy(ytr[sub.numpy()])
    torch.manual_seed(SEED + 2)
    net = fm.NpuNet()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    for ep in range(NPU_EPOCHS):
        net.train()
        for b in batches(len(x), 32, gen):
            loss = F.cross_entropy(net(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if (ep + 1) % 25 == 0:
            log(f"  npu epoch {ep + 1}: last batch loss {loss.item():.5f}")
    return net.eval()


def to_fp16(net):
    """Round every parameter to IEEE binary16 (kept in float32 tensors): the NPU's weights."""
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(p.half().float())
    return net


# ---- server -------------------------------------------------------------------------------------

def train_server(xtr, ytr, on_step=None, net=None, epochs=None, lr=0.05, gen_seed=SEED + 3):
    """SGD (momentum 0.9, Nesterov, weight decay 5e-4), batch 128, cosine learning rate, no augmentation."""
    epochs = SERVER_EPOCHS if epochs is None else epochs
    gen = torch.Generator().manual_seed(gen_seed)
    if net is None:
        torch.manual_seed(SEED + 4)
        net = fm.ServerNet()
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    steps = epochs * ((len(xtr) + 127) // 128)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    x, y = torch.from_numpy(xtr), torch.from_numpy(ytr)
    step = 0
    for ep in range(epochs):
        net.train()
        t0 = time.time()
        for b in batches(len(x), 128, gen):
            if on_step is not None:
                on_step(step, steps, net)
            loss = F.cross_entropy(net(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
        if on_step is not None:
            on_step(step, steps, net)
        log(f"  epoch {ep + 1}/{epochs}: last batch loss {loss.item():.4f} ({time.time() - t0:.0f} s)")
    return net.eval()


# ---- Compress baseline: pruning and int8 -----------------------------------------------------------

PRUNED = ("conv1", "conv2", "conv3", "fc")


def prune_server(server_state, xtr, ytr):
    """Magnitude pruning to 90% sparsity in every layer (CBO §V: "the sparsity of the model is set to
    0.9"), with a polynomial (cubic) sparsity schedule over the first 60% of two fine-tuning epochs,
    masks recomputed every 50 steps, then fixed."""
    torch.manual_seed(SEED + 7)  # dropout draws during fine-tuning
    net = fm.ServerNet()
    net.load_state_dict(server_state)
    masks = {k: torch.ones_like(getattr(net, k).weight) for k in PRUNED}

    def on_step(step, steps, model):
        ramp = int(0.6 * steps)
        if (step % 50 == 0 and step <= ramp) or step == ramp:
            s = SPARSITY * (1.0 - (1.0 - min(step, ramp) / ramp) ** 3)
            for k in PRUNED:
                w = getattr(model, k).weight.detach().abs().flatten()
                n_zero = int(round(s * w.numel()))
                if n_zero > 0:
                    thr = torch.sort(w).values[n_zero - 1]
                    masks[k] = (getattr(model, k).weight.detach().abs() > thr).float()
        with torch.no_grad():
            for k in PRUNED:
                getattr(model, k).weight.mul_(masks[k])

    net = train_server(xtr, ytr, on_step=on_step, net=net, epochs=PRUNE_EPOCHS, lr=0.01, gen_seed=SEED + 5)
    return net


def quantize(dep, xcal):
    """Static int8 quantization of the folded, pruned server network (per-output-channel symmetric
    int8 weights, int32 biases, per-tensor int8 activations whose ranges are the maxima over
    CALIBRATION_IMAGES training images; ReLU is the clamp at the zero point -128 of [0, max])."""
    f32 = np.float32
    with torch.no_grad():
        x = torch.from_numpy(xcal)
        a1 = torch.relu(dep.conv1(x))
        a2 = torch.relu(dep.conv2(torch.max_pool2d(a1, 2)))
        a3 = torch.relu(dep.conv3(torch.max_pool2d(a2, 2)))
        lo = dep.fc(torch.flatten(torch.max_pool2d(a3, 2), 1))
    acts = [float(a1.max()), float(a2.max()), float(a3.max()), float(lo.abs().max())]
    x_min = float((f32(0) * fm.SCALE - fm.MEAN) / fm.STD)
    x_max = float((f32(255) * fm.SCALE - fm.MEAN) / fm.STD)
    s_in = f32((x_max - x_min) / 255.0)
    z_in = int(np.clip(np.round(-128 - x_min / s_in), -128, 127))
    q = {"input_scale": s_in, "input_zero_point": z_in, "layers": []}
    s_prev = s_in
    specs = [("conv1", 2, True), ("conv2", 1, True), ("conv3", 1, True), ("fc", 0, False)]
    for i, (name, pad, relu) in enumerate(specs):
        mod = getattr(dep, name)
        w = mod.weight.detach().double().numpy()
        if name == "fc":
            w = w.reshape(10, 64, 3, 3)
        b = mod.bias.detach().double().numpy()
        amax = np.abs(w).reshape(w.shape[0], -1).max(axis=1)
        w_scale = np.where(amax > 0, amax / 127.0, 1.0).astype(f32)
        wq = np.clip(np.round(w / w_scale.astype(np.float64)[:, None, None, None]), -127, 127).astype(np.int8)
        bq = np.round(b / (np.float64(s_prev) * w_scale.astype(np.float64))).astype(np.int32)
        if relu:
            y_scale, y_zp = f32(acts[i] / 255.0), -128
        else:
            y_scale, y_zp = f32(acts[i] / 127.0), 0
        q["layers"].append({"name": name, "w": wq, "w_scale": w_scale, "b": bq, "pad": pad,
                            "y_scale": y_scale, "y_zero_point": y_zp, "pool": relu,
                            "kernel": list(wq.shape[2:])})
        s_prev = y_scale
    return q


def int8_onnx(q, path):
    """The int8 graph in ONNX Runtime's QOperator form, named as OpenCV 4.6's importer expects
    (a tensor X_quantized with initializers X_scale and X_zero_point):
    QuantizeLinear -> QLinearConv (+MaxPool) x 3 -> QLinearConv (the fc as a 3x3 convolution)
    -> DequantizeLinear -> Flatten."""
    inits, nodes = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    const("input_scale", np.float32(q["input_scale"]))
    const("input_zero_point", np.int8(q["input_zero_point"]))
    nodes.append(helper.make_node("QuantizeLinear", ["input", "input_scale", "input_zero_point"], ["input_quantized"]))
    prev = "input"
    for layer in q["layers"]:
        n = layer["name"]
        const(n + "_scale", np.float32(layer["y_scale"]))
        const(n + "_zero_point", np.int8(layer["y_zero_point"]))
        ins = [prev + "_quantized", prev + "_scale", prev + "_zero_point",
               const(n + "_w", layer["w"]), const(n + "_w_scale", layer["w_scale"]),
               const(n + "_w_zero_point", np.zeros(len(layer["w_scale"]), np.int8)),
               n + "_scale", n + "_zero_point", const(n + "_b", layer["b"])]
        p = layer["pad"]
        nodes.append(helper.make_node("QLinearConv", ins, [n + "_quantized"], kernel_shape=layer["kernel"],
                                      pads=[p, p, p, p], strides=[1, 1], dilations=[1, 1], group=1))
        if layer["pool"]:
            pn = n + "_pool"
            nodes.append(helper.make_node("MaxPool", [n + "_quantized"], [pn + "_quantized"],
                                          kernel_shape=[2, 2], strides=[2, 2]))
            const(pn + "_scale", np.float32(layer["y_scale"]))
            const(pn + "_zero_point", np.int8(layer["y_zero_point"]))
            prev = pn
        else:
            prev = n
    nodes.append(helper.make_node("DequantizeLinear", [prev + "_quantized", prev + "_scale", prev + "_zero_point"], ["fc_out"]))
    nodes.append(helper.make_node("Flatten", ["fc_out"], ["logits"], axis=1))
    graph = helper.make_graph(nodes, "fashion_compress_int8",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, fm.SIZE, fm.SIZE])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="offloadkit examples/models/fashion/train.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


# ---- export and checks ----------------------------------------------------------------------------

def export_torch(model, path):
    model.eval()
    dummy = torch.zeros(1, 1, fm.SIZE, fm.SIZE)
    torch.onnx.export(model, dummy, path, opset_version=OPSET, input_names=["input"], output_names=["logits"],
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path), full_check=True)


def check_same(name, ref, got):
    diff = float(np.abs(ref.astype(np.float64) - got.astype(np.float64)).max())
    agree = int((ref.argmax(1) == got.argmax(1)).sum())
    log(f"  {name}: cv2.dnn against torch on {len(ref)} test images: max |logit diff| {diff:.3g}, "
        f"same label {agree}/{len(ref)}")
    if not diff <= TOL:
        raise SystemExit(f"{name}: cv2.dnn and torch differ by {diff} > {TOL}")
    return diff


def npu_fp16_check(path):
    """Every float initializer of the exported NPU model is exactly an fp16 value."""
    m = onnx.load(path)
    n = 0
    for init in m.graph.initializer:
        a = numpy_helper.to_array(init)
        if a.dtype == np.float32:
            if not np.array_equal(a, a.astype(np.float16).astype(np.float32)):
                raise SystemExit(f"{path}: initializer {init.name} is not fp16-representable")
            n += a.size
    return n


def summary(stats):
    return {k: round(v, 6) for k, v in stats.items() if k != "bins"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=fm.HERE, help="output directory (default: beside this script)")
    ap.add_argument("--cache", default=None, help="keep/reuse trained torch weights here (development only)")
    ap.add_argument("--smoke", action="store_true", help="tiny run to test the script (outputs are not the models)")
    args = ap.parse_args()
    fm.setup_torch()
    global NPU_EPOCHS, SERVER_EPOCHS, PRUNE_EPOCHS
    if args.smoke:
        NPU_EPOCHS, SERVER_EPOCHS, PRUNE_EPOCHS = 2, 1, 1
    t_all = time.time()
    xtr_u8, ytr, xte_u8, yte = fm.load_data()
    if args.smoke:
        xtr_u8, ytr = xtr_u8[:3000], ytr[:3000]
    xtr, xte = fm.preprocess(xtr_u8), fm.preprocess(xte_u8)
    log(f"data: {len(xtr)} train, {len(xte)} test images; train pixel mean {xtr_u8.mean() / 255:.5f}, "
        f"std {(xtr_u8 / 255.0).std():.5f}")
    timings, facts = {}, {}

    def cached(name, fn):
        path = os.path.join(args.cache, name + ".pt") if args.cache else None
        if path and os.path.exists(path):
            log(f"{name}: loading cached weights {path}")
            return torch.load(path)
        t = time.time()
        state = fn()
        timings[name] = time.time() - t
        if path:
            os.makedirs(args.cache, exist_ok=True)
            torch.save(state, path)
        return state

    # NPU
    log("npu: training")
    npu_state = cached("npu", lambda: train_npu(xtr, ytr).state_dict())
    npu32 = fm.NpuNet()
    npu32.load_state_dict(npu_state)
    npu32.eval()
    fp32_logits = torch_logits(npu32, xte)
    npu = to_fp16(npu32)
    npu_logits = torch_logits(npu, xte)
    npu_path = os.path.join(args.out, "npu_fp16.onnx")
    export_torch(npu, npu_path)
    n16 = npu_fp16_check(npu_path)
    cv_npu = cv2_logits(npu_path, xte)
    check_same("npu_fp16", npu_logits, cv_npu)
    s32, s16 = fm.calibration(fp32_logits, yte), fm.calibration(cv_npu, yte)
    changed = int((fp32_logits.argmax(1) != cv_npu.argmax(1)).sum())
    log(f"  npu fp32 (not exported): {summary(s32)}")
    log(f"  npu fp16 (exported, through cv2.dnn): {summary(s16)}; {changed} labels differ from fp32; "
        f"{n16} fp16-exact weights")
    facts["npu"] = dict(summary(s16), fp32_reference=summary(s32), labels_changed_by_fp16=changed)

    # server
    log("server: training")
    server_state = cached("server", lambda: train_server(xtr, ytr).state_dict())
    server_train = fm.ServerNet()
    server_train.load_state_dict(server_state)
    server = fm.fold_bn(server_train.eval())
    bn_diff = float(np.abs(torch_logits(server_train, xte) - torch_logits(server, xte)).max())
    log(f"  batch-norm folding changes the logits by at most {bn_diff:.3g}")
    server_path = os.path.join(args.out, "server.onnx")
    export_torch(server, server_path)
    cv_server = cv2_logits(server_path, xte)
    check_same("server", torch_logits(server, xte), cv_server)
    ss = fm.calibration(cv_server, yte)
    log(f"  server: {summary(ss)}")
    facts["server"] = summary(ss)

    # Compress baseline
    log("compress: pruning and fine-tuning")
    pruned_state = cached("pruned", lambda: prune_server(server_state, xtr, ytr).state_dict())
    pruned_train = fm.ServerNet()
    pruned_train.load_state_dict(pruned_state)
    pruned = fm.fold_bn(pruned_train.eval())
    total = sum(getattr(pruned, k).weight.numel() for k in PRUNED)
    zeros = sum(int((getattr(pruned, k).weight == 0).sum()) for k in PRUNED)
    sp = fm.calibration(torch_logits(pruned, xte), yte)
    log(f"  pruned fp32 (not exported): sparsity {zeros / total:.4f} ({zeros}/{total}); {summary(sp)}")
    gen = torch.Generator().manual_seed(SEED + 6)
    cal = torch.randperm(len(xtr), generator=gen)[:CALIBRATION_IMAGES].numpy()
    q = quantize(pruned, xtr[cal])
    comp_path = os.path.join(args.out, "compress_int8.onnx")
    int8_onnx(q, comp_path)
    cv_comp = cv2_logits(comp_path, xte)
    ref_comp = fm.int8_reference(q, xte)
    check_same("compress_int8", ref_comp, cv_comp)
    sc = fm.calibration(cv_comp, yte)
    log(f"  compress int8: {summary(sc)}")
    facts["compress"] = dict(summary(sc), pruned_fp32_reference=summary(sp),
                             weight_sparsity=round(zeros / total, 6))

    meta = {
        "about": "Fashion-MNIST models of the offloadkit CBO demo; see MODEL_CARD.md. "
                 "Made by: /usr/bin/python3 examples/models/fashion/train.py",
        "input": {"name": "input", "shape": [1, 1, fm.SIZE, fm.SIZE], "dtype": "float32", "layout": "NCHW",
                  "channels": 1, "color": "gray",
                  "formula": "x = (p * scale - mean) / std, p the 8-bit gray pixel, float32, in this order",
                  "scale": 1.0 / 255.0, "mean": 0.286, "std": 0.353,
                  "precision": "scale, mean and std are used as float32 (the nearest float32 to each)",
                  "interpolation": "INTER_AREA", "interpolation_cv_flag": int(cv2.INTER_AREA),
                  "resize": "a camera frame (8-bit gray, larger than 28 x 28) is resized to 28 x 28 with "
                            "cv::resize(..., INTER_AREA), then normalised by the formula"},
        "output": {"name": "logits", "shape": [1, 10], "dtype": "float32",
                   "confidence": "max softmax of the logits"},
        "classes": fm.CLASSES,
        "models": {
            "npu": {"file": "npu_fp16.onnx", "role": "device (NPU) model, fp16 weights",
                    "test": facts["npu"]},
            "server": {"file": "server.onnx", "role": "server model, fp32, trained at full resolution only",
                       "test": facts["server"]},
            "compress": {"file": "compress_int8.onnx",
                         "role": "Compress baseline (CBO §V): server model pruned to 90% sparsity, static int8",
                         "test": facts["compress"]},
        },
    }
    with open(os.path.join(args.out, "models.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    for name, t in timings.items():
        log(f"training time {name}: {t:.0f} s")
    log(f"total {time.time() - t_all:.0f} s")


if __name__ == "__main__":
    main()
