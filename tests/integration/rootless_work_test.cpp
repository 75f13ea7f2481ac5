// Real work inside a sandbox, and what a confined program must not reach.
#include "sandbox_run.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace cvtest {
namespace {

class RootlessWork : public ::testing::Test {
protected:
    void SetUp() override {
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        probe_dir();
    }
};

TEST_F(RootlessWork, BuildEnvironmentCompilesAndRunsACProgram) {
    // The source and the program go to /tmp, which build-environment ("/*" writable) may use.
    const std::string script =
        "cd /tmp && printf '%s\\n' '#include <stdio.h>' "
        "'int main(void) { puts(\"built and ran in the sandbox\"); return 0; }' > hello.c && "
        "cc -o hello hello.c && ./hello";
    Outcome outcome = containerv(run_args("build-environment", {"sh", "-c", script}), 120s);
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_EQ(outcome.out, "built and ran in the sandbox\n") << outcome.describe();
}

// The database profile's allow-list is the original design's plus the base set: everyday
// tools run under it, a Python thread starts (clone3 answers ENOSYS, glibc falls back), and
// the sandbox's user shows under the profile's own names.
TEST_F(RootlessWork, DatabaseRunsEverydayToolsAsItsUser) {
    const std::string script =
        "id -un; id -gn; cd /tmp && touch x && ls -l x >/dev/null && mkdir d && mv x d/y && "
        "rm -r d && python3 -c 'import threading; t = threading.Thread(target=print, "
        "args=(\"thread\",)); t.start(); t.join()' && echo done";
    Outcome outcome = containerv(run_args("database", {"sh", "-c", script}), 60s);
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_EQ(outcome.out, "database\ndatabase\nthread\ndone\n") << outcome.describe();
}

TEST_F(RootlessWork, UntrustedCannotConnectToTheHostsLoopback) {
    Listener listener;

    // The same probe reaches the listener from a profile that shares the host's network, so
    // the failure below is the isolation's doing.
    auto shared = probe("default", {"connect", "127.0.0.1", listener.port()});
    EXPECT_EQ(shared["result"], "ok") << "default shares the host's network";
    EXPECT_EQ(listener.accept_all(), 1);

    auto isolated = probe("untrusted", {"connect", "127.0.0.1", listener.port()});
    EXPECT_NE(isolated["result"], "ok") << "untrusted reached 127.0.0.1:" << listener.port();
    EXPECT_EQ(listener.accept_all(), 0) << "a connection from the untrusted sandbox arrived";
}

// tmpfs pages are memory: /dev/shm is capped as Docker caps it, so a profile without a memory
// limit cannot pin the host's RAM there. Filling it past the cap fails with ENOSPC.
TEST(RootlessShm, DevShmHoldsSixtyFourMebibytes) {
    Outcome size = containerv(run_args("untrusted", {"stat", "-f", "-c", "%b %S", "/dev/shm"}));
    ASSERT_EQ(size.code(), 0) << size.describe();
    unsigned long blocks = 0, block_size = 0;
    ASSERT_EQ(std::sscanf(size.out.c_str(), "%lu %lu", &blocks, &block_size), 2) << size.out;
    EXPECT_EQ(blocks * block_size, 64UL << 20) << size.out;
    Outcome fill = containerv(run_args(
        "untrusted", {"sh", "-c", "head -c 100000000 /dev/zero > /dev/shm/fill; echo $?"}));
    EXPECT_NE(fill.err.find("No space left on device"), std::string::npos) << fill.describe();
}

}  // namespace
}  // namespace cvtest
