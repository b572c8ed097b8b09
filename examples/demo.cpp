// offloadkit-demo — the main demo (scripts/demo runs it).
//
// Until the full demo lands (Fashion-MNIST trace, seed 000 Table I and Fig. 11-14), this shows the
// shared Pareto machinery on real published numbers: the approximation branches of seed 002
// Table 2(a) (ApproxNet on ILSVRC VID, latency in ms, top-5 accuracy), the frontier they form, and
// the branch a latency budget selects. Output: one JSON object per line.
#include <offloadkit/io/json.hpp>
#include <offloadkit/offloadkit.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace ok = offloadkit;

int main() {
    struct branch {
        const char* shape;
        int layers;
        ok::tradeoff_point perf;  // cost = latency (ms), value = accuracy
    };
    // seed 002, Table 2(a), the rows on ApproxNet's frontier, plus two dominated variants from
    // Table 2(b)/(c) (MCDNN's ResNet-18/34 choices) to show that pruning removes them.
    const std::vector<branch> branches{
        {"80x80x3", 12, {16.14, 0.6639}},   {"96x96x3", 12, {16.78, 0.6798}},
        {"112x112x3", 12, {17.70, 0.6853}}, {"128x128x3", 12, {17.97, 0.7023}},
        {"112x112x3", 20, {26.84, 0.7828}}, {"128x128x3", 20, {27.95, 0.7935}},
        {"160x160x3", 20, {31.33, 0.8081}}, {"128x128x3", 24, {31.42, 0.8212}},
        {"224x224x3", 18, {57.83, 0.7140}}, {"224x224x3", 34, {88.11, 0.7771}},
    };
    std::vector<ok::tradeoff_point> pts;
    for (const auto& b : branches) {
        pts.push_back(b.perf);
    }
    const auto front = ok::pareto_frontier(pts);
    for (const auto i : front) {
        ok::io::json_object o;
        o.add("frontier_branch", std::string(branches[i].shape) + "/" + std::to_string(branches[i].layers))
            .add("latency_ms", branches[i].perf.cost)
            .add("accuracy", branches[i].perf.value);
        std::puts(o.str().c_str());
    }
    // The most accurate frontier branch within each latency budget (30 fps = 33.3 ms, etc.).
    for (const double budget_ms : {16.5, 20.0, 33.3, 100.0}) {
        std::size_t best = front.front();
        for (const auto i : front) {
            if (pts[i].cost <= budget_ms) {
                best = i;
            }
        }
        ok::io::json_object o;
        o.add("latency_budget_ms", budget_ms)
            .add("chosen", std::string(branches[best].shape) + "/" + std::to_string(branches[best].layers))
            .add("accuracy", branches[best].perf.value);
        std::puts(o.str().c_str());
    }
    return 0;
}
