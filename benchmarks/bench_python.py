#!/usr/bin/env python3
"""Python overhead of the offloadkit package (issue 19), reported beside baselines from the same run.

1. Per-call time for scalar-sized inputs (goal: <= 2 us): PlattCalibrator(0.37), predict on a
   1-element array, calibration_error on 10 samples, softmax of 10 logits -- beside scikit-learn's
   equivalents (_SigmoidCalibration.predict, IsotonicRegression.predict, numpy).
2. Platt fit on 1M samples from Python (goal: within 10% of C++) beside the C++ Google Benchmark
   BM_platt_fit (run here, from the --bench binary, on data of the same distribution) and
   scikit-learn 1.2's sigmoid calibration.

Run (Release builds; see docs/python.md):
    cmake -S . -B build/pybench -DCMAKE_BUILD_TYPE=Release -DOFFLOADKIT_BUILD_BENCHMARKS=ON \
          -DOFFLOADKIT_BUILD_TESTS=OFF -DOFFLOADKIT_BUILD_EXAMPLES=OFF
    cmake --build build/pybench --target offloadkit-bench-calibration
    python benchmarks/bench_python.py --bench build/pybench/benchmarks/offloadkit-bench-calibration
"""
import argparse
import json
import subprocess
import sys
import timeit

import numpy as np

import offloadkit as ok


def per_call(fn, number=200_000, repeat=5):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def cpp_platt_fit_ms(bench):
    out = subprocess.run([bench, "--benchmark_filter=^BM_platt_fit$", "--benchmark_repetitions=5",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    return min(b["real_time"] for b in runs)  # unit: ms (the benchmark is registered with kMillisecond)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", help="offloadkit-bench-calibration binary (C++ baseline of the Platt fit)")
    args = ap.parse_args()
    rng = np.random.default_rng(2024)
    s, y = rng.random(1000), (rng.random(1000) < 0.5).astype(np.uint8)
    cal = ok.PlattCalibrator.fit(s, y)
    one = np.array([0.37])
    ten = rng.random(10)
    ten_y = (rng.random(10) < ten).astype(np.uint8)
    logits = rng.normal(size=10)
    rows = [
        ("PlattCalibrator(0.37)", per_call(lambda: cal(0.37))),
        ("PlattCalibrator.predict(1 element)", per_call(lambda: cal.predict(one))),
        ("calibration_error(10 samples)", per_call(lambda: ok.calibration_error(ten, ten_y), number=50_000)),
        ("softmax(10 logits)", per_call(lambda: ok.softmax(logits))),
    ]
    from sklearn.calibration import _SigmoidCalibration, _sigmoid_calibration
    from sklearn.isotonic import IsotonicRegression
    sk = _SigmoidCalibration().fit(s, y)
    iso = IsotonicRegression(out_of_bounds="clip").fit(s, y)
    base = [
        ("sklearn _SigmoidCalibration.predict(1 element)", per_call(lambda: sk.predict(one), number=20_000)),
        ("sklearn IsotonicRegression.predict(1 element)", per_call(lambda: iso.predict(one), number=20_000)),
        ("numpy softmax(10 logits)", per_call(lambda: (lambda e: e / e.sum())(np.exp(logits - logits.max())),
                                              number=50_000)),
    ]
    print("per-call time, scalar-sized inputs (goal <= 2 us)")
    for name, t in rows + base:
        print("  %-48s %8.3f us" % (name, t * 1e6))

    # 1M samples, the distribution of bench_calibration.cpp's data set (score c = 1 - u^3,
    # label ~ Bernoulli(0.3 + 0.5 c)).
    u = rng.random(1_000_000)
    c = 1.0 - u ** 3
    lab = (rng.random(c.size) < 0.3 + 0.5 * c).astype(np.uint8)
    py_ms = min(timeit.repeat(lambda: ok.PlattCalibrator.fit(c, lab), number=1, repeat=5)) * 1e3
    sk_ms = min(timeit.repeat(lambda: _sigmoid_calibration(c, lab), number=1, repeat=2)) * 1e3
    print("Platt fit, 1M samples")
    print("  %-48s %8.1f ms" % ("offloadkit from Python", py_ms))
    if args.bench:
        cpp_ms = cpp_platt_fit_ms(args.bench)
        print("  %-48s %8.1f ms   (Python / C++ = %.3f)" % ("C++ BM_platt_fit (same run)", cpp_ms, py_ms / cpp_ms))
    print("  %-48s %8.1f ms   (sklearn / offloadkit = %.1f)" % ("scikit-learn 1.2 _sigmoid_calibration", sk_ms,
                                                                 sk_ms / py_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
