// Fuzz target: the CSV reader every file-reading entry point goes through (traces, profiles,
// score tables). Any input must either parse or throw offloadkit::invalid_argument; a parsed table
// must be internally consistent and every cell access must stay in bounds.
#include <offloadkit/io/csv.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto t = offloadkit::io::parse_csv(text, "fuzz");
        if (t.cols() == 0) {
            std::abort();  // a header row always has at least one column
        }
        for (std::size_t r = 0; r < t.rows(); ++r) {
            if (t.line_of(r) == 0) {
                std::abort();
            }
            for (std::size_t c = 0; c < t.cols(); ++c) {
                (void)t.cell(r, c);
                try {
                    (void)t.number(r, c);
                } catch (const offloadkit::invalid_argument&) {
                }
            }
        }
    } catch (const offloadkit::invalid_argument&) {
    }
    return 0;
}
