#ifndef OFFLOADKIT_APPROX_PROFILES_HPP
#define OFFLOADKIT_APPROX_PROFILES_HPP

/**
 * @file
 * @brief ApproxNet's offline profiles (ApproxNet §4.4): accuracy of every approximation branch per
 *        image complexity category, latency of every branch per quantized contention level, and
 *        optionally the cost of switching between branches (Fig. 14) and a remote executor
 *        (§4.5).
 *
 * Units: latencies and transition costs in seconds, accuracies as fractions in [0, 1].
 * Accuracy does not depend on contention and latency does not depend on content (§4.4: "contention
 * increases latency of the DNN but does not affect its accuracy"), so the two tables are separate:
 * accuracy is K x B (category-major), latency is M x B (level-major).
 * The CSV form is in approx/profile_csv.hpp and docs/approx-profile-format.md.
 */

#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../error.hpp"

namespace offloadkit {

/// The remote executor of ApproxNet §4.5 (an edge server running the full model): its accuracy
/// per category and its end-to-end latency per contention level (seconds).
struct remote_profile {
    std::string name;
    std::vector<double> accuracy;  ///< one per category
    std::vector<double> latency;   ///< one per contention level
    friend bool operator==(const remote_profile&, const remote_profile&) = default;
};

/**
 * @brief Accuracy and latency profiles of B approximation branches (ApproxNet §4.4). A regular
 *        value; validated on construction, so every accessor can assume sane numbers.
 *
 * @code
 * // Table 2(a) of ApproxNet, first two rows: one category, one contention level.
 * ok::branch_profiles p({"80x80x3/12", "96x96x3/12"}, 1, 1, {0.6639, 0.6798}, {0.01614, 0.01678});
 * double a = p.accuracy(0, 1);    // 0.6798
 * @endcode
 */
class branch_profiles {
public:
    /**
     * @param names       B unique, non-empty branch names.
     * @param categories  K >= 1 image complexity categories.
     * @param levels      M >= 1 contention levels (0 = no contention).
     * @param accuracy    K x B, accuracy[k * B + b] in [0, 1].
     * @param latency     M x B, latency[m * B + b] in seconds, finite and > 0.
     * @throws offloadkit::invalid_argument for B = 0, K = 0, M = 0, a size mismatch, an empty or
     *         duplicate name, or a value out of range ("branch_profiles: accuracy[3] is 1.5, ...").
     */
    template <class = void>  // a template: only a caller instantiates the checks (compile cost, issue 14)
    branch_profiles(std::vector<std::string> names, std::size_t categories, std::size_t levels,
                    std::vector<double> accuracy, std::vector<double> latency)
        : names_(std::move(names)),
          categories_(categories),
          levels_(levels),
          accuracy_(std::move(accuracy)),
          latency_(std::move(latency)) {
        constexpr std::string_view fn = "branch_profiles";
        const std::size_t b = names_.size();
        detail::require_not_empty(b, fn, "names");
        detail::require(categories_ >= 1, fn, "categories is 0, expected >= 1");
        detail::require(levels_ >= 1, fn, "levels is 0, expected >= 1");
        for (std::size_t i = 0; i < b; ++i) {
            detail::require(!names_[i].empty(), fn, detail::arg_at{"names", i}, " is empty");
            for (std::size_t j = 0; j < i; ++j) {
                detail::require(names_[j] != names_[i], fn, detail::arg_at{"names", i}, " is '", names_[i],
                                "', a duplicate of names[", j, "]");
            }
        }
        detail::require(accuracy_.size() / b == categories_ && accuracy_.size() % b == 0, fn, "accuracy has size ",
                        accuracy_.size(), ", expected ", categories_, " x ", b, " (categories x branches)");
        detail::require(latency_.size() / b == levels_ && latency_.size() % b == 0, fn, "latency has size ",
                        latency_.size(), ", expected ", levels_, " x ", b, " (levels x branches)");
        detail::require_unit_interval(std::span<const double>(accuracy_), fn, "accuracy");
        for (std::size_t i = 0; i < latency_.size(); ++i) {
            detail::require(std::isfinite(latency_[i]) && latency_[i] > 0.0, fn, detail::arg_at{"latency", i}, " is ",
                            latency_[i], ", expected a finite number > 0 (seconds)");
        }
    }

    [[nodiscard]] std::size_t branches() const noexcept { return names_.size(); }
    [[nodiscard]] std::size_t categories() const noexcept { return categories_; }
    [[nodiscard]] std::size_t contention_levels() const noexcept { return levels_; }

    /// Name of branch b. @throws offloadkit::invalid_argument if b >= branches().
    [[nodiscard]] const std::string& name(std::size_t b) const {
        check_branch(b, "branch_profiles::name");
        return names_[b];
    }
    [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }

    /// Index of the branch called `name`, if any.
    [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const noexcept {
        for (std::size_t b = 0; b < names_.size(); ++b) {
            if (names_[b] == name) {
                return b;
            }
        }
        return std::nullopt;
    }

    /// Expected accuracy of branch b on category k. @throws invalid_argument for an index out of range.
    [[nodiscard]] double accuracy(std::size_t category, std::size_t b) const {
        detail::require(category < categories_, "branch_profiles::accuracy", "category is ", category, ", expected < ",
                        categories_);
        check_branch(b, "branch_profiles::accuracy");
        return accuracy_[category * branches() + b];
    }

    /// Expected latency (s) of branch b at contention level m. @throws invalid_argument out of range.
    [[nodiscard]] double latency(std::size_t level, std::size_t b) const {
        detail::require(level < levels_, "branch_profiles::latency", "level is ", level, ", expected < ", levels_);
        check_branch(b, "branch_profiles::latency");
        return latency_[level * branches() + b];
    }

    /// The K x B accuracy table (category-major) and the M x B latency table (level-major).
    [[nodiscard]] std::span<const double> accuracy_table() const noexcept { return accuracy_; }
    [[nodiscard]] std::span<const double> latency_table() const noexcept { return latency_; }

    /**
     * @brief Sets the cost (s) of switching from branch `from` to branch `to` (ApproxNet Fig. 14):
     *        B x B, from-major; the diagonal must be 0.
     * @throws offloadkit::invalid_argument for a size other than B*B, a negative or non-finite
     *         cost, or a non-zero diagonal entry.
     */
    template <class = void>
    void set_transition_costs(std::vector<double> costs) {
        constexpr std::string_view fn = "branch_profiles::set_transition_costs";
        const std::size_t b = branches();
        detail::require_same_size(costs.size(), b * b, fn, "costs", "branches x branches");
        for (std::size_t i = 0; i < costs.size(); ++i) {
            detail::require(std::isfinite(costs[i]) && costs[i] >= 0.0, fn, detail::arg_at{"costs", i}, " is ",
                            costs[i], ", expected a finite number >= 0 (seconds)");
            detail::require(i % (b + 1) != 0 || costs[i] == 0.0, fn, detail::arg_at{"costs", i}, " is ", costs[i],
                            ", expected 0 (staying on a branch costs nothing)");
        }
        transition_ = std::move(costs);
    }

    [[nodiscard]] bool has_transition_costs() const noexcept { return !transition_.empty(); }

    /// Cost (s) of switching from `from` to `to`; 0 when no costs are set.
    [[nodiscard]] double transition_cost(std::size_t from, std::size_t to) const {
        check_branch(from, "branch_profiles::transition_cost");
        check_branch(to, "branch_profiles::transition_cost");
        return transition_.empty() ? 0.0 : transition_[from * branches() + to];
    }

    /// The B x B transition table (empty when none is set).
    [[nodiscard]] std::span<const double> transition_table() const noexcept { return transition_; }

    /**
     * @brief Declares the remote executor (ApproxNet §4.5) used when a requirement asks to offload.
     * @throws offloadkit::invalid_argument for an empty name, sizes other than K and M, or values
     *         out of range (as for branches).
     */
    template <class = void>
    void set_remote(remote_profile remote) {
        constexpr std::string_view fn = "branch_profiles::set_remote";
        detail::require(!remote.name.empty(), fn, "remote.name is empty");
        detail::require_same_size(remote.accuracy.size(), categories_, fn, "remote.accuracy", "categories");
        detail::require_same_size(remote.latency.size(), levels_, fn, "remote.latency", "levels");
        detail::require_unit_interval(std::span<const double>(remote.accuracy), fn, "remote.accuracy");
        for (std::size_t i = 0; i < remote.latency.size(); ++i) {
            detail::require(std::isfinite(remote.latency[i]) && remote.latency[i] > 0.0, fn,
                            detail::arg_at{"remote.latency", i}, " is ", remote.latency[i],
                            ", expected a finite number > 0 (seconds)");
        }
        remote_ = std::move(remote);
    }

    [[nodiscard]] bool has_remote() const noexcept { return remote_.has_value(); }

    /// The remote executor. @throws offloadkit::invalid_argument if none is set.
    [[nodiscard]] const remote_profile& remote() const {
        detail::require(remote_.has_value(), "branch_profiles::remote", "no remote executor is set");
        return *remote_;
    }

    friend bool operator==(const branch_profiles&, const branch_profiles&) = default;

private:
    void check_branch(std::size_t b, std::string_view fn) const {
        detail::require(b < names_.size(), fn, "branch is ", b, ", expected < ", names_.size());
    }

    std::vector<std::string> names_;
    std::size_t categories_ = 0;
    std::size_t levels_ = 0;
    std::vector<double> accuracy_;
    std::vector<double> latency_;
    std::vector<double> transition_;
    std::optional<remote_profile> remote_;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_APPROX_PROFILES_HPP
