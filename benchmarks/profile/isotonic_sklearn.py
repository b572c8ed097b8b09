#!/usr/bin/python3
"""scikit-learn 1.2 IsotonicRegression fit, CPU time (best of 3), on the same three data sets as
isotonic_fit.cpp: 1M uniform scores with labels ~ Bernoulli(s^2) (mode 0), ~ Bernoulli(s) (1),
scores rounded to 1/1000 (many ties) with labels ~ Bernoulli(s^2) (2)."""
import sys, time
import numpy as np
from sklearn.isotonic import IsotonicRegression
rng = np.random.default_rng(1)
n = 1000000
for mode in (0, 1, 2):
    s = rng.random(n)
    if mode == 2:
        s = np.floor(s * 1000) / 1000
    y = (rng.random(n) < (s if mode == 1 else s * s)).astype(float)
    best = 1e9
    for _ in range(3):
        t = time.process_time()
        IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(s, y)
        best = min(best, time.process_time() - t)
    print("mode %d sklearn best %.2f ms" % (mode, best * 1e3), flush=True)
