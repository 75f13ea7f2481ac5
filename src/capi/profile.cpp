// The C API's profile functions: create, load, save, validate, capabilities, syscalls.
#include "capi/boundary.hpp"
#include "capi/convert.hpp"

#include "audit/compliance.hpp"

#include "plan/host.hpp"
#include "profile/json.hpp"
#include "profile/store.hpp"
#include "profile/validate.hpp"
#include "seccomp/baseline.hpp"
#include "seccomp/import.hpp"

#include <containerv/containerv.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

using namespace containerv;
using namespace containerv::capi;

namespace {

bool is_predefined(const containerv_security_profile* profile) {
    for (const auto* p : {&CV_PROFILE_DEFAULT, &CV_PROFILE_WEB_SERVER, &CV_PROFILE_DATABASE,
                          &CV_PROFILE_BUILD_ENVIRONMENT, &CV_PROFILE_UNTRUSTED}) {
        if (p == profile) return true;
    }
    return false;
}

// Every problem the profile file format's checks find, and every field the plan for this host
// refuses, one per line; empty when none. The line and column refer to a generated document,
// so only the JSON pointer is given: it names the C field too.
std::string format_problems(const Profile& profile) {
    const std::string source = "profile \"" + profile.name + "\"";
    ValidateOptions options;
    options.check_host = true;
    std::string out;
    for (const auto& problem :
         validate_profile_text(profile_to_json(profile).dump(2), source, options)) {
        if (!out.empty()) out += "\n";
        out += source + ": ";
        if (!problem.pointer.empty()) out += problem.pointer + ": ";
        out += problem.message;
    }
    return out;
}

int check_capability(uint32_t capability) {
    if (capability <= static_cast<uint32_t>(kCapLast)) return 0;
    return fail("capabilities: capability " + std::to_string(capability) +
                " is outside 0..40 (CV_CAP_CHOWN..CV_CAP_CHECKPOINT_RESTORE)");
}

// Takes `name` out of a NULL-terminated list the library allocated; returns the new length.
int remove_name(char** list, const char* name) {
    if (!list) return 0;
    char** kept = list;
    for (char** item = list; *item; ++item) {
        if (std::strcmp(*item, name) == 0)
            std::free(*item);
        else
            *kept++ = *item;
    }
    *kept = nullptr;
    return static_cast<int>(kept - list);
}

// Makes the last filter the only unconditional word on its syscall: libseccomp refuses two
// unconditional actions for one syscall, and a caller adding a filter means it to apply. The
// lists lose the name, and so do earlier filters without an argument condition.
void let_last_filter_decide(containerv_security_profile& p) {
    const char* name = p.syscall_filters[p.syscall_filter_count - 1].name;
    p.syscall_count = remove_name(p.allowed_syscalls, name) + remove_name(p.blocked_syscalls, name);

    int kept = 0;
    for (int i = 0; i < p.syscall_filter_count; ++i) {
        containerv_syscall_filter& f = p.syscall_filters[i];
        const bool last = i == p.syscall_filter_count - 1;
        const bool unconditional = !f.args_filter || !*f.args_filter;
        if (!last && unconditional && f.name && std::strcmp(f.name, name) == 0) {
            std::free(f.name);
            std::free(f.args_filter);
            continue;
        }
        p.syscall_filters[kept++] = f;
    }
    p.syscall_filter_count = kept;
}

void copy_out(char* buffer, size_t size, const char* message) {
    if (!buffer || size == 0) return;
    std::snprintf(buffer, size, "%s", message);
}

}  // namespace

extern "C" {

int containerv_security_init(void) {
    return guarded(-1, [] {
        if (!probe_host().user_namespaces)
            return fail(
                "namespaces: this host does not allow this user to create user "
                "namespaces, which every sandbox needs (see /proc/sys/user/"
                "max_user_namespaces and kernel.unprivileged_userns_clone)");
        return 0;
    });
}

void containerv_security_cleanup(void) {
    clear_error();
}

int containerv_security_profile_create(const char* name, containerv_security_level level,
                                       containerv_security_profile** profile) {
    return guarded(-1, [&] {
        if (!profile) return fail("profile: create: the output pointer is NULL");
        *profile = nullptr;
        if (!name) return fail("profile: create: the name is NULL");
        if (raw(level) < CV_SECURITY_PERMISSIVE || raw(level) > CV_SECURITY_PARANOID)
            return fail("profile: create: level " + std::to_string(raw(level)) +
                        " is not a containerv_security_level (0..3)");
        if (auto ok = check_profile_name(name); !ok) return fail(ok.error());

        // Names are unique: a stored or built-in profile of this name already owns it.
        if (auto existing = ProfileStore::from_environment().load(name); existing)
            return fail("profile: \"" + std::string(name) + "\" already exists (" +
                        existing->source + ")");

        Profile p = profile_for_level(static_cast<Level>(level));
        p.name = name;
        p.description.clear();
        *profile = new_c_profile(p);
        return 0;
    });
}

int containerv_security_profile_load(const char* name, containerv_security_profile** profile) {
    return guarded(-1, [&] {
        if (!profile) return fail("profile: load: the output pointer is NULL");
        *profile = nullptr;
        if (!name) return fail("profile: load: the name is NULL");
        auto stored = ProfileStore::from_environment().load(name);
        if (!stored) return fail(stored.error());
        *profile = new_c_profile(stored->profile);
        return 0;
    });
}

int containerv_security_profile_save(const containerv_security_profile* profile) {
    return guarded(-1, [&] {
        if (!profile) return fail("profile: save: the profile is NULL");
        auto p = to_profile(*profile);
        if (!p) return fail(p.error());
        // The store refuses a profile that would not load back.
        auto path = ProfileStore::from_environment().save(*p, SaveOptions{});
        if (!path) return fail(path.error());
        return 0;
    });
}

void containerv_security_profile_delete(containerv_security_profile* profile) {
    clear_error();
    if (!profile) return;
    if (is_predefined(profile)) {
        set_error("profile: delete: a predefined CV_PROFILE_* is never freed; ignored");
        return;
    }
    free_fields(*profile);
    std::free(profile);
}

int containerv_security_profile_remove(const char* name) {
    return guarded(-1, [&] {
        if (!name) return fail("profile: remove: the name is NULL");
        if (auto ok = ProfileStore::from_environment().remove(name, false); !ok)
            return fail(ok.error());
        return 0;
    });
}

int containerv_security_profile_copy(const containerv_security_profile* profile,
                                     containerv_security_profile** copy) {
    return guarded(-1, [&] {
        if (!copy) return fail("profile: copy: the output pointer is NULL");
        *copy = nullptr;
        if (!profile) return fail("profile: copy: the profile is NULL");
        auto p = to_profile(*profile);
        if (!p) return fail(p.error());
        *copy = new_c_profile(*p);
        return 0;
    });
}

int containerv_security_profile_validate(const containerv_security_profile* profile,
                                         char* error_msg, size_t error_size) {
    int rc = guarded(-1, [&] {
        if (!profile) return fail("profile: validate: the profile is NULL");
        auto p = to_profile(*profile);
        if (!p) return fail(p.error());
        if (std::string problems = format_problems(*p); !problems.empty()) return fail(problems);
        return 0;
    });
    copy_out(error_msg, error_size, rc == 0 ? "" : last_error());
    return rc;
}

int containerv_security_add_capability(containerv_security_profile* profile, uint32_t capability) {
    return guarded(-1, [&] {
        if (!profile) return fail("capabilities: add: the profile is NULL");
        if (is_predefined(profile))
            return fail(
                "capabilities: add: the predefined profiles are read-only (start from "
                "containerv_security_profile_copy)");
        if (check_capability(capability) != 0) return -1;
        profile->allowed_caps |= cap_bit(static_cast<int>(capability));
        profile->dropped_caps &= ~cap_bit(static_cast<int>(capability));
        return 0;
    });
}

int containerv_security_drop_capability(containerv_security_profile* profile, uint32_t capability) {
    return guarded(-1, [&] {
        if (!profile) return fail("capabilities: drop: the profile is NULL");
        if (is_predefined(profile))
            return fail(
                "capabilities: drop: the predefined profiles are read-only (start from "
                "containerv_security_profile_copy)");
        if (check_capability(capability) != 0) return -1;
        profile->allowed_caps &= ~cap_bit(static_cast<int>(capability));
        profile->dropped_caps |= cap_bit(static_cast<int>(capability));
        return 0;
    });
}

int containerv_security_has_capability(const containerv_security_profile* profile,
                                       uint32_t capability) {
    return guarded(0, [&] {
        if (!profile) {
            fail("capabilities: has: the profile is NULL");
            return 0;
        }
        if (check_capability(capability) != 0) return 0;
        const CapSet bit = cap_bit(static_cast<int>(capability));
        return (profile->allowed_caps & bit) && !(profile->dropped_caps & bit) ? 1 : 0;
    });
}

int containerv_security_add_syscall_filter(containerv_security_profile* profile,
                                           const char* syscall_name,
                                           containerv_syscall_action action, int errno_value) {
    return guarded(-1, [&] {
        if (!profile) return fail("seccomp: add filter: the profile is NULL");
        if (is_predefined(profile))
            return fail(
                "seccomp: add filter: the predefined profiles are read-only (start from "
                "containerv_security_profile_copy)");
        if (!syscall_name) return fail("seccomp: add filter: the syscall name is NULL");
        if (!syscall_name_known(syscall_name))
            return fail("seccomp: add filter: unknown syscall \"" + std::string(syscall_name) +
                        "\" (not in libseccomp's tables)");
        if (raw(action) < CV_SYSCALL_ALLOW || raw(action) > CV_SYSCALL_LOG)
            return fail("seccomp: add filter: " + std::to_string(raw(action)) +
                        " is not a containerv_syscall_action (0..5)");
        // libseccomp refuses 4095; 0 stands for the profile's default errno.
        if (errno_value < 0 || errno_value > 4094)
            return fail("seccomp: add filter: errno " + std::to_string(errno_value) +
                        " is outside 0..4094");
        if (profile->syscall_filter_count < 0)
            return fail("seccomp: add filter: syscall_filter_count is negative");

        // The name first: if it cannot be allocated, the profile is unchanged.
        char* name = copy_string(syscall_name);
        const auto n = static_cast<std::size_t>(profile->syscall_filter_count);
        auto* grown = static_cast<containerv_syscall_filter*>(
            std::realloc(profile->syscall_filters, (n + 1) * sizeof(containerv_syscall_filter)));
        if (!grown) {
            std::free(name);
            throw std::bad_alloc();
        }
        grown[n] = {name, action, action == CV_SYSCALL_ERRNO ? errno_value : 0, nullptr};
        profile->syscall_filters = grown;
        profile->syscall_filter_count += 1;
        let_last_filter_decide(*profile);
        return 0;
    });
}

int containerv_security_set_default_syscall_action(containerv_security_profile* profile,
                                                   containerv_syscall_action default_action) {
    return guarded(-1, [&] {
        if (!profile) return fail("seccomp: default action: the profile is NULL");
        if (is_predefined(profile))
            return fail(
                "seccomp: default action: the predefined profiles are read-only (start from "
                "containerv_security_profile_copy)");
        if (raw(default_action) < CV_SYSCALL_ALLOW || raw(default_action) > CV_SYSCALL_LOG)
            return fail("seccomp: default action: " + std::to_string(raw(default_action)) +
                        " is not a containerv_syscall_action (0..5)");
        profile->default_syscall_action = default_action;
        return 0;
    });
}

int containerv_security_load_seccomp_policy(containerv_security_profile* profile,
                                            const char* policy_file) {
    return guarded(-1, [&] {
        if (!profile) return fail("seccomp policy: the profile is NULL");
        if (is_predefined(profile))
            return fail(
                "seccomp policy: the predefined profiles are read-only (start from "
                "containerv_security_profile_copy)");
        if (!policy_file) return fail("seccomp policy: the file name is NULL");

        // Docker's includes and excludes are decided against the capabilities this profile
        // keeps.
        auto current = to_profile(*profile);
        if (!current) return fail(current.error());
        auto ctx = seccomp::host_import_context(current->allowed_caps & ~current->dropped_caps);
        auto policy = seccomp::import_policy_file(policy_file, ctx);
        if (!policy) return fail(policy.error());
        set_syscalls(*profile, *policy);
        return 0;
    });
}

int containerv_generate_compliance_report(const containerv_security_profile* profile,
                                          const char* standard, const char* report_file) {
    return guarded(-1, [&] {
        if (!profile || !standard || !report_file)
            return fail(
                "compliance: the profile, the standard and the report file must not be "
                "NULL");
        auto which = audit::standard_from_string(standard);
        if (!which)
            return fail("compliance: unknown standard \"" + std::string(standard) +
                        "\" (expected CIS, NIST, PCI-DSS or PSS)");
        auto format = audit::format_from_path(report_file);
        if (!format)
            return fail("compliance: " + std::string(report_file) +
                        ": unknown extension (expected .json, .md, .html or .sarif)");
        auto p = to_profile(*profile);
        if (!p) return fail(p.error());
        auto report =
            audit::build_report(*which, audit::audit_profile(*p), "containerv:profile/" + p->name);
        if (auto ok = audit::write_file_atomically(report_file, audit::render(report, *format));
            !ok)
            return fail(ok.error());
        return 0;
    });
}

}  // extern "C"
