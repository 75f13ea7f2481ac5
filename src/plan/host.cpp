#include "plan/host.hpp"

#include <fstream>
#include <string>

#include <linux/landlock.h>
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
    return host;
}

}  // namespace containerv
