#ifndef OFFLOADKIT_RUNTIME_APPROX_PIPELINE_HPP
#define OFFLOADKIT_RUNTIME_APPROX_PIPELINE_HPP

/**
 * @file
 * @brief The live ApproxNet pipeline (ApproxNet §3 Fig. 2, §4): per frame, the scene change
 *        detector (every N frames) and the complexity categorizer when it fires, the contention
 *        level from the latencies just observed, the scheduler's branch, the host's executor run
 *        on that branch, and the observed latency fed back.
 *
 * It wires the step objects of the library — scene_change_detector (kernels/scene_change.hpp,
 * §4.2), complexity_estimator (kernels/complexity.hpp, §4.2), contention_estimator
 * (estimators/contention.hpp, §4.3) and branch_scheduler (approx/scheduler.hpp, §4.6) — to the
 * host's approximation-enabled DNN through the `approx_executor` concept (concepts.hpp). One frame:
 *
 *  1. `scd.step(image)`; if it reports a change (always on the first frame), `category =
 *     ice.category(image)`, else the category of the last categorized frame (§4.2: "we use the
 *     image complexity category of the last input frame");
 *  2. `level = rce.level()` — the nearest profiled contention level to the mean of the latest N
 *     latencies of the current branch (§4.3);
 *  3. `d = scheduler.step(category, level, budget)` (§4.6), where a latency requirement (the
 *     maximum latency, or the frame interval when none is given) is first reduced by this
 *     frame's own overheads: `options.scene_check_cost` when step 1 checked the scene and
 *     `options.categorize_cost` when it recomputed the category (see "Overheads" below);
 *  4. `latency = executor.run(frame, d.branch, logits)`, or, when d.offload (the requirement
 *     asked to offload, §4.5), `executor.run_remote(frame, logits)`;
 *  5. `rce.observe(d.branch, latency)` for local runs (a remote latency says nothing about the
 *     device's contention).
 *
 * Overheads (ApproxNet §5, "Metrics": the latency includes the system's overheads; §5.8 lists
 * SCD, ICC, scheduler and resizing): a frame whose scene is checked and categorized has less
 * time left for the DNN. The costs are profiled offline like the branch latencies (ApproxNet
 * measures 1.3 ms for SCD and 3.9 ms for ICC; offloadkit-profile-approx measures them on the
 * device) and given in the options; the pipeline charges them to the frames that pay them, so a
 * decision stays deterministic and allocation-free. Not charged:
 * - the scheduler and contention estimator themselves (O(log B) and O(N + M), well under 1 us);
 * - the switching cost of the branch chosen (§4.6, Fig. 14). It is paid once, on the first
 *   frame of the new branch, while the requirement holds for every frame after it; charging it
 *   to the choice keeps the device on a branch that is worse for all the frames that follow
 *   (a frame-interval budget minus a 20 ms switch would refuse almost every upward switch).
 *   The cost of that one frame is therefore accepted, not measured against the alternative in
 *   this library yet. The contention estimator leaves the switching cost out of its window
 *   (estimators/contention.hpp).
 *
 * Synchronous and single-threaded: step() returns the frame's result (the ApproxNet executor runs
 * on the device, in the host's loop). Not thread-safe; one pipeline per stream. No allocation per
 * frame (the step objects are allocation-free, the logit buffer is reused; the complexity
 * estimator's row buffer grows only when a wider frame than ever before arrives).
 *
 * Bad input: an invalid image (empty, inconsistent sizes) or requirement (NaN, negative, offload
 * without a remote executor) -> offloadkit::invalid_argument before anything changes. A latency
 * from the executor that is NaN, infinite or negative is not fed to the contention estimator
 * (counted in stats().bad_latencies); non-finite logits make the result `valid = false` (counted
 * in stats().bad_outputs). Either way the frame has its result.
 */

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../approx/profiles.hpp"
#include "../approx/scheduler.hpp"
#include "../calibration/scores.hpp"
#include "../concepts.hpp"
#include "../error.hpp"
#include "../estimators/contention.hpp"
#include "../kernels/complexity.hpp"
#include "../kernels/image.hpp"
#include "../kernels/scene_change.hpp"

namespace offloadkit {

/// What the pipeline did with one frame.
struct approx_result {
    std::uint64_t frame = 0;       ///< 0, 1, 2, ... in step() order
    bool scene_checked = false;    ///< the scene change detector histogrammed this frame
    bool scene_changed = false;    ///< ... and found a change: the category was recomputed
    double scene_score = 0.0;      ///< its score (0 when not checked)
    std::size_t category = 0;      ///< image complexity category used
    std::size_t level = 0;         ///< contention level used (before this frame's latency)
    double overhead = 0.0;         ///< s charged to this frame's budget (scene check, categorization)
    branch_decision decision;      ///< the scheduler's answer (branch, offload, met, expected accuracy/latency)
    double latency = 0.0;          ///< what the executor reported (s)
    std::size_t label = 0;         ///< arg max of the logits
    double confidence = 0.0;       ///< max softmax of the logits
    bool valid = true;             ///< false if the executor produced non-finite logits
};

/// Counters of an approx_pipeline.
struct approx_stats {
    std::uint64_t frames = 0;
    std::uint64_t scene_checks = 0;
    std::uint64_t scene_changes = 0;   ///< = complexity categorizations
    std::uint64_t offloaded = 0;
    std::uint64_t branch_switches = 0;  ///< local decisions whose branch differs from the previous local one
    std::uint64_t unmet = 0;            ///< decisions for which no branch met the requirement
    std::uint64_t bad_latencies = 0;    ///< executor latencies not fed back (NaN, infinite, negative)
    std::uint64_t bad_outputs = 0;      ///< results with non-finite logits
    friend bool operator==(const approx_stats&, const approx_stats&) = default;
};

/// Settings of an approx_pipeline.
struct approx_pipeline_options {
    scene_change_options scene{};        ///< §4.2: interval N = 30, threshold 0.45, 112x112, 256 bins
    scheduler_options scheduler{};       ///< §4.6: frame interval, transition-cost filter, hysteresis
    std::size_t contention_window = 10;  ///< §4.3: N latencies averaged
    std::size_t reserve_width = 0;       ///< widest frame expected (sizes the categorizer's buffer)
    double scene_check_cost = 0.0;       ///< s charged to a frame whose scene is checked (§4.2, §5.8)
    double categorize_cost = 0.0;        ///< s charged to a frame that is categorized (§4.2, §5.8)
    /// M x B latency table (level-major, seconds) the contention estimator compares its window
    /// mean with; empty (the default): the profile's own latency table. §4.3 compares the *mean*
    /// latency of the last N frames with the profile, so when the profile holds a tail quantile
    /// (offloadkit-profile-approx's default p95, which the scheduler should bound), give the
    /// profiled means here so that the estimator compares like with like.
    std::vector<double> estimator_latency{};
};

/**
 * @brief The ApproxNet per-frame loop over a host's executor (file comment).
 * @tparam Frame what the executor runs on (the pipeline reads the frame's pixels through an
 *         image_view the host passes with it).
 * @tparam Executor approx_executor<Executor, Frame>.
 */
template <class Frame, class Executor>
    requires approx_executor<Executor, Frame>
class approx_pipeline {
public:
    /**
     * @param profiles accuracy per (category, branch), latency per (level, branch), optional
     *        transition costs and remote executor (ApproxNet §4.4).
     * @param categories the complexity boundaries (categories.count() == profiles.categories()).
     * @param executor the host's DNN.
     * @throws offloadkit::invalid_argument for a category count that does not match the profiles,
     *         a local model with 0 classes, or invalid options (as the step objects' constructors;
     *         an estimator_latency that is not empty and not M x B finite values > 0 is named
     *         by contention_estimator).
     */
    approx_pipeline(branch_profiles profiles, complexity_categories categories, Executor executor,
                    approx_pipeline_options options = {})
        : scd_(options.scene),
          ice_(std::move(categories), options.reserve_width),
          rce_(options.estimator_latency.empty() ? profiles.latency_table()
                                                 : std::span<const double>(options.estimator_latency),
               profiles.contention_levels(), profiles.branches(), options.contention_window),
          scheduler_(std::move(profiles), options.scheduler),
          executor_(std::move(executor)),
          scene_check_cost_(options.scene_check_cost),
          categorize_cost_(options.categorize_cost) {
        constexpr std::string_view fn = "approx_pipeline";
        detail::require(std::isfinite(scene_check_cost_) && scene_check_cost_ >= 0.0, fn,
                        "options.scene_check_cost is ", scene_check_cost_, ", expected a finite number >= 0 (seconds)");
        detail::require(std::isfinite(categorize_cost_) && categorize_cost_ >= 0.0, fn,
                        "options.categorize_cost is ", categorize_cost_, ", expected a finite number >= 0 (seconds)");
        detail::require(ice_.categories().count() == scheduler_.profiles().categories(), fn, "categories has ",
                        ice_.categories().count(), " categories, the profiles ",
                        scheduler_.profiles().categories());
        classes_ = static_cast<std::size_t>(executor_.num_classes());
        detail::require(classes_ >= 1, fn, "executor.num_classes() is 0, expected >= 1");
        logits_.assign(classes_, 0.0F);
    }

    /**
     * @brief Processes one frame (steps 1-5 of the file comment) and returns what happened.
     * @param frame the host's frame, handed to the executor.
     * @param image the same frame's pixels for the content estimators (ApproxNet §4.2).
     * @param requirement minimum accuracy, maximum latency, offload, or none (frame interval).
     * @throws offloadkit::invalid_argument for an invalid image or requirement (nothing changes);
     *         whatever the executor throws propagates (the detectors have then seen the frame).
     * O(size^2) on scene checks, O(H W) on categorizations, O(N + M + log B) otherwise, plus the
     * executor; no allocation.
     */
    approx_result step(const Frame& frame, const image_view& image,
                       const approx_requirement& requirement = approx_requirement::none()) {
        constexpr std::string_view fn = "approx_pipeline::step";
        (void)detail::check_image(image, fn);
        (void)scheduler_.decide(0, 0, requirement);  // validates the requirement, changes nothing
        approx_result r;
        r.frame = frames_;
        const scene_change_result sc = scd_.step(image);
        r.scene_checked = sc.checked;
        r.scene_changed = sc.changed;
        r.scene_score = sc.score;
        if (sc.changed) {
            category_ = ice_.category(image);
            ++stats_.scene_changes;
        }
        stats_.scene_checks += sc.checked ? 1 : 0;
        r.category = category_;
        r.level = rce_.level();
        r.overhead = (sc.checked ? scene_check_cost_ : 0.0) + (sc.changed ? categorize_cost_ : 0.0);
        approx_requirement budget = requirement;
        if (r.overhead > 0.0 && (requirement.type == approx_requirement::kind::frame_interval ||
                                 requirement.type == approx_requirement::kind::max_latency)) {
            const double limit = requirement.type == approx_requirement::kind::max_latency
                                     ? requirement.value
                                     : scheduler_.options().frame_interval;
            budget = approx_requirement::max_latency(std::max(0.0, limit - r.overhead));
        }
        r.decision = scheduler_.step(category_, r.level, budget);
        std::fill(logits_.begin(), logits_.end(), 0.0F);
        if (r.decision.offload) {
            if constexpr (requires { executor_.run_remote(frame, std::span<float>(logits_)); }) {
                r.latency = static_cast<double>(executor_.run_remote(frame, std::span<float>(logits_)));
            } else {
                detail::fail(fn, "the scheduler chose the remote executor, the executor has no run_remote()");
            }
            ++stats_.offloaded;
        } else {
            r.latency = static_cast<double>(executor_.run(frame, r.decision.branch, std::span<float>(logits_)));
            if (std::isfinite(r.latency) && r.latency >= 0.0) {
                rce_.observe(r.decision.branch, r.latency);
            } else {
                ++stats_.bad_latencies;
            }
            if (has_local_ && r.decision.branch != last_branch_) {
                ++stats_.branch_switches;
            }
            has_local_ = true;
            last_branch_ = r.decision.branch;
        }
        stats_.unmet += r.decision.met ? 0 : 1;
        const bool finite = std::all_of(logits_.begin(), logits_.end(), [](float v) { return std::isfinite(v); });
        if (finite) {
            const top1 t = top1_confidence(logits_);
            r.label = t.index;
            r.confidence = t.confidence;
        } else {
            r.valid = false;
            ++stats_.bad_outputs;
        }
        ++frames_;
        ++stats_.frames;
        return r;
    }

    /// step() for hosts whose frame is the image itself (Frame = image_view).
    approx_result step(const image_view& image, const approx_requirement& requirement = approx_requirement::none())
        requires std::same_as<Frame, image_view>
    {
        return step(image, image, requirement);
    }

    [[nodiscard]] const approx_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] std::size_t category() const noexcept { return category_; }
    [[nodiscard]] const scene_change_detector& scene_detector() const noexcept { return scd_; }
    [[nodiscard]] const complexity_estimator& complexity() const noexcept { return ice_; }
    [[nodiscard]] const contention_estimator& contention() const noexcept { return rce_; }
    [[nodiscard]] const branch_scheduler& scheduler() const noexcept { return scheduler_; }
    [[nodiscard]] Executor& executor() noexcept { return executor_; }

private:
    scene_change_detector scd_;
    complexity_estimator ice_;
    contention_estimator rce_;
    branch_scheduler scheduler_;
    Executor executor_;
    double scene_check_cost_ = 0.0;
    double categorize_cost_ = 0.0;
    std::vector<float> logits_;
    std::size_t classes_ = 0;
    std::size_t category_ = 0;
    std::size_t last_branch_ = 0;
    bool has_local_ = false;
    std::uint64_t frames_ = 0;
    approx_stats stats_;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_RUNTIME_APPROX_PIPELINE_HPP
