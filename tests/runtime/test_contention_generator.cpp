// The contention generator (runtime/contention_generator.hpp; ApproxNet §4.3, §5.7 bubbles):
// bad settings are rejected by name, start/stop/set/destruction leave exactly the expected
// threads alive (counted by the generator and, independently, in /proc/self/task), and the duty
// cycle holds in the bubbles' own CPU time, with the tolerance taken from the largest CPU time
// between two of their clock checks; the CPU time the bubbles report matches what the process
// spent outside the test thread (CLOCK_PROCESS_CPUTIME_ID). No wall-clock thresholds.
#include <offloadkit/runtime/contention_generator.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>

#include <time.h>

namespace ok = offloadkit;

namespace contention_generator_test {

/// Threads of this process per /proc (-1 without /proc).
long task_count() {
    std::error_code ec;
    if (!std::filesystem::exists("/proc/self/task", ec)) {
        return -1;
    }
    long n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++n;
    }
    return n;
}

double cpu_clock(clockid_t id) {
    timespec ts{};
    ::clock_gettime(id, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Waits (at most 10 s of wall time, not a test threshold) until `pred` holds.
template <class Pred>
bool wait_until(Pred pred) {
    for (int i = 0; i < 10000 && !pred(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return pred();
}

std::string message_of(const ok::contention_setting& s) {
    try {
        ok::contention_generator g(s);
    } catch (const ok::invalid_argument& e) {
        return e.what();
    }
    return "";
}

}  // namespace contention_generator_test

TEST_CASE("contention_generator: a bad setting is rejected, naming the field") {
    using contention_generator_test::message_of;
    auto s = ok::contention_setting::bubbles(2, 1024, 0.5);
    s.threads = 257;
    CHECK(message_of(s).find("threads is 257") != std::string::npos);
    s = ok::contention_setting::bubbles(2, 8, 0.5);
    CHECK(message_of(s).find("bytes is 8") != std::string::npos);
    for (const double duty : {0.0, -0.5, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
        s = ok::contention_setting::bubbles(2, 1024, duty);
        CAPTURE(duty);
        CHECK(message_of(s).find("contention_generator::start: duty is") != std::string::npos);
    }
    s = ok::contention_setting::bubbles(2, 1024, 0.5);
    s.period = 0.0;
    CHECK(message_of(s).find("period is 0") != std::string::npos);
    // a rejected start() leaves the running bubbles as they were
    ok::contention_generator g(ok::contention_setting::bubbles(1, 1024, 0.1));
    s.period = 2.0;
    CHECK_THROWS_AS(g.start(s), ok::invalid_argument);
    CHECK(g.running());
    CHECK(g.setting().threads == 1);
}

TEST_CASE("contention_generator: start, set and stop leave exactly the expected threads") {
    using namespace contention_generator_test;
    const long before = task_count();
    ok::contention_generator g;
    CHECK_FALSE(g.running());
    CHECK(g.alive() == 0);
    g.start(ok::contention_setting::bubbles(3, 4096, 0.1));
    REQUIRE(g.wait_running());
    CHECK(g.stats().periods >= 3);  // every bubble completed a period
    REQUIRE(wait_until([&] { return g.alive() == 3; }));
    if (before >= 0) {
        CHECK(task_count() == before + 3);
    }
    g.set(ok::contention_setting::bubbles(2, 4096, 0.1));  // change of level at run time
    REQUIRE(wait_until([&] { return g.alive() == 2; }));
    CHECK(g.setting().threads == 2);
    if (before >= 0) {
        CHECK(task_count() == before + 2);
    }
    g.stop();
    CHECK(g.alive() == 0);
    CHECK_FALSE(g.running());
    if (before >= 0) {
        CHECK(task_count() == before);
    }
    g.stop();  // idempotent
    g.start(ok::contention_setting::none());
    CHECK_FALSE(g.running());
    {
        ok::contention_generator scoped(ok::contention_setting::bubbles(2, 4096, 1.0));
        REQUIRE(wait_until([&] { return scoped.alive() == 2; }));
    }  // the destructor joins
    if (before >= 0) {
        CHECK(task_count() == before);
    }
}

TEST_CASE("contention_generator: the duty cycle holds in the bubbles' CPU time") {
    using namespace contention_generator_test;
    for (const double duty : {0.25, 0.6}) {
        CAPTURE(duty);
        auto s = ok::contention_setting::bubbles(2, 16 * 1024, duty);
        s.period = 0.004;
        const double proc0 = cpu_clock(CLOCK_PROCESS_CPUTIME_ID);
        const double self0 = cpu_clock(CLOCK_THREAD_CPUTIME_ID);
        ok::contention_generator g(s);
        REQUIRE(wait_until([&] { return g.stats().periods >= 40; }));
        g.stop();
        const double self1 = cpu_clock(CLOCK_THREAD_CPUTIME_ID);
        const double proc1 = cpu_clock(CLOCK_PROCESS_CPUTIME_ID);
        const ok::contention_stats st = g.stats();
        CHECK(st.running == 0);
        REQUIRE(st.periods >= 40);
        REQUIRE(st.max_chunk_cpu_seconds > 0.0);
        CHECK(st.lines_touched > 0);
        const double n = static_cast<double>(st.periods);
        const double busy_per_period = duty * s.period;
        // Each complete period is busy for at least duty x period of CPU time and overshoots by at
        // most one chunk between clock checks; the last period of each bubble may be cut by stop().
        CHECK(st.busy_cpu_seconds >= (n - 2.0) * busy_per_period);
        CHECK(st.busy_cpu_seconds <= n * (busy_per_period + st.max_chunk_cpu_seconds));
        // Measured duty: busy CPU time over busy CPU time plus the sleep each period asks for.
        const double sleep_asked = n * (1.0 - duty) * s.period;
        const double measured = st.busy_cpu_seconds / (st.busy_cpu_seconds + sleep_asked);
        const double tol = (2.0 * busy_per_period + n * st.max_chunk_cpu_seconds) / (n * s.period);
        CHECK(std::fabs(measured - duty) <= tol);
        // The bubbles slept at least what they asked for (a sleep never ends early).
        CHECK(st.slept_seconds >= sleep_asked - 2.0 * (1.0 - duty) * s.period - 1e-3);
        // What the bubbles report as their CPU time is what the process spent outside this thread.
        const double others = (proc1 - proc0) - (self1 - self0);
        CHECK(st.cpu_seconds >= st.busy_cpu_seconds);
        CHECK(std::fabs(others - st.cpu_seconds) <= 0.005 + 0.05 * st.cpu_seconds);
    }
}

TEST_CASE("contention_levels: the ladder of offloadkit-profile-approx is valid and ascending") {
    const auto levels = ok::contention_levels();
    REQUIRE(levels.size() == 4);
    CHECK(levels[0].threads == 0);
    CHECK(levels[0].demand() == 0.0);
    for (std::size_t i = 0; i < levels.size(); ++i) {
        CAPTURE(i);
        CHECK_NOTHROW(ok::validate(levels[i]));
        CHECK_FALSE(levels[i].name.empty());
        if (i > 0) {
            CHECK(levels[i].demand() > levels[i - 1].demand());
        }
    }
    CHECK(levels[1].bytes * 100 < levels[3].bytes);  // CPU-bound bubbles below, memory-bound at the top
    for (const auto& l : levels) {
        CHECK(ok::contention_level(l.name) == l);
    }
    CHECK_THROWS_WITH_AS((void)ok::contention_level("extreme"),
                         doctest::Contains("name is 'extreme', expected one of none, low, medium, high"),
                         ok::invalid_argument);
}
