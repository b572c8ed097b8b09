#include <offloadkit/io/json.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

namespace io = offloadkit::io;

TEST_CASE("json_object writes one line, in order, with exact numbers") {
    io::json_object o;
    o.add("policy", "cbo").add("accuracy", 0.1 + 0.2).add("frames", 900).add("ok", true);
    CHECK(o.str() == R"({"policy":"cbo","accuracy":0.30000000000000004,"frames":900,"ok":true})");
    CHECK(std::stod("0.30000000000000004") == 0.1 + 0.2);
}

TEST_CASE("json_object escapes strings, writes null for non-finite numbers, nests") {
    io::json_object inner;
    inner.add("x", std::vector<double>{1.5, NAN, -2.0});
    io::json_object o;
    o.add("s", std::string("a\"b\\c\n\x01")).add("inf", INFINITY).add("inner", inner);
    CHECK(o.str() == R"({"s":"a\"b\\c\n\u0001","inf":null,"inner":{"x":[1.5,null,-2]}})");
    const std::vector<io::json_object> items{inner, inner};
    CHECK(io::json_array(items) == R"([{"x":[1.5,null,-2]},{"x":[1.5,null,-2]}])");
    CHECK(io::json_object{}.str() == "{}");
}
