// The sandboxed process and its supervisor: signals, death, descriptors, and the host ids the
// sandbox's ids stand for.
#include "sandbox_run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace cvtest {
namespace {

class RootlessLifecycle : public ::testing::Test {
protected:
    void SetUp() override {
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        probe_dir();
    }

    // Whatever a failed test left running is killed, by its pid, found again by its unique
    // command line so that a reused pid is never hit.
    void TearDown() override {
        for (const auto& argv : started_) {
            for (pid_t pid : find_processes(argv)) ::kill(pid, SIGKILL);
        }
    }

    // Waits for the host to show a process with this command line; remembers it for TearDown.
    std::vector<pid_t> wait_for_process(const std::vector<std::string>& argv) {
        started_.push_back(argv);
        std::vector<pid_t> pids;
        wait_until([&] { return !(pids = find_processes(argv)).empty(); }, 10s);
        return pids;
    }

    static bool all_gone(const std::vector<pid_t>& pids) {
        for (pid_t pid : pids) {
            if (process_alive(pid)) return false;
        }
        return true;
    }

    // A sleep of about 100 seconds whose argument no other process has: 100.<digits>.
    static std::string sleep_argument() {
        static int counter = 0;
        char text[32];
        std::snprintf(text, sizeof text, "100.%07d%02d", static_cast<int>(::getpid()) % 10000000,
                      ++counter % 100);
        return text;
    }

    std::vector<std::vector<std::string>> started_;
};

TEST_F(RootlessLifecycle, SigtermToContainervReachesTheCommand) {
    const std::string seconds = sleep_argument();
    Child child(containerv_argv(plain_run_args({"sleep", seconds})));
    std::vector<pid_t> sleeps = wait_for_process({"sleep", seconds});
    ASSERT_FALSE(sleeps.empty()) << "sleep " << seconds
                                 << " never started: " << child.wait(1s).describe();

    child.signal(SIGTERM);
    Outcome outcome = child.wait(5s);

    EXPECT_EQ(outcome.code(), 128 + SIGTERM) << outcome.describe();
    EXPECT_TRUE(wait_until([&] { return all_gone(sleeps); }, 2s)) << "sleep still runs";
}

TEST_F(RootlessLifecycle, SigtermIsDeliveredToTheCommandsHandler) {
    const std::string seconds = sleep_argument();
    const std::string script =
        "trap 'echo got-term; kill $!; exit 3' TERM; sleep " + seconds + " & wait";
    Child child(containerv_argv(plain_run_args({"sh", "-c", script})));
    // The trap is set before sleep starts.
    std::vector<pid_t> sleeps = wait_for_process({"sleep", seconds});
    ASSERT_FALSE(sleeps.empty()) << "sleep " << seconds
                                 << " never started: " << child.wait(1s).describe();

    child.signal(SIGTERM);
    Outcome outcome = child.wait(5s);

    EXPECT_EQ(outcome.code(), 3) << outcome.describe();
    EXPECT_EQ(outcome.out, "got-term\n") << outcome.describe();
}

TEST_F(RootlessLifecycle, CommandDiesWithTheSupervisor) {
    const std::string seconds = sleep_argument();
    Child child(containerv_argv(plain_run_args({"sleep", seconds})));
    std::vector<pid_t> sleeps = wait_for_process({"sleep", seconds});
    ASSERT_FALSE(sleeps.empty()) << "sleep " << seconds
                                 << " never started: " << child.wait(1s).describe();

    child.signal(SIGKILL);
    child.wait(5s);

    EXPECT_TRUE(wait_until([&] { return all_gone(sleeps); }, 5s))
        << "sleep " << seconds << " outlived containerv";
}

TEST_F(RootlessLifecycle, NoDescriptorButStdioLeaksIn) {
    // Neither is close-on-exec: containerv inherits both and must not pass them on.
    int low = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(low, 0);
    int high = ::fcntl(low, F_DUPFD, 60);
    ASSERT_GE(high, 60);

    Outcome outcome = containerv(plain_run_args({"ls", "/proc/self/fd"}));
    ::close(low);
    ::close(high);

    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    std::vector<std::string> fds = split(outcome.out, '\n');
    if (!fds.empty() && fds.back().empty()) fds.pop_back();
    std::vector<std::string> extra;
    for (const std::string& fd : fds) {
        if (fd != "0" && fd != "1" && fd != "2") extra.push_back(fd);
    }
    EXPECT_EQ(fds.size(), extra.size() + 3) << "stdin, stdout and stderr are open";
    // ls itself has /proc/self/fd open while it lists it.
    EXPECT_LE(extra.size(), 1u) << "descriptors in the sandbox: " << outcome.out;
}

// Reads the "Uid:" or "Gid:" line of /proc/PID/status as the host sees it.
std::vector<std::string> host_ids(pid_t pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key + ":", 0) != 0) continue;
        std::istringstream fields(line.substr(key.size() + 1));
        std::vector<std::string> ids;
        std::string id;
        while (fields >> id) ids.push_back(id);
        return ids;
    }
    return {};
}

// Lines "inside outside count" of /proc/PID/{uid,gid}_map, outside in the host's ids.
std::vector<std::vector<long>> host_map(pid_t pid, const std::string& file) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
    std::vector<std::vector<long>> ranges;
    long inside = 0, outside = 0, count = 0;
    while (in >> inside >> outside >> count) ranges.push_back({inside, outside, count});
    return ranges;
}

TEST_F(RootlessLifecycle, SandboxIdsNeverMapToHostRoot) {
    for (const auto& options : std::vector<std::vector<std::string>>{{}, {"--user", "0:0"}}) {
        const std::string tag = unique_name();
        std::vector<std::string> command{probe_in_sandbox(), "sleep", "30", tag};
        Child sandbox(containerv_argv(run_args("default", command, options)));
        std::vector<pid_t> pids = wait_for_process(command);
        ASSERT_EQ(pids.size(), 1u)
            << ::testing::PrintToString(options) << ": " << sandbox.wait(1s).describe();

        for (const std::string key : {"Uid", "Gid"}) {
            std::vector<std::string> ids = host_ids(pids[0], key);
            ASSERT_EQ(ids.size(), 4u) << key;
            for (const std::string& id : ids) {
                EXPECT_NE(id, "0") << key << " of the sandboxed process on the host, with "
                                   << ::testing::PrintToString(options);
            }
        }
        for (const std::string file : {"uid_map", "gid_map"}) {
            auto ranges = host_map(pids[0], file);
            EXPECT_FALSE(ranges.empty()) << file;
            for (const auto& range : ranges) {
                EXPECT_NE(range[1], 0) << file << " maps " << range[0] << " to host 0";
            }
        }
        sandbox.signal(SIGKILL);
        sandbox.wait(5s);
    }
}

}  // namespace
}  // namespace cvtest
