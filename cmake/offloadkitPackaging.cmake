# Debian packages through CPack (included by the top-level CMakeLists.txt when offloadkit is the
# top-level project and OFFLOADKIT_INSTALL is on). Two packages, one per install component:
#   offloadkit-dev    (component offloadkit_dev): headers, the CMake package with its optional
#                     components, the pkg-config files. Architecture all: nothing is compiled.
#   offloadkit-tools  (component offloadkit_tools): the offloadkit-<name> command-line tools and the
#                     data files they read (share/offloadkit/data); dependencies from dpkg-shlibdeps.
# Build them with the `deb` presets (Release, tools on, tests off, prefix /usr, the tools reading
# their data from /usr/share/offloadkit):
#   cmake --preset deb && cmake --build build/deb && cpack --preset deb
# ctest consumer.deb_roundtrip (tests/consumer/deb_roundtrip.sh) builds, installs and removes them.
# The version is project(VERSION) (the one source) with Debian revision 1.

set(CPACK_PACKAGE_NAME offloadkit)
set(CPACK_PACKAGE_VENDOR "offloadkit")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
set(CPACK_PACKAGE_CONTACT "offloadkit developers <${PROJECT_HOMEPAGE_URL}/issues>")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL offloadkit_dev)
if(OFFLOADKIT_BUILD_EXAMPLES)
  list(APPEND CPACK_COMPONENTS_ALL offloadkit_tools)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

# offloadkit-dev
set(CPACK_DEBIAN_OFFLOADKIT_DEV_PACKAGE_NAME offloadkit-dev)
set(CPACK_DEBIAN_OFFLOADKIT_DEV_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_OFFLOADKIT_DEV_PACKAGE_SECTION libdevel)
# Debian 12 ships Eigen 3.4 and xsimd 8.1; offloadkit needs Eigen >= 3.3 and xsimd >= 8
# (the checks in CMakeLists.txt and offloadkitConfig.cmake). pkg-config is what offloadkit.pc needs.
set(CPACK_DEBIAN_OFFLOADKIT_DEV_PACKAGE_DEPENDS "libeigen3-dev (>= 3.3), libxsimd-dev (>= 8)")
set(CPACK_DEBIAN_OFFLOADKIT_DEV_PACKAGE_RECOMMENDS "cmake (>= 3.23) | pkg-config")
# The optional components: onnx needs OpenCV 4 with dnn (find_package(offloadkit COMPONENTS onnx)
# reports it not found without), tcp needs nothing beyond libc.
if(onnx IN_LIST OFFLOADKIT_BACKENDS)
  set(CPACK_DEBIAN_OFFLOADKIT_DEV_PACKAGE_SUGGESTS "libopencv-dev (>= 4)")
endif()
set(CPACK_COMPONENT_OFFLOADKIT_DEV_DISPLAY_NAME "offloadkit headers and CMake package")
set(CPACK_COMPONENT_OFFLOADKIT_DEV_DESCRIPTION
    "${PROJECT_DESCRIPTION} (header-only C++20 library: headers, CMake package with the optional components ${OFFLOADKIT_BACKENDS}, pkg-config files)")

# offloadkit-tools
set(CPACK_DEBIAN_OFFLOADKIT_TOOLS_PACKAGE_NAME offloadkit-tools)
set(CPACK_DEBIAN_OFFLOADKIT_TOOLS_PACKAGE_SECTION science)
set(CPACK_DEBIAN_OFFLOADKIT_TOOLS_PACKAGE_SHLIBDEPS ON)
set(CPACK_COMPONENT_OFFLOADKIT_TOOLS_DISPLAY_NAME "offloadkit command-line tools")
set(CPACK_COMPONENT_OFFLOADKIT_TOOLS_DESCRIPTION
    "${PROJECT_DESCRIPTION} (the offloadkit-<name> command-line tools: simulator, calibration, ApproxNet and AMVP planners, and their bundled data)")

# An installed tool finds its data at the place compiled into it (OFFLOADKIT_TOOLS_DATA_DIR,
# examples/CMakeLists.txt); a package whose tools look elsewhere would install data nobody reads.
if(OFFLOADKIT_BUILD_EXAMPLES
   AND NOT OFFLOADKIT_TOOLS_DATA_DIR_EFFECTIVE STREQUAL "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/offloadkit")
  message(STATUS "offloadkit: the tools read their data from "
                 "'${OFFLOADKIT_TOOLS_DATA_DIR_EFFECTIVE}', not the installed "
                 "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/offloadkit: use the deb preset to make packages")
endif()

# Debian wants /usr/share/doc/<package>/copyright in every package.
install(FILES LICENSE DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/offloadkit-dev" RENAME copyright
        COMPONENT offloadkit_dev)
if(OFFLOADKIT_BUILD_EXAMPLES)
  install(FILES LICENSE DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/offloadkit-tools" RENAME copyright
          COMPONENT offloadkit_tools)
endif()

include(CPack)
