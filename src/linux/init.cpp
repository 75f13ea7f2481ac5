#include "linux/init.hpp"

#include <cerrno>
#include <initializer_list>

#include <sys/wait.h>
#include <unistd.h>

namespace containerv::linux_ {

sigset_t forwarded_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
                    SIGCONT, SIGALRM})
        sigaddset(&set, sig);
    return set;
}

int exit_code(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 125;
}

void run_init(pid_t command) {
    sigset_t set = forwarded_signals();
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&set, &info);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            // A signal from the terminal already reached the whole foreground process group,
            // the command included; passing it on again would deliver it twice.
            if (info.si_code != SI_KERNEL) kill(command, sig);
            continue;
        }
        int status = 0;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == command) _exit(exit_code(status));
    }
}

}  // namespace containerv::linux_
