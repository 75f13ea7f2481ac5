// containerv builds itself under the built-in build-environment profile as shipped, on the
// default (host) root: cmake configures a copy of the source bound in read-only, compiles the
// library and its unit tests into the sandbox's throw-away /tmp, and runs them. Kept to the
// unit_tests target at -j2 so that CI (2 cores) pays a few minutes for it.
#include "workloads.hpp"

#include <unistd.h>

#include <filesystem>

namespace cvtest {
namespace {

namespace fs = std::filesystem;

// The source tree without its build directories and git data, in a world-readable
// directory: the sandbox's builder (1000) cannot reach a checkout under /root.
void copy_source(const std::string& to) {
    for (const auto& entry : fs::directory_iterator(CV_SOURCE_DIR)) {
        const std::string name = entry.path().filename();
        if (name.rfind("build", 0) == 0 || name.rfind(".", 0) == 0) continue;
        fs::copy(entry.path(), to + "/" + name,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    }
}

TEST(BuildEnvironment, ContainervBuildsAndTestsItself) {
    CV_SKIP_IF(workloads_cannot_run());
    CV_REQUIRE_PROGRAM("/usr/bin/cmake");
    TempDir source;
    copy_source(source.path());
    // Everything the sandbox reads must be readable by others (the copy keeps the modes).
    Outcome chmod = host_command({"/bin/chmod", "-R", "a+rX", source.path()});
    ASSERT_EQ(chmod.code(), 0) << chmod.describe();

    const std::string script =
        "set -e; cmake -S /src -B /tmp/build -DCMAKE_BUILD_TYPE= > /tmp/configure.log; "
        "cmake --build /tmp/build -j2 --target unit_tests > /tmp/compile.log; "
        "/tmp/build/tests/unit_tests --gtest_brief=1";
    Child sandbox(containerv_argv({"run", "--profile", "build-environment", "--bind",
                                   source.path() + ":/src:ro", "--", "sh", "-c", script}));
    // Audited while it builds: the shell that runs the build is the command.
    pid_t shell = wait_for_descendant(sandbox.pid(), "sh");
    ASSERT_NE(shell, 0) << "no sh under containerv pid " << sandbox.pid();
    // build-environment is permissive: its writable root fails filesystem_restricted in the
    // profile's own audit too.
    expect_audit_passes(shell, "build-environment");
    EXPECT_EQ(uid_inside(shell), 1000);

    Outcome out = sandbox.wait(std::chrono::minutes(18));
    ASSERT_FALSE(out.timed_out) << out.describe();
    EXPECT_EQ(out.code(), 0) << out.describe();
    EXPECT_NE(out.out.find("[  PASSED  ]"), std::string::npos) << out.describe();
    EXPECT_EQ(out.out.find("[  FAILED  ]"), std::string::npos) << out.describe();
}

}  // namespace
}  // namespace cvtest
