#ifndef OFFLOADKIT_RUNTIME_RUNNER_HPP
#define OFFLOADKIT_RUNTIME_RUNNER_HPP

/**
 * @file
 * @brief The optional helper that runs a pipeline (runtime/cbo_pipeline.hpp) on its own
 *        std::jthread: the worker polls at the pipeline's next_due() (at least every
 *        `max_period`) and right after each push, and hands every result to a sink.
 *
 * The pipeline itself has no thread and no lock; this helper adds both, outside the core.
 *
 * ## Which calls are thread-safe
 *  - push(), stats(), outstanding(), with_pipeline(), wait_idle(), last_error(): from any
 *    thread, concurrently (one mutex serializes them with the worker's poll()).
 *  - stop() and the destructor: from any one thread, once the other callers are done pushing.
 *  - The sink runs on the worker thread (and, for the results flushed by stop(), on the thread
 *    calling stop()), never concurrently with itself and never under the mutex: it may call
 *    push() or stats().
 * The pipeline object must not be used directly while the runner exists (use with_pipeline()).
 *
 * ## Timing
 * The worker sleeps on a condition variable until the earliest of: next_due(), now + max_period, a
 * push, or stop. push() runs the local inference under the mutex, so a result due during another
 * frame's local inference is delivered when that inference ends — the "+ local inference time"
 * of the pipeline's guarantee. Use pipeline_options::deadline_guard to absorb the wake-up jitter
 * of a real clock.
 *
 * Allocation: one std::function for the sink and the result batch at construction; the batch grows
 * only with the pipeline's capacity.
 */

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "cbo_pipeline.hpp"
#include "clock.hpp"

namespace offloadkit {

/**
 * @brief Runs `Pipeline` (an offload_pipeline or anything with the same push/poll/flush/
 *        next_due/clock/outstanding/stats members) on a std::jthread. See the file comment.
 *
 * @code
 * auto pipe = ok::make_cbo_pipeline<frame>(opt, platt, npu, enc, link, server, est, ok::steady_clock_source{});
 * ok::pipeline_runner run(pipe, [](const ok::frame_result& r) { show(r); });
 * run.push(frame, pipe_clock_now);          // from the capture thread
 * run.wait_idle(1.0);  run.stop();           // every pushed frame has produced its result
 * @endcode
 */
template <class Pipeline>
class pipeline_runner {
public:
    using frame_type = typename Pipeline::frame_type;
    using result_sink = std::function<void(const frame_result&)>;

    /**
     * @param pipeline the pipeline to drive; must outlive the runner and not be used directly
     *        while the runner exists.
     * @param sink receives every result (on the worker thread).
     * @param max_period the longest the worker sleeps between polls (s), > 0.
     * @throws offloadkit::invalid_argument for an empty sink or a bad period.
     */
    pipeline_runner(Pipeline& pipeline, result_sink sink, double max_period = 0.001)
        : pipeline_(pipeline), sink_(std::move(sink)), max_period_(max_period) {
        detail::require(static_cast<bool>(sink_), "pipeline_runner", "sink is empty");
        detail::require_positive(max_period, "pipeline_runner", "max_period");
        batch_.reserve(pipeline_.options().capacity);
        worker_ = std::jthread([this](std::stop_token st) { run(st); });
    }

    pipeline_runner(const pipeline_runner&) = delete;
    pipeline_runner& operator=(const pipeline_runner&) = delete;

    /// Stops the worker (as stop()).
    ~pipeline_runner() { stop(); }

    /**
     * @brief Thread-safe Pipeline::push(): local inference, into the window, wakes the worker.
     * @throws as Pipeline::push (the pipeline is unchanged).
     */
    std::uint64_t push(const frame_type& frame, double timestamp) {
        std::uint64_t id = 0;
        {
            std::lock_guard lock(mutex_);
            id = pipeline_.push(frame, timestamp);
            pushed_ = true;
        }
        wake_.notify_all();
        return id;
    }

    /**
     * @brief Thread-safe Pipeline::push(frame): the timestamp is the pipeline clock's reading,
     *        taken under the mutex, so pushes from several threads are always in order.
     */
    std::uint64_t push(const frame_type& frame) {
        std::uint64_t id = 0;
        {
            std::lock_guard lock(mutex_);
            id = pipeline_.push(frame);
            pushed_ = true;
        }
        wake_.notify_all();
        return id;
    }

    /// A snapshot of the pipeline's counters (thread-safe).
    [[nodiscard]] pipeline_stats stats() const {
        std::lock_guard lock(mutex_);
        return pipeline_.stats();
    }

    /// Frames pushed whose result has not been handed to the sink's caller yet (thread-safe).
    [[nodiscard]] std::size_t outstanding() const {
        std::lock_guard lock(mutex_);
        return pipeline_.outstanding();
    }

    /// Runs f(pipeline) under the runner's mutex and returns its result (thread-safe).
    template <class F>
    decltype(auto) with_pipeline(F&& f) {
        std::lock_guard lock(mutex_);
        return std::forward<F>(f)(pipeline_);
    }

    /**
     * @brief Waits until every pushed frame has its result, or `timeout` seconds (wall time) pass
     *        (NaN or <= 0: no wait; more than 1e9, +inf included: 1e9 — a double beyond the range of
     *        steady_clock's ticks would make the conversion undefined behaviour).
     * @return true when nothing is outstanding.
     */
    bool wait_idle(double timeout) {
        std::unique_lock lock(mutex_);
        const auto until = std::chrono::steady_clock::now() + detail::to_steady_duration(timeout > 0.0 ? timeout : 0.0);
        return idle_.wait_until(lock, until, [&] { return pipeline_.outstanding() == 0 && delivering_ == 0; });
    }

    /**
     * @brief Stops and joins the worker, then flushes what is still outstanding to the sink (on the
     *        calling thread; see Pipeline::flush): every pushed frame gets its result. Idempotent.
     */
    void stop() {
        if (!worker_.joinable()) {
            return;
        }
        worker_.request_stop();
        wake_.notify_all();
        worker_.join();
        std::vector<frame_result> rest;
        {
            std::lock_guard lock(mutex_);
            const auto r = pipeline_.flush();
            rest.assign(r.begin(), r.end());
        }
        for (const auto& r : rest) {
            sink_(r);
        }
    }

    /// The first exception the worker's poll() threw, if any (the worker keeps polling).
    [[nodiscard]] std::exception_ptr last_error() const {
        std::lock_guard lock(mutex_);
        return error_;
    }

private:
    void run(std::stop_token st) {
        std::unique_lock lock(mutex_);
        bool repolled = false;
        while (!st.stop_requested()) {
            pushed_ = false;
            batch_.clear();
            try {
                const auto results = pipeline_.poll();
                batch_.assign(results.begin(), results.end());
            } catch (...) {
                if (!error_) {
                    error_ = std::current_exception();
                }
            }
            if (!batch_.empty()) {
                ++delivering_;
                lock.unlock();
                for (const auto& r : batch_) {
                    sink_(r);
                }
                lock.lock();
                --delivering_;
            }
            if (pipeline_.outstanding() == 0 && delivering_ == 0) {
                idle_.notify_all();
            }
            if (pushed_) {
                continue;  // a push arrived while the sink ran: poll again at once
            }
            const double now = static_cast<double>(pipeline_.clock().now());
            const double due = pipeline_.next_due();
            if (due <= now && !repolled) {
                repolled = true;  // became due while the sink ran: poll again at once (once)
                continue;
            }
            repolled = false;
            double wait = max_period_;
            if (due - now < wait) {
                wait = due - now;
            }
            wait = wait > 20e-6 ? wait : 20e-6;  // a due time that rounds below now: do not spin
            // max_period may be any finite value (1e300, say): the conversion clamps it
            wake_.wait_for(lock, st, detail::to_steady_duration(wait), [&] { return pushed_; });
        }
    }

    Pipeline& pipeline_;
    result_sink sink_;
    double max_period_;
    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    std::condition_variable_any idle_;
    std::vector<frame_result> batch_;
    std::exception_ptr error_;
    std::size_t delivering_ = 0;
    bool pushed_ = false;
    std::jthread worker_;  // last: started after every other member exists, joined first
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_RUNTIME_RUNNER_HPP
