// cv-probe: runs inside a sandbox and reports what it sees, one key=value line each.
//
// Every operation prints result=ok or result=<errno name>, so a test can tell a seccomp
// EPERM from an ordinary ENOENT. Exit status: 0 when the probe could run the operation
// (whatever its result), 2 on a usage error.
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct errno_name {
    int value;
    const char* name;
};

static const struct errno_name kErrnoNames[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {ESRCH, "ESRCH"},
    {EINTR, "EINTR"},
    {EIO, "EIO"},
    {ENXIO, "ENXIO"},
    {E2BIG, "E2BIG"},
    {ENOEXEC, "ENOEXEC"},
    {EBADF, "EBADF"},
    {ECHILD, "ECHILD"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {EXDEV, "EXDEV"},
    {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"},
    {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},
    {EMFILE, "EMFILE"},
    {ENOTTY, "ENOTTY"},
    {ETXTBSY, "ETXTBSY"},
    {EFBIG, "EFBIG"},
    {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},
    {EROFS, "EROFS"},
    {EMLINK, "EMLINK"},
    {EPIPE, "EPIPE"},
    {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOSYS, "ENOSYS"},
    {ELOOP, "ELOOP"},
    {ENOTSOCK, "ENOTSOCK"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
    {EOPNOTSUPP, "EOPNOTSUPP"},
    {EAFNOSUPPORT, "EAFNOSUPPORT"},
    {EADDRINUSE, "EADDRINUSE"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
    {ENETDOWN, "ENETDOWN"},
    {ENETUNREACH, "ENETUNREACH"},
    {ECONNABORTED, "ECONNABORTED"},
    {ECONNRESET, "ECONNRESET"},
    {ETIMEDOUT, "ETIMEDOUT"},
    {ECONNREFUSED, "ECONNREFUSED"},
    {EHOSTUNREACH, "EHOSTUNREACH"},
    {EALREADY, "EALREADY"},
    {EINPROGRESS, "EINPROGRESS"},
    {EDQUOT, "EDQUOT"},
    {EUSERS, "EUSERS"},
    {ENOTEMPTY, "ENOTEMPTY"},
};

static const char* errno_name(int err) {
    static char unknown[32];
    for (size_t i = 0; i < sizeof kErrnoNames / sizeof kErrnoNames[0]; i++) {
        if (kErrnoNames[i].value == err) return kErrnoNames[i].name;
    }
    snprintf(unknown, sizeof unknown, "E%d", err);
    return unknown;
}

// Prints result=ok when rc is not negative, else result=<errno name>. Returns 0.
static int report(long rc, int err) {
    if (rc < 0) {
        printf("result=%s\n", errno_name(err));
    } else {
        printf("result=ok\n");
    }
    return 0;
}

static int usage(void) {
    fprintf(stderr,
            "usage: cv-probe status | write PATH | read PATH | ls DIR | pids | netdevs |\n"
            "       mount | reboot | init_module | ptrace PID |\n"
            "       unshare [user|mount|net] | connect HOST PORT | sleep SECONDS [TAG]\n");
    return 2;
}

// The lines of /proc/self/status the tests look at, with the key lower-cased.
static int cmd_status(void) {
    static const char* const kKeys[] = {
        "Uid",    "Gid",    "Groups",     "CapInh",  "CapPrm",          "CapEff",
        "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters",
    };
    FILE* f = fopen("/proc/self/status", "re");
    if (f == NULL) return report(-1, errno);

    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
        char* colon = strchr(line, ':');
        if (colon == NULL) continue;
        *colon = '\0';
        const char* value = colon + 1;
        while (*value == ' ' || *value == '\t') value++;
        size_t len = strlen(value);
        char clean[1024];
        if (len >= sizeof clean) len = sizeof clean - 1;
        memcpy(clean, value, len);
        clean[len] = '\0';
        for (char* p = clean; *p != '\0'; p++) {
            if (*p == '\t') *p = ' ';
            if (*p == '\n') *p = '\0';
        }
        // Groups ends with a space when non-empty; trim it.
        len = strlen(clean);
        while (len > 0 && clean[len - 1] == ' ') clean[--len] = '\0';

        for (size_t i = 0; i < sizeof kKeys / sizeof kKeys[0]; i++) {
            if (strcmp(line, kKeys[i]) != 0) continue;
            if (strcmp(kKeys[i], "Uid") == 0 || strcmp(kKeys[i], "Gid") == 0) {
                // real, effective, saved, filesystem
                printf("%s_all=%s\n", kKeys[i], clean);
            } else {
                printf("%s=%s\n", kKeys[i], clean);
            }
        }
    }
    fclose(f);

    printf("uid=%u\ngid=%u\neuid=%u\negid=%u\n", (unsigned)getuid(), (unsigned)getgid(),
           (unsigned)geteuid(), (unsigned)getegid());
    printf("pid=%ld\n", (long)getpid());
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) == 0) printf("hostname=%s\n", host);
    return report(0, 0);
}

static int cmd_write(const char* path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return report(-1, errno);
    static const char kText[] = "written by cv-probe\n";
    ssize_t n = write(fd, kText, sizeof kText - 1);
    int err = errno;
    if (close(fd) != 0 && n >= 0) {
        n = -1;
        err = errno;
    }
    return report(n, err);
}

static int cmd_read(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return report(-1, errno);
    long long total = 0;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            return report(-1, err);
        }
        if (n == 0) break;
        total += n;
    }
    close(fd);
    printf("bytes=%lld\n", total);
    return report(0, 0);
}

static int compare_strings(const void* a, const void* b) {
    return strcmp(*(const char* const*)a, *(const char* const*)b);
}

// Prints key=a,b,c with the entries of dir (without . and ..), sorted; numeric_only keeps
// the names made of digits.
static int list_dir(const char* dir, const char* key, int numeric_only) {
    DIR* d = opendir(dir);
    if (d == NULL) return report(-1, errno);

    size_t count = 0, capacity = 64;
    char** names = malloc(capacity * sizeof *names);
    if (names == NULL) {
        closedir(d);
        return report(-1, ENOMEM);
    }
    struct dirent* entry;
    errno = 0;
    while ((entry = readdir(d)) != NULL) {
        const char* name = entry->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
        if (numeric_only) {
            const char* p = name;
            while (isdigit((unsigned char)*p)) p++;
            if (*p != '\0' || p == name) continue;
        }
        if (count == capacity) {
            capacity *= 2;
            char** grown = realloc(names, capacity * sizeof *names);
            if (grown == NULL) break;
            names = grown;
        }
        names[count] = strdup(name);
        if (names[count] != NULL) count++;
    }
    int err = errno;
    closedir(d);

    qsort(names, count, sizeof *names, compare_strings);
    printf("%s=", key);
    for (size_t i = 0; i < count; i++) {
        printf("%s%s", i == 0 ? "" : ",", names[i]);
        free(names[i]);
    }
    printf("\ncount=%zu\n", count);
    free(names);
    return report(err != 0 ? -1 : 0, err);
}

static int cmd_netdevs(void) {
    FILE* f = fopen("/proc/net/dev", "re");
    if (f == NULL) return report(-1, errno);
    char line[512];
    int first = 1;
    printf("netdevs=");
    while (fgets(line, sizeof line, f) != NULL) {
        char* colon = strchr(line, ':');
        if (colon == NULL) continue;  // the two header lines
        *colon = '\0';
        char* name = line;
        while (*name == ' ') name++;
        printf("%s%s", first ? "" : ",", name);
        first = 0;
    }
    printf("\n");
    fclose(f);
    return report(0, 0);
}

// A bind mount of a source that does not exist onto /: the kernel checks CAP_SYS_ADMIN before
// it looks the source up, so a caller that may mount gets ENOENT and one that may not gets
// EPERM. Nothing is ever mounted, even when the probe runs outside a sandbox.
static int cmd_mount(void) {
    int rc = mount("/cv-probe-no-such-source", "/", NULL, MS_BIND, NULL);
    return report(rc, errno);
}

// A command number the kernel does not know: with CAP_SYS_BOOT the call fails with EINVAL,
// without it with EPERM. The probe can never reboot or halt anything.
static int cmd_reboot(void) {
    long rc = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x0badc0de, NULL);
    return report(rc, errno);
}

// An empty image: with CAP_SYS_MODULE the kernel rejects it (ENOEXEC/EINVAL/EFAULT), without
// it the call fails with EPERM before reading it.
static int cmd_init_module(void) {
    static char image[1];
    long rc = syscall(SYS_init_module, image, (unsigned long)0, "");
    return report(rc, errno);
}

// The permission check of PTRACE_ATTACH, through PTRACE_SEIZE, which does not stop the target:
// should the attach succeed, the target runs on and is detached when the probe exits.
static int cmd_ptrace(const char* pid_text) {
    pid_t pid = (pid_t)strtol(pid_text, NULL, 10);
    long rc = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
    return report(rc, errno);
}

static int cmd_unshare(const char* what) {
    int flags;
    if (strcmp(what, "user") == 0) {
        flags = CLONE_NEWUSER;
    } else if (strcmp(what, "mount") == 0) {
        flags = CLONE_NEWNS;
    } else if (strcmp(what, "net") == 0) {
        flags = CLONE_NEWNET;
    } else {
        return usage();
    }
    int rc = unshare(flags);
    return report(rc, errno);
}

// A TCP connection with a 3 second limit; ETIMEDOUT when nothing answers.
static int cmd_connect(const char* host, const char* port_text) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(port_text));
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return usage();

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return report(-1, errno);
    if (connect(fd, (struct sockaddr*)&addr, sizeof addr) == 0) {
        close(fd);
        return report(0, 0);
    }
    if (errno != EINPROGRESS) {
        int err = errno;
        close(fd);
        return report(-1, err);
    }
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int ready = poll(&pfd, 1, 3000);
    if (ready <= 0) {
        int err = ready == 0 ? ETIMEDOUT : errno;
        close(fd);
        return report(-1, err);
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
    close(fd);
    return report(so_error != 0 ? -1 : 0, so_error);
}

// Sleeps; the optional TAG only makes the process easy to find in the host's /proc.
static int cmd_sleep(const char* seconds) {
    struct timespec ts = {.tv_sec = atol(seconds), .tv_nsec = 0};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    return report(0, 0);
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) return usage();
    const char* cmd = argv[1];

    if (strcmp(cmd, "status") == 0) return cmd_status();
    if (strcmp(cmd, "pids") == 0) {
        printf("pid=%ld\n", (long)getpid());
        return list_dir("/proc", "pids", 1);
    }
    if (strcmp(cmd, "netdevs") == 0) return cmd_netdevs();
    if (strcmp(cmd, "reboot") == 0) return cmd_reboot();
    if (strcmp(cmd, "init_module") == 0) return cmd_init_module();
    if (strcmp(cmd, "mount") == 0) return cmd_mount();
    if (strcmp(cmd, "unshare") == 0) return cmd_unshare(argc > 2 ? argv[2] : "user");
    if (argc < 3) return usage();
    if (strcmp(cmd, "write") == 0) return cmd_write(argv[2]);
    if (strcmp(cmd, "read") == 0) return cmd_read(argv[2]);
    if (strcmp(cmd, "ls") == 0) return list_dir(argv[2], "entries", 0);
    if (strcmp(cmd, "ptrace") == 0) return cmd_ptrace(argv[2]);
    if (strcmp(cmd, "sleep") == 0) return cmd_sleep(argv[2]);
    if (strcmp(cmd, "connect") == 0 && argc > 3) return cmd_connect(argv[2], argv[3]);
    return usage();
}
