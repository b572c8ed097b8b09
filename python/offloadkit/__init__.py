"""offloadkit: calibration and offloading (CBO, Tan & Cao, INFOCOM 2022), approximation-branch
scheduling (ApproxNet, Xu et al.) and multitask placement (AMVP, Chao et al.) from numpy.

The computations are the C++ library's (a pybind11 extension, ``offloadkit._offloadkit``); a
calibrator's ``to_string()`` text is the one ``offloadkit::platt_calibrator::from_string`` (and the
other C++ ``from_string`` functions) read on the device. Invalid input raises ``ValueError`` with
the C++ message. Contiguous float64/float32 arrays are read without copies; other numeric dtypes
are converted; strings, objects and non-contiguous views are rejected.
"""

from ._offloadkit import (  # noqa: F401
    __version__,
    POLICIES,
    AmvpProblem,
    BranchScheduler,
    CalibrationReport,
    DualEwmaEstimator,
    HarmonicMeanEstimator,
    IsotonicCalibrator,
    OffloadProblem,
    OneVsRestCalibrator,
    PlattCalibrator,
    QuantizedTensor,
    TemperatureScaler,
    Trace,
    WindowThroughputEstimator,
    brier_score,
    calibration_error,
    cbo_schedule,
    default_theta_grid,
    dequantize,
    evaluate_plan,
    minmax_cost_exact,
    minmax_cost_solve,
    nll,
    offload_share_for_accuracy,
    profile_trace,
    quantize,
    ready_times,
    simulate,
    softmax,
    solve_optimal,
    spp_avg_pool,
    spp_max_pool,
    sweep,
    threshold_sweep,
    threshold_unconstrained,
    top1_confidence,
)

__all__ = [
    "POLICIES", "AmvpProblem", "BranchScheduler", "CalibrationReport", "DualEwmaEstimator",
    "HarmonicMeanEstimator", "IsotonicCalibrator", "OffloadProblem", "OneVsRestCalibrator",
    "PlattCalibrator", "QuantizedTensor", "TemperatureScaler", "Trace", "WindowThroughputEstimator",
    "brier_score", "calibration_error", "cbo_schedule", "default_theta_grid", "dequantize",
    "evaluate_plan", "minmax_cost_exact", "minmax_cost_solve", "nll", "offload_share_for_accuracy",
    "profile_trace", "quantize", "ready_times", "simulate", "softmax", "solve_optimal", "spp_avg_pool",
    "spp_max_pool", "sweep", "threshold_sweep", "threshold_unconstrained", "top1_confidence",
]
