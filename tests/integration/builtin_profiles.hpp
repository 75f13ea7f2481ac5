// What issue 2 says each built-in profile enforces, as the probe inside can observe it. Written
// from the issue (and ../shared/fixtures/profiles/), not from the library, so that a wrong
// built-in cannot agree with itself.
#pragma once

#include <linux/capability.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace cvtest {

struct BuiltinProfile {
    std::string name;
    std::vector<int> capabilities;  // allowed; every other one is absent from every set
    bool no_new_privileges = true;
    unsigned uid = 0;
    unsigned gid = 0;
    bool read_only_root = false;
    std::vector<std::string> writable_dirs;  // directories a file can be created in
    std::vector<std::string> masked_paths;
    bool network_isolated = false;

    std::uint64_t capability_mask() const {
        std::uint64_t mask = 0;
        for (int cap : capabilities) mask |= std::uint64_t{1} << cap;
        return mask;
    }
};

inline const std::vector<BuiltinProfile>& builtin_profiles() {
    static const std::vector<BuiltinProfile> profiles = {
        {
            .name = "default",
            .capabilities = {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL,
                             CAP_SETGID, CAP_SETUID, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT},
            .no_new_privileges = true,
            .uid = 1000,
            .gid = 1000,
            .read_only_root = false,
            // A writable host root is writable where the host's permissions let the sandbox's
            // user write, and at the top of each top-level directory (the overlay's own root);
            // deeper host directories owned by an unmapped uid stay closed (docs/DECISIONS.md).
            .writable_dirs = {"/", "/etc", "/var", "/tmp"},
            .masked_paths = {},
            .network_isolated = false,
        },
        {
            .name = "web-server",
            .capabilities = {CAP_NET_BIND_SERVICE, CAP_SETUID, CAP_SETGID, CAP_CHOWN},
            .no_new_privileges = true,
            .uid = 33,  // www-data
            .gid = 33,
            .read_only_root = true,
            .writable_dirs = {"/var/log", "/var/cache", "/tmp"},
            .masked_paths = {},
            .network_isolated = false,
        },
        {
            .name = "database",
            .capabilities = {CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_DAC_OVERRIDE},
            .no_new_privileges = true,
            .uid = 999,  // database
            .gid = 999,
            .read_only_root = false,
            .writable_dirs = {"/", "/var/lib/database", "/var/log", "/tmp"},
            .masked_paths = {"/proc/kcore", "/proc/keys"},
            .network_isolated = false,
        },
        {
            .name = "build-environment",
            .capabilities = {CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER,
                             CAP_MKNOD, CAP_SETFCAP, CAP_SYS_CHROOT},
            .no_new_privileges = false,
            .uid = 1000,  // builder
            .gid = 1000,
            .read_only_root = false,
            .writable_dirs = {"/", "/usr", "/tmp"},  // "/*"
            .masked_paths = {},
            .network_isolated = false,
        },
        {
            .name = "untrusted",
            .capabilities = {},
            .no_new_privileges = true,
            .uid = 65534,  // nobody
            .gid = 65534,
            .read_only_root = true,
            .writable_dirs = {"/tmp"},
            .masked_paths = {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
                             "/sys/firmware", "/proc/scsi"},
            .network_isolated = true,
        },
    };
    return profiles;
}

// For gtest's messages.
inline void PrintTo(const BuiltinProfile& profile, std::ostream* out) {
    *out << profile.name;
}

// "web-server" -> "web_server", for test names.
inline std::string test_name_of(const std::string& profile) {
    std::string name = profile;
    for (char& c : name) {
        if (c == '-') c = '_';
    }
    return name;
}

}  // namespace cvtest
