#ifndef OFFLOADKIT_OFFLOADKIT_HPP
#define OFFLOADKIT_OFFLOADKIT_HPP

/**
 * @file
 * @brief The umbrella header: everything in docs/api.md with one include.
 *
 * Modules and the paper each implements:
 * - calibration/, metrics/  — CBO §III: confidence calibration, ECE/MCE
 * - pareto/, offload/, sim/ — CBO §IV-V: the offloading problem, its solvers, the simulator
 * - kernels/, approx/, estimators/ — ApproxNet: SPP, content/contention estimators, scheduler
 * - kernels/quantize, multitask/ — AMVP: feature quantizer, MinMaxCost optimizer
 * - runtime/ — live pipelines over the host's backends: CBO pipeline (+ jthread runner, clocks),
 *   ApproxNet pipeline, AMVP split path
 * - concepts.hpp — the plug-in points a host implements; io/ — CSV, JSON, SVG for the tools
 */

#include "version.hpp"
#include "error.hpp"
#include "concepts.hpp"
#include "pareto/frontier.hpp"
#include "calibration/scores.hpp"
#include "calibration/identity.hpp"
#include "calibration/platt.hpp"
#include "calibration/isotonic.hpp"
#include "calibration/temperature.hpp"
#include "calibration/one_vs_rest.hpp"
#include "calibration/vector.hpp"
#include "metrics/calibration.hpp"
#include "offload/problem.hpp"
#include "offload/schedule.hpp"
#include "offload/policies.hpp"
#include "estimators/bandwidth.hpp"
#include "sim/trace.hpp"
#include "sim/synthetic.hpp"
#include "sim/simulator.hpp"
#include "sim/sweep.hpp"
#include "sim/threshold.hpp"
#include "sim/shared_server.hpp"
#include "kernels/spp.hpp"
#include "kernels/image.hpp"
#include "kernels/complexity.hpp"
#include "kernels/scene_change.hpp"
#include "approx/profiles.hpp"
#include "approx/profile_csv.hpp"
#include "approx/scheduler.hpp"
#include "estimators/contention.hpp"
#include "kernels/quantize.hpp"
#include "metrics/compression.hpp"
#include "multitask/cost.hpp"
#include "multitask/problem.hpp"
#include "multitask/minmax_cost.hpp"
#include "multitask/minmax_exact.hpp"
#include "multitask/problem_csv.hpp"
#include "runtime/clock.hpp"
#include "runtime/cbo_pipeline.hpp"
#include "runtime/runner.hpp"
#include "runtime/approx_pipeline.hpp"
#include "runtime/contention_generator.hpp"
#include "runtime/split_path.hpp"

#endif  // OFFLOADKIT_OFFLOADKIT_HPP
