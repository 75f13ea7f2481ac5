// containerv audit and report on real processes: a containerv sandbox under each built-in (its
// command found through /proc children), a bubblewrap sandbox, an ordinary host process, and
// the errors for bad input.
#include "builtin_profiles.hpp"
#include "sandbox_run.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace cvtest {
namespace {

using nlohmann::json;

json audit_json(const std::vector<std::string>& args, Outcome* outcome = nullptr) {
    std::vector<std::string> all = {"audit", "--format", "json"};
    all.insert(all.end(), args.begin(), args.end());
    Outcome out = containerv(all);
    if (outcome) *outcome = out;
    EXPECT_TRUE(out.code() == 0 || out.code() == 1) << out.describe();
    try {
        return json::parse(out.out);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not JSON: " << e.what() << "\n" << out.describe();
        return json::object();
    }
}

bool passed(const json& audit, const std::string& check) {
    return audit["checks"][check]["passed"].get<bool>();
}

std::set<std::string> drift_ids(const json& audit) {
    std::set<std::string> ids;
    for (const auto& f : audit["findings"])
        if (f["drift"].get<bool>()) ids.insert(f["id"].get<std::string>());
    return ids;
}

class AuditBuiltin : public ::testing::TestWithParam<BuiltinProfile> {};

// Each built-in's sandbox, audited live against its own profile, shows what the profile asks
// for; only what was accepted weaker shows as drift (the ports, when rootless).
TEST_P(AuditBuiltin, LiveSandboxMatchesItsProfile) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    const BuiltinProfile& b = GetParam();
    Child sandbox(containerv_argv(run_args(b.name, {"sleep", "60"})));
    pid_t pid = wait_for_descendant(sandbox.pid(), "sleep");
    ASSERT_NE(pid, 0) << "no sleep under containerv pid " << sandbox.pid();

    Outcome out;
    json a = audit_json({"--pid", std::to_string(pid), "--profile", b.name}, &out);
    ASSERT_TRUE(a.contains("checks")) << out.describe();
    EXPECT_EQ(a["kind"], "process");
    EXPECT_TRUE(passed(a, "capabilities_minimal")) << out.out;
    EXPECT_EQ(passed(a, "no_privileged_access"), b.no_new_privileges) << out.out;
    EXPECT_EQ(passed(a, "filesystem_restricted"), b.name != "build-environment") << out.out;
    // Ports are filtered by cgroup BPF programs as root; rootless runs accept them weaker.
    const bool ports = b.name == "web-server" || b.name == "database";
    const bool filtered = ports && ::geteuid() == 0;
    EXPECT_EQ(passed(a, "network_controlled"), b.network_isolated || filtered) << out.out;
    EXPECT_TRUE(passed(a, "syscalls_filtered")) << out.out;
    EXPECT_TRUE(passed(a, "isolation_complete")) << out.out;
    EXPECT_TRUE(passed(a, "secrets_protected")) << out.out;

    std::set<std::string> expected_drift;
    if (ports && !filtered) expected_drift = {"ports-unfiltered"};
    EXPECT_EQ(drift_ids(a), expected_drift) << out.out;

    // The evidence names the files read.
    std::string text = a.dump();
    for (const char* file : {"/status", "/ns/pid", "/mountinfo", "/uid_map"})
        EXPECT_NE(text.find("/proc/" + std::to_string(pid) + file), std::string::npos) << file;
    sandbox.signal(SIGKILL);
    sandbox.wait();
}

INSTANTIATE_TEST_SUITE_P(Builtins, AuditBuiltin, ::testing::ValuesIn(builtin_profiles()),
                         [](const auto& info) { return test_name_of(info.param.name); });

// A sandbox started with one profile and audited against a stricter one: the difference is
// the first thing said, on stdout and stderr.
TEST(Audit, SandboxWeakerThanTheProfileIsLoud) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    Child sandbox(containerv_argv(run_args("default", {"sleep", "60"})));
    pid_t pid = wait_for_descendant(sandbox.pid(), "sleep");
    ASSERT_NE(pid, 0);
    Outcome out = containerv({"audit", "--pid", std::to_string(pid), "--profile", "untrusted"});
    EXPECT_EQ(out.code(), 1) << out.describe();
    EXPECT_EQ(out.out.rfind("!!! THE SANDBOX DIFFERS FROM ITS PROFILE", 0), 0u) << out.out;
    EXPECT_NE(out.out.find("PROFILE NOT IN FORCE"), std::string::npos);
    EXPECT_NE(out.err.find("DIFFERS FROM PROFILE \"untrusted\""), std::string::npos) << out.err;
    json a = audit_json({"--pid", std::to_string(pid), "--profile", "untrusted"});
    auto ids = drift_ids(a);
    for (const char* id : {"cap-beyond-default", "host-network", "uid-differs", "root-writable"})
        EXPECT_TRUE(ids.count(id)) << id << " in " << a.dump(1);
    sandbox.signal(SIGKILL);
    sandbox.wait();
}

TEST(Audit, HostProcessFailsMostChecks) {
    Child host({"/bin/sleep", "60"});
    ASSERT_TRUE(wait_until([&] { return comm_of(host.pid()) == "sleep"; }, 10s));
    json a = audit_json({"--pid", std::to_string(host.pid())});
    int failed = 0;
    for (const auto& [name, check] : a["checks"].items()) failed += check["passed"] ? 0 : 1;
    EXPECT_GE(failed, 5) << a.dump(1);
    for (const char* check : {"capabilities_minimal", "no_privileged_access", "network_controlled",
                              "isolation_complete"})
        EXPECT_FALSE(passed(a, check)) << check;
    EXPECT_GT(a["score"].get<double>(), 5.0);
}

// bubblewrap: its own namespaces and no_new_privs, but no seccomp filter unless given one.
TEST(Audit, BubblewrapSandbox) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    CV_SKIP_IF(path_exists("/usr/bin/bwrap")
                   ? std::nullopt
                   : std::optional<std::string>("bwrap is not installed (scripts/setup installs "
                                                "bubblewrap)"));
    Child bwrap({"/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
                 "--proc", "/proc", "--dev", "/dev", "/bin/sleep", "60"});
    pid_t pid = wait_for_descendant(bwrap.pid(), "sleep");
    ASSERT_NE(pid, 0) << bwrap.wait(5s).describe();
    Outcome out;
    json a = audit_json({"--pid", std::to_string(pid)}, &out);
    EXPECT_TRUE(passed(a, "network_controlled")) << out.out;
    EXPECT_FALSE(passed(a, "syscalls_filtered")) << out.out;
    EXPECT_TRUE(passed(a, "isolation_complete")) << out.out;
    std::string text = a.dump();
    EXPECT_NE(text.find("seccomp-off"), std::string::npos);
    bwrap.signal(SIGKILL);
    bwrap.wait();
}

TEST(Report, LiveSandboxReportInEveryFormat) {
    CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
    Child sandbox(containerv_argv(run_args("untrusted", {"sleep", "60"})));
    pid_t pid = wait_for_descendant(sandbox.pid(), "sleep");
    ASSERT_NE(pid, 0);
    TempDir dir;
    for (const char* ext : {"json", "md", "html", "sarif"}) {
        const std::string file = dir.path() + "/r." + ext;
        Outcome out = containerv({"report", "--standard", "pss", "--pid", std::to_string(pid),
                                  "--profile", "untrusted", "-o", file});
        EXPECT_EQ(out.code(), 0) << out.describe();
        std::ifstream in(file);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        EXPECT_NE(text.find("restricted/capabilities"), std::string::npos) << ext;
    }
    // untrusted passes every PSS control; --fail-on warn still exits 0.
    Outcome out =
        containerv({"report", "--standard", "pss", "--pid", std::to_string(pid), "--profile",
                    "untrusted", "--format", "json", "-o", "-", "--fail-on", "warn"});
    EXPECT_EQ(out.code(), 0) << out.describe();
    json r = json::parse(out.out);
    EXPECT_EQ(r["summary"]["fail"], 0) << out.out;
    sandbox.signal(SIGKILL);
    sandbox.wait();
}

TEST(Report, FailOnGivesPipelinesAnExitCode) {
    TempDir dir;
    const std::string file = dir.path() + "/cis.sarif";
    Outcome plain =
        containerv({"report", "--standard", "cis", "--profile", "build-environment", "-o", file});
    EXPECT_EQ(plain.code(), 0) << plain.describe();
    Outcome failing = containerv({"report", "--standard", "cis", "--profile", "build-environment",
                                  "-o", file, "--fail-on", "fail"});
    EXPECT_EQ(failing.code(), 1) << failing.describe();
    EXPECT_TRUE(path_exists(file));
}

TEST(BadInput, UnknownStandard) {
    TempDir dir;
    const std::string file = dir.path() + "/r.json";
    Outcome out =
        containerv({"report", "--standard", "iso27001", "--profile", "default", "-o", file});
    EXPECT_EQ(out.code(), 2);
    EXPECT_NE(out.err.find("unknown standard \"iso27001\" (expected cis, nist, pci or pss)"),
              std::string::npos)
        << out.err;
    EXPECT_FALSE(path_exists(file));
}

TEST(BadInput, MissingPid) {
    // A pid above the kernel's pid_max cannot exist.
    Outcome out = containerv({"audit", "--pid", "2147483000"});
    EXPECT_EQ(out.code(), 2);
    EXPECT_NE(out.err.find("pid 2147483000: no such process"), std::string::npos) << out.err;
    out = containerv({"audit", "--pid", "0"});
    EXPECT_EQ(out.code(), 2);
    EXPECT_NE(out.err.find("expected a process id above 0"), std::string::npos) << out.err;
    out = containerv({"audit", "--pid", "abc"});
    EXPECT_EQ(out.code(), 2) << out.describe();
    out = containerv({"audit"});
    EXPECT_EQ(out.code(), 2);
    EXPECT_NE(out.err.find("nothing to audit"), std::string::npos) << out.err;
}

TEST(BadInput, PidThatHasExited) {
    Child gone({"/bin/true"});
    pid_t pid = gone.pid();
    gone.wait();
    Outcome out = containerv({"audit", "--pid", std::to_string(pid)});
    EXPECT_EQ(out.code(), 2) << out.describe();
    EXPECT_NE(out.err.find("no such process"), std::string::npos) << out.err;
}

TEST(BadInput, UnknownFormats) {
    Outcome out = containerv({"audit", "--profile", "default", "--format", "yaml"});
    EXPECT_EQ(out.code(), 2);
    EXPECT_NE(out.err.find("unknown format \"yaml\""), std::string::npos) << out.err;
    TempDir dir;
    out = containerv(
        {"report", "--standard", "cis", "--profile", "default", "-o", dir.path() + "/r.txt"});
    EXPECT_EQ(out.code(), 2);
    EXPECT_NE(out.err.find("no known extension"), std::string::npos) << out.err;
    out = containerv({"report", "--standard", "cis", "--profile", "no-such-profile", "-o",
                      dir.path() + "/r.json"});
    EXPECT_EQ(out.code(), 2);
    EXPECT_NE(out.err.find("no-such-profile"), std::string::npos) << out.err;
}

}  // namespace
}  // namespace cvtest
