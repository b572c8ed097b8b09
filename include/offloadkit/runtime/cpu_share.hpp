#ifndef OFFLOADKIT_RUNTIME_CPU_SHARE_HPP
#define OFFLOADKIT_RUNTIME_CPU_SHARE_HPP

/**
 * @file
 * @brief Enforcing a compute share u of AMVP eq. 7-8 and 11 on a thread: the part of a split CNN
 *        that the placement gives u of a device runs at most u of one core.
 *
 * Three mechanisms, in the order a host would prefer them:
 *  - **cgroup v2 `cpu.max`** (cpu_share_mechanism::cgroup2): the kernel's CFS bandwidth control;
 *    each part's thread goes into its own *threaded* child of a per-process domain cgroup with
 *    `cpu.max = "u*period period"`. Needs a cgroup2 mount whose cgroup of this process lists `cpu`
 *    in cgroup.controllers, and write access (root, or a delegated subtree).
 *  - **cgroup v1 `cpu.cfs_quota_us`** (cgroup1): the same control on a legacy `cpu` hierarchy
 *    (hybrid systems); each thread id is written to its group's `tasks` file.
 *  - **duty-cycle throttle** (duty_cycle): no kernel help. After each piece of work that took `c`
 *    seconds of thread CPU time, the thread sleeps c (1 - u) / u, so that busy / (busy + idle) = u
 *    over every call. It is what eq. 7 assumes per frame (the part takes l / u of wall time), while
 *    CFS bandwidth control enforces u only over its period: the kernel's smallest quota is 1 ms, so
 *    with a period of at least 1 ms / u a part much shorter than the quota runs at full speed
 *    inside the period (latency ~ l, throughput capped at u t). See docs/amvp-run.md for both
 *    measured.
 *
 * find_cgroup_cpu() tells whether a cgroup mechanism is usable here and, if not, why.
 * Linux only for the cgroup parts (elsewhere find_cgroup_cpu() reports them unavailable); the
 * duty-cycle throttle is portable POSIX (clock_gettime, clock_nanosleep).
 */

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include "../error.hpp"

namespace offloadkit {

/// How a compute share is enforced.
enum class cpu_share_mechanism : std::uint8_t {
    cgroup2,     ///< cgroup v2 cpu.max on a threaded child cgroup
    cgroup1,     ///< cgroup v1 cpu.cfs_quota_us / cpu.cfs_period_us
    duty_cycle,  ///< sleep c (1 - u) / u after c seconds of work
};

/// "cgroup2 cpu.max", "cgroup1 cpu.cfs_quota_us" or "duty-cycle throttle".
[[nodiscard]] constexpr std::string_view mechanism_name(cpu_share_mechanism m) noexcept {
    switch (m) {
        case cpu_share_mechanism::cgroup2: return "cgroup2 cpu.max";
        case cpu_share_mechanism::cgroup1: return "cgroup1 cpu.cfs_quota_us";
        case cpu_share_mechanism::duty_cycle: return "duty-cycle throttle";
    }
    return "unknown";
}

/// CPU time of the calling thread, seconds (CLOCK_THREAD_CPUTIME_ID).
[[nodiscard]] inline double thread_cpu_seconds() noexcept {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

namespace detail::cpu_share {

[[nodiscard]] inline double mono_now() noexcept {
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// Sleeps until CLOCK_MONOTONIC reaches `until` (s), retried on EINTR.
inline void sleep_until(double until) noexcept {
    if (!(until > 0.0) || !std::isfinite(until)) {
        return;
    }
    timespec t{};
    t.tv_sec = static_cast<time_t>(until);
    t.tv_nsec = static_cast<long>((until - static_cast<double>(t.tv_sec)) * 1e9);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec += 1;
        t.tv_nsec -= 1000000000L;
    }
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr) == EINTR) {
    }
}

/// Writes `text` to an existing file; false (errno kept) when the kernel refuses.
[[nodiscard]] inline bool write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path);
    if (!f) {
        return false;
    }
    f << text;
    f.flush();
    return static_cast<bool>(f);
}

[[nodiscard]] inline std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

[[nodiscard]] inline long thread_id() noexcept {
#if defined(__linux__)
    return static_cast<long>(::syscall(SYS_gettid));
#else
    return 0;
#endif
}

/// Whether the whitespace-separated list `words` contains `w`.
[[nodiscard]] inline bool has_word(std::string_view words, std::string_view w) {
    std::istringstream in{std::string(words)};
    std::string x;
    while (in >> x) {
        if (x == w) {
            return true;
        }
    }
    return false;
}

}  // namespace detail::cpu_share

/**
 * @brief The duty-cycle throttle: runs work on the calling thread and then idles so that the
 *        thread's CPU time is at most `share` of its wall time, call by call (AMVP eq. 7's l / u).
 *
 * After work that took `c` seconds of thread CPU time the thread sleeps idle_for(c, u) =
 * c (1 - u) / u (clock_nanosleep to an absolute time, timer slack set to 1 ns on Linux). An
 * oversleep is carried over and taken off the next idle period, so that the share holds on
 * average even though each sleep overshoots by a few microseconds. Work the machine's other
 * load delays (wall > CPU) is not charged: the idle time follows the CPU time used.
 * @code
 * ok::duty_cycle_throttle t(0.3);
 * double s = t.run([&] { return fe.extract(frame, features); });  // ~ l / 0.3 of wall time
 * @endcode
 * Not thread-safe: one throttle per thread. No allocation.
 */
class duty_cycle_throttle {
public:
    /// @throws offloadkit::invalid_argument unless share is in (0, 1].
    explicit duty_cycle_throttle(double share) : share_(share) {
        detail::require(share > 0.0 && share <= 1.0, "duty_cycle_throttle", "share is ", share,
                        ", expected a compute share in (0, 1]");
    }

    /// Idle seconds after `busy` seconds of work at share u: busy (1 - u) / u (0 for u = 1).
    [[nodiscard]] static constexpr double idle_for(double busy, double share) noexcept {
        return busy > 0.0 ? busy * (1.0 - share) / share : 0.0;
    }

    /// Runs `work()` and idles as described; returns what `work` returns.
    template <class Work>
    decltype(auto) run(Work&& work) {
#if defined(__linux__)
        static thread_local bool slack_set = false;
        if (!slack_set) {
            (void)::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
            slack_set = true;
        }
#endif
        const double c0 = thread_cpu_seconds();
        struct idle_after {
            duty_cycle_throttle& t;
            double c0;
            ~idle_after() { t.idle(thread_cpu_seconds() - c0); }
        } guard{*this, c0};
        return std::forward<Work>(work)();
    }

    [[nodiscard]] double share() const noexcept { return share_; }
    /// Total busy (CPU) and idle (slept) seconds so far.
    [[nodiscard]] double busy_seconds() const noexcept { return busy_; }
    [[nodiscard]] double idle_seconds() const noexcept { return idle_; }

private:
    void idle(double busy) noexcept {
        busy_ += busy;
        const double want = idle_for(busy, share_) - debt_;
        if (!(want > 0.0)) {
            debt_ = -want;  // still ahead of schedule: carry the rest
            return;
        }
        const double t0 = detail::cpu_share::mono_now();
        detail::cpu_share::sleep_until(t0 + want);
        const double slept = detail::cpu_share::mono_now() - t0;
        idle_ += slept;
        debt_ = slept > want ? std::min(slept - want, 0.01) : 0.0;
    }

    double share_ = 1.0;
    double busy_ = 0.0, idle_ = 0.0, debt_ = 0.0;
};

/// Where cgroup CPU control can be used (or why not).
struct cgroup_cpu_root {
    cpu_share_mechanism mechanism = cpu_share_mechanism::duty_cycle;
    std::string path;  ///< the cgroup directory of this process in that hierarchy (empty: unavailable)
    std::string why;   ///< when unavailable: the reason, for the user
    [[nodiscard]] bool available() const noexcept { return !path.empty(); }
};

namespace detail::cpu_share {

/// This process's cgroup path in the cgroup v2 hierarchy ("0::/path") or in the v1 hierarchy
/// with the cpu controller ("4:cpu,cpuacct:/path"), from /proc/self/cgroup; empty if none.
[[nodiscard]] inline std::string own_cgroup(bool v2) {
    std::ifstream f("/proc/self/cgroup");
    std::string line;
    while (std::getline(f, line)) {
        const auto a = line.find(':');
        const auto b = a == std::string::npos ? a : line.find(':', a + 1);
        if (b == std::string::npos) {
            continue;
        }
        const std::string id = line.substr(0, a), ctrl = line.substr(a + 1, b - a - 1);
        bool match = false;
        if (v2) {
            match = id == "0" && ctrl.empty();
        } else {
            std::stringstream ss(ctrl);
            std::string c;
            while (std::getline(ss, c, ',')) {
                match = match || c == "cpu";
            }
        }
        if (match) {
            return line.substr(b + 1);
        }
    }
    return {};
}

/// Mount point of the hierarchy: cgroup2, or the cgroup v1 mount with the cpu controller.
[[nodiscard]] inline std::string mount_point(bool v2) {
    std::ifstream f("/proc/self/mountinfo");
    std::string line;
    while (std::getline(f, line)) {
        const auto dash = line.find(" - ");
        if (dash == std::string::npos) {
            continue;
        }
        std::istringstream pre(line.substr(0, dash)), post(line.substr(dash + 3));
        std::string id, parent, dev, root, mnt, fstype, source, super;
        pre >> id >> parent >> dev >> root >> mnt;
        post >> fstype >> source >> super;
        if (v2 && fstype == "cgroup2") {
            return mnt;
        }
        if (!v2 && fstype == "cgroup") {
            std::stringstream ss(super);
            std::string o;
            while (std::getline(ss, o, ',')) {
                if (o == "cpu") {
                    return mnt;
                }
            }
        }
    }
    return {};
}

}  // namespace detail::cpu_share

/**
 * @brief Finds this process's cgroup in the cgroup v2 (`mechanism == cgroup2`) or v1 (`cgroup1`)
 *        hierarchy and checks that CPU bandwidth control can be set there: the `cpu` controller
 *        is available and a child cgroup can be created (it is removed again).
 * @return the directory, or an empty path and the reason ("no cgroup2 mount", "the cpu controller
 *         is not enabled in cgroup2 here (hybrid hierarchy: cpu is bound to v1)", "mkdir ...:
 *         Permission denied", ...).
 * @throws offloadkit::invalid_argument for mechanism == duty_cycle.
 */
[[nodiscard]] inline cgroup_cpu_root find_cgroup_cpu(cpu_share_mechanism mechanism) {
    detail::require(mechanism != cpu_share_mechanism::duty_cycle, "find_cgroup_cpu",
                    "mechanism is duty_cycle, expected cgroup2 or cgroup1");
    cgroup_cpu_root r;
    r.mechanism = mechanism;
#if !defined(__linux__)
    r.why = "cgroups are Linux only";
    return r;
#else
    namespace cs = detail::cpu_share;
    const bool v2 = mechanism == cpu_share_mechanism::cgroup2;
    const std::string mnt = cs::mount_point(v2);
    if (mnt.empty()) {
        r.why = v2 ? "no cgroup2 mount in /proc/self/mountinfo" : "no cgroup v1 mount with the cpu controller";
        return r;
    }
    std::string own = cs::own_cgroup(v2);
    if (own == "/") {
        own.clear();
    }
    const std::string dir = mnt + own;
    if (v2) {
        const std::string ctrl = cs::read_file(dir + "/cgroup.controllers");
        if (!cs::has_word(ctrl, "cpu")) {
            r.why = "the cpu controller is not available in " + dir +
                    "/cgroup.controllers (hybrid hierarchy: cpu is bound to cgroup v1)";
            return r;
        }
    } else if (::access((dir + "/cpu.cfs_quota_us").c_str(), W_OK) != 0) {
        r.why = dir + "/cpu.cfs_quota_us is not writable";
        return r;
    }
    const std::string probe = dir + "/offloadkit-probe-" + std::to_string(::getpid());
    if (::mkdir(probe.c_str(), 0755) != 0) {
        r.why = "mkdir " + probe + ": " + std::error_code(errno, std::generic_category()).message();
        return r;
    }
    ::rmdir(probe.c_str());
    r.path = dir;
    return r;
#endif
}

/**
 * @brief CPU bandwidth control for a set of threads through cgroups: one child cgroup per
 *        share, `quota = share x period`. Threads join with add_current_thread(); at destruction
 *        they are moved back to the process's own cgroup and the children are removed.
 *
 * cgroup v1: children of the process's cpu cgroup, thread ids written to `tasks`.
 * cgroup v2: a fresh child of the process's cgroup; each share is a threaded grandchild
 * (`cgroup.type = threaded`, which makes the child "domain threaded"); with the first one the child
 * gets `+cpu` in its cgroup.subtree_control and the process moves into it (`cgroup.procs`); thread
 * ids are written to `cgroup.threads`. The domain gets `cpu.weight = 10000`, so that the host's
 * other processes do not starve the process's threads, which now weigh as one entity (v1 moves only
 * the limited threads; the others keep their own weights). The test machine is a hybrid host (cpu bound to v1), where
 * ctest runs the v1 path only; scripts/check-cgroup2 (root) moves cpu to v2 for the time of a run
 * and checks this path. A host whose own cgroup holds processes and is not the root needs a
 * delegated subtree for it (systemd `Delegate=yes`).
 *
 * The kernel's smallest quota is 1 ms, so period = max(min_period, 1 ms / share).
 * @code
 * auto root = ok::find_cgroup_cpu(ok::cpu_share_mechanism::cgroup1);
 * ok::cgroup_cpu_limits limits(root, "part");
 * std::size_t g = limits.add(0.3);           // a 30% group
 * limits.add_current_thread(g);              // on the part's thread
 * @endcode
 * Thread-safe (one mutex). Linux only.
 */
class cgroup_cpu_limits {
public:
    /// @throws offloadkit::invalid_argument when `root` is not available; std::system_error when
    ///         the v2 domain cgroup cannot be set up.
    cgroup_cpu_limits(cgroup_cpu_root root, std::string prefix, double min_period = 0.01)
        : root_(std::move(root)), min_period_(min_period) {
        detail::require(root_.available(), "cgroup_cpu_limits", "root is unavailable: ", root_.why);
        detail::require(min_period >= 0.001 && min_period <= 1.0, "cgroup_cpu_limits", "min_period is ", min_period,
                        ", expected 0.001..1 s");
        base_ = root_.path + "/" + prefix + "-" + std::to_string(::getpid());
        if (root_.mechanism == cpu_share_mechanism::cgroup2) {
            // best effort: the cpu controller for our new child (refused where the process's own
            // cgroup holds processes and is not the root; then cpu.max below fails and says so)
            (void)detail::cpu_share::write_file(root_.path + "/cgroup.subtree_control", "+cpu");
            make_dir(base_);
            // The whole process moves into base_, so all its threads together weigh as one task
            // against the host's other processes (cpu.weight 100 = one nice-0 task); on a loaded
            // host that starved the shares below their quotas (offloadkit-amvp-run at load 4.5:
            // throughput -76% to -92% in 3 of 4 runs; docs/amvp-run.md). The quotas are the
            // limit, so base_ gets the largest weight (best effort: needs cpu in the parent).
            (void)detail::cpu_share::write_file(base_ + "/cpu.weight", "10000");
        }
    }
    cgroup_cpu_limits(const cgroup_cpu_limits&) = delete;
    cgroup_cpu_limits& operator=(const cgroup_cpu_limits&) = delete;
    ~cgroup_cpu_limits() { cleanup(); }

    /**
     * @brief Creates a group limited to `share` of one core; returns its index.
     * @throws offloadkit::invalid_argument unless share is in (0, 1]; std::system_error when the
     *         kernel refuses the directory or the limit.
     */
    std::size_t add(double share) {
        detail::require(share > 0.0 && share <= 1.0, "cgroup_cpu_limits::add", "share is ", share,
                        ", expected (0, 1]");
        const std::lock_guard<std::mutex> lock(mu_);
        const std::size_t i = groups_.size();
        // v2: a threaded child of the domain base_ ("<prefix>-<pid>/<i>"); v1: a sibling of the
        // process's cgroup named like base_ ("<prefix>-<pid>-<i>")
        const std::string dir = root_.mechanism == cpu_share_mechanism::cgroup2 ? base_ + "/" + std::to_string(i)
                                                                                : base_ + "-" + std::to_string(i);
        const double period = std::max(min_period_, 0.001 / share);
        const long period_us = std::lround(period * 1e6);
        const long quota_us = std::max(1000L, std::lround(share * period * 1e6));
        make_dir(dir);
        groups_.push_back(dir);
        bool ok = false;
        if (root_.mechanism == cpu_share_mechanism::cgroup2) {
            // a threaded child turns the (still empty) domain into "domain threaded", which may then
            // hold the process and hand cpu to its threaded children
            ok = detail::cpu_share::write_file(dir + "/cgroup.type", "threaded");
            if (ok && i == 0) {
                ok = detail::cpu_share::write_file(base_ + "/cgroup.subtree_control", "+cpu") &&
                     detail::cpu_share::write_file(base_ + "/cgroup.procs", std::to_string(::getpid()));
            }
            ok = ok && detail::cpu_share::write_file(dir + "/cpu.max",
                                                     std::to_string(quota_us) + " " + std::to_string(period_us));
        } else {
            ok = detail::cpu_share::write_file(dir + "/cpu.cfs_period_us", std::to_string(period_us)) &&
                 detail::cpu_share::write_file(dir + "/cpu.cfs_quota_us", std::to_string(quota_us));
        }
        if (!ok) {
            throw std::system_error(errno, std::generic_category(), "cgroup_cpu_limits: limit " + dir);
        }
        return i;
    }

    /// Moves the calling thread into group `i`. @throws std::system_error when the kernel refuses.
    void add_current_thread(std::size_t i) {
        const std::lock_guard<std::mutex> lock(mu_);
        detail::require(i < groups_.size(), "cgroup_cpu_limits::add_current_thread", "i is ", i, ", expected < ",
                        groups_.size());
        const long tid = detail::cpu_share::thread_id();
        const char* file = root_.mechanism == cpu_share_mechanism::cgroup2 ? "/cgroup.threads" : "/tasks";
        if (!detail::cpu_share::write_file(groups_[i] + file, std::to_string(tid))) {
            throw std::system_error(errno, std::generic_category(), "cgroup_cpu_limits: join " + groups_[i]);
        }
        tids_.push_back(tid);
    }

    /// cgroup v2: the domain cgroup the process moved into (its `cpu.weight` is 10000); v1: empty.
    [[nodiscard]] std::string domain_path() const {
        return root_.mechanism == cpu_share_mechanism::cgroup2 ? base_ : std::string();
    }

    /// The directory of group `i`; the mechanism.
    [[nodiscard]] const std::string& path(std::size_t i) const { return groups_.at(i); }
    [[nodiscard]] cpu_share_mechanism mechanism() const noexcept { return root_.mechanism; }

    /// The limit of group `i` as the kernel reports it: quota / period (v1: cfs files, v2: cpu.max).
    [[nodiscard]] double read_share(std::size_t i) const {
        const std::string& d = groups_.at(i);
        double q = 0.0, p = 0.0;
        if (root_.mechanism == cpu_share_mechanism::cgroup2) {
            std::istringstream in(detail::cpu_share::read_file(d + "/cpu.max"));
            in >> q >> p;
        } else {
            q = std::stod("0" + detail::cpu_share::read_file(d + "/cpu.cfs_quota_us"));
            p = std::stod("0" + detail::cpu_share::read_file(d + "/cpu.cfs_period_us"));
        }
        return p > 0.0 ? q / p : 0.0;
    }

private:
    static void make_dir(const std::string& d) {
        if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
            throw std::system_error(errno, std::generic_category(), "cgroup_cpu_limits: mkdir " + d);
        }
    }

    void cleanup() noexcept {
        try {
            const bool v2 = root_.mechanism == cpu_share_mechanism::cgroup2;
            if (v2) {
                // the whole process back to where it was; its threads follow
                (void)detail::cpu_share::write_file(root_.path + "/cgroup.procs", std::to_string(::getpid()));
            } else {
                for (const long t : tids_) {
                    (void)detail::cpu_share::write_file(root_.path + "/tasks", std::to_string(t));
                }
            }
            for (auto it = groups_.rbegin(); it != groups_.rend(); ++it) {
                ::rmdir(it->c_str());
            }
            if (v2) {
                ::rmdir(base_.c_str());
            }
        } catch (...) {  // best effort in a destructor
        }
    }

    cgroup_cpu_root root_;
    double min_period_ = 0.01;
    std::string base_;
    std::vector<std::string> groups_;
    std::vector<long> tids_;
    mutable std::mutex mu_;
};

}  // namespace offloadkit

#endif  // OFFLOADKIT_RUNTIME_CPU_SHARE_HPP
