#include "capi/convert.hpp"

#include "seccomp/args_expr.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace containerv::capi {
namespace {

static_assert(CV_SECURITY_PERMISSIVE == static_cast<int>(Level::permissive));
static_assert(CV_SECURITY_PARANOID == static_cast<int>(Level::paranoid));
static_assert(CV_SYSCALL_ALLOW == static_cast<int>(SyscallAction::allow));
static_assert(CV_SYSCALL_ERRNO == static_cast<int>(SyscallAction::errno_ret));
static_assert(CV_SYSCALL_KILL == static_cast<int>(SyscallAction::kill));
static_assert(CV_SYSCALL_TRAP == static_cast<int>(SyscallAction::trap));
static_assert(CV_SYSCALL_TRACE == static_cast<int>(SyscallAction::trace));
static_assert(CV_SYSCALL_LOG == static_cast<int>(SyscallAction::log));
static_assert(CV_MAC_OFF == static_cast<int>(Want::off));
static_assert(CV_MAC_IF_AVAILABLE == static_cast<int>(Want::if_available));
static_assert(CV_MAC_REQUIRED == static_cast<int>(Want::required));
static_assert(CV_CAP_CHECKPOINT_RESTORE == kCapLast);

constexpr CapSet kKnownCaps = (CapSet{1} << (kCapLast + 1)) - 1;

Error field_error(const std::string& field, const std::string& message) {
    return Error::msg("profile", field + ": " + message);
}

std::string text(const char* s) {
    return s ? std::string(s) : std::string();
}

std::vector<std::string> strings_of(char* const* list) {
    std::vector<std::string> out;
    for (; list && *list; ++list) out.emplace_back(*list);
    return out;
}

void free_list(char** list) noexcept {
    for (char** item = list; item && *item; ++item) std::free(*item);
    std::free(list);
}

// Always an array, if only {NULL}, so callers can walk every list without a NULL check.
char** copy_list(const std::vector<std::string>& items) {
    auto** list = static_cast<char**>(std::calloc(items.size() + 1, sizeof(char*)));
    if (!list) throw std::bad_alloc();
    try {
        for (std::size_t i = 0; i < items.size(); ++i) list[i] = copy_string(items[i]);
    } catch (...) {
        free_list(list);
        throw;
    }
    return list;
}

void free_filters(containerv_syscall_filter* filters, int count) noexcept {
    for (int i = 0; filters && i < count; ++i) {
        std::free(filters[i].name);
        std::free(filters[i].args_filter);
    }
    std::free(filters);
}

// One filter per name of each rule: the C struct has one name per filter.
containerv_syscall_filter* copy_filters(const std::vector<SyscallRule>& rules, int& count) {
    std::size_t n = 0;
    for (const auto& rule : rules) n += rule.names.size();
    count = 0;
    if (n == 0) return nullptr;
    auto* filters =
        static_cast<containerv_syscall_filter*>(std::calloc(n, sizeof(containerv_syscall_filter)));
    if (!filters) throw std::bad_alloc();
    try {
        for (const auto& rule : rules) {
            for (const auto& name : rule.names) {
                containerv_syscall_filter& f = filters[count++];
                f.action = static_cast<containerv_syscall_action>(rule.action);
                f.errno_value = rule.errno_value;
                f.name = copy_string(name);
                if (!rule.args.empty()) f.args_filter = copy_string(format_args(rule.args));
            }
        }
    } catch (...) {
        free_filters(filters, count);
        throw;
    }
    return filters;
}

template <class Enum>
bool in_range(const Enum& value, int last) {
    const int n = raw(value);
    return n >= 0 && n <= last;
}

Result<Want> want_of(const char* field, const containerv_mac_want& want, bool wanted) {
    if (!in_range(want, CV_MAC_REQUIRED))
        return field_error(field,
                           std::to_string(raw(want)) + " is not a containerv_mac_want (0..2)");
    // The design's boolean alone asks for the mechanism without a fallback.
    if (want == CV_MAC_OFF && wanted) return Want::required;
    return static_cast<Want>(want);
}

Result<SyscallRule> rule_of(const containerv_syscall_filter& f, const std::string& field) {
    if (!f.name || !*f.name) return field_error(field + ".name", "missing syscall name");
    if (!in_range(f.action, CV_SYSCALL_LOG))
        return field_error(field + ".action", std::to_string(raw(f.action)) +
                                                  " is not a containerv_syscall_action (0..5)");
    SyscallRule rule;
    rule.names = {f.name};
    rule.action = static_cast<SyscallAction>(f.action);
    rule.errno_value = f.errno_value;
    auto args = parse_args(text(f.args_filter));
    if (!args) return field_error(field + ".args_filter", args.error().message);
    rule.args = std::move(*args);
    return rule;
}

}  // namespace

char* copy_string(std::string_view s) {
    auto* out = static_cast<char*>(std::malloc(s.size() + 1));
    if (!out) throw std::bad_alloc();
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
    return out;
}

std::string format_args(const std::vector<ArgCondition>& args) {
    return seccomp::format_args_expr(args);
}

// The expression's own error names the column; the text is quoted so that the column can be
// counted in a message that also names the C field.
Result<std::vector<ArgCondition>> parse_args(std::string_view text) {
    auto parsed = seccomp::parse_args_expr(text);
    if (!parsed) {
        return Error::msg("args", "\"" + std::string(text) + "\": " + parsed.error().message);
    }
    return parsed;
}

Result<Profile> to_profile(const containerv_security_profile& c) {
    Profile p;
    if (!in_range(c.level, CV_SECURITY_PARANOID))
        return field_error(
            "level", std::to_string(raw(c.level)) + " is not a containerv_security_level (0..3)");
    p.level = static_cast<Level>(c.level);
    p.name = text(c.name);
    p.description = text(c.description);

    if (c.allowed_caps & ~kKnownCaps)
        return field_error("allowed_caps", "bits above CV_CAP_CHECKPOINT_RESTORE (40) are set");
    if (c.dropped_caps & ~kKnownCaps)
        return field_error("dropped_caps", "bits above CV_CAP_CHECKPOINT_RESTORE (40) are set");
    p.allowed_caps = c.allowed_caps;
    p.dropped_caps = c.dropped_caps;
    p.process.no_new_privileges = c.no_new_privileges;

    if (!in_range(c.default_syscall_action, CV_SYSCALL_LOG))
        return field_error("default_syscall_action",
                           std::to_string(raw(c.default_syscall_action)) +
                               " is not a containerv_syscall_action (0..5)");
    p.syscalls.default_action = static_cast<SyscallAction>(c.default_syscall_action);
    // 0 is what a zero-initialised struct holds: the format's default, EPERM.
    p.syscalls.default_errno = c.default_errno == 0 ? 1 : c.default_errno;
    p.syscalls.allowed = strings_of(c.allowed_syscalls);
    p.syscalls.blocked = strings_of(c.blocked_syscalls);
    if (c.syscall_filter_count < 0 || (c.syscall_filter_count > 0 && !c.syscall_filters))
        return field_error("syscall_filter_count",
                           std::to_string(c.syscall_filter_count) +
                               (c.syscall_filter_count < 0 ? " is negative"
                                                           : " filters, but syscall_filters "
                                                             "is NULL"));
    for (int i = 0; i < c.syscall_filter_count; ++i) {
        auto rule = rule_of(c.syscall_filters[i], "syscall_filters[" + std::to_string(i) + "]");
        if (!rule) return rule.error();
        p.syscalls.rules.push_back(std::move(*rule));
    }

    p.network.isolated = c.network_isolated;
    p.network.allowed_ports = strings_of(c.allowed_ports);
    p.network.allowed_hosts = strings_of(c.allowed_hosts);

    p.filesystem.read_only_root = c.read_only_root;
    p.filesystem.writable_paths = strings_of(c.writable_paths);
    p.filesystem.masked_paths = strings_of(c.masked_paths);
    p.filesystem.read_only_paths = strings_of(c.read_only_paths);
    p.filesystem.no_suid = c.no_suid;

    if (c.run_as_uid != CV_UID_UNSET) p.process.uid = c.run_as_uid;
    if (c.run_as_gid != CV_GID_UNSET) p.process.gid = c.run_as_gid;
    p.process.run_as_user = text(c.run_as_user);

    auto apparmor = want_of("apparmor", c.apparmor, c.apparmor_profile);
    if (!apparmor) return apparmor.error();
    auto selinux = want_of("selinux", c.selinux, c.selinux_context);
    if (!selinux) return selinux.error();
    p.mac.apparmor = *apparmor;
    p.mac.apparmor_profile = text(c.apparmor_profile_name);
    p.mac.selinux = *selinux;
    p.mac.selinux_context = text(c.security_context);

    if (c.memory_bytes != 0) p.resources.memory_bytes = c.memory_bytes;
    if (std::isnan(c.cpus) || c.cpus < 0)
        return field_error("cpus", "must be above 0, or 0 for no limit");
    if (c.cpus > 0) p.resources.cpus = c.cpus;
    if (c.pids != 0) p.resources.pids = c.pids;
    p.resources.devices = strings_of(c.devices);
    if (c.rlimit_nproc != 0) p.resources.rlimits.nproc = c.rlimit_nproc;

    p.windows.app_container = c.app_container;
    p.windows.integrity_level = text(c.integrity_level);
    p.windows.capability_sids = strings_of(c.capabilities_sid);
    p.windows.privileges = strings_of(c.windows_privileges);
    return p;
}

containerv_security_profile to_c(const Profile& p) {
    containerv_security_profile c{};
    try {
        c.level = static_cast<containerv_security_level>(p.level);
        c.name = copy_string(p.name);
        c.description = copy_string(p.description);

        c.allowed_caps = p.allowed_caps;
        c.dropped_caps = p.dropped_caps;
        c.no_new_privileges = p.process.no_new_privileges;

        c.network_isolated = p.network.isolated;
        c.allowed_ports = copy_list(p.network.allowed_ports);
        c.allowed_hosts = copy_list(p.network.allowed_hosts);
        c.network_rule_count =
            static_cast<int>(p.network.allowed_ports.size() + p.network.allowed_hosts.size());

        c.read_only_root = p.filesystem.read_only_root;
        c.writable_paths = copy_list(p.filesystem.writable_paths);
        c.masked_paths = copy_list(p.filesystem.masked_paths);
        c.read_only_paths = copy_list(p.filesystem.read_only_paths);
        c.fs_rule_count =
            static_cast<int>(p.filesystem.writable_paths.size() + p.filesystem.masked_paths.size() +
                             p.filesystem.read_only_paths.size());
        c.no_suid = p.filesystem.no_suid;

        c.run_as_uid = p.process.uid ? static_cast<uid_t>(*p.process.uid) : CV_UID_UNSET;
        c.run_as_gid = p.process.gid ? static_cast<gid_t>(*p.process.gid) : CV_GID_UNSET;
        c.run_as_user = copy_string(p.process.run_as_user);

        c.apparmor = static_cast<containerv_mac_want>(p.mac.apparmor);
        c.apparmor_profile = p.mac.apparmor != Want::off;
        c.apparmor_profile_name = copy_string(p.mac.apparmor_profile);
        c.selinux = static_cast<containerv_mac_want>(p.mac.selinux);
        c.selinux_context = p.mac.selinux != Want::off;
        c.security_context = copy_string(p.mac.selinux_context);

        c.app_container = p.windows.app_container;
        c.integrity_level = copy_string(p.windows.integrity_level);
        c.capabilities_sid = copy_list(p.windows.capability_sids);
        c.win_cap_count = static_cast<int>(p.windows.capability_sids.size());
        c.windows_privileges = copy_list(p.windows.privileges);

        c.memory_bytes = p.resources.memory_bytes.value_or(0);
        c.cpus = p.resources.cpus.value_or(0.0);
        c.pids = p.resources.pids.value_or(0);
        c.devices = copy_list(p.resources.devices);
        c.rlimit_nproc = p.resources.rlimits.nproc.value_or(0);

        set_syscalls(c, p.syscalls);
    } catch (...) {
        free_fields(c);
        throw;
    }
    return c;
}

containerv_security_profile* new_c_profile(const Profile& profile) {
    auto* out = static_cast<containerv_security_profile*>(
        std::calloc(1, sizeof(containerv_security_profile)));
    if (!out) throw std::bad_alloc();
    try {
        *out = to_c(profile);
    } catch (...) {
        std::free(out);
        throw;
    }
    return out;
}

void set_syscalls(containerv_security_profile& c, const SyscallPolicy& policy) {
    char** allowed = copy_list(policy.allowed);
    char** blocked = nullptr;
    int count = 0;
    containerv_syscall_filter* filters = nullptr;
    try {
        blocked = copy_list(policy.blocked);
        filters = copy_filters(policy.rules, count);
    } catch (...) {
        free_list(allowed);
        free_list(blocked);
        throw;
    }

    free_list(c.allowed_syscalls);
    free_list(c.blocked_syscalls);
    free_filters(c.syscall_filters, c.syscall_filter_count);
    c.default_syscall_action = static_cast<containerv_syscall_action>(policy.default_action);
    c.default_errno = policy.default_errno;
    c.allowed_syscalls = allowed;
    c.blocked_syscalls = blocked;
    c.syscall_count = static_cast<int>(policy.allowed.size() + policy.blocked.size());
    c.syscall_filters = filters;
    c.syscall_filter_count = count;
}

void free_fields(containerv_security_profile& c) noexcept {
    for (char* s : {c.name, c.description, c.run_as_user, c.security_context, c.integrity_level,
                    c.apparmor_profile_name}) {
        std::free(s);
    }
    for (char** list : {c.allowed_syscalls, c.blocked_syscalls, c.allowed_ports, c.allowed_hosts,
                        c.writable_paths, c.masked_paths, c.read_only_paths, c.capabilities_sid,
                        c.windows_privileges, c.devices}) {
        free_list(list);
    }
    free_filters(c.syscall_filters, c.syscall_filter_count);

    c.name = c.description = c.run_as_user = c.security_context = c.integrity_level =
        c.apparmor_profile_name = nullptr;
    c.allowed_syscalls = c.blocked_syscalls = c.allowed_ports = c.allowed_hosts = c.writable_paths =
        c.masked_paths = c.read_only_paths = c.capabilities_sid = c.windows_privileges = c.devices =
            nullptr;
    c.syscall_filters = nullptr;
    c.syscall_filter_count = 0;
}

}  // namespace containerv::capi
