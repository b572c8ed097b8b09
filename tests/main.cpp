// The single doctest main of offloadkit's unit suite (tests/<folder>/test_<header>.cpp link into it).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
