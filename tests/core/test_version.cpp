#include <offloadkit/offloadkit.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

TEST_CASE("version.hpp agrees with project(VERSION) in CMakeLists.txt") {
    std::ifstream in(std::string(OFFLOADKIT_SOURCE_DIR) + "/CMakeLists.txt");
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    const std::string key = "project(offloadkit VERSION ";
    const auto at = text.find(key);
    REQUIRE(at != std::string::npos);
    std::istringstream version(text.substr(at + key.size()));
    int major = -1;
    int minor = -1;
    int patch = -1;
    char dot1 = 0;
    char dot2 = 0;
    version >> major >> dot1 >> minor >> dot2 >> patch;
    CHECK(dot1 == '.');
    CHECK(dot2 == '.');
    CHECK(major == OFFLOADKIT_VERSION_MAJOR);
    CHECK(minor == OFFLOADKIT_VERSION_MINOR);
    CHECK(patch == OFFLOADKIT_VERSION_PATCH);
}

TEST_CASE("offloadkit::version and version_string agree with the macros") {
    namespace ok = offloadkit;
    static_assert(ok::version.major == OFFLOADKIT_VERSION_MAJOR);
    static_assert(ok::version.minor == OFFLOADKIT_VERSION_MINOR);
    static_assert(ok::version.patch == OFFLOADKIT_VERSION_PATCH);
    // The string is the three numbers joined by dots, as CMake's PROJECT_VERSION.
    const std::string expected = std::to_string(OFFLOADKIT_VERSION_MAJOR) + "." +
                                 std::to_string(OFFLOADKIT_VERSION_MINOR) + "." +
                                 std::to_string(OFFLOADKIT_VERSION_PATCH);
    CHECK(std::string(ok::version_string) == expected);
    CHECK(std::string(OFFLOADKIT_VERSION_STRING) == expected);
    CHECK(OFFLOADKIT_VERSION ==
          OFFLOADKIT_VERSION_MAJOR * 10000 + OFFLOADKIT_VERSION_MINOR * 100 + OFFLOADKIT_VERSION_PATCH);
}

TEST_CASE("version_info orders as the packed number major*10000 + minor*100 + patch") {
    // Brute force over small versions: <=> must agree with the order of OFFLOADKIT_VERSION's packing
    // (valid while every field is < 100).
    namespace ok = offloadkit;
    const int values[] = {0, 1, 2, 10, 99};
    for (int a1 : values) for (int b1 : values) for (int c1 : values) {
        const ok::version_info x{a1, b1, c1};
        const int px = a1 * 10000 + b1 * 100 + c1;
        for (int a2 : values) for (int b2 : values) for (int c2 : values) {
            const ok::version_info y{a2, b2, c2};
            const int py = a2 * 10000 + b2 * 100 + c2;
            CHECK((x < y) == (px < py));
            CHECK((x == y) == (px == py));
        }
    }
}
