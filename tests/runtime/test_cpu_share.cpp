// Compute shares (runtime/cpu_share.hpp): the duty-cycle throttle's idle time c (1 - u) / u and
// that it sleeps at least that long; cgroup detection says why when unusable; with a writable
// cgroup v1 cpu hierarchy (root), a group's quota / period reads back as its share and a thread
// joins it; the groups are removed afterwards.
#include <offloadkit/runtime/cpu_share.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <thread>

namespace ok = offloadkit;

namespace cpu_share_test {
double burn(double seconds) {
    const double t0 = ok::thread_cpu_seconds();
    volatile double x = 0.0;
    while (ok::thread_cpu_seconds() - t0 < seconds) {
        for (int i = 0; i < 1000; ++i) {
            x = x + 1.0;
        }
    }
    return x;
}
}  // namespace cpu_share_test

TEST_CASE("duty_cycle_throttle: idle_for is c (1 - u) / u; the thread sleeps at least that") {
    CHECK(ok::duty_cycle_throttle::idle_for(0.3, 0.25) == doctest::Approx(0.9));
    CHECK(ok::duty_cycle_throttle::idle_for(0.3, 1.0) == 0.0);
    CHECK(ok::duty_cycle_throttle::idle_for(0.0, 0.5) == 0.0);
    ok::duty_cycle_throttle t(0.5);
    const int r = t.run([] {
        (void)cpu_share_test::burn(0.002);
        return 42;
    });
    CHECK(r == 42);
    CHECK(t.busy_seconds() >= 0.002);
    CHECK(t.idle_seconds() >= t.busy_seconds() * (1.0 - 1e-9));  // share 1/2: idle >= busy
    CHECK(t.share() == 0.5);
    CHECK_THROWS_AS(ok::duty_cycle_throttle(0.0), ok::invalid_argument);
    CHECK_THROWS_AS(ok::duty_cycle_throttle(1.5), ok::invalid_argument);
    CHECK(ok::mechanism_name(ok::cpu_share_mechanism::cgroup2) == "cgroup2 cpu.max");
    CHECK(ok::mechanism_name(ok::cpu_share_mechanism::duty_cycle) == "duty-cycle throttle");
}

TEST_CASE("find_cgroup_cpu: a usable directory, or the reason") {
    CHECK_THROWS_AS((void)ok::find_cgroup_cpu(ok::cpu_share_mechanism::duty_cycle), ok::invalid_argument);
    for (const auto m : {ok::cpu_share_mechanism::cgroup2, ok::cpu_share_mechanism::cgroup1}) {
        const auto r = ok::find_cgroup_cpu(m);
        CHECK(r.mechanism == m);
        CHECK(r.available() != r.path.empty());
        CHECK(r.available() == r.why.empty());
        if (r.available()) {
            CHECK(std::filesystem::is_directory(r.path));
        }
    }
}

// cgroup v2 runs where the cpu controller is in the v2 hierarchy (a unified host, or a hybrid one
// whose v1 cpu hierarchy was unmounted); v1 where a cpu hierarchy is mounted and writable. Each
// reports itself skipped, with the reason, where it cannot run.
TEST_CASE("cgroup_cpu_limits: quota / period is the share, a thread joins, the groups go away") {
    for (const auto m : {ok::cpu_share_mechanism::cgroup2, ok::cpu_share_mechanism::cgroup1}) {
        const std::string mechanism(ok::mechanism_name(m));
        CAPTURE(mechanism);
        const auto root = ok::find_cgroup_cpu(m);
        if (!root.available()) {
            MESSAGE("skipped: " << ok::mechanism_name(m) << " unusable here: " << root.why);
            continue;
        }
        std::string dir;
        {
            ok::cgroup_cpu_limits limits(root, "offloadkit-test");
            const std::size_t g = limits.add(0.3);
            const std::size_t h = limits.add(0.05);  // period stretched so that the quota is >= 1 ms
            dir = limits.path(g);
            CHECK(std::filesystem::is_directory(dir));
            CHECK(limits.read_share(g) == doctest::Approx(0.3));
            CHECK(limits.read_share(h) == doctest::Approx(0.05));
            if (m == ok::cpu_share_mechanism::cgroup2) {
                // the process moved into the domain, whose weight lets the quotas bind first
                CHECK(limits.domain_path() + "/0" == dir);
                CHECK(std::stoi(ok::detail::cpu_share::read_file(limits.domain_path() + "/cpu.weight")) == 10000);
            } else {
                CHECK(limits.domain_path().empty());
            }
            std::thread t([&] { limits.add_current_thread(g); });
            t.join();
            CHECK_THROWS_AS(limits.add(0.0), ok::invalid_argument);
        }
        CHECK_FALSE(std::filesystem::exists(dir));
        // nothing of ours is left beside the process's cgroup
        for (const auto& e : std::filesystem::directory_iterator(root.path)) {
            CHECK(e.path().filename().string().rfind("offloadkit-test-", 0) != 0);
        }
    }
}
