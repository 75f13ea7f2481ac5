// The writable host root as root: one throw-away overlay of the host's root file system, its
// lower cloned by the supervisor before the user namespace exists (rootfs.cpp). It must keep
// what the README promises of a writable root: each top-level directory writable for the
// sandbox's user, deeper directories of host root closed, the host unchanged, and nothing
// shown that a host mount covers (the lower alone shows it; pid 1 covers it again).
#include "sandbox_run.hpp"

#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace cvtest {
namespace {

class RootWritableRoot : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            // The one overlay needs real root to clone the lower: rootless keeps one per
            // directory, which rootless_tests cover.
            if (skips_forbidden()) FAIL() << "needs root";
            GTEST_SKIP() << "needs root (run as uid " << ::geteuid() << ")";
        }
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        probe_dir();
    }

    // The default profile (writable root, uid 1000) running a shell script.
    static Outcome sh(const std::string& script) {
        return containerv(run_args("default", {"/bin/sh", "-c", script}));
    }
};

// A directory at the top of the host's root with a file in it, and a tmpfs mounted on
// `covered` (the directory itself or one below it), holding a file of its own: what a host
// mount hides. Removed, mount first, when the object goes.
class CoveredDir {
public:
    CoveredDir(const std::string& top, const std::string& covered) : top_(top), covered_(covered) {
        ok_ = ::mkdir(top_.c_str(), 0755) == 0 &&
              (covered_ == top_ || ::mkdir(covered_.c_str(), 0755) == 0);
        std::ofstream(covered_ + "/secret") << "under the mount\n";
        ok_ = ok_ && ::mount("tmpfs", covered_.c_str(), "tmpfs", 0, "mode=0755") == 0;
        mounted_ = ok_;
        std::ofstream(covered_ + "/cover") << "the mount\n";
    }
    ~CoveredDir() {
        if (mounted_) ::umount2(covered_.c_str(), MNT_DETACH);
        std::remove((covered_ + "/secret").c_str());
        if (covered_ != top_) ::rmdir(covered_.c_str());
        ::rmdir(top_.c_str());
    }
    CoveredDir(const CoveredDir&) = delete;
    CoveredDir& operator=(const CoveredDir&) = delete;
    bool ok() const { return ok_; }

private:
    std::string top_;
    std::string covered_;
    bool ok_ = false;
    bool mounted_ = false;
};

TEST_F(RootWritableRoot, TheRootIsOneOverlay) {
    // One overlay per top-level directory would leave / a tmpfs.
    Outcome out = sh("awk '$5 == \"/\"' /proc/self/mountinfo");
    ASSERT_EQ(out.code(), 0) << out.describe();
    EXPECT_NE(out.out.find(" - overlay "), std::string::npos) << out.out;
}

TEST_F(RootWritableRoot, TopLevelDirectoriesAreWritableDeeperHostDirectoriesAreNot) {
    const std::string name = unique_name();
    for (const std::string dir : {"", "/usr", "/etc", "/opt", "/var"}) {
        if (!dir.empty() && !path_exists(dir)) continue;
        const std::string path = dir + "/" + name;
        Outcome out = sh("echo x > " + path + " && cat " + path);
        EXPECT_EQ(out.code(), 0) << path << ": " << out.describe();
        EXPECT_EQ(out.out, "x\n") << path;
        EXPECT_FALSE(path_exists(path)) << path << " appeared on the host";
    }
    // Owned by host root, which the sandbox does not map: closed even to its capabilities.
    for (const std::string dir : {"/usr/lib", "/var/log"}) {
        if (!path_exists(dir)) continue;
        const std::string path = dir + "/" + name;
        Outcome out = sh("echo x > " + path);
        EXPECT_NE(out.code(), 0) << path << " was writable";
        EXPECT_FALSE(path_exists(path)) << path << " appeared on the host";
    }
}

TEST_F(RootWritableRoot, WhatAHostMountCoversStaysCovered) {
    const std::string name = unique_name();
    const std::string top = "/" + name + "-top";    // a top-level mount point
    const std::string deep = "/" + name + "-deep";  // a top-level directory with a mount below
    CoveredDir top_dir(top, top);
    CoveredDir deep_dir(deep, deep + "/inner");
    ASSERT_TRUE(top_dir.ok() && deep_dir.ok()) << std::strerror(errno);

    for (const std::string& dir : {top, deep + "/inner"}) {
        Outcome out = sh("ls " + dir + "; cat " + dir + "/secret");
        EXPECT_NE(out.out.find("cover"), std::string::npos) << dir << ": " << out.describe();
        EXPECT_EQ(out.out.find("secret"), std::string::npos) << dir << ": " << out.out;
        EXPECT_EQ(out.out.find("under the mount"), std::string::npos) << dir << ": " << out.out;
    }
    // The top-level mount point has a layer of its own: writable, the host unchanged.
    Outcome out = sh("echo x > " + top + "/new && cat " + top + "/new");
    EXPECT_EQ(out.out, "x\n") << out.describe();
    EXPECT_FALSE(path_exists(top + "/new"));
}

TEST_F(RootWritableRoot, ASocketAtTheTopIsNotCarriedOver) {
    const std::string path = "/" + unique_name() + ".sock";
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
        << std::strerror(errno);
    Outcome out = sh("if [ -e " + path + " ]; then echo shown; else echo hidden; fi");
    ::close(fd);
    ::unlink(path.c_str());
    EXPECT_EQ(out.out, "hidden\n") << out.describe();
}

}  // namespace
}  // namespace cvtest
