#include <offloadkit/calibration/identity.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace ok = offloadkit;

static_assert(ok::calibrator<ok::identity_calibrator>);

TEST_CASE("identity: maps scores to themselves, validates like the fitted calibrators, round-trips as text") {
    const std::vector<double> s{0.25, 0.75, 1.5};
    const std::vector<std::uint8_t> y{0, 1, 1};
    const auto c = ok::identity_calibrator::fit(s, y);
    CHECK(c(0.37) == 0.37);
    std::vector<float> out(3);
    c.transform(s, out);
    CHECK(out == std::vector<float>{0.25F, 0.75F, 1.5F});
    CHECK(ok::identity_calibrator::from_string(ok::to_string(c)) == c);
    CHECK(ok::to_string(c) == "offloadkit.identity_calibrator 1\n");
    CHECK_THROWS_AS((void)ok::identity_calibrator::from_string("offloadkit.identity_calibrator 2\n"),
                    ok::invalid_argument);
    CHECK_THROWS_AS((void)ok::identity_calibrator::from_string("offloadkit.identity_calibrator 1\nx\n"),
                    ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)ok::identity_calibrator::fit(s, std::vector<std::uint8_t>{0, 3, 1}),
                         "identity_calibrator::fit: labels[1] is 3, expected 0 or 1", ok::invalid_argument);
    CHECK_THROWS_WITH_AS((void)c(std::numeric_limits<double>::quiet_NaN()),
                         "identity_calibrator: score is NaN, expected a finite number", ok::invalid_argument);
    std::vector<double> o2(2, 4.0);
    CHECK_THROWS_WITH_AS(c.transform(s, o2), "identity_calibrator::transform: out has size 2, expected 3 (the size of in)",
                         ok::invalid_argument);
    CHECK(o2 == std::vector<double>{4.0, 4.0});
}
