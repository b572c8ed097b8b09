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
    return ok.OffloadProblem(arrival, acc, bytes_, server, deadline=0.2, server_time=0.037,
                             network_latency=0.05, bandwidth=300000.0)


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
            if name in ("npu_confidence", "npu_correct", "arrival_s") or name.startswith(("bytes@", "server_correct@"))]
    path = tmp_path / "slice.csv"
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([[r[i] for i in keep] for r in rows[:601]])
    path = str(path)
    a = ok.Trace.read_csv(path)
    b = ok.Trace(a.confidence, a.npu_correct, a.bytes, a.server_correct, resolutions=a.resolutions,
                 arrival=a.arrival)
    assert a.to_csv() == b.to_csv()
    assert ok.Trace.from_csv_text(a.to_csv()).to_csv() == a.to_csv()
    for policy in ok.POLICIES:
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
