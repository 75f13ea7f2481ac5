// Shared by the probes (cv-probe's forks, cv-escape's fork_bomb): fork up to WANT children that
// wait on a pipe, then let them all go and reap them.
#pragma once

#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

// Returns how many children were made; *err gets the errno of the fork that failed, or 0.
static inline long fork_and_hold(long want, int* err) {
    *err = 0;
    int p[2];
    if (pipe(p) != 0) {
        *err = errno;
        return 0;
    }
    long made = 0;
    for (; made < want; made++) {
        pid_t pid = fork();
        if (pid < 0) {
            *err = errno;
            break;
        }
        if (pid == 0) {
            char byte;
            close(p[1]);
            while (read(p[0], &byte, 1) < 0 && errno == EINTR) {
            }
            _exit(0);
        }
    }
    close(p[0]);
    close(p[1]);
    while (wait(NULL) > 0 || errno == EINTR) {
    }
    return made;
}
