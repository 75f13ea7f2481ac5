// Starts a plan as a sandbox; the handle waits for it, signals it, and never leaks it.
#pragma once

#include "linux/cgroups.hpp"
#include "plan/plan.hpp"

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace containerv::linux_ {

// Why a sandbox ended and what it used: the exit report (`run --report`).
struct ExitReport {
    // The first that applies, in this order: timeout, oom, cpu_limit, pids_limit, signaled,
    // exited. pids_limit means a fork failed at the limit while the command ran; how the
    // command then ended is in `status` / `signal`.
    enum class Reason { exited, signaled, oom, pids_limit, cpu_limit, timeout };
    Reason reason = Reason::exited;
    int exit_code = 0;           // what containerv exits with
    int status = -1;             // the command's exit status, when it exited
    int signal = 0;              // the signal that ended the command (or pid 1), else 0
    bool command_known = false;  // pid 1 reported the command's own wait status
    bool oom_killed = false;
    bool pids_limit_hit = false;
    bool timed_out = false;
    double wall_seconds = 0;
    double user_cpu_seconds = 0;  // the whole tree's, as the kernel accounts reaped children
    double system_cpu_seconds = 0;
    std::optional<std::uint64_t> peak_memory;  // bytes
    std::string peak_memory_source;            // "cgroup" (the group's high-water mark) or "maxrss"
    std::optional<std::uint64_t> memory_limit;
    std::optional<std::uint64_t> pids_limit;
    std::optional<std::uint64_t> cpu_seconds_limit;
    std::optional<double> timeout_seconds;
    bool explained = false;            // run --explain: `denials` is complete
    std::vector<std::string> denials;  // its reports, each one JSON object
};

std::string_view to_string(ExitReport::Reason reason);
// One line for people: "out of memory (memory limit 33554432 bytes)".
std::string describe(const ExitReport& report);
// The report as one JSON object (docs/PROFILES.md, "Exit report").
std::string report_json(const ExitReport& report);
class DenialReporter;

class Sandbox {
public:
    // Starts the plan's command and returns once it has been executed. A failure names the
    // step, syscall, path and errno; the sandbox is then already gone.
    static Result<Sandbox> start(const Plan& plan);

    Sandbox(Sandbox&& other) noexcept;
    Sandbox& operator=(Sandbox&& other) noexcept;
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;
    // Kills and reaps a sandbox nobody waited for.
    ~Sandbox();

    // The sandbox's pid 1 as the host sees it.
    pid_t pid() const { return pid_; }

    // Sends `sig` to pid 1, which passes it on to the command (SIGKILL ends the whole tree).
    Status kill(int sig) const;

    // Waits for the sandbox to end; returns the command's status, 128+N for signal N.
    // Afterwards the handle is empty. Returns the status again if called twice.
    int wait();

    // Waits like wait(), meanwhile passing the caller's signals in `forwarded` (which the
    // caller has blocked) on to the sandbox: what a command-line supervisor does.
    // With a timeout (seconds), the whole tree is killed when the wall time runs out.
    int supervise(const sigset_t& forwarded, std::optional<double> timeout = std::nullopt);

    // Why the sandbox ended and what it used; complete once wait() or supervise() returned.
    const ExitReport& report() const { return report_; }

    // The sandbox's cgroup directories (empty without a group), for logs and tests.
    std::vector<std::string> cgroup_paths() const;

private:
    Sandbox(pid_t pid, int life_fd, int status_fd);
    void reap(int status, const struct rusage& usage);
    void kill_tree();
    void release();

    pid_t pid_ = -1;
    int life_fd_ = -1;    // held open while the handle lives: pid 1 watches it
    int status_fd_ = -1;  // pid 1 writes the command's raw wait status here
    int status_ = -1;
    std::unique_ptr<Cgroup> cgroup_;
    std::chrono::steady_clock::time_point started_;
    ExitReport report_;
    std::unique_ptr<DenialReporter> reporter_;  // run --explain
};

// The signals a command-line supervisor blocks and forwards.
sigset_t forwarded_signals();

// The exit code a failure to start maps to: 127 command not found, 126 cannot be executed,
// 125 anything else (the container engines' convention).
int exit_code_for(const Error& error);

}  // namespace containerv::linux_
