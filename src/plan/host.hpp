// What this host can enforce, probed once at run time (never from kernel version strings).
#pragma once

#include "linux/cgroups.hpp"

#include <string>

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
    // cgroups: v2 when /sys/fs/cgroup is the unified tree, v1 when the memory, cpu, pids and
    // devices controllers are mounted under it (a hybrid host also has cgroup_unified).
    linux_::CgroupVersion cgroup_version = linux_::CgroupVersion::none;
    std::string cgroup_unified;      // hybrid: the unified mount ("/sys/fs/cgroup/unified")
    bool cgroups_writable = false;   // this caller may create groups where containerv does
    std::string cgroups_unwritable;  // why not, for the plan
    bool cgroup_swap = false;        // swap can be limited (v1 memsw accounting, v2 swap.max)
};

HostFeatures probe_host();

}  // namespace containerv
