// Shared by offloadkit-approx and offloadkit-demo: ApproxNet's usage scenarios (ApproxNet §5.4) as
// scheduler requirements, and the scenario labels a branch-profile CSV may carry
// (docs/approx-profile-format.md).
#ifndef OFFLOADKIT_EXAMPLES_COMMON_APPROX_SCENARIOS_HPP
#define OFFLOADKIT_EXAMPLES_COMMON_APPROX_SCENARIOS_HPP

#include <offloadkit/approx/scheduler.hpp>
#include <offloadkit/io/csv.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace offloadkit::examples {

/// ResNet-34's top-5 accuracy on ILSVRC VID (ApproxNet Table 2(c)): §5.4's reference for HH/MM/LL.
inline constexpr double approxnet_reference_accuracy = 0.8586;

/// The usage scenarios of ApproxNet §5.4, in the order the tools print them.
inline constexpr std::array<std::string_view, 5> approx_scenarios{"HH", "MM", "LL", "RT", "HH-Offload"};

/**
 * The requirement of a §5.4 scenario: HH, MM, LL = an accuracy loss below 10%, 20%, 30% relative
 * to `reference` (minimum accuracy 0.9, 0.8, 0.7 x reference); RT = no requirement (keep up with
 * the frame rate: the scheduler's frame interval); HH-Offload = run on the remote executor.
 * nullopt for any other name.
 */
[[nodiscard]] inline std::optional<approx_requirement> scenario_requirement(std::string_view name,
                                                                            double reference = approxnet_reference_accuracy) {
    if (name == "HH") {
        return approx_requirement::min_accuracy(0.9 * reference);
    }
    if (name == "MM") {
        return approx_requirement::min_accuracy(0.8 * reference);
    }
    if (name == "LL") {
        return approx_requirement::min_accuracy(0.7 * reference);
    }
    if (name == "RT") {
        return approx_requirement::none();
    }
    if (name == "HH-Offload") {
        return approx_requirement::offload();
    }
    return std::nullopt;
}

/// The branch a profile CSV's optional `scenario` column labels `name` (the last such row), or ""
/// (no such column or label). `profile` is the CSV as read by io::read_csv_file.
[[nodiscard]] inline std::string scenario_label(const io::csv_table& profile, std::string_view name) {
    const auto c_label = profile.find_column("scenario");
    if (!c_label.has_value()) {
        return {};
    }
    const std::size_t c_branch = profile.column("branch");
    std::string labelled;
    for (std::size_t row = 0; row < profile.rows(); ++row) {
        if (profile.cell(row, *c_label) == name) {
            labelled = profile.cell(row, c_branch);
        }
    }
    return labelled;
}

}  // namespace offloadkit::examples

#endif  // OFFLOADKIT_EXAMPLES_COMMON_APPROX_SCENARIOS_HPP
