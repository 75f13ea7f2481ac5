// Landlock grants rights beneath a directory and cannot take them back further down, so a
// grant with an excluded subtree below it (a masked path, /proc under /) is given instead to
// each entry of the directories on the way there, read with getdents64 into the stack.
#include "linux/landlock.hpp"

#include "linux/landlock_compat.hpp"
#include "linux/step_error.hpp"

#include <cerrno>
#include <climits>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace containerv::linux_ {
namespace {

namespace ll = containerv::landlock;

bool is_under(const char* path, const std::string& dir) {
    size_t n = dir.size();
    if (dir == "/") return true;
    return std::strncmp(path, dir.c_str(), n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool excluded_exactly(const LandlockPlan& plan, const char* path) {
    for (const auto& e : plan.excluded)
        if (e == path) return true;
    return false;
}

// An excluded path strictly below `path`.
bool excluded_below(const LandlockPlan& plan, const char* path) {
    for (const auto& e : plan.excluded)
        if (e != path && is_under(e.c_str(), path)) return true;
    return false;
}

int add_rule(int ruleset, int fd, std::uint64_t access, const char* path) {
    struct stat st;
    if (fstat(fd, &st) != 0) return fail("landlock", "fstat", path);
    if (S_ISLNK(st.st_mode)) return 0;  // resolved to its target, which has its own rule
    if (!S_ISDIR(st.st_mode)) access &= ll::kFsFileRights;
    if (access == 0) return 0;
    ll::PathBeneathAttr attr{access, fd};
    if (syscall(SYS_landlock_add_rule, ruleset, ll::kRulePathBeneath, &attr, 0) != 0)
        return fail("landlock", "landlock_add_rule", path);
    return 0;
}

// Grants `access` to every entry of the directory `path` (a buffer of PATH_MAX bytes holding
// `len` characters) but the excluded ones, descending into those with exclusions below.
int grant_entries(int ruleset, const LandlockPlan& plan, char* path, size_t len,
                  std::uint64_t access) {
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return errno == ENOENT || errno == ENOTDIR ? 0 : fail("landlock", "open", path);
    int rc = 0;
    // Listing the directory itself (ls /) unless a masked directory lies below it: read_dir
    // reaches the whole subtree, and its names are what a masked directory hides.
    bool hides_names = false;
    for (const auto& u : plan.unlisted)
        if (is_under(u.c_str(), path)) hides_names = true;
    if (!hides_names && (access & ll::kFsReadDir))
        rc = add_rule(ruleset, dir, ll::kFsReadDir, path);
    alignas(8) char buf[4096];
    while (rc == 0) {
        long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
        if (n < 0) {
            rc = fail("landlock", "getdents64", path);
            break;
        }
        if (n == 0) break;
        for (long off = 0; off < n && rc == 0;) {
            auto* d = reinterpret_cast<const dirent64*>(buf + off);
            off += d->d_reclen;
            const char* name = d->d_name;
            if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
            size_t name_len = std::strlen(name);
            size_t sep = len > 1 ? 1 : 0;
            if (len + sep + name_len >= PATH_MAX) continue;  // too deep to name: no rule
            if (sep) path[len] = '/';
            std::memcpy(path + len + sep, name, name_len + 1);
            size_t child_len = len + sep + name_len;
            if (excluded_exactly(plan, path)) {
                // nothing: its own grant, if any, comes separately
            } else if (excluded_below(plan, path)) {
                rc = grant_entries(ruleset, plan, path, child_len, access);
            } else {
                int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0) {
                    rc = add_rule(ruleset, fd, access, path);
                    close(fd);
                } else if (errno != ENOENT) {
                    rc = fail("landlock", "openat", path);
                }
            }
            path[len] = '\0';
        }
        if (rc != 0) break;
    }
    close(dir);
    return rc;
}

int grant(int ruleset, const LandlockPlan& plan, const LandlockGrant& g) {
    char path[PATH_MAX];
    if (g.path.size() >= sizeof path) return 0;
    std::memcpy(path, g.path.c_str(), g.path.size() + 1);
    if (excluded_below(plan, path))
        return grant_entries(ruleset, plan, path, g.path.size(), g.access);
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : fail("landlock", "open", path);
    int rc = add_rule(ruleset, fd, g.access, path);
    close(fd);
    return rc;
}

}  // namespace

int apply_landlock(const LandlockPlan& plan) {
    ll::RulesetAttr attr;
    attr.handled_access_fs = plan.handled_fs;
    attr.handled_access_net = plan.handled_net;
    attr.scoped = plan.scoped;
    // The size selects the layout the kernel reads: the ABI 1 struct had the first field only.
    size_t size = plan.scoped        ? sizeof attr
                  : plan.handled_net ? offsetof(ll::RulesetAttr, scoped)
                                     : offsetof(ll::RulesetAttr, handled_access_net);
    long ruleset = syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) return fail("landlock", "landlock_create_ruleset", "");
    int fd = static_cast<int>(ruleset);
    int rc = 0;
    for (const auto& g : plan.grants)
        if ((rc = grant(fd, plan, g)) != 0) break;
    for (size_t i = 0; rc == 0 && i < plan.tcp_ports.size(); ++i) {
        ll::NetPortAttr port{plan.handled_net, plan.tcp_ports[i]};
        if (syscall(SYS_landlock_add_rule, fd, ll::kRuleNetPort, &port, 0) != 0)
            rc = fail("landlock", "landlock_add_rule(net)", "");
    }
    if (rc == 0 && plan.bind_port_zero && (plan.handled_net & ll::kNetBindTcp)) {
        ll::NetPortAttr zero{ll::kNetBindTcp, 0};
        if (syscall(SYS_landlock_add_rule, fd, ll::kRuleNetPort, &zero, 0) != 0)
            rc = fail("landlock", "landlock_add_rule(net)", "port 0");
    }
    if (rc == 0 && syscall(SYS_landlock_restrict_self, fd, 0) != 0)
        rc = fail("landlock", "landlock_restrict_self", "");
    close(fd);
    return rc;
}

}  // namespace containerv::linux_
