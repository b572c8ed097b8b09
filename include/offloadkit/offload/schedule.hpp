#ifndef OFFLOADKIT_OFFLOAD_SCHEDULE_HPP
#define OFFLOADKIT_OFFLOAD_SCHEDULE_HPP

/**
 * @file
 * @brief CBO's dynamic programs over Pareto lists of (uplink free time, accuracy) pairs:
 *        the exact optimum solve_optimal() (CBO §IV-C, the "Optimal" of §V) and
 *        Algorithm 1, cbo_schedule() (CBO §IV-D), with a reusable workspace.
 *
 * ## Why first-come-first-served loses nothing (the exchange argument)
 *
 * Every frame has the same relative deadline: offloaded frame i must finish its transfer by
 * d_i = a_i + T - T^o - L, so sorting by arrival a_i is sorting by deadline d_i. Take any
 * schedule that sends a set S of frames over one uplink in some order, each transfer starting
 * at max(uplink free, arrival), and meets every deadline. Suppose two consecutive transfers x
 * then y have a_y < a_x (or a_y == a_x and y has the lower index), so d_y <= d_x. Let F be the
 * time the uplink frees before x, s_x = max(F, a_x) >= max(F, a_y), b_x, b_y the transfer times.
 * Originally y finishes at f_y = max(s_x + b_x, a_y) + b_y >= s_x + b_x + b_y, and f_y <= d_y.
 * Swap them: y now finishes at f'_y = max(F, a_y) + b_y <= s_x + b_y <= f_y <= d_y. x starts at
 * max(f'_y, a_x) and finishes at f'_x:
 *  - if f'_y >= a_x: f'_x = max(F, a_y) + b_y + b_x <= s_x + b_x + b_y <= f_y;
 *  - otherwise f'_x = a_x + b_x <= s_x + b_x <= f_y.
 * Either way f'_x <= f_y <= d_y <= d_x, both frames are on time, and the pair frees the uplink no
 * later than before (max(f'_x, f'_y) <= f_y), so every later transfer starts no later and stays
 * on time. Values do not change (same frames, same resolutions). Repeating the swap (bubble sort)
 * turns any feasible schedule into the arrival-ordered one, so the optimum over all send orders
 * equals the optimum with FCFS sending — which is the binding uplink model of docs/api.md.
 * The same argument shows that if Algorithm 1's confidence-ordered timeline meets every deadline,
 * the FCFS execution of the same choices does too (tests check both facts by brute force).
 *
 * With local times (problem.hpp: a frame can be sent from ready_i = a_i + l_i on), the same
 * argument goes through with ready_i in place of a_i wherever a transfer starts, as long as
 * sorting by ready time is sorting by deadline — a constant local time, or a sequential NPU
 * (ready_i = max(a_i, ready_{i-1}) + t_i, the simulator's model). For arbitrary per-frame local
 * times the binding model is FCFS by ready time, and the DP below, which processes frames in that
 * order, is the exact optimum of that model.
 *
 * ## The dynamic program
 *
 * Frames are processed one by one; a *label* (t, v) is a partial schedule whose uplink is free at
 * t and whose accuracy gain over "everything local" is v. Each step keeps the label (frame stays
 * local) or offloads the frame at resolution r: t' = max(t, a_i) + S(i, r) / B, kept only if
 * t' + T^o + L <= a_i + T (Algorithm 1, lines 6-9). Labels that another label dominates (earlier
 * or equal t, higher or equal v) are removed (line 10) with the one Pareto-list implementation,
 * pareto/frontier.hpp's rules (one branch-free merge per source, detail::dp_merge). Only the
 * previous level's labels are kept in full; every finished level leaves a trace-back record, one
 * 32-bit word per label (parent * (m + 1) + choice + 1) while the words stay under 4 MiB, then a
 * few bits per label (which source made it, and which candidates of each source were kept: see
 * detail_run_pareto_dp), from which the plan is read back in O(total labels). A 7000-frame trace
 * at 0 ms latency and 18 Mbps keeps 73 million labels: 50 MB of records, where one word per label
 * (the layout before issue 20) took 290 MB.
 *
 * solve_optimal additionally uses *arrival dominance*: when every frame still to be processed
 * arrives at or after c, all labels with t <= c behave identically from then on (max(t, a) = a),
 * so only the best of them is kept. This is exact and keeps the lists short: only labels whose
 * uplink is busy past the next arrival survive.
 */

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../pareto/frontier.hpp"
#include "problem.hpp"

namespace offloadkit {

/// In which order cbo_schedule() processes the pending frames.
enum class cbo_order {
    /// CBO Algorithm 1 as written: descending confidence (local_accuracy), ties by index;
    /// the DP's timeline sends frames in that order.
    confidence,
    /// Arrival order (ties by index), with arrival dominance: the exact optimum over the window
    /// under the FCFS uplink (equal to solve_optimal(pb, uplink_free_at)).
    arrival
};

namespace detail {
/// One DP label: uplink free time (`cost`), accumulated gain (`value`), and how it was made.
struct dp_label {
    double cost = 0.0;         ///< t: when the uplink is free after this partial schedule (s)
    double value = 0.0;        ///< A: accuracy gain over keeping every processed frame local
    std::uint32_t parent = 0;  ///< index in the previous level of the label it extends
    std::int32_t choice = -1;  ///< -1: the frame of this level stays local; r: offloaded at r
};

/// Where one level's trace-back record starts and what it covers (see detail_run_pareto_dp).
struct dp_level {
    std::uint64_t bit_begin = 0;  ///< packed: first bit of the record in the bit array; else first word
    std::uint32_t count = 0;      ///< labels kept at this level
    std::uint32_t first = 0;      ///< parent index of the first "stays local" candidate
    std::uint32_t q0 = 0;         ///< parent index of the first candidate of every offload source
    bool packed = false;          ///< bits (source codes + kept-candidate bits) or one word per label
};

/**
 * @brief Merges the Pareto list `a` (`na` labels) with the Pareto list `b` (`nb` labels) into
 *        `out` and drops dominated labels, keeping a label iff its value exceeds `last` and every
 *        value kept before it (CBO Algorithm 1, line 10). Ties on cost put the higher value first
 *        and `a` first when the values tie too, as pareto_merge() does. Returns the number kept.
 *
 * `a[na]` and `b[nb]` must be sentinels {+inf, -inf}: the loop then runs exactly na + nb times
 * with no bounds check and picks its source with a conditional move instead of a branch (which
 * list comes next is data-dependent). `out` has room for na + nb labels and aliases neither.
 */
template <class = void>
inline std::size_t dp_merge(const dp_label* a, std::size_t na, const dp_label* b, std::size_t nb, dp_label* out,
                            double last) noexcept {
    std::size_t k = 0;
    for (std::size_t step = na + nb; step > 0; --step) {
        const bool take_a = (a->cost < b->cost) | ((a->cost == b->cost) & (a->value >= b->value));
        const dp_label* p = take_a ? a : b;
        a += take_a ? 1 : 0;
        b += take_a ? 0 : 1;
        out[k] = *p;
        const bool keep = p->value > last;
        k += keep ? std::size_t{1} : std::size_t{0};
        last = keep ? p->value : last;
    }
    return k;
}

/**
 * @brief A growable array of 64-bit words kept in fixed chunks: growing never copies what is
 *        there (a vector's reallocation would briefly hold the old and the new copy, which for the
 *        trace-back record of a long solve is tens of megabytes) and new words are zero.
 */
class dp_bits {
public:
    static constexpr unsigned chunk_log2 = 11;  // 2^11 words = 16 KiB per chunk
    static constexpr std::size_t chunk_words = std::size_t{1} << chunk_log2;

    std::uint64_t& word(std::size_t w) noexcept { return chunks_[w >> chunk_log2][w & (chunk_words - 1)]; }
    [[nodiscard]] std::uint64_t word(std::size_t w) const noexcept {
        return chunks_[w >> chunk_log2][w & (chunk_words - 1)];
    }
    /// Makes words [0, words) addressable; the words added are zero.
    template <class = void>
    void ensure(std::size_t words) {
        while (chunks_.size() << chunk_log2 < words) {
            chunks_.emplace_back(chunk_words, std::uint64_t{0});
        }
    }
    /// Zeroes words [0, words) (what the last use set) so that the array is all zero again.
    template <class = void>
    void clear(std::size_t words) noexcept {
        for (std::size_t c = 0; c < chunks_.size() && (c << chunk_log2) < words; ++c) {
            const std::size_t end = std::min(chunk_words, words - (c << chunk_log2));
            std::fill(chunks_[c].begin(), chunks_[c].begin() + static_cast<std::ptrdiff_t>(end), std::uint64_t{0});
        }
    }
    /// Ors the low `count` (<= 64) bits of `v` into the array at bit `at`.
    template <class = void>
    void put(std::uint64_t at, std::uint64_t v, unsigned count) noexcept {
        const auto w = static_cast<std::size_t>(at >> 6);
        const unsigned off = static_cast<unsigned>(at & 63u);
        word(w) |= v << off;
        if (off + count > 64) {
            word(w + 1) |= v >> (64 - off);
        }
    }
    /// The `count` (<= 64) bits at bit `at`.
    template <class = void>
    [[nodiscard]] std::uint64_t get(std::uint64_t at, unsigned count) const noexcept {
        const auto w = static_cast<std::size_t>(at >> 6);
        const unsigned off = static_cast<unsigned>(at & 63u);
        std::uint64_t v = word(w) >> off;
        if (off + count > 64) {
            v |= word(w + 1) << (64 - off);
        }
        return count >= 64 ? v : v & ((std::uint64_t{1} << count) - 1);
    }

private:
    std::vector<std::vector<std::uint64_t>> chunks_;
};

/// Grows `v` to at least `n` elements (never shrinks: the buffers are reused across levels).
template <class T>
inline void dp_reserve(std::vector<T>& v, std::size_t n) {
    if (v.size() < n) {
        v.resize(std::max(n, v.size() + v.size() / 2));
    }
}

}  // namespace detail

/**
 * @brief Reusable buffers for solve_optimal() and cbo_schedule(): after the first call on a
 *        problem of a given size, later calls of the same or smaller size do not allocate.
 *
 * Not thread-safe: use one workspace per thread.
 */
class offload_workspace {
public:
    offload_workspace() = default;

    /// Number of labels the last solve kept over all levels (a measure of the DP's work).
    [[nodiscard]] std::size_t labels() const noexcept { return labels_; }

    /// Bytes the last solve's trace-back record occupies: a few bits per label kept (CBO §IV-C's
    /// DP; the record of detail_run_pareto_dp, issue 20).
    [[nodiscard]] std::size_t trace_bytes() const noexcept {
        return bits_used_ / 8 + back_.size() * sizeof(std::uint32_t) + levels_.size() * sizeof(detail::dp_level) +
               lengths_.size() * sizeof(std::uint32_t);
    }

private:
    template <class Arrival, class Gain, class Finish, class OnTime>
    friend double detail_run_pareto_dp(offload_workspace&, std::span<const std::size_t>, std::size_t, double, bool,
                                       Arrival, Gain, Finish, OnTime, std::span<int>);
    friend struct offload_workspace_access;

    std::size_t labels_ = 0;
    std::uint64_t bits_used_ = 0;
    detail::dp_bits bits_;                  // every level's trace-back record (see detail_run_pareto_dp)
    std::vector<detail::dp_level> levels_;  // where each level's record starts
    std::vector<std::uint32_t> back_;       // the records of the levels kept as one word per label
    std::size_t packed_after_ = std::size_t{1} << 20;  // words of back_ after which levels are packed
    std::vector<std::uint32_t> lengths_;    // per level, the candidate range of each of the m + 1 sources
    std::vector<detail::dp_label> prev_;    // the previous level's labels in full (+ a sentinel)
    std::vector<detail::dp_label> cur_;
    std::vector<detail::dp_label> next_;
    std::vector<detail::dp_label> cand_;    // the candidates of every offload source, back to back
    std::vector<std::size_t> cand_begin_;   // where each source's candidates start in cand_
    std::vector<std::uint64_t> src_at_;     // per source, the bit of candidate 0 in this level's record
    std::vector<double> suffix_min_;
    std::vector<std::size_t> order_;
    std::vector<std::size_t> fcfs_;
};

/// Internal access to the workspace buffers (not part of the public API).
struct offload_workspace_access {
    static std::vector<std::size_t>& order(offload_workspace& ws) noexcept { return ws.order_; }
    static std::vector<std::size_t>& fcfs(offload_workspace& ws) noexcept { return ws.fcfs_; }
    /// After how many one-word records the DP switches to the packed path (tests set 0 or a few).
    static std::size_t& packed_after(offload_workspace& ws) noexcept { return ws.packed_after_; }
};

/**
 * @brief The Pareto-pair dynamic program shared by every solver here (internal).
 *
 * Processes `order` (indices of items); `arrival(i)`, `gain(i, r)`, `finish(start, i, r)` (must be
 * non-decreasing in start) and `on_time(finish, i)` describe the items. With `collapse`, labels
 * whose uplink frees before every remaining arrival are merged (exact). Writes choice[i] for
 * every processed item and returns the best total gain. O(n m L) for lists of length L.
 *
 * Each level has m + 1 *sources* of candidates: source 0 carries the labels q in [first, e) of the
 * level before (the frame stays local), source r + 1 offloads at resolution r from the labels q in
 * [q0, q0 + len_r) (the scan stops at the first late finish). Within a source, the candidates that
 * survive are in increasing q (cost is non-decreasing in q, and the kept list is sorted by cost),
 * so a kept label is fully described by its source s and its rank among the kept labels of s.
 * The trace-back record of a level is therefore: the source of each kept label (bit_width(m)
 * bits each), then per source one bit per candidate q, set when the candidate was kept. The
 * parent of the label at position x is q = base_s + (position of the rank_s(x)-th set bit of
 * source s), rank_s(x) = the number of kept labels of source s before x. That is 2-4 bits per
 * candidate and bit_width(m) bits per label instead of 32 bits per label (issue 20: a 7000-frame
 * trace at 0 ms latency kept 73 million labels, 290 MB of 32-bit words); the trace-back reads
 * every level once, O(total labels). The plan and value are the same as with one word per label.
 */
template <class Arrival, class Gain, class Finish, class OnTime>
double detail_run_pareto_dp(offload_workspace& ws, std::span<const std::size_t> order, std::size_t m,
                            double uplink_free_at, bool collapse, Arrival arrival, Gain gain, Finish finish,
                            OnTime on_time, std::span<int> choice) {
    using detail::dp_label;
    constexpr double inf = std::numeric_limits<double>::infinity();
    const dp_label sentinel{inf, -inf, 0, -1};
    const std::size_t n = order.size();
    const std::size_t sources = m + 1;
    const unsigned code_bits = static_cast<unsigned>(std::bit_width(m));  // source codes 0..m
    auto& prev = ws.prev_;
    auto& bits = ws.bits_;
    ws.levels_.clear();
    ws.lengths_.clear();
    ws.back_.clear();
    bool packed = false;
    ws.labels_ = 1;
    // The record only sets bits: clear what the last solve used.
    bits.clear(static_cast<std::size_t>(ws.bits_used_ / 64 + 2));
    ws.bits_used_ = 0;
    detail::dp_reserve(prev, 2);
    prev[0] = dp_label{uplink_free_at, 0.0, 0, -1};  // l_0 = {(free, 0)} (line 1)
    prev[1] = sentinel;
    std::size_t e = 1;                                // labels in prev
    if (collapse) {
        ws.suffix_min_.resize(n);
        double c = inf;
        for (std::size_t j = n; j-- > 0;) {
            c = std::min(c, static_cast<double>(arrival(order[j])));
            ws.suffix_min_[j] = c;
        }
    }
    for (std::size_t j = 0; j < n; ++j) {  // line 2
        const std::size_t i = order[j];
        const double a = arrival(i);
        std::size_t first = 0;
        if (collapse) {  // arrival dominance: labels free before every remaining arrival are equivalent
            const double c = ws.suffix_min_[j];
            while (first + 1 < e && prev[first + 1].cost <= c) {
                ++first;
            }
        }
        detail::require(e < std::size_t{0xFFFFFFFFu}, "solve_optimal", "more than 2^32 labels in one level");
        // Labels free by a all start at a; the last of them has the highest value.
        std::size_t q0 = first;
        while (q0 + 1 < e && prev[q0 + 1].cost <= a) {
            ++q0;
        }
        // Small solves (the online policies' windows) run the levels as before issue 20: lists built
        // by push_back, merged by pareto_merge, one trace-back word per label, parent * (m + 1) +
        // choice + 1 (for short lists this is faster than the path below). Once the words pass 4 MiB
        // (or would not fit 32 bits) every later level takes the packed path.
        if (!packed && (ws.back_.size() + e > ws.packed_after_ || e > (std::size_t{0xFFFFFFFFu} - m) / (m + 1))) {
            packed = true;
            detail::dp_reserve(prev, e + 1);
            for (std::size_t q = 0; q < e; ++q) {  // the packed path's form of the previous level
                prev[q].parent = static_cast<std::uint32_t>(q);
                prev[q].choice = -1;
            }
            prev[e] = sentinel;
        }
        if (!packed) {
            const auto cost_of = [](const dp_label& l) { return l.cost; };
            const auto value_of = [](const dp_label& l) { return l.value; };
            ws.cur_.clear();
            for (std::size_t q = first; q < e; ++q) {  // line 4
                ws.cur_.push_back(dp_label{prev[q].cost, prev[q].value, static_cast<std::uint32_t>(q), -1});
            }
            for (std::size_t r = 0; r < m; ++r) {  // line 5
                const double g = gain(i, r);       // line 8
                if (!(g > 0.0)) {
                    continue;
                }
                ws.cand_.clear();
                for (std::size_t q = q0; q < e; ++q) {
                    const double t = finish(std::max(prev[q].cost, a), i, r);  // line 6
                    if (!on_time(t, i)) {                                      // line 7
                        break;
                    }
                    const dp_label nl{t, prev[q].value + g, static_cast<std::uint32_t>(q), static_cast<std::int32_t>(r)};
                    if (!ws.cand_.empty() && ws.cand_.back().cost == t) {
                        ws.cand_.back() = nl;  // equal times after rounding: keep the higher value
                    } else {
                        ws.cand_.push_back(nl);
                    }
                }
                if (!ws.cand_.empty()) {
                    pareto_merge<dp_label>(ws.cur_, ws.cand_, ws.next_, cost_of, value_of);  // line 10
                    std::swap(ws.cur_, ws.next_);
                }
            }
            ws.levels_.push_back(detail::dp_level{ws.back_.size(), static_cast<std::uint32_t>(ws.cur_.size()), 0, 0, false});
            for (const dp_label& l : ws.cur_) {
                ws.back_.push_back(static_cast<std::uint32_t>(l.parent * (m + 1) + static_cast<std::size_t>(l.choice + 1)));
            }
            ws.lengths_.resize(ws.lengths_.size() + sources);  // unused for this level
            ws.labels_ += ws.cur_.size();
            e = ws.cur_.size();
            std::swap(prev, ws.cur_);
            continue;
        }
        // Lines 5-9: the candidates of every offload source, back to back in cand_, each list
        // followed by a sentinel.
        detail::dp_reserve(ws.cand_, m * (e - q0 + 1));
        ws.cand_begin_.assign(sources + 1, 0);
        std::size_t nc = 0;
        ws.lengths_.push_back(static_cast<std::uint32_t>(e - first));
        for (std::size_t r = 0; r < m; ++r) {  // line 5
            ws.cand_begin_[r + 1] = nc;
            const double g = gain(i, r);  // line 8: A^o_r - A^npu_{p_j}
            std::size_t q = q0;
            if (g > 0.0) {  // a non-positive gain only adds uplink time: always dominated
                dp_label* out = ws.cand_.data() + nc;
                std::size_t k = 0;
                double before = std::numeric_limits<double>::quiet_NaN();  // the last candidate's time
                for (; q < e; ++q) {
                    const double t = finish(std::max(prev[q].cost, a), i, r);  // line 6
                    if (!on_time(t, i)) {                                      // line 7
                        break;  // t is non-decreasing in q: no later label fits either
                    }
                    // line 9; equal times after rounding: the later q (higher value) replaces
                    k -= t == before ? std::size_t{1} : std::size_t{0};
                    before = t;
                    out[k++] = dp_label{t, prev[q].value + g, static_cast<std::uint32_t>(q), static_cast<std::int32_t>(r)};
                }
                if (k > 0) {
                    out[k] = sentinel;
                    nc += k + 1;
                }
            }
            ws.lengths_.push_back(static_cast<std::uint32_t>(q - q0));
        }
        ws.cand_begin_[m + 1] = nc;
        // Line 4: every pair of l_{j-1} from `first` on is carried into l_j (the frame stays local:
        // prev[q] is already {cost, value, parent q, choice -1}); line 10: merge each source's list
        // in turn and remove dominated pairs. Ties between equal pairs go to the lower source, as
        // the earlier list wins in pareto_merge.
        // All three lists take turns as prev: each is grown to what any of them needs here, so that
        // a second solve of the same problem does not allocate whatever the turns.
        const std::size_t cap = (e - first) + nc + 2;
        detail::dp_reserve(ws.cur_, cap);
        detail::dp_reserve(ws.next_, cap);
        detail::dp_reserve(prev, cap);
        const dp_label* src = prev.data() + first;  // followed by a sentinel
        std::size_t len = e - first;
        dp_label* dst = ws.cur_.data();
        dp_label* spare = ws.next_.data();
        for (std::size_t r = 0; r < m; ++r) {
            const std::size_t b0 = ws.cand_begin_[r + 1];
            const std::size_t b1 = ws.cand_begin_[r + 2];
            if (b0 == b1) {
                continue;
            }
            const dp_label* cand = ws.cand_.data() + b0;
            const std::size_t nb = b1 - b0 - 1;
            // Labels of the list before the first candidate's cost are kept as they are: copied as a
            // block when there are many (a short copy costs more as a memmove call than as merge steps).
            std::size_t pos = static_cast<std::size_t>(
                std::lower_bound(src, src + len, cand[0].cost, [](const dp_label& l, double c) { return l.cost < c; }) -
                src);
            if (pos < 64) {
                pos = 0;
            }
            std::copy(src, src + pos, dst);
            const double last = pos > 0 ? src[pos - 1].value : -inf;
            len = pos + detail::dp_merge(src + pos, len - pos, cand, nb, dst + pos, last);
            dst[len] = sentinel;
            src = dst;
            std::swap(dst, spare);
        }
        if (src == prev.data() + first) {  // nothing offloadable: l_j is l_{j-1} from `first` on
            std::copy(src, src + len + 1, dst);
            src = dst;
        }
        // The trace-back record of this level (file comment above).
        dp_label* kept = src == ws.cur_.data() ? ws.cur_.data() : ws.next_.data();
        std::uint64_t need = static_cast<std::uint64_t>(len) * code_bits + (e - first) + m * (e - q0);
        detail::dp_level rec{ws.bits_used_, static_cast<std::uint32_t>(len), static_cast<std::uint32_t>(first),
                             static_cast<std::uint32_t>(q0), true};
        bits.ensure(static_cast<std::size_t>((ws.bits_used_ + need) / 64 + 2));
        std::uint64_t at = ws.bits_used_;
        for (std::size_t x = 0; x < len; ++x, at += code_bits) {
            bits.put(at, static_cast<std::uint64_t>(kept[x].choice + 1), code_bits);
        }
        // Source s's bits start at `at` + the lengths of the sources before it.
        const std::uint32_t* lens = ws.lengths_.data() + j * sources;
        auto& src_at = ws.src_at_;
        src_at.resize(sources);
        for (std::size_t s = 0; s < sources; ++s) {
            src_at[s] = at - (s == 0 ? first : q0);  // bit of candidate q = src_at[s] + q
            at += lens[s];
        }
        for (std::size_t x = 0; x < len; ++x) {
            const std::uint64_t o = src_at[static_cast<std::size_t>(kept[x].choice + 1)] + kept[x].parent;
            bits.word(static_cast<std::size_t>(o >> 6)) |= std::uint64_t{1} << (o & 63u);
            kept[x].parent = static_cast<std::uint32_t>(x);  // as the "stays local" source of the next level
            kept[x].choice = -1;
        }
        ws.bits_used_ = at;
        ws.levels_.push_back(rec);
        ws.labels_ += len;
        // The kept labels become the previous level (+ its sentinel).
        std::swap(prev, kept == ws.cur_.data() ? ws.cur_ : ws.next_);
        e = len;
    }
    // Line 11: the best pair of l_k is the last one (values strictly increase along the list).
    const double best = prev[e - 1].value;
    std::size_t idx = e - 1;
    // Lines 12-17: follow the parents from l_k to l_0, decoding each level's record.
    for (std::size_t j = n; j-- > 0;) {
        const detail::dp_level& rec = ws.levels_[j];
        if (!rec.packed) {
            const std::size_t word = ws.back_[static_cast<std::size_t>(rec.bit_begin) + idx];
            choice[order[j]] = static_cast<int>(word % (m + 1)) - 1;
            idx = word / (m + 1);
            continue;
        }
        const std::uint32_t* lens = ws.lengths_.data() + j * sources;
        const std::uint64_t codes = rec.bit_begin;
        const auto s = static_cast<std::size_t>(bits.get(codes + idx * code_bits, code_bits));
        std::size_t rank = 0;  // kept labels of source s before idx
        for (std::size_t x = 0; x < idx; ++x) {
            rank += bits.get(codes + x * code_bits, code_bits) == s ? 1 : 0;
        }
        std::uint64_t o = codes + static_cast<std::uint64_t>(rec.count) * code_bits;
        for (std::size_t u = 0; u < s; ++u) {
            o += lens[u];
        }
        // The rank-th set bit of source s's candidate bits (there is one: the label was kept).
        std::size_t pos = 0;
        while (true) {
            const std::uint64_t word = bits.get(o + pos, 64 > lens[s] - pos ? static_cast<unsigned>(lens[s] - pos) : 64u);
            const auto ones = static_cast<std::size_t>(std::popcount(word));
            if (rank < ones) {
                std::uint64_t w = word;
                for (std::size_t z = 0; z < rank; ++z) {
                    w &= w - 1;  // clear the lowest set bit
                }
                pos += static_cast<std::size_t>(std::countr_zero(w));
                break;
            }
            rank -= ones;
            pos += 64;
        }
        choice[order[j]] = static_cast<int>(s) - 1;
        idx = pos + (s == 0 ? rec.first : rec.q0);
    }
    return best;
}

namespace detail {

template <class = void>
inline void sort_by_confidence(const offload_problem& pb, std::vector<std::size_t>& order) {
    order.resize(pb.frames.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        const double px = pb.frames[x].local_accuracy;
        const double py = pb.frames[y].local_accuracy;
        return px > py || (px == py && x < y);
    });
}

/// Runs the DP on `pb` in `order_kind` and fills `out` (value summed in index order, θ, r_o, first).
template <class = void>
inline void solve_into(const offload_problem& pb, double uplink_free_at, offload_workspace& ws, offload_plan& out,
                       cbo_order order_kind) {
    auto& order = offload_workspace_access::order(ws);
    if (order_kind == cbo_order::arrival) {
        sort_by_arrival(pb, order);
    } else {
        sort_by_confidence(pb, order);
    }
    const std::size_t m = pb.server_accuracy.size();
    out.choice.assign(pb.frames.size(), -1);
    const double bandwidth = pb.bandwidth;
    detail_run_pareto_dp(
        ws, order, m, uplink_free_at, order_kind == cbo_order::arrival,
        // The DP's "arrival" is when a frame can be sent: arrival + local_time (issue 15 §2; the
        // arrival itself when local_time is 0). The on-time test below keeps the true arrival.
        [&](std::size_t i) { return ready_time(pb.frames[i]); },
        [&](std::size_t i, std::size_t r) { return pb.server_accuracy[r] - pb.frames[i].local_accuracy; },
        [&](double start, std::size_t i, std::size_t r) { return start + pb.frames[i].bytes[r] / bandwidth; },
        [&](double finish, std::size_t i) {
            return on_time(finish, pb.frames[i].arrival, pb.deadline, pb.server_time, pb.network_latency);
        },
        out.choice);
    if (order_kind == cbo_order::confidence) {
        // The exchange argument (file comment) makes the confidence-ordered timeline's set on time
        // under FCFS in real arithmetic; in binary64 the FCFS sums can end one ulp past a deadline
        // the timeline met (frames arriving together; found by tests/fuzz/fuzz_schedule). Replay
        // FCFS, as evaluate_plan() does, and keep a frame that would be late local: the plan is
        // then feasible under the binding model. Nothing changes unless rounding bites.
        auto& fcfs = offload_workspace_access::fcfs(ws);
        sort_by_arrival(pb, fcfs);
        (void)replay_fcfs(pb, fcfs, out.choice, uplink_free_at, [&](std::size_t i) {
            out.choice[i] = -1;
            return false;  // not sent: the uplink stays free for the next frame
        });
    }
    out.value = 0.0;
    out.threshold = -std::numeric_limits<double>::infinity();
    out.resolution = -1;
    out.first = -1;
    for (std::size_t i = 0; i < pb.frames.size(); ++i) {
        const int c = out.choice[i];
        out.value += c < 0 ? pb.frames[i].local_accuracy : pb.server_accuracy[static_cast<std::size_t>(c)];
        if (c >= 0) {
            out.threshold = std::max(out.threshold, pb.frames[i].local_accuracy);
        }
    }
    // The frame sent first: the first offloaded one in processing order (the DP's timeline).
    for (const std::size_t i : order) {
        if (out.choice[i] >= 0) {
            out.first = static_cast<std::ptrdiff_t>(i);
            out.resolution = out.choice[i];
            break;
        }
    }
}

}  // namespace detail

/**
 * @brief The exact optimum of the CBO problem (CBO §IV-C, eq. 1-6 without the threshold
 *        constraints 3-4; the "Optimal" of §V): every subset of frames and every resolution, under
 *        the FCFS uplink of docs/api.md.
 *
 * Frames are processed in arrival order (sorted stably here; the file comment proves FCFS
 * optimal by the exchange argument) over Pareto lists of (uplink free time, accuracy) labels
 * with dominance and arrival-dominance pruning (CBO §IV-C's "most efficient paths").
 * @param pb the problem; frames may be in any order (choice[i] always refers to pb.frames[i]).
 * @param uplink_free_at when the uplink becomes free (s); 0 = free from the start.
 * @return the plan: value (summed accuracy, eq. 1 times n), choice per frame, θ = largest
 *         local_accuracy offloaded, first = earliest offloaded frame, resolution = its resolution.
 * @throws offloadkit::invalid_argument for a negative/NaN time, bandwidth <= 0, deadline <= 0,
 *         an empty server_accuracy, a frame whose bytes count differs from it or a byte size
 *         <= 0, an accuracy outside [0, 1].
 * Complexity O(n log n + n m L), L the longest Pareto list (bounded by the number of distinct
 * uplink-free times reachable within one deadline window; CBO bounds it by T).
 * @code
 * ok::offload_plan opt = ok::solve_optimal(pb);
 * for (std::size_t i = 0; i < pb.frames.size(); ++i) use(opt.choice[i]);   // -1 local, r offload
 * @endcode
 */
template <class = void>
[[nodiscard]] inline offload_plan solve_optimal(const offload_problem& pb, double uplink_free_at = 0.0) {
    detail::validate_offload_problem(pb, "solve_optimal");
    detail::require_finite(uplink_free_at, "solve_optimal", "uplink_free_at");
    offload_workspace ws;
    offload_plan out;
    detail::solve_into(pb, uplink_free_at, ws, out, cbo_order::arrival);
    return out;
}

/**
 * @brief solve_optimal() into a caller-owned plan, reusing `ws`: no allocation once the
 *        workspace and `out.choice` have grown to the problem's size.
 * @throws offloadkit::invalid_argument as solve_optimal(); `out` is untouched on error.
 */
template <class = void>
inline void solve_optimal(const offload_problem& pb, double uplink_free_at, offload_workspace& ws, offload_plan& out) {
    detail::validate_offload_problem(pb, "solve_optimal");
    detail::require_finite(uplink_free_at, "solve_optimal", "uplink_free_at");
    detail::solve_into(pb, uplink_free_at, ws, out, cbo_order::arrival);
}

/**
 * @brief CBO Algorithm 1 (the CBO algorithm) on the frames of `pb`, which are the k frames
 *        processed locally and not yet decided; returns the full plan plus θ and r_o.
 *
 * As written: frames sorted by descending confidence (here local_accuracy, the calibrated
 * A^npu_{p_i}); l_0 = {(uplink_free_at, 0)}; for each frame every pair is carried over and, per
 * resolution r, (max(t, t^arr_j) + S(j,r)/B, A + A^o_r - A^npu_{p_j}) is added when
 * t' + T^o + L <= T + t^arr_j; dominated pairs are removed; the best pair of l_k is traced back
 * to give θ and r_o.
 *
 * Where the text of Algorithm 1 is ambiguous, this implementation chooses:
 *  1. Ties in confidence are broken by frame index (arrival order for a pending window).
 *  2. Line 1 starts at (0, 0) in the paper; here at (uplink_free_at, 0), the time the uplink is
 *     free, which is the same when the uplink is idle (times are absolute).
 *  3. The timeline t of the DP sends frames in the processing (confidence) order — the text says
 *     so (max(t, t^arr_j) in processing order). With FCFS sending, that timeline is only a
 *     sufficient feasibility test: by the exchange argument (file comment), any set it accepts is
 *     also on time when sent in arrival order, so plans are always feasible under the binding
 *     uplink model; it may reject sets FCFS would accept (cbo_order::arrival does not). The
 *     argument is exact in real arithmetic only: the plan is replayed FCFS at the end and a frame
 *     that rounding makes late there (by an ulp, frames arriving together) is kept local.
 *  4. Line 10's dominance "t' <= t and A' >= A" removes one of two equal pairs; the pair already in
 *     the list (the frame kept local, or a lower resolution) is kept. Pairs with a non-positive
 *     gain A^o_r - A^npu_{p_j} are never added, since the carried-over pair dominates them.
 *  5. Lines 12-17 search l_j for a pair with t + S/B == t' and A + A' == A'; the search ignores the
 *     max(t, t^arr_j) of line 6 and may match several pairs. Here every pair stores a back-pointer
 *     to the pair it extends, so the trace-back follows exactly the path the DP built (identical
 *     when the match is unique). Line 15's index I_j is read as the frame that extends l_j to
 *     l_{j+1}.
 *  6. θ and r_o are the confidence and resolution of the last frame the trace-back reaches, i.e.
 *     the highest-confidence offloaded frame, which is the frame the DP's timeline sends first
 *     (plan.first); "the schedule decision is determined for frame I_1" and the algorithm is re-run
 *     after that frame is sent (§IV-D). With nothing offloaded θ = -infinity and r_o = -1.
 *  7. plan.choice reports the DP's full subset. It need not be a threshold rule in confidence
 *     (constraints 3-4 of §IV-B): the DP is a knapsack over all subsets, and θ only says which
 *     frame goes first.
 *
 * @param pb the pending window (frames in any order).
 * @param uplink_free_at when the uplink becomes free (s), finite.
 * @return the plan (value summed over pb.frames in index order), with threshold θ, resolution
 *         r_o and first (the index of the frame to send now).
 * @throws offloadkit::invalid_argument as solve_optimal().
 * Complexity O(k log k + k m L) (CBO: O(k^2 m)); allocates: use the workspace overload in
 * a loop.
 */
template <class = void>
[[nodiscard]] inline offload_plan cbo_schedule(const offload_problem& pb, double uplink_free_at,
                                               cbo_order order = cbo_order::confidence) {
    detail::validate_offload_problem(pb, "cbo_schedule");
    detail::require_finite(uplink_free_at, "cbo_schedule", "uplink_free_at");
    offload_workspace ws;
    offload_plan out;
    detail::solve_into(pb, uplink_free_at, ws, out, order);
    return out;
}

/**
 * @brief cbo_schedule() into a caller-owned plan reusing `ws`: after a warm-up call of the same
 *        window size no call allocates (the per-frame decision path of the online policies).
 *
 * With `order == cbo_order::arrival` this is the arrival-ordered variant: the exact optimum
 * restricted to the pending window, equal to solve_optimal(pb, uplink_free_at).
 * @throws offloadkit::invalid_argument as solve_optimal(); `out` is untouched on error.
 */
template <class = void>
inline void cbo_schedule(const offload_problem& pb, double uplink_free_at, offload_workspace& ws, offload_plan& out,
                         cbo_order order = cbo_order::confidence) {
    detail::validate_offload_problem(pb, "cbo_schedule");
    detail::require_finite(uplink_free_at, "cbo_schedule", "uplink_free_at");
    detail::solve_into(pb, uplink_free_at, ws, out, order);
}

}  // namespace offloadkit

#endif  // OFFLOADKIT_OFFLOAD_SCHEDULE_HPP
