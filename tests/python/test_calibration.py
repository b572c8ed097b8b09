"""Calibrators and metrics against scikit-learn 1.2 and numpy references, with the tolerances of
the C++ golden tests (tests/calibration): Platt |p - p_sklearn| <= 1e-4, isotonic <= 1e-9."""
import pickle

import numpy as np
import pytest
from sklearn.calibration import _sigmoid_calibration
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss

import offloadkit as ok
from conftest import binary_data


def sklearn_platt(s, y, w=None):
    a, b = _sigmoid_calibration(s, y, w)
    return lambda x: 1.0 / (1.0 + np.exp(a * x + b))


@pytest.mark.parametrize("n", [2, 17, 1000, 20000])
@pytest.mark.parametrize("weighted", [False, True])
def test_platt_matches_sklearn(rng, n, weighted):
    s, y = binary_data(rng, n)
    if n == 2:
        y = np.array([0, 1], np.uint8)
    w = rng.random(n) + 0.1 if weighted else None
    cal = ok.PlattCalibrator.fit(s, y, sample_weight=w)
    grid = np.linspace(-0.5, 1.5, 201)
    np.testing.assert_allclose(cal.predict(grid), sklearn_platt(s, y, w)(grid), atol=1e-4, rtol=0)
    assert cal.predict(grid).shape == grid.shape
    assert cal(0.3) == pytest.approx(1.0 / (1.0 + np.exp(cal.a * 0.3 + cal.b)), abs=1e-15)


def test_platt_float32_and_int_labels_give_the_same_model(rng):
    s, y = binary_data(rng, 500)
    s32 = s.astype(np.float32)
    ref = ok.PlattCalibrator.fit(s32.astype(np.float64), y)
    for labels in (y, y.astype(np.int64), y.astype(bool), y.astype(np.float64), list(y)):
        got = ok.PlattCalibrator.fit(s32, labels)
        assert got.a == pytest.approx(ref.a, abs=1e-9) and got.b == pytest.approx(ref.b, abs=1e-9)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("increasing", [True, False, "auto"])
def test_isotonic_matches_sklearn(rng, ties, weighted, increasing):
    s, y = binary_data(rng, 3000, ties=ties)
    if increasing is False:
        s = 1.0 - s
    w = rng.random(len(s)) * 2 if weighted else None
    cal = ok.IsotonicCalibrator.fit(s, y, sample_weight=w, increasing=increasing)
    ref = IsotonicRegression(y_min=0, y_max=1, increasing=increasing, out_of_bounds="clip").fit(s, y, w)
    grid = np.concatenate([np.linspace(-0.2, 1.2, 1001), s[:200]])
    np.testing.assert_allclose(cal.predict(grid), ref.predict(grid), atol=1e-9, rtol=0)
    np.testing.assert_allclose(cal.x_thresholds, ref.X_thresholds_, atol=0, rtol=0)
    np.testing.assert_allclose(cal.y_thresholds, ref.y_thresholds_, atol=1e-12, rtol=0)


def numpy_ece(c, correct, m):
    b = np.minimum(np.floor(c * m).astype(int), m - 1)
    ece, mce = 0.0, 0.0
    conf, acc, count = np.full(m, np.nan), np.full(m, np.nan), np.zeros(m, int)
    for k in range(m):
        sel = b == k
        count[k] = sel.sum()
        if count[k]:
            conf[k], acc[k] = c[sel].mean(), correct[sel].mean()
            gap = abs(acc[k] - conf[k])
            ece += count[k] / len(c) * gap
            mce = max(mce, gap)
    return ece, mce, conf, acc, count


@pytest.mark.parametrize("m", [1, 10, 15, 100])
def test_calibration_error_matches_numpy(rng, m):
    c, y = binary_data(rng, 5000)
    c[:3] = [0.0, 1.0, 0.5]
    rep = ok.calibration_error(c, y, n_bins=m)
    ece, mce, conf, acc, count = numpy_ece(c, y, m)
    assert rep.ece == pytest.approx(ece, abs=1e-12)
    assert rep.mce == pytest.approx(mce, abs=1e-12)
    np.testing.assert_array_equal(rep.count, count)
    np.testing.assert_allclose(rep.confidence, conf, atol=1e-12)
    np.testing.assert_allclose(rep.accuracy, acc, atol=1e-12)
    np.testing.assert_allclose(rep.lower, np.arange(m) / m, atol=1e-15)
    np.testing.assert_allclose(rep.upper, np.arange(1, m + 1) / m, atol=1e-15)


def test_quantile_bins_hold_equal_counts(rng):
    c, y = binary_data(rng, 1000)
    rep = ok.calibration_error(c, y, n_bins=10, strategy="quantile")
    np.testing.assert_array_equal(rep.count, np.full(10, 100))
    gaps = np.abs(rep.accuracy - rep.confidence)
    assert rep.ece == pytest.approx(np.sum(rep.count / 1000 * gaps), abs=1e-12)
    assert rep.mce == pytest.approx(gaps.max(), abs=1e-12)


def test_brier_and_nll(rng):
    c, y = binary_data(rng, 2000)
    c = np.clip(c, 1e-6, 1 - 1e-6)
    assert ok.brier_score(c, y) == pytest.approx(brier_score_loss(y, c), abs=1e-12)
    ref = -np.mean(y * np.log(c) + (1 - y) * np.log(1 - c))
    assert ok.nll(c, y) == pytest.approx(ref, rel=1e-9)


def test_softmax_and_top1(rng):
    z = rng.normal(size=(64, 10)) * 5
    ref = np.exp(z - z.max(axis=1, keepdims=True))
    ref /= ref.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ok.softmax(z), ref, atol=1e-14)
    p32 = ok.softmax(z.astype(np.float32))
    assert p32.dtype == np.float32
    np.testing.assert_allclose(p32, ref, atol=1e-6)
    idx, conf = ok.top1_confidence(z)
    np.testing.assert_array_equal(idx, z.argmax(axis=1))
    np.testing.assert_allclose(conf, ref.max(axis=1), atol=1e-14)
    i, c = ok.top1_confidence(z[3])
    assert i == z[3].argmax() and c == pytest.approx(ref[3].max(), abs=1e-14)


def test_temperature_is_the_nll_minimum(rng):
    n, k = 400, 5
    labels = rng.integers(0, k, n)
    z = rng.normal(size=(n, k)) + 3.0 * np.eye(k)[labels]
    z *= 2.5  # over-confident
    t = ok.TemperatureScaler.fit(z, labels)

    def nll(temp):
        q = z / temp
        q = q - q.max(axis=1, keepdims=True)
        return -np.mean(q[np.arange(n), labels] - np.log(np.exp(q).sum(axis=1)))

    assert nll(t.temperature) <= nll(t.temperature * 1.01) + 1e-12
    assert nll(t.temperature) <= nll(t.temperature / 1.01) + 1e-12
    q = z / t.temperature
    ref = np.exp(q - q.max(axis=1, keepdims=True))
    np.testing.assert_allclose(t.predict(z), ref / ref.sum(axis=1, keepdims=True), atol=1e-12)


def test_one_vs_rest_probabilities(rng):
    n, k = 300, 4
    labels = rng.integers(0, k, n)
    z = rng.normal(size=(n, k)) + 2.0 * np.eye(k)[labels]
    c = ok.OneVsRestCalibrator.fit(z, labels)
    p = c.predict(z)
    assert p.shape == (n, k)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    # the renormalised one-vs-rest sigmoids of the exposed parameters
    s = 1.0 / (1.0 + np.exp(-(z @ c.coef.T + c.intercept)))
    np.testing.assert_allclose(p, s / s.sum(axis=1, keepdims=True), atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda rng: ok.PlattCalibrator.fit(*binary_data(rng, 300)),
    lambda rng: ok.IsotonicCalibrator.fit(*binary_data(rng, 300)),
    lambda rng: ok.TemperatureScaler.fit(rng.normal(size=(50, 3)), rng.integers(0, 3, 50)),
    lambda rng: ok.OneVsRestCalibrator.fit(rng.normal(size=(50, 3)), rng.integers(0, 3, 50)),
])
def test_text_and_pickle_round_trip(rng, make):
    cal = make(rng)
    back = type(cal).from_string(cal.to_string())
    assert back == cal
    assert pickle.loads(pickle.dumps(cal)) == cal
    assert repr(cal).startswith(type(cal).__name__ + "(")
    x = rng.random((7, 3)) if isinstance(cal, (ok.TemperatureScaler, ok.OneVsRestCalibrator)) else rng.random(7)
    np.testing.assert_array_equal(back.predict(x), cal.predict(x))
    np.testing.assert_array_equal(cal(x), cal.predict(x))
