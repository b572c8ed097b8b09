# cmake -DSOURCE_DIR=... -DWORK_DIR=... -P version_check.cmake
# cmake/offloadkitVersionCheck.cmake (run at every configure) accepts the checkout's version.hpp
# with its own project(VERSION), and stops with a message naming the macro when one field differs.
file(READ "${SOURCE_DIR}/CMakeLists.txt" top)
if(NOT top MATCHES "project\\(offloadkit VERSION ([0-9]+)\\.([0-9]+)\\.([0-9]+)")
  message(FATAL_ERROR "CMakeLists.txt has no project(offloadkit VERSION x.y.z)")
endif()
set(major ${CMAKE_MATCH_1})
set(minor ${CMAKE_MATCH_2})
set(patch ${CMAKE_MATCH_3})
math(EXPR other_patch "${patch} + 1")

function(run_check source_dir version_args out_rc out_err)
  execute_process(COMMAND "${CMAKE_COMMAND}" "-DPROJECT_SOURCE_DIR=${source_dir}" ${version_args}
                          -P "${SOURCE_DIR}/cmake/offloadkitVersionCheck.cmake"
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  set(${out_rc} "${rc}" PARENT_SCOPE)
  set(${out_err} "${err}" PARENT_SCOPE)
endfunction()

set(good -DPROJECT_VERSION=${major}.${minor}.${patch} -DPROJECT_VERSION_MAJOR=${major}
         -DPROJECT_VERSION_MINOR=${minor} -DPROJECT_VERSION_PATCH=${patch})
run_check("${SOURCE_DIR}" "${good}" rc err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the checkout's version.hpp was rejected: ${err}")
endif()

# A copy of version.hpp one patch ahead: rejected, naming OFFLOADKIT_VERSION_PATCH.
file(REMOVE_RECURSE "${WORK_DIR}")
file(READ "${SOURCE_DIR}/include/offloadkit/version.hpp" header)
string(REGEX REPLACE "#define OFFLOADKIT_VERSION_PATCH [0-9]+" "#define OFFLOADKIT_VERSION_PATCH ${other_patch}"
       bumped "${header}")
file(WRITE "${WORK_DIR}/include/offloadkit/version.hpp" "${bumped}")
run_check("${WORK_DIR}" "${good}" rc err)
if(rc EQUAL 0 OR NOT err MATCHES "OFFLOADKIT_VERSION_PATCH is '${other_patch}'")
  message(FATAL_ERROR "a version.hpp with patch ${other_patch} was not rejected as it should be (rc ${rc}): ${err}")
endif()
# The string macro alone out of step: rejected too.
string(REGEX REPLACE "#define OFFLOADKIT_VERSION_STRING \"[^\"]*\"" "#define OFFLOADKIT_VERSION_STRING \"9.9.9\""
       bad_string "${header}")
file(WRITE "${WORK_DIR}/include/offloadkit/version.hpp" "${bad_string}")
run_check("${WORK_DIR}" "${good}" rc err)
if(rc EQUAL 0 OR NOT err MATCHES "OFFLOADKIT_VERSION_STRING is '9\\.9\\.9'")
  message(FATAL_ERROR "a version.hpp with OFFLOADKIT_VERSION_STRING 9.9.9 was not rejected (rc ${rc}): ${err}")
endif()
message(STATUS "version check accepts ${major}.${minor}.${patch} and rejects a mismatched header")
