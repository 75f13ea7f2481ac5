// The sandbox root's users, read from a tree that may be hostile: its /etc/passwd can be a
// symlink to a host file, a FIFO, or a device that never ends.
#include "plan/users.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace containerv {
namespace {

namespace fs = std::filesystem;

class Users : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/cv-users-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        base_ = pattern;
        root_ = base_ + "/root";
        fs::create_directories(root_ + "/etc");
        std::ofstream(base_ + "/host-passwd") << "secret:x:4242:4242::/home/secret:/bin/sh\n";
    }
    void TearDown() override { fs::remove_all(base_); }

    std::string base_;
    std::string root_;
};

TEST_F(Users, ARegularFileInTheRootIsRead) {
    std::ofstream(root_ + "/etc/passwd") << "app:x:1234:1235::/srv/app:/bin/sh\n";
    auto user = find_user(root_, "app");
    ASSERT_TRUE(user);
    EXPECT_EQ(user->uid, 1234U);
    EXPECT_EQ(user->gid, 1235U);
    EXPECT_EQ(find_user_by_uid(root_, 1234)->name, "app");
}

TEST_F(Users, ASymlinkLeadingOutOfTheRootIsResolvedInsideIt) {
    ASSERT_EQ(::symlink((base_ + "/host-passwd").c_str(), (root_ + "/etc/passwd").c_str()), 0);
    EXPECT_FALSE(find_user(root_, "secret"));
    ASSERT_EQ(::symlink("../../host-passwd", (root_ + "/etc/group").c_str()), 0);
    EXPECT_FALSE(find_group(root_, "secret"));
    EXPECT_EQ(passwd_with(root_, {"x", 1, 1, "/"}), "x:x:1:1::/:/usr/sbin/nologin\n");
}

TEST_F(Users, AFifoOrADeviceReadsAsAbsentWithoutBlocking) {
    ASSERT_EQ(::mkfifo((root_ + "/etc/passwd").c_str(), 0644), 0);
    // Opened blocking, this would wait for a writer forever (the test's timeout would end it).
    EXPECT_FALSE(find_user(root_, "anyone"));

    fs::create_directories(root_ + "/dev");
    ASSERT_EQ(::unlink((root_ + "/etc/passwd").c_str()), 0);
    ASSERT_EQ(::symlink("/proc/self/fd/0", (root_ + "/etc/passwd").c_str()), 0);
    EXPECT_FALSE(find_user(root_, "anyone"));
}

}  // namespace
}  // namespace containerv
