// A small consumer (ctest consumer.vcpkg_port_*): compiles against the installed headers and checks
// that offloadkit::version agrees with the macros of the same header.
#include <offloadkit/version.hpp>

#include <cstdio>
#include <string>

int main() {
    const auto v = offloadkit::version;
    const std::string text = std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
    if (text != offloadkit::version_string || v.major != OFFLOADKIT_VERSION_MAJOR) {
        std::printf("version mismatch: %s vs %s\n", text.c_str(), offloadkit::version_string.data());
        return 1;
    }
    std::printf("offloadkit %s\n", offloadkit::version_string.data());
    return 0;
}
