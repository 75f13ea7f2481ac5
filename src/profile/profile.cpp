#include <containerv/profile.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace containerv {
namespace {

constexpr std::array<std::string_view, 4> kLevelNames = {"permissive", "restricted", "strict",
                                                         "paranoid"};

// Indexed by SyscallAction's value; "errno" is the file format's word for errno_ret.
constexpr std::array<std::string_view, 6> kActionNames = {"allow", "errno", "kill",
                                                          "trap",  "trace", "log"};

constexpr std::array<std::string_view, 3> kWantNames = {"off", "if-available", "required"};

// Indexed by the kernel's capability number (linux/capability.h), without the CAP_ prefix.
constexpr std::array<std::string_view, kCapLast + 1> kCapNames = {"CHOWN",
                                                                  "DAC_OVERRIDE",
                                                                  "DAC_READ_SEARCH",
                                                                  "FOWNER",
                                                                  "FSETID",
                                                                  "KILL",
                                                                  "SETGID",
                                                                  "SETUID",
                                                                  "SETPCAP",
                                                                  "LINUX_IMMUTABLE",
                                                                  "NET_BIND_SERVICE",
                                                                  "NET_BROADCAST",
                                                                  "NET_ADMIN",
                                                                  "NET_RAW",
                                                                  "IPC_LOCK",
                                                                  "IPC_OWNER",
                                                                  "SYS_MODULE",
                                                                  "SYS_RAWIO",
                                                                  "SYS_CHROOT",
                                                                  "SYS_PTRACE",
                                                                  "SYS_PACCT",
                                                                  "SYS_ADMIN",
                                                                  "SYS_BOOT",
                                                                  "SYS_NICE",
                                                                  "SYS_RESOURCE",
                                                                  "SYS_TIME",
                                                                  "SYS_TTY_CONFIG",
                                                                  "MKNOD",
                                                                  "LEASE",
                                                                  "AUDIT_WRITE",
                                                                  "AUDIT_CONTROL",
                                                                  "SETFCAP",
                                                                  "MAC_OVERRIDE",
                                                                  "MAC_ADMIN",
                                                                  "SYSLOG",
                                                                  "WAKE_ALARM",
                                                                  "BLOCK_SUSPEND",
                                                                  "AUDIT_READ",
                                                                  "PERFMON",
                                                                  "BPF",
                                                                  "CHECKPOINT_RESTORE"};

template <class Enum, std::size_t N>
std::optional<Enum> find_name(const std::array<std::string_view, N>& names, std::string_view name) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == name) return static_cast<Enum>(i);
    }
    return std::nullopt;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

Error profile_error(const Profile& profile, std::string message) {
    Error e = Error::msg("profile", std::move(message));
    e.path = profile.name;
    return e;
}

// Empty for a value outside the enum, as a C caller's cast can produce.
template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, Enum value) {
    const auto i = static_cast<std::size_t>(value);
    return i < N ? names[i] : std::string_view{};
}

}  // namespace

std::string_view to_string(Level level) {
    return name_of(kLevelNames, level);
}

std::optional<Level> level_from_string(std::string_view name) {
    return find_name<Level>(kLevelNames, name);
}

std::string_view to_string(SyscallAction action) {
    return name_of(kActionNames, action);
}

std::optional<SyscallAction> syscall_action_from_string(std::string_view name) {
    return find_name<SyscallAction>(kActionNames, name);
}

std::string_view to_string(Want want) {
    return name_of(kWantNames, want);
}

std::optional<Want> want_from_string(std::string_view name) {
    return find_name<Want>(kWantNames, name);
}

std::string_view capability_name(int cap) {
    if (cap < 0 || cap > kCapLast) return {};
    return kCapNames[static_cast<std::size_t>(cap)];
}

std::optional<int> capability_from_name(std::string_view name) {
    std::string key = upper(name);
    if (key.starts_with("CAP_")) key.erase(0, 4);
    for (int cap = 0; cap <= kCapLast; ++cap) {
        if (kCapNames[static_cast<std::size_t>(cap)] == key) return cap;
    }
    return std::nullopt;
}

std::vector<std::string> capability_names(CapSet set) {
    std::vector<std::string> names;
    for (int cap = 0; cap <= kCapLast; ++cap) {
        if (set & cap_bit(cap)) names.emplace_back(capability_name(cap));
    }
    return names;
}

Status check_consistency(const Profile& profile) {
    if (CapSet both = profile.allowed_caps & profile.dropped_caps; both != 0) {
        const auto names = capability_names(both);
        const std::string what = names.size() == 1 ? "capability " + join(names) + " is"
                                                   : "capabilities " + join(names) + " are";
        return profile_error(profile, what + " both allowed and dropped");
    }

    if (profile.level == Level::paranoid && !profile.network.isolated) {
        return profile_error(profile,
                             "level paranoid requires an isolated network "
                             "(network.isolated is false)");
    }

    const std::set<std::string> blocked(profile.syscalls.blocked.begin(),
                                        profile.syscalls.blocked.end());
    std::vector<std::string> both;
    for (const auto& name : profile.syscalls.allowed) {
        if (blocked.contains(name) && std::find(both.begin(), both.end(), name) == both.end()) {
            both.push_back(name);
        }
    }
    if (!both.empty()) {
        const std::string what =
            both.size() == 1 ? "syscall " + join(both) + " is" : "syscalls " + join(both) + " are";
        return profile_error(profile, what + " both allowed and blocked");
    }

    return Ok{};
}

}  // namespace containerv
