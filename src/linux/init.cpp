#include "linux/init.hpp"

#include "base/sanitizer.hpp"

#include <cerrno>
#include <initializer_list>

#include <sys/wait.h>
#include <unistd.h>

namespace containerv::linux_ {

sigset_t init_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig :
         {SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM})
        sigaddset(&set, sig);
    return set;
}

int exit_code(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 125;
}

// After pid 1's filter: see base/sanitizer.hpp.
CV_AFTER_FILTER void run_init(pid_t command, int status_fd) {
    sigset_t set = init_signals();
    for (;;) {
        int sig = sigwaitinfo(&set, nullptr);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            kill(command, sig);
            continue;
        }
        int status = 0;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == command) {
                if (write(status_fd, &status, sizeof status) != sizeof status) {
                    // The supervisor then reports from pid 1's exit code alone.
                }
                _exit(exit_code(status));
            }
    }
}

}  // namespace containerv::linux_
