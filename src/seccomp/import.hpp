// Policy files people already have, read into a SyscallPolicy: Docker/Moby's seccomp JSON, the
// OCI runtime-spec's linux.seccomp object (alone or in a config.json), and containerv's own
// format (a profile, or its "syscalls" section).
#pragma once

#include <containerv/profile.hpp>

#include <nlohmann/json.hpp>

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace containerv::seccomp {

struct KernelVersion {
    int major = 0;
    int minor = 0;
    auto operator<=>(const KernelVersion&) const = default;
};

// "6.1.0-18-amd64" -> 6.1; also Docker's minKernel "4.8". Empty when there is no "X.Y".
std::optional<KernelVersion> parse_kernel_version(std::string_view release);

// What Docker's includes and excludes are decided against.
struct ImportContext {
    CapSet caps = 0;       // the capabilities the sandbox will hold
    KernelVersion kernel;  // the running kernel
};

// `caps` and the running kernel, from uname(2).
ImportContext host_import_context(CapSet caps);

// What an import did, for the CLI's summary line.
struct ImportReport {
    std::string format;                // "docker", "oci", "oci config.json", "containerv ..."
    std::vector<std::string> skipped;  // names unknown to the linked libseccomp, left out
    std::vector<std::string> notes;    // other things the reader decided, one line each
};

// Detects the format and reads the policy. Errors name `source` and the JSON pointer of the
// offending entry. Nothing is guessed: an entry whose meaning is unclear is an error.
Result<SyscallPolicy> import_policy(const nlohmann::json& doc, const ImportContext& ctx,
                                    const std::string& source, ImportReport* report = nullptr);

// read_profile_text (trusted owner, regular file, 1 MiB at most), JSON parsing, import_policy.
Result<SyscallPolicy> import_policy_file(const std::string& path, const ImportContext& ctx,
                                         ImportReport* report = nullptr);

}  // namespace containerv::seccomp
