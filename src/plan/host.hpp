// What this host can enforce, probed once at run time (never from kernel version strings).
#pragma once

#include <sys/types.h>

namespace containerv {

struct HostFeatures {
    bool root = false;  // effective uid 0 in the initial user namespace
    uid_t uid = 0;      // the caller's ids, for rootless maps
    gid_t gid = 0;
    bool user_namespaces = false;  // this caller may create a user namespace
    bool seccomp_filter = false;
    bool apparmor = false;
    bool selinux = false;
    int landlock_abi = 0;   // 0: none
    int cap_last_cap = 40;  // /proc/sys/kernel/cap_last_cap
};

HostFeatures probe_host();

}  // namespace containerv
