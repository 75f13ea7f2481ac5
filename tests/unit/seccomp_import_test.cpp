// Importing Docker, OCI and containerv seccomp policies.
//
// Conformance: each fixture is imported, compiled with seccomp::compile and loaded in a forked
// child, and a sample of syscalls is issued there; the answers are compared with tables
// written from reading the files (not from the importer's output). Bad input: each mistake is
// an error naming the entry's JSON pointer.
#include "seccomp/compile.hpp"
#include "seccomp/import.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace containerv::seccomp {
namespace {

using json = nlohmann::json;

const std::string kFixtures = CONTAINERV_SOURCE_DIR "/../shared/fixtures/seccomp";

// Every errno the filter returns is shifted by this much before loading, so that a filter's
// answer cannot pass for the kernel's own (EPERM from a missing capability, say).
constexpr int kShift = 3000;
constexpr int kAllowed = 0;
// Observed: ENOSYS not shifted, which containerv's filter answers for syscalls newer than any
// the policy names (so that programs probing for them fall back, as glibc does for clone3).
constexpr int kNewer = -1;
// Expected: the policy's default action; on the calls newer than the policy, kNewer.
constexpr int kDefault = -2;
constexpr std::size_t kMaxCalls = 64;

struct Call {
    std::string what;
    std::function<long()> call;
    int expected;  // kAllowed, or the errno the file's rule (or default) returns
};

// Results written by the confined child: it may have neither write nor exit_group left, so it
// reports through shared memory and then spins until the parent SIGKILLs it. (Not a trap: a
// sanitizer build runs its no-return hook first, which reads /proc/self/maps, is refused, and
// then spins in its own failure path with no way out.)
struct Shared {
    int done;
    int answers[kMaxCalls];
};

SyscallPolicy shifted(SyscallPolicy policy) {
    if (policy.default_action == SyscallAction::errno_ret) {
        policy.default_errno += kShift;
    }
    for (SyscallRule& rule : policy.rules) {
        if (rule.action == SyscallAction::errno_ret && rule.errno_value != 0) {
            rule.errno_value += kShift;
        }
    }
    return policy;
}

// Runs each call under the policy in a child; returns what the filter said for each.
std::vector<int> observe(const SyscallPolicy& policy, const std::vector<Call>& calls) {
    auto program = compile(shifted(policy));
    if (!program) {
        ADD_FAILURE() << "compile: " << program.error().to_string();
        return {};
    }
    void* mem =
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        ADD_FAILURE() << "mmap failed";
        return {};
    }
    auto* shared = static_cast<Shared*>(mem);
    shared->done = 0;
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || load(*program) != 0) {
            ::_exit(1);
        }
        for (std::size_t i = 0; i < calls.size() && i < kMaxCalls; ++i) {
            errno = 0;
            long rc = calls[i].call();
            int err = errno;
            shared->answers[i] = rc == -1 && err > kShift    ? err - kShift
                                 : rc == -1 && err == ENOSYS ? kNewer
                                                             : kAllowed;
        }
        __atomic_store_n(&shared->done, 1, __ATOMIC_RELEASE);
        for (;;) {
            asm volatile("" ::: "memory");  // no syscall: the filter may refuse every one
        }
    }
    // The child never ends by itself: wait for its answers (or its death), then kill it.
    int status = 0;
    for (int waited_ms = 0; waited_ms < 30000; ++waited_ms) {
        if (__atomic_load_n(&shared->done, __ATOMIC_ACQUIRE) == 1) break;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            break;
        }
        ::usleep(1000);
    }
    if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    std::vector<int> out;
    if (shared->done != 1) {
        ADD_FAILURE() << "the confined child did not finish (status " << status << ")";
    } else {
        out.assign(shared->answers, shared->answers + std::min(calls.size(), kMaxCalls));
    }
    ::munmap(mem, sizeof(Shared));
    return out;
}

std::string describe(int answer) {
    if (answer == kNewer) return "ENOSYS (newer than the policy)";
    return answer == kAllowed ? "allowed" : "errno " + std::to_string(answer);
}

void expect_decisions(const SyscallPolicy& policy, const std::vector<Call>& calls,
                      const std::string& label) {
    ASSERT_LE(calls.size(), kMaxCalls);
    std::vector<int> answers = observe(policy, calls);
    ASSERT_EQ(answers.size(), calls.size()) << label;
    const int default_answer =
        policy.default_action == SyscallAction::errno_ret ? policy.default_errno : kAllowed;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        int expected = calls[i].expected;
        if (expected == kDefault) {
            expected = answers[i] == kNewer ? kNewer : default_answer;
        }
        EXPECT_EQ(describe(answers[i]), describe(expected)) << label << ": " << calls[i].what;
    }
}

bool have_fixtures() {
    return std::filesystem::is_directory(kFixtures);
}

#define SKIP_WITHOUT_FIXTURES()                                                         \
    do {                                                                                \
        if (!have_fixtures())                                                           \
            GTEST_SKIP() << "no fixtures at " << kFixtures << " (the shared directory " \
                         << "beside the repository is missing)";                        \
    } while (0)

json read_fixture(const std::string& name) {
    std::ifstream in(kFixtures + "/" + name);
    return json::parse(in);
}

ImportContext context(CapSet caps, KernelVersion kernel = {6, 1}) {
    return ImportContext{caps, kernel};
}

SyscallPolicy import_ok(const json& doc, const ImportContext& ctx, const std::string& label,
                        ImportReport* report = nullptr) {
    auto policy = import_policy(doc, ctx, label, report);
    EXPECT_TRUE(policy.ok()) << label << ": " << (policy ? "" : policy.error().to_string());
    return policy ? *policy : SyscallPolicy{};
}

// Harmless forms of the calls in the tables: each fails in the kernel (bad descriptor, bad
// address, bad flags) when the filter lets it through, so none changes the machine, even as
// root.
constexpr unsigned long kCloneThread = 0x00010000;  // without CLONE_SIGHAND: EINVAL
constexpr unsigned long kCloneNewUser = 0x10000000;
constexpr int kAfAlg = 38;
constexpr int kAfVsock = 40;
constexpr int kAfNetlink = 16;
constexpr int kNetlinkAudit = 9;

Call read_call(int expected) {
    return {"read(-1)", [] { return ::syscall(SYS_read, -1, nullptr, 0); }, expected};
}
Call write_call(int expected) {
    return {"write(-1)", [] { return ::syscall(SYS_write, -1, nullptr, 0); }, expected};
}
Call getpid_call(int expected) {
    return {"getpid", [] { return ::syscall(SYS_getpid); }, expected};
}
Call chmod_call(int expected) {
    return {"chmod(NULL)", [] { return ::syscall(SYS_chmod, nullptr, 0); }, expected};
}
Call ptrace_call(int expected) {
    return {"ptrace(PEEKDATA, -1)", [] { return ::syscall(SYS_ptrace, 2, -1, 0, 0); }, expected};
}
Call reboot_call(int expected) {
    // Wrong magic: EINVAL with CAP_SYS_BOOT, EPERM without.
    return {"reboot(bad magic)", [] { return ::syscall(SYS_reboot, 0, 0, 0, nullptr); }, expected};
}
Call clone3_call(int expected) {
    return {"clone3(NULL, 0)", [] { return ::syscall(SYS_clone3, nullptr, 0); }, expected};
}
Call clone_plain_call(int expected) {
    return {"clone(CLONE_THREAD)",
            [] { return ::syscall(SYS_clone, kCloneThread, nullptr, nullptr, nullptr, 0); },
            expected};
}
Call clone_newuser_call(int expected) {
    return {"clone(CLONE_NEWUSER|CLONE_THREAD)",
            [] {
                return ::syscall(SYS_clone, kCloneNewUser | kCloneThread, nullptr, nullptr, nullptr,
                                 0);
            },
            expected};
}
Call socket_call(int family, int type, int protocol, int expected) {
    return {"socket(" + std::to_string(family) + ", " + std::to_string(type) + ", " +
                std::to_string(protocol) + ")",
            [=] { return ::syscall(SYS_socket, family, type, protocol); }, expected};
}
Call personality_call(unsigned long persona, int expected) {
    return {"personality(" + std::to_string(persona) + ")",
            [=] { return ::syscall(SYS_personality, persona); }, expected};
}
Call mount_call(int expected) {
    return {"mount(NULL, NULL)",
            [] { return ::syscall(SYS_mount, nullptr, nullptr, nullptr, 0, nullptr); }, expected};
}
Call unshare_call(int expected) {
    return {"unshare(0)", [] { return ::syscall(SYS_unshare, 0); }, expected};
}
Call setns_call(int expected) {
    return {"setns(-1)", [] { return ::syscall(SYS_setns, -1, 0); }, expected};
}
Call syslog_call(int expected) {
    return {"syslog(-1)", [] { return ::syscall(SYS_syslog, -1, nullptr, 0); }, expected};
}
Call chroot_call(int expected) {
    return {"chroot(NULL)", [] { return ::syscall(SYS_chroot, nullptr); }, expected};
}
Call bpf_call(int expected) {
    return {"bpf(-1)", [] { return ::syscall(SYS_bpf, -1, nullptr, 0); }, expected};
}
Call perf_event_open_call(int expected) {
    return {"perf_event_open(NULL)",
            [] { return ::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0); }, expected};
}
Call sethostname_call(int expected) {
    return {"sethostname(NULL, -1)", [] { return ::syscall(SYS_sethostname, nullptr, -1); },
            expected};
}
Call vmsplice_call(int expected) {
    return {"vmsplice(-1)", [] { return ::syscall(SYS_vmsplice, -1, nullptr, 0, 0); }, expected};
}
Call open_by_handle_at_call(int expected) {
    return {"open_by_handle_at(-1)",
            [] { return ::syscall(SYS_open_by_handle_at, -1, nullptr, 0); }, expected};
}
Call modify_ldt_call(int expected) {
    return {"modify_ldt(read, NULL, 0)", [] { return ::syscall(SYS_modify_ldt, 0, nullptr, 0); },
            expected};
}
Call io_uring_setup_call(int expected) {
    return {"io_uring_setup(0, NULL)", [] { return ::syscall(SYS_io_uring_setup, 0, nullptr); },
            expected};
}
Call kcmp_call(int expected) {
    return {"kcmp(0, 0, -1)", [] { return ::syscall(SYS_kcmp, 0, 0, -1, 0, 0); }, expected};
}

constexpr int kEperm = EPERM;
constexpr int kEnosys = ENOSYS;
constexpr int kEinval = EINVAL;
constexpr unsigned long kAddrNoRandomize = 0x0040000;

// ---- Conformance ------------------------------------------------------------------------

// moby's default.json: default EPERM; the capability includes; ptrace from kernel 4.8.
TEST(SeccompImportConformance, MobyDefaultWithoutCapabilities) {
    SKIP_WITHOUT_FIXTURES();
    ImportReport report;
    SyscallPolicy policy =
        import_ok(read_fixture("moby-default.json"), context(0), "moby-default", &report);
    EXPECT_EQ(report.format, "docker");
    expect_decisions(policy,
                     {read_call(kAllowed),
                      write_call(kAllowed),
                      getpid_call(kAllowed),
                      ptrace_call(kAllowed),
                      reboot_call(kDefault),
                      clone3_call(kEnosys),
                      clone_plain_call(kAllowed),
                      clone_newuser_call(kDefault),
                      socket_call(AF_UNIX, SOCK_STREAM, 0, kAllowed),
                      socket_call(kAfVsock, SOCK_STREAM, 0, kDefault),
                      socket_call(kAfAlg, SOCK_SEQPACKET, 0, kDefault),
                      socket_call(39, SOCK_STREAM, 0, kAllowed),
                      personality_call(0xffffffffUL, kAllowed),
                      personality_call(8, kAllowed),
                      personality_call(kAddrNoRandomize, kDefault),
                      mount_call(kDefault),
                      unshare_call(kDefault),
                      setns_call(kDefault),
                      syslog_call(kDefault),
                      chroot_call(kDefault),
                      bpf_call(kDefault),
                      open_by_handle_at_call(kDefault),
                      modify_ldt_call(kAllowed),
                      kcmp_call(kDefault),
                      io_uring_setup_call(kDefault)},
                     "moby-default, no capabilities");
}

TEST(SeccompImportConformance, MobyDefaultWithSysAdmin) {
    SKIP_WITHOUT_FIXTURES();
    SyscallPolicy policy = import_ok(read_fixture("moby-default.json"),
                                     context(cap_bit(CAP_SYS_ADMIN)), "moby-default");
    expect_decisions(policy,
                     {mount_call(kAllowed), clone3_call(kAllowed), clone_newuser_call(kAllowed),
                      unshare_call(kAllowed), setns_call(kAllowed), syslog_call(kAllowed),
                      bpf_call(kAllowed), reboot_call(kDefault), chroot_call(kDefault),
                      socket_call(kAfVsock, SOCK_STREAM, 0, kDefault)},
                     "moby-default, CAP_SYS_ADMIN");
}

TEST(SeccompImportConformance, MobyDefaultOtherCapabilitiesAndOldKernels) {
    SKIP_WITHOUT_FIXTURES();
    CapSet caps = cap_bit(CAP_SYS_BOOT) | cap_bit(CAP_SYS_CHROOT) | cap_bit(CAP_SYS_PTRACE) |
                  cap_bit(CAP_DAC_READ_SEARCH) | cap_bit(CAP_SYSLOG);
    SyscallPolicy policy = import_ok(read_fixture("moby-default.json"), context(caps), "moby");
    expect_decisions(policy,
                     {reboot_call(kAllowed), chroot_call(kAllowed), kcmp_call(kAllowed),
                      open_by_handle_at_call(kAllowed), syslog_call(kAllowed), mount_call(kDefault),
                      clone3_call(kEnosys)},
                     "moby-default, BOOT CHROOT PTRACE DAC_READ_SEARCH SYSLOG");

    // minKernel 4.8 for ptrace: on an older kernel, and without CAP_SYS_PTRACE, it is refused.
    SyscallPolicy old = import_ok(read_fixture("moby-default.json"), context(0, {4, 7}), "moby");
    expect_decisions(old, {ptrace_call(kDefault), read_call(kAllowed)}, "moby-default, kernel 4.7");
}

// The old format: one "name" per entry, "architectures", no capability logic.
TEST(SeccompImportConformance, MobyOldFormat) {
    SKIP_WITHOUT_FIXTURES();
    SyscallPolicy policy = import_ok(read_fixture("moby-old-format.json"), context(0), "old");
    expect_decisions(policy,
                     {read_call(kAllowed),
                      write_call(kAllowed),
                      chmod_call(kAllowed),
                      syslog_call(kAllowed),
                      chroot_call(kAllowed),
                      modify_ldt_call(kAllowed),
                      personality_call(0, kAllowed),
                      personality_call(8, kAllowed),
                      personality_call(0xffffffffUL, kAllowed),
                      personality_call(0x20000, kDefault),
                      clone_plain_call(kAllowed),
                      clone_newuser_call(kDefault),
                      socket_call(kAfVsock, SOCK_STREAM, 0, kAllowed),
                      ptrace_call(kDefault),
                      unshare_call(kDefault),
                      setns_call(kDefault),
                      reboot_call(kDefault),
                      mount_call(kDefault),
                      clone3_call(kDefault),
                      io_uring_setup_call(kDefault)},
                     "moby-old-format");
}

// chmod always; syslog with CAP_SYSLOG; ptrace unless CAP_SYS_ADMIN; nothing else (not even
// write: the harness reports through shared memory).
TEST(SeccompImportConformance, MobyConditionalInclude) {
    SKIP_WITHOUT_FIXTURES();
    json doc = read_fixture("moby-conditional-include.json");
    expect_decisions(import_ok(doc, context(0), "cond"),
                     {chmod_call(kAllowed), syslog_call(kDefault), ptrace_call(kAllowed),
                      write_call(kDefault), getpid_call(kDefault)},
                     "conditional-include, no capabilities");
    expect_decisions(import_ok(doc, context(cap_bit(CAP_SYSLOG)), "cond"),
                     {chmod_call(kAllowed), syslog_call(kAllowed), ptrace_call(kAllowed)},
                     "conditional-include, CAP_SYSLOG");
    expect_decisions(import_ok(doc, context(cap_bit(CAP_SYS_ADMIN)), "cond"),
                     {chmod_call(kAllowed), syslog_call(kDefault), ptrace_call(kDefault)},
                     "conditional-include, CAP_SYS_ADMIN");
}

// moby's example.json asks errno 12345 for syslog, beyond what libseccomp and the kernel can
// return: the file is refused, at that entry. The rest is checked with that value set to 1.
TEST(SeccompImportConformance, MobyExampleRefusesItsErrnoThenMatches) {
    SKIP_WITHOUT_FIXTURES();
    json doc = read_fixture("moby-example.json");
    auto refused = import_policy(doc, context(0), "moby-example.json");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().to_string().find("moby-example.json: /syscalls/3/errnoRet: errno "
                                               "12345 is outside 1..4094"),
              std::string::npos)
        << refused.error().to_string();

    doc["syscalls"][3]["errnoRet"] = 1;
    expect_decisions(import_ok(doc, context(0), "example"),
                     {clone_plain_call(kAllowed),
                      clone_newuser_call(kDefault),
                      {"open(NULL)", [] { return ::syscall(SYS_open, nullptr, 0); }, kAllowed},
                      {"close(-1)", [] { return ::syscall(SYS_close, -1); }, kAllowed},
                      syslog_call(kDefault),
                      read_call(kDefault)},
                     "moby-example, errnoRet 1");
}

// containers/common (podman): default ENOSYS, explicit EPERM entries, the NETLINK_AUDIT rule.
TEST(SeccompImportConformance, ContainersCommonDefault) {
    SKIP_WITHOUT_FIXTURES();
    json doc = read_fixture("containers-common-default.json");
    ImportReport report;
    expect_decisions(
        import_ok(doc, context(0), "podman", &report),
        {read_call(kAllowed), write_call(kAllowed), mount_call(kAllowed), clone3_call(kAllowed),
         reboot_call(kAllowed), vmsplice_call(kEperm), sethostname_call(kEperm),
         // Allowed by one entry, EPERM without CAP_SYS_ADMIN by another: the deny is kept.
         setns_call(kEperm), bpf_call(kEperm), perf_event_open_call(kEperm), chroot_call(kEperm),
         socket_call(kAfNetlink, SOCK_RAW, kNetlinkAudit, kEinval),
         socket_call(kAfNetlink, SOCK_RAW, 0, kAllowed),
         socket_call(AF_UNIX, SOCK_STREAM, 0, kAllowed),
         socket_call(kAfVsock, SOCK_STREAM, 0, kAllowed), personality_call(8, kAllowed),
         personality_call(kAddrNoRandomize, kDefault), io_uring_setup_call(kDefault)},
        "containers-common-default, no capabilities");
    EXPECT_FALSE(report.notes.empty());

    CapSet caps = cap_bit(CAP_SYS_ADMIN) | cap_bit(CAP_AUDIT_WRITE);
    expect_decisions(import_ok(doc, context(caps), "podman"),
                     {setns_call(kAllowed), sethostname_call(kAllowed), bpf_call(kAllowed),
                      // Neither denied (SYS_ADMIN excludes it) nor allowed (no CAP_PERFMON).
                      perf_event_open_call(kDefault), chroot_call(kEperm),
                      socket_call(kAfNetlink, SOCK_RAW, kNetlinkAudit, kAllowed)},
                     "containers-common-default, SYS_ADMIN AUDIT_WRITE");
}

TEST(SeccompImportConformance, ContainersCommonExample) {
    SKIP_WITHOUT_FIXTURES();
    json doc = read_fixture("containers-common-example.json");
    expect_decisions(import_ok(doc, context(0), "example"),
                     {read_call(kAllowed), mount_call(kAllowed), reboot_call(kAllowed),
                      socket_call(kAfVsock, SOCK_STREAM, 0, kAllowed), clone_plain_call(kAllowed),
                      clone_newuser_call(kDefault), ptrace_call(kDefault), chroot_call(kDefault),
                      setns_call(kDefault), clone3_call(kDefault), personality_call(8, kAllowed),
                      personality_call(kAddrNoRandomize, kDefault)},
                     "containers-common-example, no capabilities");
    expect_decisions(import_ok(doc, context(cap_bit(CAP_SYS_ADMIN)), "example"),
                     {clone_newuser_call(kAllowed), setns_call(kAllowed), ptrace_call(kDefault)},
                     "containers-common-example, CAP_SYS_ADMIN");
}

// Every fixture is read, and those meant to load compile, for no capability and for all.
TEST(SeccompImportConformance, EveryFixtureIsRead) {
    SKIP_WITHOUT_FIXTURES();
    int seen = 0;
    for (const auto& file : std::filesystem::directory_iterator(kFixtures)) {
        if (file.path().extension() != ".json") continue;
        ++seen;
        for (CapSet caps : {CapSet{0}, (CapSet{1} << (kCapLast + 1)) - 1}) {
            auto policy = import_policy_file(file.path(), context(caps));
            if (file.path().filename() == "moby-example.json") {
                EXPECT_FALSE(policy.ok()) << "errno 12345 must be refused";
                continue;
            }
            ASSERT_TRUE(policy.ok()) << policy.error().to_string();
            auto program = compile(*policy);
            EXPECT_TRUE(program.ok()) << file.path() << ": " << program.error().to_string();
        }
    }
    EXPECT_GE(seen, 6);
}

// ---- Formats ----------------------------------------------------------------------------

TEST(SeccompImportFormat, OciAloneAndInsideAConfig) {
    json oci = json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                     {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 77},
                     {"names": ["chmod"], "action": "SCMP_ACT_KILL_THREAD"}]})");
    ImportReport report;
    SyscallPolicy policy = import_ok(oci, context(0), "oci", &report);
    EXPECT_EQ(report.format, "oci");
    EXPECT_EQ(policy.default_errno, 38);
    EXPECT_EQ(policy.rules.back().action, SyscallAction::kill);
    expect_decisions(policy, {read_call(kAllowed), getpid_call(77), chroot_call(kDefault)}, "oci");

    json config = {{"ociVersion", "1.0.2"}, {"linux", {{"seccomp", oci}}}};
    ImportReport in_config;
    EXPECT_EQ(import_ok(config, context(0), "config", &in_config), policy);
    EXPECT_EQ(in_config.format, "oci config.json");

    config["linux"]["seccomp"]["syscalls"][1]["action"] = "SCMP_ACT_NOTIFY";
    auto notify = import_policy(config, context(0), "config.json");
    ASSERT_FALSE(notify.ok());
    EXPECT_NE(notify.error().to_string().find(
                  "config.json: /linux/seccomp/syscalls/1/action: SCMP_ACT_NOTIFY (user "
                  "notification) is not supported yet"),
              std::string::npos)
        << notify.error().to_string();
}

TEST(SeccompImportFormat, ContainervProfileAndSection) {
    json section = json::parse(R"({"default_action": "errno", "default_errno": 13,
        "allowed": ["read"], "rules": [{"names": ["getpid"], "action": "errno", "errno": 77}]})");
    ImportReport report;
    SyscallPolicy policy = import_ok(section, context(0), "section", &report);
    EXPECT_EQ(report.format, "containerv syscalls");
    EXPECT_EQ(policy.default_errno, 13);
    expect_decisions(policy, {read_call(kAllowed), getpid_call(77), write_call(kDefault)},
                     "containerv section");

    json profile = {{"name", "x"}, {"syscalls", section}};
    EXPECT_EQ(import_ok(profile, context(0), "profile", &report), policy);
    EXPECT_EQ(report.format, "containerv profile");

    profile["extends"] = "default";
    auto extends = import_policy(profile, context(0), "p.json");
    ASSERT_FALSE(extends.ok());
    EXPECT_NE(extends.error().to_string().find("p.json: /extends"), std::string::npos);
}

TEST(SeccompImportFormat, ArchesAreReadNarrowly) {
    // An allow for the i386 ABI only is not applied (the rules hold on every ABI); a deny for
    // it is; an exclusion of the native arch removes the entry.
    json doc = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 70,
         "includes": {"arches": ["x86"]}},
        {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 71,
         "excludes": {"arches": ["amd64"]}},
        {"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 72,
         "includes": {"arches": ["arm64"]}}]})");
    expect_decisions(import_ok(doc, context(0), "arches"),
                     {getpid_call(70), chmod_call(kAllowed), read_call(kAllowed)}, "arches");

    json deny = json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["x86"]}}]})");
    expect_decisions(import_ok(deny, context(0), "arches"), {getpid_call(kDefault)}, "arches");

    json other = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_AARCH64"], "syscalls": []})");
    auto refused = import_policy(other, context(0), "arm.json");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().to_string().find("arm.json: /architectures: the policy is "
                                               "written for other architectures"),
              std::string::npos)
        << refused.error().to_string();
}

TEST(SeccompImportFormat, UnknownNamesAreSkippedUnlessADenyWouldVanish) {
    json allow = json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read", "no_such_call"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["other_missing_call"], "action": "SCMP_ACT_KILL"}]})");
    ImportReport report;
    SyscallPolicy policy = import_ok(allow, context(0), "allow", &report);
    EXPECT_EQ(policy.allowed, std::vector<std::string>{"read"});
    EXPECT_EQ(report.skipped, (std::vector<std::string>{"no_such_call", "other_missing_call"}));

    json deny = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read", "no_such_call"], "action": "SCMP_ACT_ERRNO"}]})");
    auto refused = import_policy(deny, context(0), "deny.json");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().to_string().find(
                  "deny.json: /syscalls/0/names/1: unknown syscall \"no_such_call\""),
              std::string::npos)
        << refused.error().to_string();

    // A trace default is no deny: an attached tracer may let the call through.
    json traced = json::parse(R"({"defaultAction": "SCMP_ACT_TRACE", "syscalls": [
        {"names": ["no_such_call"], "action": "SCMP_ACT_ERRNO"}]})");
    EXPECT_FALSE(import_policy(traced, context(0), "trace.json").ok());
}

// ---- Bad input --------------------------------------------------------------------------

struct BadInput {
    std::string what;
    std::string doc;
    std::string expected;  // part of the error: the pointer and the reason
};

TEST(SeccompImportBadInput, EachMistakeIsAnErrorAtItsEntry) {
    const std::string head = R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [)";
    const std::vector<BadInput> cases = {
        {"unknown action", head + R"({"names": ["read"], "action": "SCMP_ACT_MAYBE"}]})",
         "f.json: /syscalls/0/action: unknown action \"SCMP_ACT_MAYBE\""},
        {"unknown default action", R"({"defaultAction": "ALLOW"})",
         "f.json: /defaultAction: unknown action \"ALLOW\""},
        {"argument index 6", head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO",
                    "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})",
         "f.json: /syscalls/0/args/0/index: argument index 6 is outside 0..5"},
        {"errno 0", head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 0}]})",
         "f.json: /syscalls/0/errnoRet: errno 0 is outside 1..4094"},
        {"errno 5000",
         head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5000}]})",
         "f.json: /syscalls/0/errnoRet: errno 5000 is outside 1..4094"},
        {"default errno 5000", R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 5000})",
         "f.json: /defaultErrnoRet: errno 5000 is outside 1..4094"},
        {"unknown op", head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO",
                    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]})",
         "f.json: /syscalls/0/args/0/op: unknown comparison \"SCMP_CMP_LIKE\""},
        {"two conditions on one argument", head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO",
                    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_GT"},
                             {"index": 0, "value": 9, "op": "SCMP_CMP_LT"}]}]})",
         "f.json: /syscalls/0/args/1/index: a second condition on argument 0"},
        {"valueTwo without MASKED_EQ", head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO",
                    "args": [{"index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_EQ"}]}]})",
         "f.json: /syscalls/0/args/0/valueTwo: valueTwo is only used by SCMP_CMP_MASKED_EQ"},
        {"misspelt key",
         head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO", "exclude": {}}]})",
         "f.json: /syscalls/0/exclude: unknown key \"exclude\""},
        {"unknown capability", head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO",
                    "includes": {"caps": ["CAP_FLY"]}}]})",
         "f.json: /syscalls/0/includes/caps/0: unknown capability \"CAP_FLY\""},
        // A misspelt arch in an include would otherwise drop the deny without a word.
        {"unknown arch in an include", head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO",
                    "includes": {"arches": ["amd65"]}}]})",
         "f.json: /syscalls/0/includes/arches/0: unknown architecture \"amd65\""},
        {"bad minKernel", head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO",
                    "includes": {"minKernel": "new"}}]})",
         "f.json: /syscalls/0/includes/minKernel: expected a version"},
        {"errno for allow", head + R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                                       "errnoRet": 1}]})",
         "f.json: /syscalls/0/errnoRet: an errno is given for an action that returns none"},
        {"name and names", head + R"({"names": ["read"], "name": "write",
                                      "action": "SCMP_ACT_ERRNO"}]})",
         "f.json: /syscalls/0/name: both \"name\" and \"names\""},
        {"errno name disagrees", head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO",
                                           "errnoRet": 1, "errno": "EACCES"}]})",
         "f.json: /syscalls/0/errno: \"EACCES\" is 13, but errnoRet says 1"},
        {"no default action", R"({"syscalls": []})", "f.json: /defaultAction: missing"},
        {"not a policy", R"({"hello": 1})", "f.json: /: not a seccomp policy"},
        {"not an object", R"([1, 2])", "f.json: /: expected a JSON object"},
    };
    for (const BadInput& c : cases) {
        auto result = import_policy(json::parse(c.doc), context(0), "f.json");
        ASSERT_FALSE(result.ok()) << c.what;
        EXPECT_NE(result.error().to_string().find(c.expected), std::string::npos)
            << c.what << ": " << result.error().to_string();
    }
}

TEST(SeccompImportBadInput, MalformedJsonNamesTheLine) {
    char dir_template[] = "/tmp/cv-import-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    const std::string path = std::string(dir_template) + "/broken.json";
    std::ofstream(path) << "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n";
    auto result = import_policy_file(path, context(0));
    std::filesystem::remove_all(dir_template);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().to_string().find(path + ": parse error at line 3"), std::string::npos)
        << result.error().to_string();
}

TEST(SeccompImportKernel, VersionsParse) {
    EXPECT_EQ(parse_kernel_version("6.1.0-18-amd64"), (KernelVersion{6, 1}));
    EXPECT_EQ(parse_kernel_version("4.8"), (KernelVersion{4, 8}));
    EXPECT_EQ(parse_kernel_version("5"), std::nullopt);
    EXPECT_EQ(parse_kernel_version("x.1"), std::nullopt);
    EXPECT_GE(host_import_context(0).kernel, (KernelVersion{4, 14}));
}

// Two equal keys in one object: the parser keeps the last, so which one the author meant is
// a guess; the file is refused instead, with where the second key is.
TEST(SeccompImport, DuplicateKeysInAFileAreRefused) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cv-import-dup-XXXXXX").string();
    std::string base = ::mkdtemp(pattern.data()) ? pattern : "";
    ASSERT_FALSE(base.empty());
    const std::string path = base + "/dup.json";
    {
        std::ofstream out(path);
        out << "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [\n"
               "  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", "
               "\"action\": \"SCMP_ACT_ALLOW\"}]}\n";
    }
    auto policy = import_policy_file(path, ImportContext{});
    ASSERT_FALSE(policy.ok());
    EXPECT_NE(policy.error().to_string().find(path + ":2:"), std::string::npos)
        << policy.error().to_string();
    EXPECT_NE(policy.error().to_string().find("/syscalls/0/action: key given twice"),
              std::string::npos)
        << policy.error().to_string();
    std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace containerv::seccomp
