#ifndef OFFLOADKIT_VERSION_HPP
#define OFFLOADKIT_VERSION_HPP

/**
 * @file
 * @brief The library version, as macros (for the preprocessor) and as `offloadkit::version`.
 *
 * CMakeLists.txt's `project(offloadkit VERSION x.y.z)` is the one source of the version. This header
 * is not generated (so that a plain `-I include` or `add_subdirectory` build sees the same file as
 * an installed package); instead every configure of the project compares these macros with
 * `project(VERSION)` and stops on a mismatch, and the unit suite (tests/core/test_version.cpp) and
 * ctest `consumer.package_metadata` check it again beside the Conan recipe, the vcpkg port, the
 * .deb and the Python package. Changes per version: CHANGELOG.md.
 */

#include <compare>
#include <string_view>

#define OFFLOADKIT_VERSION_MAJOR 0
#define OFFLOADKIT_VERSION_MINOR 1
#define OFFLOADKIT_VERSION_PATCH 0
/// major * 10000 + minor * 100 + patch
#define OFFLOADKIT_VERSION (OFFLOADKIT_VERSION_MAJOR * 10000 + OFFLOADKIT_VERSION_MINOR * 100 + OFFLOADKIT_VERSION_PATCH)
/// "major.minor.patch", the same text as CMake's PROJECT_VERSION
#define OFFLOADKIT_VERSION_STRING "0.1.0"

namespace offloadkit {

/**
 * @brief A semantic version (major.minor.patch) as a small regular value, ordered field by field.
 *
 * Not from a paper: packaging metadata. `offloadkit::version` is the version of the headers a
 * program was compiled with, e.g. to refuse a calibrator text written by an incompatible build:
 * @code
 * static_assert(offloadkit::version >= offloadkit::version_info{0, 1, 0});
 * std::puts(offloadkit::version_string.data());   // "0.1.0"
 * @endcode
 */
struct version_info {
    // glibc's function-like major()/minor() macros (<sys/sysmacros.h>) expand only before '(',
    // so these member names are safe beside them.
    int major = 0;  ///< incompatible API changes
    int minor = 0;  ///< compatible additions
    int patch = 0;  ///< fixes only
    friend constexpr auto operator<=>(const version_info&, const version_info&) = default;
};

/// The version of these headers (equal to OFFLOADKIT_VERSION_MAJOR/MINOR/PATCH).
inline constexpr version_info version{OFFLOADKIT_VERSION_MAJOR, OFFLOADKIT_VERSION_MINOR, OFFLOADKIT_VERSION_PATCH};

/// The version of these headers as text, "major.minor.patch" (OFFLOADKIT_VERSION_STRING).
inline constexpr std::string_view version_string{OFFLOADKIT_VERSION_STRING};

}  // namespace offloadkit

#endif  // OFFLOADKIT_VERSION_HPP
