// The audit without sandboxes: static audits of the built-ins, golden compliance reports, and
// observations of ordinary processes made for the test (a secret in the environment, a zombie,
// one that ends mid-audit).
#include "audit/audit.hpp"
#include "audit/compliance.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace {

using namespace containerv;
using namespace containerv::audit;

bool has_finding(const Audit& a, const std::string& id) {
    return std::any_of(a.findings.begin(), a.findings.end(),
                       [&](const Finding& f) { return f.id == id; });
}

TEST(AuditStatic, UntrustedPassesAllButResources) {
    Audit a = audit_profile(*find_builtin("untrusted"));
    for (Check c : all_checks())
        EXPECT_EQ(a.result(c).passed, c != Check::resources_limited) << to_string(c);
    EXPECT_TRUE(has_finding(a, "no-memory-limit"));
    EXPECT_FALSE(a.has_drift());
    EXPECT_DOUBLE_EQ(a.score, weight(Check::resources_limited));
}

TEST(AuditStatic, UntrustedWithLimitsPassesEverything) {
    Profile p = *find_builtin("untrusted");
    p.resources.memory_bytes = 256 << 20;
    p.resources.pids = 64;
    p.resources.cpus = 0.5;
    Audit a = audit_profile(p);
    EXPECT_TRUE(a.all_passed()) << format_text(a);
    EXPECT_DOUBLE_EQ(a.score, 0);
}

TEST(AuditStatic, BuildEnvironmentLetsExecGainPrivileges) {
    Audit a = audit_profile(*find_builtin("build-environment"));
    EXPECT_FALSE(a.result(Check::no_privileged_access).passed);
    EXPECT_TRUE(has_finding(a, "nnp-off"));
    // no_suid false with no_new_privs off: set-user-ID programs work.
    EXPECT_TRUE(has_finding(a, "suid-allowed"));
    EXPECT_FALSE(a.result(Check::filesystem_restricted).passed);
    EXPECT_FALSE(a.result(Check::network_controlled).passed);
    // A deny-list filter (blocked syscalls only) is a warning, not a failure.
    EXPECT_TRUE(has_finding(a, "seccomp-denylist"));
    EXPECT_TRUE(a.result(Check::syscalls_filtered).passed);
}

TEST(AuditStatic, ScoresOrderTheBuiltins) {
    double untrusted = audit_profile(*find_builtin("untrusted")).score;
    double def = audit_profile(*find_builtin("default")).score;
    double build = audit_profile(*find_builtin("build-environment")).score;
    EXPECT_LT(untrusted, def);
    EXPECT_LT(def, build);
}

TEST(AuditStatic, CapabilityBeyondDockersSetFails) {
    Profile p = *find_builtin("default");
    p.allowed_caps |= cap_bit(21);  // SYS_ADMIN
    p.dropped_caps &= ~cap_bit(21);
    Audit a = audit_profile(p);
    EXPECT_TRUE(has_finding(a, "cap-beyond-default"));
    EXPECT_TRUE(has_finding(a, "privileged"));
    EXPECT_FALSE(a.result(Check::capabilities_minimal).passed);
}

TEST(AuditStatic, EveryFindingHasEvidenceAndAFix) {
    for (const auto& p : builtin_profiles()) {
        Audit a = audit_profile(p);
        for (const auto& f : a.findings) {
            EXPECT_FALSE(f.evidence.empty()) << p.name << " " << f.id;
            EXPECT_FALSE(f.fix.empty()) << p.name << " " << f.id;
            for (const auto& e : f.evidence) EXPECT_FALSE(e.source.empty()) << f.id;
        }
    }
}

TEST(Secrets, NamesThatLookLikeSecrets) {
    for (const char* name :
         {"DB_PASSWORD", "GITHUB_TOKEN", "aws_secret_access_key", "API_KEY", "MY_PRIVATE_KEY"})
        EXPECT_TRUE(looks_like_secret(name)) << name;
    for (const char* name : {"PATH", "HOME", "TERM", "LANG", "KEYBOARD"})
        EXPECT_FALSE(looks_like_secret(name)) << name;
}

// ---- Live observations of processes this test makes --------------------------------------

// A child that runs `sleep 60` with ENV as its whole environment; killed when the object goes.
class Sleeper {
public:
    explicit Sleeper(std::vector<std::string> env) {
        // cppcheck-suppress useInitializationList ; the child branch below needs the result
        pid_ = ::fork();
        if (pid_ == 0) {
            std::vector<char*> envp;
            for (auto& e : env) envp.push_back(e.data());
            envp.push_back(nullptr);
            char sleep[] = "/bin/sleep", sixty[] = "60";
            char* argv[] = {sleep, sixty, nullptr};
            ::execve(argv[0], argv, envp.data());
            ::_exit(127);
        }
        // Audited once it runs sleep, not the forked copy of this test.
        for (int i = 0; i < 500; ++i) {
            std::ifstream comm("/proc/" + std::to_string(pid_) + "/comm");
            std::string name;
            if (comm >> name && name == "sleep") break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    ~Sleeper() { stop(); }
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
};

TEST(Observe, AProcessNameCannotReachTheTerminalRaw) {
    // A sandboxed program names itself with an escape sequence (clear the screen, erase the
    // line); the audit's text must show it written out, never the raw bytes.
    pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_NAME, "\x1b[2J\x1b[Kx", 0, 0, 0);
        for (;;) ::pause();
    }
    ASSERT_GT(pid, 0);
    for (int i = 0; i < 500; ++i) {
        std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
        std::string name;
        if (std::getline(comm, name) && name.find('x') != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto a = audit_process(pid, nullptr);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ASSERT_TRUE(a) << a.error().to_string();
    const std::string text = format_text(*a);
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_NE(text.find("\\x1b[2J\\x1b[Kx"), std::string::npos) << text;
}

TEST(AuditLive, SecretsAreNamedNeverShown) {
    Sleeper s({"PATH=/bin", "DB_PASSWORD=hunter2-do-not-print"});
    auto a = audit_process(s.pid(), nullptr);
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_FALSE(a->result(Check::secrets_protected).passed);
    EXPECT_TRUE(has_finding(*a, "secret-env"));
    std::string text = format_text(*a) + to_json(*a).dump();
    EXPECT_NE(text.find("DB_PASSWORD"), std::string::npos);
    EXPECT_EQ(text.find("hunter2"), std::string::npos);
    for (auto f : {Format::json, Format::markdown, Format::html, Format::sarif})
        EXPECT_EQ(render(build_report(Standard::pci, *a, "x"), f).find("hunter2"),
                  std::string::npos);
}

TEST(AuditLive, HostProcessFailsMostChecks) {
    Sleeper s({"PATH=/bin"});
    auto a = audit_process(s.pid(), nullptr);
    ASSERT_TRUE(a) << a.error().to_string();
    int failed = 0;
    for (Check c : all_checks()) failed += a->result(c).passed ? 0 : 1;
    EXPECT_GE(failed, 5) << format_text(*a);
    EXPECT_FALSE(a->result(Check::isolation_complete).passed);
    EXPECT_FALSE(a->result(Check::network_controlled).passed);
    EXPECT_FALSE(a->result(Check::no_privileged_access).passed);
    EXPECT_GT(a->score, 5);
}

TEST(AuditLive, HostProcessDiffersFromUntrusted) {
    Sleeper s({"PATH=/bin"});
    auto a = audit_process(s.pid(), find_builtin("untrusted"));
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_TRUE(a->has_drift());
    EXPECT_TRUE(a->findings.front().drift);  // drift comes first
    EXPECT_NE(format_text(*a).find("THE SANDBOX DIFFERS FROM ITS PROFILE"), std::string::npos);
}

TEST(AuditLive, MissingPidIsAClearError) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    ::waitpid(pid, nullptr, 0);
    auto a = audit_process(pid, nullptr);
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().to_string().find("no such process"), std::string::npos)
        << a.error().to_string();
}

TEST(AuditLive, ZombieIsAClearError) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    // Not reaped yet: a zombie once it has exited.
    for (int i = 0; i < 500; ++i) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), {});
        if (text.find(") Z") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto a = audit_process(pid, nullptr);
    ::waitpid(pid, nullptr, 0);
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().to_string().find("has exited"), std::string::npos) << a.error().to_string();
}

TEST(AuditLive, PidThatExitsMidAuditIsAClearError) {
    Sleeper s({"PATH=/bin"});
    ObserveOptions options;
    int reads = 0;
    options.between_reads = [&] {
        if (++reads == 5) s.stop();  // killed and reaped after a few files were read
    };
    auto a = audit_process(s.pid(), nullptr, options);
    ASSERT_GE(reads, 5);
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().to_string().find("exited during the audit"), std::string::npos)
        << a.error().to_string();
}

// ---- Golden reports -----------------------------------------------------------------------

// Every built-in in every standard and format, with the time and the auditor fixed (the only
// parts that change from run to run). CONTAINERV_UPDATE_GOLDEN=1 rewrites the files.
TEST(Golden, EveryBuiltinInEveryStandardAndFormat) {
    const std::filesystem::path dir = std::filesystem::path(CONTAINERV_SOURCE_DIR) / "tests/golden";
    const bool update = std::getenv("CONTAINERV_UPDATE_GOLDEN") != nullptr;
    struct F {
        Format format;
        const char* ext;
    };
    int compared = 0;
    for (const auto& p : builtin_profiles()) {
        Audit a = audit_profile(p);
        a.time = 0;
        a.auditor = "golden";
        for (Standard s : {Standard::cis, Standard::nist, Standard::pci, Standard::pss}) {
            Report r = build_report(s, a, "containerv:profile/" + p.name);
            for (const F& f : {F{Format::json, "json"}, F{Format::markdown, "md"},
                               F{Format::html, "html"}, F{Format::sarif, "sarif"}}) {
                const auto path = dir / std::string(to_string(s)) / (p.name + "." + f.ext);
                std::string text = render(r, f.format);
                if (update) {
                    std::filesystem::create_directories(path.parent_path());
                    std::ofstream(path) << text;
                    continue;
                }
                std::ifstream in(path);
                ASSERT_TRUE(in) << path << " is missing (CONTAINERV_UPDATE_GOLDEN=1 writes it)";
                std::string golden((std::istreambuf_iterator<char>(in)), {});
                EXPECT_EQ(text, golden) << path << " differs (see docs/AUDIT.md, golden files)";
                ++compared;
            }
        }
    }
    if (!update) {
        EXPECT_EQ(compared, 5 * 4 * 4);
    }
}

TEST(Report, JsonFollowsTheDocumentedSchema) {
    Audit a = audit_profile(*find_builtin("default"));
    auto doc = nlohmann::json::parse(render(build_report(Standard::cis, a, "x"), Format::json));
    EXPECT_EQ(doc["schema"], "containerv-compliance-report/1");
    EXPECT_EQ(doc["standard"]["id"], "cis");
    ASSERT_TRUE(doc["controls"].is_array());
    EXPECT_EQ(doc["controls"].size(), 31u);  // 5.1 .. 5.31
    for (const auto& c : doc["controls"]) {
        for (const char* key :
             {"id", "title", "status", "level", "checks", "findings", "evidence", "remediation"})
            EXPECT_TRUE(c.contains(key)) << key;
        std::string status = c["status"];
        EXPECT_TRUE(status == "pass" || status == "fail" || status == "manual" ||
                    status == "not-applicable");
        if (status == "fail") {
            EXPECT_FALSE(c["remediation"].get<std::string>().empty());
        }
        if (status == "not-applicable") {
            EXPECT_FALSE(c["evidence"].empty());
        }
    }
}

TEST(Report, SarifIsVersion210WithLevelsTheSpecAllows) {
    Audit a = audit_profile(*find_builtin("build-environment"));
    auto doc = nlohmann::json::parse(render(build_report(Standard::pss, a, "x"), Format::sarif));
    EXPECT_EQ(doc["version"], "2.1.0");
    const auto& results = doc["runs"][0]["results"];
    bool error = false;
    for (const auto& r : results) {
        if (r["kind"] != "fail") {
            EXPECT_EQ(r["level"], "none");
        }
        error = error || r["level"] == "error";
    }
    EXPECT_TRUE(error);
}

TEST(Report, FailOnLevels) {
    // default: only warnings in CIS 5.12 (writable root) and failures elsewhere.
    Audit untrusted = audit_profile(*find_builtin("untrusted"));
    Report r = build_report(Standard::pss, untrusted, "x");
    EXPECT_FALSE(r.fails(false)) << render(r, Format::markdown);
    EXPECT_FALSE(r.fails(true));
    Report cis = build_report(Standard::cis, untrusted, "x");
    EXPECT_TRUE(cis.fails(false));  // no memory limit
}

TEST(Report, StandardNames) {
    EXPECT_EQ(standard_from_string("CIS"), Standard::cis);
    EXPECT_EQ(standard_from_string("PCI-DSS"), Standard::pci);
    EXPECT_EQ(standard_from_string("pss"), Standard::pss);
    EXPECT_FALSE(standard_from_string("iso27001"));
}

}  // namespace

// ---- cgroup limits from a file tree laid out as the kernel does ---------------------------

namespace {

void put(const std::filesystem::path& file, const std::string& text) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text << "\n";
}

class CgroupTree : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/cv-cgroup-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        root_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(root_); }
    std::filesystem::path root_;
};

}  // namespace

TEST_F(CgroupTree, V1TightestLimitFromTheCgroupUp) {
    // The parent limits memory; the child's own file says unlimited (v1's page-rounded 2^63).
    put(root_ / "memory/a/memory.limit_in_bytes", "67108864");
    put(root_ / "memory/a/b/memory.limit_in_bytes", "9223372036854771712");
    put(root_ / "pids/a/pids.max", "100");
    put(root_ / "pids/a/b/pids.max", "max");
    put(root_ / "cpu/a/b/cpu.cfs_quota_us", "50000");
    put(root_ / "cpu/a/b/cpu.cfs_period_us", "100000");
    put(root_ / "devices/a/b/devices.list", "c 1:3 rwm\nc 1:5 rwm");
    Observation o;
    read_cgroup_limits({"4:memory:/a/b", "8:pids:/a/b", "1:cpu:/a/b", "5:devices:/a/b"},
                       root_.string(), o);
    ASSERT_TRUE(o.memory.value);
    EXPECT_EQ(*o.memory.value, 67108864u);
    EXPECT_EQ(o.memory.source, (root_ / "memory/a/memory.limit_in_bytes").string());
    ASSERT_TRUE(o.pids.value);
    EXPECT_EQ(*o.pids.value, 100u);
    ASSERT_TRUE(o.cpu.value);
    EXPECT_EQ(*o.cpu.value, 500u);  // half a CPU
    EXPECT_EQ(o.devices_list.raw, "c 1:3 rwm;c 1:5 rwm");
}

TEST_F(CgroupTree, V1NoLimitIsNotInForce) {
    put(root_ / "memory/memory.limit_in_bytes", "9223372036854771712");
    put(root_ / "cpu/cpu.cfs_quota_us", "-1");
    put(root_ / "cpu/cpu.cfs_period_us", "100000");
    Observation o;
    read_cgroup_limits({"4:memory:/", "8:pids:/", "1:cpu:/"}, root_.string(), o);
    EXPECT_FALSE(o.memory.value);
    EXPECT_FALSE(o.pids.value);
    EXPECT_EQ(o.pids.raw, "not in force");
    EXPECT_FALSE(o.cpu.value);
    // Judged: no limit is a failure of resources_limited, with the file read as evidence.
    o.pid = 1;
    Audit a = audit_observation(o, nullptr);
    EXPECT_FALSE(a.result(Check::resources_limited).passed);
    EXPECT_TRUE(has_finding(a, "no-memory-limit"));
}

TEST_F(CgroupTree, V2AtTheRootOfAV2OnlyHost) {
    put(root_ / "cgroup.controllers", "cpu memory pids");
    put(root_ / "x/memory.max", "max");
    put(root_ / "memory.max", "max");
    put(root_ / "x/pids.max", "20");
    put(root_ / "x/cpu.max", "200000 100000");
    Observation o;
    read_cgroup_limits({"0::/x"}, root_.string(), o);
    EXPECT_FALSE(o.memory.value);
    ASSERT_TRUE(o.pids.value);
    EXPECT_EQ(*o.pids.value, 20u);
    ASSERT_TRUE(o.cpu.value);
    EXPECT_EQ(*o.cpu.value, 2000u);  // two CPUs
}

TEST_F(CgroupTree, V2UnderUnifiedOnAHybridHost) {
    put(root_ / "unified/x/memory.max", "1048576");
    put(root_ / "unified/x/cpu.max", "max 100000");
    Observation o;
    read_cgroup_limits({"0::/x"}, root_.string(), o);
    ASSERT_TRUE(o.memory.value);
    EXPECT_EQ(*o.memory.value, 1048576u);
    EXPECT_FALSE(o.cpu.value);
}
