// profile learn from the outside: a Python program that connects to a loopback server made
// here and writes a file is learned, then replayed under the learned profile (it passes), then
// variants that do something new fail with an explained denial.
#include "sandbox_run.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cvtest {
namespace {

// argv: PORT OUT [mount|bind]. Connects, sends, writes OUT; then the variant's new call, whose
// failure is the exit status 3.
constexpr const char* kScript = R"(import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"hello")
s.close()
with open(sys.argv[2], "w") as f:
    f.write("written\n")
extra = sys.argv[3] if len(sys.argv) > 3 else ""
if extra == "mount":
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(b"none", b"/mnt", b"tmpfs", 0, None) != 0:
        print("mount errno", ctypes.get_errno())
        sys.exit(3)
if extra == "bind":
    try:
        socket.socket().bind(("127.0.0.1", 0))
    except OSError as e:
        print("bind errno", e.errno)
        sys.exit(3)
print("ok")
)";

class RootlessLearn : public ::testing::Test {
protected:
    void SetUp() override {
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        std::ofstream(work_.path() + "/app.py") << kScript;
    }

    std::vector<std::string> sandbox_flags() const {
        std::vector<std::string> flags;
        if (rootless_caller_has_other_groups()) {
            flags.push_back("--accept-weaker");
            flags.push_back("process.groups");
        }
        flags.push_back("--bind");
        flags.push_back(work_.path() + ":/work");
        return flags;
    }

    Outcome learn(const std::string& out, const std::vector<std::string>& extra,
                  const std::vector<std::string>& options = {}) {
        std::vector<std::string> args{"profile", "learn", "-o", out};
        args.insert(args.end(), options.begin(), options.end());
        for (const auto& f : sandbox_flags()) args.push_back(f);
        args.push_back("--");
        for (const auto& a : script_args(extra)) args.push_back(a);
        return containerv(args, 120s);
    }

    Outcome replay(const std::string& profile, const std::vector<std::string>& extra) {
        std::vector<std::string> args{"run", "--profile", profile, "--explain"};
        for (const auto& f : sandbox_flags()) args.push_back(f);
        args.push_back("--");
        for (const auto& a : script_args(extra)) args.push_back(a);
        return containerv(args, 120s);
    }

    std::vector<std::string> script_args(const std::vector<std::string>& extra) {
        std::vector<std::string> a{"python3", "/work/app.py", server_.port(),
                                   "/work/out-" + std::to_string(++runs_)};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }

    std::string written(int run) const {
        std::ifstream in(work_.path() + "/out-" + std::to_string(run));
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    static std::string file_text(const std::string& path) {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    static bool has(const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos;
    }

    TempDir work_{0777};
    TempDir out_;
    Listener server_;
    int runs_ = 0;
};

TEST_F(RootlessLearn, LearnedProfileReplaysAndRefusesWhatIsNew) {
    const std::string profile = out_.path() + "/learned.json";
    Outcome learned = learn(profile, {});
    ASSERT_EQ(learned.code(), 0) << learned.describe();
    EXPECT_EQ(written(1), "written\n");
    EXPECT_TRUE(has(learned.err, "Learning is not a security boundary")) << learned.describe();
    EXPECT_TRUE(has(learned.err, "contacted 127.0.0.1:" + server_.port())) << learned.describe();
    EXPECT_TRUE(has(learned.err, "wrote /work/out-1")) << learned.describe();
    const std::string text = file_text(profile);
    EXPECT_TRUE(has(text, R"("extends": "default")")) << text;
    EXPECT_TRUE(has(text, R"("default_action": "errno")")) << text;
    EXPECT_TRUE(has(text, R"("connect")")) << text;
    EXPECT_FALSE(has(text, R"("mount")")) << text;

    // The same program under the learned profile: it passes.
    Outcome same = replay(profile, {});
    EXPECT_EQ(same.code(), 0) << same.describe();
    EXPECT_EQ(same.out, "ok\n") << same.describe();
    EXPECT_EQ(written(2), "written\n");

    // Something new: mount, refused by the learned profile's default, and explained.
    Outcome mount = replay(profile, {"mount"});
    EXPECT_EQ(mount.code(), 3) << mount.describe();
    EXPECT_EQ(mount.out, "mount errno 1\n") << mount.describe();
    EXPECT_TRUE(has(mount.err, "called mount(")) << mount.describe();
    EXPECT_TRUE(has(mount.err, "refused with errno 1 (EPERM) by the default action"))
        << mount.describe();
    EXPECT_TRUE(has(mount.err, "profile " + profile + " at JSON pointer /syscalls/default_action"))
        << mount.describe();

    // Something the default profile allows but this run never did: bind.
    Outcome bind = replay(profile, {"bind"});
    EXPECT_EQ(bind.code(), 3) << bind.describe();
    EXPECT_EQ(bind.out, "bind errno 1\n") << bind.describe();
    EXPECT_TRUE(has(bind.err, "called bind(")) << bind.describe();
}

// A typo in -o is found before the command runs, not after a long learning run.
TEST_F(RootlessLearn, AnUnwritableOutputStopsItBeforeTheRun) {
    const std::string marker = work_.path() + "/ran";
    Outcome outcome = containerv({"profile", "learn", "-o", out_.path() + "/missing/p.json", "--",
                                  "sh", "-c", "touch " + marker});
    EXPECT_EQ(outcome.code(), 125) << outcome.describe();
    EXPECT_FALSE(path_exists(marker)) << outcome.describe();
}

TEST_F(RootlessLearn, AMissingCommandExitsAsRunDoes) {
    const std::string output = out_.path() + "/p.json";
    Outcome outcome = containerv({"profile", "learn", "-o", output, "--", "no-such-command-cv"});
    EXPECT_EQ(outcome.code(), 127) << outcome.describe();
    EXPECT_FALSE(path_exists(output)) << outcome.describe();
}

TEST_F(RootlessLearn, MergedRunsMakeOneProfile) {
    const std::string first = out_.path() + "/first.json";
    const std::string merged = out_.path() + "/merged.json";
    ASSERT_EQ(learn(first, {}).code(), 0);
    Outcome second = learn(merged, {"bind"}, {"--merge", first});
    ASSERT_EQ(second.code(), 0) << second.describe();
    const std::string text = file_text(merged);
    EXPECT_TRUE(has(text, R"("bind")")) << text;
    EXPECT_TRUE(has(text, R"("connect")")) << text;

    Outcome plain = replay(merged, {});
    EXPECT_EQ(plain.code(), 0) << plain.describe();
    Outcome bind = replay(merged, {"bind"});
    EXPECT_EQ(bind.code(), 0) << bind.describe();
    EXPECT_EQ(bind.out, "ok\n") << bind.describe();
}

}  // namespace
}  // namespace cvtest
