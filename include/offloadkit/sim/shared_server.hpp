#ifndef OFFLOADKIT_SIM_SHARED_SERVER_HPP
#define OFFLOADKIT_SIM_SHARED_SERVER_HPP

/**
 * @file
 * @brief Many devices, one edge server (issue 16 §5): N devices, each replaying the trace through
 *        its own policy over its own uplink, share a FIFO server with K workers. An offloaded
 *        frame's server time T^o is no longer a constant: it is the compute time plus the time the
 *        request waits for a worker behind the other devices' requests.
 *
 * ## The model (what offloadkit-server does, backends/tcp/server.hpp)
 * A request reaches the server when its upload ends (the transfer's finish time of simulate());
 * requests are served first come first served by K identical workers, each taking `compute`
 * seconds per request. The request's deadline on the server is arrival + T - L (the budget
 * tcp_remote sends: what is left of T once the answer's way back, L, is set aside). A request
 * whose deadline has passed when it reaches the server, or when a worker would pick it up, is
 * dropped unanswered by a worker (it costs no compute: "expired"); a request that finds
 * `max_queue` requests already waiting is refused ("overloaded"). The device uses the server's
 * answer when it is back by arrival + T, that is start + compute + L <= arrival + T (the
 * single-device simulator's on-time test, detail::on_time(), with the pick-up time in place of
 * the upload's end); otherwise it keeps its local (NPU) answer and the frame is a deadline miss.
 *
 * With no waiting (every request picked up the moment its upload ends) this is bit for bit the
 * single-device simulator with T^o = compute: simulate() already decided which frames were sent
 * and when, since a device's uplink and policy do not depend on the server's answers (CBO §IV's
 * device knows T^o only as a constant). That is exactly what CBO's model assumes and what stops
 * holding when the server is shared: the policy still plans with the constant T^o while the real
 * one grows with the other devices' offloads (docs/offloading.md, "One shared server").
 *
 * Devices differ by frame phase and content: device d of N replays the evaluated part of the trace
 * rotated by d x E / N frames (E evaluated frames) and shifted in time by d x γ / N (γ the frame
 * interval, frame_interval()), so that the N cameras neither send identical frames nor arrive in
 * lock step. Every device uses the same calibration part (the first calibration_fraction of the
 * trace, unrotated), hence the same fitted calibrator and profile.
 */

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <queue>
#include <span>
#include <string_view>
#include <vector>

#include "../concepts.hpp"
#include "../error.hpp"
#include "../offload/problem.hpp"
#include "simulator.hpp"
#include "trace.hpp"

namespace offloadkit {

/// One request at the shared server.
struct server_request {
    double arrival = 0.0;   ///< when its payload is complete at the server (s, finite, >= 0)
    double deadline = 0.0;  ///< the latest time a worker may pick it up (s): frame arrival + T - L
    double compute = 0.0;   ///< the worker's compute time for it (s, finite, >= 0)
};

/// What the server did with a request.
enum class server_status : std::uint8_t {
    done,        ///< computed: picked up at start, finished at done
    expired,     ///< its deadline passed before a worker picked it up (no compute spent)
    overloaded,  ///< refused on arrival: max_queue requests were already waiting
};

/// One request's fate at the shared server.
struct server_outcome {
    server_status status = server_status::done;
    double start = 0.0;  ///< pick-up time (done and expired at pick-up), or the arrival (refused at once)
    double done = 0.0;   ///< start + compute when done, else start
    std::size_t queue_length = 0;  ///< admitted requests still waiting for a worker when it arrived
};

/**
 * @brief A FIFO server with `workers` identical workers (a G/G/K queue, first come first served;
 *        the queue of offloadkit-server, backends/tcp/server.hpp): requests in order of arrival
 *        (ties: index order) are picked up at t = max(arrival, the earliest time a worker is
 *        free). At arrival, a request past its deadline is expired at once, and one that finds
 *        `max_queue` admitted requests waiting (picked up later than its arrival) is overloaded;
 *        at pick-up, a request past its deadline (t > deadline) is expired and the worker takes
 *        the next one; otherwise it runs from t to t + compute.
 * @param requests the requests, any order.
 * @param workers K >= 1.
 * @param max_queue the queue bound (0: unbounded).
 * @return one outcome per request, in the order of `requests`.
 * @throws offloadkit::invalid_argument for workers == 0, or an arrival or compute time that is not
 *         finite and >= 0, or a NaN deadline (naming the request).
 * O(n log n + n log K); allocates the result and O(n + K) scratch.
 */
template <class = void>
[[nodiscard]] inline std::vector<server_outcome> fifo_server(std::span<const server_request> requests,
                                                             std::size_t workers, std::size_t max_queue = 0) {
    constexpr std::string_view fn = "fifo_server";
    detail::require(workers >= 1, fn, "workers is 0, expected at least 1");
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const server_request& q = requests[i];
        detail::require(std::isfinite(q.arrival) && q.arrival >= 0.0, fn, detail::arg_at{"requests", i},
                        ".arrival is ", q.arrival, ", expected a finite number >= 0");
        detail::require(std::isfinite(q.compute) && q.compute >= 0.0, fn, detail::arg_at{"requests", i},
                        ".compute is ", q.compute, ", expected a finite number >= 0");
        detail::require(!std::isnan(q.deadline), fn, detail::arg_at{"requests", i}, ".deadline is NaN");
    }
    std::vector<std::size_t> order(requests.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return requests[a].arrival < requests[b].arrival; });
    // Worker free times (min-heap). Pick-up times are non-decreasing in FIFO order, so the pick-up
    // times of the admitted requests form a sorted deque: those later than an arrival are waiting.
    std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
    for (std::size_t k = 0; k < workers && k < requests.size(); ++k) {
        free_at.push(0.0);
    }
    std::deque<double> picked;
    std::vector<server_outcome> out(requests.size());
    for (const std::size_t i : order) {
        const server_request& q = requests[i];
        server_outcome& o = out[i];
        while (!picked.empty() && picked.front() <= q.arrival) {
            picked.pop_front();
        }
        o.queue_length = picked.size();
        o.start = q.arrival;
        o.done = q.arrival;
        if (q.arrival > q.deadline) {
            o.status = server_status::expired;
            continue;
        }
        if (max_queue > 0 && picked.size() >= max_queue) {
            o.status = server_status::overloaded;
            continue;
        }
        const double t = std::max(q.arrival, free_at.top());
        picked.push_back(t);
        o.start = t;
        o.done = t;
        if (t > q.deadline) {
            o.status = server_status::expired;
            continue;
        }
        free_at.pop();
        o.status = server_status::done;
        o.done = t + q.compute;
        free_at.push(o.done);
    }
    return out;
}

/// Settings of the shared server (the devices' settings are the sim_options).
struct shared_server_options {
    std::size_t workers = 1;    ///< K >= 1 worker threads
    std::size_t max_queue = 0;  ///< requests waiting before new ones are refused (0: unbounded)
    /// Compute time per request (s); negative (the default): the simulation's T^o,
    /// sim_options::server_time, the constant every device's policy plans with.
    double compute_time = -1.0;
};

/// The shared-server run: per device its sim_result (lateness and correctness after the server),
/// plus the server's totals.
struct shared_server_result {
    std::vector<sim_result> devices;   ///< one per device, policy name set
    double accuracy = 0.0;             ///< mean realised correctness over every device's evaluated frames
    std::size_t frames = 0;            ///< evaluated frames, all devices
    std::size_t requests = 0;          ///< uploads that reached the server
    std::size_t expired = 0;           ///< dropped at the server past their deadline
    std::size_t overloaded = 0;        ///< refused: the queue was full
    std::size_t deadline_misses = 0;   ///< offloaded frames that fell back to the local answer
    std::size_t max_queue_length = 0;  ///< most requests seen waiting by an arriving one
    double mean_wait = 0.0;            ///< mean pick-up delay of computed requests (s)
    double max_wait = 0.0;             ///< largest pick-up delay of a computed request (s)
};

/**
 * @brief Device d's copy of the trace and options in the shared-server mode (file comment): the
 *        evaluated rows [split, n) rotated by d x (n - split) / devices, arrivals shifted by
 *        d x frame_interval() / devices (the arrival_s column is then always written and used).
 *        Device 0 is the trace and options unchanged.
 * @throws offloadkit::invalid_argument for devices == 0, d >= devices, or as profile_trace().
 * O(n m).
 */
template <class = void>
inline void shared_server_device_trace(const trace& tr, const sim_options& opt, std::size_t d, std::size_t devices,
                                       trace& out_trace, sim_options& out_opt) {
    constexpr std::string_view fn = "shared_server_device_trace";
    detail::require(devices >= 1 && d < devices, fn, "device ", d, " of ", devices, " devices");
    const trace_profile prof = profile_trace(tr, opt.calibration_fraction);
    out_trace = tr;
    out_opt = opt;
    if (d == 0) {
        return;
    }
    const std::size_t n = tr.size();
    const std::size_t m = tr.num_resolutions();
    const std::size_t split = prof.split;
    const std::size_t e = n - split;
    const std::size_t shift = d * e / devices;
    const double phase = static_cast<double>(d) * frame_interval(tr, opt) / static_cast<double>(devices);
    out_trace.arrival.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        out_trace.arrival[i] = detail::arrival_of(tr, i, opt) + phase;
    }
    out_opt.use_trace_arrivals = true;
    for (std::size_t k = 0; k < e; ++k) {
        const std::size_t dst = split + k;
        const std::size_t src = split + (k + shift) % e;
        out_trace.confidence[dst] = tr.confidence[src];
        out_trace.npu_correct[dst] = tr.npu_correct[src];
        for (std::size_t r = 0; r < m; ++r) {
            out_trace.bytes[dst * m + r] = tr.bytes[src * m + r];
            out_trace.server_correct[dst * m + r] = tr.server_correct[src * m + r];
        }
        if (!tr.npu_time.empty()) {
            out_trace.npu_time[dst] = tr.npu_time[src];
        }
        if (!tr.compress_correct.empty()) {
            out_trace.compress_correct[dst] = tr.compress_correct[src];
            out_trace.compress_time[dst] = tr.compress_time[src];
        }
        if (tr.has_scores()) {  // the per-class scores of CBO Fig. 6 move with their frame
            const std::size_t kc = tr.num_classes;
            out_trace.true_label[dst] = tr.true_label[src];
            std::copy_n(tr.npu_logits.begin() + static_cast<std::ptrdiff_t>(src * kc), kc,
                        out_trace.npu_logits.begin() + static_cast<std::ptrdiff_t>(dst * kc));
        }
    }
}

/**
 * @brief Puts the devices' offloaded frames through one shared FIFO server (fifo_server()) and
 *        settles each one: the server's answer if it is back by arrival + T (pick-up + compute +
 *        L <= arrival + T, detail::on_time()), else the local answer and a deadline miss.
 *        Updates each device's log (late, correct) and totals (accuracy, deadline_misses).
 * @param devices per device its simulate()/run_policy() result, on the trace `traces[d]`.
 * @param traces per device the trace it ran (same size as devices).
 * @param opt the devices' settings (T, L); so.compute_time < 0 means opt.server_time.
 * @throws offloadkit::invalid_argument for mismatched sizes, a log row outside its trace, or as
 *         fifo_server().
 * O(R log R) for R requests.
 */
template <class = void>
[[nodiscard]] inline shared_server_result settle_on_shared_server(std::vector<sim_result> devices,
                                                                  std::span<const trace> traces,
                                                                  const sim_options& opt,
                                                                  const shared_server_options& so) {
    constexpr std::string_view fn = "settle_on_shared_server";
    detail::validate_sim_options(opt, fn);
    detail::require_same_size(traces.size(), devices.size(), fn, "traces", "devices");
    const double compute = so.compute_time < 0.0 ? opt.server_time : so.compute_time;
    detail::require(std::isfinite(compute), fn, "compute_time is ", compute, ", expected a finite number");
    struct ref {
        std::size_t device;
        std::size_t entry;
    };
    std::vector<server_request> reqs;
    std::vector<ref> refs;
    for (std::size_t d = 0; d < devices.size(); ++d) {
        for (std::size_t k = 0; k < devices[d].log.size(); ++k) {
            const frame_outcome& lg = devices[d].log[k];
            detail::require(lg.frame < traces[d].size(), fn, "device ", d, " log entry ", k, " names frame ", lg.frame,
                            " of a trace of ", traces[d].size());
            if (lg.resolution >= 0 && std::isfinite(lg.finish)) {
                reqs.push_back(server_request{lg.finish, lg.arrival + opt.deadline - opt.network_latency, compute});
                refs.push_back(ref{d, k});
            }
        }
    }
    const std::vector<server_outcome> served = fifo_server(reqs, so.workers, so.max_queue);
    shared_server_result out;
    out.requests = reqs.size();
    std::size_t computed = 0;
    for (std::size_t j = 0; j < reqs.size(); ++j) {
        const server_outcome& o = served[j];
        frame_outcome& lg = devices[refs[j].device].log[refs[j].entry];
        const trace& tr = traces[refs[j].device];
        out.max_queue_length = std::max(out.max_queue_length, o.queue_length);
        bool on_time = false;
        if (o.status == server_status::done) {
            ++computed;
            const double wait = o.start - reqs[j].arrival;
            out.mean_wait += wait;
            out.max_wait = std::max(out.max_wait, wait);
            on_time = detail::on_time(o.start, lg.arrival, opt.deadline, compute, opt.network_latency);
        } else if (o.status == server_status::expired) {
            ++out.expired;
        } else {
            ++out.overloaded;
        }
        lg.late = !on_time;
        lg.correct = on_time ? tr.server_correct_at(lg.frame, static_cast<std::size_t>(lg.resolution))
                             : tr.npu_correct[lg.frame] != 0;
    }
    if (computed > 0) {
        out.mean_wait /= static_cast<double>(computed);
    }
    std::size_t correct_all = 0;
    for (sim_result& r : devices) {
        std::size_t correct = 0;
        r.deadline_misses = 0;
        for (const frame_outcome& lg : r.log) {
            correct += lg.correct ? 1 : 0;
            r.deadline_misses += lg.late ? 1 : 0;
        }
        r.accuracy = r.frames > 0 ? static_cast<double>(correct) / static_cast<double>(r.frames) : 0.0;
        correct_all += correct;
        out.frames += r.frames;
        out.deadline_misses += r.deadline_misses;
    }
    out.accuracy = out.frames > 0 ? static_cast<double>(correct_all) / static_cast<double>(out.frames) : 0.0;
    out.devices = std::move(devices);
    return out;
}

/**
 * @brief The shared-server mode of the simulator (issue 16 §5): device d runs `policies[d]` on its
 *        copy of the trace (shared_server_device_trace()) through run_policy() with its own
 *        estimator (a copy of `estimator`), then all devices' uploads go through one FIFO server
 *        with so.workers workers (settle_on_shared_server()). Deterministic.
 * @code
 * std::vector<ok::policy_kind> cams(8, ok::policy_kind::cbo);
 * auto r = ok::simulate_shared_server(cams, tr, cal, ok::sim_options{}, ok::shared_server_options{.workers = 2});
 * @endcode
 * With one device and no waiting it equals run_policy() exactly; with workers >= devices and no
 * device sending faster than the server computes, it equals the devices run on their own.
 * @param cal the fitted calibrator (fit_trace_calibrator() on the calibration part).
 * @throws offloadkit::invalid_argument for no device, or as run_policy() and fifo_server().
 * O(devices x run_policy() + R log R).
 */
template <frame_calibrator C, bandwidth_estimator E = true_bandwidth>
[[nodiscard]] shared_server_result simulate_shared_server(std::span<const policy_kind> policies, const trace& tr,
                                                          const C& cal, const sim_options& opt,
                                                          const shared_server_options& so, E estimator = E{},
                                                          cbo_order order = cbo_order::confidence) {
    constexpr std::string_view fn = "simulate_shared_server";
    detail::require_not_empty(policies.size(), fn, "policies");
    detail::validate_sim_options(opt, fn);
    detail::require(so.workers >= 1, fn, "workers is 0, expected at least 1");
    std::vector<trace> traces(policies.size());
    std::vector<sim_result> results;
    results.reserve(policies.size());
    for (std::size_t d = 0; d < policies.size(); ++d) {
        sim_options o;
        shared_server_device_trace(tr, opt, d, policies.size(), traces[d], o);
        results.push_back(run_policy(policies[d], traces[d], cal, o, estimator, order));
    }
    return settle_on_shared_server(std::move(results), traces, opt, so);
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_SIM_SHARED_SERVER_HPP
