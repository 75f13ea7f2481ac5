// The cache of compiled seccomp programs is out of every sandbox's reach, even one given a
// writable bind that contains it: otherwise a workload could rewrite a later sandbox's filter.
#include "sandbox_run.hpp"

#include <cstdlib>

namespace cvtest {
namespace {

TEST(RootlessSeccompCache, AWritableBindOverTheCacheCannotReachIt) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    // The tests' environment names the cache's parent (tests/CMakeLists.txt).
    const char* parent = std::getenv("CONTAINERV_CACHE_DIR");
    ASSERT_NE(parent, nullptr) << "CONTAINERV_CACHE_DIR is not set for the tests";

    // A first run fills the cache; its directory then exists on the host.
    Outcome warm = containerv(run_args("default", {"true"}));
    ASSERT_EQ(warm.code(), 0) << warm.describe();
    ASSERT_TRUE(path_exists(std::string(parent) + "/seccomp"));

    // Bound writable at /c, the cache would be /c/seccomp inside: every way of writing there,
    // or of swapping the directory for a forged one, must fail (masked read-only rootless;
    // owned by host root, unwritable, as root).
    Outcome attempt = containerv(run_args(
        "default",
        {"sh", "-c",
         "for f in /c/seccomp/* /c/seccomp/new; do (: > \"$f\") 2>/dev/null && echo WROTE $f; "
         "done; mv /c/seccomp /c/moved 2>/dev/null && echo WROTE moved; true"},
        {"--bind", std::string(parent) + ":/c"}));
    EXPECT_EQ(attempt.code(), 0) << attempt.describe();
    EXPECT_EQ(attempt.out.find("WROTE"), std::string::npos) << attempt.describe();
    EXPECT_TRUE(path_exists(std::string(parent) + "/seccomp"));
}

}  // namespace
}  // namespace cvtest
