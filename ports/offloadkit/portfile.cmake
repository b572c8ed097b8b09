# vcpkg port of offloadkit (header-only). Release-only: nothing is compiled, so a debug tree
# would only duplicate the headers.
set(VCPKG_BUILD_TYPE release)

vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO offloadkit/offloadkit
    REF "v${VERSION}"
    SHA512 0
    HEAD_REF main
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DOFFLOADKIT_BUILD_TESTS=OFF
        -DOFFLOADKIT_BUILD_BENCHMARKS=OFF
        -DOFFLOADKIT_BUILD_EXAMPLES=OFF
        -DOFFLOADKIT_INSTALL=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/offloadkit)
# Header-only: the .pc file stays in share/pkgconfig (vcpkg's place for architecture-independent
# pkg-config files); vcpkg_fixup_pkgconfig makes its prefix relocatable.
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/licenses")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
