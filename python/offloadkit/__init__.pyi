# Type stubs of the offloadkit Python package (issue 19). Papers: CBO (Tan & Cao, INFOCOM 2022),
# ApproxNet (Xu et al.), AMVP (Chao et al.). Arrays: numpy arrays or array-likes; float64/float32
# C-contiguous arrays are read without a copy. Invalid input raises ValueError.
from typing import Any, Literal, Optional, Sequence, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

__version__: str
POLICIES: Tuple[str, ...]

ArrayLike = npt.ArrayLike
F64 = npt.NDArray[np.float64]


class PlattCalibrator:
    """Platt scaling p = 1 / (1 + exp(a*s + b)) (CBO §III-B)."""
    @overload
    def __init__(self) -> None: ...
    @overload
    def __init__(self, a: float, b: float) -> None: ...
    @staticmethod
    def fit(scores: ArrayLike, labels: ArrayLike, sample_weight: Optional[ArrayLike] = None,
            target_smoothing: bool = True, max_iterations: int = 100) -> "PlattCalibrator":
        """Maximum likelihood on Platt's smoothed targets (CBO §III-B); same optimum as scikit-learn."""
    @property
    def a(self) -> float: ...
    @property
    def b(self) -> float: ...
    @overload
    def predict(self, scores: float) -> float: ...
    @overload
    def predict(self, scores: ArrayLike) -> F64: ...
    @overload
    def __call__(self, scores: float) -> float: ...
    @overload
    def __call__(self, scores: ArrayLike) -> F64: ...
    def to_string(self) -> str:
        """Text read by C++ offloadkit::platt_calibrator::from_string."""
    @staticmethod
    def from_string(text: str) -> "PlattCalibrator": ...


class IsotonicCalibrator:
    """Isotonic regression calibration (CBO §III-B), = scikit-learn IsotonicRegression(0, 1, clip)."""
    @overload
    def __init__(self) -> None: ...
    @overload
    def __init__(self, x: ArrayLike, y: ArrayLike, increasing: bool = True) -> None: ...
    @staticmethod
    def fit(scores: ArrayLike, labels: ArrayLike, sample_weight: Optional[ArrayLike] = None,
            increasing: Union[bool, Literal["auto"]] = True) -> "IsotonicCalibrator": ...
    @property
    def x_thresholds(self) -> F64: ...
    @property
    def y_thresholds(self) -> F64: ...
    @property
    def increasing(self) -> bool: ...
    @overload
    def predict(self, scores: float) -> float: ...
    @overload
    def predict(self, scores: ArrayLike) -> F64: ...
    @overload
    def __call__(self, scores: float) -> float: ...
    @overload
    def __call__(self, scores: ArrayLike) -> F64: ...
    def to_string(self) -> str: ...
    @staticmethod
    def from_string(text: str) -> "IsotonicCalibrator": ...


class TemperatureScaler:
    """softmax(z / T), T minimising the NLL (temperature scaling, Guo et al. 2017)."""
    def __init__(self, temperature: float = 1.0) -> None: ...
    @staticmethod
    def fit(logits: ArrayLike, labels: ArrayLike, sample_weight: None = None, min_temperature: float = 1e-3,
            max_temperature: float = 1e3, max_iterations: int = 200) -> "TemperatureScaler": ...
    @property
    def temperature(self) -> float: ...
    def predict(self, logits: ArrayLike) -> F64: ...
    def __call__(self, logits: ArrayLike) -> F64: ...
    def to_string(self) -> str: ...
    @staticmethod
    def from_string(text: str) -> "TemperatureScaler": ...


class OneVsRestCalibrator:
    """One L2-regularised logistic model per class on the logits, renormalised."""
    def __init__(self) -> None: ...
    @staticmethod
    def fit(logits: ArrayLike, labels: ArrayLike, sample_weight: None = None, C: float = 1.0,
            target_smoothing: bool = True, max_iterations: int = 100) -> "OneVsRestCalibrator": ...
    @property
    def num_classes(self) -> int: ...
    @property
    def coef(self) -> F64: ...
    @property
    def intercept(self) -> F64: ...
    def predict(self, logits: ArrayLike) -> F64: ...
    def __call__(self, logits: ArrayLike) -> F64: ...
    @overload
    def top1_probability(self, logits: Sequence[float]) -> float: ...
    @overload
    def top1_probability(self, logits: ArrayLike) -> F64:
        """P(the top-1 of the logits is right) (CBO §III-B, Fig. 6): what simulate() uses as C(p_i)."""
    def to_string(self) -> str: ...
    @staticmethod
    def from_string(text: str) -> "OneVsRestCalibrator": ...


class CalibrationReport:
    """ECE, MCE and per-bin arrays of a reliability diagram (CBO §III-B)."""
    ece: float
    mce: float
    lower: F64
    upper: F64
    count: npt.NDArray[np.int64]
    confidence: F64
    accuracy: F64


def calibration_error(confidences: ArrayLike, correct: ArrayLike, n_bins: int = 10,
                      strategy: Literal["uniform", "quantile"] = "uniform") -> CalibrationReport:
    """ECE = sum_b n_b/n |acc_b - conf_b|, MCE = max_b |acc_b - conf_b| (CBO §III-B)."""
def brier_score(confidences: ArrayLike, correct: ArrayLike) -> float: ...
def nll(confidences: ArrayLike, correct: ArrayLike) -> float: ...
def softmax(logits: ArrayLike) -> npt.NDArray[Any]:
    """Stable softmax along the last axis (CBO §III-A)."""
@overload
def top1_confidence(logits: Sequence[float]) -> Tuple[int, float]: ...
@overload
def top1_confidence(logits: ArrayLike) -> Any: ...


class OffloadProblem:
    """Frames to keep local or offload over a FCFS uplink (CBO §IV-A, eq. 1-3)."""
    deadline: float
    server_time: float
    network_latency: float
    bandwidth: float
    def __init__(self, arrival: ArrayLike, local_accuracy: ArrayLike, bytes: ArrayLike, server_accuracy: ArrayLike,
                 deadline: float = 0.2, server_time: float = 0.037, network_latency: float = 0.1,
                 bandwidth: float = 625000.0, local_time: Optional[ArrayLike] = None) -> None:
        """local_time: the NPU's time per frame (s); a frame is sent from arrival + local_time on."""
    @property
    def server_accuracy(self) -> F64: ...
    @property
    def local_time(self) -> F64: ...
    @property
    def arrival(self) -> F64: ...
    @property
    def local_accuracy(self) -> F64: ...
    @property
    def bytes(self) -> F64: ...
    def __len__(self) -> int: ...


def solve_optimal(problem: OffloadProblem, uplink_free_at: float = 0.0) -> dict:
    """Exact maximum of eq. 1 (CBO §IV-B): value, choice, threshold, resolution, first."""
def cbo_schedule(problem: OffloadProblem, uplink_free_at: float = 0.0,
                 order: Literal["confidence", "arrival"] = "confidence") -> dict:
    """CBO Algorithm 1 (CBO §IV-D)."""
def evaluate_plan(problem: OffloadProblem, choice: ArrayLike, uplink_free_at: float = 0.0) -> dict: ...


class Trace:
    """An offloading trace (docs/trace-format.md)."""
    def __init__(self, confidence: ArrayLike, npu_correct: ArrayLike, bytes: ArrayLike, server_correct: ArrayLike,
                 resolutions: Optional[Sequence[str]] = None, arrival: Optional[ArrayLike] = None,
                 npu_time: Optional[ArrayLike] = None, compress_correct: Optional[ArrayLike] = None,
                 compress_time: Optional[ArrayLike] = None, logits: Optional[ArrayLike] = None,
                 true_label: Optional[ArrayLike] = None) -> None:
        """npu_time: column npu_time_s; compress_correct / compress_time: the Compress baseline's columns
        (CBO §V-A), both or neither; logits (n x K) / true_label (n): columns npu_logit@k and true_label,
        both or neither (the per-class calibrator of CBO Fig. 6 reads them)."""
    @staticmethod
    def read_csv(path: str) -> "Trace": ...
    @staticmethod
    def from_csv_text(text: str) -> "Trace": ...
    def to_csv(self) -> str: ...
    def __len__(self) -> int: ...
    resolutions: list
    confidence: F64
    npu_correct: npt.NDArray[np.uint8]
    arrival: Optional[F64]
    npu_time: Optional[F64]
    compress_correct: Optional[npt.NDArray[np.uint8]]
    compress_time: Optional[F64]
    logits: Optional[F64]
    true_label: Optional[npt.NDArray[np.int32]]
    bytes: F64
    server_correct: npt.NDArray[np.uint8]


class HarmonicMeanEstimator:
    """Harmonic mean of the last `window` transfer throughputs; a bandwidth estimate B (CBO §IV-D)."""
    def __init__(self, window: int = 5, initial: float = 0.0) -> None: ...
    def observe(self, bytes: float, seconds: float) -> None: ...
    def estimate(self) -> float: ...
    @property
    def samples(self) -> int: ...


class DualEwmaEstimator:
    """min(fast EWMA, slow EWMA) of duration-weighted throughput; a bandwidth estimate B (CBO §IV-D)."""
    def __init__(self, fast_half_life: float = 2.0, slow_half_life: float = 5.0, initial: float = 0.0) -> None: ...
    def observe(self, bytes: float, seconds: float) -> None: ...
    def estimate(self) -> float: ...
    @property
    def samples(self) -> int: ...


class WindowThroughputEstimator:
    """sum(bytes) / sum(seconds) over the newest transfers covering `window` busy seconds (CBO §IV-D's B)."""
    def __init__(self, window: float = 0.5, max_samples: int = 64, initial: float = 0.0) -> None: ...
    def observe(self, bytes: float, seconds: float) -> None: ...
    def estimate(self) -> float: ...
    @property
    def samples(self) -> int: ...


Calibrator = Union[None, Literal["platt", "isotonic", "ovr", "raw"], PlattCalibrator, IsotonicCalibrator,
                   OneVsRestCalibrator]
Bandwidth = Union[float, Tuple[ArrayLike, ArrayLike]]
Estimator = Union[Literal["exact", "harmonic", "ewma", "window"], HarmonicMeanEstimator, DualEwmaEstimator,
                  WindowThroughputEstimator]
Policy = Literal["local", "server", "fastva", "cbo-uncalibrated", "cbo", "optimal", "oracle", "threshold",
                 "compress"]


def profile_trace(trace: Trace, calibration_fraction: float = 0.3) -> dict: ...
def ready_times(trace: Trace, deadline: float = 0.2, server_time: float = 0.037, network_latency: float = 0.1,
                fps: float = 30.0, use_trace_arrivals: bool = True, bandwidth: Bandwidth = 625000.0,
                calibration_fraction: float = 0.3, local_time: float = 0.0,
                use_trace_local_time: bool = False) -> F64:
    """When each frame's local result is known: ready_i = max(a_i, ready_{i-1}) + t_i (issue 15 §2)."""
def simulate(trace: Trace, policy: Policy = "cbo", calibrator: Calibrator = None, deadline: float = 0.2,
             server_time: float = 0.037, network_latency: float = 0.1, fps: float = 30.0,
             use_trace_arrivals: bool = True, bandwidth: Bandwidth = 625000.0, calibration_fraction: float = 0.3,
             local_time: float = 0.0, use_trace_local_time: bool = False,
             order: Literal["confidence", "arrival"] = "arrival", log: bool = False, estimator: Estimator = "exact",
             theta: float = 0.5, threshold_resolution: int = -1) -> dict:
    """Trace-driven replay of one policy (CBO §V-A); threshold = CBO §III-A's rule, compress = CBO §V-A's
    Compress baseline. order defaults to 'arrival' as the tools do (docs/offloading.md)."""
def sweep(trace: Trace, axis: Literal["bandwidth", "fps", "latency", "local-time"], values: ArrayLike,
          policies: Optional[Sequence[Policy]] = None, calibrator: Calibrator = None, deadline: float = 0.2,
          server_time: float = 0.037, network_latency: float = 0.1, fps: float = 30.0,
          use_trace_arrivals: bool = True, bandwidth: Bandwidth = 625000.0, calibration_fraction: float = 0.3,
          local_time: float = 0.0, use_trace_local_time: bool = False,
          order: Literal["confidence", "arrival"] = "arrival", estimator: Estimator = "exact",
          theta: float = 0.5, threshold_resolution: int = -1) -> dict:
    """Every policy at every value of one parameter (CBO §V-B, Fig. 5-7)."""


def default_theta_grid() -> F64:
    """theta = 0, 0.05, ..., 1."""
def threshold_unconstrained(trace: Trace, thetas: Optional[ArrayLike] = None, calibrator: Calibrator = None,
                            resolution: int = 0, first: Optional[int] = None, last: Optional[int] = None,
                            calibration_fraction: float = 0.3) -> dict:
    """CBO §III-A's threshold study without an uplink (Fig. 4 raw, Fig. 7a calibrated): columns theta,
    accuracy, offloaded, deadline_misses."""
def threshold_sweep(trace: Trace, thetas: Optional[ArrayLike] = None, calibrator: Calibrator = None,
                    resolution: int = -1, deadline: float = 0.2, server_time: float = 0.037,
                    network_latency: float = 0.1, fps: float = 30.0, use_trace_arrivals: bool = True,
                    bandwidth: Bandwidth = 625000.0, calibration_fraction: float = 0.3, local_time: float = 0.0,
                    use_trace_local_time: bool = False) -> dict:
    """CBO §III-A's threshold rule through the simulator at every theta (Fig. 4 / 7a under the uplink model)."""
def offload_share_for_accuracy(accuracy: ArrayLike, offloaded: ArrayLike, target: float) -> Optional[float]:
    """The smallest offload share whose accuracy reaches target (CBO Fig. 4 against Fig. 7a), or None."""


def spp_max_pool(x: ArrayLike, levels: Sequence[int] = (1, 2, 3),
                 rule: Literal["paper", "adaptive"] = "paper") -> npt.NDArray[Any]:
    """Spatial pyramid max pooling (ApproxNet §4.1), CHW or NCHW."""
def spp_avg_pool(x: ArrayLike, levels: Sequence[int] = (1, 2, 3),
                 rule: Literal["paper", "adaptive"] = "paper") -> npt.NDArray[Any]: ...


class QuantizedTensor:
    """Features quantized per AMVP §IV-B, eq. 1."""
    bits: int
    min: float
    max: float
    size: int
    layout: str
    channels: int
    channel_mins: F64
    channel_maxs: F64
    payload: bytes
    def serialize(self) -> bytes: ...
    @staticmethod
    def deserialize(data: bytes) -> "QuantizedTensor": ...
    def __len__(self) -> int: ...


def quantize(features: ArrayLike, bits: int = 8, layout: Literal["per_tensor", "chw", "hwc"] = "per_tensor",
             channels: int = 1) -> QuantizedTensor: ...
def dequantize(qt: QuantizedTensor) -> npt.NDArray[np.float32]: ...


class BranchScheduler:
    """ApproxNet's scheduler over precomputed frontiers (ApproxNet §4.6)."""
    @staticmethod
    def read_csv(path: str, frame_interval: float = ..., max_transition_cost: float = ...,
                 min_dwell: int = 0) -> "BranchScheduler": ...
    @staticmethod
    def from_csv_text(text: str, frame_interval: float = ..., max_transition_cost: float = ...,
                      min_dwell: int = 0) -> "BranchScheduler": ...
    branches: list
    categories: int
    contention_levels: int
    def decide(self, category: int, level: int, min_accuracy: Optional[float] = None,
               max_latency: Optional[float] = None, offload: bool = False, current: Optional[int] = None) -> dict: ...
    def step(self, category: int, level: int, min_accuracy: Optional[float] = None,
             max_latency: Optional[float] = None, offload: bool = False) -> dict: ...
    def reset(self) -> None: ...
    def frontier(self, category: int, level: int) -> list: ...


class AmvpProblem:
    """AMVP's multitask placement problem (docs/amvp-problem-format.md)."""
    @staticmethod
    def read_csv(path: str) -> "AmvpProblem": ...
    @staticmethod
    def from_csv_text(text: str) -> "AmvpProblem": ...
    tasks: list
    devices: list


def minmax_cost_solve(problem: AmvpProblem, seed: int = 1, population: int = 32, generations: int = 40,
                      mutation_rate: float = 0.1, recombination_period: int = 5, stall_generations: int = 10,
                      refine_selection: bool = True) -> dict:
    """MinMaxCost (AMVP §IV-C, Algorithms 1-2)."""
def minmax_cost_exact(problem: AmvpProblem) -> dict: ...
