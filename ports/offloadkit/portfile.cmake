# vcpkg overlay port of offloadkit (header-only), built from the checkout it sits in — no download:
#   vcpkg install offloadkit[onnx,tcp] --overlay-ports=<checkout>/ports
# Features: onnx (offloadkit::onnx, OpenCV 4 with dnn), tcp (offloadkit::tcp, Linux sockets).
# The configure options come from options.cmake, which ctest consumer.vcpkg_port_* runs too.
# Release-only: nothing is compiled, so a debug tree would only duplicate the headers.
set(VCPKG_BUILD_TYPE release)

# ports/offloadkit/ -> the checkout's top directory.
cmake_path(SET SOURCE_PATH NORMALIZE "${CURRENT_PORT_DIR}/../..")
if(NOT EXISTS "${SOURCE_PATH}/CMakeLists.txt" OR NOT EXISTS "${SOURCE_PATH}/include/offloadkit/offloadkit.hpp")
  message(FATAL_ERROR "offloadkit port: ${SOURCE_PATH} is not an offloadkit checkout; use this port as an "
                      "overlay from the checkout it belongs to (--overlay-ports=<checkout>/ports)")
endif()

include("${CURRENT_PORT_DIR}/options.cmake")
offloadkit_port_options(OFFLOADKIT_OPTIONS "${FEATURES}")

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS ${OFFLOADKIT_OPTIONS}
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/offloadkit)
# Header-only: the .pc files stay in share/pkgconfig (vcpkg's place for architecture-independent
# pkg-config files); vcpkg_fixup_pkgconfig makes their prefix relocatable.
vcpkg_fixup_pkgconfig()

# The licence goes where vcpkg wants it; the Debian copyright copies are not for vcpkg.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/licenses" "${CURRENT_PACKAGES_DIR}/share/doc")
file(INSTALL "${CURRENT_PORT_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
