#include <offloadkit/error.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace ok = offloadkit;
namespace od = offloadkit::detail;

namespace {
template <class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const ok::invalid_argument& e) {
        return e.what();
    }
    return "<no exception>";
}
}  // namespace

TEST_CASE("invalid_argument derives from std::invalid_argument") {
    CHECK_THROWS_AS(od::fail("f", "x is 1"), std::invalid_argument);
    CHECK_THROWS_AS(od::fail("f", "x is 1"), ok::invalid_argument);
}

TEST_CASE("messages read function: argument[index] is value") {
    const std::vector<double> scores{0.1, 0.2, std::nan(""), 0.4};
    CHECK(message_of([&] { od::require_finite(std::span<const double>(scores), "platt_calibrator::fit", "scores"); }) ==
          "platt_calibrator::fit: scores[2] is NaN");
    const std::vector<float> f{1.0F, -std::numeric_limits<float>::infinity()};
    CHECK(message_of([&] { od::require_finite(std::span<const float>(f), "g", "x"); }) == "g: x[1] is -inf");
    CHECK(message_of([] { od::require_positive(-0.5, "solve", "deadline"); }) ==
          "solve: deadline is -0.5, expected a finite number > 0");
    CHECK(message_of([] { od::require_non_negative(std::numeric_limits<double>::infinity(), "s", "t"); }) ==
          "s: t is inf, expected a finite number >= 0");
    CHECK(message_of([] { od::require_same_size(3, 5, "transform", "out", "scores"); }) ==
          "transform: out has size 3, expected 5 (the size of scores)");
    CHECK(message_of([] { od::require_not_empty(0, "fit", "scores"); }) == "fit: scores is empty");
    const std::vector<std::uint8_t> labels{0, 1, 2};
    CHECK(message_of([&] { od::require_binary(std::span<const std::uint8_t>(labels), "fit", "labels"); }) ==
          "fit: labels[2] is 2, expected 0 or 1");
    const std::vector<double> conf{0.5, 1.5};
    CHECK(message_of([&] { od::require_unit_interval(std::span<const double>(conf), "ece", "confidences"); }) ==
          "ece: confidences[1] is 1.5, expected a value in [0, 1]");
}

TEST_CASE("numbers in messages round-trip exactly") {
    const double v = 0.1 + 0.2;  // 0.30000000000000004
    const std::string m = message_of([&] { od::fail("f", "x is ", v); });
    CHECK(m == "f: x is 0.30000000000000004");
    CHECK(std::stod(m.substr(m.find("is ") + 3)) == v);
    CHECK(message_of([] { od::fail("f", od::arg_at{"a", 12}, " is ", std::int64_t{-3}); }) == "f: a[12] is -3");
    CHECK(message_of([] { od::fail("f", od::arg_at{"a"}, " is ", true); }) == "f: a is true");
}

TEST_CASE("require passes silently when the condition holds") {
    CHECK_NOTHROW(od::require(true, "f", "never"));
    const std::vector<double> ok_values{0.0, 1.0, 0.5};
    CHECK_NOTHROW(od::require_unit_interval(std::span<const double>(ok_values), "f", "x"));
    CHECK_NOTHROW(od::require_finite(std::span<const double>(ok_values), "f", "x"));
}
