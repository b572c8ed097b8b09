// The contention generator (runtime/contention_generator.hpp) under ThreadSanitizer: bubbles run
// while another thread reads their statistics, the level changes at run time, and stop() joins
// them; any unsynchronized state between the controller, the readers and the bubbles is a race.
#include <offloadkit/runtime/contention_generator.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace ok = offloadkit;

TEST_CASE("contention_generator: stats read from another thread while the level changes") {
    ok::contention_generator gen(ok::contention_setting::bubbles(2, 4096, 0.5));
    std::atomic<bool> done{false};
    std::atomic<unsigned long long> reads{0};
    std::thread reader([&] {
        while (!done.load()) {
            const ok::contention_stats s = gen.stats();
            reads += s.running <= 2 ? 1 : 0;  // at most the two bubbles of this setting
            (void)gen.alive();
        }
    });
    for (int i = 0; i < 20; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    done = true;
    reader.join();
    gen.set(ok::contention_setting::bubbles(3, 1 << 16, 0.3));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gen.set(ok::contention_setting::none());
    CHECK(gen.alive() == 0);
    CHECK(reads.load() > 0);
}
