// The sandbox's pid 1: waits for the command, forwards signals to it, reaps orphans, and exits
// with the command's status. The kernel then kills whatever is left in the pid namespace.
#pragma once

#include <sys/types.h>

#include <csignal>

namespace containerv::linux_ {

// The signals pid 1 takes with sigwaitinfo (SIGCHLD and those it passes on to the command),
// blocked from its start: a pid 1 never gets a signal whose action is the default unless it is
// blocked.
sigset_t init_signals();

// Never returns. `command` is the command's pid in the sandbox's pid namespace; its raw wait
// status is written to `status_fd` (4 bytes) before pid 1 exits, so the supervisor can tell
// "killed by signal 9" from "exited 137".
[[noreturn]] void run_init(pid_t command, int status_fd);

// The exit status a shell would report for a wait status: the code, or 128 + the signal.
int exit_code(int wait_status);

}  // namespace containerv::linux_
