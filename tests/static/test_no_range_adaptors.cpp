// Public headers must not use std::views / range adaptors (issue 7): clang++ 14 cannot compile
// libstdc++ 12's view pipelines, and offloadkit must build with both compilers. The clang preset
// compiles every header on its own (tests/CMakeLists.txt, header_check), so a use that clang 14
// rejects fails there too; this test names the file and line, and also catches uses that happen to
// compile today (a view type in a template that is never instantiated, say) before they spread.
//
// The scan ignores comments and string/character literals, then flags:
//   - the namespace `views`: `views::x` (std::views::x, std::ranges::views::x, a using-directive)
//     and `std::views` / `std::ranges::views` on their own (a namespace alias);
//   - `std::ranges::<name>_view` (iota_view, filter_view, transform_view, ...: the view types the
//     adaptors produce).
// Plain loops and std::ranges algorithms and concepts (std::ranges::data, contiguous_range, ...)
// are fine.
#include <doctest/doctest.h>

#include <cctype>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// `text` with comments and string/char literals replaced by spaces (newlines kept, so line
/// numbers stay right). Raw string literals are rare in headers and not needed here.
std::string strip_comments_and_literals(std::string_view text) {
    std::string out(text);
    enum class state { code, line_comment, block_comment, string, character } st = state::code;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const char c = text[i];
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        switch (st) {
            case state::code:
                if (c == '/' && next == '/') {
                    st = state::line_comment;
                    out[i] = ' ';
                } else if (c == '/' && next == '*') {
                    st = state::block_comment;
                    out[i] = ' ';
                    out[++i] = ' ';
                } else if (c == '"') {
                    st = state::string;
                } else if (c == '\'') {
                    // A digit separator (1'000) is not a character literal.
                    const bool separator = i > 0 && std::isxdigit(static_cast<unsigned char>(text[i - 1])) != 0 &&
                                           std::isxdigit(static_cast<unsigned char>(next)) != 0;
                    st = separator ? state::code : state::character;
                }
                break;
            case state::line_comment:
                if (c == '\n') {
                    st = state::code;
                } else {
                    out[i] = ' ';
                }
                break;
            case state::block_comment:
                if (c == '*' && next == '/') {
                    st = state::code;
                    out[i] = ' ';
                    out[++i] = ' ';
                } else if (c != '\n') {
                    out[i] = ' ';
                }
                break;
            case state::string:
            case state::character:
                if (c == '\\') {
                    out[i] = ' ';
                    if (i + 1 < out.size() && text[i + 1] != '\n') {
                        out[++i] = ' ';
                    }
                } else if ((st == state::string && c == '"') || (st == state::character && c == '\'')) {
                    st = state::code;
                } else if (c != '\n') {
                    out[i] = ' ';
                }
                break;
        }
    }
    return out;
}

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

/// "line N: <code>" for every use of a view or range adaptor in `text`.
std::vector<std::string> range_adaptor_uses(std::string_view text) {
    const std::string code = strip_comments_and_literals(text);
    std::vector<std::string> found;
    std::size_t line = 1;
    std::size_t line_start = 0;
    auto report = [&](std::size_t at) {
        const std::size_t end = code.find('\n', at);
        found.push_back("line " + std::to_string(line) + ": " +
                        std::string(text.substr(line_start, (end == std::string::npos ? code.size() : end) - line_start)));
    };
    for (std::size_t i = 0; i < code.size(); ++i) {
        if (code[i] == '\n') {
            ++line;
            line_start = i + 1;
            continue;
        }
        const std::string_view rest = std::string_view(code).substr(i);
        const std::string_view before = std::string_view(code).substr(0, i);
        if (rest.starts_with("views") && (i == 0 || !identifier_char(code[i - 1])) &&
            (rest.size() == 5 || !identifier_char(rest[5])) &&
            (rest.substr(5).starts_with("::") || before.ends_with("std::") || before.ends_with("ranges::"))) {
            report(i);
            continue;
        }
        constexpr std::string_view ranges = "std::ranges::";
        if (rest.starts_with(ranges) && (i == 0 || !identifier_char(code[i - 1]))) {
            std::size_t j = i + ranges.size();
            while (j < code.size() && identifier_char(code[j])) {
                ++j;
            }
            const std::string_view name = std::string_view(code).substr(i + ranges.size(), j - i - ranges.size());
            if (name.size() > 5 && name.ends_with("_view")) {
                report(i);
            }
        }
    }
    return found;
}

}  // namespace

TEST_CASE("no-range-adaptor scan: flags views and view types, ignores comments, strings and algorithms") {
    CHECK(range_adaptor_uses("auto v = x | std::views::filter(f);").size() == 1);
    CHECK(range_adaptor_uses("for (int i : std::ranges::views::iota(0, 3)) {}").size() == 1);
    CHECK(range_adaptor_uses("namespace rv = std::views;\nauto w = rv::take(x, 2); auto z = views::all(x);").size() == 2);
    CHECK(range_adaptor_uses("namespace rv = std::ranges::views;").size() == 1);
    CHECK(range_adaptor_uses("std::ranges::iota_view<int, int> r(0, 3);").size() == 1);
    CHECK(range_adaptor_uses("int a;\nauto t = std::ranges::transform_view(x, f);")[0].starts_with("line 2: "));
    // Not flagged: comments, literals, algorithms, concepts, unrelated identifiers.
    CHECK(range_adaptor_uses("// std::views::filter is not allowed\n/* views::iota */ int x;").empty());
    CHECK(range_adaptor_uses("const char* s = \"std::views::take\"; char c = '\\'';").empty());
    CHECK(range_adaptor_uses("std::ranges::sort(v); auto d = std::ranges::data(r); int my_views::x;").empty());
    CHECK(range_adaptor_uses("template <std::ranges::contiguous_range R> void f(R&); int n = 1'000;").empty());
    CHECK(range_adaptor_uses("std::string_view s; std::ranges::range_value_t<R> v;").empty());
}

TEST_CASE("public headers use no std::views or range adaptors") {
    namespace fs = std::filesystem;
    const fs::path include = fs::path(OFFLOADKIT_SOURCE_DIR) / "include";
    REQUIRE(fs::is_directory(include));
    std::size_t headers = 0;
    for (const auto& entry : fs::recursive_directory_iterator(include)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".hpp") {
            continue;
        }
        ++headers;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        for (const auto& use : range_adaptor_uses(ss.str())) {
            const std::string where = fs::relative(entry.path(), include).string() + ": " + use;
            FAIL_CHECK(where);
        }
    }
    CHECK(headers >= 40);  // the scan really looked at the library
}
