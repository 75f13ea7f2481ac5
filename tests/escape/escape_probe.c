// cv-escape: runs escape attempts from public reports inside a sandbox, one per row id of
// tests/escape/matrix.tsv, and prints one line per row:
//
//   row=ID outcome=blocked|succeeded detail=WHAT
//
// detail is the errno name that refused the attempt, SIG<name> when the row's process was
// killed (seccomp's kill action, the OOM killer), "masked" for a path covered by a mask,
// "reached:E" when a call got past every gate into the kernel's own checks (counted as
// succeeded: the attack surface was reachable), or a short note. Each row runs in a process
// of its own, so a kill or a changed persona stays with that row. Nothing here damages the
// host should an attempt succeed: knobs are opened for writing but never written, reboot and
// module calls carry invalid arguments, exhaustion rows stop at a bound.
//
// usage: cv-escape [--outside PID] [--secret PATH] [--host-init COMM] [--suid PATH]
//                  [--suid-host PATH] [--fcaps PATH] [--abstract NAME] [--tcp-port PORT]
//                  [--shm-id ID] [--pty PATH] all | ROW...
//        cv-escape --gained      (exit 0 when this process holds privileges it should not)
#define _GNU_SOURCE

#include <asm/ldt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/tiocl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acct.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "fork_hold.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

// What the test passes in: processes and paths outside the sandbox.
static struct {
    pid_t outside;          // the supervisor's host pid
    const char* secret;     // a host file the sandbox must not see
    const char* host_init;  // the host's /proc/1/comm
    const char* suid;       // setuid copy owned by the sandbox's root
    const char* suid_host;  // setuid copy owned by the host's root
    const char* fcaps;      // copy with file capabilities
    const char* abstract;   // an abstract unix socket a host service listens on
    int tcp_port;           // a TCP port a host service listens on at 127.0.0.1
    int shm_id;             // the id of a System V shared memory segment of the host
    const char* pty;        // the host path of another terminal (the caller's)
} opt;

// Found at start-up, before the probe opens anything.
static int leaked_fd = -1;
static char leaked_target[256];
static char start_cwd[4096];

// ---------------------------------------------------------------------------------------------
// Results. A row returns 0 when the attack succeeded, or an errno value when it was refused;
// note[] may carry a detail instead of the errno name.

enum { kMasked = -1, kNotGained = -2, kNotVisible = -3 };
static char note[128];

// glibc's own names ("EPERM"); a number for one it does not know.
static const char* errno_name(int err) {
    static char unknown[16];
    const char* name = strerrorname_np(err);
    if (name != NULL) return name;
    snprintf(unknown, sizeof unknown, "E%d", err);
    return unknown;
}

// The errors that mean a gate (seccomp, a capability, a permission, a missing kernel feature)
// stopped the call before the kernel's implementation looked at the request.
static int gated(int err) {
    return err == EPERM || err == EACCES || err == ENOSYS;
}

// rc >= 0: the call went through. A gate's errno: refused. Any other errno: the call reached
// the kernel's implementation, which is what the row is about.
static int gate(long rc, int err) {
    if (rc >= 0) return 0;
    if (gated(err)) return err;
    snprintf(note, sizeof note, "reached:%s", errno_name(err));
    return 0;
}

// Like gate, but also counting these errnos as refusals (a process or path out of sight).
static int gate_or(long rc, int err, int also1, int also2) {
    if (rc < 0 && (err == also1 || err == also2)) return err;
    return gate(rc, err);
}

// The call first, errno after it: a function's arguments are evaluated in no fixed order.
#define GATE(call)               \
    __extension__({              \
        long rc_ = (long)(call); \
        gate(rc_, errno);        \
    })
#define GATE_OR(call, also1, also2)            \
    __extension__({                            \
        long rc_ = (long)(call);               \
        gate_or(rc_, errno, (also1), (also2)); \
    })

// ---------------------------------------------------------------------------------------------
// Helpers shared by rows.

// Becomes root of the sandbox's user namespace where CAP_SETUID/CAP_SETGID allow it, so a row
// tries its attack with the most the sandbox can get. Capabilities stay (euid 0 after a
// nonzero euid copies the permitted set into the effective one).
static void try_root(void) {
    int ignored = setresgid(0, 0, 0);
    ignored = setresuid(0, 0, 0);
    (void)ignored;
}

// Opens the first PATH that exists for writing (never writes); 0 when it opened.
static int open_knob(const char* const* paths, size_t count) {
    try_root();
    int err = ENOENT;
    for (size_t i = 0; i < count; i++) {
        if (access(paths[i], F_OK) != 0) continue;
        int fd = open(paths[i], O_WRONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0) {
            close(fd);
            snprintf(note, sizeof note, "opened:%s", paths[i]);
            return 0;
        }
        return errno;
    }
    return err;
}

// Reads a kernel file that must be masked (a /dev/null bind) or absent.
static int read_kernel_file(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return errno;
    struct stat st;
    int masked = fstat(fd, &st) == 0 && S_ISCHR(st.st_mode);
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    int err = errno;
    close(fd);
    if (masked) return kMasked;
    if (n < 0) return err;
    snprintf(note, sizeof note, "read:%zd", n);
    return 0;
}

// A directory that must be masked (an empty tmpfs), absent or empty. statfs tells a mask
// where the profile allows it; otherwise an empty listing counts as masked.
static int read_kernel_dir(const char* path) {
    DIR* d = opendir(path);
    if (d == NULL) return errno;
    struct statfs fs;
    int is_tmpfs = fstatfs(dirfd(d), &fs) == 0 && fs.f_type == TMPFS_MAGIC;
    int entries = 0;
    struct dirent* e;
    while ((e = readdir(d)) != NULL) entries += e->d_name[0] != '.';
    closedir(d);
    if (is_tmpfs || entries == 0) return kMasked;
    snprintf(note, sizeof note, "entries:%d", entries);
    return 0;
}

// Capabilities no built-in profile grants: anything in CapPrm from this set was gained.
static uint64_t forbidden_caps(void) {
    static const int allowed[] = {CAP_CHOWN,   CAP_DAC_OVERRIDE,     CAP_FOWNER,    CAP_FSETID,
                                  CAP_KILL,    CAP_SETGID,           CAP_SETUID,    CAP_MKNOD,
                                  CAP_SETFCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT};
    uint64_t mask = (UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        mask &= ~(UINT64_C(1) << allowed[i]);
    }
    return mask;
}

static uint64_t status_hex(const char* key) {
    FILE* f = fopen("/proc/self/status", "re");
    if (f == NULL) return 0;
    char line[256];
    uint64_t value = 0;
    size_t len = strlen(key);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, len) == 0 && line[len] == ':') {
            value = strtoull(line + len + 1, NULL, 16);
        }
    }
    fclose(f);
    return value;
}

// --gained: the setuid bit raised the effective uid, or a forbidden capability is held.
static int cmd_gained(void) {
    uid_t r, e, s;
    if (getresuid(&r, &e, &s) != 0) return 2;
    uint64_t caps = status_hex("CapPrm") | status_hex("CapEff") | status_hex("CapAmb");
    if (e == 0 && r != 0) return 0;
    return (caps & forbidden_caps()) != 0 ? 0 : 1;
}

// Executes PATH --gained in a child; 0 when it reports a gain.
static int exec_gained(const char* path) {
    if (path == NULL) {
        snprintf(note, sizeof note, "no-binary-given");
        return ENOENT;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return errno;
    pid_t pid = fork();
    if (pid < 0) return errno;
    if (pid == 0) {
        execl(path, path, "--gained", (char*)NULL);
        int err = errno;
        ssize_t ignored = write(p[1], &err, sizeof err);
        (void)ignored;
        _exit(3);
    }
    close(p[1]);
    int err = 0;
    ssize_t n = read(p[0], &err, sizeof err);
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (n == (ssize_t)sizeof err) return err;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    return kNotGained;
}

// Runs fn in a child process and returns its exit status as an errno-style result.
static int in_child(int (*fn)(void)) {
    pid_t pid = fork();
    if (pid < 0) return errno;
    if (pid == 0) _exit(fn());
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return errno;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    snprintf(note, sizeof note, "child-signal:%d", WTERMSIG(status));
    return EINTR;
}

// A page below 4 GiB, for pointers passed through the 32-bit entry points.
static char* low_page(void) {
    static char* page = NULL;
    if (page == NULL) {
        page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
                    0);
        if (page == MAP_FAILED) page = NULL;
    }
    return page;
}

// The i386 entry point from a 64-bit process (arguments in ebx, ecx, edx).
static long int80(long nr, unsigned long a1, unsigned long a2, unsigned long a3) {
    long ret = nr;
    asm volatile("int $0x80"
                 : "+a"(ret)
                 : "b"(a1), "c"(a2), "d"(a3)
                 : "memory", "r8", "r9", "r10", "r11");
    return ret;
}

static int gate_raw(long ret) {
    return ret < 0 && ret >= -4095 ? gate(-1, (int)-ret) : gate(ret, 0);
}

// ---------------------------------------------------------------------------------------------
// Kernel-wide actions.

static int row_mount(void) {
    return GATE(mount("cv-escape", "/tmp", "tmpfs", 0, NULL));
}

// The new mount API: a filter that names mount(2) alone leaves fsopen, fsmount and
// move_mount open.
static int row_fsopen(void) {
    return GATE(syscall(SYS_fsopen, "tmpfs", 0));
}

static int row_umount_masked(void) {
    return GATE(umount2("/proc/keys", MNT_DETACH));
}

static int row_pivot_root(void) {
    return GATE(syscall(SYS_pivot_root, "/tmp", "/tmp"));
}

static int row_swapon(void) {
    return GATE(swapon("/cv-escape-no-such-swap", 0));
}

// An unknown command: with CAP_SYS_BOOT the kernel answers EINVAL (reached), never reboots.
static int row_reboot(void) {
    return GATE(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x0badc0de, NULL));
}

static int row_kexec_load(void) {
    return GATE(syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL));
}

static int row_init_module(void) {
    static char image[1];
    return GATE(syscall(SYS_init_module, image, 0UL, ""));
}

static int row_finit_module(void) {
    return GATE(syscall(SYS_finit_module, -1, "", 0));
}

// The current time, so that a success changes nothing that matters.
static int row_settimeofday(void) {
    struct timeval now;
    gettimeofday(&now, NULL);
    return GATE(settimeofday(&now, NULL));
}

// acct(NULL) turns accounting off: harmless, and needs CAP_SYS_PACCT of the host.
static int row_acct(void) {
    return GATE(acct(NULL));
}

static int row_syslog_read(void) {
    static char buf[4096];
    return GATE(klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf));
}

// ---------------------------------------------------------------------------------------------
// Other processes.

static int need_outside(void) {
    if (opt.outside > 0) return 0;
    snprintf(note, sizeof note, "no-outside-pid-given");
    return 1;
}

static int row_ptrace_outside(void) {
    if (need_outside()) return ESRCH;
    return GATE_OR(ptrace(PTRACE_SEIZE, opt.outside, NULL, NULL), ESRCH, 0);
}

// pid 1 is containerv's own init: not dumpable, and root of the namespace.
static int row_ptrace_init(void) {
    return GATE_OR(ptrace(PTRACE_SEIZE, 1, NULL, NULL), ESRCH, 0);
}

static int row_process_vm_readv(void) {
    if (need_outside()) return ESRCH;
    char buf[8];
    struct iovec local = {buf, sizeof buf};
    struct iovec remote = {(void*)0x400000, sizeof buf};
    return GATE_OR(process_vm_readv(opt.outside, &local, 1, &remote, 1, 0), ESRCH, EFAULT);
}

// Signal 0 only checks that the signal could be sent.
static int row_kill_outside(void) {
    if (need_outside()) return ESRCH;
    return GATE_OR(kill(opt.outside, 0), ESRCH, 0);
}

static int row_proc_outside(void) {
    if (need_outside()) return ENOENT;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", (int)opt.outside);
    if (access(path, F_OK) != 0) return errno;
    snprintf(note, sizeof note, "visible:%s", path);
    return 0;
}

static int row_host_proc1(void) {
    char comm[64] = "";
    FILE* f = fopen("/proc/1/comm", "re");
    if (f == NULL) return errno;
    if (fgets(comm, sizeof comm, f) == NULL) comm[0] = '\0';
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    if (opt.host_init != NULL && strcmp(comm, opt.host_init) == 0) {
        snprintf(note, sizeof note, "host-init:%s", comm);
        return 0;
    }
    snprintf(note, sizeof note, "own-init:%s", comm);
    return kNotVisible;
}

// ---------------------------------------------------------------------------------------------
// New namespaces and privileges.

static int row_unshare_user(void) {
    return GATE(unshare(CLONE_NEWUSER));
}

static int row_unshare_mount(void) {
    return GATE(unshare(CLONE_NEWNS));
}

static int reap_clone(long ret, int err) {
    if (ret == 0) _exit(0);
    if (ret > 0) waitpid((pid_t)ret, NULL, __WALL);
    return gate(ret, err);
}

static int row_clone_newuser(void) {
    long ret = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0UL, NULL, NULL, 0UL);
    return reap_clone(ret, errno);
}

static int row_clone3_newuser(void) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    long ret = syscall(SYS_clone3, &args, sizeof args);
    return reap_clone(ret, errno);
}

// What a nested user namespace is for in exploits: a network namespace of its own, where it
// holds CAP_NET_ADMIN, and nf_tables behind a netfilter netlink socket (CVE-2022-25636,
// CVE-2023-32233, CVE-2024-1086). The child reports how far it got; nothing is configured.
static int netfilter_in_own_netns(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 12 /* NETLINK_NETFILTER */);
    if (fd < 0) return errno;
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof addr);
    addr.nl_family = AF_NETLINK;
    int rc = bind(fd, (struct sockaddr*)&addr, sizeof addr);
    int err = errno;
    close(fd);
    return rc == 0 ? 0 : err;
}

static int row_nested_netfilter(void) {
    long ret = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | CLONE_NEWNET | SIGCHLD), 0UL,
                       NULL, NULL, 0UL);
    if (ret == 0) _exit(netfilter_in_own_netns());
    if (ret < 0) {
        snprintf(note, sizeof note, "clone:%s", errno_name(errno));
        return errno;
    }
    int status = 0;
    if (waitpid((pid_t)ret, &status, __WALL) != (pid_t)ret) return errno;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return EINTR;
}

// Into the namespaces of the runtime's init (which set the sandbox up from the host's tree).
static int row_setns(void) {
    int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int rc = setns(fd, CLONE_NEWNS);
    int err = errno;
    close(fd);
    return gate(rc, err);
}

static int row_setuid_binary(void) {
    return exec_gained(opt.suid);
}

static int row_setuid_host_root(void) {
    return exec_gained(opt.suid_host);
}

static int row_file_caps(void) {
    return exec_gained(opt.fcaps);
}

// Raise CAP_SYS_ADMIN directly, through the ambient set, and by becoming uid 0 and executing
// again (a root execve fills the permitted set from the bounding set).
static int row_regain_caps(void) {
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    int first = 0;
    if (syscall(SYS_capget, &header, data) == 0) {
        data[0].effective |= 1u << CAP_SYS_ADMIN;
        data[0].permitted |= 1u << CAP_SYS_ADMIN;
        if (syscall(SYS_capset, &header, data) != 0) first = errno;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0) != 0 && first == 0) {
        first = errno;
    }
    try_root();
    int gained = exec_gained("/proc/self/exe");
    if (gained == 0) return 0;
    return first != 0 ? first : gained;
}

// Nested user and mount namespace (where unshare is allowed), then the mask over /proc/keys:
// the kernel locks mounts inherited by a less privileged namespace.
static int row_nested_umount_mask(void) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        snprintf(note, sizeof note, "unshare:%s", errno_name(errno));
        return errno;
    }
    if (umount2("/proc/keys", MNT_DETACH) != 0) return errno;
    return read_kernel_file("/proc/keys") == kMasked ? kMasked : 0;
}

static int nested_proc_child(void) {
    return mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0 ? 0 : errno;
}

// A fresh procfs in a nested pid namespace would show what the masks hide; the kernel refuses
// it while the sandbox's /proc has masks on it (mount_too_revealing).
static int row_nested_proc_mount(void) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) != 0) {
        snprintf(note, sizeof note, "unshare:%s", errno_name(errno));
        return errno;
    }
    return in_child(nested_proc_child);
}

// CVE-2022-0492: a cgroup v1 hierarchy mounted from a user namespace, then release_agent.
static int row_nested_cgroup_mount(void) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP) != 0) {
        snprintf(note, sizeof note, "unshare:%s", errno_name(errno));
        return errno;
    }
    return GATE(mount("cgroup", "/tmp", "cgroup", 0, "none,name=cvescape"));
}

static int row_release_agent(void) {
    try_root();
    DIR* d = opendir("/sys/fs/cgroup");
    if (d == NULL) return errno;
    int result = ENOENT;
    struct dirent* e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, "/sys/fs/cgroup/%s/release_agent", e->d_name);
        if (access(path, F_OK) != 0) continue;
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            close(fd);
            snprintf(note, sizeof note, "opened:%.100s", path);
            result = 0;
            break;
        }
        result = errno;
    }
    closedir(d);
    return result;
}

// Out of the sandbox's cgroup, and so out of its limits: this process's pid written into the
// root group of every hierarchy the sandbox can see (the way a container leaves its memory and
// pids limits behind).
static int row_cgroup_escape(void) {
    try_root();
    static const char* const paths[] = {
        "/sys/fs/cgroup/cgroup.procs",         "/sys/fs/cgroup/unified/cgroup.procs",
        "/sys/fs/cgroup/pids/cgroup.procs",    "/sys/fs/cgroup/memory/cgroup.procs",
        "/sys/fs/cgroup/systemd/cgroup.procs",
    };
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    int result = ENOENT;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int fd = open(paths[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno != ENOENT) result = errno;
            continue;
        }
        ssize_t n = write(fd, pid, (size_t)len);
        int err = errno;
        close(fd);
        if (n == len) {
            snprintf(note, sizeof note, "moved:%s", paths[i]);
            return 0;
        }
        result = err;
    }
    return result;
}

// CVE-2024-21626: a descriptor of the runtime's (a directory of the host) left open.
static int row_leaked_fds(void) {
    if (leaked_fd < 0) return kNotVisible;
    snprintf(note, sizeof note, "fd%d:%.100s", leaked_fd, leaked_target);
    return 0;
}

// The same report's other half: a working directory outside the sandbox's root.
static int row_cwd_outside(void) {
    if (strncmp(start_cwd, "(unreachable)", 13) == 0 || start_cwd[0] != '/') {
        snprintf(note, sizeof note, "cwd:%.100s", start_cwd);
        return 0;
    }
    return kNotVisible;
}

// CVE-2020-15257: containerd-shim's API on an abstract unix socket, reachable from every
// container sharing the host's network namespace.
static int row_abstract_unix(void) {
    if (opt.abstract == NULL) {
        snprintf(note, sizeof note, "no-socket-given");
        return ENOENT;
    }
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    size_t len = strlen(opt.abstract);
    if (len + 1 > sizeof addr.sun_path) return ENAMETOOLONG;
    memcpy(addr.sun_path + 1, opt.abstract, len);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    int rc = connect(fd, (struct sockaddr*)&addr,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len));
    int err = errno;
    close(fd);
    return rc == 0 ? 0 : err;
}

// A host service bound to 127.0.0.1 only, trusting that nothing remote can reach it.
static int row_host_loopback(void) {
    if (opt.tcp_port <= 0) {
        snprintf(note, sizeof note, "no-port-given");
        return ENOENT;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)opt.tcp_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    int rc = connect(fd, (struct sockaddr*)&addr, sizeof addr);
    int err = errno;
    close(fd);
    return rc == 0 ? 0 : err;
}

// A System V segment of the host, by its id: shared memory between unrelated processes is how
// some databases and X11 clients talk, and what an IPC namespace separates (ids are per
// namespace, so the host's id names nothing, or another segment, inside).
static int row_host_ipc(void) {
    if (opt.shm_id < 0) {
        snprintf(note, sizeof note, "no-id-given");
        return ENOENT;
    }
    void* at = shmat(opt.shm_id, NULL, SHM_RDONLY);
    if (at == (void*)-1) return errno;
    shmdt(at);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Kernel attack surface.

static int row_bpf(void) {
    struct bpf_insn prog[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insns = (uint64_t)(uintptr_t)prog;
    attr.insn_cnt = 2;
    attr.license = (uint64_t)(uintptr_t) "GPL";
    return GATE(syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr));
}

static int row_perf_event_open(void) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    return GATE(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0UL));
}

// Without UFFD_USER_MODE_ONLY: the kind that can stall the kernel inside copy_from_user.
static int row_userfaultfd(void) {
    return GATE(syscall(SYS_userfaultfd, O_CLOEXEC));
}

static int row_io_uring(void) {
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    return GATE(syscall(SYS_io_uring_setup, 1, &params));
}

static int row_add_key(void) {
    return GATE(syscall(SYS_add_key, "user", "cv-escape", "x", 1, KEY_SPEC_PROCESS_KEYRING));
}

static int row_keyctl(void) {
    return GATE(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "cv-escape"));
}

// ENOKEY means the kernel searched the keyrings: reached.
static int row_request_key(void) {
    return GATE(syscall(SYS_request_key, "user", "cv-escape-absent", NULL, 0));
}

static int socket_row(int family, int type, int protocol) {
    int fd = socket(family, type | SOCK_CLOEXEC, protocol);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    // A family or protocol this kernel lacks is as closed as a refused one.
    int err = errno;
    if (err == EAFNOSUPPORT || err == EPROTONOSUPPORT || err == ESOCKTNOSUPPORT) return err;
    return gate(-1, err);
}

static int row_sock_vsock(void) {
    return socket_row(AF_VSOCK, SOCK_STREAM, 0);
}

static int row_sock_alg(void) {
    return socket_row(AF_ALG, SOCK_SEQPACKET, 0);
}

static int row_sock_raw(void) {
    return socket_row(AF_INET, SOCK_RAW, 1 /* ICMP */);
}

static int row_sock_packet(void) {
    return socket_row(AF_PACKET, SOCK_RAW, 0);
}

static int row_personality(void) {
    return GATE(syscall(SYS_personality, (unsigned long)ADDR_NO_RANDOMIZE));
}

static int row_modify_ldt(void) {
    struct user_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.entry_number = 0;
    desc.limit = 0xfffff;
    desc.seg_32bit = 1;
    desc.limit_in_pages = 1;
    desc.useable = 1;
    return GATE(syscall(SYS_modify_ldt, 1, &desc, sizeof desc));
}

// ---------------------------------------------------------------------------------------------
// Filesystem.

// "Shocker" (2014): guessing file handles of the host's files. A fabricated handle when the
// root has none: any answer but a gate's means the capability check was passed.
static int open_by_handle(void) {
    struct {
        struct file_handle h;
        unsigned char bytes[128];
    } handle;
    memset(&handle, 0, sizeof handle);
    handle.h.handle_bytes = 128;
    int mount_id = 0;
    if (name_to_handle_at(AT_FDCWD, "/", &handle.h, &mount_id, 0) != 0) {
        handle.h.handle_bytes = 8;
        handle.h.handle_type = 1;
    }
    int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    long fd = syscall(SYS_open_by_handle_at, root, &handle.h, O_RDONLY | O_CLOEXEC);
    int err = errno;
    close(root);
    if (fd >= 0) close((int)fd);
    return gate(fd, err);
}

static int row_open_by_handle_at(void) {
    return open_by_handle();
}

// The same with CAP_DAC_READ_SEARCH of a nested user namespace (where unshare is allowed):
// since Linux 6.9 the kernel honours a namespace's capability for the mounts it owns.
static int row_nested_open_by_handle(void) {
    if (unshare(CLONE_NEWUSER) != 0) {
        snprintf(note, sizeof note, "unshare:%s", errno_name(errno));
        return errno;
    }
    return open_by_handle();
}

static int row_write_proc_sys(void) {
    static const char* const paths[] = {"/proc/sys/kernel/modprobe", "/proc/sys/vm/panic_on_oom",
                                        "/proc/sys/kernel/hostname"};
    return open_knob(paths, 3);
}

static int row_write_sys(void) {
    static const char* const paths[] = {"/sys/kernel/uevent_helper",
                                        "/sys/kernel/mm/transparent_hugepage/enabled",
                                        "/sys/kernel/mm/ksm/run"};
    return open_knob(paths, 3);
}

static int row_core_pattern(void) {
    static const char* const paths[] = {"/proc/sys/kernel/core_pattern"};
    return open_knob(paths, 1);
}

static int row_sysrq_trigger(void) {
    static const char* const paths[] = {"/proc/sysrq-trigger"};
    return open_knob(paths, 1);
}

// "Shocker" read /etc/shadow; here through the host's own root, read-only but visible.
static int row_read_shadow(void) {
    try_root();
    int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    int err = errno;
    close(fd);
    if (n < 0) return err;
    snprintf(note, sizeof note, "read:%zd", n);
    return 0;
}

static int row_read_kcore(void) {
    return read_kernel_file("/proc/kcore");
}

static int row_read_keys(void) {
    return read_kernel_file("/proc/keys");
}

static int row_read_timer_list(void) {
    return read_kernel_file("/proc/timer_list");
}

static int row_sys_firmware(void) {
    return read_kernel_dir("/sys/firmware");
}

// /dev/mem's numbers in a writable directory, then opened.
static int row_mknod_device(void) {
    try_root();
    const char* path = "/tmp/cv-escape-mem";
    unlink(path);
    if (mknod(path, S_IFCHR | 0600, makedev(1, 1)) != 0) return errno;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int err = errno;
    unlink(path);
    if (fd < 0) {
        snprintf(note, sizeof note, "made-but-open:%s", errno_name(err));
        return err;
    }
    close(fd);
    return 0;
}

static int open_secret(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    close(fd);
    snprintf(note, sizeof note, "read-host-file");
    return 0;
}

// A symlink in a writable path to a host file outside the sandbox's tree, absolute and with
// enough ../ to climb past any root.
static int row_symlink_out(void) {
    if (opt.secret == NULL) {
        snprintf(note, sizeof note, "no-secret-given");
        return ENOENT;
    }
    char target[4096];
    snprintf(target, sizeof target, "../../../../../../../..%s", opt.secret);
    unlink("/tmp/cv-escape-link");
    if (symlink(target, "/tmp/cv-escape-link") != 0) return errno;
    int result = open_secret("/tmp/cv-escape-link");
    unlink("/tmp/cv-escape-link");
    return result;
}

// The classic chroot break-out with CAP_SYS_CHROOT: chroot below the working directory, climb
// with "..", chroot("."), then look for the host's file.
static int row_chroot_break(void) {
    if (opt.secret == NULL) return ENOENT;
    mkdir("/tmp/cv-escape-jail", 0700);
    if (chroot("/tmp/cv-escape-jail") != 0) return errno;
    for (int i = 0; i < 64; i++) {
        if (chdir("..") != 0) break;
    }
    if (chroot(".") != 0) return errno;
    return open_secret(opt.secret);
}

// CVE-2019-5736: the runtime's binary through /proc/PID/exe, opened for writing (never
// written). pid 1 is containerv's init.
static int row_proc_exe(void) {
    try_root();
    int fd = open("/proc/1/exe", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Terminal. The test gives the sandbox a terminal as stdin that is its caller's controlling
// terminal; the row first tries to make it this process's own.

static int steal_terminal(void) {
    if (!isatty(STDIN_FILENO)) {
        snprintf(note, sizeof note, "stdin-not-a-terminal");
        return ENOTTY;
    }
    setsid();
    int ignored = ioctl(STDIN_FILENO, TIOCSCTTY, 0);
    (void)ignored;
    return 0;
}

static int row_tiocsti(void) {
    if (steal_terminal() != 0) return ENOTTY;
    char c = '#';
    return ioctl(STDIN_FILENO, TIOCSTI, &c) == 0 ? 0 : errno;
}

// A line discipline set on the caller's terminal: n_null makes it swallow every key the user
// types after the sandbox is gone, and the other disciplines are kernel code with a history
// (n_hdlc CVE-2017-2636, n_gsm CVE-2023-6546, slcan CVE-2020-14416). The old one is put back.
static int row_tiocsetd(void) {
    if (!isatty(STDIN_FILENO)) {
        snprintf(note, sizeof note, "stdin-not-a-terminal");
        return ENOTTY;
    }
    int old = 0;
    int ignored = ioctl(STDIN_FILENO, TIOCGETD, &old);
    (void)ignored;
    int null_discipline = 27;  // N_NULL
    int result = GATE(ioctl(STDIN_FILENO, TIOCSETD, &null_discipline));
    if (result == 0) ignored = ioctl(STDIN_FILENO, TIOCSETD, &old);
    return result;
}

// The caller's terminal by its host path: a private devpts instance must not have it, or the
// sandbox could read what the user types and write into the screen.
static int row_host_pty(void) {
    if (opt.pty == NULL) {
        snprintf(note, sizeof note, "no-pty-given");
        return ENOENT;
    }
    int fd = open(opt.pty, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

// TIOCLINUX's paste of the selection types into a virtual console.
static int row_tioclinux(void) {
    if (steal_terminal() != 0) return ENOTTY;
    char subcode = TIOCL_PASTESEL;
    if (ioctl(STDIN_FILENO, TIOCLINUX, &subcode) == 0) return 0;
    int err = errno;
    int fd = open("/dev/tty0", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return err;
    int rc = ioctl(fd, TIOCLINUX, &subcode);
    err = errno;
    close(fd);
    return rc == 0 ? 0 : err;
}

// ---------------------------------------------------------------------------------------------
// Exhaustion, each bounded so that an unlimited sandbox stops well before the host suffers.

enum { kForkBound = 2000, kMemoryBoundMib = 1024, kFdBound = 16384, kDiskBoundMib = 1024 };

static int row_fork_bomb(void) {
    int err = 0;
    long made = fork_and_hold(kForkBound, &err);
    snprintf(note, sizeof note, "forks:%ld:%s", made, err != 0 ? errno_name(err) : "all");
    return err;
}

// Published through a volatile pointer, or clang drops the unread malloc and memset and the
// row touches nothing (seen in the clang build: "succeeded" under a 128 MiB limit).
static char* volatile memory_last;

static int row_memory(void) {
    for (int i = 0; i < kMemoryBoundMib; i++) {
        char* block = malloc(1 << 20);
        if (block == NULL) return ENOMEM;
        memset(block, i | 1, 1 << 20);
        memory_last = block;
    }
    snprintf(note, sizeof note, "mib:%d", kMemoryBoundMib);
    return 0;
}

static int row_fds(void) {
    int opened = 0;
    for (; opened < kFdBound; opened++) {
        if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) {
            int err = errno;
            snprintf(note, sizeof note, "fds:%d:%s", opened, errno_name(err));
            return err;
        }
    }
    snprintf(note, sizeof note, "fds:%d", opened);
    return 0;
}

// The file is unlinked at once, so its pages go when the row's process does.
static int row_disk_tmpfs(void) {
    int fd = open("/tmp", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    for (int i = 0; i < kDiskBoundMib; i++) {
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block) {
            int err = errno;
            snprintf(note, sizeof note, "mib:%d:%s", i, errno_name(err));
            close(fd);
            return err;
        }
    }
    close(fd);
    snprintf(note, sizeof note, "mib:%d", kDiskBoundMib);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// ABI tricks: calls the native filter refuses, through i386's int 0x80 (numbers of the i386
// table) and with x32 numbers (native number | 0x40000000).

static const long kX32 = 0x40000000L;

static int row_int80_unshare(void) {
    return gate_raw(int80(310 /* unshare */, CLONE_NEWUSER, 0, 0));
}

static int row_int80_personality(void) {
    return gate_raw(int80(136 /* personality */, ADDR_NO_RANDOMIZE, 0, 0));
}

static int row_int80_keyctl(void) {
    char* name = low_page();
    if (name == NULL) return ENOMEM;
    strcpy(name, "cv-escape");
    return gate_raw(int80(288 /* keyctl */, KEYCTL_JOIN_SESSION_KEYRING, (uintptr_t)name, 0));
}

static int row_x32_unshare(void) {
    return GATE(syscall(SYS_unshare | kX32, CLONE_NEWUSER));
}

static int row_x32_keyctl(void) {
    return GATE(syscall(SYS_keyctl | kX32, KEYCTL_JOIN_SESSION_KEYRING, "cv-escape"));
}

// ---------------------------------------------------------------------------------------------

struct row {
    const char* id;
    int (*run)(void);
    int exhaustion;  // run only when named: each needs the profile's resource limits
};

static const struct row kRows[] = {
    {"mount", row_mount, 0},
    {"fsopen", row_fsopen, 0},
    {"umount_masked", row_umount_masked, 0},
    {"pivot_root", row_pivot_root, 0},
    {"swapon", row_swapon, 0},
    {"reboot", row_reboot, 0},
    {"kexec_load", row_kexec_load, 0},
    {"init_module", row_init_module, 0},
    {"finit_module", row_finit_module, 0},
    {"settimeofday", row_settimeofday, 0},
    {"acct", row_acct, 0},
    {"syslog_read", row_syslog_read, 0},
    {"ptrace_outside", row_ptrace_outside, 0},
    {"ptrace_init", row_ptrace_init, 0},
    {"process_vm_readv", row_process_vm_readv, 0},
    {"kill_outside", row_kill_outside, 0},
    {"proc_outside", row_proc_outside, 0},
    {"host_proc1", row_host_proc1, 0},
    {"abstract_unix", row_abstract_unix, 0},
    {"host_loopback", row_host_loopback, 0},
    {"host_ipc", row_host_ipc, 0},
    {"unshare_user", row_unshare_user, 0},
    {"unshare_mount", row_unshare_mount, 0},
    {"clone_newuser", row_clone_newuser, 0},
    {"clone3_newuser", row_clone3_newuser, 0},
    {"nested_netfilter", row_nested_netfilter, 0},
    {"setns", row_setns, 0},
    {"setuid_binary", row_setuid_binary, 0},
    {"setuid_host_root", row_setuid_host_root, 0},
    {"file_caps", row_file_caps, 0},
    {"regain_caps", row_regain_caps, 0},
    {"nested_umount_mask", row_nested_umount_mask, 0},
    {"nested_proc_mount", row_nested_proc_mount, 0},
    {"nested_cgroup_mount", row_nested_cgroup_mount, 0},
    {"release_agent", row_release_agent, 0},
    {"cgroup_escape", row_cgroup_escape, 0},
    {"leaked_fds", row_leaked_fds, 0},
    {"cwd_outside", row_cwd_outside, 0},
    {"bpf", row_bpf, 0},
    {"perf_event_open", row_perf_event_open, 0},
    {"userfaultfd", row_userfaultfd, 0},
    {"io_uring", row_io_uring, 0},
    {"add_key", row_add_key, 0},
    {"keyctl", row_keyctl, 0},
    {"request_key", row_request_key, 0},
    {"sock_vsock", row_sock_vsock, 0},
    {"sock_alg", row_sock_alg, 0},
    {"sock_raw", row_sock_raw, 0},
    {"sock_packet", row_sock_packet, 0},
    {"personality", row_personality, 0},
    {"modify_ldt", row_modify_ldt, 0},
    {"open_by_handle_at", row_open_by_handle_at, 0},
    {"nested_open_by_handle", row_nested_open_by_handle, 0},
    {"write_proc_sys", row_write_proc_sys, 0},
    {"write_sys", row_write_sys, 0},
    {"core_pattern", row_core_pattern, 0},
    {"sysrq_trigger", row_sysrq_trigger, 0},
    {"read_shadow", row_read_shadow, 0},
    {"read_kcore", row_read_kcore, 0},
    {"read_keys", row_read_keys, 0},
    {"read_timer_list", row_read_timer_list, 0},
    {"sys_firmware", row_sys_firmware, 0},
    {"mknod_device", row_mknod_device, 0},
    {"symlink_out", row_symlink_out, 0},
    {"chroot_break", row_chroot_break, 0},
    {"proc_exe", row_proc_exe, 0},
    {"tiocsti", row_tiocsti, 0},
    {"tioclinux", row_tioclinux, 0},
    {"tiocsetd", row_tiocsetd, 0},
    {"host_pty", row_host_pty, 0},
    {"fork_bomb", row_fork_bomb, 1},
    {"memory", row_memory, 1},
    {"fds", row_fds, 1},
    {"disk_tmpfs", row_disk_tmpfs, 1},
    {"int80_unshare", row_int80_unshare, 0},
    {"int80_personality", row_int80_personality, 0},
    {"int80_keyctl", row_int80_keyctl, 0},
    {"x32_unshare", row_x32_unshare, 0},
    {"x32_keyctl", row_x32_keyctl, 0},
};

static const char* signal_name(int sig) {
    static char name[16];
    switch (sig) {
        case SIGSYS:
            return "SIGSYS";
        case SIGKILL:
            return "SIGKILL";
        case SIGSEGV:
            return "SIGSEGV";
        case SIGBUS:
            return "SIGBUS";
        case SIGABRT:
            return "SIGABRT";
        case SIGALRM:
            return "SIGALRM";
        default:
            snprintf(name, sizeof name, "SIG%d", sig);
            return name;
    }
}

// One row in a child process: it sends "RESULT NOTE" through a pipe; a child killed before
// it could (seccomp's kill, the OOM killer) is reported with the signal.
static void run_row(const struct row* row) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        printf("row=%s outcome=error detail=pipe:%s\n", row->id, errno_name(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        printf("row=%s outcome=error detail=fork:%s\n", row->id, errno_name(errno));
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        close(p[0]);
        alarm(60);
        note[0] = '\0';
        int result = row->run();
        char line[256];
        const char* detail = note[0] != '\0'         ? note
                             : result == kMasked     ? "masked"
                             : result == kNotGained  ? "not-gained"
                             : result == kNotVisible ? "not-visible"
                             : result == 0           ? "ok"
                                                     : errno_name(result);
        int len =
            snprintf(line, sizeof line, "%s %s", result == 0 ? "succeeded" : "blocked", detail);
        ssize_t ignored = write(p[1], line, (size_t)len);
        (void)ignored;
        _exit(0);
    }
    close(p[1]);
    char line[256];
    ssize_t n = 0;
    for (;;) {
        n = read(p[0], line, sizeof line - 1);
        if (n >= 0 || errno != EINTR) break;
    }
    close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (n > 0) {
        line[n] = '\0';
        char* space = strchr(line, ' ');
        *space = '\0';
        printf("row=%s outcome=%s detail=%s\n", row->id, line, space + 1);
    } else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGALRM) {
        printf("row=%s outcome=blocked detail=%s\n", row->id, signal_name(WTERMSIG(status)));
    } else {
        printf("row=%s outcome=error detail=no-result\n", row->id);
    }
}

// Descriptors open at start-up beyond stdio, and the working directory, before anything else.
static void look_at_start(void) {
    if (getcwd(start_cwd, sizeof start_cwd) == NULL) {
        snprintf(start_cwd, sizeof start_cwd, "getcwd:%s", errno_name(errno));
    }
    for (int fd = 3; fd < 1024; fd++) {
        if (fcntl(fd, F_GETFD) < 0) continue;
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, leaked_target, sizeof leaked_target - 1);
        leaked_target[n > 0 ? n : 0] = '\0';
        leaked_fd = fd;
        return;
    }
}

static int usage(void) {
    fprintf(stderr,
            "usage: cv-escape [--outside PID] [--secret PATH] [--host-init COMM]\n"
            "                 [--suid PATH] [--suid-host PATH] [--fcaps PATH]\n"
            "                 [--abstract NAME] [--tcp-port PORT] [--shm-id ID]\n"
            "                 [--pty PATH]\n"
            "                 all | ROW...\n"
            "       cv-escape --gained | --list\n");
    return 2;
}

int main(int argc, char** argv) {
    look_at_start();
    opt.shm_id = -1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "--gained") == 0) return cmd_gained();
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < sizeof kRows / sizeof kRows[0]; i++) printf("%s\n", kRows[i].id);
        return 0;
    }
    const char** values[] = {&opt.secret, &opt.host_init, &opt.suid, &opt.suid_host,
                             &opt.fcaps,  &opt.abstract,  &opt.pty};
    const char* names[] = {"--secret", "--host-init", "--suid", "--suid-host",
                           "--fcaps",  "--abstract",  "--pty"};
    const char* rows[128];
    int row_count = 0;
    for (int i = 1; i < argc; i++) {
        int matched = 0;
        if (strcmp(argv[i], "--outside") == 0 && i + 1 < argc) {
            opt.outside = (pid_t)atol(argv[++i]);
            matched = 1;
        } else if (strcmp(argv[i], "--tcp-port") == 0 && i + 1 < argc) {
            opt.tcp_port = atoi(argv[++i]);
            matched = 1;
        } else if (strcmp(argv[i], "--shm-id") == 0 && i + 1 < argc) {
            opt.shm_id = atoi(argv[++i]);
            matched = 1;
        } else if (strcmp(argv[i], "--tcp-port") == 0 && i + 1 < argc) {
            opt.tcp_port = atoi(argv[++i]);
            matched = 1;
        }
        for (size_t k = 0; !matched && k < sizeof names / sizeof names[0]; k++) {
            if (strcmp(argv[i], names[k]) == 0 && i + 1 < argc) {
                *values[k] = argv[++i];
                matched = 1;
            }
        }
        if (matched) continue;
        if (argv[i][0] == '-' || row_count == 128) return usage();
        rows[row_count++] = argv[i];
    }
    if (row_count == 0) return usage();

    for (int i = 0; i < row_count; i++) {
        int all = strcmp(rows[i], "all") == 0;
        int found = 0;
        for (size_t k = 0; k < sizeof kRows / sizeof kRows[0]; k++) {
            if ((all && !kRows[k].exhaustion) || strcmp(rows[i], kRows[k].id) == 0) {
                run_row(&kRows[k]);
                found = 1;
            }
        }
        if (!found) {
            fprintf(stderr, "cv-escape: unknown row %s\n", rows[i]);
            return 2;
        }
    }
    return 0;
}
