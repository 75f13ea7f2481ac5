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
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "fork_hold.h"

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
            "       unshare [user|mount|net] | connect HOST PORT | sleep SECONDS [TAG] |\n"
            "       syscall [--trap] NAME|NR [ARG...] | int80 [--trap] NR [ARG...] |\n"
            "       x32 [--trap] NAME|NR [ARG...] | threads N |\n"
            "       open PATH r|w | forks N | hog MIB | spin | rlimits |\n"
            "       bind tcp|udp PORT | sendto HOST PORT\n"
            "ARG: a number (0x.. hex, 0.. octal) or buf, a zeroed page below 4 GiB;\n"
            "     at most 6 (5 for int80)\n");
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

// Binds a TCP or UDP socket to 127.0.0.1:PORT (0: any port).
static int cmd_bind(const char* proto, const char* port_text) {
    int type = strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return report(-1, errno);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(port_text));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = bind(fd, (struct sockaddr*)&addr, sizeof addr);
    int err = errno;
    close(fd);
    return report(rc, err);
}

// One UDP datagram to HOST:PORT from an unconnected socket (the sendmsg hook's case).
static int cmd_sendto(const char* host, const char* port_text) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(port_text));
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return usage();
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return report(-1, errno);
    ssize_t n = sendto(fd, "x", 1, 0, (struct sockaddr*)&addr, sizeof addr);
    int err = errno;
    close(fd);
    return report(n, err);
}

// Opens PATH for reading (r) or writing (w) and closes it: a device cgroup refuses at open.
static int cmd_open(const char* path, const char* mode) {
    int flags = strcmp(mode, "w") == 0 ? O_WRONLY : O_RDONLY;
    int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return report(-1, errno);
    close(fd);
    return report(0, 0);
}

// Forks up to N children that wait for a pipe to close; prints forks=K, how many succeeded,
// and result= the errno of the first failure (ok when all N did). The children end with it.
static int cmd_forks(const char* count_text) {
    int err = 0;
    long made = fork_and_hold(atol(count_text), &err);
    printf("forks=%ld\n", made);
    return report(err ? -1 : 0, err);
}

// Allocates and touches MiB after MiB up to N, printing each step's total, then exits 0: an
// OOM kill shows as a signal and a last "mib=" line below N.
// Each block is published through a volatile pointer: clang drops a malloc and memset whose
// memory is never read, and the hog then touched nothing (seen in the clang build).
static char* volatile hog_last;

static int cmd_hog(const char* mib_text) {
    long want = atol(mib_text);
    for (long i = 1; i <= want; i++) {
        char* block = malloc(1 << 20);
        if (block == NULL) return report(-1, errno);
        memset(block, (int)i, 1 << 20);
        hog_last = block;
        printf("mib=%ld\n", i);
    }
    return report(0, 0);
}

// Burns cpu time for ever (the cpu-seconds limit or a signal ends it).
static int cmd_spin(void) {
    volatile unsigned long n = 0;
    for (;;) n++;
    return 0;
}

// The soft and hard limit of each rlimit the tests set, "soft/hard", -1 for unlimited.
static int cmd_rlimits(void) {
    static const struct {
        const char* name;
        int resource;
    } kLimits[] = {{"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC}, {"core", RLIMIT_CORE},
                   {"fsize", RLIMIT_FSIZE},   {"cpu", RLIMIT_CPU},     {"as", RLIMIT_AS}};
    for (size_t i = 0; i < sizeof kLimits / sizeof kLimits[0]; i++) {
        struct rlimit l;
        if (getrlimit(kLimits[i].resource, &l) != 0) return report(-1, errno);
        printf("rlimit_%s=%lld/%lld\n", kLimits[i].name,
               l.rlim_cur == RLIM_INFINITY ? -1LL : (long long)l.rlim_cur,
               l.rlim_max == RLIM_INFINITY ? -1LL : (long long)l.rlim_max);
    }
    return report(0, 0);
}

// Sleeps; the optional TAG only makes the process easy to find in the host's /proc.
static int cmd_sleep(const char* seconds) {
    struct timespec ts = {.tv_sec = atol(seconds), .tv_nsec = 0};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    return report(0, 0);
}

// Raw system calls, for the seccomp tests: the call goes to the kernel exactly as given, through
// the native entry, i386's int 0x80 or with an x32 number, and the probe prints what came back.
// Before the call it prints nr= and abi=, so a test can tell "killed at the call" from "never
// got there".

struct syscall_name {
    const char* name;
    long nr;                   // native (x86-64) number; x32 uses it with bit 30 set
    const char* default_args;  // used when no ARG is given
};

// clone's default, 17, is SIGCHLD alone: a plain fork.
static const struct syscall_name kSyscallNames[] = {
    {"getpid", SYS_getpid, ""},      {"getppid", SYS_getppid, ""},
    {"uname", SYS_uname, "buf"},     {"personality", SYS_personality, "0xffffffff"},
    {"socket", SYS_socket, "1 1 0"}, {"clone", SYS_clone, "17"},
    {"clone3", SYS_clone3, ""},      {"mkdirat", SYS_mkdirat, ""},
    {"unshare", SYS_unshare, ""},
};

enum { kMaxArgs = 6 };
static const long kX32Bit = 0x40000000L;

// A page for calls that write a result (uname), below 4 GiB so that i386 calls reach it too.
static void* call_buffer(void) {
    static void* page = NULL;
    if (page == NULL) {
        int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#if defined(MAP_32BIT)
        flags |= MAP_32BIT;
#endif
        page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, flags, -1, 0);
        if (page == MAP_FAILED) page = NULL;
    }
    return page;
}

// Writes "KEY=VALUE\n" with a decimal or 0x-hexadecimal VALUE; async-signal-safe.
static void write_number(const char* key, unsigned long value, int hex) {
    char line[64];
    size_t len = 0;
    while (*key != '\0' && len < 32) line[len++] = *key++;
    line[len++] = '=';
    if (hex) {
        line[len++] = '0';
        line[len++] = 'x';
    }
    char digits[24];
    size_t n = 0;
    unsigned base = hex ? 16 : 10;
    do {
        digits[n++] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value != 0);
    while (n > 0) line[len++] = digits[--n];
    line[len++] = '\n';
    ssize_t ignored = write(STDOUT_FILENO, line, len);
    (void)ignored;
}

// SECCOMP_RET_TRAP: the kernel skips the call and sends SIGSYS. The handler reports it and
// makes the interrupted call return -ENOSYS (the kernel leaves the syscall number in rax).
static void on_sigsys(int sig, siginfo_t* info, void* context) {
    (void)sig;
    write_number("sigsys", 1, 0);
    write_number("syscall", (unsigned long)(unsigned)info->si_syscall, 0);
    write_number("arch", (unsigned long)info->si_arch, 1);
#if defined(__x86_64__)
    ucontext_t* uc = context;
    uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#else
    (void)context;
#endif
}

static int install_sigsys_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigsys;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGSYS, &action, NULL);
}

// A number, or "buf". Returns -1 on anything else.
static int parse_arg(const char* text, unsigned long* value) {
    if (strcmp(text, "buf") == 0) {
        void* page = call_buffer();
        if (page == NULL) return -1;
        *value = (unsigned long)(uintptr_t)page;
        return 0;
    }
    char* end = NULL;
    errno = 0;
    *value = strtoul(text, &end, 0);
    return errno != 0 || end == text || *end != '\0' ? -1 : 0;
}

// ARGS when given, else the table's defaults for the name; unused arguments are 0.
static int parse_args(int argc, char** argv, const char* defaults, unsigned long* args, int max) {
    for (int i = 0; i < kMaxArgs; i++) args[i] = 0;
    if (argc > max) return -1;
    if (argc > 0) {
        for (int i = 0; i < argc; i++) {
            if (parse_arg(argv[i], &args[i]) != 0) return -1;
        }
        return 0;
    }
    char copy[64];
    snprintf(copy, sizeof copy, "%s", defaults);
    int i = 0;
    char* save = NULL;
    for (char* word = strtok_r(copy, " ", &save); word != NULL && i < max;
         word = strtok_r(NULL, " ", &save)) {
        if (parse_arg(word, &args[i++]) != 0) return -1;
    }
    return 0;
}

// NAME from the table (when names is set) or a number; *defaults gets the name's default
// arguments.
static int parse_nr(const char* text, int names, long* nr, const char** defaults) {
    *defaults = "";
    for (size_t i = 0; names && i < sizeof kSyscallNames / sizeof kSyscallNames[0]; i++) {
        if (strcmp(text, kSyscallNames[i].name) == 0) {
            *nr = kSyscallNames[i].nr;
            *defaults = kSyscallNames[i].default_args;
            return 0;
        }
    }
    unsigned long value;
    if (strcmp(text, "buf") == 0 || parse_arg(text, &value) != 0) return -1;
    *nr = (long)value;
    return 0;
}

#if defined(__x86_64__)
// The i386 entry point from a 64-bit process: numbers of the i386 table, arguments in ebx,
// ecx, edx, esi, edi (truncated to 32 bits). ebp, the sixth, is left out: the compiler may
// use it as the frame pointer.
static long int80(long nr, const unsigned long* args) {
    long ret = nr;
    register long a4 asm("rsi") = (long)args[3];
    register long a5 asm("rdi") = (long)args[4];
    asm volatile("int $0x80"
                 : "+a"(ret)
                 : "b"(args[0]), "c"(args[1]), "d"(args[2]), "r"(a4), "r"(a5)
                 : "memory", "r8", "r9", "r10", "r11");
    return ret;
}
#endif

enum abi { kNative, kI386, kX32 };

// After the call: the result line; a child made by clone or clone3 exits at once and the
// parent reaps it.
static int report_call(long ret, int err, pid_t caller, long native_nr) {
    if (getpid() != caller) _exit(0);
    if (ret >= 0) {
        printf("ret=%ld\n", ret);
        if (ret > 0 && (native_nr == SYS_clone || native_nr == SYS_clone3)) {
            int status = 0;
            if (waitpid((pid_t)ret, &status, __WALL) == (pid_t)ret) printf("child=reaped\n");
        }
    } else {
        printf("errno=%d\n", err);
    }
    return report(ret, err);
}

static int cmd_syscall(enum abi abi, int argc, char** argv) {
    int trap = 0;
    if (argc > 0 && strcmp(argv[0], "--trap") == 0) {
        trap = 1;
        argc--;
        argv++;
    }
    long nr;
    const char* defaults;
    unsigned long args[kMaxArgs];
    // The table's numbers are native ones: int80 takes i386 numbers only.
    if (argc < 1 || parse_nr(argv[0], abi != kI386, &nr, &defaults) != 0) return usage();
    if (parse_args(argc - 1, argv + 1, defaults, args, abi == kI386 ? 5 : kMaxArgs) != 0) {
        return usage();
    }
    if (trap && install_sigsys_handler() != 0) return report(-1, errno);

    static const char* const kAbiNames[] = {"x86_64", "i386", "x32"};
    long called = abi == kX32 ? (nr | kX32Bit) : nr;
    printf("nr=%ld\nabi=%s\n", called, kAbiNames[abi]);
    fflush(stdout);

    pid_t caller = getpid();
    if (abi == kI386) {
#if defined(__x86_64__)
        long ret = int80(nr, args);
        int err = ret < 0 && ret >= -4095 ? (int)-ret : 0;
        return report_call(err != 0 ? -1 : ret, err, caller, -1);
#else
        printf("unsupported=int80 needs x86-64\n");
        return report(-1, ENOSYS);
#endif
    }
    long ret = syscall(called, args[0], args[1], args[2], args[3], args[4], args[5]);
    int err = errno;
    return report_call(ret, err, caller, nr);
}

static void* thread_main(void* arg) {
    return arg;
}

// Threads (glibc 2.34+ tries clone3 first and falls back to clone only on ENOSYS) and a child
// process.
static int cmd_threads(const char* count_text) {
    long count = strtol(count_text, NULL, 10);
    if (count < 1 || count > 64) return usage();
    pthread_t threads[64];
    for (long i = 0; i < count; i++) {
        int rc = pthread_create(&threads[i], NULL, thread_main, (void*)i);
        if (rc != 0) {
            printf("threads_started=%ld\n", i);
            for (long j = 0; j < i; j++) pthread_join(threads[j], NULL);
            return report(-1, rc);
        }
    }
    for (long i = 0; i < count; i++) {
        void* value = NULL;
        pthread_join(threads[i], &value);
        if ((long)value != i) return report(-1, EINVAL);
    }
    printf("threads=%ld\n", count);

    pid_t child = fork();
    if (child < 0) return report(-1, errno);
    if (child == 0) _exit(0);
    int status = 0;
    if (waitpid(child, &status, 0) != child) return report(-1, errno);
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("child=%s\n", ok ? "exited:0" : "failed");
    return report(ok ? 0 : -1, ECHILD);
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
    if (strcmp(cmd, "spin") == 0) return cmd_spin();
    if (strcmp(cmd, "rlimits") == 0) return cmd_rlimits();
    if (strcmp(cmd, "reboot") == 0) return cmd_reboot();
    if (strcmp(cmd, "init_module") == 0) return cmd_init_module();
    if (strcmp(cmd, "mount") == 0) return cmd_mount();
    if (strcmp(cmd, "unshare") == 0) return cmd_unshare(argc > 2 ? argv[2] : "user");
    if (strcmp(cmd, "syscall") == 0) return cmd_syscall(kNative, argc - 2, argv + 2);
    if (strcmp(cmd, "int80") == 0) return cmd_syscall(kI386, argc - 2, argv + 2);
    if (strcmp(cmd, "x32") == 0) return cmd_syscall(kX32, argc - 2, argv + 2);
    if (argc < 3) return usage();
    if (strcmp(cmd, "threads") == 0) return cmd_threads(argv[2]);
    if (strcmp(cmd, "write") == 0) return cmd_write(argv[2]);
    if (strcmp(cmd, "read") == 0) return cmd_read(argv[2]);
    if (strcmp(cmd, "ls") == 0) return list_dir(argv[2], "entries", 0);
    if (strcmp(cmd, "ptrace") == 0) return cmd_ptrace(argv[2]);
    if (strcmp(cmd, "sleep") == 0) return cmd_sleep(argv[2]);
    if (strcmp(cmd, "forks") == 0) return cmd_forks(argv[2]);
    if (strcmp(cmd, "hog") == 0) return cmd_hog(argv[2]);
    if (strcmp(cmd, "open") == 0 && argc > 3) return cmd_open(argv[2], argv[3]);
    if (strcmp(cmd, "bind") == 0 && argc > 3) return cmd_bind(argv[2], argv[3]);
    if (strcmp(cmd, "sendto") == 0 && argc > 3) return cmd_sendto(argv[2], argv[3]);
    if (strcmp(cmd, "connect") == 0 && argc > 3) return cmd_connect(argv[2], argv[3]);
    return usage();
}
