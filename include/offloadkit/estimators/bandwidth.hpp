#ifndef OFFLOADKIT_ESTIMATORS_BANDWIDTH_HPP
#define OFFLOADKIT_ESTIMATORS_BANDWIDTH_HPP

/**
 * @file
 * @brief Uplink bandwidth estimators fed from completed transfers: the harmonic mean of the last
 *        N samples, a dual (fast/slow) exponentially weighted moving average, and bytes over a
 *        sliding window of transfer time (for real TCP links). All satisfy the
 *        `bandwidth_estimator` concept of concepts.hpp and are used by the simulator and the CBO
 *        policies (CBO §IV-D needs B; the paper assumes it known).
 *
 * A sample is one completed transfer: `observe(bytes, seconds)` records a throughput of
 * bytes / seconds. Neither estimator allocates after construction.
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"

namespace offloadkit {

namespace detail {
/// Rejects a sample whose throughput bytes / seconds (or its inverse) overflows or underflows a
/// double: one such sample would make the running sums infinite and every later estimate NaN.
inline void check_throughput(double bytes, double seconds, std::string_view function) {
    const double x = bytes / seconds;
    const double inv = seconds / bytes;
    require(std::isfinite(x) && x > 0.0 && std::isfinite(inv) && inv > 0.0, function, "bytes / seconds is ",
            bytes, " / ", seconds, ", a throughput outside the range of double");
}
}  // namespace detail

/**
 * @brief Harmonic mean of the throughput of the last N transfers (the estimator of
 *        Jiang et al., FESTIVE, CoNEXT 2012, and Yin et al., MPC, SIGCOMM 2015: robust to a
 *        single fast outlier, pulled down by slow transfers).
 *
 * estimate() = count / sum_i (1 / x_i) over the last min(count, N) samples x_i = bytes/seconds;
 * before the first sample it returns `initial`.
 * @code
 * ok::harmonic_mean_estimator est(5, 625000.0);
 * est.observe(37000, 0.0592);        // a 37 kB frame sent in 59.2 ms
 * double b = est.estimate();         // 625000
 * @endcode
 */
class harmonic_mean_estimator {
public:
    /**
     * @param window N, the number of recent samples averaged (>= 1).
     * @param initial the estimate before any sample, bytes/s (finite, >= 0).
     * @throws offloadkit::invalid_argument for window 0 or a bad initial value.
     */
    explicit harmonic_mean_estimator(std::size_t window = 5, double initial = 0.0) : initial_(initial) {
        detail::require(window >= 1, "harmonic_mean_estimator", "window is 0, expected >= 1");
        detail::require_non_negative(initial, "harmonic_mean_estimator", "initial");
        inverse_.assign(window, 0.0);
    }

    /**
     * @brief Records one completed transfer. O(1), no allocation.
     * @throws offloadkit::invalid_argument unless bytes and seconds are finite and > 0 and
     *         bytes / seconds and seconds / bytes are both finite and > 0 (state unchanged).
     */
    void observe(double bytes, double seconds) {
        detail::require_positive(bytes, "harmonic_mean_estimator::observe", "bytes");
        detail::require_positive(seconds, "harmonic_mean_estimator::observe", "seconds");
        detail::check_throughput(bytes, seconds, "harmonic_mean_estimator::observe");
        const double inv = seconds / bytes;  // 1 / throughput
        if (count_ == inverse_.size()) {
            sum_ -= inverse_[next_];
        } else {
            ++count_;
        }
        inverse_[next_] = inv;
        sum_ += inv;
        next_ = (next_ + 1) % inverse_.size();
        // Recompute the sum now and then so that rounding from the running update cannot drift.
        if (next_ == 0) {
            sum_ = 0.0;
            for (std::size_t i = 0; i < count_; ++i) {
                sum_ += inverse_[i];
            }
        }
    }

    /// The harmonic mean of the recent samples in bytes/s (`initial` before any). O(1).
    [[nodiscard]] double estimate() const noexcept {
        return count_ == 0 ? initial_ : static_cast<double>(count_) / sum_;
    }

    /// Number of samples currently averaged (<= window).
    [[nodiscard]] std::size_t samples() const noexcept { return count_; }

    friend bool operator==(const harmonic_mean_estimator&, const harmonic_mean_estimator&) = default;

private:
    std::vector<double> inverse_;
    std::size_t next_ = 0;
    std::size_t count_ = 0;
    double sum_ = 0.0;
    double initial_ = 0.0;
};

/**
 * @brief Two exponentially weighted moving averages of throughput, a fast and a slow one, with
 *        the estimate the smaller of the two (the scheme of Shaka Player's EwmaBandwidthEstimator:
 *        react quickly to drops, slowly to rises).
 *
 * Each sample x = bytes/seconds is weighted by its duration: with half-life h (seconds of
 * transfer), e <- a e + (1 - a) x, a = 0.5^(seconds / h). Both averages start at 0 and are
 * divided by (1 - 0.5^(total seconds / h)) to remove the start-up bias. Before the first sample
 * the estimate is `initial`.
 */
class dual_ewma_estimator {
public:
    /**
     * @param fast_half_life,slow_half_life half-lives in seconds of observed transfer time (> 0).
     * @param initial the estimate before any sample, bytes/s (finite, >= 0).
     * @throws offloadkit::invalid_argument for non-positive half-lives or a bad initial value.
     */
    explicit dual_ewma_estimator(double fast_half_life = 2.0, double slow_half_life = 5.0, double initial = 0.0)
        : fast_half_life_(fast_half_life), slow_half_life_(slow_half_life), initial_(initial) {
        detail::require_positive(fast_half_life, "dual_ewma_estimator", "fast_half_life");
        detail::require_positive(slow_half_life, "dual_ewma_estimator", "slow_half_life");
        detail::require_non_negative(initial, "dual_ewma_estimator", "initial");
    }

    /**
     * @brief Records one completed transfer. O(1), no allocation.
     * @throws offloadkit::invalid_argument unless bytes and seconds are finite and > 0 and
     *         bytes / seconds and seconds / bytes are both finite and > 0 (state unchanged).
     */
    void observe(double bytes, double seconds) {
        detail::require_positive(bytes, "dual_ewma_estimator::observe", "bytes");
        detail::require_positive(seconds, "dual_ewma_estimator::observe", "seconds");
        detail::check_throughput(bytes, seconds, "dual_ewma_estimator::observe");
        const double x = bytes / seconds;
        const double af = std::pow(0.5, seconds / fast_half_life_);
        const double as = std::pow(0.5, seconds / slow_half_life_);
        fast_ = af * fast_ + (1.0 - af) * x;
        slow_ = as * slow_ + (1.0 - as) * x;
        total_seconds_ += seconds;
        last_ = x;
        ++samples_;
    }

    /// min(fast, slow) after bias correction, bytes/s (`initial` before any sample). O(1).
    [[nodiscard]] double estimate() const {
        if (samples_ == 0) {
            return initial_;
        }
        const double df = 1.0 - std::pow(0.5, total_seconds_ / fast_half_life_);
        const double ds = 1.0 - std::pow(0.5, total_seconds_ / slow_half_life_);
        if (!(df > 0.0) || !(ds > 0.0)) {
            return last_;  // transfers so short that the weights round to nothing
        }
        return std::min(fast_ / df, slow_ / ds);
    }

    /// Number of samples observed.
    [[nodiscard]] std::size_t samples() const noexcept { return samples_; }

    friend bool operator==(const dual_ewma_estimator&, const dual_ewma_estimator&) = default;

private:
    double fast_half_life_;
    double slow_half_life_;
    double initial_;
    double fast_ = 0.0;
    double slow_ = 0.0;
    double total_seconds_ = 0.0;
    double last_ = 0.0;
    std::size_t samples_ = 0;
};

/**
 * @brief Bytes acknowledged over a sliding window of transfer time: the estimate is
 *        sum(bytes) / sum(seconds) over the most recent transfers that together last at least
 *        `window` seconds (CBO §IV-D plans with the uplink bandwidth B; this measures it as the
 *        byte-weighted throughput of the last `window` seconds the link was busy).
 *
 * Why not one sample per frame: on a token-bucket link (Linux tbf) a frame smaller than the
 * bucket passes at memory speed and a frame right after it pays for both, so per-frame rates
 * scatter widely around the true rate; the harmonic mean of N samples is then pulled towards the
 * slow ones. Summing bytes and busy seconds over a window averages the bucket out exactly as the
 * shaper does: over any busy interval longer than the bucket's burst / rate, bytes / seconds is
 * the shaped rate. The window is in transfer (busy) seconds, not wall-clock seconds, so an idle
 * uplink does not age the estimate away and observe() needs no timestamp; after a rate change the
 * estimate follows within `window` busy seconds (docs/runtime.md, "TCP backend", gives the
 * measured error per rate step on a shaped namespace link).
 *
 * Samples kept: the newest ones whose seconds sum to at least `window` (the oldest is dropped as
 * soon as the others cover the window), at most `max_samples`. Before any sample: `initial`.
 * @code
 * ok::window_throughput_estimator est(0.5);
 * est.observe(30000, 0.3);  est.observe(10000, 0.3);   // both kept: 0.3 s < 0.5 s
 * double b = est.estimate();                           // 40000 / 0.6 = 66666.7 bytes/s
 * @endcode
 */
class window_throughput_estimator {
public:
    /**
     * @param window busy seconds covered (finite, > 0).
     * @param max_samples most samples kept (>= 1), bounding memory and the cost of observe().
     * @param initial the estimate before any sample, bytes/s (finite, >= 0).
     * @throws offloadkit::invalid_argument naming the argument for a bad value.
     */
    explicit window_throughput_estimator(double window = 0.5, std::size_t max_samples = 64, double initial = 0.0)
        : window_(window), initial_(initial) {
        detail::require_positive(window, "window_throughput_estimator", "window");
        detail::require(max_samples >= 1, "window_throughput_estimator", "max_samples is 0, expected >= 1");
        detail::require_non_negative(initial, "window_throughput_estimator", "initial");
        bytes_.assign(max_samples, 0.0);
        seconds_.assign(max_samples, 0.0);
    }

    /**
     * @brief Records one completed transfer. O(max_samples), no allocation.
     * @throws offloadkit::invalid_argument unless bytes and seconds are finite and > 0 and their
     *         ratio is a finite positive double (state unchanged).
     */
    void observe(double bytes, double seconds) {
        constexpr std::string_view fn = "window_throughput_estimator::observe";
        detail::require_positive(bytes, fn, "bytes");
        detail::require_positive(seconds, fn, "seconds");
        detail::check_throughput(bytes, seconds, fn);
        const std::size_t cap = bytes_.size();
        const std::size_t slot = (first_ + count_) % cap;
        if (count_ == cap) {
            first_ = (first_ + 1) % cap;  // full: the oldest makes room
        } else {
            ++count_;
        }
        bytes_[slot] = bytes;
        seconds_[slot] = seconds;
        // Drop the oldest while the others still cover the window.
        double covered = 0.0;
        for (std::size_t k = 0; k < count_; ++k) {
            covered += seconds_[(first_ + k) % cap];
        }
        while (count_ > 1 && covered - seconds_[first_] >= window_) {
            covered -= seconds_[first_];
            first_ = (first_ + 1) % cap;
            --count_;
        }
        // Exact sums of what is kept (no running-sum drift).
        sum_bytes_ = 0.0;
        sum_seconds_ = 0.0;
        for (std::size_t k = 0; k < count_; ++k) {
            sum_bytes_ += bytes_[(first_ + k) % cap];
            sum_seconds_ += seconds_[(first_ + k) % cap];
        }
    }

    /// sum(bytes) / sum(seconds) over the kept samples, bytes/s (`initial` before any). O(1).
    [[nodiscard]] double estimate() const noexcept { return count_ == 0 ? initial_ : sum_bytes_ / sum_seconds_; }

    /// Number of samples kept now.
    [[nodiscard]] std::size_t samples() const noexcept { return count_; }
    /// Busy seconds the kept samples cover.
    [[nodiscard]] double covered_seconds() const noexcept { return sum_seconds_; }

    friend bool operator==(const window_throughput_estimator&, const window_throughput_estimator&) = default;

private:
    double window_;
    double initial_;
    std::vector<double> bytes_;
    std::vector<double> seconds_;
    std::size_t first_ = 0;
    std::size_t count_ = 0;
    double sum_bytes_ = 0.0;
    double sum_seconds_ = 0.0;
};

static_assert(bandwidth_estimator<harmonic_mean_estimator>);
static_assert(bandwidth_estimator<window_throughput_estimator>);
static_assert(bandwidth_estimator<dual_ewma_estimator>);

}  // namespace offloadkit

#endif  // OFFLOADKIT_ESTIMATORS_BANDWIDTH_HPP
