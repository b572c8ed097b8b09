// Fuzz target: the ApproxNet branch-profile CSV parser (approx/profile_csv.hpp,
// docs/approx-profile-format.md) and the transition-cost parser, then the scheduler's decisions
// (approx/scheduler.hpp, ApproxNet §4.6).
//
// The input is a profile CSV, optionally followed by a line "%%" and a transition-cost CSV.
// Either parse_branch_profiles() throws offloadkit::invalid_argument, or:
//  - format_branch_profiles() writes text that parses back to an equal profile;
//  - a transition file either is rejected (invalid_argument) or gives a table that
//    set_transition_costs() accepts;
//  - for profiles of at most 32 branches, 8 categories and 8 levels: every decide() — for no
//    requirement, minimum accuracies and maximum latencies at and between every profiled value,
//    from no current branch and from every current branch under two transition-cost limits —
//    equals a brute-force scan over all (allowed) branches with the rules of the scheduler's file
//    comment, and reports the branch's profiled accuracy, latency, transition cost and whether
//    the requirement is met;
//  - offload requests use the remote row (or are rejected when there is none);
//  - step() with hysteresis returns decisions consistent with the profile.
#include <offloadkit/approx/profile_csv.hpp>
#include <offloadkit/approx/scheduler.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"

namespace ok = offloadkit;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

/// The scheduler's rules by brute force: min accuracy A — among branches meeting it the fastest,
/// then the most accurate; none meets: the most accurate, then the fastest. Max latency L — among
/// branches meeting it the most accurate, then the fastest; none: the fastest, then the most
/// accurate. Full ties: the lowest index. Only branches `allowed` from `current` are candidates.
std::size_t brute_force(const ok::branch_profiles& p, std::size_t cat, std::size_t level, bool min_accuracy,
                        double value, std::optional<std::size_t> current, double max_cost) {
    const std::size_t nb = p.branches();
    std::optional<std::size_t> best;
    for (std::size_t b = 0; b < nb; ++b) {
        if (current.has_value() && b != *current && p.has_transition_costs() &&
            !(p.transition_cost(*current, b) <= max_cost)) {
            continue;
        }
        if (!best.has_value()) {
            best = b;
            continue;
        }
        const std::size_t o = *best;
        const double ab = p.accuracy(cat, b), ao = p.accuracy(cat, o);
        const double lb = p.latency(level, b), lo = p.latency(level, o);
        const bool mb = min_accuracy ? ab >= value : lb <= value;
        const bool mo = min_accuracy ? ao >= value : lo <= value;
        bool better = false;
        if (mb != mo) {
            better = mb;
        } else if (min_accuracy == mb) {  // (min acc, both meet) or (max lat, neither meets): fastest first
            better = lb != lo ? lb < lo : ab > ao;
        } else {  // most accurate first
            better = ab != ao ? ab > ao : lb < lo;
        }
        if (better) {
            best = b;
        }
    }
    FUZZ_CHECK(best.has_value());
    return *best;
}

void check_decision(const ok::branch_profiles& p, const ok::branch_decision& d, std::size_t cat, std::size_t level,
                    bool min_accuracy, double value, std::optional<std::size_t> current) {
    FUZZ_CHECK(!d.offload);
    FUZZ_CHECK(d.branch < p.branches());
    FUZZ_CHECK(d.accuracy == p.accuracy(cat, d.branch));
    FUZZ_CHECK(d.latency == p.latency(level, d.branch));
    FUZZ_CHECK(d.met == (min_accuracy ? d.accuracy >= value : d.latency <= value));
    const double cost = current.has_value() ? p.transition_cost(*current, d.branch) : 0.0;
    FUZZ_CHECK(d.transition_cost == cost);
}

/// Requirement values worth probing: every profiled value, its neighbours, midpoints and ends.
std::vector<double> probe_values(std::vector<double> v, double lo, double hi) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    std::vector<double> out{lo, hi};
    for (std::size_t i = 0; i < v.size(); ++i) {
        out.push_back(v[i]);
        out.push_back(std::nextafter(v[i], lo));
        out.push_back(std::nextafter(v[i], hi));
        if (i + 1 < v.size()) {
            out.push_back(v[i] / 2 + v[i + 1] / 2);
        }
    }
    out.erase(std::remove_if(out.begin(), out.end(), [&](double x) { return !(x >= lo && x <= hi); }), out.end());
    return out;
}

void check_scheduler(const ok::branch_profiles& p, double max_cost) {
    ok::scheduler_options opt;
    opt.max_transition_cost = max_cost;
    const ok::branch_scheduler sched(p, opt);
    const std::size_t nb = p.branches();
    for (std::size_t cat = 0; cat < p.categories(); ++cat) {
        for (std::size_t level = 0; level < p.contention_levels(); ++level) {
            std::vector<double> acc, lat;
            for (std::size_t b = 0; b < nb; ++b) {
                acc.push_back(p.accuracy(cat, b));
                lat.push_back(p.latency(level, b));
            }
            struct req {
                ok::approx_requirement r;
                bool min_accuracy;
                double value;
            };
            std::vector<req> reqs{{ok::approx_requirement::none(), false, opt.frame_interval}};
            for (const double a : probe_values(acc, 0.0, 1.0)) {
                reqs.push_back({ok::approx_requirement::min_accuracy(a), true, a});
            }
            for (const double l : probe_values(lat, 0.0, inf)) {
                reqs.push_back({ok::approx_requirement::max_latency(l), false, l});
            }
            for (const auto& q : reqs) {
                const auto d = sched.decide(cat, level, q.r);
                FUZZ_CHECK(d.branch == brute_force(p, cat, level, q.min_accuracy, q.value, std::nullopt, max_cost));
                check_decision(p, d, cat, level, q.min_accuracy, q.value, std::nullopt);
                for (std::size_t cur = 0; cur < nb; cur += 1 + nb / 8) {
                    const auto dc = sched.decide(cat, level, q.r, cur);
                    FUZZ_CHECK(dc.branch == brute_force(p, cat, level, q.min_accuracy, q.value, cur, max_cost));
                    check_decision(p, dc, cat, level, q.min_accuracy, q.value, cur);
                }
            }
            // offload: the remote row, or rejected
            if (p.has_remote()) {
                const auto d = sched.decide(cat, level, ok::approx_requirement::offload());
                FUZZ_CHECK(d.offload && d.met);
                FUZZ_CHECK(d.accuracy == p.remote().accuracy[cat] && d.latency == p.remote().latency[level]);
            } else {
                bool threw = false;
                try {
                    (void)sched.decide(cat, level, ok::approx_requirement::offload());
                } catch (const ok::invalid_argument&) {
                    threw = true;
                }
                FUZZ_CHECK(threw);
            }
        }
    }
    // step() with hysteresis over a fixed walk of (category, level, requirement)
    ok::scheduler_options dwell = opt;
    dwell.min_dwell = 2;
    ok::branch_scheduler stepper(p, dwell);
    for (std::size_t k = 0; k < 24; ++k) {
        const std::size_t cat = (k * 5) % p.categories();
        const std::size_t level = (k * 3) % p.contention_levels();
        const bool min_acc = k % 3 != 0;
        const double value = min_acc ? static_cast<double>(k % 7) / 6.0 : p.latency(level, k % nb);
        const auto prev = stepper.current_branch();
        const auto d = stepper.step(cat, level,
                                    min_acc ? ok::approx_requirement::min_accuracy(value)
                                            : ok::approx_requirement::max_latency(value));
        check_decision(p, d, cat, level, min_acc, value, prev);
        FUZZ_CHECK(stepper.current_branch() == d.branch);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    std::string_view profile_text = all;
    std::optional<std::string_view> transition_text;
    if (const auto sep = all.find("\n%%\n"); sep != std::string_view::npos) {
        profile_text = all.substr(0, sep + 1);
        transition_text = all.substr(sep + 4);
    }
    ok::branch_profiles p({"x"}, 1, 1, {0.5}, {1.0});
    try {
        p = ok::parse_branch_profiles(profile_text);
    } catch (const ok::invalid_argument&) {
        return 0;
    }
    FUZZ_CHECK(ok::parse_branch_profiles(ok::format_branch_profiles(p)) == p);
    if (p.branches() > 32 || p.categories() > 8 || p.contention_levels() > 8) {
        return 0;
    }
    double limit = inf;
    if (transition_text.has_value()) {
        std::vector<double> costs;
        bool parsed = true;
        try {
            costs = ok::parse_transition_costs(*transition_text, p);
        } catch (const ok::invalid_argument&) {
            parsed = false;
        }
        if (parsed) {
            p.set_transition_costs(costs);  // what the parser accepts, the profile accepts
            // a limit that filters some switches: the median non-zero cost
            std::vector<double> nz;
            for (const double c : costs) {
                if (c > 0.0) {
                    nz.push_back(c);
                }
            }
            if (!nz.empty()) {
                std::nth_element(nz.begin(), nz.begin() + static_cast<std::ptrdiff_t>(nz.size() / 2), nz.end());
                limit = nz[nz.size() / 2];
            }
        }
    }
    check_scheduler(p, inf);
    if (p.has_transition_costs()) {
        check_scheduler(p, limit);
        check_scheduler(p, 0.0);
    }
    return 0;
}
