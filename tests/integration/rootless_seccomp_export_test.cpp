// `containerv seccomp export` and `seccomp explain` through the real CLI, for built-in
// profiles: nothing here starts a sandbox.
#include "sandbox_run.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <string>

namespace cvtest {
namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(SeccompExportCli, OciIsJsonWithThePolicysDefault) {
    Outcome out = containerv({"seccomp", "export", "default", "--format", "oci"});
    ASSERT_TRUE(out.exited() && out.code() == 0) << out.describe();
    const auto oci = nlohmann::json::parse(out.out, nullptr, false);
    ASSERT_FALSE(oci.is_discarded()) << out.out;
    EXPECT_EQ(oci.value("defaultAction", ""), "SCMP_ACT_ERRNO");
    EXPECT_EQ(oci.value("defaultErrnoRet", 0), 1);
    ASSERT_TRUE(oci.contains("syscalls") && oci["syscalls"].is_array());
    EXPECT_FALSE(oci["syscalls"].empty());
}

TEST(SeccompExportCli, BpfIsWholeInstructions) {
    Outcome out = containerv({"seccomp", "export", "default", "--format", "bpf"});
    ASSERT_TRUE(out.exited() && out.code() == 0) << out.describe();
    EXPECT_FALSE(out.out.empty());
    EXPECT_EQ(out.out.size() % 8, 0U) << out.out.size() << " bytes";

    // -o FILE writes the same bytes.
    TempDir dir;
    const std::string file = dir.path() + "/default.bpf";
    Outcome to_file = containerv({"seccomp", "export", "default", "--format", "bpf", "-o", file});
    ASSERT_TRUE(to_file.exited() && to_file.code() == 0) << to_file.describe();
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(static_cast<std::size_t>(st.st_size), out.out.size());
}

TEST(SeccompExportCli, UnknownFormatIsAUsageError) {
    Outcome out = containerv({"seccomp", "export", "default", "--format", "yaml"});
    EXPECT_TRUE(out.exited() && out.code() == 2) << out.describe();
    EXPECT_TRUE(has(out.err, "unknown format \"yaml\"")) << out.err;
}

TEST(SeccompExplainCli, MountUnderDefaultGetsTheDefaultAction) {
    Outcome out = containerv({"seccomp", "explain", "default", "--syscall", "mount"});
    ASSERT_TRUE(out.exited() && out.code() == 0) << out.describe();
    EXPECT_TRUE(has(out.out, "errno(1), the default action")) << out.out;
}

TEST(SeccompExplainCli, ReadNamesItsAllowRule) {
    Outcome out = containerv({"seccomp", "explain", "default", "--syscall", "read"});
    ASSERT_TRUE(out.exited() && out.code() == 0) << out.describe();
    EXPECT_TRUE(has(out.out, "allow, by syscalls.allowed[")) << out.out;
}

TEST(SeccompExplainCli, TableAndUnknownSyscall) {
    Outcome table = containerv({"seccomp", "explain", "untrusted"});
    ASSERT_TRUE(table.exited() && table.code() == 0) << table.describe();
    EXPECT_TRUE(has(table.out, "every call through")) << table.out;

    Outcome unknown = containerv({"seccomp", "explain", "default", "--syscall", "nope"});
    EXPECT_TRUE(unknown.exited() && unknown.code() == 1) << unknown.describe();
    EXPECT_TRUE(has(unknown.err, "seccomp: unknown syscall \"nope\"")) << unknown.err;
}

// The plan `run` makes passes the profile's level to the compiler: at paranoid, the compat ABIs
// kill; at restricted, the rules hold on them.
TEST(SeccompPlanCli, ParanoidProfilesKillCallsThroughCompatAbis) {
    Outcome paranoid = containerv(run_args("untrusted", {"true"}, {"--dry-run"}));
    ASSERT_TRUE(paranoid.exited() && paranoid.code() == 0) << paranoid.describe();
    EXPECT_TRUE(has(paranoid.out, "calls through a compat ABI (i386, x32) kill")) << paranoid.out;

    Outcome restricted = containerv(run_args("default", {"true"}, {"--dry-run"}));
    ASSERT_TRUE(restricted.exited() && restricted.code() == 0) << restricted.describe();
    EXPECT_FALSE(has(restricted.out, "compat ABI")) << restricted.out;
}

}  // namespace
}  // namespace cvtest
