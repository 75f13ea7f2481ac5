// The syscall policies the built-in profiles are made of. docs/SECCOMP.md gives the rationale
// of each table; this file holds the tables and the few lines that assemble them.
#include "seccomp/baseline.hpp"

#include <linux/capability.h>
#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>

namespace containerv::seccomp {
namespace {

using Names = std::span<const std::string_view>;

// ---------------------------------------------------------------------------------------------
// Docker's default profile, for x86-64 (native, i386 and x32 ABIs). Facts from moby's
// profiles/seccomp/default.json, regrouped by what the calls do.

// Files, directories and descriptors.
constexpr std::string_view kDockerFiles[] = {
    "access",
    "cachestat",
    "chdir",
    "chmod",
    "chown",
    "close",
    "close_range",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fallocate",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchownat",
    "fcntl",
    "fdatasync",
    "flock",
    "fstat",
    "fstatfs",
    "fsync",
    "ftruncate",
    "getcwd",
    "getdents",
    "getdents64",
    "ioctl",
    "lchown",
    "link",
    "linkat",
    "lseek",
    "lstat",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "name_to_handle_at",
    "newfstatat",
    "open",
    "openat",
    "openat2",
    "pread64",
    "preadv",
    "preadv2",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "rename",
    "renameat",
    "renameat2",
    "rmdir",
    "sendfile",
    "splice",
    "stat",
    "statfs",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "tee",
    "truncate",
    "umask",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimes",
    "futimesat",
    "vmsplice",
    "write",
    "writev",
};

// Extended attributes.
constexpr std::string_view kDockerXattrs[] = {
    "fgetxattr", "flistxattr", "fremovexattr", "fsetxattr", "getxattr",    "lgetxattr",
    "listxattr", "llistxattr", "lremovexattr", "lsetxattr", "removexattr", "setxattr",
};

// Waiting for descriptors and events: poll, epoll, eventfd, inotify, pipes, signalfd, timerfd.
constexpr std::string_view kDockerEvents[] = {
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "fanotify_mark",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "pipe",
    "pipe2",
    "poll",
    "ppoll",
    "pselect6",
    "select",
    "signalfd",
    "signalfd4",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_settime",
};

// Asynchronous I/O (the io_* family, not io_uring, which Docker leaves out).
constexpr std::string_view kDockerAio[] = {
    "io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
    "io_setup",  "io_submit",  "ioprio_get",   "ioprio_set",
};

// Memory.
constexpr std::string_view kDockerMemory[] = {
    "brk",       "madvise",       "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
    "mincore",   "mlock",         "mlock2",           "mlockall",   "mmap",         "mprotect",
    "mremap",    "msync",         "munlock",          "munlockall", "munmap",       "pkey_alloc",
    "pkey_free", "pkey_mprotect", "remap_file_pages",
};

// Processes and threads: creation (clone is ruled below), exit, futexes, limits, sandboxing.
constexpr std::string_view kDockerProcesses[] = {
    "capget",
    "capset",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "fork",
    "futex",
    "futex_requeue",
    "futex_wait",
    "futex_waitv",
    "futex_wake",
    "get_robust_list",
    "get_thread_area",
    "getcpu",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getrlimit",
    "getrusage",
    "getsid",
    "gettid",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "pidfd_open",
    "pidfd_send_signal",
    "prctl",
    "prlimit64",
    "process_mrelease",
    "restart_syscall",
    "rseq",
    "seccomp",
    "set_robust_list",
    "set_thread_area",
    "set_tid_address",
    "setpgid",
    "setpriority",
    "setrlimit",
    "setsid",
    "sysinfo",
    "times",
    "uname",
    "vfork",
    "wait4",
    "waitid",
};

// Scheduling.
constexpr std::string_view kDockerScheduling[] = {
    "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity",
    "sched_getattr",          "sched_getparam",         "sched_getscheduler",
    "sched_rr_get_interval",  "sched_setaffinity",      "sched_setattr",
    "sched_setparam",         "sched_setscheduler",     "sched_yield",
};

// Signals and timers.
constexpr std::string_view kDockerSignals[] = {
    "alarm",          "getitimer",       "kill",
    "pause",          "rt_sigaction",    "rt_sigpending",
    "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
    "rt_sigsuspend",  "rt_sigtimedwait", "rt_tgsigqueueinfo",
    "setitimer",      "sigaltstack",     "tgkill",
    "timer_create",   "timer_delete",    "timer_getoverrun",
    "timer_gettime",  "timer_settime",   "tkill",
};

// Clocks. Setting a clock needs CAP_SYS_TIME even where the call is allowed: adjtimex and
// clock_adjtime with modes 0 only read.
constexpr std::string_view kDockerTime[] = {
    "adjtimex",        "clock_adjtime", "clock_getres", "clock_gettime",
    "clock_nanosleep", "gettimeofday",  "nanosleep",    "time",
};

// User and group ids. Changing them still needs CAP_SETUID/CAP_SETGID.
constexpr std::string_view kDockerIdentity[] = {
    "getegid",   "geteuid",   "getgid",   "getgroups", "getresgid", "getresuid",
    "getuid",    "setfsgid",  "setfsuid", "setgid",    "setgroups", "setregid",
    "setresgid", "setresuid", "setreuid", "setuid",
};

// System V and POSIX message queues, semaphores, shared memory (the IPC namespace scopes them).
constexpr std::string_view kDockerIpc[] = {
    "mq_getsetattr", "mq_notify",  "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink",
    "msgctl",        "msgget",     "msgrcv",  "msgsnd",          "semctl",       "semget",
    "semop",         "semtimedop", "shmat",   "shmctl",          "shmdt",        "shmget",
};

// Sockets; socket itself is ruled below. recv and send exist only behind i386's socketcall.
constexpr std::string_view kDockerSockets[] = {
    "accept",  "accept4", "bind",       "connect",  "getpeername", "getsockname", "getsockopt",
    "listen",  "recv",    "recvfrom",   "recvmmsg", "recvmsg",     "send",        "sendmmsg",
    "sendmsg", "sendto",  "setsockopt", "shutdown", "socketpair",
};

// The 32-bit ABIs' own names (i386, some also x32): 32-bit ids, 64-bit offsets, 64-bit time
// and the socketcall/ipc multiplexers. Absent on the native ABI, where compile() skips them.
constexpr std::string_view kDocker32Bit[] = {
    "_llseek",
    "_newselect",
    "chown32",
    "clock_adjtime64",
    "clock_getres_time64",
    "clock_gettime64",
    "clock_nanosleep_time64",
    "fadvise64_64",
    "fchown32",
    "fcntl64",
    "fstat64",
    "fstatat64",
    "fstatfs64",
    "ftruncate64",
    "futex_time64",
    "getegid32",
    "geteuid32",
    "getgid32",
    "getgroups32",
    "getresgid32",
    "getresuid32",
    "getuid32",
    "io_pgetevents_time64",
    "ipc",
    "lchown32",
    "lstat64",
    "mmap2",
    "mq_timedreceive_time64",
    "mq_timedsend_time64",
    "ppoll_time64",
    "pselect6_time64",
    "recvmmsg_time64",
    "rt_sigtimedwait_time64",
    "sched_rr_get_interval_time64",
    "semtimedop_time64",
    "sendfile64",
    "setfsgid32",
    "setfsuid32",
    "setgid32",
    "setgroups32",
    "setregid32",
    "setresgid32",
    "setresuid32",
    "setreuid32",
    "setuid32",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "stat64",
    "statfs64",
    "timer_gettime64",
    "timer_settime64",
    "timerfd_gettime64",
    "timerfd_settime64",
    "truncate64",
    "ugetrlimit",
    "utimensat_time64",
    "waitpid",
};

// Calls newer than the libseccomp that Debian 12 ships (2.5.4): that library cannot name them,
// so they enter a policy only when the linked libseccomp resolves them (see known_to_libseccomp).
// Until then the filter answers them with the default action, which fails closed.
// riscv_hwprobe exists on riscv64 only; Docker lists it without an arch condition.
constexpr std::string_view kDockerNewerThanLibseccomp[] = {
    "getxattrat",       "listmount",         "listxattrat", "lsm_get_self_attr",
    "lsm_list_modules", "lsm_set_self_attr", "mseal",       "removexattrat",
    "riscv_hwprobe",    "setxattrat",        "statmount",   "uretprobe",
};

// Docker allows these from kernel 4.8 on, where seccomp runs again after a ptrace stop and a
// tracer can no longer skip the filter. containerv needs 4.14 anyway (SECCOMP_RET_KILL_PROCESS).
constexpr std::string_view kDockerPtrace[] = {
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
};

// Docker's arch-conditional entries that apply on x86-64: TLS setup and the LDT.
constexpr std::string_view kDockerX86[] = {"arch_prctl", "modify_ldt"};

// Calls Docker allows only with a capability that makes them useful.
struct CapGrant {
    int cap;
    Names names;
};

constexpr std::string_view kSysAdminCalls[] = {
    "bpf",
    "clone",
    "clone3",
    "fanotify_init",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "lookup_dcookie",
    "lsm_get_self_attr",
    "lsm_list_modules",
    "lsm_set_self_attr",
    "mount",
    "mount_setattr",
    "move_mount",
    "open_tree",
    "perf_event_open",
    "quotactl",
    "quotactl_fd",
    "setdomainname",
    "sethostname",
    "setns",
    "syslog",
    "umount",
    "umount2",
    "unshare",
};
constexpr std::string_view kSysBootCalls[] = {"reboot"};
constexpr std::string_view kSysChrootCalls[] = {"chroot"};
constexpr std::string_view kSysModuleCalls[] = {"delete_module", "init_module", "finit_module"};
constexpr std::string_view kSysPacctCalls[] = {"acct"};
constexpr std::string_view kSysPtraceCalls[] = {
    "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace",
};
constexpr std::string_view kSysRawioCalls[] = {"iopl", "ioperm"};
constexpr std::string_view kSysTimeCalls[] = {
    "settimeofday",
    "stime",
    "clock_settime",
    "clock_settime64",
};
constexpr std::string_view kSysTtyConfigCalls[] = {"vhangup"};
constexpr std::string_view kSysNiceCalls[] = {
    "get_mempolicy",
    "mbind",
    "set_mempolicy",
    "set_mempolicy_home_node",
};
constexpr std::string_view kSyslogCalls[] = {"syslog"};
constexpr std::string_view kBpfCalls[] = {"bpf"};
constexpr std::string_view kPerfmonCalls[] = {"perf_event_open"};
constexpr std::string_view kDacReadSearchCalls[] = {"open_by_handle_at"};

constexpr CapGrant kDockerCapGrants[] = {
    {CAP_SYS_ADMIN, kSysAdminCalls},
    {CAP_SYS_BOOT, kSysBootCalls},
    {CAP_SYS_CHROOT, kSysChrootCalls},
    {CAP_SYS_MODULE, kSysModuleCalls},
    {CAP_SYS_PACCT, kSysPacctCalls},
    {CAP_SYS_PTRACE, kSysPtraceCalls},
    {CAP_SYS_RAWIO, kSysRawioCalls},
    {CAP_SYS_TIME, kSysTimeCalls},
    {CAP_SYS_TTY_CONFIG, kSysTtyConfigCalls},
    {CAP_SYS_NICE, kSysNiceCalls},
    {CAP_SYSLOG, kSyslogCalls},
    {CAP_BPF, kBpfCalls},
    {CAP_PERFMON, kPerfmonCalls},
    {CAP_DAC_READ_SEARCH, kDacReadSearchCalls},
};

// personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32,
// and 0xffffffff, which only queries. Refused: ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC and the
// other flags that weaken the address space layout.
constexpr std::uint64_t kSafePersonalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
// CLONE_NEWNET: clone may create no namespace. CLONE_NEWTIME shares its bit with the exit
// signal in clone's flags and can only be asked for through clone3 and unshare.
constexpr std::uint64_t kCloneNamespaceFlags = 0x7E020000;

// Address families: AF_UNIX 1, AF_INET 2, AF_INET6 10; Docker refuses AF_ALG 38 and AF_VSOCK
// 40 (host-guest sockets and the kernel crypto API: kernel attack surface with a CVE history).
constexpr std::uint64_t kAfUnix = 1;
constexpr std::uint64_t kAfInet = 2;
constexpr std::uint64_t kAfInet6 = 10;
constexpr std::uint64_t kAfAlg = 38;
constexpr std::uint64_t kAfVsock = 40;

// libseccomp resolves a name it knows on every architecture (a pseudo number where the call
// does not exist); __NR_SCMP_ERROR means the name is newer than the library.
bool known_to_libseccomp(std::string_view name) {
    return seccomp_syscall_resolve_name(std::string(name).c_str()) != __NR_SCMP_ERROR;
}

bool in(Names names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// A name newer than the linked libseccomp cannot enter a filter (see kDockerNewerThanLibseccomp).
bool usable(std::string_view name) {
    return !in(kDockerNewerThanLibseccomp, name) || known_to_libseccomp(name);
}

// Appends names in table order, once each.
void add(std::vector<std::string>& to, Names names) {
    for (std::string_view name : names) {
        if (usable(name) && std::find(to.begin(), to.end(), name) == to.end()) {
            to.emplace_back(name);
        }
    }
}

// Docker's unconditional allow-list, in the order docker_like_policy() lists it.
constexpr Names kDockerGroups[] = {
    kDockerFiles,      kDockerXattrs,
    kDockerEvents,     kDockerAio,
    kDockerMemory,     kDockerProcesses,
    kDockerScheduling, kDockerSignals,
    kDockerTime,       kDockerIdentity,
    kDockerIpc,        kDockerSockets,
    kDocker32Bit,      kDockerNewerThanLibseccomp,
    kDockerPtrace,     kDockerX86,
};

// No name in two places of the groups (or twice in one): docker_like_policy() then appends
// them without searching what it appended before, which made a start's policy quadratic.
// Sorted, not compared pairwise: clang stops a constant evaluation of the pairwise loop at its
// step limit.
consteval std::size_t group_name_count() {
    std::size_t count = 0;
    for (Names group : kDockerGroups) count += group.size();
    return count;
}
consteval bool names_repeat() {
    std::array<std::string_view, group_name_count()> all{};
    std::size_t k = 0;
    for (Names group : kDockerGroups)
        for (std::string_view name : group) all[k++] = name;
    std::sort(all.begin(), all.end());
    return std::adjacent_find(all.begin(), all.end()) != all.end();
}
static_assert(!names_repeat(), "a Docker group repeats a syscall name");

consteval std::size_t name_count() {
    std::size_t count = 0;
    for (Names group : kDockerGroups) count += group.size();
    for (const CapGrant& grant : kDockerCapGrants) count += grant.names.size();
    return count;
}

bool in_docker_groups(std::string_view name) {
    for (Names group : kDockerGroups) {
        if (in(group, name)) return true;
    }
    return false;
}

ArgCondition arg_eq(unsigned index, std::uint64_t value) {
    return ArgCondition{index, ArgCondition::Op::eq, value, 0};
}

SyscallRule allow_if(std::string name, std::vector<ArgCondition> args) {
    return SyscallRule{{std::move(name)}, SyscallAction::allow, 0, std::move(args)};
}

void add_personality_rules(SyscallPolicy& policy) {
    for (std::uint64_t persona : kSafePersonalities) {
        policy.rules.push_back(allow_if("personality", {arg_eq(0, persona)}));
    }
}

// clone without namespace flags. clone3 passes its flags in memory, where a filter cannot look:
// it answers ENOSYS, which makes glibc (2.34+) fall back to clone; EPERM would not.
void add_clone_rules(SyscallPolicy& policy) {
    ArgCondition no_namespaces{0, ArgCondition::Op::masked_eq, kCloneNamespaceFlags, 0};
    policy.rules.push_back(allow_if("clone", {no_namespaces}));
    policy.rules.push_back(SyscallRule{{"clone3"}, SyscallAction::errno_ret, ENOSYS, {}});
}

// socket: every family below AF_ALG, AF_NFC (39) between the two refused ones, and every family
// above AF_VSOCK.
void add_socket_rules(SyscallPolicy& policy) {
    policy.rules.push_back(allow_if("socket", {{0, ArgCondition::Op::lt, kAfAlg, 0}}));
    policy.rules.push_back(allow_if("socket", {arg_eq(0, kAfAlg + 1)}));
    policy.rules.push_back(allow_if("socket", {{0, ArgCondition::Op::gt, kAfVsock, 0}}));
}

// ---------------------------------------------------------------------------------------------
// The base set: what a dynamically linked x86-64 glibc program needs to start, use stdio,
// handle signals, run a child and exit. Checked by running /bin/sh, ls, cat and true under a
// filter made of exactly this list (tests/unit/seccomp_test.cpp).
constexpr std::string_view kBase[] = {
    // Loading and starting the program.
    "execve",           // the sandbox's command is exec'ed after the filter is live
    "brk",              // malloc grows the main heap
    "mmap",             // ld.so maps shared objects; malloc maps large blocks
    "mprotect",         // ld.so applies segment permissions and RELRO
    "munmap",           // ld.so and free() release mappings
    "mremap",           // realloc() of large blocks
    "madvise",          // free() returns memory of large blocks and thread stacks
    "arch_prctl",       // the thread pointer (ARCH_SET_FS) for TLS
    "set_tid_address",  // libc start-up: the thread's exit futex
    "set_robust_list",  // libc start-up: robust mutexes
    "rseq",             // glibc 2.35+ registers restartable sequences at start-up
    "prlimit64",        // getrlimit(): stack size at start-up, shells' ulimit
    "access",           // ld.so checks /etc/ld.so.preload
    "readlink",         // ld.so's $ORIGIN and programs locating /proc/self/exe
    "getrandom",        // malloc's tcache and hash seeds; the stack protector falls back here
    "futex",            // locks in stdio and malloc, at exit and once threads exist
    // Files and stdio.
    "openat",      // glibc's open()
    "open",        // older or static binaries
    "close",       // every descriptor
    "read",        // stdin, files, ELF headers
    "pread64",     // ld.so reads ELF notes at an offset
    "write",       // stdout and stderr
    "writev",      // glibc's fatal messages and some stdio flushes
    "lseek",       // stdio repositions on fflush and fseek
    "newfstatat",  // glibc 2.33+ stat(), fstat() and lstat()
    "fstat",       // older glibc fstat()
    "stat",        // older glibc stat()
    "lstat",       // older glibc lstat()
    "statx",       // coreutils (ls, stat) use statx
    "getdents64",  // readdir(): ls, shells' globbing
    "getcwd",      // shells and interpreters at start-up
    "fcntl",       // close-on-exec flags, shells' descriptor juggling
    "dup",         // shells' redirections
    "dup2",        // shells' redirections
    "dup3",        // shells' redirections with O_CLOEXEC
    "pipe",        // shells' pipelines
    "pipe2",       // shells' pipelines with O_CLOEXEC
    // isatty() is ioctl(TCGETS): stdio picks line or full buffering with it. A filter cannot
    // take TIOCSTI (typing into an inherited terminal, CVE-2017-5226) out of an unconditional
    // allow: the sandbox must not share a controlling terminal with its caller.
    "ioctl",
    // Signals.
    "rt_sigaction",     // installing handlers
    "rt_sigprocmask",   // blocking signals around critical sections, posix_spawn
    "rt_sigreturn",     // returning from a handler
    "sigaltstack",      // stack-overflow handlers (interpreters, Rust and Go runtimes)
    "kill",             // shells' kill, signalling children
    "tgkill",           // raise() and abort()
    "restart_syscall",  // the kernel restarts an interrupted sleep through it
    // Processes.
    "clone",       // fork(), and pthread_create() after clone3 failed with ENOSYS
    "vfork",       // posix_spawn(), dash and Python's subprocess
    "wait4",       // waitpid()
    "waitid",      // waitid()
    "exit",        // a thread's exit
    "exit_group",  // the process's exit
    "getpid",      // identity checks at start-up, shells' $$
    "getppid",     // shells' $PPID
    "gettid",      // glibc's raise() and thread ids
    "getuid",      // shells and interpreters check who they are
    "geteuid",     // idem
    "getgid",      // idem
    "getegid",     // idem
    "uname",       // programs checking the kernel or the machine
    "sysinfo",     // qsort() sizes its buffer from the physical memory (ls sorts)
    // Time: normally the vDSO answers; these are its fallbacks, and sleep().
    "clock_gettime",    // fallback of the vDSO
    "gettimeofday",     // fallback of the vDSO
    "time",             // fallback of the vDSO
    "clock_nanosleep",  // sleep() and nanosleep() in glibc
    "nanosleep",        // older binaries' sleep()
    // Everyday tools and programs that keep their own files: coreutils' id (groups), touch
    // (utimensat), ls (reads ACL and capability xattrs), shells' test and cd, and making,
    // renaming, truncating, syncing and removing files. Not faccessat2: it is newer than
    // clone3, and naming it would end the ENOSYS answer for newer calls below it.
    "getgroups",
    "umask",
    "faccessat",
    "readlinkat",
    "utimensat",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    "mkdir",
    "mkdirat",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "ftruncate",
    "fsync",
    "fdatasync",
    "chdir",
    "fchdir",
};

// ---------------------------------------------------------------------------------------------
// The untrusted profile: the base set plus what interpreters and compiled programs do, and
// nothing that reaches kernel surface beyond files, memory, threads, signals, pipes, time and
// unix/inet sockets. Only x86-64 names: the 32-bit ABIs' own calls (mmap2, stat64, socketcall,
// ...) are left out, so 32-bit programs cannot start under this profile.

constexpr std::string_view kUntrustedFiles[] = {
    "chmod",           "chown",         "close_range",
    "copy_file_range", "creat",         "faccessat2",
    "fadvise64",       "fallocate",     "fchmod",
    "fchmodat",        "fchown",        "fchownat",
    "flock",           "fstatfs",       "getdents",
    "lchown",          "link",          "linkat",
    "openat2",         "preadv",        "preadv2",
    "pwrite64",        "pwritev",       "pwritev2",
    "readahead",       "readv",         "rmdir",
    "sendfile",        "statfs",        "symlink",
    "symlinkat",       "truncate",      "utime",
    "utimes",          "futimesat",     "fremovexattr",
    "fsetxattr",       "lremovexattr",  "lsetxattr",
    "removexattr",     "setxattr",      "inotify_add_watch",
    "inotify_init",    "inotify_init1", "inotify_rm_watch",
};

constexpr std::string_view kUntrustedEvents[] = {
    "epoll_create",    "epoll_create1",   "epoll_ctl", "epoll_pwait", "epoll_pwait2",
    "epoll_wait",      "eventfd",         "eventfd2",  "poll",        "ppoll",
    "pselect6",        "select",          "signalfd",  "signalfd4",   "timerfd_create",
    "timerfd_gettime", "timerfd_settime",
};

// mlock stays within RLIMIT_MEMLOCK; memfd_create backs JITs and multiprocessing; membarrier
// is used by JIT runtimes.
constexpr std::string_view kUntrustedMemory[] = {
    "membarrier", "memfd_create", "mincore", "mlock", "mlock2", "msync", "munlock",
};

// Threads and process bookkeeping. The set*id calls can only move between the process's own
// ids without CAP_SETUID/CAP_SETGID, and programs that drop privileges abort when they fail.
constexpr std::string_view kUntrustedProcesses[] = {
    "capget",
    "execveat",
    "fork",
    "futex_waitv",
    "get_robust_list",
    "getcpu",
    "getpgid",
    "getpgrp",
    "getpriority",
    "getresgid",
    "getresuid",
    "getrlimit",
    "getrusage",
    "getsid",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "pidfd_open",
    "pidfd_send_signal",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getaffinity",
    "sched_getparam",
    "sched_getscheduler",
    "sched_yield",
    "seccomp",
    "setfsgid",
    "setfsuid",
    "setgid",
    "setgroups",
    "setpgid",
    "setregid",
    "setresgid",
    "setresuid",
    "setreuid",
    "setrlimit",
    "setsid",
    "setuid",
    "times",
    "tkill",
};

constexpr std::string_view kUntrustedSignalsAndTime[] = {
    "alarm",
    "clock_getres",
    "getitimer",
    "pause",
    "rt_sigpending",
    "rt_sigqueueinfo",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_tgsigqueueinfo",
    "setitimer",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_settime",
};

// socket and socketpair are ruled below, by address family.
constexpr std::string_view kUntrustedSockets[] = {
    "accept",     "accept4", "bind",       "connect",  "getpeername", "getsockname",
    "getsockopt", "listen",  "recvfrom",   "recvmmsg", "recvmsg",     "sendmmsg",
    "sendmsg",    "sendto",  "setsockopt", "shutdown",
};

// Names of the base set that the untrusted profile governs with argument rules instead.
constexpr std::string_view kUntrustedRuled[] = {"clone", "ioctl"};

// ioctl's TIOCSETD: a line discipline is kernel code reached through any terminal, the
// caller's included when it is the sandbox's stdin (n_hdlc CVE-2017-2636, n_gsm CVE-2023-6546,
// slcan CVE-2020-14416; n_null makes the caller's terminal swallow every key). Every other
// request stays allowed: isatty() and window sizes need TCGETS and TIOCGWINSZ.
constexpr std::uint64_t kTiocsetd = 0x5423;

// prctl options a program may use on itself: names, parent-death signal, dumpable, seccomp
// and no_new_privs (only ever tighten), reading the bounding and ambient sets, subreaper,
// timer slack, THP state and naming anonymous mappings (glibc 2.38+). Refused: PR_SET_MM,
// PR_SET_PTRACER, PR_SET_SPECULATION_CTRL, PR_SET_IO_FLUSHER and the rest.
constexpr std::uint64_t kUntrustedPrctlOptions[] = {
    1,           // PR_SET_PDEATHSIG
    2,           // PR_GET_PDEATHSIG
    3,           // PR_GET_DUMPABLE
    4,           // PR_SET_DUMPABLE
    7,           // PR_GET_KEEPCAPS
    15,          // PR_SET_NAME
    16,          // PR_GET_NAME
    21,          // PR_GET_SECCOMP
    22,          // PR_SET_SECCOMP
    23,          // PR_CAPBSET_READ
    29,          // PR_SET_TIMERSLACK
    30,          // PR_GET_TIMERSLACK
    36,          // PR_SET_CHILD_SUBREAPER
    37,          // PR_GET_CHILD_SUBREAPER
    38,          // PR_SET_NO_NEW_PRIVS
    39,          // PR_GET_NO_NEW_PRIVS
    42,          // PR_GET_THP_DISABLE
    47,          // PR_CAP_AMBIENT (libcap reads the ambient set with it)
    0x53564d41,  // PR_SET_VMA
};

// mknod may make FIFOs (mkfifo) only: S_IFMT 0170000, S_IFIFO 0010000. Device nodes need
// CAP_MKNOD anyway; sockets are made with bind.
constexpr std::uint64_t kModeTypeMask = 0170000;
constexpr std::uint64_t kModeFifo = 0010000;

}  // namespace

SyscallPolicy docker_like_policy(CapSet allowed_caps) {
    SyscallPolicy policy;
    policy.default_action = SyscallAction::errno_ret;
    policy.default_errno = EPERM;

    policy.allowed.reserve(name_count());
    for (Names group : kDockerGroups) {
        // The only group with names the linked libseccomp may not know (no name repeats).
        const bool check = group.data() == std::data(kDockerNewerThanLibseccomp);
        for (std::string_view name : group) {
            if (!check || known_to_libseccomp(name)) policy.allowed.emplace_back(name);
        }
    }
    // A grant may repeat a group's name (ptrace) or another grant's (syslog, bpf): the first
    // place stays.
    const auto granted_from = static_cast<std::ptrdiff_t>(policy.allowed.size());
    for (const CapGrant& grant : kDockerCapGrants) {
        if ((allowed_caps & cap_bit(grant.cap)) == 0) continue;
        for (std::string_view name : grant.names) {
            if (!usable(name) || in_docker_groups(name)) continue;
            const auto first = policy.allowed.begin() + granted_from;
            if (std::find(first, policy.allowed.end(), name) != policy.allowed.end()) continue;
            policy.allowed.emplace_back(name);
        }
    }

    add_personality_rules(policy);

    add_socket_rules(policy);

    // With CAP_SYS_ADMIN, clone and clone3 are in the grant above; without it, Docker limits
    // clone to no namespace flags and answers clone3 with ENOSYS.
    if ((allowed_caps & cap_bit(CAP_SYS_ADMIN)) == 0) {
        add_clone_rules(policy);
    }
    return policy;
}

void add_clone_and_socket_rules(SyscallPolicy& policy) {
    add_clone_rules(policy);
    add_socket_rules(policy);
}

const std::vector<std::string>& base_syscalls() {
    static const std::vector<std::string> names(std::begin(kBase), std::end(kBase));
    return names;
}

SyscallPolicy untrusted_policy() {
    SyscallPolicy policy;
    policy.default_action = SyscallAction::errno_ret;
    policy.default_errno = EPERM;

    for (std::string_view name : kBase) {
        if (!in(kUntrustedRuled, name)) {
            policy.allowed.emplace_back(name);
        }
    }
    for (Names group :
         {Names(kUntrustedFiles), Names(kUntrustedEvents), Names(kUntrustedMemory),
          Names(kUntrustedProcesses), Names(kUntrustedSignalsAndTime), Names(kUntrustedSockets)}) {
        add(policy.allowed, group);
    }

    add_clone_rules(policy);
    add_personality_rules(policy);
    for (std::uint64_t family : {kAfUnix, kAfInet, kAfInet6}) {
        policy.rules.push_back(allow_if("socket", {arg_eq(0, family)}));
    }
    policy.rules.push_back(allow_if("socketpair", {arg_eq(0, kAfUnix)}));
    // Compiled as two ranges around the request and a guard refusing upper bits, which the
    // kernel would drop (compile.cpp, narrow_to_kernel_width).
    policy.rules.push_back(allow_if("ioctl", {{1, ArgCondition::Op::ne, kTiocsetd, 0}}));
    for (std::uint64_t option : kUntrustedPrctlOptions) {
        policy.rules.push_back(allow_if("prctl", {arg_eq(0, option)}));
    }
    ArgCondition fifo_only_arg1{1, ArgCondition::Op::masked_eq, kModeTypeMask, kModeFifo};
    ArgCondition fifo_only_arg2{2, ArgCondition::Op::masked_eq, kModeTypeMask, kModeFifo};
    policy.rules.push_back(allow_if("mknod", {fifo_only_arg1}));
    policy.rules.push_back(allow_if("mknodat", {fifo_only_arg2}));
    return policy;
}

}  // namespace containerv::seccomp
