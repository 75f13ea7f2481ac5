// The order of the set-up. Supervisor: clone the sandbox's pid 1 into new namespaces, write
// its id maps, let it go, pass signals on, report its exit. Pid 1: build the root, name the
// host, bring lo up, fork the command, then shed every privilege and wait. Command: trim the
// bounding set, take the profile's identity and capabilities, no_new_privs, seccomp, exec.
#include "linux/launcher.hpp"

#include "base/sanitizer.hpp"
#include "linux/capabilities.hpp"
#include "linux/fault.hpp"
#include "linux/identity.hpp"
#include "linux/idmap.hpp"
#include "linux/init.hpp"
#include "linux/landlock.hpp"
#include "linux/network.hpp"
#include "linux/rootfs.hpp"
#include "linux/seccomp_notify.hpp"
#include "linux/step_error.hpp"

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sched.h>
#include <linux/futex.h>
#include <linux/close_range.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ctime>
#include <unistd.h>

namespace containerv::linux_ {
namespace {

// Everything exec needs, made before clone so the sandbox only reads it.
struct ExecArgs {
    std::vector<std::string> candidates;  // where argv[0] may be, in PATH order
    std::vector<char*> argv;
    std::vector<char*> envp;
};

ExecArgs prepare_exec(const Plan& plan) {
    ExecArgs ex;
    for (const auto& arg : plan.argv) ex.argv.push_back(const_cast<char*>(arg.c_str()));
    ex.argv.push_back(nullptr);
    std::string path;
    for (const auto& kv : plan.env) {
        ex.envp.push_back(const_cast<char*>(kv.c_str()));
        if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5);
    }
    ex.envp.push_back(nullptr);

    const std::string& name = plan.argv.front();
    if (name.find('/') != std::string::npos) {
        ex.candidates.push_back(name);
        return ex;
    }
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        ex.candidates.push_back((dir.empty() ? "." : dir) + "/" + name);
        start = end + 1;
    }
    return ex;
}

// run --explain: how the listener of the command's filter reaches the supervisor. Both made
// before clone: a socket to the supervisor and a page shared by the command and its helper.
struct ExplainChannel {
    int socket = -1;       // -1: no explain mode
    int* words = nullptr;  // [0] the listener (-1 not yet, -2 load failed); [1] 0, 1 sent, -errno
};

void report(int fd) {
    const StepError& e = last_error();
    if (write(fd, &e, sizeof e) < 0) {
        // Nothing more to do: the supervisor sees the exit status.
    }
}

[[noreturn]] CV_AFTER_FILTER void die(int report_fd) {
    report(report_fd);
    _exit(125);
}

// Test builds (fault.hpp): `step` fails here, recorded as any failure is. Always false in a
// release build, where the compiler drops the check.
bool injected(const char* step) {
    if (!fault(step)) return false;
    fail(step, "fault injection", "", ECANCELED);
    return true;
}

Error injected_error(const char* step) {
    return Error::sys(step, "fault injection", "", ECANCELED);
}

[[noreturn]] CV_AFTER_FILTER void exec_command(const ExecArgs& ex, int report_fd) {
    if (injected("exec")) die(report_fd);
    int err = ENOENT;
    bool denied = false;
    for (const auto& candidate : ex.candidates) {
        execve(candidate.c_str(), ex.argv.data(), ex.envp.data());
        err = errno;
        if (err == EACCES)
            denied = true;
        else if (err != ENOENT && err != ENOTDIR && err != ELOOP && err != ENAMETOOLONG)
            break;
    }
    if (denied && (err == ENOENT || err == ENOTDIR)) err = EACCES;
    fail("exec", "execve", ex.argv[0], err);
    set_error_kind(StepError::exec);
    report(report_fd);
    _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

// --isolation landlock started by a user without privilege: no namespace of its own.
bool unprivileged_host(const Plan& plan) {
    return plan.isolation == Isolation::landlock && plan.rootless;
}

// Loads the command's filter. In explain mode the listener must reach the supervisor, yet
// once the filter is on, any call the profile refuses waits for that very listener: sending
// it with sendmsg could hang forever. So a helper made just before the load, sharing the
// descriptor table (CLONE_FILES) but not the filter, sends it; the command waits for the
// helper by spinning on shared memory, without a system call, so the listener is with the
// supervisor before the command is executed. The helper is pid 1's child (CLONE_PARENT),
// reaped there, and not dumpable.
int load_filter(const Plan& plan, const ExplainChannel& ch) {
    if (ch.socket < 0) return seccomp::load(plan.filter);
    __atomic_store_n(&ch.words[0], -1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&ch.words[1], 0, __ATOMIC_SEQ_CST);
    long helper =
        syscall(SYS_clone, CLONE_FILES | CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, 0);
    if (helper < 0) return errno;
    if (helper == 0) {
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        int fd;
        while ((fd = __atomic_load_n(&ch.words[0], __ATOMIC_ACQUIRE)) == -1) {
            // The command cannot wake us (a futex wake could be a refused call): nap briefly.
            timespec nap{0, 1000000};
            syscall(SYS_futex, &ch.words[0], FUTEX_WAIT, -1, &nap, nullptr, 0);
        }
        int err = fd >= 0 ? send_listener(ch.socket, fd) : 0;
        __atomic_store_n(&ch.words[1], err == 0 ? 1 : -err, __ATOMIC_RELEASE);
        _exit(0);
    }
    int listener = -1;
    int err = seccomp::load_with_listener(plan.filter, &listener);
    __atomic_store_n(&ch.words[0], err == 0 ? listener : -2, __ATOMIC_RELEASE);
    if (err != 0) return err;
    int done;
    while ((done = __atomic_load_n(&ch.words[1], __ATOMIC_ACQUIRE)) == 0) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    // The listener is close-on-exec here; the supervisor holds its own copy.
    return done > 0 ? 0 : -done;
}

[[noreturn]] CV_AFTER_FILTER void run_command(const Plan& plan, const ExecArgs& ex, int report_fd,
                                              const ExplainChannel& ch) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    // Landlock on the finished tree, while the namespace's CAP_SYS_ADMIN still allows it
    // without no_new_privs; a rootless --isolation landlock has no such capability and waits
    // for no_new_privs below.
    if (injected("landlock")) die(report_fd);
    if (plan.landlock.enabled && !plan.landlock.after_no_new_privs &&
        apply_landlock(plan.landlock) != 0)
        die(report_fd);
    // Without no_new_privs the kernel only takes a filter from a holder of CAP_SYS_ADMIN, so
    // the filter goes on before the capabilities are dropped, as runc does; it must then
    // allow the set-up calls that follow (prctl, setgroups, setres[ug]id, capset, execve).
    if (!plan.no_new_privileges && plan.has_filter) {
        if (int err = load_filter(plan, ch)) {
            fail("seccomp", "seccomp(SECCOMP_SET_MODE_FILTER)", "", err);
            die(report_fd);
        }
    }
    // Without a user namespace and without privilege there is no bounding set to trim: the
    // caller holds no capability, and no_new_privs keeps exec from granting one.
    if (injected("capabilities")) die(report_fd);
    if (!unprivileged_host(plan) && drop_bounding(plan.caps, plan.cap_last_cap) != 0)
        die(report_fd);
    if (injected("identity") || set_identity(plan.uid, plan.gid, plan.clear_groups) != 0)
        die(report_fd);
    if (set_capabilities(plan.caps, plan.uid != 0, plan.cap_last_cap) != 0) die(report_fd);
    if (injected("cwd")) die(report_fd);

    if (!plan.cwd.empty() && chdir(plan.cwd.c_str()) != 0) {
        fail("cwd", "chdir", plan.cwd.c_str());
        die(report_fd);
    }
    if (plan.cwd.empty()) {
        // The caller's directory, as bubblewrap does, when the sandbox has it; else /.
        if (chdir(plan.caller_cwd.c_str()) != 0 && chdir("/") != 0) {
            fail("cwd", "chdir", "/");
            die(report_fd);
        }
    }

    // The profile's rlimits: lowering needs no privilege; the plan kept hard limits within the
    // caller's, which no process (not even the sandbox's root) could raise.
    if (injected("rlimits")) die(report_fd);
    for (const auto& l : plan.rlimits) {
        struct rlimit value = {static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)};
        if (setrlimit(static_cast<__rlimit_resource>(l.resource), &value) != 0) {
            fail("rlimits", "setrlimit", l.name);
            die(report_fd);
        }
    }

    // Nothing but stdio crosses into the command: every other descriptor closes on exec.
    if (injected("descriptors")) die(report_fd);
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        fail("descriptors", "close_range", "");
        die(report_fd);
    }
    if (injected("no_new_privileges")) die(report_fd);
    if (plan.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fail("no_new_privileges", "prctl(PR_SET_NO_NEW_PRIVS)", "");
        die(report_fd);
    }
    if (plan.landlock.enabled && plan.landlock.after_no_new_privs &&
        apply_landlock(plan.landlock) != 0)
        die(report_fd);
    if (injected("seccomp")) die(report_fd);
    if (plan.no_new_privileges && plan.has_filter) {
        if (int err = load_filter(plan, ch)) {
            fail("seccomp", "seccomp(SECCOMP_SET_MODE_FILTER)", "", err);
            die(report_fd);
        }
    }
    exec_command(ex, report_fd);
}

// Pid 1 keeps no privilege the command lacks: no capability, the same ids, not dumpable (so
// the command cannot ptrace it), and a filter that allows only waiting and signalling.
[[noreturn]] CV_AFTER_FILTER void become_init(const Plan& plan, pid_t command, int go_fd,
                                              int report_fd, int status_fd) {
    if (injected("init-shed")) die(report_fd);
    if (!unprivileged_host(plan) && drop_bounding(0, plan.cap_last_cap) != 0) die(report_fd);
    if (set_identity(plan.uid, plan.gid, plan.clear_groups) != 0) die(report_fd);
    if (set_capabilities(0, false, plan.cap_last_cap) != 0) die(report_fd);

    // The identity change cleared the parent-death signal; set it again, then make sure the
    // supervisor did not die in between (its end of the go pipe would be closed).
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        fail("init", "prctl(PR_SET_PDEATHSIG)", "");
        die(report_fd);
    }
    char byte;
    // A peek, not a read: the second release may be waiting already, and must stay there.
    if (recv(go_fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK) == 0) _exit(125);
    close(go_fd);

    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fail("init", "prctl", "");
        die(report_fd);
    }
    // Every descriptor but stdio, the report pipe and the status pipe goes.
    int low = report_fd < status_fd ? report_fd : status_fd;
    int high = report_fd < status_fd ? status_fd : report_fd;
    if (low > 3) syscall(SYS_close_range, 3, low - 1, 0);
    if (high > low + 1) syscall(SYS_close_range, low + 1, high - 1, 0);
    syscall(SYS_close_range, high + 1, ~0U, 0);
    // No init filter either when the host has no seccomp and the user accepted that.
    if (int err = plan.has_filter ? seccomp::load(plan.init_filter) : 0) {
        fail("init", "seccomp(SECCOMP_SET_MODE_FILTER)", "", err);
        die(report_fd);
    }
    close(report_fd);
    run_init(command, status_fd);
}

// noexcept: an exception in the clone child ends it here, in std::terminate. Unwinding would
// run the destructors of the supervisor's frames it has a copy of (removing the cgroup) and
// reach a handler that carries on as the caller: the C API's guarded() would return into
// the embedding program in the child too, and the CLI's main would report a failure.
[[noreturn]] void sandbox_main(const Plan& plan, const ExecArgs& ex, int go_fd, int report_fd,
                               int status_fd, const ExplainChannel& ch, int host_layer) noexcept {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        fail("init", "prctl(PR_SET_PDEATHSIG)", "");
        die(report_fd);
    }
    // Released in two steps (see Sandbox::start): first once the id maps are written, then
    // once the supervisor has moved this process into the sandbox's cgroup.
    char byte;
    if (read(go_fd, &byte, 1) != 1) _exit(125);  // the supervisor failed or died
    if (injected("init")) die(report_fd);

    // A new session without a controlling terminal: TIOCSTI and TIOCLINUX on the caller's
    // terminal then fail with EPERM, so nothing in the sandbox can type into the shell that
    // started it (CVE-2017-5226 in bubblewrap). Terminal signals reach the supervisor only,
    // which passes them on.
    if (setsid() < 0) {
        fail("init", "setsid", "");
        die(report_fd);
    }

    // As root, the process still holds host uid 0, which the namespace does not map; become
    // the namespace's root (an unprivileged host id) before creating anything.
    // --isolation landlock: no namespaces, so no root to build and no name to give; the
    // command's Landlock domain carries the profile on the host's own tree.
    const bool namespaced = plan.isolation == Isolation::namespaces;
    if (injected("identity-root")) die(report_fd);
    if (namespaced && !plan.rootless && (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)) {
        fail("identity", "setresuid", "0");
        die(report_fd);
    }
    // The id change cleared the parent-death signal: without it again, a supervisor killed
    // while the root is built would leave pid 1 to finish the set-up and start the command
    // (found by the fault test). Then make sure the supervisor did not die in between.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        fail("init", "prctl(PR_SET_PDEATHSIG)", "");
        die(report_fd);
    }
    // A peek, not a read: the second release may be waiting already, and must stay there.
    if (recv(go_fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK) == 0) _exit(125);
    if (injected("rootfs") ||
        (namespaced && build_root(plan.root, plan.uid, plan.gid, host_layer) != 0))
        die(report_fd);
    if (injected("uts")) die(report_fd);
    if (namespaced && sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
        fail("uts", "sethostname", plan.hostname.c_str());
        die(report_fd);
    }
    if (injected("network") || (namespaced && plan.loopback_up && bring_loopback_up() != 0))
        die(report_fd);

    // Only our own code ran so far: nothing forks and nothing of the command runs before the
    // move into the cgroup, whose limits then hold for every process of the sandbox.
    if (read(go_fd, &byte, 1) != 1) _exit(125);

    // Now inside its own cgroup: a cgroup namespace rooted there, so the sandbox sees its
    // group as "/" and nothing of the host's tree above it (the one clone made is rooted at
    // the caller's group).
    if (plan.cgroup.version != CgroupVersion::none && unshare(CLONE_NEWCGROUP) != 0) {
        fail("namespaces", "unshare(CLONE_NEWCGROUP)", "");
        die(report_fd);
    }

    pid_t command = injected("fork") ? -1 : fork();
    if (command < 0) {
        if (errno != ECANCELED) fail("init", "fork", "");
        die(report_fd);
    }
    if (command == 0) {
        close(go_fd);
        close(status_fd);
        run_command(plan, ex, report_fd, ch);
    }
    become_init(plan, command, go_fd, report_fd, status_fd);
}

// Reads the one failure record the sandbox may send; EOF without one means the command was
// executed (the pipe is close-on-exec) or the sandbox died without a word.
StepError read_report(int fd) {
    StepError e{};
    char* p = reinterpret_cast<char*>(&e);
    size_t got = 0;
    while (got < sizeof e) {
        ssize_t n = read(fd, p + got, sizeof e - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    if (got != sizeof e) e = StepError{};
    return e;
}

}  // namespace

Result<Sandbox> Sandbox::start(const Plan& plan) {
    fault_init();
    ExecArgs ex = prepare_exec(plan);

    // The group exists, limits written, before the sandbox does; groups left by supervisors
    // that were killed go first.
    std::unique_ptr<Cgroup> cgroup;
    if (plan.cgroup.version != CgroupVersion::none) {
        remove_stale_cgroups(plan.cgroup.version, plan.cgroup.unified_root);
        auto made = create_cgroup(plan.cgroup);
        if (!made) return made.error();
        cgroup = std::move(*made);
        if (fault("cgroup")) return injected_error("cgroup");  // the made group goes too
    }

    // A writable host root as one overlay: its lower, the host's root file system without
    // the mounts below, is cloned here, outside the user namespace (plan.cpp says why).
    Fd host_layer;
    if (plan.root.one_layer) {
        auto lower = clone_host_layer();
        if (!lower) return lower.error();
        host_layer = std::move(*lower);
    }

    // The go channel is a socket, not a pipe: the second release is sent while pid 1 may
    // already have died of a failed step, and send(MSG_NOSIGNAL) then fails with EPIPE where
    // a pipe's write would raise SIGPIPE in the supervisor.
    int go[2];
    int rep[2];
    int st[2];
    if (fault("launch")) return injected_error("launch");
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) != 0)
        return Error::sys("launch", "socketpair", "go", errno);
    if (pipe2(rep, O_CLOEXEC) != 0) {
        int err = errno;
        close(go[0]);
        close(go[1]);
        return Error::sys("launch", "pipe2", "", err);
    }
    if (pipe2(st, O_CLOEXEC | O_NONBLOCK) != 0) {
        int err = errno;
        for (int fd : {go[0], go[1], rep[0], rep[1]}) close(fd);
        return Error::sys("launch", "pipe2", "", err);
    }

    ExplainChannel ch;
    int explain_sock[2] = {-1, -1};
    if (plan.explain && plan.has_filter) {
        void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        bool ok = page != MAP_FAILED &&
                  socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, explain_sock) == 0;
        if (!ok) {
            int err = errno;
            if (page != MAP_FAILED) munmap(page, 4096);
            for (int fd : {go[0], go[1], rep[0], rep[1], st[0], st[1]}) close(fd);
            return Error::sys("explain", page == MAP_FAILED ? "mmap" : "socketpair", "", err);
        }
        ch.socket = explain_sock[1];
        ch.words = static_cast<int*>(page);
    }

    // Pid 1 takes the forwarded signals with sigwaitinfo, so it must start with them
    // blocked; the caller's own mask is restored right after clone.
    sigset_t signals = init_signals();
    sigset_t old;
    sigprocmask(SIG_BLOCK, &signals, &old);
    (void)fflush(nullptr);  // nothing buffered twice; a failure here changes nothing

    // A raw clone with fork semantics: the child starts in its new namespaces as pid 1.
    long pid = fault("namespaces")
                   ? -1
                   : syscall(SYS_clone, plan.clone_flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
    if (pid == 0) {
        close(go[1]);
        close(rep[0]);
        close(st[0]);
        if (explain_sock[0] >= 0) close(explain_sock[0]);
        sandbox_main(plan, ex, go[0], rep[1], st[1], ch, host_layer.get());
    }
    int clone_errno = errno;
    host_layer.reset(-1);  // pid 1 holds its own copy
    sigprocmask(SIG_SETMASK, &old, nullptr);
    close(go[0]);
    close(rep[1]);
    close(st[1]);
    if (ch.words) munmap(ch.words, 4096);
    if (explain_sock[1] >= 0) close(explain_sock[1]);
    if (pid < 0) {
        close(go[1]);
        close(rep[0]);
        close(st[0]);
        if (explain_sock[0] >= 0) close(explain_sock[0]);
        return Error::sys("namespaces", "clone", "", clone_errno);
    }

    Sandbox sandbox(static_cast<pid_t>(pid), go[1], st[0]);
    sandbox.started_ = std::chrono::steady_clock::now();
    sandbox.cgroup_ = std::move(cgroup);
    sandbox.report_.memory_limit = plan.cgroup.memory;
    sandbox.report_.pids_limit = plan.cgroup.pids;
    sandbox.report_.cpu_seconds_limit = plan.cpu_seconds;
    std::optional<Error> error;
    if (explain_sock[0] >= 0) {
        // Started before pid 1 is released: a refused call during the set-up's last steps
        // waits for this thread, not for the end of the start.
        auto reporter = DenialReporter::start(
            explain_sock[0], ExplainContext{plan.explain_layout, plan.explain_source,
                                            plan.explain_json, plan.learn});
        if (!reporter) {
            close(rep[0]);
            return reporter.error();
        }
        sandbox.reporter_ = std::move(*reporter);
    }
    // Two releases. The first, once the ids are mapped, lets pid 1 build the root while the
    // supervisor moves it into the cgroup: on cgroup v1 the first write to cgroup.procs waits
    // for an RCU grace period (the kernel's cgroup_threadgroup_rwsem), milliseconds that
    // the root's mounts now fill. The second, once it is in the group, lets it fork the
    // command; pid 1 creates nothing the limits must count before that.
    bool released = false;        // pid 1 runs its set-up: its report must be read
    bool release_failed = false;  // pid 1 is gone: its report says why
    auto release = [&](const char* what) -> std::optional<Error> {
        if (send(go[1], what, 1, MSG_NOSIGNAL) == 1) return std::nullopt;
        release_failed = true;
        return Error::sys("launch", "send", "go socket", errno);
    };
    if (fault("idmap")) {
        error = injected_error("idmap");
    } else if (auto ok =
                   (plan.clone_flags & CLONE_NEWUSER) ? write_id_maps(sandbox.pid_, plan) : Ok{};
               !ok) {
        error = ok.error();
    } else if (auto sent = release("m")) {
        error = sent;
        released = true;  // the report says how pid 1 ended
    } else {
        released = true;
        if (fault("cgroup-add"))
            error = injected_error("cgroup-add");
        else if (auto in = sandbox.cgroup_ ? sandbox.cgroup_->add(sandbox.pid_) : Status(Ok{}); !in)
            error = in.error();
        else if (auto sent2 = release("g"))
            error = sent2;
    }
    if (released) {
        // After a failure of ours, pid 1 stops at its second release (end of stream).
        if (error) shutdown(go[1], SHUT_WR);
        StepError e = read_report(rep[0]);
        if (e.kind != StepError::none && (!error || release_failed))
            error = Error::sys(e.step, e.syscall, e.path, e.err);
    }
    close(rep[0]);
    if (error) return *error;  // the handle's destructor kills and reaps pid 1
    return sandbox;
}

Sandbox::Sandbox(pid_t pid, int life_fd, int status_fd)
    : pid_(pid), life_fd_(life_fd), status_fd_(status_fd) {}

Sandbox::Sandbox(Sandbox&& other) noexcept
    : pid_(other.pid_),
      life_fd_(other.life_fd_),
      status_fd_(other.status_fd_),
      status_(other.status_),
      cgroup_(std::move(other.cgroup_)),
      started_(other.started_),
      report_(other.report_),
      reporter_(std::move(other.reporter_)) {
    other.pid_ = -1;
    other.life_fd_ = -1;
    other.status_fd_ = -1;
}

Sandbox& Sandbox::operator=(Sandbox&& other) noexcept {
    if (this != &other) {
        Sandbox ended(std::move(*this));  // its destructor kills and reaps the current one
        pid_ = other.pid_;
        life_fd_ = other.life_fd_;
        status_fd_ = other.status_fd_;
        status_ = other.status_;
        cgroup_ = std::move(other.cgroup_);
        started_ = other.started_;
        report_ = other.report_;
        reporter_ = std::move(other.reporter_);
        other.pid_ = -1;
        other.life_fd_ = -1;
        other.status_fd_ = -1;
    }
    return *this;
}

Sandbox::~Sandbox() {
    if (pid_ > 0) {
        kill_tree();
        while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }
    release();
}

// SIGKILL to pid 1 ends its pid namespace, so every process of the tree; a v2 group is also
// killed as a whole (cgroup.kill), which reaches a process that left the pid namespace's view.
void Sandbox::kill_tree() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    if (cgroup_) cgroup_->kill_all();
}

// Closes what the handle holds and removes the cgroup: every way a handle ends comes here.
void Sandbox::release() {
    if (life_fd_ >= 0) close(life_fd_);
    life_fd_ = -1;
    if (status_fd_ >= 0) close(status_fd_);
    status_fd_ = -1;
    if (cgroup_) {
        // Under namespaces the group is empty by now (pid 1's end took its pid namespace
        // along) and the first removal succeeds; under --isolation landlock processes the
        // command left behind keep it busy: they end with the sandbox, and the kernel needs
        // a moment to empty the group.
        Status ok = cgroup_->remove();
        for (int tries = 0; !ok && tries < 50; ++tries) {
            timespec pause{0, 20'000'000};
            nanosleep(&pause, nullptr);
            cgroup_->kill_all();
            ok = cgroup_->remove();
        }
        if (!ok) (void)std::fprintf(stderr, "containerv: %s\n", ok.error().to_string().c_str());
        cgroup_.reset();
    }
}

std::vector<std::string> Sandbox::cgroup_paths() const {
    return cgroup_ ? cgroup_->paths() : std::vector<std::string>{};
}

Status Sandbox::kill(int sig) const {
    if (pid_ <= 0) return Error::msg("sandbox", "not running");
    if (::kill(pid_, sig) != 0) return Error::sys("sandbox", "kill", std::to_string(pid_), errno);
    return Ok{};
}

void Sandbox::reap(int status, const struct rusage& usage) {
    ExitReport& r = report_;
    r.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    auto seconds = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
    r.user_cpu_seconds = seconds(usage.ru_utime);
    r.system_cpu_seconds = seconds(usage.ru_stime);

    // The command's own wait status, from pid 1; without it (pid 1 itself was killed) pid 1's.
    int command = 0;
    if (status_fd_ >= 0 && read(status_fd_, &command, sizeof command) == sizeof command) {
        r.command_known = true;
    } else {
        command = status;
    }
    if (WIFSIGNALED(command)) {
        r.signal = WTERMSIG(command);
        status_ = 128 + r.signal;
    } else if (WIFEXITED(command)) {
        r.status = WEXITSTATUS(command);
        status_ = r.status;
    } else {
        status_ = exit_code(status);
    }
    // pid 1 exits with 125 when the set-up failed after the report pipe closed; keep that.
    if (!r.command_known) status_ = exit_code(status);

    if (cgroup_) {
        CgroupUsage u = cgroup_->usage();
        r.oom_killed = u.oom_killed;
        r.pids_limit_hit = u.pids_limit_hit;
        if (u.peak_memory) {
            r.peak_memory = u.peak_memory;
            r.peak_memory_source = "cgroup";
        }
    }
    if (!r.peak_memory) {
        // ru_maxrss of a wait is the largest resident set of the tree's single processes.
        r.peak_memory = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
        r.peak_memory_source = "maxrss";
    }

    const double cpu = r.user_cpu_seconds + r.system_cpu_seconds;
    const bool cpu_limit =
        r.cpu_seconds_limit &&
        (r.signal == SIGXCPU ||
         (r.signal == SIGKILL && cpu >= static_cast<double>(*r.cpu_seconds_limit)));
    using Reason = ExitReport::Reason;
    if (r.timed_out)
        r.reason = Reason::timeout;
    else if (r.oom_killed && r.signal == SIGKILL)
        r.reason = Reason::oom;
    else if (cpu_limit)
        r.reason = Reason::cpu_limit;
    else if (r.pids_limit_hit)
        r.reason = Reason::pids_limit;
    else if (r.signal != 0)
        r.reason = Reason::signaled;
    else
        r.reason = Reason::exited;
    // GNU timeout's convention for a run ended by the clock.
    if (r.timed_out) status_ = 124;
    r.exit_code = status_;

    pid_ = -1;
    if (reporter_) {
        reporter_->finish(status_);
        r.explained = true;
        r.denials = reporter_->events();
        reporter_.reset();
    }
    release();
}

int Sandbox::wait() {
    if (pid_ <= 0) return status_;
    int status = 0;
    struct rusage usage {};
    while (wait4(pid_, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            status = 125 << 8;
            break;
        }
    }
    reap(status, usage);
    return status_;
}

int Sandbox::supervise(const sigset_t& forwarded, std::optional<double> timeout) {
    // SIGCHLD blocked too, so an exit between waitpid and sigwaitinfo stays pending.
    sigset_t wanted = forwarded;
    sigaddset(&wanted, SIGCHLD);
    sigset_t old;
    sigprocmask(SIG_BLOCK, &wanted, &old);
    report_.timeout_seconds = timeout;
    const auto deadline =
        timeout ? started_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(*timeout))
                : std::chrono::steady_clock::time_point::max();
    while (pid_ > 0) {
        int status = 0;
        struct rusage usage {};
        if (wait4(pid_, &status, WNOHANG, &usage) == pid_) {
            reap(status, usage);
            break;
        }
        int sig;
        if (timeout && !report_.timed_out) {
            auto left = deadline - std::chrono::steady_clock::now();
            if (left <= std::chrono::steady_clock::duration::zero()) {
                report_.timed_out = true;
                kill_tree();
                continue;
            }
            auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
            struct timespec ts = {static_cast<time_t>(ns / 1000000000),
                                  static_cast<long>(ns % 1000000000)};
            sig = sigtimedwait(&wanted, nullptr, &ts);
        } else {
            sig = sigwaitinfo(&wanted, nullptr);
        }
        if (sig > 0 && sig != SIGCHLD) ::kill(pid_, sig);
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
    return status_;
}

sigset_t forwarded_signals() {
    sigset_t set = init_signals();
    sigdelset(&set, SIGCHLD);
    return set;
}

int exit_code_for(const Error& error) {
    if (error.step != "exec") return 125;
    return error.err == ENOENT || error.err == ENOTDIR ? 127 : 126;
}

}  // namespace containerv::linux_
