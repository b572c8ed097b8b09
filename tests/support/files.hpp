#ifndef OFFLOADKIT_TESTS_SUPPORT_FILES_HPP
#define OFFLOADKIT_TESTS_SUPPORT_FILES_HPP

// Reading a committed test file whole (bytes as they are on disk).

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace offloadkit::test_support {

/// The bytes of the file at path; the test fails (REQUIRE) if it cannot be opened.
inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read ", path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace offloadkit::test_support

#endif  // OFFLOADKIT_TESTS_SUPPORT_FILES_HPP
