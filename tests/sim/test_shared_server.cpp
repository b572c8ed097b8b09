// Issue 16 §5, the simulator's shared-server mode: the FIFO server against a hand-worked case and a
// tick-by-tick brute force; the whole mode against the single-device simulator where they must agree
// (one device and no waiting; as many workers as devices and no device outpacing the server).
#include <offloadkit/sim/shared_server.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include <offloadkit/sim/synthetic.hpp>

namespace ok = offloadkit;

namespace {

// The server as a clock ticking through whole seconds: at each tick free workers take requests
// from the head of the queue (dropping expired ones), then each request arriving at that tick is
// admitted or refused, and free workers pick again. Integer times only.
std::vector<ok::server_outcome> tick_server(const std::vector<ok::server_request>& rq, std::size_t workers,
                                            std::size_t max_queue) {
    const std::size_t n = rq.size();
    std::vector<ok::server_outcome> out(n);
    std::vector<double> busy_until(workers, 0.0);
    std::deque<std::size_t> queue;
    auto pickup = [&](double t) {
        while (!queue.empty()) {
            std::size_t w = workers;
            for (std::size_t k = 0; k < workers; ++k) {
                if (busy_until[k] <= t) {
                    w = k;
                    break;
                }
            }
            if (w == workers) {
                return;
            }
            const std::size_t j = queue.front();
            queue.pop_front();
            out[j].start = t;
            out[j].done = t;
            if (t > rq[j].deadline) {
                out[j].status = ok::server_status::expired;
                continue;
            }
            out[j].status = ok::server_status::done;
            out[j].done = t + rq[j].compute;
            busy_until[w] = out[j].done;
        }
    };
    for (int tick = 0; tick <= 400; ++tick) {
        const double t = tick;
        pickup(t);
        for (std::size_t j = 0; j < n; ++j) {  // index order within a tick: FIFO ties
            if (rq[j].arrival != t) {
                continue;
            }
            out[j].queue_length = queue.size();
            out[j].start = t;
            out[j].done = t;
            if (t > rq[j].deadline) {
                out[j].status = ok::server_status::expired;
            } else if (max_queue > 0 && queue.size() >= max_queue) {
                out[j].status = ok::server_status::overloaded;
            } else {
                queue.push_back(j);
            }
            pickup(t);
        }
    }
    return out;
}

// A deterministic generator (no std distributions: results must not depend on the library).
struct lcg {
    std::uint64_t s;
    std::uint64_t next(std::uint64_t bound) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return (s >> 33) % bound;
    }
};

void check_same_device(const ok::sim_result& a, const ok::sim_result& b) {
    REQUIRE(a.log.size() == b.log.size());
    CHECK(a.accuracy == b.accuracy);
    CHECK(a.deadline_misses == b.deadline_misses);
    CHECK(a.offloaded == b.offloaded);
    for (std::size_t k = 0; k < a.log.size(); ++k) {
        CAPTURE(k);
        CHECK(a.log[k].frame == b.log[k].frame);
        CHECK(a.log[k].resolution == b.log[k].resolution);
        CHECK(a.log[k].late == b.log[k].late);
        CHECK(a.log[k].correct == b.log[k].correct);
    }
}

// The synthetic trace with the server's compute time set to the shortest transfer of any frame:
// a device then never has two requests at the server at once (its uploads are one at a time).
struct no_overlap_setting {
    ok::trace tr;
    ok::sim_options opt;
};
no_overlap_setting no_overlap(std::uint64_t seed) {
    ok::synthetic_trace_options so;
    so.frames = 600;
    so.seed = seed;
    no_overlap_setting s{ok::make_synthetic_trace(so), ok::sim_options{}};
    s.opt.bandwidth = ok::bandwidth_trace(250000.0);  // 2 Mbps
    const double smallest = *std::min_element(s.tr.bytes.begin(), s.tr.bytes.end());
    s.opt.server_time = smallest / 250000.0;
    return s;
}

}  // namespace

TEST_CASE("fifo_server: two devices, one worker, worked by hand") {
    // Device A sends at 0.0 and 0.3, device B at 0.1 and 0.2; compute 0.5 s each.
    //  r0 (A, 0.0): picked at 0.0, done 0.5.
    //  r1 (B, 0.1): waits for r0, picked 0.5, done 1.0 (queue on arrival: none waiting).
    //  r2 (B, 0.2, deadline 0.9): would be picked at 1.0 > 0.9: expired at 1.0, no compute.
    //  r3 (A, 0.3): r1 and r2 are waiting when it arrives; picked at 1.0, done 1.5.
    const std::vector<ok::server_request> rq{{0.0, 1.0, 0.5}, {0.1, 1.0, 0.5}, {0.2, 0.9, 0.5}, {0.3, 2.0, 0.5}};
    const auto o = ok::fifo_server(rq, 1);
    REQUIRE(o.size() == 4);
    CHECK(o[0].status == ok::server_status::done);
    CHECK(o[0].start == 0.0);
    CHECK(o[0].done == 0.5);
    CHECK(o[1].status == ok::server_status::done);
    CHECK(o[1].start == 0.5);
    CHECK(o[1].done == 1.0);
    CHECK(o[1].queue_length == 0);
    CHECK(o[2].status == ok::server_status::expired);
    CHECK(o[2].start == 1.0);
    CHECK(o[2].queue_length == 1);
    CHECK(o[3].status == ok::server_status::done);
    CHECK(o[3].start == 1.0);
    CHECK(o[3].done == 1.5);
    CHECK(o[3].queue_length == 2);
    // A queue bound of 2 refuses r3 on arrival; r2 still expires.
    const auto b = ok::fifo_server(rq, 1, 2);
    CHECK(b[3].status == ok::server_status::overloaded);
    CHECK(b[2].status == ok::server_status::expired);
    // Two workers: r1 starts on arrival, r2 at 0.5 when r0's worker frees, r3 at 1.0.
    const auto two = ok::fifo_server(rq, 2);
    CHECK(two[1].start == 0.1);
    CHECK(two[2].start == 0.5);
    CHECK(two[2].status == ok::server_status::done);
    CHECK(two[3].start == 0.6);  // r1's worker frees at 0.6
    // Order of the input does not matter, only arrival (ties: input order).
    const std::vector<ok::server_request> rev{rq[3], rq[2], rq[1], rq[0]};
    const auto r = ok::fifo_server(rev, 1);
    CHECK(r[0].start == o[3].start);
    CHECK(r[1].status == ok::server_status::expired);
}

TEST_CASE("fifo_server equals a tick-by-tick brute force on random small cases") {
    lcg g{12345};
    for (int c = 0; c < 300; ++c) {
        const std::size_t n = 1 + g.next(9);
        const std::size_t workers = 1 + g.next(3);
        const std::size_t max_queue = g.next(4);
        std::vector<ok::server_request> rq(n);
        for (auto& q : rq) {
            q.arrival = static_cast<double>(g.next(12));
            q.compute = static_cast<double>(g.next(5));
            q.deadline = q.arrival + static_cast<double>(g.next(8)) - 1.0;  // sometimes already past
        }
        const auto fast = ok::fifo_server(rq, workers, max_queue);
        const auto slow = tick_server(rq, workers, max_queue);
        for (std::size_t j = 0; j < n; ++j) {
            CAPTURE(c);
            CAPTURE(j);
            CHECK(fast[j].status == slow[j].status);
            CHECK(fast[j].start == slow[j].start);
            CHECK(fast[j].done == slow[j].done);
            CHECK(fast[j].queue_length == slow[j].queue_length);
        }
    }
}

TEST_CASE("shared server: one device with no waiting is the single-device simulator, bit for bit") {
    const auto s = no_overlap(7);
    const auto split = ok::profile_trace(s.tr, s.opt.calibration_fraction).split;
    const auto cal = ok::fit_trace_calibrator(s.tr, split);
    for (const auto kind : {ok::policy_kind::cbo, ok::policy_kind::fastva, ok::policy_kind::server,
                            ok::policy_kind::local, ok::policy_kind::optimal}) {
        CAPTURE(ok::policy_name(kind));
        const std::vector<ok::policy_kind> one{kind};
        const auto shared = ok::simulate_shared_server(one, s.tr, cal, s.opt, ok::shared_server_options{});
        const auto alone = ok::run_policy(kind, s.tr, cal, s.opt);
        REQUIRE(shared.devices.size() == 1);
        CHECK(shared.max_wait == 0.0);
        CHECK(shared.expired + shared.overloaded == 0);
        CHECK((kind == ok::policy_kind::local || shared.requests > 50));  // the case is not vacuous
        check_same_device(shared.devices[0], alone);
        CHECK(shared.accuracy == alone.accuracy);
        CHECK(shared.deadline_misses == alone.deadline_misses);
    }
}

TEST_CASE("shared server: as many workers as devices is the devices run on their own") {
    const auto s = no_overlap(11);
    const auto split = ok::profile_trace(s.tr, s.opt.calibration_fraction).split;
    const auto cal = ok::fit_trace_calibrator(s.tr, split);
    const std::vector<ok::policy_kind> kinds{ok::policy_kind::cbo, ok::policy_kind::fastva, ok::policy_kind::server};
    for (const std::size_t workers : {std::size_t{3}, std::size_t{5}}) {
        ok::shared_server_options so;
        so.workers = workers;
        const auto shared = ok::simulate_shared_server(kinds, s.tr, cal, s.opt, so);
        REQUIRE(shared.devices.size() == 3);
        CHECK(shared.max_wait == 0.0);
        for (std::size_t d = 0; d < kinds.size(); ++d) {
            CAPTURE(d);
            ok::trace td;
            ok::sim_options od;
            ok::shared_server_device_trace(s.tr, s.opt, d, kinds.size(), td, od);
            check_same_device(shared.devices[d], ok::run_policy(kinds[d], td, cal, od));
        }
    }
    // Device traces differ in content and phase; the calibration part is shared.
    ok::trace t1;
    ok::sim_options o1;
    ok::shared_server_device_trace(s.tr, s.opt, 1, 3, t1, o1);
    CHECK(t1.arrival[0] == doctest::Approx(ok::frame_interval(s.tr, s.opt) / 3.0));
    CHECK(std::equal(t1.confidence.begin(), t1.confidence.begin() + static_cast<std::ptrdiff_t>(split),
                     s.tr.confidence.begin()));
    CHECK(t1.confidence[split] == s.tr.confidence[split + (s.tr.size() - split) / 3]);
}

TEST_CASE("shared server: one worker for many devices queues, and every late answer falls back to the NPU") {
    const auto s = no_overlap(3);
    const auto split = ok::profile_trace(s.tr, s.opt.calibration_fraction).split;
    const auto cal = ok::fit_trace_calibrator(s.tr, split);
    const std::vector<ok::policy_kind> kinds(6, ok::policy_kind::server);
    ok::shared_server_options so;
    so.compute_time = 0.03;  // 6 cameras at 30 fps need 5.4 s of compute per second: overload
    const auto r = ok::simulate_shared_server(kinds, s.tr, cal, s.opt, so);
    CHECK(r.max_wait > 0.0);
    CHECK(r.expired > 0);
    std::size_t misses = 0;
    for (std::size_t d = 0; d < r.devices.size(); ++d) {
        ok::trace td;
        ok::sim_options od;
        ok::shared_server_device_trace(s.tr, s.opt, d, kinds.size(), td, od);
        for (const auto& lg : r.devices[d].log) {
            if (lg.late) {
                CHECK(lg.correct == (td.npu_correct[lg.frame] != 0));
                ++misses;
            }
        }
    }
    CHECK(misses == r.deadline_misses);
    CHECK(r.deadline_misses >= r.expired);
    // The queue bound refuses requests instead of letting them expire in the queue.
    so.max_queue = 2;
    const auto b = ok::simulate_shared_server(kinds, s.tr, cal, s.opt, so);
    CHECK(b.overloaded > 0);
    CHECK(b.max_queue_length <= 2);
}

TEST_CASE("shared server rejects bad input") {
    CHECK_THROWS_AS((void)ok::fifo_server(std::vector<ok::server_request>{{0.0, 1.0, 0.1}}, 0), ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::fifo_server(std::vector<ok::server_request>{{-1.0, 1.0, 0.1}}, 1), ok::invalid_argument);
    CHECK_THROWS_AS(
        (void)ok::fifo_server(std::vector<ok::server_request>{{0.0, std::numeric_limits<double>::quiet_NaN(), 0.1}}, 1),
        ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::fifo_server(std::vector<ok::server_request>{{0.0, 1.0, -0.1}}, 1), ok::invalid_argument);
    const auto s = no_overlap(1);
    const auto cal = ok::fit_trace_calibrator(s.tr, 10);
    CHECK_THROWS_AS((void)ok::simulate_shared_server(std::vector<ok::policy_kind>{}, s.tr, cal, s.opt, {}),
                    ok::invalid_argument);
    ok::shared_server_options so;
    so.workers = 0;
    CHECK_THROWS_AS((void)ok::simulate_shared_server(std::vector<ok::policy_kind>{ok::policy_kind::cbo}, s.tr, cal, s.opt, so),
                    ok::invalid_argument);
    ok::trace td;
    ok::sim_options od;
    CHECK_THROWS_AS(ok::shared_server_device_trace(s.tr, s.opt, 2, 2, td, od), ok::invalid_argument);
}
