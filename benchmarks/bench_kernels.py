#!/usr/bin/python3
"""Issue 20's kernels beside their outside baselines, in one run (CPU times, so that a shared
machine's waiting is not counted; the load average is printed with every table).

offloadkit figures come from the Google Benchmark binaries of the bench preset (run from here, in
the same run); the baselines from torch 1.13 (one thread) and scikit-learn 1.2 on data of the same
distributions (numpy's generator, not the same values):

  quantizer   BM_quantize_pack_8bit, BM_memcpy, BM_quantize_dequantize_alloc_8bit (bench_multitask)
              vs torch.quantize_per_tensor(x, (max-min)/255, zero point) + dequantize(), with the
              range from torch.aminmax; AMVP's 50 KB feature (14x14x64) and 4 MB (ReLU normals)
  SPP         BM_spp_max_fast<chw> (bench_approx) vs torch.cat of F.max_pool2d(x, ceil(a/l),
              floor(a/l)) over levels 1-3 (the paper rule; ApproxNet Table 1 shapes)
  isotonic    BM_isotonic_fit_hard (bench_calibration) vs IsotonicRegression(y_min=0, y_max=1,
              out_of_bounds="clip").fit on 1M samples: uniform scores, labels ~ Bernoulli(s^2),
              ~ Bernoulli(s), and scores rounded to 1/1000 (ties) with Bernoulli(s^2)

Run (Debian's python, bench preset built):
    cmake --preset bench && cmake --build --preset bench -j2 --target offloadkit-bench-multitask \\
        offloadkit-bench-approx offloadkit-bench-calibration
    /usr/bin/python3 benchmarks/bench_kernels.py --build build/bench
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np


def cpu_best(fn, number, repeat):
    best = math.inf
    for _ in range(repeat):
        t = time.process_time()
        for _ in range(number):
            fn()
        best = min(best, (time.process_time() - t) / number)
    return best


def gbench(binary, pattern):
    out = subprocess.run([binary, "--benchmark_filter=" + pattern, "--benchmark_repetitions=3",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    best = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        t = b["cpu_time"] * scale[b["time_unit"]]
        best[b["run_name"]] = min(best.get(b["run_name"], math.inf), t)
    return best


def load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def row(name, ours, base, base_name, goal):
    ratio = base / ours
    print("| %s | %s | %s %s | %.1fx | >= %gx | %s |" % (name, fmt(ours), base_name, fmt(base), ratio, goal,
                                                          "met" if ratio >= goal else "not met"))


def fmt(t):
    return "%.2f ms" % (t * 1e3) if t >= 1e-3 else "%.2f us" % (t * 1e6)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/bench", help="binary dir of the bench preset")
    ap.add_argument("--only", choices=["quantize", "spp", "isotonic"], action="append")
    args = ap.parse_args()
    bench = os.path.join(args.build, "benchmarks")
    which = args.only or ["quantize", "spp", "isotonic"]
    import torch
    torch.set_num_threads(1)
    rng = np.random.default_rng(42)

    if "quantize" in which:
        print("\nquantizer, 8 bits (%s)" % load())
        ok = gbench(os.path.join(bench, "offloadkit-bench-multitask"),
                    "BM_memcpy|BM_quantize_pack_8bit/|BM_quantize_dequantize_alloc_8bit")
        print("| case | offloadkit | baseline, same run | ratio | goal | |")
        print("|---|---:|---:|---:|---:|---|")
        for n, label in ((12544, "50 KB"), (1048576, "4 MB")):
            x = torch.from_numpy(np.maximum(0.0, rng.normal(0.2, 1.0, n)).astype(np.float32))

            def torch_qd():
                lo, hi = torch.aminmax(x)
                lo, hi = float(lo), float(hi)
                scale = (hi - lo) / 255.0
                q = torch.quantize_per_tensor(x, scale, int(round(-lo / scale)), torch.quint8)
                return q.dequantize()

            t_torch = cpu_best(torch_qd, 2000 if n < 100000 else 20, 5)
            qi = ok["BM_quantize_pack_8bit/%d" % n]
            mc = ok["BM_memcpy/%d" % n]
            alloc = ok["BM_quantize_dequantize_alloc_8bit/%d" % n]
            print("| quantize_into, %s (share of memcpy speed) | %s | memcpy %s | %.0f%% | >= 60%% | %s |"
                  % (label, fmt(qi), fmt(mc), 100 * mc / qi, "met" if mc / qi >= 0.6 else "not met"))
            row("quantize + dequantize, allocating, " + label, alloc, t_torch, "torch", 20)

    if "spp" in which:
        import torch.nn.functional as F
        print("\nSPP max, levels 1-3, paper rule, CHW (%s)" % load())
        ok = gbench(os.path.join(bench, "offloadkit-bench-approx"), r"BM_spp_max_fast<ok::tensor_layout::chw>/[012]$")
        print("| case | offloadkit | baseline, same run | ratio | goal | |")
        print("|---|---:|---:|---:|---:|---|")
        for arg, a in ((2, 7), (1, 14), (0, 28)):
            x = torch.rand(1, 64, a, a)

            def torch_spp():
                return torch.cat([F.max_pool2d(x, math.ceil(a / l), a // l)[:, :, :l, :l].flatten(1)
                                  for l in (1, 2, 3)], 1)

            t_torch = cpu_best(torch_spp, 2000, 5)
            row("64x%dx%d" % (a, a), ok["BM_spp_max_fast<ok::tensor_layout::chw>/%d" % arg], t_torch, "torch",
                15 if a < 28 else 0)

    if "isotonic" in which:
        from sklearn.isotonic import IsotonicRegression
        print("\nisotonic fit, 1M samples (%s)" % load())
        ok = gbench(os.path.join(bench, "offloadkit-bench-calibration"), "BM_isotonic_fit_hard")
        print("| case | offloadkit | baseline, same run | ratio | goal | |")
        print("|---|---:|---:|---:|---:|---|")
        names = ["uniform scores, labels ~ Bernoulli(s^2)", "uniform scores, labels ~ Bernoulli(s)",
                 "scores rounded to 1/1000 (ties), Bernoulli(s^2)"]
        for mode in range(3):
            s = rng.random(1_000_000)
            if mode == 2:
                s = np.floor(s * 1000) / 1000
            y = (rng.random(s.size) < (s if mode == 1 else s * s)).astype(float)
            t_sk = cpu_best(lambda: IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(s, y), 1, 3)
            row(names[mode], ok["BM_isotonic_fit_hard/%d" % mode], t_sk, "scikit-learn", 8)
    print("\n(%s)" % load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
