# The CMake configure options of the offloadkit vcpkg port, shared by ports/offloadkit/portfile.cmake
# and ctests consumer.vcpkg_port_core / consumer.vcpkg_port_all (tests/consumer/vcpkg_port.cmake),
# so that the configure/install the port runs is the one tested on a machine without vcpkg.
#
# offloadkit_port_options(<out-var> <features>): <features> is the port's FEATURES list as vcpkg
# passes it ("core" and any of "onnx", "tcp"); <out-var> receives the -D options.
# Every backend is switched ON or OFF explicitly (never AUTO): a feature the user asked for must
# fail loudly when its dependency is missing, and one not asked for must not appear because a
# dependency happened to be installed.
cmake_policy(SET CMP0057 NEW)  # if(IN_LIST), should the includer be an old-policy script
set(OFFLOADKIT_PORT_FEATURES onnx tcp)

function(offloadkit_port_options out features)
  set(options
    -DOFFLOADKIT_BUILD_TESTS=OFF
    -DOFFLOADKIT_BUILD_BENCHMARKS=OFF
    -DOFFLOADKIT_BUILD_EXAMPLES=OFF
    -DOFFLOADKIT_INSTALL=ON)
  foreach(feature IN LISTS features)
    if(NOT feature STREQUAL "core" AND NOT feature IN_LIST OFFLOADKIT_PORT_FEATURES)
      message(FATAL_ERROR "offloadkit port: unknown feature '${feature}' (known: ${OFFLOADKIT_PORT_FEATURES})")
    endif()
  endforeach()
  foreach(feature IN LISTS OFFLOADKIT_PORT_FEATURES)
    string(TOUPPER "${feature}" up)
    if(feature IN_LIST features)
      list(APPEND options -DOFFLOADKIT_${up}=ON)
    else()
      list(APPEND options -DOFFLOADKIT_${up}=OFF)
    endif()
  endforeach()
  set(${out} "${options}" PARENT_SCOPE)
endfunction()
