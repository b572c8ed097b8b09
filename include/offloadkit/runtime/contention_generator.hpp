#ifndef OFFLOADKIT_RUNTIME_CONTENTION_GENERATOR_HPP
#define OFFLOADKIT_RUNTIME_CONTENTION_GENERATOR_HPP

/**
 * @file
 * @brief A contention generator: background threads that load the CPU and the memory system at a
 *        known intensity, to profile and test ApproxNet's contention handling (ApproxNet §4.3,
 *        §4.4 "Latency Sensitivity Profile under Resource Contention", §5.7).
 *
 * ApproxNet §5.7 creates contention with "bubbles" (after Bubble-Up): five threads, each streaming
 * over a working set of 10 KB (low contention: the set stays in cache, the bubble is CPU-bound) or
 * 300 MB (high contention: every access misses the caches, the bubble eats memory bandwidth),
 * pinned or not. This header generates the same kind of load with std::thread only:
 *
 * - a contention_setting is `threads` bubbles, each with a working set of `bytes` and a duty cycle
 *   `duty` over a period `period`;
 * - in every period a bubble is busy for duty x period seconds of *its own thread CPU time*
 *   (CLOCK_THREAD_CPUTIME_ID): it read-modify-writes one 8-byte word per 64-byte cache line of its
 *   working set, in order, wrapping around, and checks its CPU clock every 256 lines; then it
 *   sleeps (1 - duty) x period seconds of wall time. Counting the busy phase in CPU time makes the
 *   intensity a property of the bubble, not of how busy the machine already is: a bubble at duty d
 *   asks for d of a core, whether or not it gets it;
 * - a working set that fits the caches (<= 1 MiB, say) makes a CPU-bound bubble, one several times
 *   the last-level cache a memory-bandwidth hog (ApproxNet's 10 KB and 300 MB);
 * - no pinning: the paper's "unpinned" case (pinning is not portable to std::thread).
 *
 * contention_levels() gives the ladder used by offloadkit-profile-approx (ApproxNet §4.4
 * quantizes contention into levels; the paper uses 20 on a 6-core board, a 2-core machine needs
 * fewer): none, then five 10 KiB bubbles at a total demand of one and of two cores, then five
 * 64 MiB bubbles at full duty (64 MiB instead of 300 MB: well beyond a 32 MiB last-level cache
 * without taking 1.5 GB).
 *
 * The generator is RAII: the destructor stops and joins its threads. start(), stop() and set()
 * may be called at run time from one controlling thread (the object is not meant to be shared by
 * several controllers); stats() and alive() may be read while the bubbles run, from that thread or
 * any other that does not race with start()/stop(). Changing the setting stops the running
 * bubbles and starts new ones (a few milliseconds: the new working sets are allocated).
 * @code
 * ok::contention_generator gen;                          // nothing running
 * gen.start(ok::contention_setting::bubbles(5, 10 * 1024, 0.4));
 * run_frames();                                          // under contention
 * gen.stop();                                            // every bubble joined
 * @endcode
 */

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <time.h>  // clock_gettime, CLOCK_THREAD_CPUTIME_ID (POSIX)

#include "../error.hpp"
#include "clock.hpp"

namespace offloadkit {

/// One intensity of the contention generator: `threads` bubbles (ApproxNet §5.7).
struct contention_setting {
    std::size_t threads = 0;    ///< bubbles (0 = no contention), at most 256
    std::size_t bytes = 10240;  ///< working set per bubble, 64 B ... 4 GiB
    double duty = 1.0;          ///< busy fraction of each period, in (0, 1], in the bubble's CPU time
    double period = 0.01;       ///< seconds, in [1e-4, 1]
    std::string name{};         ///< a label for reports (free text)

    /// No contention.
    [[nodiscard]] static contention_setting none() { return {0, 10240, 1.0, 0.01, "none"}; }
    /// `n` bubbles of `bytes` each at duty cycle `duty` (period 10 ms).
    [[nodiscard]] static contention_setting bubbles(std::size_t n, std::size_t bytes, double duty, std::string name = {}) {
        return {n, bytes, duty, 0.01, std::move(name)};
    }
    /// CPU cores' worth of demand: threads x duty.
    [[nodiscard]] double demand() const noexcept { return static_cast<double>(threads) * duty; }
    friend bool operator==(const contention_setting&, const contention_setting&) = default;
};

/**
 * @brief The contention ladder of offloadkit-profile-approx (file comment): level 0 none,
 *        1 "low" (5 x 10 KiB at duty 0.2: one core of CPU-bound demand), 2 "medium" (5 x 10 KiB
 *        at duty 0.4: two cores), 3 "high" (5 x 64 MiB at duty 1: five cores of memory-bound
 *        demand).
 */
template <class = void>
[[nodiscard]] inline std::vector<contention_setting> contention_levels() {
    return {contention_setting::none(), contention_setting::bubbles(5, 10 * 1024, 0.2, "low"),
            contention_setting::bubbles(5, 10 * 1024, 0.4, "medium"),
            contention_setting::bubbles(5, std::size_t{64} << 20, 1.0, "high")};
}

/**
 * @brief The level of contention_levels() called `name` ("none", "low", "medium", "high").
 * @throws offloadkit::invalid_argument naming `name` and the known names otherwise.
 */
template <class = void>
[[nodiscard]] inline contention_setting contention_level(std::string_view name) {
    std::string known;
    for (const auto& l : contention_levels()) {
        if (l.name == name) {
            return l;
        }
        known += (known.empty() ? "" : ", ") + l.name;
    }
    detail::fail("contention_level", "name is '", name, "', expected one of ", known);
}

/**
 * @brief Checks a setting. @throws offloadkit::invalid_argument naming the field and its value
 *        (threads > 256, bytes outside [64, 2^32], duty outside (0, 1] or NaN, period outside
 *        [1e-4, 1] s or NaN).
 */
template <class = void>
inline void validate(const contention_setting& s, std::string_view fn = "contention_setting") {
    detail::require(s.threads <= 256, fn, "threads is ", s.threads, ", expected <= 256");
    detail::require(s.bytes >= 64 && s.bytes <= (std::size_t{1} << 32), fn, "bytes is ", s.bytes,
                    ", expected 64 ... 4294967296");
    detail::require(s.duty > 0.0 && s.duty <= 1.0, fn, "duty is ", s.duty, ", expected a fraction in (0, 1]");
    detail::require(s.period >= 1e-4 && s.period <= 1.0, fn, "period is ", s.period,
                    ", expected seconds in [0.0001, 1]");
}

/// What the bubbles have done since start() (all of them, including stopped ones of this run).
struct contention_stats {
    std::size_t running = 0;          ///< bubbles whose thread is alive now
    std::uint64_t periods = 0;        ///< busy+sleep periods completed
    double busy_cpu_seconds = 0.0;    ///< thread CPU time spent in busy phases
    double cpu_seconds = 0.0;         ///< thread CPU time of the bubbles (sampled at each period end and at exit)
    double slept_seconds = 0.0;       ///< wall time spent sleeping (measured)
    double max_chunk_cpu_seconds = 0.0;  ///< longest CPU time between two clock checks (the busy-phase overshoot bound)
    std::uint64_t lines_touched = 0;  ///< cache lines read-modified-written
};

namespace detail {

[[nodiscard]] inline std::uint64_t thread_cpu_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

struct bubble_state {
    std::atomic<std::uint64_t> periods{0};
    std::atomic<std::uint64_t> busy_ns{0};
    std::atomic<std::uint64_t> cpu_ns{0};
    std::atomic<std::uint64_t> slept_ns{0};
    std::atomic<std::uint64_t> max_chunk_ns{0};
    std::atomic<std::uint64_t> lines{0};
    std::atomic<std::uint64_t> sink{0};  // keeps the touched words observable
};

}  // namespace detail

/**
 * @brief Background bubbles at a known intensity (file comment; ApproxNet §4.3, §5.7). RAII.
 */
class contention_generator {
public:
    /// Nothing running.
    contention_generator() = default;

    /// Starts `setting` at once. @throws offloadkit::invalid_argument as validate().
    template <class = void>
    explicit contention_generator(const contention_setting& setting) { start(setting); }

    contention_generator(const contention_generator&) = delete;
    contention_generator& operator=(const contention_generator&) = delete;

    /// Stops and joins every bubble.
    ~contention_generator() { stop(); }

    /**
     * @brief Runs `setting` (stopping what runs now first). threads = 0 just stops. The working
     *        sets are allocated and touched by the bubbles themselves.
     * @throws offloadkit::invalid_argument as validate() (nothing changes then);
     *         std::system_error if a thread cannot be started (those started are stopped).
     */
    template <class = void>
    void start(const contention_setting& setting) {
        validate(setting, "contention_generator::start");
        stop();
        setting_ = setting;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = false;
        }
        stop_flag_.store(false, std::memory_order_relaxed);
        states_.clear();
        for (std::size_t i = 0; i < setting.threads; ++i) {
            states_.push_back(std::make_unique<detail::bubble_state>());
        }
        try {
            for (std::size_t i = 0; i < setting.threads; ++i) {
                threads_.emplace_back([this, st = states_[i].get(), s = setting, i] { run_bubble(*st, s, i); });
            }
        } catch (...) {
            stop();
            throw;
        }
    }

    /// start() under another name: changes the intensity at run time.
    template <class = void>
    void set(const contention_setting& setting) { start(setting); }

    /// Stops and joins every bubble; a no-op when nothing runs. Statistics stay readable.
    void stop() noexcept {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        stop_flag_.store(true, std::memory_order_relaxed);
        cv_.notify_all();
        for (auto& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
        threads_.clear();
    }

    /**
     * @brief Waits until every bubble of the current setting has completed one period (its working
     *        set allocated and loaded), at most `timeout` seconds (NaN or negative: 0). True at once when nothing runs.
     *        For profiling: the level is only "on" once the bubbles are.
     */
    template <class = void>
    bool wait_running(double timeout = 5.0) const {
        const auto until = std::chrono::steady_clock::now() + detail::to_steady_duration(timeout > 0.0 ? timeout : 0.0);
        for (;;) {
            bool all = true;
            for (const auto& st : states_) {
                all = all && st->periods.load(std::memory_order_relaxed) >= 1;
            }
            if (all) {
                return true;
            }
            if (std::chrono::steady_clock::now() >= until) {
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    /// The setting of the last start() (none() before).
    [[nodiscard]] const contention_setting& setting() const noexcept { return setting_; }

    /// True while bubbles run (between a start() with threads > 0 and stop()).
    [[nodiscard]] bool running() const noexcept { return !threads_.empty(); }

    /// Bubble threads alive now (0 after stop() returns).
    [[nodiscard]] std::size_t alive() const noexcept { return alive_.load(std::memory_order_acquire); }

    /// Totals over the bubbles of the last start(); safe while they run.
    template <class = void>
    [[nodiscard]] contention_stats stats() const {
        contention_stats out;
        out.running = alive();
        std::uint64_t max_chunk = 0;
        for (const auto& st : states_) {
            out.periods += st->periods.load(std::memory_order_relaxed);
            out.busy_cpu_seconds += 1e-9 * static_cast<double>(st->busy_ns.load(std::memory_order_relaxed));
            out.cpu_seconds += 1e-9 * static_cast<double>(st->cpu_ns.load(std::memory_order_relaxed));
            out.slept_seconds += 1e-9 * static_cast<double>(st->slept_ns.load(std::memory_order_relaxed));
            out.lines_touched += st->lines.load(std::memory_order_relaxed);
            max_chunk = std::max(max_chunk, st->max_chunk_ns.load(std::memory_order_relaxed));
        }
        out.max_chunk_cpu_seconds = 1e-9 * static_cast<double>(max_chunk);
        return out;
    }

private:
    template <class = void>
    void run_bubble(detail::bubble_state& st, contention_setting s, std::size_t index) {
        alive_.fetch_add(1, std::memory_order_acq_rel);
        const std::size_t words = s.bytes / sizeof(std::uint64_t);
        std::vector<std::uint64_t> buf;
        try {
            buf.assign(words, index + 1);
        } catch (...) {  // out of memory: this bubble does not run
            alive_.fetch_sub(1, std::memory_order_acq_rel);
            return;
        }
        constexpr std::size_t stride = 64 / sizeof(std::uint64_t);  // one word per cache line
        constexpr std::size_t chunk_lines = 256;
        const std::size_t lines = std::max<std::size_t>(1, words / stride);
        const auto busy_ns = static_cast<std::uint64_t>(s.duty * s.period * 1e9);
        const auto sleep_for = std::chrono::duration<double>((1.0 - s.duty) * s.period);
        std::size_t cursor = 0;
        std::uint64_t x = 0x9E3779B97F4A7C15ULL * (index + 1);
        while (!stop_flag_.load(std::memory_order_relaxed)) {
            const std::uint64_t t0 = detail::thread_cpu_ns();
            std::uint64_t now = t0;
            while (now - t0 < busy_ns && !stop_flag_.load(std::memory_order_relaxed)) {
                for (std::size_t k = 0; k < chunk_lines; ++k) {
                    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                    buf[cursor * stride] += x;
                    cursor = cursor + 1 == lines ? 0 : cursor + 1;
                }
                const std::uint64_t t = detail::thread_cpu_ns();
                const std::uint64_t chunk = t - now;
                if (chunk > st.max_chunk_ns.load(std::memory_order_relaxed)) {
                    st.max_chunk_ns.store(chunk, std::memory_order_relaxed);
                }
                st.lines.fetch_add(chunk_lines, std::memory_order_relaxed);
                now = t;
            }
            st.busy_ns.fetch_add(now - t0, std::memory_order_relaxed);
            if (s.duty < 1.0) {
                const auto w0 = std::chrono::steady_clock::now();
                std::unique_lock<std::mutex> lock(mutex_);
                cv_.wait_for(lock, sleep_for, [this] { return stopping_; });
                lock.unlock();
                const auto slept = std::chrono::steady_clock::now() - w0;
                st.slept_ns.fetch_add(
                    static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(slept).count()),
                    std::memory_order_relaxed);
            }
            st.periods.fetch_add(1, std::memory_order_relaxed);
            st.cpu_ns.store(detail::thread_cpu_ns(), std::memory_order_relaxed);
        }
        st.sink.store(buf[0] ^ x, std::memory_order_relaxed);
        st.cpu_ns.store(detail::thread_cpu_ns(), std::memory_order_relaxed);
        alive_.fetch_sub(1, std::memory_order_acq_rel);
    }

    contention_setting setting_ = contention_setting::none();
    std::vector<std::unique_ptr<detail::bubble_state>> states_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stop_flag_{false};
    std::atomic<std::size_t> alive_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;  // guarded by mutex_
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_RUNTIME_CONTENTION_GENERATOR_HPP
