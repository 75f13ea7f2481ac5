// The order of the set-up. Supervisor: clone the sandbox's pid 1 into new namespaces, write
// its id maps, let it go, pass signals on, report its exit. Pid 1: build the root, name the
// host, bring lo up, fork the command, then shed every privilege and wait. Command: trim the
// bounding set, take the profile's identity and capabilities, no_new_privs, seccomp, exec.
#include "linux/launcher.hpp"

#include "linux/capabilities.hpp"
#include "linux/identity.hpp"
#include "linux/idmap.hpp"
#include "linux/init.hpp"
#include "linux/landlock.hpp"
#include "linux/network.hpp"
#include "linux/rootfs.hpp"
#include "linux/step_error.hpp"

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sched.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

void report(int fd) {
    const StepError& e = last_error();
    if (write(fd, &e, sizeof e) < 0) {
        // Nothing more to do: the supervisor sees the exit status.
    }
}

[[noreturn]] void die(int report_fd) {
    report(report_fd);
    _exit(125);
}

[[noreturn]] void exec_command(const ExecArgs& ex, int report_fd) {
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

[[noreturn]] void run_command(const Plan& plan, const ExecArgs& ex, int report_fd) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    // Landlock on the finished tree, while the namespace's CAP_SYS_ADMIN still allows it
    // without no_new_privs; a rootless --isolation landlock has no such capability and waits
    // for no_new_privs below.
    if (plan.landlock.enabled && !plan.landlock.after_no_new_privs &&
        apply_landlock(plan.landlock) != 0)
        die(report_fd);
    // Without no_new_privs the kernel only takes a filter from a holder of CAP_SYS_ADMIN, so
    // the filter goes on before the capabilities are dropped, as runc does; it must then
    // allow the set-up calls that follow (prctl, setgroups, setres[ug]id, capset, execve).
    if (!plan.no_new_privileges && plan.has_filter) {
        if (int err = seccomp::load(plan.filter)) {
            fail("seccomp", "seccomp(SECCOMP_SET_MODE_FILTER)", "", err);
            die(report_fd);
        }
    }
    // Without a user namespace and without privilege there is no bounding set to trim: the
    // caller holds no capability, and no_new_privs keeps exec from granting one.
    if (!unprivileged_host(plan) && drop_bounding(plan.caps, plan.cap_last_cap) != 0)
        die(report_fd);
    if (set_identity(plan.uid, plan.gid, plan.clear_groups) != 0) die(report_fd);
    if (set_capabilities(plan.caps, plan.uid != 0, plan.cap_last_cap) != 0) die(report_fd);

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

    // Nothing but stdio crosses into the command: every other descriptor closes on exec.
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        fail("descriptors", "close_range", "");
        die(report_fd);
    }
    if (plan.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fail("no_new_privileges", "prctl(PR_SET_NO_NEW_PRIVS)", "");
        die(report_fd);
    }
    if (plan.landlock.enabled && plan.landlock.after_no_new_privs &&
        apply_landlock(plan.landlock) != 0)
        die(report_fd);
    if (plan.no_new_privileges && plan.has_filter) {
        if (int err = seccomp::load(plan.filter)) {
            fail("seccomp", "seccomp(SECCOMP_SET_MODE_FILTER)", "", err);
            die(report_fd);
        }
    }
    exec_command(ex, report_fd);
}

// Pid 1 keeps no privilege the command lacks: no capability, the same ids, not dumpable (so
// the command cannot ptrace it), and a filter that allows only waiting and signalling.
[[noreturn]] void become_init(const Plan& plan, pid_t command, int go_fd, int report_fd) {
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
    if (fcntl(go_fd, F_SETFL, O_NONBLOCK) != 0 || read(go_fd, &byte, 1) == 0) _exit(125);
    close(go_fd);

    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fail("init", "prctl", "");
        die(report_fd);
    }
    if (report_fd > 3) syscall(SYS_close_range, 3, report_fd - 1, 0);
    syscall(SYS_close_range, report_fd + 1, ~0U, 0);
    // No init filter either when the host has no seccomp and the user accepted that.
    if (int err = plan.has_filter ? seccomp::load(plan.init_filter) : 0) {
        fail("init", "seccomp(SECCOMP_SET_MODE_FILTER)", "", err);
        die(report_fd);
    }
    close(report_fd);
    run_init(command);
}

[[noreturn]] void sandbox_main(const Plan& plan, const ExecArgs& ex, int go_fd, int report_fd) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        fail("init", "prctl(PR_SET_PDEATHSIG)", "");
        die(report_fd);
    }
    char byte;
    if (read(go_fd, &byte, 1) != 1) _exit(125);  // the supervisor failed or died

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
    if (namespaced && !plan.rootless && (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)) {
        fail("identity", "setresuid", "0");
        die(report_fd);
    }
    if (namespaced && build_root(plan.root, plan.uid, plan.gid) != 0) die(report_fd);
    if (namespaced && sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
        fail("uts", "sethostname", plan.hostname.c_str());
        die(report_fd);
    }
    if (namespaced && plan.loopback_up && bring_loopback_up() != 0) die(report_fd);

    pid_t command = fork();
    if (command < 0) {
        fail("init", "fork", "");
        die(report_fd);
    }
    if (command == 0) {
        close(go_fd);
        run_command(plan, ex, report_fd);
    }
    become_init(plan, command, go_fd, report_fd);
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
    ExecArgs ex = prepare_exec(plan);
    int go[2];
    int rep[2];
    if (pipe2(go, O_CLOEXEC) != 0) return Error::sys("launch", "pipe2", "", errno);
    if (pipe2(rep, O_CLOEXEC) != 0) {
        int err = errno;
        close(go[0]);
        close(go[1]);
        return Error::sys("launch", "pipe2", "", err);
    }

    // Pid 1 takes the forwarded signals with sigwaitinfo, so it must start with them
    // blocked; the caller's own mask is restored right after clone.
    sigset_t signals = init_signals();
    sigset_t old;
    sigprocmask(SIG_BLOCK, &signals, &old);
    fflush(nullptr);

    // A raw clone with fork semantics: the child starts in its new namespaces as pid 1.
    long pid = syscall(SYS_clone, plan.clone_flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
    if (pid == 0) {
        close(go[1]);
        close(rep[0]);
        sandbox_main(plan, ex, go[0], rep[1]);
    }
    int clone_errno = errno;
    sigprocmask(SIG_SETMASK, &old, nullptr);
    close(go[0]);
    close(rep[1]);
    if (pid < 0) {
        close(go[1]);
        close(rep[0]);
        return Error::sys("namespaces", "clone", "", clone_errno);
    }

    Sandbox sandbox(static_cast<pid_t>(pid), go[1]);
    std::optional<Error> error;
    if (auto ok = (plan.clone_flags & CLONE_NEWUSER) ? write_id_maps(sandbox.pid_, plan) : Ok{};
        !ok)
        error = ok.error();
    else if (write(go[1], "g", 1) != 1)
        error = Error::sys("launch", "write", "go pipe", errno);
    else if (StepError e = read_report(rep[0]); e.kind != StepError::none)
        error = Error::sys(e.step, e.syscall, e.path, e.err);
    close(rep[0]);
    if (error) return *error;  // the handle's destructor kills and reaps pid 1
    return sandbox;
}

Sandbox::Sandbox(Sandbox&& other) noexcept
    : pid_(other.pid_), life_fd_(other.life_fd_), status_(other.status_) {
    other.pid_ = -1;
    other.life_fd_ = -1;
}

Sandbox& Sandbox::operator=(Sandbox&& other) noexcept {
    if (this != &other) {
        this->~Sandbox();
        pid_ = other.pid_;
        life_fd_ = other.life_fd_;
        status_ = other.status_;
        other.pid_ = -1;
        other.life_fd_ = -1;
    }
    return *this;
}

Sandbox::~Sandbox() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    if (life_fd_ >= 0) close(life_fd_);
}

Status Sandbox::kill(int sig) const {
    if (pid_ <= 0) return Error::msg("sandbox", "not running");
    if (::kill(pid_, sig) != 0) return Error::sys("sandbox", "kill", std::to_string(pid_), errno);
    return Ok{};
}

void Sandbox::reap(int status) {
    status_ = exit_code(status);
    pid_ = -1;
    if (life_fd_ >= 0) close(life_fd_);
    life_fd_ = -1;
}

int Sandbox::wait() {
    if (pid_ <= 0) return status_;
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR) {
            status = 125 << 8;
            break;
        }
    }
    reap(status);
    return status_;
}

int Sandbox::supervise(const sigset_t& forwarded) {
    // SIGCHLD blocked too, so an exit between waitpid and sigwaitinfo stays pending.
    sigset_t wanted = forwarded;
    sigaddset(&wanted, SIGCHLD);
    sigset_t old;
    sigprocmask(SIG_BLOCK, &wanted, &old);
    while (pid_ > 0) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            reap(status);
            break;
        }
        int sig = sigwaitinfo(&wanted, nullptr);
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
