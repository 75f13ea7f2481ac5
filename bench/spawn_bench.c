/* cv-bench-spawn: sandboxes started through the C API by one long-lived caller, as a
 * platform that links containerv does it (bench/README.md, "the library"). One container is
 * made from the default profile, then `runs` sandboxes of /bin/true are spawned and waited
 * for in turn. Prints each start-to-exit time in microseconds, one per line, on stdout.
 *
 *   cv-bench-spawn RUNS [PROFILE]     PROFILE: default (the default) or untrusted */
#include <containerv/containerv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char** argv) {
    if (argc < 2 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: cv-bench-spawn RUNS [default|untrusted]\n");
        return 2;
    }
    const int runs = atoi(argv[1]);
    const struct containerv_security_profile* profile = &CV_PROFILE_DEFAULT;
    if (argc > 2 && strcmp(argv[2], "untrusted") == 0) profile = &CV_PROFILE_UNTRUSTED;

    struct containerv_options* options = containerv_options_new();
    struct containerv_container* container = NULL;
    if (!options || containerv_options_set_security_profile(options, profile) != 0 ||
        containerv_create(options, &container) != 0) {
        fprintf(stderr, "cv-bench-spawn: %s\n", containerv_last_error());
        return 1;
    }
    const char* const command[] = {"/bin/true", NULL};
    for (int i = 0; i < runs; ++i) {
        int code = -1;
        double start = now_us();
        if (containerv_spawn(container, command, NULL) != 0 ||
            containerv_wait(container, &code) != 0 || code != 0) {
            fprintf(stderr, "cv-bench-spawn: run %d: %s (exit %d)\n", i, containerv_last_error(),
                    code);
            return 1;
        }
        printf("%.1f\n", now_us() - start);
    }
    containerv_destroy(container);
    containerv_options_free(options);
    return 0;
}
