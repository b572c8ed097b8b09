// test_package: compiles against the package's headers and runs one call of each component the
// package was made with (OFFLOADKIT_TEST_ONNX / OFFLOADKIT_TEST_TCP), checking what it returns.
#include <offloadkit/offloadkit.hpp>

#include <cstdio>
#include <vector>

#ifdef OFFLOADKIT_TEST_ONNX
#include <offloadkit/backends/onnx.hpp>
#endif
#ifdef OFFLOADKIT_TEST_TCP
#include <offloadkit/backends/tcp.hpp>
#endif

int main() {
    namespace ok = offloadkit;
    int failures = 0;
    // Core: the version of the headers.
    std::printf("offloadkit %s\n", ok::version_string.data());
    failures += ok::version.major != OFFLOADKIT_VERSION_MAJOR;
#ifdef OFFLOADKIT_TEST_ONNX
    const std::vector<ok::image_size> sizes = ok::square_sizes({45, 224});
    failures += !(sizes.size() == 2 && sizes[1].height == 224 && sizes[1].width == 224);
    std::printf("onnx component: square_sizes ok\n");
#endif
#ifdef OFFLOADKIT_TEST_TCP
    // A request header round trip through the wire format (docs/wire-protocol.md).
    ok::tcp_request_header h;
    h.id = 42;
    h.payload_bytes = 1000;
    std::vector<std::byte> wire(ok::tcp_message_size);
    ok::encode_tcp_request(h, wire);
    const ok::tcp_request_header back = ok::parse_tcp_request(wire);
    failures += !(back.id == 42 && back.payload_bytes == 1000);
    std::printf("tcp component: request header round trip ok\n");
#endif
    return failures == 0 ? 0 : 1;
}
