// The security profile: a plain value describing what the user wants. No platform code here;
// src/plan maps each field to the mechanism that enforces it on this host.
#pragma once

#include <containerv/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace containerv {

enum class Level { permissive = 0, restricted = 1, strict = 2, paranoid = 3 };

std::string_view to_string(Level level);
std::optional<Level> level_from_string(std::string_view name);

// Linux capabilities by the kernel's numbers: CHOWN = 0 ... CHECKPOINT_RESTORE = 40.
constexpr int kCapLast = 40;

// A set of capabilities as a bit mask, bit N = capability N.
using CapSet = std::uint64_t;

constexpr CapSet cap_bit(int cap) {
    return CapSet{1} << cap;
}

// "SYS_ADMIN" for 21; empty for an unknown number.
std::string_view capability_name(int cap);
// Accepts "SYS_ADMIN", "CAP_SYS_ADMIN", any case. Empty when unknown.
std::optional<int> capability_from_name(std::string_view name);
// Names of the set bits, in number order, without the CAP_ prefix.
std::vector<std::string> capability_names(CapSet set);

enum class SyscallAction { allow, errno_ret, kill, trap, trace, log };

std::string_view to_string(SyscallAction action);
std::optional<SyscallAction> syscall_action_from_string(std::string_view name);

// One condition on a syscall argument, as libseccomp's scmp_arg_cmp.
struct ArgCondition {
    enum class Op { eq, ne, lt, le, gt, ge, masked_eq };
    unsigned index = 0;  // 0..5
    Op op = Op::eq;
    std::uint64_t value = 0;      // for masked_eq: the mask
    std::uint64_t value_two = 0;  // for masked_eq: the value the masked argument must equal
    bool operator==(const ArgCondition&) const = default;
};

// A rule: these syscalls get this action when all conditions hold. Several rules for one
// syscall are alternatives.
struct SyscallRule {
    std::vector<std::string> names;
    SyscallAction action = SyscallAction::allow;
    int errno_value = 0;  // for errno_ret; 0 means the policy's default_errno
    std::vector<ArgCondition> args;
    bool operator==(const SyscallRule&) const = default;
};

struct SyscallPolicy {
    SyscallAction default_action = SyscallAction::allow;
    int default_errno = 1;             // EPERM, when default_action is errno_ret
    std::vector<std::string> allowed;  // shorthand: rule {names, allow}
    std::vector<std::string> blocked;  // shorthand: rule {names, errno_ret, EPERM}
    std::vector<SyscallRule> rules;
    bool operator==(const SyscallPolicy&) const = default;
};

struct NetworkPolicy {
    bool isolated = false;
    std::vector<std::string> allowed_ports;  // "tcp:80", "udp:53"
    std::vector<std::string> allowed_hosts;  // "*" means any host
    bool operator==(const NetworkPolicy&) const = default;
};

struct FilesystemPolicy {
    bool read_only_root = false;
    std::vector<std::string> writable_paths;
    std::vector<std::string> masked_paths;
    std::vector<std::string> read_only_paths;
    bool no_suid = true;
    bool operator==(const FilesystemPolicy&) const = default;
};

struct ProcessPolicy {
    std::string run_as_user;           // resolved in the sandbox root's /etc/passwd
    std::optional<std::uint32_t> uid;  // used when the root has no such user, or no name
    std::optional<std::uint32_t> gid;
    bool no_new_privileges = true;
    bool operator==(const ProcessPolicy&) const = default;
};

// How much a profile wants a mechanism that not every host has.
enum class Want { off, if_available, required };
std::string_view to_string(Want want);
std::optional<Want> want_from_string(std::string_view name);

struct MacPolicy {
    Want apparmor = Want::off;
    std::string apparmor_profile;  // a profile name to use; empty: generated
    Want selinux = Want::off;
    std::string selinux_context;
    // Landlock: the profile's file and TCP rules enforced by the kernel again, independently
    // of the mounts. Wanted where available unless a profile says otherwise.
    Want landlock = Want::if_available;
    bool operator==(const MacPolicy&) const = default;
};

// Process resource limits (setrlimit in the command, soft = hard; cpu: soft, hard one more).
// Unset means the caller's own limit is inherited.
struct Rlimits {
    std::optional<std::uint64_t> nofile;         // RLIMIT_NOFILE: open descriptors
    std::optional<std::uint64_t> nproc;          // RLIMIT_NPROC: processes of the user
    std::optional<std::uint64_t> core;           // RLIMIT_CORE: bytes of a core dump
    std::optional<std::uint64_t> fsize;          // RLIMIT_FSIZE: bytes of one file
    std::optional<std::uint64_t> cpu_seconds;    // RLIMIT_CPU: seconds of cpu time
    std::optional<std::uint64_t> address_space;  // RLIMIT_AS: bytes of virtual memory
    bool operator==(const Rlimits&) const = default;
};

// Resource limits, enforced by a per-sandbox cgroup (and rlimits). Unset means no limit.
struct ResourcePolicy {
    std::optional<std::uint64_t> memory_bytes;
    std::optional<std::uint64_t> swap_bytes;  // swap on top of memory_bytes; 0: none
    std::optional<double> cpus;               // a fraction of cores' time
    std::optional<std::uint64_t> cpu_weight;  // 1-10000 (cgroup v2's cpu.weight scale)
    std::optional<std::uint64_t> pids;
    // Host devices the sandbox may use beyond the default set, "PATH[:ACCESS]", ACCESS of
    // r, w, m (default rw); each is bound at PATH into the sandbox's /dev.
    std::vector<std::string> devices;
    Rlimits rlimits;
    bool operator==(const ResourcePolicy&) const = default;
};

struct WindowsPolicy {
    bool app_container = false;
    std::string integrity_level;
    std::vector<std::string> capability_sids;
    std::vector<std::string> privileges;
    bool operator==(const WindowsPolicy&) const = default;
};

struct Profile {
    std::string name;
    std::string description;
    Level level = Level::restricted;
    CapSet allowed_caps = 0;
    CapSet dropped_caps = 0;
    SyscallPolicy syscalls;
    NetworkPolicy network;
    FilesystemPolicy filesystem;
    ProcessPolicy process;
    MacPolicy mac;
    ResourcePolicy resources;
    WindowsPolicy windows;
    bool operator==(const Profile&) const = default;
};

// The five built-in profiles, in the order of the original design.
const std::vector<Profile>& builtin_profiles();
// One of them by name, or nullptr; made on first use alone (not through builtin_profiles),
// and valid for the life of the program.
const Profile* find_builtin(std::string_view name);

// What a new profile of `level` starts from (profile create, the C API's create): permissive
// is build-environment, restricted is default, paranoid is untrusted, strict sits between
// default and untrusted (see docs/PROFILES.md).
Profile profile_for_level(Level level);

// Checks that need no host: contradictions such as a capability both allowed and dropped.
Status check_consistency(const Profile& profile);

}  // namespace containerv
