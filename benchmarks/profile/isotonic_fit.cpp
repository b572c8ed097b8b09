// Profiling driver of isotonic_calibrator::fit (CBO §III-B, isotonic regression) on the hard
// cases of issue 20: 1M uniform scores with labels ~ Bernoulli(s^2) (mode 0), ~ Bernoulli(s)
// (mode 1), and scores rounded to 1/1000, i.e. many ties (mode 2). Prints the best CPU time
// (CLOCK_PROCESS_CPUTIME_ID, so that a shared machine's waiting is not counted) of `reps` fits.
// Not built by CMake; the commands are in benchmarks/kernels.md:
//   g++ -std=c++20 -O3 -march=native -Iinclude -I/usr/include/eigen3 \
//       benchmarks/profile/isotonic_fit.cpp -o /tmp/isotonic_fit && /tmp/isotonic_fit 0 7
#include <offloadkit/calibration/isotonic.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>
#include <cstring>
#include <ctime>
static double cpu_now(){timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t); return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc, char** argv) {
    int mode = argc > 1 ? atoi(argv[1]) : 0;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    std::mt19937_64 g(1);
    std::uniform_real_distribution<double> u(0, 1);
    std::size_t n = 1000000;
    std::vector<double> s(n); std::vector<int> y(n);
    for (std::size_t i = 0; i < n; ++i) {
        double v = u(g);
        if (mode == 2) v = std::floor(v * 1000) / 1000;
        s[i] = v;
        double p = mode == 1 ? v : v * v;
        y[i] = u(g) < p;
    }
    double best = 1e9; std::size_t m = 0;
    for (int r = 0; r < reps; ++r) {
        auto t0 = cpu_now();
        auto c = offloadkit::isotonic_calibrator::fit(s, y);
        auto t1 = cpu_now();
        best = std::min(best, (t1 - t0));
        m = c.thresholds_x().size();
    }
    std::printf("mode %d best %.2f ms kept %zu\n", mode, best * 1e3, m);
}
