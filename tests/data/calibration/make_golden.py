#!/usr/bin/python3
"""Golden vectors for offloadkit's calibration and calibration metrics (tests/calibration,
tests/metrics), written by outside implementations:

* Platt: scikit-learn 1.2.1 `sklearn.calibration._sigmoid_calibration` (BFGS), and a reference
  optimum of the same objective driven to convergence with scipy's trust-region Newton on scores
  shifted/scaled to [-1, 1] (what sklearn's own BFGS cannot do when |s| is large, issue 26766).
* Isotonic: scikit-learn 1.2.1 `IsotonicRegression(y_min=0, y_max=1, out_of_bounds='clip')`
  (thresholds X_thresholds_/y_thresholds_ and predictions), with `increasing` True/False/'auto'.
* Temperature scaling: the root of the NLL's derivative in 1/T by scipy's brentq (numpy sums).
* One-vs-rest (CBO Fig. 6): per class, scipy trust-region Newton on the smoothed, L2-penalised
  logistic objective, and scikit-learn's LogisticRegression(C=1) on rows duplicated with weights
  t and 1 - t (the same objective).
* Metrics: numpy (reliability bins by the rule of ../shared/API.md, equal-mass bins by sorted
  rank), sklearn.metrics.brier_score_loss and log_loss.

Run from anywhere with Debian's python (numpy, scipy, scikit-learn 1.2.1):
    /usr/bin/python3 tests/data/calibration/make_golden.py
It rewrites the CSV files next to it. Numbers are written with repr(), which round-trips exactly.
"""
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy.optimize import minimize
from scipy.special import expit, xlogy
from sklearn.calibration import _sigmoid_calibration
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, log_loss

HERE = os.path.dirname(os.path.abspath(__file__))
assert sklearn.__version__ == "1.2.1", sklearn.__version__


def fmt(v):
    v = float(v)
    return "nan" if np.isnan(v) else repr(v)


def write_csv(name, header, rows):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(fmt(v) if isinstance(v, (float, np.floating)) else str(v) for v in r) + "\n")


# ---------------------------------------------------------------------------------------------
# Platt
# ---------------------------------------------------------------------------------------------
def platt_targets(y, w):
    neg = y <= 0
    prior0 = w[neg].sum() if w is not None else float(np.sum(neg))
    prior1 = w[~neg].sum() if w is not None else y.shape[0] - prior0
    t = np.where(y > 0, (prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0))
    return t, prior0, prior1


def platt_objective(a, b, s, t, w):
    p = expit(-(a * s + b))
    loss = -(xlogy(t, p) + xlogy(1.0 - t, 1.0 - p))
    return float((loss * (w if w is not None else 1.0)).sum())


def platt_reference(s, y, w):
    """The optimum of sklearn's objective, to convergence, on scaled scores."""
    t, prior0, prior1 = platt_targets(y, w)
    ww = np.ones_like(s) if w is None else w
    lo, hi = s.min(), s.max()
    if lo == hi:  # one distinct score: a = 0 and p = the weighted mean target
        tbar = (ww * t).sum() / ww.sum()
        return 0.0, float(np.log((1.0 - tbar) / tbar))
    shift, half = lo / 2 + hi / 2, hi / 2 - lo / 2
    x = (s - shift) / half
    total = ww.sum()

    def f(u):
        z = u[0] * x + u[1]
        return float((ww * (np.logaddexp(0.0, z) - (1.0 - t) * z)).sum() / total)

    def g(u):
        r = ww * (t - expit(-(u[0] * x + u[1])))
        return np.array([(r * x).sum(), r.sum()]) / total

    def h(u):
        p = expit(-(u[0] * x + u[1]))
        d = ww * p * (1.0 - p)
        return np.array([[(d * x * x).sum(), (d * x).sum()], [(d * x).sum(), d.sum()]]) / total

    u0 = np.array([0.0, np.log((prior0 + 1.0) / (prior1 + 1.0))])
    res = minimize(f, u0, jac=g, hess=h, method="trust-exact", options={"gtol": 1e-14, "maxiter": 1000})
    a = res.x[0] / half
    return float(a), float(res.x[1] - a * shift)


def platt_cases(rng):
    cases = []
    n = 1000
    u = rng.uniform(size=n)
    y = (rng.uniform(size=n) < expit(4 * u - 2)).astype(np.uint8)
    cases.append(("logistic", u, y, None))
    cases.append(("weighted", u, y, rng.uniform(0, 3, size=n)))
    w = rng.uniform(0, 2, size=n)
    w[rng.uniform(size=n) < 0.3] = 0.0
    cases.append(("zero_weights", u, y, w))
    cases.append(("ties", np.round(u * 20) / 20, y, None))
    cases.append(("reversed", u, (1 - y).astype(np.uint8), None))
    cases.append(("one_class_positive", u[:50], np.ones(50, np.uint8), None))
    cases.append(("one_class_negative", u[:50], np.zeros(50, np.uint8), None))
    cases.append(("single_point", np.array([0.73]), np.array([1], np.uint8), None))
    cases.append(("three_points", np.array([0.2, 0.5, 0.9]), np.array([0, 1, 1], np.uint8), None))
    cases.append(("constant_scores", np.full(9, 0.42), np.array([1, 0, 1, 1, 0, 1, 1, 1, 0], np.uint8), None))
    # An NPU-like max-softmax score: concentrated near 1, overconfident (CBO Fig. 5).
    c = (1.0 - rng.beta(1.0, 6.0, size=n)).astype(np.float32).astype(np.float64)
    yc = (rng.uniform(size=n) < 0.3 + 0.3 * c).astype(np.uint8)
    cases.append(("softmax_like", c, yc, None))
    # Large scores: sklearn's BFGS (identity initial Hessian) fails here (scikit-learn issue 26766).
    cases.append(("large_scale", (u * 2 - 1) * 1e6, y, None))
    cases.append(("large_offset", 1e6 + u, y, None))
    cases.append(("svm_margins", (u - 0.5) * 40, y, None))
    return cases


def make_platt(rng):
    meta = []
    for name, s, y, w in platt_cases(rng):
        s = np.asarray(s, dtype=np.float64)
        a_sk, b_sk = _sigmoid_calibration(s, y, w)
        a_ref, b_ref = platt_reference(s, y, w)
        t, _, _ = platt_targets(y, w)
        p_sk = expit(-(a_sk * s + b_sk))
        p_ref = expit(-(a_ref * s + b_ref))
        f_sk = platt_objective(a_sk, b_sk, s, t, w)
        f_ref = platt_objective(a_ref, b_ref, s, t, w)
        assert f_ref <= f_sk + 1e-9 * max(1.0, abs(f_sk)), (name, f_ref, f_sk)
        converged = bool(np.max(np.abs(p_sk - p_ref)) <= 1e-4)
        meta.append((name, int(w is not None), float(a_sk), float(b_sk), float(a_ref), float(b_ref),
                     int(converged), float(np.max(np.abs(p_sk - p_ref)))))
        ww = w if w is not None else np.ones_like(s)
        write_csv(f"platt_{name}.csv", ["score", "label", "weight", "p_sklearn", "p_reference"],
                  zip(s, y.astype(int), ww, p_sk, p_ref))
    write_csv("platt_cases.csv",
              ["name", "weighted", "a_sklearn", "b_sklearn", "a_reference", "b_reference", "sklearn_converged",
               "sklearn_max_diff"], meta)


# ---------------------------------------------------------------------------------------------
# Isotonic
# ---------------------------------------------------------------------------------------------
def iso_cases(rng):
    cases = []
    n = 1000
    u = rng.uniform(size=n)
    y = (rng.uniform(size=n) < u).astype(np.uint8)
    cases.append(("random", u, y, None, True))
    cases.append(("ties", np.round(u * 50) / 50, y, None, True))
    w = rng.uniform(0, 2, size=n)
    w[rng.uniform(size=n) < 0.25] = 0.0
    cases.append(("weighted", np.round(u * 50) / 50, y, w, True))
    cases.append(("constant_labels", u[:100], np.ones(100, np.uint8), None, True))
    cases.append(("single_point", np.array([0.61]), np.array([0], np.uint8), None, True))
    cases.append(("reversed", u, (1 - y).astype(np.uint8), None, True))
    cases.append(("reversed_auto", u, (1 - y).astype(np.uint8), None, "auto"))
    cases.append(("increasing_auto", u, y, None, "auto"))
    cases.append(("decreasing", u, (1 - y).astype(np.uint8), rng.uniform(0.5, 1.5, size=n), False))
    # Scores closer than numpy's float64 resolution (1e-15) merge; farther ones do not.
    base = np.repeat(rng.uniform(size=60), 5)
    jitter = np.tile(np.array([0.0, 1e-16, 5e-16, 2e-15, 1e-14]), 60)
    cases.append(("near_ties", base + jitter, (rng.uniform(size=300) < base).astype(np.uint8), None, True))
    c = (1.0 - rng.beta(1.0, 6.0, size=n)).astype(np.float32).astype(np.float64)
    cases.append(("softmax_like", c, (rng.uniform(size=n) < 0.3 + 0.3 * c).astype(np.uint8), None, True))
    z = np.array([-0.0, 0.0, -0.0, 0.5, 0.5, 1.0, 0.0])
    cases.append(("signed_zero", z, np.array([1, 0, 0, 1, 0, 1, 1], np.uint8), None, True))
    big = rng.normal(size=4000) * 3
    cases.append(("large", big, (rng.uniform(size=4000) < expit(big)).astype(np.uint8), None, True))
    return cases


def make_isotonic(rng):
    meta = []
    for name, s, y, w, inc in iso_cases(rng):
        s = np.asarray(s, dtype=np.float64)
        ir = IsotonicRegression(y_min=0, y_max=1, increasing=inc, out_of_bounds="clip")
        ir.fit(s, y.astype(np.float64), sample_weight=w)
        lo, hi = s.min(), s.max()
        span = hi - lo if hi > lo else 1.0
        queries = np.concatenate([s, np.linspace(lo - 0.1 * span, hi + 0.1 * span, 201),
                                  rng.uniform(lo, hi, size=200), ir.X_thresholds_])
        pred = ir.predict(queries)
        meta.append((name, int(w is not None), str(inc).lower(), int(bool(ir.increasing_)), len(ir.X_thresholds_)))
        ww = w if w is not None else np.ones_like(s)
        write_csv(f"isotonic_{name}_data.csv", ["score", "label", "weight"], zip(s, y.astype(int), ww))
        write_csv(f"isotonic_{name}_thresholds.csv", ["x", "y"], zip(ir.X_thresholds_, ir.y_thresholds_))
        write_csv(f"isotonic_{name}_predictions.csv", ["query", "prediction"], zip(queries, pred))
    write_csv("isotonic_cases.csv", ["name", "weighted", "increasing", "increasing_fitted", "points"], meta)


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------
def bins_equal_width(c, y, m):
    b = np.minimum(np.floor(c * m), m - 1).astype(int)
    rows = []
    for k in range(m):
        sel = b == k
        cnt = int(sel.sum())
        conf = c[sel].mean() if cnt else np.nan
        acc = y[sel].mean() if cnt else np.nan
        rows.append((k / m, (k + 1) / m, cnt, conf, acc))
    return rows


def bins_equal_mass(c, y, m):
    order = np.lexsort((y, c))
    n = len(c)
    rows = []
    for k in range(m):
        first, last = (k * n) // m, ((k + 1) * n) // m
        idx = order[first:last]
        if len(idx) == 0:
            rows.append((np.nan, np.nan, 0, np.nan, np.nan))
        else:
            rows.append((c[idx[0]], c[idx[-1]], len(idx), c[idx].mean(), y[idx].mean()))
    return rows


def ece_mce(rows, n):
    ece, mce = 0.0, 0.0
    for _, _, cnt, conf, acc in rows:
        if cnt:
            ece += cnt / n * abs(acc - conf)
            mce = max(mce, abs(acc - conf))
    return ece, mce


def metric_cases(rng):
    n = 5000
    c = rng.uniform(size=n)
    cases = [("calibrated", c, (rng.uniform(size=n) < c).astype(np.uint8))]
    # CBO Fig. 5: confidence spread over [0, 1] but accuracy stuck between 0.3 and 0.5.
    c2 = rng.uniform(size=n)
    cases.append(("overconfident", c2, (rng.uniform(size=n) < 0.29 + 0.21 * c2).astype(np.uint8)))
    edges = np.repeat(np.arange(11) / 10.0, 3)
    cases.append(("edges", edges, (rng.uniform(size=len(edges)) < 0.5).astype(np.uint8)))
    c4 = rng.uniform(size=777).astype(np.float32)
    cases.append(("float32", c4.astype(np.float64), (rng.uniform(size=777) < c4).astype(np.uint8)))
    cases.append(("small", np.array([0.05, 0.5, 0.97]), np.array([0, 1, 1], np.uint8)))
    cases.append(("ties", np.round(c[:1000] * 4) / 4, (rng.uniform(size=1000) < 0.6).astype(np.uint8)))
    return cases


def make_metrics(rng):
    meta = []
    for name, c, y in metric_cases(rng):
        write_csv(f"metrics_{name}_data.csv", ["confidence", "correct"], zip(c, y.astype(int)))
        rows_out = []
        for m in (1, 10, 15):
            for scheme, fn in (("equal_width", bins_equal_width), ("equal_mass", bins_equal_mass)):
                rows = fn(c, y.astype(np.float64), m)
                ece, mce = ece_mce(rows, len(c))
                meta.append((name, scheme, m, ece, mce))
                for k, r in enumerate(rows):
                    rows_out.append((scheme, m, k) + tuple(r))
        write_csv(f"metrics_{name}_bins.csv", ["scheme", "bins", "bin", "lower", "upper", "count", "confidence",
                                               "accuracy"], rows_out)
        meta.append((name, "brier", 0, float(brier_score_loss(y, c)), 0.0))
        meta.append((name, "nll", 0, float(log_loss(y, c, labels=[0, 1])), 0.0))
    write_csv("metrics_cases.csv", ["name", "metric", "bins", "value", "mce"], meta)


# ---------------------------------------------------------------------------------------------
# Temperature scaling and one-vs-rest (CBO Fig. 6)
# ---------------------------------------------------------------------------------------------
def multiclass_cases(rng):
    cases = []
    n, k = 800, 5
    truth = rng.normal(size=(n, k)) * 2.0
    prob = np.exp(truth - truth.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(k, p=row) for row in prob])
    cases.append(("overconfident", truth * 3.0, y))
    cases.append(("underconfident", truth * 0.4, y))
    cases.append(("float32", (truth * 1.7).astype(np.float32).astype(np.float64), y))
    # Class 3 never occurs: the smoothed targets keep its one-vs-rest model finite.
    y2 = np.where(y == 3, 0, y)
    cases.append(("missing_class", truth * 2.0, y2))
    return cases


def temperature_reference(z, y):
    from scipy.optimize import brentq

    def d1(beta):
        m = z.max(axis=1, keepdims=True)
        e = np.exp(beta * (z - m))
        mean = (e * z).sum(axis=1) / e.sum(axis=1)
        return float((mean - z[np.arange(len(y)), y]).sum())

    return 1.0 / brentq(d1, 1e-3, 1e3, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)


def ovr_reference(z, y, k, c):
    n = z.shape[0]
    xa = np.hstack([z, np.ones((n, 1))])
    out = []
    for cls in range(k):
        pos = y == cls
        n1, n0 = pos.sum(), (~pos).sum()
        t = np.where(pos, (n1 + 1.0) / (n1 + 2.0), 1.0 / (n0 + 2.0))
        pen = np.r_[np.full(k, 1.0 / c), 0.0]

        def f(th):
            zz = xa @ th
            return float((np.logaddexp(0.0, zz) - t * zz).sum() + 0.5 * (pen * th * th).sum()) / n

        def g(th):
            return (xa.T @ (expit(xa @ th) - t) + pen * th) / n

        def h(th):
            p = expit(xa @ th)
            return ((xa * (p * (1 - p))[:, None]).T @ xa + np.diag(pen)) / n

        th0 = np.zeros(k + 1)
        th0[-1] = np.log(t.mean() / (1 - t.mean()))
        res = minimize(f, th0, jac=g, hess=h, method="trust-exact", options={"gtol": 1e-13, "maxiter": 1000})
        # scikit-learn: the same soft targets as weighted duplicate rows.
        from sklearn.linear_model import LogisticRegression
        lr = LogisticRegression(C=c, tol=1e-10, max_iter=100000)
        lr.fit(np.vstack([z, z]), np.r_[np.ones(n), np.zeros(n)], sample_weight=np.r_[t, 1 - t])
        out.append((res.x, np.r_[lr.coef_[0], lr.intercept_[0]]))
    return out


def make_multiclass(rng):
    meta = []
    for name, z, y in multiclass_cases(rng):
        n, k = z.shape
        t_ref = temperature_reference(z, y)
        write_csv(f"multiclass_{name}_data.csv", [f"z{j}" for j in range(k)] + ["label"],
                  [tuple(row) + (int(lab),) for row, lab in zip(z, y)])
        params = ovr_reference(z, y, k, 1.0)
        rows = []
        for cls, (ref, sk) in enumerate(params):
            rows.append(("reference", cls) + tuple(ref))
            rows.append(("sklearn", cls) + tuple(sk))
        write_csv(f"multiclass_{name}_ovr.csv", ["source", "class"] + [f"w{j}" for j in range(k)] + ["b"], rows)
        meta.append((name, k, t_ref))
    write_csv("multiclass_cases.csv", ["name", "classes", "temperature"], meta)


def main():
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}", file=sys.stderr)
    make_platt(np.random.default_rng(20240601))
    make_isotonic(np.random.default_rng(20240602))
    make_metrics(np.random.default_rng(20240603))
    make_multiclass(np.random.default_rng(20240604))


if __name__ == "__main__":
    main()
