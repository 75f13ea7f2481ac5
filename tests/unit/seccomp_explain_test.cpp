// Explanations and the OCI export are made from the same layout the compiler uses; these
// tests check that they name the deciding rule and carry the policy's meaning.
#include "seccomp/baseline.hpp"
#include "seccomp/compile.hpp"
#include "seccomp/explain.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>
#include <seccomp.h>

#include <string>

namespace containerv::seccomp {
namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

FilterLayout laid_out(const SyscallPolicy& policy, const CompileOptions& options = {}) {
    auto out = layout(policy, options);
    if (!out) {
        ADD_FAILURE() << out.error().to_string();
        return {};
    }
    return *out;
}

std::string explained(const FilterLayout& filter, const char* name) {
    auto text = explain_syscall(filter, name);
    if (!text) {
        ADD_FAILURE() << text.error().to_string();
        return "";
    }
    return *text;
}

TEST(SeccompExplain, NamesTheDecidingRule) {
    const FilterLayout docker = laid_out(docker_like_policy(0));

    const std::string mount = explained(docker, "mount");
    EXPECT_TRUE(has(mount, "errno(1), the default action: no rule of the policy names it"))
        << mount;

    const std::string read = explained(docker, "read");
    EXPECT_TRUE(has(read, "allow, by syscalls.allowed[")) << read;

    const std::string socket = explained(docker, "socket");
    EXPECT_TRUE(has(socket, "allow when arg0 < 38, by syscalls.rules[")) << socket;
    EXPECT_TRUE(has(socket, "otherwise errno(1), the default action")) << socket;

    const std::string clone = explained(docker, "clone");
    EXPECT_TRUE(has(clone, "allow when arg0 & 0x7e020000 == 0x0")) << clone;

    auto unknown = explain_syscall(docker, "no_such_call");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().to_string(), "seccomp: unknown syscall \"no_such_call\"");
}

TEST(SeccompExplain, TellsBlockedFamiliesAndKilledAbis) {
    SyscallPolicy policy;
    policy.blocked = {"mount"};
    const FilterLayout filter = laid_out(policy, options_for(Level::strict));
    const std::string fsopen = explained(filter, "fsopen");
    EXPECT_TRUE(has(fsopen, "errno(1), by syscalls.blocked[0] (the same operation")) << fsopen;
    if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        EXPECT_TRUE(has(fsopen, "x86: kill")) << fsopen;
        const std::string table = explain_table(filter);
        EXPECT_TRUE(has(table, "every call through x32 kills the process")) << table;
    }
}

TEST(SeccompExplain, TableHasOneColumnPerAbi) {
    const FilterLayout docker = laid_out(docker_like_policy(0));
    const std::string table = explain_table(docker);
    EXPECT_TRUE(has(table, "default action: errno(1)")) << table;
    bool read_row = false;
    bool socket_row = false;
    std::size_t start = 0;
    while (start < table.size()) {
        std::size_t end = table.find('\n', start);
        const std::string line = table.substr(start, end - start);
        EXPECT_LE(line.size(), 100U) << line;
        if (line.rfind("read ", 0) == 0) read_row = has(line, "allow");
        if (line.rfind("socket ", 0) == 0) socket_row = has(line, "allow*");
        start = end == std::string::npos ? table.size() : end + 1;
    }
    EXPECT_TRUE(read_row);
    EXPECT_TRUE(socket_row);
}

TEST(SeccompExport, OciCarriesThePolicy) {
    const nlohmann::json oci = oci_seccomp(laid_out(docker_like_policy(0)));
    EXPECT_EQ(oci["defaultAction"], "SCMP_ACT_ERRNO");
    EXPECT_EQ(oci["defaultErrnoRet"], 1);

    bool read_allowed = false;
    bool clone_masked = false;
    bool clone3_enosys = false;
    for (const auto& rule : oci["syscalls"]) {
        for (const auto& name : rule["names"]) {
            if (name == "read" && rule["action"] == "SCMP_ACT_ALLOW" && !rule.contains("args")) {
                read_allowed = true;
            }
            if (name == "clone" && rule.contains("args")) {
                const auto& arg = rule["args"][0];
                clone_masked = arg["op"] == "SCMP_CMP_MASKED_EQ" && arg["value"] == 0x7E020000 &&
                               arg["valueTwo"] == 0 && arg["index"] == 0;
            }
            if (name == "clone3") {
                clone3_enosys = rule["action"] == "SCMP_ACT_ERRNO" && rule["errnoRet"] == 38;
            }
        }
    }
    EXPECT_TRUE(read_allowed);
    EXPECT_TRUE(clone_masked);
    EXPECT_TRUE(clone3_enosys);

    if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        EXPECT_EQ(oci["architectures"].size(), 3U);
        const nlohmann::json strict =
            oci_seccomp(laid_out(untrusted_policy(), options_for(Level::paranoid)));
        EXPECT_EQ(strict["architectures"], nlohmann::json::array({"SCMP_ARCH_X86_64"}));
    }
}

}  // namespace
}  // namespace containerv::seccomp
