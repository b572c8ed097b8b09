# cmake -DPREFIX=... -DBUILD_DIR=... -P install_fresh.cmake : install into an empty prefix and check
# that the package files a consumer needs are where they belong.
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed with ${rc}")
endif()
foreach(f share/cmake/offloadkit/offloadkitConfig.cmake
          share/cmake/offloadkit/offloadkitConfigVersion.cmake
          share/cmake/offloadkit/offloadkitTargets.cmake
          share/pkgconfig/offloadkit.pc
          include/offloadkit/offloadkit.hpp
          include/offloadkit/error.hpp
          include/offloadkit/concepts.hpp)
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "installed package lacks ${f}")
  endif()
endforeach()
# A header-only package must not install anything architecture-specific beside its headers.
file(READ "${PREFIX}/share/cmake/offloadkit/offloadkitConfigVersion.cmake" version_file)
if(NOT version_file MATCHES "requested major version is the same")
  message(FATAL_ERROR "offloadkitConfigVersion.cmake is not SameMajorVersion")
endif()
# write_basic_package_version_file(ARCH_INDEPENDENT) writes `if("TRUE") return()` before the
# pointer-size check; without it the check would reject a 32-bit consumer.
if(NOT version_file MATCHES "requested no architecture check, don't perform the check\nif\\(\"TRUE\"\\)")
  message(FATAL_ERROR "offloadkitConfigVersion.cmake checks the pointer size: not ARCH_INDEPENDENT")
endif()
