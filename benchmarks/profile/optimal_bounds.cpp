// Analysis driver for issue 20 (Optimal at 0 ms latency, CBO §IV-C): how much could a global
// branch-and-bound prune from the exact DP on the bundled trace?
//
// For every label (t, v) the exact DP keeps at a sampled level j (the frames before j decided,
// uplink free at t, gain v), its *deficit* is OPT - (v + F_j(t)), where F_j(t) is the best gain of
// frames j..n-1 with the uplink free at t. F_j is computed exactly by the mirror DP run backwards
// (Pareto lists of (latest free time tau, gain w): offloading frame j at r from a label (tau, w)
// of level j + 1 gives (min(tau, d_j) - b_jr, w + g_jr) when a_j + b_jr <= min(tau, d_j)). A
// branch-and-bound with lower bound LB <= OPT and upper bound U_j(t) >= F_j(t) can prune a label
// only if v + U_j(t) < LB, i.e. only if its deficit exceeds the bound's slack U_j(t) - F_j(t) plus
// OPT - LB. The driver prints the share of labels whose deficit is at most s (what a bound of
// slack s keeps even with LB = OPT), and the slack of two bounds on those labels:
//  - the Lagrangian relaxation of the uplink with one price lambda per second:
//    U_j(t) = lambda (d_last - t) + sum_{i >= j} max(0, max_r(g_ir - lambda b_ir)), the minimum
//    over 88 prices from 0.01 to 2000 per second;
//  - a time-indexed Lagrangian: one price per segment of P seconds, frame i's transfer at r placed
//    in [max(a_i, t), d_i] where it costs least, prices fitted by a projected subgradient on U_0.
// Times are in binary64 with d_i = arrival_i + T - T^o - L (the DP's on-time test up to rounding).
// Not built by CMake; commands and figures in benchmarks/kernels.md:
//   g++ -std=c++20 -O2 -march=native -Iinclude -isystem /usr/include/eigen3 benchmarks/profile/optimal_bounds.cpp -o /tmp/optimal_bounds
//   /tmp/optimal_bounds examples/data/fashion_mnist_trace.csv 18 [stride 50] [P 0.2] [iterations 300]
#include <offloadkit/sim/simulator.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace ok = offloadkit;

namespace {
struct pt {
    double t, v;  // forward: (free time, gain so far); backward: (latest free time, gain to come)
};
// Keeps the Pareto-optimal points of `all` (smaller t and larger v better when forward; larger t
// and larger v better when backward), sorted by t ascending.
void pareto(std::vector<pt>& all, bool forward, std::vector<pt>& out) {
    std::stable_sort(all.begin(), all.end(), [&](const pt& x, const pt& y) {
        return forward ? (x.t < y.t || (x.t == y.t && x.v > y.v)) : (x.t > y.t || (x.t == y.t && x.v > y.v));
    });
    out.clear();
    double best = -INFINITY;
    for (const pt& p : all) {
        if (p.v > best) {
            out.push_back(p);
            best = p.v;
        }
    }
    if (!forward) {
        std::reverse(out.begin(), out.end());
    }
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s TRACE MBPS [STRIDE] [P] [ITERATIONS]\n", argv[0]);
        return 2;
    }
    const double mbps = std::atof(argv[2]);
    const std::size_t stride = argc > 3 ? static_cast<std::size_t>(std::atol(argv[3])) : 50;
    const double P = argc > 4 ? std::atof(argv[4]) : 0.2;
    const int iterations = argc > 5 ? std::atoi(argv[5]) : 300;
    // The problem offloadkit-sim --policy optimal --latency-ms 0 solves (run_policy, offline_plan).
    const ok::trace tr = ok::read_trace(argv[1]);
    const auto split = static_cast<std::size_t>(std::floor(static_cast<double>(tr.size()) * 0.3));
    const auto cal = ok::fit_trace_calibrator(tr, split);
    ok::sim_options o;
    o.network_latency = 0.0;
    o.bandwidth = ok::bandwidth_trace(mbps * 125000.0);
    const auto prof = ok::profile_trace(tr, o.calibration_fraction);
    const std::size_t first = prof.split;
    const std::size_t m = tr.num_resolutions();
    const auto ready = ok::ready_times(tr, first, tr.size(), o);
    const std::size_t n = tr.size() - first;
    std::vector<double> a(n), d(n), b(n * m), g(n * m);
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = first + k;
        a[k] = ready[k];
        d[k] = ok::detail::arrival_of(tr, i, o) + o.deadline - o.server_time - o.network_latency;
        const double c = ok::calibrated_confidence(cal, tr.confidence[i], tr.scores_of(i), "optimal_bounds");
        for (std::size_t r = 0; r < m; ++r) {
            b[k * m + r] = tr.bytes[i * m + r] / (mbps * 125000.0);
            g[k * m + r] = prof.server_accuracy[r] - c;
        }
    }
    // Backward: B_j represents F_j (first point with tau >= t gives F_j(t)); kept at sampled levels.
    std::vector<std::vector<pt>> sampled(n / stride + 1);
    std::vector<pt> B{{INFINITY, 0.0}}, M, all;
    std::size_t back_labels = 0;
    for (std::size_t j = n; j-- > 0;) {
        M = B;
        for (std::size_t r = 0; r < m; ++r) {
            const double gr = g[j * m + r];
            const double br = b[j * m + r];
            if (!(gr > 0.0)) {
                continue;
            }
            all = M;
            for (const pt& l : B) {
                const double lim = std::min(l.t, d[j]);
                if (a[j] + br <= lim) {
                    all.push_back({lim - br, l.v + gr});
                }
            }
            pareto(all, false, M);
        }
        if (j > 0) {  // F_j is only asked at t <= d_{j-1}: clamp the points beyond it to one
            std::size_t k = 0;
            while (k < M.size() && M[k].t < d[j - 1]) {
                ++k;
            }
            if (k < M.size()) {
                M.resize(k + 1);
                M[k].t = d[j - 1];
            }
        }
        B.swap(M);
        back_labels += B.size();
        if (j % stride == 0) {
            sampled[j / stride] = B;
        }
    }
    const double opt = B.front().v;
    // Lagrangian bounds.
    std::vector<double> lams;
    for (double x = 0.01; x < 2000.0; x *= 1.15) {
        lams.push_back(x);
    }
    std::vector<std::vector<double>> suffix(lams.size(), std::vector<double>(n + 1, 0.0));
    for (std::size_t u = 0; u < lams.size(); ++u) {
        for (std::size_t j = n; j-- > 0;) {
            double best = 0.0;
            for (std::size_t r = 0; r < m; ++r) {
                best = std::max(best, g[j * m + r] - lams[u] * b[j * m + r]);
            }
            suffix[u][j] = suffix[u][j + 1] + best;
        }
    }
    const double t0 = a[0];
    const double d_last = d[n - 1];
    const auto segments = static_cast<std::size_t>(std::ceil((d_last - t0) / P)) + 1;
    auto seg = [&](double x) {
        return std::min(segments - 1, static_cast<std::size_t>(std::max(0.0, std::floor((x - t0) / P))));
    };
    // Frame i's best reduced gain when its transfer may start at t; with grad, its segment times.
    auto frame_value = [&](std::size_t i, double t, const std::vector<double>& lm, std::vector<double>* grad) {
            const double lo = std::max(a[i], t);
            const std::size_t kl = seg(lo);
            const std::size_t kh = seg(d[i]);
            double best = 0.0;
            double in_l = 0.0;
            double in_h = 0.0;
            for (std::size_t r = 0; r < m; ++r) {
                const double br = b[i * m + r];
                if (lo + br > d[i]) {
                    continue;
                }
                double left = br;
                double right = 0.0;
                if (kh == kl + 1) {  // the window straddles one boundary: lean into the cheaper side
                    const double beta = t0 + static_cast<double>(kh) * P;
                    if (lm[kl] <= lm[kh]) {
                        left = std::min(br, beta - lo);
                        right = br - left;
                    } else {
                        right = std::min(br, d[i] - beta);
                        left = br - right;
                    }
                }
                const double cost = lm[kl] * left + (kh == kl + 1 ? lm[kh] * right : 0.0);
                if (g[i * m + r] - cost > best) {
                    best = g[i * m + r] - cost;
                    in_l = left;
                    in_h = kh == kl + 1 ? right : 0.0;
                }
            }
            if (grad && best > 0.0) {
                (*grad)[kl] -= in_l;
                if (kh == kl + 1) {
                    (*grad)[kh] -= in_h;
                }
            }
            return best;
    };
    // U_j(t) of the time-indexed relaxation under prices lm (tail: suffix sums of frame_value(i, a_i));
    // with grad, the subgradient of U_0.
    std::vector<double> tail(n + 1, 0.0);
    auto indexed = [&](std::size_t j, double t, const std::vector<double>& lm, std::vector<double>* grad) {
        const std::size_t kt = seg(t);
        double u = lm[kt] * (t0 + static_cast<double>(kt + 1) * P - t);
        for (std::size_t k = kt + 1; k < segments; ++k) {
            u += lm[k] * P;
        }
        if (grad) {
            std::fill(grad->begin(), grad->end(), P);
            for (std::size_t i = j; i < n; ++i) {
                u += frame_value(i, t, lm, grad);
            }
            return u;
        }
        std::size_t i = j;
        for (; i < n && a[i] < t; ++i) {
            u += frame_value(i, t, lm, nullptr);
        }
        return u + tail[i];
    };
    std::vector<double> lam(segments, 1.0);
    std::vector<double> lam_best = lam;
    std::vector<double> grad(segments);
    double u_best = INFINITY;
    for (int it = 0; it < iterations; ++it) {
        const double u = indexed(0, a[0], lam, &grad);
        if (u < u_best) {
            u_best = u;
            lam_best = lam;
        }
        double norm = 0.0;
        for (const double x : grad) {
            norm += x * x;
        }
        if (norm == 0.0) {
            break;
        }
        const double step = 0.3 * (u - opt) / norm;  // Polyak's step with the true optimum
        for (std::size_t k = 0; k < segments; ++k) {
            lam[k] = std::max(0.0, lam[k] - step * grad[k]);
        }
    }
    for (std::size_t i = n; i-- > 0;) {
        tail[i] = tail[i + 1] + frame_value(i, a[i], lam_best, nullptr);
    }
    // Forward DP (with arrival dominance, as solve_optimal), deficits and slacks at sampled levels.
    const double thresholds[] = {0.0, 1e-5, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1};
    constexpr std::size_t nt = sizeof thresholds / sizeof thresholds[0];
    std::size_t within[nt] = {};
    std::vector<double> slack1, slack2;
    std::size_t kept1 = 0, kept2 = 0, sampled_labels = 0, fwd_labels = 0;
    std::vector<double> suffix_min(n + 1, INFINITY);
    for (std::size_t j = n; j-- > 0;) {
        suffix_min[j] = std::min(suffix_min[j + 1], a[j]);
    }
    std::vector<pt> F{{0.0, 0.0}}, cur;
    for (std::size_t j = 0; j < n; ++j) {
        if (j % stride == 0 && j > 0) {
            const std::vector<pt>& Bj = sampled[j / stride];
            std::size_t p = 0;
            for (const pt& l : F) {
                while (p < Bj.size() && Bj[p].t < l.t) {
                    ++p;
                }
                const double f = p < Bj.size() ? Bj[p].v : -INFINITY;
                const double deficit = opt - (l.v + f);
                for (std::size_t k = 0; k < nt; ++k) {
                    within[k] += deficit <= thresholds[k] + 1e-9 ? 1 : 0;
                }
                double u1 = INFINITY;
                for (std::size_t u = 0; u < lams.size(); ++u) {
                    u1 = std::min(u1, lams[u] * (d_last - l.t) + suffix[u][j]);
                }
                const double u2 = indexed(j, l.t, lam_best, nullptr);
                slack1.push_back(u1 - f);
                slack2.push_back(u2 - f);
                kept1 += l.v + u1 >= opt ? 1 : 0;
                kept2 += l.v + u2 >= opt ? 1 : 0;
            }
            sampled_labels += F.size();
        }
        std::size_t start = 0;
        while (start + 1 < F.size() && F[start + 1].t <= suffix_min[j]) {
            ++start;
        }
        cur.assign(F.begin() + static_cast<std::ptrdiff_t>(start), F.end());
        for (std::size_t r = 0; r < m; ++r) {
            const double gr = g[j * m + r];
            if (!(gr > 0.0)) {
                continue;
            }
            all = cur;
            for (std::size_t q = start; q < F.size(); ++q) {
                const double t = std::max(F[q].t, a[j]) + b[j * m + r];
                if (t > d[j]) {
                    break;
                }
                all.push_back({t, F[q].v + gr});
            }
            pareto(all, true, cur);
        }
        F.swap(cur);
        fwd_labels += F.size();
    }
    std::printf("%g Mbps: %zu frames, forward labels %zu (OPT %.9f), backward labels %zu (OPT %.9f)\n", mbps, n,
                fwd_labels, F.back().v, back_labels, opt);
    std::printf("%zu labels at %zu sampled levels; share whose deficit is at most s:\n", sampled_labels, (n - 1) / stride);
    for (std::size_t k = 0; k < nt; ++k) {
        std::printf("  s = %-6g %.4f\n", thresholds[k], static_cast<double>(within[k]) / static_cast<double>(sampled_labels));
    }
    auto summary = [&](const char* name, std::vector<double>& s, std::size_t kept) {
        std::sort(s.begin(), s.end());
        std::printf("%s: slack min %.3g, median %.3g, max %.3g; labels kept with LB = OPT: %.4f\n", name, s.front(),
                    s[s.size() / 2], s.back(), static_cast<double>(kept) / static_cast<double>(sampled_labels));
    };
    summary("one uplink price", slack1, kept1);
    std::printf("time-indexed prices, %zu segments of %g s, %d subgradient steps: U_0 - OPT = %.4g\n", segments, P,
                iterations, u_best - opt);
    summary("time-indexed prices", slack2, kept2);
    return 0;
}
