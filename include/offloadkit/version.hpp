#ifndef OFFLOADKIT_VERSION_HPP
#define OFFLOADKIT_VERSION_HPP

/**
 * @file
 * @brief The library version. CMakeLists.txt's project(VERSION) is the source; the unit suite
 *        checks that these macros agree with it.
 */

#define OFFLOADKIT_VERSION_MAJOR 0
#define OFFLOADKIT_VERSION_MINOR 1
#define OFFLOADKIT_VERSION_PATCH 0
/// major * 10000 + minor * 100 + patch
#define OFFLOADKIT_VERSION (OFFLOADKIT_VERSION_MAJOR * 10000 + OFFLOADKIT_VERSION_MINOR * 100 + OFFLOADKIT_VERSION_PATCH)

#endif  // OFFLOADKIT_VERSION_HPP
