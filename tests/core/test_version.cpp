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
