# Optional backends: opt-in headers under include/offloadkit/backends/, each an INTERFACE target
# offloadkit::<name> with its own dependencies, export set, package component and pkg-config file.
# A consumer who does not ask for a backend never compiles or links it:
#   find_package(offloadkit CONFIG REQUIRED COMPONENTS onnx)   # or OPTIONAL_COMPONENTS
#   target_link_libraries(app PRIVATE offloadkit::onnx)
#
# Each backend is switched by a cache variable OFFLOADKIT_<NAME> = AUTO (default: built when its
# dependencies are found, reported otherwise), ON (a missing dependency is a configure error) or
# OFF. The core target offloadkit::offloadkit never depends on a backend.

set(OFFLOADKIT_BACKENDS "" CACHE INTERNAL "offloadkit backends enabled in this build")

# offloadkit_backend_wanted(<name> <found> <why-not>): decides from OFFLOADKIT_<NAME> and whether
# the backend's dependencies were found; sets OFFLOADKIT_WITH_<NAME> in the caller's scope.
function(offloadkit_backend_wanted name found why_not)
  string(TOUPPER "${name}" up)
  set(OFFLOADKIT_${up} AUTO CACHE STRING "Build the ${name} backend: AUTO (if its dependencies are found), ON or OFF")
  set_property(CACHE OFFLOADKIT_${up} PROPERTY STRINGS AUTO ON OFF)
  set(mode "${OFFLOADKIT_${up}}")
  string(TOUPPER "${mode}" mode)
  if(NOT mode MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "OFFLOADKIT_${up} is '${OFFLOADKIT_${up}}', expected AUTO, ON or OFF")
  endif()
  set(with OFF)
  if(mode STREQUAL "OFF")
    message(STATUS "offloadkit: ${name} backend off (OFFLOADKIT_${up}=OFF)")
  elseif(found)
    set(with ON)
    message(STATUS "offloadkit: ${name} backend on")
  elseif(mode STREQUAL "ON")
    message(FATAL_ERROR "offloadkit: OFFLOADKIT_${up}=ON but ${why_not}")
  else()
    message(STATUS "offloadkit: ${name} backend off: ${why_not}")
  endif()
  set(OFFLOADKIT_WITH_${up} ${with} PARENT_SCOPE)
endfunction()

# offloadkit_add_backend(<name> HEADERS <paths relative to include/> LINK <targets>
#                        PC_REQUIRES <pkg-config modules> PC_LIBS <flags>
#                        DEPS_FILE <cmake file the installed config includes to find the deps>)
# Creates offloadkit_<name> (alias offloadkit::<name>, exported as offloadkit::<name>).
function(offloadkit_add_backend name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "DEPS_FILE" "HEADERS;LINK;PC_REQUIRES;PC_LIBS")
  set(target offloadkit_${name})
  add_library(${target} INTERFACE)
  add_library(offloadkit::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  list(TRANSFORM arg_HEADERS PREPEND "${PROJECT_SOURCE_DIR}/include/" OUTPUT_VARIABLE files)
  target_sources(${target} INTERFACE FILE_SET HEADERS BASE_DIRS "${PROJECT_SOURCE_DIR}/include" FILES ${files})
  target_link_libraries(${target} INTERFACE offloadkit::offloadkit ${arg_LINK})
  set(OFFLOADKIT_BACKENDS ${OFFLOADKIT_BACKENDS} ${name} CACHE INTERNAL "offloadkit backends enabled in this build")
  set_property(GLOBAL APPEND PROPERTY OFFLOADKIT_BACKEND_HEADERS_${name} ${files})

  if(OFFLOADKIT_INSTALL)
    install(TARGETS ${target} EXPORT offloadkit-${name}-targets FILE_SET HEADERS)
    install(EXPORT offloadkit-${name}-targets NAMESPACE offloadkit::
            FILE offloadkit-${name}-targets.cmake DESTINATION "${OFFLOADKIT_CMAKE_DIR}")
    install(FILES "${arg_DEPS_FILE}" DESTINATION "${OFFLOADKIT_CMAKE_DIR}" RENAME offloadkit-${name}-deps.cmake)
    list(JOIN arg_PC_REQUIRES " " OFFLOADKIT_PC_REQUIRES)
    list(JOIN arg_PC_LIBS " " OFFLOADKIT_PC_LIBS)
    set(OFFLOADKIT_PC_NAME ${name})
    configure_file("${PROJECT_SOURCE_DIR}/cmake/offloadkit-backend.pc.in"
                   "${PROJECT_BINARY_DIR}/offloadkit-${name}.pc" @ONLY)
    install(FILES "${PROJECT_BINARY_DIR}/offloadkit-${name}.pc" DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")
  endif()
endfunction()
