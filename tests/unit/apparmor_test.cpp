// The generated AppArmor profiles: every built-in's compiles with the real parser (in
// userspace, -Q -K: no kernel AppArmor needed) and equals its golden file in tests/apparmor/.
#include "linux/apparmor.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace containerv {
namespace {

const char* parser() {
    for (const char* path : {"/usr/sbin/apparmor_parser", "/sbin/apparmor_parser"})
        if (access(path, X_OK) == 0) return path;
    return nullptr;
}

// Runs apparmor_parser -Q -K on TEXT; returns its exit status and what it printed.
int compile(const std::string& text, std::string* output) {
    char path[] = "/tmp/cv-apparmor-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    FILE* f = fdopen(fd, "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    std::string command = std::string(parser()) + " -Q -K " + path + " 2>&1";
    FILE* p = popen(command.c_str(), "r");
    char buf[512];
    while (p && std::fgets(buf, sizeof buf, p)) *output += buf;
    int status = p ? pclose(p) : -1;
    unlink(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string golden(const std::string& name) {
    std::ifstream in(std::string(CONTAINERV_SOURCE_DIR) + "/tests/apparmor/" + name + ".apparmor");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(AppArmor, EveryBuiltinCompilesAndMatchesItsGoldenFile) {
    ASSERT_NE(parser(), nullptr) << "apparmor_parser is not installed (scripts/setup installs "
                                    "the Debian package apparmor)";
    for (const auto& profile : builtin_profiles()) {
        std::string text = linux_::apparmor_profile_text(profile);
        std::string output;
        EXPECT_EQ(compile(text, &output), 0) << profile.name << ": " << output;
        EXPECT_EQ(text, golden(profile.name)) << profile.name << " differs from its golden file";
    }
}

TEST(AppArmor, TheParserRejectsABrokenProfile) {
    ASSERT_NE(parser(), nullptr);
    std::string text = linux_::apparmor_profile_text(*find_builtin("default"));
    text.insert(text.rfind('}'), "  no such rule\n");
    std::string output;
    EXPECT_NE(compile(text, &output), 0) << "the parser accepted a broken profile";
}

TEST(AppArmor, PathsAreQuotedAndEscaped) {
    Profile p = *find_builtin("untrusted");
    p.filesystem.writable_paths = {"/srv/a b*"};
    std::string text = linux_::apparmor_profile_text(p);
    EXPECT_NE(text.find("\"/srv/a b\\*\" rw,"), std::string::npos) << text;
    EXPECT_NE(text.find("\"/srv/a b\\*/**\" rwlkmix,"), std::string::npos) << text;
    std::string output;
    EXPECT_EQ(compile(text, &output), 0) << output;
}

}  // namespace
}  // namespace containerv
