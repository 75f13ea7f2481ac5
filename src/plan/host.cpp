#include "plan/host.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <linux/landlock.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace containerv {
namespace {

long read_number(const char* path, long fallback) {
    std::ifstream in(path);
    long value = fallback;
    if (!(in >> value)) return fallback;
    return value;
}

bool read_flag(const char* path) {
    std::ifstream in(path);
    std::string word;
    return in >> word && (word == "Y" || word == "1");
}

bool fs_is(const std::string& path, long magic) {
    struct statfs st;
    return statfs(path.c_str(), &st) == 0 && static_cast<long>(st.f_type) == magic;
}

bool has_word(const std::string& path, const std::string& word) {
    std::ifstream in(path);
    std::string w;
    while (in >> w)
        if (w == word) return true;
    return false;
}

void probe_cgroups(HostFeatures& host) {
    using linux_::CgroupVersion;
    const std::string base = "/sys/fs/cgroup";
    std::vector<std::string> roots;
    if (fs_is(base, CGROUP2_SUPER_MAGIC)) {
        bool all = true;
        for (const char* c : {"memory", "cpu", "pids"})
            all = all && has_word(base + "/cgroup.controllers", c);
        if (!all) return;
        host.cgroup_version = CgroupVersion::v2;
        // Only child groups have memory.swap.max; a kernel without swap accounting makes the
        // start fail naming the file.
        host.cgroup_swap = true;
        roots.push_back(base);
    } else {
        for (const char* c : {"memory", "cpu", "pids", "devices"}) {
            if (!fs_is(base + "/" + c, CGROUP_SUPER_MAGIC)) return;
            roots.push_back(base + "/" + c);
        }
        host.cgroup_version = CgroupVersion::v1;
        host.cgroup_swap = access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;
        if (fs_is(base + "/unified", CGROUP2_SUPER_MAGIC)) {
            host.cgroup_unified = base + "/unified";
            roots.push_back(host.cgroup_unified);
        }
    }
    // Groups go under each root's "containerv" directory: writing there needs the root's
    // (or an existing containerv directory's) write permission, which only root has unless
    // an administrator delegated it.
    host.cgroups_writable = true;
    for (const auto& root : roots) {
        std::string dir = root + "/containerv";
        if (access(dir.c_str(), F_OK) != 0) dir = root;
        if (access(dir.c_str(), W_OK) != 0) {
            host.cgroups_writable = false;
            host.cgroups_unwritable =
                "this user cannot create cgroups (no write access to " + dir + ")";
            return;
        }
    }
}

}  // namespace

HostFeatures probe_host() {
    HostFeatures host;
    host.uid = getuid();
    host.gid = getgid();
    host.root = geteuid() == 0;

    // Debian's switch for unprivileged user namespaces; absent on kernels without the patch.
    bool unprivileged = read_number("/proc/sys/kernel/unprivileged_userns_clone", 1) != 0;
    host.user_namespaces =
        read_number("/proc/sys/user/max_user_namespaces", 0) > 0 && (host.root || unprivileged);

    // PR_GET_SECCOMP fails with EINVAL on a kernel built without seccomp.
    host.seccomp_filter = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;

    host.apparmor = read_flag("/sys/module/apparmor/parameters/enabled");
    host.selinux = access("/sys/fs/selinux/enforce", F_OK) == 0;

    long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    host.landlock_abi = abi > 0 ? static_cast<int>(abi) : 0;

    host.cap_last_cap = static_cast<int>(read_number("/proc/sys/kernel/cap_last_cap", 40));
    probe_cgroups(host);
    if (host.cgroup_version == linux_::CgroupVersion::none)
        host.cgroups_unwritable =
            "this host has no usable cgroup hierarchy (neither the v2 tree "
            "with memory, cpu and pids nor v1 memory, cpu, pids, devices)";
    return host;
}

}  // namespace containerv
