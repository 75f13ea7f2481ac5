// A Python program (the host's /usr/bin/python3, from Debian) under the built-in untrusted
// profile as shipped: it computes and prints a result with no network, no capability and
// writes only in /tmp; told to reach the host, write to /etc or fork a thousand children, it
// is refused by the kernel (workloads/untrusted_task.py prints refused=ERRNO, exit 3). As root
// and rootless alike (scripts/test runs it again as an unprivileged user).
#include "workloads.hpp"

#include <unistd.h>

#include <csignal>

namespace cvtest {
namespace {

const char* const kPython = "/usr/bin/python3";

// untrusted_task.py in a world-readable directory bound at /srv (the sandbox's nobody cannot
// reach a checkout under /root).
class Task {
public:
    Task() {
        write_text_file(dir_.path() + "/untrusted_task.py",
                        read_text_file(std::string(CV_WORKLOADS_DIR) + "/untrusted_task.py"));
    }
    std::vector<std::string> argv(const std::vector<std::string>& task_args) const {
        std::vector<std::string> args{"run", "--profile", "untrusted", "--bind",
                                      dir_.path() + ":/srv:ro"};
        if (rootless_caller_has_other_groups()) {
            args.push_back("--accept-weaker");
            args.push_back("process.groups");
        }
        args.insert(args.end(), {"--", "python3", "/srv/untrusted_task.py"});
        args.insert(args.end(), task_args.begin(), task_args.end());
        return containerv_argv(args);
    }
    Outcome run(const std::vector<std::string>& task_args) const {
        return Child(argv(task_args)).wait(120s);
    }

private:
    TempDir dir_;
};

TEST(Untrusted, PythonComputesWithNothingButTmp) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    CV_REQUIRE_PROGRAM(kPython);
    Task task;
    Outcome out = task.run({"compute"});
    ASSERT_EQ(out.code(), 0) << out.describe();
    auto report = parse_report(out.out);
    // 17984 primes below 200000, summing to 1709600813; the result went through /tmp.
    EXPECT_EQ(report["result"], "17984 1709600813") << out.out;
    for (const char* set : {"capeff", "capprm", "capbnd", "capamb"})
        EXPECT_EQ(report[set], "0000000000000000") << set << "\n" << out.out;
}

// The program running passes an audit against its own profile.
TEST(Untrusted, RunningPythonPassesTheAudit) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    CV_REQUIRE_PROGRAM(kPython);
    Task task;
    Child sandbox(task.argv({"compute", "wait"}));
    pid_t python = wait_for_descendant(sandbox.pid(), "python3");
    ASSERT_NE(python, 0) << "no python3 under containerv pid " << sandbox.pid();
    expect_audit_passes(python, "untrusted");
    EXPECT_EQ(uid_inside(python), 65534);
    sandbox.signal(SIGTERM);
    // Not its output: the audit may finish before the computation does, and SIGTERM then
    // ends it early (PythonComputesWithNothingButTmp checks the result). Only that it ended.
    Outcome out = sandbox.wait();
    EXPECT_FALSE(out.timed_out) << out.describe();
}

// A socket to a server on the host's loopback: the sandbox's own network has only its own lo,
// so the connection is refused there and the host's server never sees it.
TEST(Untrusted, NoConnectionReachesTheHost) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    CV_REQUIRE_PROGRAM(kPython);
    Task task;
    Listener host_server;
    Outcome out = task.run({"connect", "127.0.0.1", host_server.port()});
    EXPECT_EQ(out.code(), 3) << out.describe();
    EXPECT_NE(out.out.find("refused=ECONNREFUSED"), std::string::npos) << out.describe();
    EXPECT_EQ(host_server.accept_all(), 0);
}

TEST(Untrusted, WritingToEtcIsRefused) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    CV_REQUIRE_PROGRAM(kPython);
    Task task;
    const std::string target = "/etc/" + unique_name();
    Outcome out = task.run({"write", target});
    EXPECT_EQ(out.code(), 3) << out.describe();
    EXPECT_NE(out.out.find("refused=EROFS"), std::string::npos) << out.describe();
    EXPECT_FALSE(path_exists(target));
}

// A thousand children alive at once: the profile's rlimits.nproc stops the fork that would
// pass it (EAGAIN), and the sandbox ends with every child the program made.
TEST(Untrusted, AThousandChildrenAreStopped) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    CV_REQUIRE_PROGRAM(kPython);
    Task task;
    Outcome out = task.run({"fork", "1000"});
    EXPECT_EQ(out.code(), 3) << out.describe();
    EXPECT_NE(out.out.find("refused=EAGAIN"), std::string::npos) << out.describe();
    EXPECT_EQ(out.out.find("forked="), std::string::npos) << out.describe();
}

}  // namespace
}  // namespace cvtest
