"""Driver of the ctest python.interop (issue 19): a calibrator fitted in Python loads in C++ with
identical predictions, and one fitted in C++ loads in Python with identical predictions.

    python3 tests/python/interop.py PROGRAM WORKDIR   (PYTHONPATH must reach the offloadkit package)
"""
import os
import subprocess
import sys

import numpy as np

import offloadkit as ok


def main(program, workdir):
    os.makedirs(workdir, exist_ok=True)
    rng = np.random.default_rng(2026)
    s = rng.random(1000)
    y = (rng.random(1000) < s ** 2).astype(np.uint8)
    grid = np.concatenate([s, np.linspace(-0.5, 1.5, 401)])
    np.savetxt(os.path.join(workdir, "py_scores.txt"), grid, fmt="%.17g")
    for kind, cal in (("platt", ok.PlattCalibrator.fit(s, y)), ("isotonic", ok.IsotonicCalibrator.fit(s, y))):
        text = os.path.join(workdir, "py_%s.txt" % kind)
        with open(text, "w", encoding="utf-8") as f:
            f.write(cal.to_string())
        expected = os.path.join(workdir, "py_%s_pred.txt" % kind)
        np.savetxt(expected, cal.predict(grid), fmt="%.17g")
        subprocess.run([program, "check", kind, text, os.path.join(workdir, "py_scores.txt"), expected], check=True)

    subprocess.run([program, "fit", workdir], check=True)
    scores = np.loadtxt(os.path.join(workdir, "cpp_scores.txt"))
    for kind, cls in (("platt", ok.PlattCalibrator), ("isotonic", ok.IsotonicCalibrator)):
        with open(os.path.join(workdir, "cpp_%s.txt" % kind), encoding="utf-8") as f:
            cal = cls.from_string(f.read())
        cpp = np.loadtxt(os.path.join(workdir, "cpp_%s_pred.txt" % kind))
        py = cal.predict(scores)
        if not np.array_equal(py, cpp):
            i = int(np.argmax(py != cpp))
            sys.exit("interop: %s fitted in C++: Python %r, C++ %r at score %r" % (kind, py[i], cpp[i], scores[i]))
        # and Python's own fit on the same data is the same model up to the Newton solver's rounding
        refit = cls.fit(scores, _cpp_labels(scores))
        assert np.allclose(refit.predict(scores), cpp, atol=1e-12), kind
    print("interop: Python -> C++ and C++ -> Python predictions identical")


def _cpp_labels(s):
    """The labels interop.cpp draws (same linear congruential sequence)."""
    state = 12345
    y = np.zeros(len(s), np.uint8)
    for i in range(len(s)):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        y[i] = (state >> 8) / 16777216.0 < s[i] * s[i]
    return y


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
