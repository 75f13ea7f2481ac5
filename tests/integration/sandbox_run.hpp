// What the integration tests share: running the containerv CLI as a child process, reading
// the probe's key=value report, and looking at the host from outside the sandbox.
#pragma once

#include <gtest/gtest.h>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cvtest {

using namespace std::chrono_literals;

// Paths of the binaries under test, from the build (compile definitions).
const std::string& containerv_path();
const std::string& probe_path();

// Where the tests bind the directory holding a copy of cv-probe inside every sandbox. The
// host's own path of the build tree may not be reachable by the sandbox's user (a checkout
// under /root), and the host's /tmp is not the sandbox's /tmp.
inline constexpr const char* kProbeMount = "/srv";
std::string probe_in_sandbox();  // kProbeMount + "/cv-probe"

// A directory created for one test, removed with its contents when the object goes.
class TempDir {
public:
    explicit TempDir(mode_t mode = 0755);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// The probe copied into a world-readable temporary directory, once per test process.
const std::string& probe_dir();

// How a child process ended.
struct Outcome {
    int wait_status = 0;
    bool timed_out = false;
    std::string out;
    std::string err;

    bool exited() const;
    bool signaled() const;
    // The shell's convention: the exit status, or 128 + N when killed by signal N.
    int code() const;
    // stderr split into lines (without the newline).
    std::vector<std::string> err_lines() const;
    // For test failure messages.
    std::string describe() const;
};

// How a Child starts: stdin_path is opened as its stdin; new_session makes it the leader of a
// session of its own first, so that a terminal given as stdin becomes its controlling one.
struct SpawnOptions {
    std::string stdin_path = "/dev/null";
    bool new_session = false;
};

// A running containerv process whose stdout and stderr are captured.
class Child {
public:
    // Starts the binary at argv[0] with this process's environment; stdin is /dev/null.
    explicit Child(const std::vector<std::string>& argv) : Child(argv, SpawnOptions{}) {}
    Child(const std::vector<std::string>& argv, const SpawnOptions& options);
    ~Child();  // kills (SIGKILL) and reaps the child if it still runs
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    // Reads output until the child exits or the limit passes (then SIGKILL, timed_out set).
    Outcome wait(std::chrono::milliseconds limit = 60s);

private:
    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    bool reaped_ = false;
};

// {containerv_path(), ARGS...}
std::vector<std::string> containerv_argv(const std::vector<std::string>& args);

// `containerv ARGS...`, waited for.
Outcome containerv(const std::vector<std::string>& args, std::chrono::milliseconds limit = 60s);

// Arguments for `containerv run` with a profile, the flags it needs here (accept_flags,
// rootless_caller_has_other_groups), the probe directory bound in, and COMMAND.
std::vector<std::string> run_args(const std::string& profile,
                                  const std::vector<std::string>& command,
                                  const std::vector<std::string>& extra_options = {});

// `run -- COMMAND` with the default profile and nothing else but what the caller needs
// (rootless_caller_has_other_groups).
std::vector<std::string> plain_run_args(const std::vector<std::string>& command);

// The flags a built-in profile needs to run here: web-server and database list allowed
// ports, which rootless runs cannot enforce (no cgroup for the BPF programs).
std::vector<std::string> accept_flags(const std::string& profile);

// A profile this host refuses, and the field it names: rootless, database (its ports need a
// cgroup); as root a file wanting SELinux, which this kernel lacks. {--profile argument, field}
std::pair<std::string, std::string> unenforceable_profile();

// Without privilege the kernel keeps the caller's supplementary groups in the sandbox;
// containerv refuses that unless --accept-weaker process.groups, which run_args then passes.
bool rootless_caller_has_other_groups();

// Runs the probe with ARGS under PROFILE and returns its key=value report; the test fails
// (non-fatally) when containerv does not exit 0.
std::map<std::string, std::string> probe(const std::string& profile,
                                         const std::vector<std::string>& args,
                                         const std::vector<std::string>& extra_options = {});

std::map<std::string, std::string> parse_report(const std::string& text);
std::vector<std::string> split(const std::string& text, char sep);

// The reason sandboxes cannot be made on this kernel (no user namespaces for this user), or
// nothing.
std::optional<std::string> missing_kernel_feature();

// True when CONTAINERV_FORBID_SKIP=1 (scripts/test sets it in CI): a skip is then a failure.
bool skips_forbidden();

// GTEST_SKIP with the reason REASON_EXPR gives (an optional string), or a failure when skips
// are forbidden; nothing when it gives none.
#define CV_SKIP_IF(REASON_EXPR)                                                   \
    do {                                                                          \
        if (auto reason_ = (REASON_EXPR)) {                                       \
            if (::cvtest::skips_forbidden()) {                                    \
                FAIL() << "cannot skip (CONTAINERV_FORBID_SKIP=1): " << *reason_; \
            }                                                                     \
            GTEST_SKIP() << *reason_;                                             \
        }                                                                         \
    } while (0)

#define CV_SKIP_IF_KERNEL_LACKS_SANDBOX() CV_SKIP_IF(::cvtest::missing_kernel_feature())

// The host's processes whose command line is ARGV; argv[0] is compared by its last component.
std::vector<pid_t> find_processes(const std::vector<std::string>& argv);

// True while PID exists and is not a zombie.
bool process_alive(pid_t pid);

// PID's name (/proc/PID/comm), "" when it is gone.
std::string comm_of(pid_t pid);

// The first descendant of ROOT (ROOT included) whose name is NAME, or 0.
pid_t find_descendant(pid_t root, const std::string& name);

// find_descendant, polled for up to 30 seconds.
pid_t wait_for_descendant(pid_t root, const std::string& name);

// Polls until pred() or the limit; returns pred()'s last value.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
}

// A name no other test process uses: "cv-<pid>-<n>".
std::string unique_name();

// What a run could leave on the host: mounts of this mount namespace and the entries of the
// usual temporary directories.
struct HostState {
    std::vector<std::string> mounts;
    std::set<std::string> temp_entries;
    static HostState capture();
};

// Lines describing what AFTER has that BEFORE had not.
std::vector<std::string> leftovers(const HostState& before, const HostState& after);

bool path_exists(const std::string& path);

// A TCP listener on the host's loopback, on a port the kernel picks. The backlog completes a
// sandboxed client's connection (and takes its few bytes) without an accept.
class Listener {
public:
    Listener();  // throws std::runtime_error when it cannot listen
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    std::string port() const { return std::to_string(port_); }
    // Connections the kernel completed since the last call.
    int accept_all();

private:
    int fd_ = -1;
    unsigned short port_ = 0;
};

}  // namespace cvtest
