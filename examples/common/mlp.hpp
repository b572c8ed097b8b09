#ifndef OFFLOADKIT_EXAMPLES_COMMON_MLP_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_MLP_HPP

/**
 * @file
 * @brief A small multilayer perceptron (ReLU hidden layers, softmax output) with minibatch SGD,
 *        written for bit-reproducible training: the trace generator's "NPU" and "server" models.
 *
 * Parameters live in Eigen matrices, but every product is an explicit loop in a fixed order. Eigen's
 * matrix products pick their blocking from the cache sizes detected at run time and their
 * reduction order from the SIMD width of the build, so the same program could round differently on
 * another machine or with other flags; with plain loops (inner loops are element-wise "axpy"s, which
 * compilers vectorise without reordering any sum) the trained weights are identical under g++ and
 * clang++, Debug and Release, on any x86-64 build without FMA contraction. exp() is
 * exp_portable() (no libm), randomness is offloadkit::detail::rng.
 *
 * Reduced precision (fp16_model()): weights rounded to IEEE binary16 once; at inference every
 * activation (the input, each hidden layer after bias and ReLU, the logits) is rounded to binary16,
 * products are accumulated in fp32 — the "fp16 storage, fp32 accumulation" arithmetic of mobile NPUs.
 */

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <offloadkit/detail/random.hpp>
#include <offloadkit/error.hpp>

#include "numeric.hpp"

namespace offloadkit::examples {

/// Row-major float matrix: weight(i, j) connects input i to output j.
using weight_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// One fully connected layer: out = in * w + b.
struct dense_layer {
    weight_matrix w;  ///< inputs x outputs
    Eigen::VectorXf b;
};

/// Softmax of `z` into `p` (max subtracted; exp_portable; sum in index order).
inline void softmax_portable(std::span<const float> z, std::span<float> p) noexcept {
    float m = z[0];
    for (const float v : z) {
        m = std::max(m, v);
    }
    float sum = 0.0f;
    for (std::size_t k = 0; k < z.size(); ++k) {
        p[k] = exp_portable(z[k] - m);
        sum += p[k];
    }
    for (auto& v : p) {
        v /= sum;
    }
}

/// A ReLU multilayer perceptron with a softmax output.
struct mlp {
    std::vector<dense_layer> layers;
    bool fp16 = false;  ///< round every activation to binary16 (set by fp16_model())

    /**
     * @brief He-uniform initialisation (weights uniform in +-sqrt(6 / fan_in), biases 0).
     * @param sizes layer widths, input first, classes last (at least two entries, all > 0).
     * @throws offloadkit::invalid_argument for fewer than two sizes or a zero size.
     */
    static mlp make(const std::vector<std::size_t>& sizes, detail::rng& g) {
        detail::require(sizes.size() >= 2, "mlp::make", "sizes has ", sizes.size(), " entries, expected >= 2");
        mlp net;
        for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
            detail::require(sizes[l] > 0 && sizes[l + 1] > 0, "mlp::make", detail::arg_at{"sizes", l}, " is 0");
            dense_layer layer;
            layer.w.resize(static_cast<Eigen::Index>(sizes[l]), static_cast<Eigen::Index>(sizes[l + 1]));
            layer.b = Eigen::VectorXf::Zero(static_cast<Eigen::Index>(sizes[l + 1]));
            const double limit = std::sqrt(6.0 / static_cast<double>(sizes[l]));
            float* w = layer.w.data();
            for (Eigen::Index k = 0; k < layer.w.size(); ++k) {
                w[k] = static_cast<float>(g.uniform(-limit, limit));
            }
            net.layers.push_back(std::move(layer));
        }
        return net;
    }

    [[nodiscard]] std::size_t inputs() const noexcept { return static_cast<std::size_t>(layers.front().w.rows()); }
    [[nodiscard]] std::size_t classes() const noexcept { return static_cast<std::size_t>(layers.back().w.cols()); }

    /// Scratch activations for forward(): one vector per layer output.
    struct workspace {
        std::vector<std::vector<float>> act;  ///< act[l] = output of layer l (last = logits)
        std::vector<float> input;             ///< the (possibly fp16-rounded) input
        std::vector<float> probs;
    };

    [[nodiscard]] workspace make_workspace() const {
        workspace ws;
        for (const auto& l : layers) {
            ws.act.emplace_back(static_cast<std::size_t>(l.w.cols()));
        }
        ws.input.resize(inputs());
        ws.probs.resize(classes());
        return ws;
    }

    /**
     * @brief Forward pass: fills ws.act (ReLU on hidden layers, raw logits last) and ws.probs.
     * @param x inputs() values. Does not allocate.
     */
    void forward(std::span<const float> x, workspace& ws) const noexcept {
        for (std::size_t i = 0; i < x.size(); ++i) {
            ws.input[i] = fp16 ? round_to_half(x[i]) : x[i];
        }
        const float* in = ws.input.data();
        for (std::size_t l = 0; l < layers.size(); ++l) {
            const auto& layer = layers[l];
            const auto n_in = static_cast<std::size_t>(layer.w.rows());
            const auto n_out = static_cast<std::size_t>(layer.w.cols());
            float* out = ws.act[l].data();
            for (std::size_t j = 0; j < n_out; ++j) {
                out[j] = layer.b[static_cast<Eigen::Index>(j)];
            }
            const float* w = layer.w.data();
            for (std::size_t i = 0; i < n_in; ++i) {
                const float a = in[i];
                if (a == 0.0f) {
                    continue;  // exact: skipping adds of +-0 cannot change a sum that starts at the bias
                }
                const float* wr = w + i * n_out;
                for (std::size_t j = 0; j < n_out; ++j) {
                    out[j] += a * wr[j];
                }
            }
            const bool hidden = l + 1 < layers.size();
            for (std::size_t j = 0; j < n_out; ++j) {
                float v = hidden ? std::max(out[j], 0.0f) : out[j];
                out[j] = fp16 ? round_to_half(v) : v;
            }
            in = out;
        }
        softmax_portable(ws.act.back(), ws.probs);
    }

    /// A copy whose weights and biases are rounded to binary16 and whose forward() rounds every
    /// activation to binary16 (the reduced-precision "NPU" deployment of this network).
    [[nodiscard]] mlp fp16_model() const {
        mlp q = *this;
        q.fp16 = true;
        for (auto& l : q.layers) {
            for (Eigen::Index k = 0; k < l.w.size(); ++k) {
                l.w.data()[k] = round_to_half(l.w.data()[k]);
            }
            for (Eigen::Index k = 0; k < l.b.size(); ++k) {
                l.b[k] = round_to_half(l.b[k]);
            }
        }
        return q;
    }
};

/// Minibatch SGD with momentum; the learning rate decays linearly from `learning_rate` to 0.
struct sgd_options {
    std::size_t epochs = 10;
    std::size_t batch = 32;
    float learning_rate = 0.05f;
    float momentum = 0.9f;
    float weight_decay = 0.0f;  ///< L2 coefficient (0: none — the over-trained NPU uses none)
};

/**
 * @brief Gradients of the mean cross-entropy over a batch, and the SGD-with-momentum update.
 *
 * Per sample: delta_L = softmax - onehot(label); for each layer from the top, grad_w(i, j) +=
 * a_in(i) * delta(j), grad_b(j) += delta(j), delta_in(i) = [a_in(i) > 0] * sum_j w(i, j) delta(j).
 * Samples are accumulated in batch order; all loops run in index order.
 */
class sgd_trainer {
public:
    sgd_trainer(const mlp& net, sgd_options opt) : opt_(opt), ws_(net.make_workspace()) {
        for (const auto& l : net.layers) {
            grad_.push_back({weight_matrix::Zero(l.w.rows(), l.w.cols()), Eigen::VectorXf::Zero(l.b.size())});
            vel_.push_back({weight_matrix::Zero(l.w.rows(), l.w.cols()), Eigen::VectorXf::Zero(l.b.size())});
            delta_.emplace_back(static_cast<std::size_t>(l.w.cols()));
        }
    }

    /// Adds one sample's gradient (x: net.inputs() values, label < net.classes()).
    void accumulate(const mlp& net, std::span<const float> x, std::size_t label) {
        net.forward(x, ws_);
        const std::size_t top = net.layers.size() - 1;
        for (std::size_t k = 0; k < ws_.probs.size(); ++k) {
            delta_[top][k] = ws_.probs[k] - (k == label ? 1.0f : 0.0f);
        }
        for (std::size_t l = top + 1; l-- > 0;) {
            const auto& layer = net.layers[l];
            const auto n_in = static_cast<std::size_t>(layer.w.rows());
            const auto n_out = static_cast<std::size_t>(layer.w.cols());
            const float* in = l == 0 ? ws_.input.data() : ws_.act[l - 1].data();
            const float* d = delta_[l].data();
            float* gw = grad_[l].w.data();
            for (std::size_t j = 0; j < n_out; ++j) {
                grad_[l].b[static_cast<Eigen::Index>(j)] += d[j];
            }
            for (std::size_t i = 0; i < n_in; ++i) {
                const float a = in[i];
                if (a == 0.0f) {
                    continue;
                }
                float* g = gw + i * n_out;
                for (std::size_t j = 0; j < n_out; ++j) {
                    g[j] += a * d[j];
                }
            }
            if (l > 0) {
                const float* w = layer.w.data();
                float* below = delta_[l - 1].data();
                for (std::size_t i = 0; i < n_in; ++i) {
                    if (!(in[i] > 0.0f)) {
                        below[i] = 0.0f;
                        continue;
                    }
                    const float* wr = w + i * n_out;
                    float s = 0.0f;
                    for (std::size_t j = 0; j < n_out; ++j) {
                        s += wr[j] * d[j];
                    }
                    below[i] = s;
                }
            }
        }
        ++count_;
    }

    /// Applies the accumulated mean gradient with learning rate `lr` and clears it.
    void step(mlp& net, float lr) {
        if (count_ == 0) {
            return;
        }
        const float scale = 1.0f / static_cast<float>(count_);
        for (std::size_t l = 0; l < net.layers.size(); ++l) {
            update(net.layers[l].w.data(), grad_[l].w.data(), vel_[l].w.data(), static_cast<std::size_t>(net.layers[l].w.size()),
                   scale, lr, opt_.weight_decay);
            update(net.layers[l].b.data(), grad_[l].b.data(), vel_[l].b.data(), static_cast<std::size_t>(net.layers[l].b.size()),
                   scale, lr, 0.0f);
        }
        count_ = 0;
    }

    [[nodiscard]] const sgd_options& options() const noexcept { return opt_; }

private:
    void update(float* p, float* g, float* v, std::size_t n, float scale, float lr, float wd) const noexcept {
        for (std::size_t k = 0; k < n; ++k) {
            const float grad = g[k] * scale + wd * p[k];
            v[k] = opt_.momentum * v[k] - lr * grad;
            p[k] += v[k];
            g[k] = 0.0f;
        }
    }

    sgd_options opt_;
    mlp::workspace ws_;
    std::vector<dense_layer> grad_;
    std::vector<dense_layer> vel_;
    std::vector<std::vector<float>> delta_;
    std::size_t count_ = 0;
};

/**
 * @brief Trains `net` on `n` samples for opt.epochs epochs: each epoch visits the samples in a
 *        fresh Fisher–Yates order drawn from `g`, in minibatches of opt.batch.
 * @param sample callback `void(std::size_t index, std::size_t epoch, std::span<float> x) -> label`:
 *        writes sample `index`'s input into x and returns its label (it may augment, e.g. resample).
 */
template <class SampleFn>
void train_sgd(mlp& net, std::size_t n, const sgd_options& opt, detail::rng& g, SampleFn&& sample) {
    detail::require(n > 0 && opt.batch > 0, "train_sgd", "n is ", n, " and batch is ", opt.batch, ", expected > 0");
    sgd_trainer trainer(net, opt);
    std::vector<std::size_t> order(n);
    std::vector<float> x(net.inputs());
    const std::size_t batches_per_epoch = (n + opt.batch - 1) / opt.batch;
    const double total = static_cast<double>(batches_per_epoch * opt.epochs);
    std::size_t done = 0;
    for (std::size_t e = 0; e < opt.epochs; ++e) {
        for (std::size_t i = 0; i < n; ++i) {
            order[i] = i;
        }
        for (std::size_t i = n; i > 1; --i) {
            std::swap(order[i - 1], order[g.below(i)]);
        }
        for (std::size_t start = 0; start < n; start += opt.batch) {
            const std::size_t end = std::min(n, start + opt.batch);
            for (std::size_t k = start; k < end; ++k) {
                const std::size_t label = sample(order[k], e, std::span<float>(x));
                trainer.accumulate(net, x, label);
            }
            const float lr = static_cast<float>(static_cast<double>(opt.learning_rate) *
                                                (1.0 - static_cast<double>(done) / total));
            trainer.step(net, lr);
            ++done;
        }
    }
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_MLP_HPP
