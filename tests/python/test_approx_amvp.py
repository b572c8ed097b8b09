"""ApproxNet's scheduler over a profile CSV against brute force over the same table (ApproxNet
§4.6), and AMVP's MinMaxCost over a problem CSV against the exact solver (AMVP §IV-C)."""
import csv

import numpy as np
import pytest

import offloadkit as ok
from conftest import data_path

PROFILE = data_path("examples", "data", "approx_illustrative_profile.csv")


def read_profile():
    with open(PROFILE) as f:
        rows = [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]
    local = [r for r in rows if r["executor"] == "local"]
    acc = np.array([[float(r[f"accuracy[{k}]"]) for r in local] for k in range(3)])
    # ms -> s exactly as the library converts (io/units.hpp: x / 1000, not x * 1e-3)
    lat = np.array([[float(r[f"latency_ms[{m}]"]) / 1e3 for r in local] for m in range(3)])
    return [r["branch"] for r in local], acc, lat


@pytest.mark.parametrize("budget_ms", [10, 17, 20, 30, 45, 60])
def test_scheduler_picks_the_most_accurate_branch_within_the_budget(budget_ms):
    names, acc, lat = read_profile()
    s = ok.BranchScheduler.read_csv(PROFILE)
    assert s.categories == 3 and s.contention_levels == 3 and s.branches[: len(names)] == names
    for k in range(3):
        for m in range(3):
            d = s.decide(k, m, max_latency=budget_ms / 1e3)
            fits = [b for b in range(len(names)) if lat[m, b] <= budget_ms / 1e3]
            if fits:
                best = max(acc[k, b] for b in fits)
                assert d["met"] and d["accuracy"] == pytest.approx(best, abs=0)
                assert d["latency"] <= budget_ms / 1e3
            else:
                assert not d["met"]


def test_scheduler_min_accuracy_is_the_fastest_that_meets_it():
    names, acc, lat = read_profile()
    s = ok.BranchScheduler.read_csv(PROFILE)
    d = s.decide(1, 2, min_accuracy=0.78)
    ok_b = [b for b in range(len(names)) if acc[1, b] >= 0.78]
    assert d["latency"] == pytest.approx(min(lat[2, b] for b in ok_b), abs=0)
    with pytest.raises(ValueError, match="category"):
        s.decide(7, 0)


def test_amvp_heuristic_is_no_better_than_the_exact_optimum():
    pb = ok.AmvpProblem.read_csv(data_path("tests", "data", "multitask", "small"))
    exact = ok.minmax_cost_exact(pb)
    ga = ok.minmax_cost_solve(pb, seed=3)
    assert exact["optimal"] and exact["feasible"] and ga["feasible"]
    assert ga["max_cost"] >= exact["max_cost"] - 1e-12
    assert exact["max_cost"] == pytest.approx(max(t["cost"] for t in exact["tasks"]), abs=0)
    assert len(ga["choices"]) == len(pb.tasks)
    again = ok.minmax_cost_solve(pb, seed=3)  # deterministic per seed
    assert again["choices"] == ga["choices"] and again["max_cost"] == ga["max_cost"]
