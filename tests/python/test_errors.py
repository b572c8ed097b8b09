"""Bad input raises ValueError carrying the C++ message (offloadkit::invalid_argument); nothing
crashes."""
import numpy as np
import pytest

import offloadkit as ok

S = np.linspace(0.05, 0.95, 10)
Y = np.array([0, 1] * 5, np.uint8)


@pytest.mark.parametrize("scores,labels,match", [
    (np.array([0.1, np.nan]), [0, 1], r"_calibrator::fit: scores\[1\] is NaN"),
    (np.array([0.1, np.inf]), [0, 1], "scores"),
    (np.array(["a", "b"]), [0, 1], "scores has dtype"),
    (np.array([0.1, 0.2], dtype=object), [0, 1], "scores has dtype object"),
    (np.array([1 + 1j, 2j]), [0, 1], "scores has dtype complex"),
    (np.zeros((2, 2)), [0, 1], "scores has 2 dimensions"),
    (np.linspace(0, 1, 20)[::2], Y, "not C-contiguous"),
    (np.array([]), np.array([], np.uint8), "empty"),
    (S, Y[:9], "labels"),
    (S, np.full(10, 2), r"labels\[0\] is 2"),
    (S, np.full(10, 0.5), r"labels\[0\] is 0.5"),
    (S, np.array(["x"] * 10), "labels has dtype"),
    ("not an array", Y, "scores"),
])
@pytest.mark.parametrize("cls", [ok.PlattCalibrator, ok.IsotonicCalibrator])
def test_fit_rejects(cls, scores, labels, match):
    with pytest.raises(ValueError, match=match):
        cls.fit(scores, labels)


def test_other_entry_points_reject():
    cal = ok.PlattCalibrator.fit(S, Y)
    with pytest.raises(ValueError, match="NaN"):
        cal.predict(np.array([np.nan]))
    with pytest.raises(ValueError, match="not C-contiguous"):
        cal.predict(np.linspace(0, 1, 8)[::2])
    with pytest.raises(ValueError, match="from_string"):
        ok.PlattCalibrator.from_string("garbage")
    with pytest.raises(ValueError):
        ok.PlattCalibrator(float("nan"), 0.0)
    with pytest.raises(ValueError, match="calibration_error"):
        ok.calibration_error(np.array([1.5]), [1])
    with pytest.raises(ValueError, match="strategy"):
        ok.calibration_error(S, Y, strategy="log")
    with pytest.raises(ValueError, match="calibration_error"):
        ok.calibration_error(S, Y, n_bins=0)
    with pytest.raises(ValueError, match="softmax"):
        ok.softmax(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="softmax"):
        ok.softmax(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="labels"):
        ok.TemperatureScaler.fit(np.zeros((3, 2)), [0, 1, 2])
    with pytest.raises(ValueError, match="logits has 1 dimensions"):
        ok.OneVsRestCalibrator.fit(np.zeros(3), [0, 1, 2])
    with pytest.raises(ValueError, match="bits"):
        ok.quantize(np.ones(4), 0)
    with pytest.raises(ValueError, match="spp"):
        ok.spp_max_pool(np.ones((1, 2, 2)), [3])
    with pytest.raises(ValueError, match="x has 2 dimensions"):
        ok.spp_max_pool(np.ones((2, 2)))
    with pytest.raises(ValueError, match="bytes has shape"):
        ok.OffloadProblem([0.0], [0.5], [[1.0, 2.0]], [0.5])
    pb = ok.OffloadProblem([0.0], [0.5], [[-1.0]], [0.5])
    with pytest.raises(ValueError, match="bytes"):
        ok.solve_optimal(pb)
    with pytest.raises(ValueError, match="policy"):
        ok.simulate(ok.Trace([0.5, 0.5], [1, 0], [[1.0], [1.0]], [[1], [1]]), "nope")
    with pytest.raises(ValueError, match="npu_correct"):
        ok.Trace([0.5], [3], [[1.0]], [[1]])
    with pytest.raises(ValueError, match="cannot open"):
        ok.Trace.read_csv("/nonexistent/trace.csv")
    with pytest.raises(ValueError, match="read_amvp_problem"):
        ok.AmvpProblem.from_csv_text("nonsense")
