// Starts a plan as a sandbox; the handle waits for it, signals it, and never leaks it.
#pragma once

#include "plan/plan.hpp"

#include <memory>

#include <sys/types.h>

#include <csignal>

namespace containerv::linux_ {

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
    int supervise(const sigset_t& forwarded);

private:
    Sandbox(pid_t pid, int life_fd);
    void reap(int status);

    pid_t pid_ = -1;
    int life_fd_ = -1;  // held open while the handle lives: pid 1 watches it
    int status_ = -1;
    std::unique_ptr<DenialReporter> reporter_;  // run --explain
};

// The signals a command-line supervisor blocks and forwards.
sigset_t forwarded_signals();

// The exit code a failure to start maps to: 127 command not found, 126 cannot be executed,
// 125 anything else (the container engines' convention).
int exit_code_for(const Error& error);

}  // namespace containerv::linux_
