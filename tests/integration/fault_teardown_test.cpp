// Clean teardown under faults (built only with -DCONTAINERV_FAULT_INJECTION=ON, ctest label
// "fault"): every set-up step of src/linux/fault.hpp fails in turn, and the supervisor is
// SIGKILLed while the set-up waits at each step and at random moments. Afterwards nothing of
// the sandbox may remain: no process (this test is a child subreaper, so any orphan of the
// sandbox becomes its child and is seen), no cgroup, no mount, no temporary file. A network
// namespace lives only as long as a process or a mount holds it, so those two checks cover it.
#include "linux/fault.hpp"
#include "sandbox_run.hpp"

#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using namespace cvtest;

// untrusted as root: cgroup limits, an isolated network, the whole set-up.
std::vector<std::string> run_true() {
    return containerv_argv({"run", "--profile", "untrusted", "--", "/bin/true"});
}

const char* const kCgroupParents[] = {
    "/sys/fs/cgroup/memory/containerv",  "/sys/fs/cgroup/cpu/containerv",
    "/sys/fs/cgroup/pids/containerv",    "/sys/fs/cgroup/devices/containerv",
    "/sys/fs/cgroup/unified/containerv", "/sys/fs/cgroup/containerv",
};

// The groups named for supervisor `pid` (cgroups.cpp: "<pid>-<start time>").
std::vector<std::string> cgroups_of(pid_t pid) {
    std::vector<std::string> found;
    const std::string prefix = std::to_string(pid) + "-";
    for (const char* parent : kCgroupParents) {
        DIR* dir = opendir(parent);
        if (dir == nullptr) continue;
        while (dirent* e = readdir(dir))
            if (std::string(e->d_name).rfind(prefix, 0) == 0)
                found.push_back(std::string(parent) + "/" + e->d_name);
        closedir(dir);
    }
    return found;
}

// Our children (the subreaper's adopted orphans included), reaping those that ended.
std::vector<pid_t> children() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    std::vector<pid_t> found;
    const std::string me = std::to_string(getpid());
    DIR* proc = opendir("/proc");
    while (dirent* e = proc ? readdir(proc) : nullptr) {
        std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
        std::string text;
        if (!std::getline(stat, text)) continue;
        auto close = text.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream fields(text.substr(close + 2));
        std::string state, ppid;
        fields >> state >> ppid;
        if (ppid == me) found.push_back(std::atoi(e->d_name));
    }
    if (proc) closedir(proc);
    return found;
}

// Entries scripts/test and the compiler make in /tmp while this runs: not the sandbox's.
std::vector<std::string> own_leftovers(const HostState& before) {
    std::vector<std::string> found;
    for (const auto& line : leftovers(before, HostState::capture()))
        if (line.find("containerv-rootless.") == std::string::npos &&
            line.find("cv-bench.") == std::string::npos)  // other checkouts' benchmarks
            found.push_back(line);
    return found;
}

class FaultTeardown : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_FAIL() << "the fault tests need root (cgroups, all steps)";
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
        before_ = HostState::capture();
    }
    void TearDown() override {
        unsetenv("CONTAINERV_FAULT_STEP");
        unsetenv("CONTAINERV_FAULT_HOLD");
    }

    // Nothing of supervisor `pid` is left; `group_may_stay`: a SIGKILLed supervisor cannot
    // remove its group, which must then be empty (the next start removes it).
    void expect_clean(pid_t pid, const std::string& what, bool group_may_stay = false) {
        EXPECT_TRUE(wait_until([] { return children().empty(); }, 10s))
            << what << ": processes left: " << children().size();
        for (const auto& group : cgroups_of(pid)) {
            if (!group_may_stay) {
                ADD_FAILURE() << what << ": cgroup left: " << group;
                continue;
            }
            std::ifstream procs(group + "/cgroup.procs");
            std::string line;
            EXPECT_FALSE(std::getline(procs, line)) << what << ": " << group << " holds " << line;
        }
        for (const auto& line : own_leftovers(before_)) ADD_FAILURE() << what << ": " << line;
    }

    HostState before_;
};

TEST_F(FaultTeardown, EachStepFailsCleanlyAndIsNamed) {
    for (const char* step : containerv::linux_::kFaultSteps) {
        SCOPED_TRACE(step);
        setenv("CONTAINERV_FAULT_STEP", step, 1);
        Child child(run_true());
        const pid_t pid = child.pid();
        Outcome out = child.wait(60s);
        // A failed execve is "found but could not be executed" (README's exit table), 126;
        // every other step is containerv's own failure, 125.
        EXPECT_EQ(out.code(), std::string(step) == "exec" ? 126 : 125) << out.describe();
        EXPECT_NE(out.err.find(step), std::string::npos) << out.describe();
        EXPECT_NE(out.err.find("Operation canceled"), std::string::npos) << out.describe();
        expect_clean(pid, step);
    }
}

// A supervisor started with its stderr on a pipe we read, so that we see the hold marker.
struct Held {
    pid_t pid = -1;
    int err = -1;
};

Held start_held(const std::vector<std::string>& argv) {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    Held h;
    EXPECT_EQ(posix_spawn(&h.pid, args[0], &actions, nullptr, args.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    h.err = fds[0];
    return h;
}

// Reads stderr until `marker` shows (true) or it closes (false).
bool read_until(int fd, const std::string& marker, std::string& seen) {
    char buf[512];
    while (seen.find(marker) == std::string::npos) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        seen.append(buf, static_cast<size_t>(n));
    }
    return true;
}

TEST_F(FaultTeardown, SupervisorKilledAtEachStep) {
    std::vector<pid_t> killed;
    for (const char* step : containerv::linux_::kFaultSteps) {
        SCOPED_TRACE(step);
        setenv("CONTAINERV_FAULT_HOLD", step, 1);
        Held h = start_held(run_true());
        std::string seen;
        const bool held = read_until(h.err, std::string("holding at ") + step, seen);
        EXPECT_TRUE(held) << "never reached step " << step << ": " << seen;
        kill(h.pid, SIGKILL);
        int status = 0;
        waitpid(h.pid, &status, 0);
        close(h.err);
        killed.push_back(h.pid);
        expect_clean(h.pid, step, true);
    }
    // The next start sweeps the groups the killed supervisors left.
    unsetenv("CONTAINERV_FAULT_HOLD");
    Child sweeper(run_true());  // a run with a cgroup: only those sweep
    Outcome next = sweeper.wait(60s);
    EXPECT_EQ(next.code(), 0) << next.describe();
    for (pid_t pid : killed)
        for (const auto& group : cgroups_of(pid)) ADD_FAILURE() << "not swept: " << group;
}

TEST_F(FaultTeardown, SupervisorKilledAtRandomMoments) {
    std::random_device seed_source;
    const unsigned seed = seed_source();
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_us(0, 60000);
    std::vector<pid_t> killed;
    for (int round = 0; round < 12; ++round) {
        const int delay = delay_us(random);
        SCOPED_TRACE("seed " + std::to_string(seed) + ", kill after " + std::to_string(delay) +
                     " us");
        Held h = start_held(run_true());
        usleep(static_cast<useconds_t>(delay));
        kill(h.pid, SIGKILL);
        waitpid(h.pid, nullptr, 0);
        close(h.err);
        killed.push_back(h.pid);
        expect_clean(h.pid, "random kill", true);
    }
    Child sweeper(run_true());  // a run with a cgroup: only those sweep
    Outcome next = sweeper.wait(60s);
    EXPECT_EQ(next.code(), 0) << next.describe();
    for (pid_t pid : killed)
        for (const auto& group : cgroups_of(pid)) ADD_FAILURE() << "not swept: " << group;
}

}  // namespace
