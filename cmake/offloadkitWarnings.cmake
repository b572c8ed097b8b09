# offloadkit_project_target(<target>): the flags every target of this repository gets and no
# consumer ever sees — warnings (and -Werror when OFFLOADKIT_WERROR is on).
function(offloadkit_project_target target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                             -Wno-sign-conversion)
    if(OFFLOADKIT_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 /permissive- $<$<BOOL:${OFFLOADKIT_WERROR}>:/WX>)
  endif()
  target_link_libraries(${target} PRIVATE offloadkit::offloadkit)
endfunction()
