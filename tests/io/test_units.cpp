#include <offloadkit/io/units.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include <offloadkit/approx/profile_csv.hpp>
#include <offloadkit/approx/scheduler.hpp>

namespace ok = offloadkit;

TEST_CASE("ms_to_seconds is the one ms -> s conversion: 25.5 ms profiled meets 25.5 ms required (ApproxNet §4.6)") {
    // The two conversions the CSV reader and the CLI used to disagree on, in the last bit.
    CHECK(25.5 * 1e-3 != 25.5 / 1000.0);
    CHECK(ok::io::ms_to_seconds(25.5) == 25.5 / 1000.0);
    CHECK(ok::io::seconds_to_ms(ok::io::ms_to_seconds(25.5)) == 25.5);
    // A branch profiled at exactly the requirement is accepted (the comparison is <=).
    const auto p = ok::parse_branch_profiles("branch,accuracy,latency_ms\nsmall,0.6,10\nexact,0.8,25.5\nslow,0.9,40\n");
    CHECK(p.latency(0, 1) == ok::io::ms_to_seconds(25.5));
    const ok::branch_scheduler sched(p);
    const auto d = sched.decide(0, 0, ok::approx_requirement::max_latency(ok::io::ms_to_seconds(25.5)));
    CHECK(d.branch == 1u);
    CHECK(d.met);
    // Transition costs go through the same conversion.
    const auto t = ok::parse_transition_costs("from,to,cost_ms\nsmall,exact,25.5\n", p);
    CHECK(t[0 * 3 + 1] == ok::io::ms_to_seconds(25.5));
}

TEST_CASE("for_people rounds what people read: 0.010 + 0.008 s shown in ms is 18") {
    CHECK(ok::io::seconds_to_ms(0.010 + 0.008) != 18.0);  // 18.000000000000004
    CHECK(ok::io::for_people(ok::io::seconds_to_ms(0.010 + 0.008)) == 18.0);
    CHECK(ok::io::for_people(33.33333333) == 33.333);
    CHECK(ok::io::for_people(0.12345, 2) == 0.12);
    CHECK(ok::io::for_people(-1.0005, 0) == -1.0);
    CHECK(std::isnan(ok::io::for_people(std::numeric_limits<double>::quiet_NaN())));
    CHECK(ok::io::for_people(std::numeric_limits<double>::infinity()) == std::numeric_limits<double>::infinity());
}
