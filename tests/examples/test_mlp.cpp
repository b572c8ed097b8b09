// examples/common/mlp.hpp: back-propagation against central finite differences, softmax against
// libm, fp16 deployment, and SGD learning a separable problem.
#include "../../examples/common/mlp.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <vector>

#include <offloadkit/detail/random.hpp>

namespace okx = offloadkit::examples;

namespace {
double loss(const okx::mlp& net, const std::vector<float>& x, std::size_t label) {
    auto ws = net.make_workspace();
    net.forward(x, ws);
    // -log softmax in double from the logits (more accurate than logging the float probability)
    const auto& z = ws.act.back();
    double m = z[0];
    for (const float v : z) {
        m = std::max(m, static_cast<double>(v));
    }
    double s = 0.0;
    for (const float v : z) {
        s += std::exp(static_cast<double>(v) - m);
    }
    return -(static_cast<double>(z[label]) - m - std::log(s));
}
}  // namespace

TEST_CASE("softmax_portable matches a libm softmax and sums to 1") {
    offloadkit::detail::rng g(2);
    for (int t = 0; t < 200; ++t) {
        std::vector<float> z(1 + g.below(12));
        for (auto& v : z) {
            v = static_cast<float>(g.uniform(-30.0, 30.0));
        }
        std::vector<float> p(z.size());
        okx::softmax_portable(z, p);
        double m = z[0];
        for (const float v : z) {
            m = std::max(m, static_cast<double>(v));
        }
        double s = 0.0;
        for (const float v : z) {
            s += std::exp(v - m);
        }
        double total = 0.0;
        for (std::size_t k = 0; k < z.size(); ++k) {
            CHECK(p[k] == doctest::Approx(std::exp(z[k] - m) / s).epsilon(1e-6));
            total += p[k];
        }
        CHECK(total == doctest::Approx(1.0).epsilon(1e-6));
    }
}

TEST_CASE("sgd_trainer's gradient equals central finite differences of the cross-entropy") {
    offloadkit::detail::rng g(17);
    okx::mlp net = okx::mlp::make({5, 6, 4, 3}, g);
    for (auto& l : net.layers) {
        for (Eigen::Index k = 0; k < l.b.size(); ++k) {
            l.b[k] = static_cast<float>(g.uniform(0.05, 0.3));  // keep ReLUs away from their kink
        }
    }
    const std::vector<float> x{0.9f, -0.4f, 0.3f, 0.7f, -0.8f};
    const std::size_t label = 1;
    // One step with lr 1, no momentum, batch 1: new = old - gradient.
    okx::mlp stepped = net;
    okx::sgd_trainer tr(net, okx::sgd_options{.epochs = 1, .batch = 1, .learning_rate = 1.0f, .momentum = 0.0f,
                                               .weight_decay = 0.0f});
    tr.accumulate(stepped, x, label);
    tr.step(stepped, 1.0f);
    int checked = 0;
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
        for (Eigen::Index k = 0; k < net.layers[l].w.size(); ++k) {
            const double analytic = static_cast<double>(net.layers[l].w.data()[k]) - stepped.layers[l].w.data()[k];
            okx::mlp plus = net;
            okx::mlp minus = net;
            const float h = 1e-2f;
            plus.layers[l].w.data()[k] += h;
            minus.layers[l].w.data()[k] -= h;
            const double numeric = (loss(plus, x, label) - loss(minus, x, label)) /
                                   (static_cast<double>(plus.layers[l].w.data()[k]) - minus.layers[l].w.data()[k]);
            CAPTURE(l);
            CAPTURE(k);
            CHECK(analytic == doctest::Approx(numeric).epsilon(2e-3).scale(1e-3));
            ++checked;
        }
        for (Eigen::Index k = 0; k < net.layers[l].b.size(); ++k) {
            const double analytic = static_cast<double>(net.layers[l].b[k]) - stepped.layers[l].b[k];
            okx::mlp plus = net;
            okx::mlp minus = net;
            plus.layers[l].b[k] += 1e-2f;
            minus.layers[l].b[k] -= 1e-2f;
            const double numeric = (loss(plus, x, label) - loss(minus, x, label)) /
                                   (static_cast<double>(plus.layers[l].b[k]) - minus.layers[l].b[k]);
            CHECK(analytic == doctest::Approx(numeric).epsilon(2e-3).scale(1e-3));
        }
    }
    CHECK(checked == 5 * 6 + 6 * 4 + 4 * 3);
}

TEST_CASE("train_sgd learns a separable problem and is reproducible") {
    // Class = which of 4 inputs is largest (with noise): an MLP must reach ~100% on it.
    offloadkit::detail::rng data_rng(5);
    const std::size_t n = 400;
    std::vector<std::vector<float>> xs(n, std::vector<float>(4));
    std::vector<std::size_t> ys(n);
    for (std::size_t i = 0; i < n; ++i) {
        ys[i] = data_rng.below(4);
        for (std::size_t k = 0; k < 4; ++k) {
            xs[i][k] = static_cast<float>(data_rng.uniform(0.0, 0.5)) + (k == ys[i] ? 0.6f : 0.0f);
        }
    }
    const auto train = [&](std::uint64_t seed) {
        offloadkit::detail::rng g(seed);
        okx::mlp net = okx::mlp::make({4, 8, 4}, g);
        okx::train_sgd(net, n, okx::sgd_options{.epochs = 30, .batch = 16, .learning_rate = 0.1f}, g,
                       [&](std::size_t i, std::size_t, std::span<float> in) {
                           std::copy(xs[i].begin(), xs[i].end(), in.begin());
                           return ys[i];
                       });
        return net;
    };
    const okx::mlp a = train(1);
    const okx::mlp b = train(1);
    auto ws = a.make_workspace();
    std::size_t correct = 0;
    for (std::size_t i = 0; i < n; ++i) {
        a.forward(xs[i], ws);
        const auto k = static_cast<std::size_t>(std::max_element(ws.probs.begin(), ws.probs.end()) - ws.probs.begin());
        correct += k == ys[i] ? 1 : 0;
    }
    CHECK(correct >= n * 98 / 100);
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
        CHECK(a.layers[l].w == b.layers[l].w);
        CHECK(a.layers[l].b == b.layers[l].b);
    }
}

TEST_CASE("fp16_model rounds weights and every activation to binary16") {
    offloadkit::detail::rng g(8);
    const okx::mlp net = okx::mlp::make({7, 5, 3}, g);
    const okx::mlp q = net.fp16_model();
    CHECK(q.fp16);
    for (const auto& l : q.layers) {
        for (Eigen::Index k = 0; k < l.w.size(); ++k) {
            CHECK(okx::round_to_half(l.w.data()[k]) == l.w.data()[k]);
        }
    }
    const std::vector<float> x{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7001f};
    auto ws = q.make_workspace();
    q.forward(x, ws);
    for (const auto& act : ws.act) {
        for (const float v : act) {
            CHECK(okx::round_to_half(v) == v);
        }
    }
    CHECK(ws.input[6] == okx::round_to_half(0.7001f));
    // and the fp32 network's logits are within fp16 rounding of the fp16 network's
    auto ws32 = net.make_workspace();
    net.forward(x, ws32);
    for (std::size_t k = 0; k < 3; ++k) {
        CHECK(ws.act.back()[k] == doctest::Approx(ws32.act.back()[k]).epsilon(1e-2).scale(1e-2));
    }
}
