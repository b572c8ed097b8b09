# Debian's xsimd 8.1 package (libxsimd-dev 8.1.0-7) exports a target `xsimd` whose
# INTERFACE_LINK_LIBRARIES names `xtl`, but its config never looks for xtl, so every consumer links
# `-lxtl` and fails. xsimd only needs xtl for XSIMD_ENABLE_XTL_COMPLEX, which offloadkit never
# defines. If xtl's own package is installed we use it; otherwise an empty INTERFACE target stands
# in. Included after find_package(xsimd) by CMakeLists.txt and by the installed offloadkitConfig.
if(TARGET xsimd AND NOT TARGET xtl)
  get_target_property(_offloadkit_xsimd_links xsimd INTERFACE_LINK_LIBRARIES)
  if(_offloadkit_xsimd_links AND "xtl" IN_LIST _offloadkit_xsimd_links)
    find_package(xtl CONFIG QUIET)
    if(NOT TARGET xtl)
      add_library(xtl INTERFACE IMPORTED GLOBAL)
    endif()
  endif()
  unset(_offloadkit_xsimd_links)
endif()
