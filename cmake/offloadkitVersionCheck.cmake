# include/offloadkit/version.hpp is written by hand (a header-only package must not need a configure
# step to be used from -I include); this check, run at every configure of the project, stops the
# build when its macros disagree with project(offloadkit VERSION) — the one source of the version.
file(STRINGS "${PROJECT_SOURCE_DIR}/include/offloadkit/version.hpp" _offloadkit_version_lines
     REGEX "^#define OFFLOADKIT_VERSION_(MAJOR|MINOR|PATCH|STRING) ")
set(_offloadkit_header_version "")
foreach(_part MAJOR MINOR PATCH)
  set(_value "")
  foreach(_line IN LISTS _offloadkit_version_lines)
    if(_line MATCHES "^#define OFFLOADKIT_VERSION_${_part} ([0-9]+)$")
      set(_value "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(NOT _value STREQUAL PROJECT_VERSION_${_part})
    message(FATAL_ERROR "include/offloadkit/version.hpp: OFFLOADKIT_VERSION_${_part} is '${_value}', "
                        "but project(offloadkit VERSION ${PROJECT_VERSION}) says ${PROJECT_VERSION_${_part}}")
  endif()
endforeach()
set(_value "")
foreach(_line IN LISTS _offloadkit_version_lines)
  if(_line MATCHES "^#define OFFLOADKIT_VERSION_STRING \"([^\"]*)\"$")
    set(_value "${CMAKE_MATCH_1}")
  endif()
endforeach()
if(NOT _value STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "include/offloadkit/version.hpp: OFFLOADKIT_VERSION_STRING is '${_value}', "
                      "but project(offloadkit VERSION ${PROJECT_VERSION})")
endif()
unset(_offloadkit_version_lines)
unset(_value)
