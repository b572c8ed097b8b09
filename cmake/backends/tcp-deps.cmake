# Dependencies of offloadkit::tcp (include/offloadkit/backends/tcp.hpp): POSIX sockets on Linux and
# the platform's thread library (the server's worker threads). Run by the installed package's config
# for COMPONENTS tcp, and by the top-level CMakeLists.txt; sets _offloadkit_deps_found and
# _offloadkit_why.
set(_offloadkit_deps_found FALSE)
if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(_offloadkit_why "the tcp backend is Linux-only for now (SIOCOUTQ, TCP_INFO, SO_TIMESTAMPING, epoll); this is ${CMAKE_SYSTEM_NAME}")
else()
  find_package(Threads QUIET)
  if(Threads_FOUND)
    set(_offloadkit_deps_found TRUE)
  else()
    set(_offloadkit_why "no thread library found (find_package(Threads))")
  endif()
endif()
