// A --rootfs tree may hold symlinks that an earlier sandbox planted (runc's CVE-2021-30465
// class). Mount points and writable paths are resolved inside the tree, so such a link cannot
// make containerv create or expose anything on the host.
#include "sandbox_run.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace cvtest {
namespace {

namespace fs = std::filesystem;

class RootlessRootfs : public ::testing::Test {
protected:
    void SetUp() override {
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        for (const char* dir : {"proc", "dev", "sys", "bin", "etc", "tmp"}) {
            fs::create_directories(tree_.path() + "/" + dir);
        }
        fs::copy_file(probe_path(), tree_.path() + "/bin/cv-probe");
        ::chmod(outside_.path().c_str(), 0777);  // as the host's /tmp: anyone may write
        // As root the sandbox's root is host id 1000000000 (README): give it the tree.
        if (::geteuid() == 0) {
            for (const auto& entry : fs::recursive_directory_iterator(tree_.path())) {
                EXPECT_EQ(::lchown(entry.path().c_str(), 1000000000, 1000000000), 0);
            }
            EXPECT_EQ(::chown(tree_.path().c_str(), 1000000000, 1000000000), 0);
        }
    }

    // A link at NAME in the tree to the outside directory, the way the sandbox sees the host
    // while its root is built (absolute, under /oldroot) or climbing out of the tree.
    void plant(const std::string& name, const std::string& target) {
        ASSERT_EQ(::symlink(target.c_str(), (tree_.path() + name).c_str()), 0);
        if (::geteuid() == 0) ::lchown((tree_.path() + name).c_str(), 1000000000, 1000000000);
    }

    std::vector<std::string> run(const std::vector<std::string>& options,
                                 const std::vector<std::string>& command) {
        std::vector<std::string> args{"run", "--rootfs", tree_.path()};
        if (rootless_caller_has_other_groups()) {
            args.insert(args.end(), {"--accept-weaker", "process.groups"});
        }
        args.insert(args.end(), options.begin(), options.end());
        args.push_back("--");
        args.insert(args.end(), command.begin(), command.end());
        return args;
    }

    bool outside_is_empty() const { return fs::is_empty(outside_.path()); }

    TempDir tree_{0755};
    TempDir outside_{0777};
    TempDir source_{0755};
};

TEST_F(RootlessRootfs, BindTargetThroughAPlantedLinkCreatesNothingOnTheHost) {
    plant("/data", "/oldroot" + outside_.path());
    plant("/up", "../../../../../../../../.." + outside_.path());
    for (const char* target : {"/data/made", "/up/made"}) {
        Outcome out =
            containerv(run({"--bind", source_.path() + ":" + target}, {"/bin/cv-probe", "status"}));
        EXPECT_TRUE(outside_is_empty()) << target << ": " << out.describe();
    }
}

// The planner already refuses a writable path that is no directory of the tree; the sandbox's
// own resolution is the second layer, for a tree changed between planning and set-up.
TEST_F(RootlessRootfs, WritablePathThroughAPlantedLinkExposesNothingOfTheHost) {
    plant("/w", "/oldroot" + outside_.path());
    std::string profile = source_.path() + "/w.json";
    std::ofstream(profile) << R"({"name": "w", "extends": "default",
        "filesystem": {"read_only_root": true, "writable_paths": ["/w"]}})";
    Outcome out = containerv(run({"--profile", profile}, {"/bin/cv-probe", "write", "/w/x"}));
    EXPECT_TRUE(outside_is_empty()) << out.describe();
}

TEST_F(RootlessRootfs, BindTargetBehindALinkWithinTheTreeIsMade) {
    fs::create_directories(tree_.path() + "/usr/lib");
    if (::geteuid() == 0) ::chown((tree_.path() + "/usr/lib").c_str(), 1000000000, 1000000000);
    if (::geteuid() == 0) ::chown((tree_.path() + "/usr").c_str(), 1000000000, 1000000000);
    plant("/lib", "usr/lib");
    std::ofstream(source_.path() + "/file") << "from the host\n";
    Outcome out = containerv(run({"--bind", source_.path() + ":/lib/host:ro"},
                                 {"/bin/cv-probe", "read", "/usr/lib/host/file"}));
    EXPECT_EQ(out.code(), 0) << out.describe();
    EXPECT_EQ(parse_report(out.out)["result"], "ok") << out.describe();
    EXPECT_TRUE(fs::is_directory(tree_.path() + "/usr/lib/host"));
}

// The host's root: a bind target below another bind (a directory sandboxes can write) may
// pass through a link an earlier run planted. It is resolved inside the new root, so the
// mount point is never made on the host and the caller's source never mounted outside.
TEST(RootlessHostRootBind, TargetThroughAPlantedLinkCreatesNothingOnTheHost) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    TempDir data(0777);
    TempDir outside(0777);
    TempDir source(0755);
    ASSERT_EQ(::symlink(("/oldroot" + outside.path()).c_str(), (data.path() + "/sub").c_str()), 0);
    for (const char* target : {"/data/sub/made", "/data/sub/file"}) {
        std::vector<std::string> args{"run", "--bind", data.path() + ":/data"};
        if (rootless_caller_has_other_groups()) {
            args.insert(args.end(), {"--accept-weaker", "process.groups"});
        }
        const std::string src = std::string(target).ends_with("file") ? "/etc/hostname" : "";
        args.insert(args.end(),
                    {"--bind", (src.empty() ? source.path() : src) + ":" + target + ":ro", "--",
                     "/bin/true"});
        Outcome out = containerv(args);
        EXPECT_TRUE(fs::is_empty(outside.path())) << target << ": " << out.describe();
        EXPECT_NE(out.code(), 0) << target << ": the bind was not made, yet the run went on";
    }
}

}  // namespace
}  // namespace cvtest
