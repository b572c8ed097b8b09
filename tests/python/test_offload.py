"""Offloading solvers against brute force (CBO §IV, eq. 1-3), and the simulator on a trace read
from CSV and built from numpy arrays (CBO §V)."""
import csv
import itertools

import numpy as np
import pytest

import offloadkit as ok
from conftest import data_path


def random_problem(rng, n, m):
    arrival = np.sort(rng.random(n) * 0.2)
    acc = rng.random(n)
    base = rng.integers(1000, 20000, size=(n, 1)).astype(float)
    bytes_ = base * np.arange(1, m + 1)
    server = np.sort(rng.random(m))
    local_time = rng.random(n) * 0.03 * (rng.random() < 0.5)  # half of the cases without local time
    return ok.OffloadProblem(arrival, acc, bytes_, server, deadline=0.2, server_time=0.037,
                             network_latency=0.05, bandwidth=300000.0, local_time=local_time)


@pytest.mark.parametrize("seed", range(12))
def test_solve_optimal_is_the_brute_force_maximum(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    pb = random_problem(rng, n, m)
    best = -1.0
    for choice in itertools.product(range(-1, m), repeat=n):
        ev = ok.evaluate_plan(pb, np.array(choice))
        if ev["feasible"]:
            best = max(best, ev["value"])
    opt = ok.solve_optimal(pb)
    assert opt["value"] == pytest.approx(best, abs=1e-12)
    assert ok.evaluate_plan(pb, opt["choice"])["feasible"]
    cbo = ok.cbo_schedule(pb)
    ev = ok.evaluate_plan(pb, cbo["choice"])
    assert ev["feasible"] and ev["value"] == pytest.approx(cbo["value"], abs=1e-12)
    assert cbo["value"] <= opt["value"] + 1e-12
    assert ok.cbo_schedule(pb, order="arrival")["value"] == pytest.approx(opt["value"], abs=1e-12)
    assert len(pb) == n and pb.bytes.shape == (n, m)


def test_trace_from_csv_equals_trace_from_arrays(tmp_path):
    # The first 600 frames of the bundled trace, with the columns a Trace built from arrays holds.
    with open(data_path("examples", "data", "fashion_mnist_trace.csv")) as f:
        rows = list(csv.reader(line for line in f if not line.startswith("#")))
    keep = [i for i, name in enumerate(rows[0])
            if name in ("npu_confidence", "npu_correct", "arrival_s", "npu_time_s", "compress_correct",
                        "compress_time_s") or name.startswith(("bytes@", "server_correct@"))]
    path = tmp_path / "slice.csv"
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([[r[i] for i in keep] for r in rows[:601]])
    path = str(path)
    a = ok.Trace.read_csv(path)
    b = ok.Trace(a.confidence, a.npu_correct, a.bytes, a.server_correct, resolutions=a.resolutions,
                 arrival=a.arrival, npu_time=a.npu_time, compress_correct=a.compress_correct,
                 compress_time=a.compress_time)
    assert a.npu_time is not None and a.compress_correct is not None
    assert a.to_csv() == b.to_csv()
    assert ok.Trace.from_csv_text(a.to_csv()).to_csv() == a.to_csv()
    for policy in ok.POLICIES + ("threshold", "compress"):
        ra, rb = ok.simulate(a, policy), ok.simulate(b, policy)
        assert ra == rb and ra["policy"] == policy


def test_simulate_policies_and_sweep():
    tr = ok.Trace.read_csv(data_path("examples", "data", "fashion_mnist_trace.csv"))
    res = {p: ok.simulate(tr, p, log=True) for p in ok.POLICIES}
    n_eval = len(tr) - ok.profile_trace(tr)["split"]
    for p, r in res.items():
        assert r["frames"] == n_eval and len(r["log"]["frame"]) == n_eval
        assert r["accuracy"] == pytest.approx(np.mean(r["log"]["correct"]), abs=1e-12)
        assert r["offloaded"] == pytest.approx(np.mean(r["log"]["resolution"] >= 0), abs=1e-12)
    # the oracle is the offline optimum of the realised correctness with the true bandwidth
    assert all(res["oracle"]["accuracy"] >= r["accuracy"] - 1e-12 for r in res.values())
    assert res["local"]["offloaded"] == 0.0 and res["cbo"]["deadline_misses"] == 0
    # an explicit calibrator equal to the default one gives the same run
    split = ok.profile_trace(tr)["split"]
    platt = ok.PlattCalibrator.fit(tr.confidence[:split], tr.npu_correct[:split])
    assert ok.simulate(tr, "cbo", calibrator=platt) == ok.simulate(tr, "cbo")
    values = [125e3, 625e3]
    sw = ok.sweep(tr, "bandwidth", values, policies=["local", "cbo"])
    assert sw["policy"] == ["local", "local", "cbo", "cbo"]
    np.testing.assert_array_equal(sw["value"], values * 2)
    assert sw["accuracy"][3] == pytest.approx(ok.simulate(tr, "cbo", bandwidth=625e3)["accuracy"], abs=1e-12)
    piecewise = ok.simulate(tr, "cbo", bandwidth=(np.array([0.0, 1.0]), np.array([625e3, 625e3])))
    assert piecewise == ok.simulate(tr, "cbo")


def assert_same_run(a, b):
    """Two simulate() results with their logs are equal (NaN start/finish of local frames included)."""
    assert {k: v for k, v in a.items() if k != "log"} == {k: v for k, v in b.items() if k != "log"}
    assert a["log"].keys() == b["log"].keys()
    for k in a["log"]:
        np.testing.assert_array_equal(a["log"][k], b["log"][k], err_msg=k)


def test_local_time_in_the_problem_by_hand():
    # One frame at t = 0, 1000 bytes at 1e5 bytes/s (10 ms), T^o = 37 ms, L = 50 ms, T = 200 ms:
    # sent after a local time of 100 ms it is back at 0.1 + 0.01 + 0.037 + 0.05 = 0.197 s (on time);
    # after 110 ms at 0.207 s (late), so the exact optimum keeps it local.
    def problem(local_time):
        return ok.OffloadProblem([0.0], [0.5], [[1000.0]], [0.9], deadline=0.2, server_time=0.037,
                                 network_latency=0.05, bandwidth=1e5, local_time=[local_time])
    assert ok.solve_optimal(problem(0.100))["choice"].tolist() == [0]
    assert ok.solve_optimal(problem(0.110))["choice"].tolist() == [-1]
    assert ok.evaluate_plan(problem(0.110), [0])["feasible"] is False
    np.testing.assert_array_equal(problem(0.1).local_time, [0.1])


def test_ready_times_and_local_time_runs():
    tr = ok.Trace.read_csv(data_path("examples", "data", "fashion_mnist_trace.csv"))
    # ready_i = max(a_i, ready_{i-1}) + t_i: one NPU in arrival order (issue 15 §2), worked in numpy
    for kwargs, t in (({"use_trace_local_time": True}, tr.npu_time), ({"local_time": 0.05}, np.full(len(tr), 0.05))):
        expected, prev = np.empty(len(tr)), 0.0
        for i, (a, ti) in enumerate(zip(tr.arrival, t)):
            prev = max(a, prev) + ti
            expected[i] = prev
        np.testing.assert_allclose(ok.ready_times(tr, **kwargs), expected, rtol=0, atol=1e-12)
    # a constant local time is the same run as a trace whose npu_time column holds it
    c = 0.028
    same = ok.Trace(tr.confidence, tr.npu_correct, tr.bytes, tr.server_correct, resolutions=tr.resolutions,
                    arrival=tr.arrival, npu_time=np.full(len(tr), c))
    for policy in ("cbo", "fastva", "optimal"):
        r = ok.simulate(tr, policy, local_time=c, log=True)
        assert_same_run(r, ok.simulate(same, policy, use_trace_local_time=True, log=True))
        split = ok.profile_trace(tr)["split"]
        np.testing.assert_array_equal(r["log"]["ready"], ok.ready_times(tr, local_time=c)[split:])
        assert np.all(r["log"]["decided_at"] >= r["log"]["ready"])
    sw = ok.sweep(tr, "local-time", [0.0, c], policies=["cbo"])
    assert sw["accuracy"][1] == ok.simulate(tr, "cbo", local_time=c)["accuracy"]
    assert sw["accuracy"][0] == ok.simulate(tr, "cbo")["accuracy"]


def _numpy_threshold(conf, npu, server, cal, theta, r):
    c = np.clip(cal, 0.0, 1.0)
    off = c <= theta
    return np.mean(np.where(off, server[:, r], npu)), np.mean(off)


def test_threshold_unconstrained_matches_numpy():
    tr = ok.Trace.read_csv(data_path("examples", "data", "fashion_mnist_trace.csv"))
    split = ok.profile_trace(tr)["split"]
    platt = ok.PlattCalibrator.fit(tr.confidence[:split], tr.npu_correct[:split])
    conf, npu, server = tr.confidence[split:], tr.npu_correct[split:], tr.server_correct[split:]
    thetas = ok.default_theta_grid()
    np.testing.assert_allclose(thetas, np.arange(21) / 20, rtol=0, atol=1e-15)
    for calibrator, cal in (("raw", conf), (None, np.array([platt(float(p)) for p in conf]))):
        for r in range(len(tr.resolutions)):
            got = ok.threshold_unconstrained(tr, thetas, calibrator=calibrator, resolution=r)
            for k, theta in enumerate(thetas):
                acc, off = _numpy_threshold(conf, npu, server, cal, theta, r)
                assert got["accuracy"][k] == pytest.approx(acc, abs=1e-12)
                assert got["offloaded"][k] == pytest.approx(off, abs=1e-12)
            target = got["accuracy"].max()
            share = ok.offload_share_for_accuracy(got["accuracy"], got["offloaded"], target)
            assert share == got["offloaded"][got["accuracy"] >= target].min()
            assert ok.offload_share_for_accuracy(got["accuracy"], got["offloaded"], 1.01) is None
    # first/last select the frames
    part = ok.threshold_unconstrained(tr, [0.5], calibrator="raw", first=0, last=100)
    acc, off = _numpy_threshold(None, tr.npu_correct[:100], tr.server_correct[:100], tr.confidence[:100], 0.5, 0)
    assert part["accuracy"][0] == pytest.approx(acc, abs=1e-12) and part["offloaded"][0] == pytest.approx(off, abs=1e-12)


def test_threshold_policy_follows_its_rule():
    tr = ok.Trace.read_csv(data_path("examples", "data", "fashion_mnist_trace.csv"))
    split = ok.profile_trace(tr)["split"]
    platt = ok.PlattCalibrator.fit(tr.confidence[:split], tr.npu_correct[:split])
    thetas = [0.0, 0.5, 0.9]
    study = ok.threshold_sweep(tr, thetas)
    for k, theta in enumerate(thetas):
        r = ok.simulate(tr, "threshold", theta=theta, log=True)
        assert r["policy"] == "threshold" and r["deadline_misses"] == 0
        assert (study["accuracy"][k], study["offloaded"][k]) == (r["accuracy"], r["offloaded"])
        sent = r["log"]["resolution"] >= 0
        cal = np.array([platt(float(p)) for p in tr.confidence[r["log"]["frame"][sent]]])
        assert np.all(np.clip(cal, 0, 1) <= theta)  # only frames the rule offloads are sent
    # no calibrated confidence is <= 0 here: theta = 0 offloads nothing and is the Local run
    assert study["offloaded"][0] == 0.0
    assert study["accuracy"][0] == ok.simulate(tr, "local")["accuracy"]
    # at a fixed resolution every sent frame uses it
    r = ok.simulate(tr, "threshold", theta=0.9, threshold_resolution=1, log=True)
    assert set(r["log"]["resolution"][r["log"]["resolution"] >= 0].tolist()) == {1}
    sw = ok.sweep(tr, "bandwidth", [625e3], policies=["threshold"], theta=0.9, calibrator="raw")
    assert sw["accuracy"][0] == ok.simulate(tr, "threshold", theta=0.9, calibrator="raw")["accuracy"]


def test_compress_is_fastva_over_the_compress_columns():
    tr = ok.Trace.read_csv(data_path("examples", "data", "fashion_mnist_trace.csv"))
    # With the NPU's own answers and a constant time in the compress columns, Compress is FastVA
    # (arrival order) with that local time (CBO §V-A: "similar to FastVA").
    c = 0.02
    same = ok.Trace(tr.confidence, tr.npu_correct, tr.bytes, tr.server_correct, resolutions=tr.resolutions,
                    arrival=tr.arrival, compress_correct=tr.npu_correct, compress_time=np.full(len(tr), c))
    comp = ok.simulate(same, "compress", log=True)
    fast = ok.simulate(same, "fastva", local_time=c, order="arrival", log=True)
    assert comp.pop("policy") == "compress" and fast.pop("policy") == "fastva"
    assert_same_run(comp, fast)
    with pytest.raises(ValueError, match="compress_correct"):
        ok.simulate(ok.Trace(tr.confidence, tr.npu_correct, tr.bytes, tr.server_correct), "compress")
    with pytest.raises(ValueError, match="both or neither"):
        ok.Trace(tr.confidence, tr.npu_correct, tr.bytes, tr.server_correct, compress_correct=tr.npu_correct)


def test_bandwidth_estimators_against_numpy():
    rng = np.random.default_rng(7)
    obs = list(zip(rng.integers(1000, 50000, 40).astype(float), rng.random(40) * 0.3 + 0.01))
    h, w, e = ok.HarmonicMeanEstimator(5, 1e5), ok.WindowThroughputEstimator(0.5, 8, 1e5), ok.DualEwmaEstimator(2.0, 5.0, 1e5)
    assert (h.estimate(), w.estimate(), e.estimate()) == (1e5, 1e5, 1e5)
    fast = slow = total = 0.0
    for k, (b, s) in enumerate(obs):
        h.observe(b, s), w.observe(b, s), e.observe(b, s)
        last = obs[max(0, k - 4):k + 1]
        assert h.estimate() == pytest.approx(len(last) / sum(si / bi for bi, si in last), rel=1e-12)
        # the window: the newest samples whose seconds cover 0.5 s, at most 8
        kept = obs[max(0, k - 7):k + 1]
        while len(kept) > 1 and sum(si for _, si in kept[1:]) >= 0.5:
            kept = kept[1:]
        assert w.estimate() == pytest.approx(sum(bi for bi, _ in kept) / sum(si for _, si in kept), rel=1e-12)
        # duration-weighted EWMAs with half-lives 2 s and 5 s, bias-corrected, the smaller one
        x, total = b / s, total + s
        fast = 0.5 ** (s / 2.0) * fast + (1 - 0.5 ** (s / 2.0)) * x
        slow = 0.5 ** (s / 5.0) * slow + (1 - 0.5 ** (s / 5.0)) * x
        expected = min(fast / (1 - 0.5 ** (total / 2.0)), slow / (1 - 0.5 ** (total / 5.0)))
        assert e.estimate() == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="seconds"):
        h.observe(1000.0, 0.0)
    with pytest.raises(ValueError, match="window"):
        ok.WindowThroughputEstimator(0.0)


def test_simulate_with_estimators():
    tr = ok.Trace.read_csv(data_path("examples", "data", "fashion_mnist_trace.csv"))
    exact = ok.simulate(tr, "cbo")
    # Under a constant bandwidth every completed transfer measures it, and each estimator starts at it
    for est in ("harmonic", "window", ok.WindowThroughputEstimator(initial=625000.0),
                ok.HarmonicMeanEstimator(initial=625000.0)):
        r = ok.simulate(tr, "cbo", estimator=est)
        assert r["offloaded"] == pytest.approx(exact["offloaded"], abs=2e-3)
        assert r["deadline_misses"] <= 2
    # an estimator that starts at 0 never sends, so it never observes a transfer: the Local run
    r = ok.simulate(tr, "cbo", estimator=ok.HarmonicMeanEstimator(initial=0.0))
    assert r["offloaded"] == 0.0 and r["accuracy"] == ok.simulate(tr, "local")["accuracy"]
    with pytest.raises(ValueError, match="estimator"):
        ok.simulate(tr, "cbo", estimator="guess")
    with pytest.raises(ValueError, match="theta"):
        ok.simulate(tr, "threshold", theta=1.5)
    with pytest.raises(ValueError, match="axis is 'x'"):
        ok.sweep(tr, "x", [1.0])
    with pytest.raises(ValueError, match="resolution is -1"):
        ok.threshold_unconstrained(tr, [0.5], resolution=-1)


# ---- per-class calibration in the simulator (CBO §III-B, Fig. 6) ------------------------------

def bundled_trace():
    return ok.Trace.read_csv(data_path("examples", "data", "fashion_mnist_trace.csv"))


def profile_split(tr, fraction=0.3):
    # profile_trace's split: the leading share of the frames (at least 1).
    return max(1, int(np.floor(fraction * len(tr))))


def test_trace_carries_logits_and_true_labels_from_csv_and_arrays():
    tr = bundled_trace()
    assert tr.logits is not None and tr.logits.shape == (len(tr), 10)
    assert tr.true_label.shape == (len(tr),) and tr.true_label.min() >= 0 and tr.true_label.max() <= 9
    # npu_correct is "the arg max of the logits is the true label" on every frame with a unique top-1.
    top = np.argmax(tr.logits, axis=1)
    unique = (tr.logits == tr.logits.max(axis=1, keepdims=True)).sum(axis=1) == 1
    assert np.array_equal((top == tr.true_label)[unique], tr.npu_correct[unique].astype(bool))
    b = ok.Trace(tr.confidence, tr.npu_correct, tr.bytes, tr.server_correct, resolutions=tr.resolutions,
                 arrival=tr.arrival, npu_time=tr.npu_time, compress_correct=tr.compress_correct,
                 compress_time=tr.compress_time, logits=tr.logits, true_label=tr.true_label)
    assert np.array_equal(b.logits, tr.logits) and np.array_equal(b.true_label, tr.true_label)
    assert ok.simulate(b, "cbo", calibrator="ovr") == ok.simulate(tr, "cbo", calibrator="ovr")


def test_calibrator_names_fit_on_the_profile_part():
    tr = bundled_trace()
    k = profile_split(tr)
    ovr = ok.OneVsRestCalibrator.fit(tr.logits[:k], tr.true_label[:k])
    iso = ok.IsotonicCalibrator.fit(tr.confidence[:k], tr.npu_correct[:k])
    platt = ok.PlattCalibrator.fit(tr.confidence[:k], tr.npu_correct[:k])
    assert ok.simulate(tr, "cbo", calibrator="ovr") == ok.simulate(tr, "cbo", calibrator=ovr)
    assert ok.simulate(tr, "cbo", calibrator="isotonic") == ok.simulate(tr, "cbo", calibrator=iso)
    assert ok.simulate(tr, "cbo", calibrator="platt") == ok.simulate(tr, "cbo", calibrator=platt)
    assert ok.simulate(tr, "cbo", calibrator="platt") == ok.simulate(tr, "cbo")
    # The per-class calibrator changes which frames CBO offloads, so the run must differ from Platt's.
    assert ok.simulate(tr, "cbo", calibrator="ovr")["offloaded"] != ok.simulate(tr, "cbo")["offloaded"]
    sw = ok.sweep(tr, "bandwidth", [625e3], policies=["cbo"], calibrator=ovr)
    assert sw["accuracy"][0] == ok.simulate(tr, "cbo", calibrator=ovr)["accuracy"]


def test_one_vs_rest_top1_probability_against_numpy():
    tr = bundled_trace()
    z = tr.logits[:2000]
    ovr = ok.OneVsRestCalibrator.fit(z, tr.true_label[:2000])
    # sigma(w_i . z + b_i) per class, renormalised, read at the class the logits rank first.
    s = 1.0 / (1.0 + np.exp(-(z @ ovr.coef.T + ovr.intercept)))
    p = s / s.sum(axis=1, keepdims=True)
    want = p[np.arange(len(z)), np.argmax(z, axis=1)]
    got = ovr.top1_probability(z)
    assert got.shape == (len(z),)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert ovr.top1_probability(z[7]) == pytest.approx(want[7], rel=1e-12)
    assert ovr.top1_probability(z.astype(np.float32))[0] == pytest.approx(
        ovr.top1_probability(z[0].astype(np.float32).astype(np.float64)), rel=1e-15)


def test_per_class_calibration_rejects_what_it_cannot_use():
    tr = bundled_trace()
    with pytest.raises(ValueError, match="logits and true_label together"):
        ok.Trace(tr.confidence, tr.npu_correct, tr.bytes, tr.server_correct, logits=tr.logits)
    bad = tr.true_label.copy()
    bad[5] = 10
    with pytest.raises(ValueError, match="true_label has 10, expected 0..9"):
        ok.Trace(tr.confidence, tr.npu_correct, tr.bytes, tr.server_correct, logits=tr.logits, true_label=bad)
    with pytest.raises(ValueError, match=r"logits has shape"):
        ok.Trace(tr.confidence, tr.npu_correct, tr.bytes, tr.server_correct, logits=tr.logits[:-1],
                 true_label=tr.true_label)
    three = ok.OneVsRestCalibrator.fit(np.ascontiguousarray(tr.logits[:300, :3]), tr.true_label[:300] % 3)
    with pytest.raises(ValueError, match="OneVsRestCalibrator of 3 classes but the trace has 10"):
        ok.simulate(tr, "cbo", calibrator=three)
    plain = ok.Trace(tr.confidence, tr.npu_correct, tr.bytes, tr.server_correct)
    with pytest.raises(ValueError, match="needs the trace's true_label and npu_logit"):
        ok.simulate(plain, "cbo", calibrator="ovr")
    with pytest.raises(ValueError, match="calibrator is 'bogus', expected 'platt', 'isotonic', 'ovr' or 'raw'"):
        ok.simulate(tr, "cbo", calibrator="bogus")
