# cmake -DSOURCE_DIR=... -DWORK_DIR=... -DFEATURES=core,onnx,tcp -DCXX=... -DGENERATOR=... -P vcpkg_port.cmake
# ctest consumer.vcpkg_port_core / consumer.vcpkg_port_all: the CMake half of the vcpkg port
# (ports/offloadkit/portfile.cmake), which cannot run here (vcpkg needs the internet). The same
# options.cmake the portfile includes gives the configure options; this script configures the
# checkout with them as a Release build (VCPKG_BUILD_TYPE release), installs it into a scratch prefix
# (what vcpkg_cmake_install does), checks the files vcpkg_cmake_config_fixup(CONFIG_PATH
# share/cmake/offloadkit) and the usage file rely on, and that exactly the requested features became
# package components (a consumer finds them; an unrequested one is absent).
cmake_minimum_required(VERSION 3.23)
string(REPLACE "," ";" FEATURES "${FEATURES}")
include("${SOURCE_DIR}/ports/offloadkit/options.cmake")
offloadkit_port_options(options "${FEATURES}")
set(build "${WORK_DIR}/build")
set(prefix "${WORK_DIR}/installed")
file(REMOVE_RECURSE "${WORK_DIR}")

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()

run("configuring with the port's options ${options}"
    "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${build}" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}"
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_INSTALL_PREFIX=${prefix}" ${options})
run("building" "${CMAKE_COMMAND}" --build "${build}")
run("installing" "${CMAKE_COMMAND}" --install "${build}")

# vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/offloadkit) moves this directory to share/offloadkit.
foreach(f share/cmake/offloadkit/offloadkitConfig.cmake share/cmake/offloadkit/offloadkitConfigVersion.cmake
          share/cmake/offloadkit/offloadkitTargets.cmake share/pkgconfig/offloadkit.pc
          include/offloadkit/offloadkit.hpp include/offloadkit/version.hpp)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "the port's install lacks ${f}")
  endif()
endforeach()
# Release-only and header-only: no lib/, no bin/ (vcpkg's post-build checks would reject them).
foreach(d lib bin debug)
  if(EXISTS "${prefix}/${d}")
    message(FATAL_ERROR "the port's install has a ${d}/ directory: a header-only port must not")
  endif()
endforeach()
set(expected_components "")
foreach(feature IN LISTS OFFLOADKIT_PORT_FEATURES)
  set(targets "${prefix}/share/cmake/offloadkit/offloadkit-${feature}-targets.cmake")
  if(feature IN_LIST FEATURES)
    list(APPEND expected_components ${feature})
    if(NOT EXISTS "${targets}" OR NOT EXISTS "${prefix}/share/pkgconfig/offloadkit-${feature}.pc")
      message(FATAL_ERROR "feature ${feature} requested but the install has no component ${feature}")
    endif()
  elseif(EXISTS "${targets}" OR EXISTS "${prefix}/include/offloadkit/backends/${feature}.hpp")
    message(FATAL_ERROR "feature ${feature} not requested but the install has it")
  endif()
endforeach()
# The usage file the port installs names the targets a consumer links.
file(READ "${SOURCE_DIR}/ports/offloadkit/usage" usage)
foreach(component offloadkit ${OFFLOADKIT_PORT_FEATURES})
  if(NOT usage MATCHES "offloadkit::${component}")
    message(FATAL_ERROR "ports/offloadkit/usage does not name offloadkit::${component}")
  endif()
endforeach()

# A consumer of the installed port: the requested components are found and the headers compile.
file(READ "${SOURCE_DIR}/CMakeLists.txt" top)
string(REGEX MATCH "project\\(offloadkit VERSION ([0-9.]+)" _ "${top}")
run("configuring and building a consumer with COMPONENTS ${expected_components}"
    "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/consumer/find_package" -B "${WORK_DIR}/consumer" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DOFFLOADKIT_EXPECTED_VERSION=${CMAKE_MATCH_1}"
    "-DOFFLOADKIT_EXPECTED_CONFIG_DIR=${prefix}/share/cmake/offloadkit"
    "-DOFFLOADKIT_EXPECTED_COMPONENTS=${expected_components}"
    "-DOFFLOADKIT_CONSUMER_MAIN=${SOURCE_DIR}/tests/consumer/version_main.cpp")
run("building the consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer")
run("running the consumer" "${WORK_DIR}/consumer/consumer")
message(STATUS "vcpkg port (features ${FEATURES}): installed with components '${expected_components}'")
