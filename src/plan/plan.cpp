#include "plan/plan.hpp"

#include "profile/store.hpp"

#include "base/fd.hpp"
#include "linux/landlock_compat.hpp"
#include "plan/users.hpp"
#include "seccomp/cache.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <arpa/inet.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace containerv {
namespace {

using State = Enforcement::State;

// Masked and read-only kernel paths every sandbox gets, as Docker and crun do, whatever the
// profile lists: they expose host-wide state and knobs no sandbox needs.
const char* const kBaselineMasked[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};
const char* const kBaselineReadOnly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

// Container defaults, as Docker and crun set them.
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string join(const std::vector<std::string>& items, const char* sep = ",") {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += sep;
        out += item;
    }
    return out.empty() ? "(none)" : out;
}

const char* yes_no(bool value) {
    return value ? "true" : "false";
}

bool exists(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A path a profile or flag names must be absolute and already normal: no "..", no "//", no
// trailing slash. Otherwise what the plan shows and what the kernel gets could differ.
Status check_sandbox_path(const std::string& field, const std::string& path) {
    if (path.empty() || path[0] != '/')
        return Error::msg("profile", field + ": \"" + path + "\" is not an absolute path");
    std::string normal = std::filesystem::path(path).lexically_normal().string();
    if (normal.size() > 1 && normal.back() == '/') normal.pop_back();
    if (normal != path)
        return Error::msg("profile", field + ": \"" + path + "\" is not normalised (expected \"" +
                                         normal + "\")");
    return Ok{};
}

bool under(const std::string& path, const std::string& dir) {
    return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                           path[dir.size()] == '/');
}

std::string in_source(const std::string& source, const std::string& path) {
    return source == "/" ? path : source + path;
}

std::optional<std::uint32_t> parse_id(const std::string& text) {
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return {};
    return value;
}

// A file the kernel generates as it is read (its size says 0), read to the end; empty when it
// cannot be opened.
std::string read_proc_file(const char* path) {
    std::string text;
    Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return text;
    char chunk[8192];
    for (;;) {
        const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(chunk, static_cast<std::size_t>(n));
    }
    return text;
}

// The fifth whitespace-separated field of a mountinfo line, the mount point as the kernel
// escapes it (proc(5)); empty when the line is shorter. Whitespace as isspace() in the C
// locale: space and \t through \r.
std::string_view mount_point_field(std::string_view line) {
    auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    std::size_t at = 0;
    for (int i = 0;; ++i) {
        while (at < line.size() && space(line[at])) ++at;
        if (at == line.size()) return {};
        const std::size_t start = at;
        while (at < line.size() && !space(line[at])) ++at;
        if (i == 4) return line.substr(start, at - start);
    }
}

// Top-level directories of `source` that have mounts below them. An overlay does not show the
// mounts under its lower directory, so those directories are bound, never overlaid. Parsed in
// place: a stream per line cost 5K instructions a mount on every start.
std::set<std::string> top_dirs_with_mounts(const std::string& source) {
    std::set<std::string> tops;
    const std::string text = read_proc_file("/proc/self/mountinfo");
    const std::string prefix = source == "/" ? "/" : source + "/";
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto eol = rest.find('\n');
        const std::string_view line = rest.substr(0, eol);
        rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
        const std::string_view mountpoint = mount_point_field(line);
        if (!mountpoint.starts_with(prefix)) continue;
        const std::string_view rel = mountpoint.substr(prefix.size());
        const auto slash = rel.find('/');
        if (slash != std::string_view::npos && slash + 1 < rel.size())
            tops.emplace(rel.substr(0, slash));
    }
    return tops;
}

class Planner {
public:
    Planner(const RunRequest& request, const HostFeatures& host)
        : req_(request), profile_(request.profile), host_(host) {}

    Result<Plan> build();

private:
    void row(std::string field, std::string value, State state, std::string mechanism) {
        if ((state == State::refused) && req_.accept_weaker.count(field))
            state = State::accepted_weaker;
        plan_.rows.push_back({std::move(field), std::move(value), state, std::move(mechanism)});
    }
    // Changes a row made by a step that did not know the isolation mode.
    void restate(const std::string& field, State state, const std::string& mechanism) {
        for (auto& r : plan_.rows)
            if (r.field == field) {
                if (state == State::refused && req_.accept_weaker.count(field))
                    state = State::accepted_weaker;
                r.state = state;
                r.mechanism = mechanism;  // a copy: more than one row may name the field
            }
    }
    bool landlock_mode() const { return req_.isolation == Isolation::landlock; }
    // Why the socket address programs cannot be attached here, or "" when they can: they
    // need a group of ours in the unified tree (v2, or a hybrid host's unified mount).
    std::string sock_filter_unavailable() const {
        if (!host_.cgroups_writable || host_.cgroup_version == linux_::CgroupVersion::none)
            return host_.cgroups_unwritable +
                   ", and the port and host filters are BPF programs attached to the "
                   "sandbox's cgroup";
        if (unified_tree().empty())
            return "this host has no cgroup v2 tree, where the socket address BPF programs "
                   "attach";
        return "";
    }
    std::string unified_tree() const {
        return host_.cgroup_version == linux_::CgroupVersion::v2 ? "/sys/fs/cgroup"
                                                                 : host_.cgroup_unified;
    }
    // The profile's NET_BIND_SERVICE on the host's network is given by the bind programs:
    // the listed ports bind without the capability in the host's user namespace (docs/
    // DECISIONS.md). Not under --isolation landlock, which gives no capability at all.
    bool bind_filter_grants_privileged_ports() const {
        return (plan_.caps & cap_bit(CAP_NET_BIND_SERVICE)) != 0 && !profile_.network.isolated &&
               !landlock_mode() && !profile_.network.allowed_ports.empty() &&
               sock_filter_unavailable().empty();
    }
    // Landlock will be applied: wanted and present (always, under --isolation landlock).
    bool landlock_on() const {
        return profile_.mac.landlock != Want::off && host_.landlock_abi > 0;
    }

    Status plan_root();
    void hide_seccomp_cache();
    Status plan_user();
    Status plan_syscalls();
    void plan_capabilities();
    Status plan_network();
    Status plan_resources();
    void plan_other_fields();
    Status plan_environment();
    Status plan_host_tree();
    void plan_landlock_identity();
    void plan_landlock();
    std::vector<std::uint16_t> tcp_ports(bool* other_protocols) const;

    const RunRequest& req_;
    const Profile& profile_;
    const HostFeatures& host_;
    Plan plan_;
};

Status Planner::plan_root() {
    RootPlan& root = plan_.root;
    const FilesystemPolicy& fs = profile_.filesystem;

    if (req_.rootfs) {
        char resolved[PATH_MAX];
        if (!realpath(req_.rootfs->c_str(), resolved))
            return Error::sys("rootfs", "realpath", *req_.rootfs, errno);
        if (!is_dir(resolved))
            return Error::msg("rootfs", "\"" + *req_.rootfs + "\" is not a directory");
        root.source = resolved;
        root.host_root = false;
        // The mount points must be there: as root the rootfs belongs to host ids the
        // sandbox does not map, so it could not create them, and rootless it would leave
        // them behind in the caller's tree.
        for (const char* dir : {"/proc", "/dev", "/sys"}) {
            struct stat st;
            if (lstat((root.source + dir).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
                return Error::msg("rootfs", root.source + " has no directory " + dir +
                                                " (create proc, dev and sys in it)");
        }
    } else {
        root.source = "/";
        root.host_root = true;
    }

    bool root_writable = !fs.read_only_root;
    for (const auto& path : fs.writable_paths)
        if (path == "/" || path == "/*") root_writable = true;
    root.read_only = !root_writable;
    root.no_suid = fs.no_suid;
    if (root.host_root) {
        root.top_with_mounts = top_dirs_with_mounts("/");
        // The host's temporary and runtime directories hold other users' files and sockets
        // (X11, D-Bus, agents): the sandbox gets its own, empty. Sockets are the reason an
        // isolated network also empties the home directories: a unix socket there would
        // reach a host service without any network.
        root.fresh = {{"/tmp", "1777", root_writable},
                      {"/var/tmp", "1777", root_writable},
                      {"/run", "0755", root_writable}};
        if (profile_.network.isolated)
            for (const char* dir : {"/home", "/root"})
                root.fresh.push_back({dir, "0755", root_writable});
        // One overlay of the whole host root rather than one per top-level directory: the
        // kernel refuses, in a user namespace, a lower whose mount has locked mounts below
        // (the host's / does), so the supervisor, as real root, clones the root file
        // system's mount alone before the user namespace exists. That lower shows what the
        // host's mounts cover; pid 1 covers each again (rootfs.cpp), and a command holding
        // CAP_SYS_ADMIN could unmount those covers, so such a profile keeps the overlays
        // per directory, as rootless runs (no real root to make the clone) do.
        constexpr CapSet kSysAdmin = cap_bit(CAP_SYS_ADMIN);
        CapSet caps = profile_.allowed_caps & ~profile_.dropped_caps;
        root.one_layer = root_writable && host_.root && (caps & kSysAdmin) == 0;
    }

    for (const auto& path : fs.writable_paths) {
        if (path == "/" || path == "/*") continue;
        if (auto ok = check_sandbox_path("filesystem.writable_paths", path); !ok) return ok;
        if (path.find_first_of(",:\\") != std::string::npos)
            return Error::msg("profile", "filesystem.writable_paths: \"" + path +
                                             "\" contains ',', ':' or '\\', which overlayfs "
                                             "options cannot carry");
        // The sandbox's own /proc, /sys and /dev are kernel file systems it gets fresh; an
        // overlay cannot sit on them, and writing the kernel's knobs is what masks prevent.
        for (const char* kernel : {"/proc", "/sys", "/dev"})
            if (under(path, kernel))
                return Error::msg("profile", "filesystem.writable_paths: \"" + path +
                                                 "\" is under " + kernel +
                                                 " (expected a path outside /proc, /sys and "
                                                 "/dev)");
        WritableMount mount{path, path, false};
        auto fresh = std::find_if(root.fresh.begin(), root.fresh.end(),
                                  [&](const FreshDir& d) { return under(path, d.path); });
        if (fresh != root.fresh.end()) {
            mount.in_fresh_tmpfs = true;
            fresh->writable = true;
        } else {
            while (mount.existing != "/" && !exists(in_source(root.source, mount.existing)))
                mount.existing = std::filesystem::path(mount.existing).parent_path().string();
            if (!is_dir(in_source(root.source, mount.existing)))
                return Error::msg("profile", "filesystem.writable_paths: \"" + mount.existing +
                                                 "\" is not a directory in the root");
        }
        root.writable.push_back(mount);
    }

    for (const auto& path : fs.masked_paths) {
        if (auto ok = check_sandbox_path("filesystem.masked_paths", path); !ok) return ok;
        root.masked.push_back(path);
    }
    for (const char* path : kBaselineMasked)
        if (std::find(root.masked.begin(), root.masked.end(), path) == root.masked.end())
            root.masked.emplace_back(path);
    for (const auto& path : fs.read_only_paths) {
        if (auto ok = check_sandbox_path("filesystem.read_only_paths", path); !ok) return ok;
        root.read_only_paths.push_back(path);
    }
    for (const char* path : kBaselineReadOnly) root.read_only_paths.emplace_back(path);

    for (const auto& bind : req_.binds) {
        char resolved[PATH_MAX];
        if (!realpath(bind.source.c_str(), resolved))
            return Error::sys("bind", "realpath", bind.source, errno);
        if (auto ok = check_sandbox_path("--bind target", bind.target); !ok) return ok;
        if (bind.target == "/")
            return Error::msg("bind", "cannot bind over the sandbox's root; use --rootfs");
        root.binds.push_back({resolved, bind.target, bind.read_only});
    }
    hide_seccomp_cache();

    std::string where = root.host_root ? "host root" : "rootfs " + root.source;
    std::string how;
    if (root.host_root)
        how = std::string(root_writable
                              ? (root.one_layer
                                     ? "host root under one throw-away overlay of its root "
                                       "file system (lower cloned with open_tree before the "
                                       "user namespace), its mounts bound read-only on top, "
                                       "discarded at exit"
                                     : "host root under a throw-away overlay per top-level "
                                       "directory, discarded at exit")
                              : "host root bound read-only (mount_setattr MOUNT_ATTR_RDONLY, "
                                "recursive)") +
              "; empty tmpfs on /tmp, /var/tmp, /run" +
              (profile_.network.isolated ? ", /home, /root" : "");
    else
        how = root_writable ? "bind mount of the rootfs, writable: writes land in it"
                            : "bind mount of the rootfs, read-only (recursive)";
    row("filesystem.read_only_root", yes_no(fs.read_only_root), State::enforced,
        where + ": " + how);
    row("filesystem.writable_paths", join(fs.writable_paths),
        fs.writable_paths.empty() ? State::not_needed : State::enforced,
        root.host_root ? "overlayfs with a tmpfs upper layer owned by the sandbox user, "
                         "discarded at exit (under /tmp and /run: their fresh tmpfs)"
                       : "read-write bind mounts into the rootfs");
    row("filesystem.masked_paths", join(fs.masked_paths), State::enforced,
        "read-only empty tmpfs over directories, /dev/null over files; plus the baseline " +
            std::to_string(std::size(kBaselineMasked)) + " kernel paths Docker masks");
    row("filesystem.read_only_paths", join(fs.read_only_paths), State::enforced,
        "read-only bind mounts; plus /proc/{bus,fs,irq,sys,sysrq-trigger}");
    row("filesystem.no_suid", yes_no(fs.no_suid), fs.no_suid ? State::enforced : State::not_needed,
        fs.no_suid ? "MS_NOSUID on every mount"
                   : "set-user-ID bits honoured (within the "
                     "user namespace's ids)");
    return Ok{};
}

// Rootless, the sandbox runs as the caller's own host uid, so a writable bind (or a writable
// rootfs) that contains the caller's cache of compiled seccomp programs would let it rewrite a
// later sandbox's filter. The directory leading to the cache is masked wherever such a mount
// shows it (a bind of $HOME loses ~/.cache). As root the cache belongs to host root, which no
// sandbox id can write.
void Planner::hide_seccomp_cache() {
    if (host_.root) return;
    char resolved[PATH_MAX];
    const std::string dir = seccomp::cache_dir();
    if (dir.empty() || !realpath(dir.c_str(), resolved)) return;
    const std::string cache = resolved;
    RootPlan& root = plan_.root;
    auto hide = [&](const std::string& source, const std::string& target) {
        if (!under(cache, source)) return;
        // The first directory below the mount on the way to the cache is hidden, not the cache
        // itself: a mount point cannot be renamed, so no ancestor can be swapped for a forged
        // copy either.
        std::string rel = cache.substr(source == "/" ? 0 : source.size());
        if (auto next = rel.find('/', 1); next != std::string::npos) rel.resize(next);
        std::string path = target == "/" ? rel : target + rel;
        if (path.empty()) path = "/";
        if (std::find(root.masked.begin(), root.masked.end(), path) == root.masked.end())
            root.masked.push_back(path);
    };
    for (const auto& bind : root.binds)
        if (!bind.read_only) hide(bind.source, bind.target);
    if (!root.host_root && !root.read_only) hide(root.source, "/");
    for (const auto& w : root.writable)
        if (!root.host_root) hide(root.source + w.path, w.path);
}

Status Planner::plan_user() {
    const std::string& src = plan_.root.source;
    std::string name = profile_.process.run_as_user;
    // -1: not given. (std::optional here trips g++ 12's -Wmaybe-uninitialized at -O2.)
    std::int64_t uid = profile_.process.uid ? std::int64_t{*profile_.process.uid} : -1;
    std::int64_t gid = profile_.process.gid ? std::int64_t{*profile_.process.gid} : -1;
    std::string home = "/";
    std::string how = "from the profile";

    if (req_.user) {
        how = "from --user";
        std::string user = *req_.user;
        std::string group;
        if (auto colon = user.find(':'); colon != std::string::npos) {
            group = user.substr(colon + 1);
            user.resize(colon);
        }
        if (user.empty()) return Error::msg("user", "--user \"" + *req_.user + "\": no user given");
        if (req_.user->find(':') != std::string::npos && group.empty())
            return Error::msg("user", "--user \"" + *req_.user + "\": no group after ':'");
        name.clear();
        gid = -1;  // uid is set on every path below that does not return
        if (auto id = parse_id(user)) {
            uid = *id;
            if (auto entry = find_user_by_uid(src, *id)) {
                gid = entry->gid;
                home = entry->home;
            }
        } else if (auto entry = find_user(src, user)) {
            uid = entry->uid;
            gid = entry->gid;
            home = entry->home;
        } else {
            return Error::msg("user", "unknown user \"" + user + "\" (not in " +
                                          in_source(src, "/etc/passwd") + ")");
        }
        if (!group.empty()) {
            if (auto id = parse_id(group))
                gid = *id;
            else if (auto found = find_group(src, group))
                gid = *found;
            else
                return Error::msg("user", "unknown group \"" + group + "\" (not in " +
                                              in_source(src, "/etc/group") + ")");
        }
    } else if (!name.empty()) {
        if (auto entry = find_user(src, name)) {
            uid = entry->uid;
            gid = entry->gid;
            home = entry->home;
        } else if (uid >= 0) {
            // The root lacks the user: use the profile's ids, and show the name in the
            // sandbox's own /etc/passwd and /etc/group (never the host's).
            if (gid < 0) gid = uid;
            auto u = static_cast<std::uint32_t>(uid);
            auto g = static_cast<std::uint32_t>(gid);
            plan_.root.passwd = passwd_with(src, {name, u, g, "/"});
            if (!find_group(src, name)) plan_.root.group = group_with(src, name, g);
            how = "from the profile's ids; \"" + name + "\" added to the sandbox's /etc/passwd";
        } else {
            return Error::msg("user", "user \"" + name + "\" is not in " +
                                          in_source(src, "/etc/passwd") +
                                          " and the profile gives no run_as_uid");
        }
    }
    plan_.uid = uid >= 0 ? static_cast<std::uint32_t>(uid) : 0;
    plan_.gid = gid >= 0 ? static_cast<std::uint32_t>(gid) : plan_.uid;
    plan_.env.push_back("HOME=" + home);

    if (host_.root) {
        plan_.uid_map = root_id_range(false);
        plan_.gid_map = root_id_range(true);
        if (plan_.uid >= plan_.uid_map.count || plan_.gid >= plan_.gid_map.count)
            return Error::msg("user", "uid " + std::to_string(plan_.uid) + " / gid " +
                                          std::to_string(plan_.gid) + " is outside the " +
                                          std::to_string(plan_.uid_map.count) +
                                          " ids the sandbox maps");
    } else {
        plan_.rootless = true;
        plan_.uid_map = {plan_.uid, host_.uid, 1};
        plan_.gid_map = {plan_.gid, host_.gid, 1};
        plan_.clear_groups = false;
    }

    std::string ids = std::to_string(plan_.uid) + ":" + std::to_string(plan_.gid);
    std::string map = std::to_string(plan_.uid_map.inside) + "-" +
                      std::to_string(plan_.uid_map.inside + plan_.uid_map.count - 1) + " -> host " +
                      std::to_string(plan_.uid_map.outside) + "-" +
                      std::to_string(plan_.uid_map.outside + plan_.uid_map.count - 1);
    row("process.run_as_user", name.empty() ? "(none)" : name, State::enforced, how);
    row("process.run_as_uid/gid", ids, State::enforced,
        "user namespace (uid_map " + map + "), setresuid/setresgid");

    if (plan_.rootless) {
        // Without privilege the kernel refuses setgroups once the gid map is written, so the
        // caller's supplementary groups stay in the sandbox's credentials and still open
        // host files owned by those groups.
        std::vector<gid_t> groups(NGROUPS_MAX);
        int n = getgroups(static_cast<int>(groups.size()), groups.data());
        std::vector<std::string> extra;
        for (int i = 0; i < n; ++i)
            if (groups[i] != host_.gid) extra.push_back(std::to_string(groups[i]));
        if (extra.empty())
            row("process.groups", "(none)", State::enforced, "no supplementary groups");
        else
            row("process.groups", join(extra), State::refused,
                "rootless: setgroups is denied without privilege, so the caller's "
                "supplementary groups stay in the sandbox");
    } else {
        row("process.groups", "(none)", State::enforced, "setgroups(0)");
    }
    return Ok{};
}

void Planner::plan_capabilities() {
    plan_.caps = profile_.allowed_caps & ~profile_.dropped_caps;
    plan_.cap_last_cap = host_.cap_last_cap;
    std::string how =
        "capset (permitted, effective, inheritable), ambient when uid != 0, bounding set "
        "trimmed to it";
    // A capability counts only in namespaces its user namespace owns; the host's network
    // namespace is the host's. Stricter than the profile, so no refusal, but said plainly.
    constexpr CapSet kNetCaps =
        cap_bit(CAP_NET_BIND_SERVICE) | cap_bit(CAP_NET_ADMIN) | cap_bit(CAP_NET_RAW);
    CapSet net_caps = plan_.caps & kNetCaps;
    if (bind_filter_grants_privileged_ports()) {
        how +=
            "; NET_BIND_SERVICE on the host's network: the bind programs let the listed "
            "privileged ports bind without it (network.allowed_ports)";
        net_caps &= ~cap_bit(CAP_NET_BIND_SERVICE);
    }
    if (net_caps != 0 && !profile_.network.isolated) {
        how += "; " + join(capability_names(net_caps)) +
               " has no effect on the host's network, which the sandbox shares but whose "
               "namespace the host's user namespace owns (binding ports below 1024 fails)";
    }
    row("capabilities.allowed", join(capability_names(profile_.allowed_caps)), State::enforced,
        how);
    row("capabilities.dropped", join(capability_names(profile_.dropped_caps)), State::enforced,
        "dropped from the bounding set like every capability not allowed");
    plan_.no_new_privileges = profile_.process.no_new_privileges;
    row("process.no_new_privileges", yes_no(plan_.no_new_privileges),
        plan_.no_new_privileges ? State::enforced : State::not_needed,
        plan_.no_new_privileges ? "prctl(PR_SET_NO_NEW_PRIVS)"
                                : "not set: the seccomp filter is loaded before the "
                                  "capabilities are dropped (as runc does)");
}

Status Planner::plan_syscalls() {
    const SyscallPolicy& sys = profile_.syscalls;
    std::string value = "default " + std::string(to_string(sys.default_action)) + ", " +
                        std::to_string(sys.allowed.size()) + " allowed, " +
                        std::to_string(sys.blocked.size()) + " blocked, " +
                        std::to_string(sys.rules.size()) + " rules";
    if (req_.seccomp_override == "unconfined") {
        if (profile_.level == Level::paranoid)
            return Error::msg("run", "--seccomp unconfined is refused: profile \"" + profile_.name +
                                         "\" is paranoid");
        row("syscalls", "unconfined by --seccomp", State::not_needed,
            "no seccomp filter, as asked");
        return Ok{};
    }
    if (!req_.seccomp_override.empty()) value += " (--seccomp " + req_.seccomp_override + ")";
    // A default that lets unnamed calls through (trace too: a tracer inside the sandbox may
    // let them run) makes the filter a deny-list, which is no paranoid policy: a policy file
    // that allows by default is refused here as --seccomp unconfined is above.
    if (profile_.level == Level::paranoid &&
        (sys.default_action == SyscallAction::allow || sys.default_action == SyscallAction::log ||
         sys.default_action == SyscallAction::trace)) {
        const std::string source = req_.seccomp_override.empty()
                                       ? "syscalls.default_action"
                                       : "the default action of --seccomp " + req_.seccomp_override;
        return Error::msg("run", source + " is " + std::string(to_string(sys.default_action)) +
                                     ": refused for profile \"" + profile_.name +
                                     "\", which is paranoid (expected errno, kill or trap)");
    }
    if (!host_.seccomp_filter) {
        row("syscalls", value, State::refused, "this kernel has no seccomp filter support");
        return Ok{};
    }
    if (req_.learn) {
        // Learning replaces the profile's filter by one that lets everything through and
        // tells the supervisor: the run shows what the command needs, it confines nothing.
        auto learn = seccomp::compile_learn_filter();
        if (!learn) return learn.error();
        auto init = seccomp::compile_init_filter_cached();
        if (!init) return init.error();
        plan_.filter = std::move(*learn);
        plan_.init_filter = std::move(*init);
        plan_.has_filter = true;
        plan_.explain = true;
        plan_.learn = req_.learn;
        row("syscalls", "learning (profile learn)", State::accepted_weaker,
            "every call allowed and recorded through seccomp user notification: NOT a "
            "security boundary");
        return Ok{};
    }
    seccomp::CompileOptions options = seccomp::options_for(profile_.level);
    if (req_.explain) {
        // The layout with the policy's own actions, for the supervisor; then the filter
        // compiled with every errno answer turned into a notification (cached under its own
        // key, since the options are part of it).
        auto layout = seccomp::layout(sys, options);
        if (!layout) return layout.error();
        plan_.explain = true;
        plan_.explain_layout = std::move(*layout);
        plan_.explain_source =
            req_.profile_source.empty() ? "profile \"" + profile_.name + "\"" : req_.profile_source;
        if (!req_.seccomp_override.empty())
            plan_.explain_source = "the policy of --seccomp " + req_.seccomp_override +
                                   " as imported (containerv seccomp import prints it)";
        plan_.explain_json = req_.explain_json;
        options.notify_denials = true;
    }
    bool cached = false;
    auto filter = seccomp::compile_cached(sys, options, &cached);
    if (!filter) return filter.error();
    plan_.filter = std::move(*filter);
    plan_.has_filter = true;
    auto init = seccomp::compile_init_filter_cached();
    if (!init) return init.error();
    plan_.init_filter = std::move(*init);
    row("syscalls", value, State::enforced,
        "seccomp-bpf through libseccomp, " + std::to_string(plan_.filter.insns.size()) +
            " instructions" + (cached ? " (cached)" : "") + ", loaded last" +
            (options.foreign_abis_kill ? "; calls through a compat ABI (i386, x32) kill" : "") +
            (options.notify_denials ? "; errno answers go through the supervisor, which reports "
                                      "them (--explain)"
                                    : ""));
    return Ok{};
}

Status Planner::plan_network() {
    const NetworkPolicy& net = profile_.network;
    if (net.isolated && landlock_mode()) {
        row("network.isolated", "true", State::refused,
            "--isolation landlock: no network namespace; if accepted, Landlock denies every TCP "
            "bind and connect (ABI 4+) and other protocols reach the host's network");
    } else if (net.isolated) {
        plan_.clone_flags |= CLONE_NEWNET;
        plan_.loopback_up = true;
        plan_.root.sysfs_fresh = true;
        row("network.isolated", "true", State::enforced,
            plan_.root.host_root
                ? "network namespace with only lo, up; unix sockets: /tmp, /var/tmp, /run, "
                  "/home and /root are empty, a host socket elsewhere in the host's tree stays "
                  "reachable where its permissions allow (Landlock cannot restrict connect yet)"
                : "network namespace with only lo, up");
    } else {
        row("network.isolated", "false", State::not_needed, "host network namespace shared");
    }

    if (net.isolated && !landlock_mode() &&
        (!net.allowed_ports.empty() || !net.allowed_hosts.empty())) {
        row("network.allowed_ports", join(net.allowed_ports), State::enforced,
            "isolated network: nothing is reachable beyond lo");
        row("network.allowed_hosts", join(net.allowed_hosts), State::enforced,
            "isolated network: nothing is reachable beyond lo");
        return Ok{};
    }
    bool any_host = net.allowed_hosts.empty() ||
                    std::find(net.allowed_hosts.begin(), net.allowed_hosts.end(), "*") !=
                        net.allowed_hosts.end();
    // The filter needs a group of ours in the unified tree, so root in practice.
    const std::string unified = unified_tree();
    const std::string why = sock_filter_unavailable();
    const std::string how =
        "cgroup BPF programs on the socket address hooks (connect4/6, "
        "sendmsg4/6 for UDP, bind4/6) of the sandbox's group in " +
        unified + ": anything else fails with EPERM";
    linux_::NetRules& rules = plan_.cgroup.net;

    if (net.allowed_ports.empty()) {
        row("network.allowed_ports", "(none)", State::not_needed, "no port restriction asked");
    } else {
        for (const auto& spec : net.allowed_ports) {
            auto colon = spec.find(':');
            auto dash = spec.find('-', colon);
            linux_::PortRange r;
            r.protocol = spec.compare(0, colon, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
            r.low = static_cast<std::uint16_t>(std::stoul(spec.substr(colon + 1, dash)));
            r.high = dash == std::string::npos
                         ? r.low
                         : static_cast<std::uint16_t>(std::stoul(spec.substr(dash + 1)));
            rules.ports.push_back(r);
        }
        rules.restrict_ports = true;
        rules.bind_privileged = bind_filter_grants_privileged_ports();
        // Landlock's TCP rules (plan_landlock) are a second layer for TCP, never enough alone:
        // UDP and hosts would stay open.
        const bool tcp_layer = landlock_on() && host_.landlock_abi >= 4;
        if (why.empty())
            row("network.allowed_ports", join(net.allowed_ports), State::enforced,
                how + "; bind also to port 0 (an automatic port)" +
                    (rules.bind_privileged ? "; privileged ones without the host's "
                                             "CAP_NET_BIND_SERVICE (the profile allows it)"
                                           : "") +
                    (tcp_layer ? "; Landlock also limits TCP bind and connect to them" : ""));
        else
            row("network.allowed_ports", join(net.allowed_ports), State::refused,
                why + (tcp_layer ? " (Landlock alone would limit TCP only, not UDP)" : ""));
    }

    if (any_host) {
        row("network.allowed_hosts", join(net.allowed_hosts), State::not_needed,
            "any host allowed");
    } else {
        // Names are resolved once, here: the addresses shown are the ones enforced.
        std::vector<std::string> shown;
        for (const auto& host : net.allowed_hosts) {
            std::string addr = host;
            int prefix = -1;
            if (auto slash = host.find('/'); slash != std::string::npos) {
                addr = host.substr(0, slash);
                prefix = std::stoi(host.substr(slash + 1));
            }
            linux_::HostNet n;
            if (inet_pton(AF_INET, addr.c_str(), n.addr.data()) == 1) {
                n.prefix = prefix < 0 ? 32 : prefix;
                rules.hosts.push_back(n);
                shown.push_back(host);
                continue;
            }
            if (inet_pton(AF_INET6, addr.c_str(), n.addr.data()) == 1) {
                n.v6 = true;
                n.prefix = prefix < 0 ? 128 : prefix;
                rules.hosts.push_back(n);
                shown.push_back(host);
                continue;
            }
            addrinfo hints{};
            hints.ai_socktype = SOCK_STREAM;
            addrinfo* found = nullptr;
            if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0)
                return Error::msg("network", "network.allowed_hosts: cannot resolve \"" + host +
                                                 "\": " + gai_strerror(rc));
            std::vector<std::string> addrs;
            for (addrinfo* a = found; a; a = a->ai_next) {
                linux_::HostNet h;
                char text[INET6_ADDRSTRLEN] = "";
                if (a->ai_family == AF_INET) {
                    auto* sin = reinterpret_cast<sockaddr_in*>(a->ai_addr);
                    std::memcpy(h.addr.data(), &sin->sin_addr, 4);
                    h.prefix = 32;
                    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
                } else if (a->ai_family == AF_INET6) {
                    auto* sin6 = reinterpret_cast<sockaddr_in6*>(a->ai_addr);
                    std::memcpy(h.addr.data(), &sin6->sin6_addr, 16);
                    h.v6 = true;
                    h.prefix = 128;
                    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
                } else {
                    continue;
                }
                if (std::find(rules.hosts.begin(), rules.hosts.end(), h) == rules.hosts.end())
                    rules.hosts.push_back(h);
                if (std::find(addrs.begin(), addrs.end(), text) == addrs.end())
                    addrs.push_back(text);
            }
            freeaddrinfo(found);
            shown.push_back(host + " (" + join(addrs, " ") + ")");
        }
        rules.restrict_hosts = true;
        if (why.empty())
            row("network.allowed_hosts", join(shown, ", "), State::enforced,
                how + "; names resolved once, at start");
        else
            row("network.allowed_hosts", join(shown, ", "), State::refused, why);
    }
    rules.active = why.empty() && (rules.restrict_ports || rules.restrict_hosts);
    if (!rules.active) rules = {};
    return Ok{};
}

void Planner::plan_other_fields() {
    row("level", std::string(to_string(profile_.level)), State::not_needed,
        "recorded; the profile's fields say what is enforced");

    auto mac = [&](const char* field, Want want, bool host_has, const char* what,
                   const std::string& value) {
        if (want == Want::off) {
            row(field, "off", State::not_needed, "not asked for");
        } else if (!host_has) {
            row(field, value, want == Want::if_available ? State::unavailable : State::refused,
                std::string("this kernel has no ") + what +
                    (want == Want::if_available ? " (wanted only where available)" : ""));
        } else {
            row(field, value, State::refused,
                std::string(what) + " is present but containerv cannot apply it yet");
        }
    };
    const MacPolicy& m = profile_.mac;
    mac("mac.apparmor", m.apparmor, host_.apparmor, "AppArmor",
        std::string(to_string(m.apparmor)) +
            (m.apparmor_profile.empty() ? "" : " " + m.apparmor_profile));
    mac("mac.selinux", m.selinux, host_.selinux, "SELinux",
        std::string(to_string(m.selinux)) +
            (m.selinux_context.empty() ? "" : " " + m.selinux_context));

    const WindowsPolicy& w = profile_.windows;
    if (w.app_container || !w.integrity_level.empty() || !w.capability_sids.empty() ||
        !w.privileges.empty())
        row("windows", "set", State::not_needed, "Windows backend only; no meaning on Linux");

    if (landlock_mode()) {
        bool needs_pid = profile_.level >= Level::strict;
        bool scoped = plan_.landlock.scoped != 0;
        row("namespaces", "none (--isolation landlock)",
            needs_pid || !scoped ? State::refused : State::not_needed,
            std::string("the host's pid, ipc, uts, mount and network namespaces are shared: the "
                        "host's processes are visible; Landlock keeps ptrace") +
                (scoped ? ", signals and abstract unix sockets" : "") + " inside the sandbox" +
                (needs_pid ? "; level " + std::string(to_string(profile_.level)) +
                                 " requires a private pid namespace"
                           : "") +
                (scoped ? "" : "; without Landlock scoping (ABI 6) it could signal them") +
                "; known shortcomings: prlimit, setpriority, ioprio_set and sched_* still reach "
                "the caller's other processes (same uid), and pathname unix sockets of the "
                "host (D-Bus, agents) stay reachable where their permissions allow");
        return;
    }
    row("namespaces",
        std::string("user,pid,mount,ipc,uts,cgroup") +
            (plan_.clone_flags & CLONE_NEWNET ? ",net" : ""),
        State::enforced,
        "clone flags; fresh /proc for the pid namespace; pid 1 is containerv's init");
}

// Limits go to a per-sandbox cgroup, which only a caller allowed to create groups gets (root,
// in practice); without one every limit the profile sets is refused by name. rlimits need no
// privilege: the command sets them on itself before exec.
Status Planner::plan_resources() {
    using linux_::CgroupVersion;
    const ResourcePolicy& r = profile_.resources;
    const bool v1 = host_.cgroup_version == CgroupVersion::v1;
    const bool group = host_.cgroups_writable && host_.cgroup_version != CgroupVersion::none;
    const std::string gen = v1 ? "cgroup v1 " : "cgroup v2 ";
    auto limit = [&](const char* field, const std::string& value, const std::string& how) {
        if (group)
            row(field, value, State::enforced, gen + how);
        else
            row(field, value, State::refused, host_.cgroups_unwritable);
    };
    auto number = [](std::uint64_t v) { return std::to_string(v); };

    if (group) {
        linux_::CgroupSpec& spec = plan_.cgroup;
        spec.version = host_.cgroup_version;
        if (v1) spec.unified_root = host_.cgroup_unified;
        spec.memory = r.memory_bytes;
        spec.swap = r.swap_bytes;
        spec.cpus = r.cpus;
        spec.cpu_weight = r.cpu_weight;
        spec.pids = r.pids;
        spec.devices = linux_::default_device_rules();
    }
    if (r.memory_bytes)
        limit("resources.memory", number(*r.memory_bytes),
              v1 ? "memory.limit_in_bytes; the OOM killer acts inside the group"
                 : "memory.max; the OOM killer acts inside the group");
    if (r.swap_bytes) {
        if (group && !host_.cgroup_swap)
            row("resources.memory_swap", number(*r.swap_bytes), State::refused,
                "this kernel does not account swap (memory.memsw.* is missing; boot with "
                "swapaccount=1)");
        else
            limit("resources.memory_swap", number(*r.swap_bytes),
                  v1 ? "memory.memsw.limit_in_bytes = memory + swap" : "memory.swap.max");
    }
    if (r.cpus) {
        std::ostringstream v;
        v << *r.cpus;
        limit("resources.cpus", v.str(),
              v1 ? "cpu.cfs_quota_us per cpu.cfs_period_us of 100000" : "cpu.max, period 100000");
    }
    if (r.cpu_weight)
        limit("resources.cpu_weight", number(*r.cpu_weight),
              v1 ? "cpu.shares (weight 1-10000 mapped onto 2-262144)" : "cpu.weight");
    if (r.pids) limit("resources.pids", number(*r.pids), "pids.max");

    // Devices: the default nodes plus the profile's, each checked to be a host device now.
    std::vector<std::string> shown;
    for (const auto& entry : r.devices) {
        auto colon = entry.find(':');
        const std::string path = entry.substr(0, colon);
        const std::string access = colon == std::string::npos ? "rw" : entry.substr(colon + 1);
        struct stat st;
        if (stat(path.c_str(), &st) != 0)
            return Error::sys("profile", "stat", "resources.devices: " + path, errno);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
            return Error::msg("profile", "resources.devices: \"" + path +
                                             "\" is not a device (expected a character or "
                                             "block device)");
        linux_::DeviceRule rule{S_ISBLK(st.st_mode) ? 'b' : 'c',
                                static_cast<long>(major(st.st_rdev)),
                                static_cast<long>(minor(st.st_rdev)), access};
        if (group) {
            // A default node named again with other access replaces the default's rule.
            auto& rules = plan_.cgroup.devices;
            std::erase_if(rules, [&](const linux_::DeviceRule& d) {
                return d.type == rule.type && d.major == rule.major && d.minor == rule.minor;
            });
            rules.push_back(rule);
        }
        static const char* const kBound[] = {"/dev/null",   "/dev/zero",    "/dev/full",
                                             "/dev/random", "/dev/urandom", "/dev/tty"};
        if (std::find(std::begin(kBound), std::end(kBound), path) == std::end(kBound))
            plan_.root.devices.push_back(path);
        shown.push_back(path + " (" + linux_::to_string(rule) + ")");
    }
    std::string value = "null,zero,full,random,urandom,tty,pts" +
                        (shown.empty() ? std::string() : "," + join(shown));
    if (group) {
        std::string rules;
        for (const auto& d : plan_.cgroup.devices)
            rules += (rules.empty() ? "" : ", ") + to_string(d);
        row("resources.devices", value, State::enforced,
            (v1 ? std::string("cgroup v1 devices controller, deny all but: ")
                : std::string("cgroup v2 BPF_PROG_TYPE_CGROUP_DEVICE program allowing only: ")) +
                rules +
                (v1 && !host_.cgroup_unified.empty()
                     ? "; the same list as a device BPF program on the unified tree"
                     : ""));
    } else if (landlock_mode()) {
        // No mount of ours: the host's /dev is the sandbox's, opened with the caller's own
        // permissions (Landlock grants read and ioctl on it), and no cgroup narrows it.
        row("resources.devices", value, State::refused,
            "--isolation landlock without a device cgroup (" + host_.cgroups_unwritable +
                "): the host's whole /dev is visible and opens where the caller's permissions "
                "allow");
    } else {
        // Not a weakening: without privilege the kernel already keeps device nodes the
        // sandbox makes unusable (mounts made in a user namespace are nodev), and a bound host
        // node opens only as far as the caller's own permissions allow.
        row("resources.devices", value, State::enforced,
            "no device cgroup (" + host_.cgroups_unwritable +
                "): /dev holds only these nodes, and nodes made in the sandbox are unusable "
                "(its mounts are nodev)");
    }

    const Rlimits& l = r.rlimits;
    struct Entry {
        const char* name;
        int resource;
        const std::optional<std::uint64_t>& value;
    };
    const Entry entries[] = {
        {"nofile", RLIMIT_NOFILE, l.nofile}, {"nproc", RLIMIT_NPROC, l.nproc},
        {"core", RLIMIT_CORE, l.core},       {"fsize", RLIMIT_FSIZE, l.fsize},
        {"cpu", RLIMIT_CPU, l.cpu_seconds},  {"as", RLIMIT_AS, l.address_space}};
    for (const auto& e : entries) {
        if (!e.value) continue;
        const std::string field = std::string("resources.rlimits.") + e.name;
        struct rlimit cur;
        getrlimit(e.resource, &cur);
        std::uint64_t soft = *e.value;
        std::uint64_t hard = *e.value;
        // At the cpu limit SIGXCPU (which a program may catch), a second later SIGKILL.
        if (e.resource == RLIMIT_CPU) hard = soft + 1;
        if (cur.rlim_max != RLIM_INFINITY && hard > cur.rlim_max) {
            if (soft > cur.rlim_max)
                return Error::msg("profile", field + ": " + std::to_string(soft) +
                                                 " is above this caller's hard limit " +
                                                 std::to_string(cur.rlim_max) +
                                                 " (no process can raise its hard limit)");
            hard = cur.rlim_max;
        }
        plan_.rlimits.push_back({e.resource, soft, hard, e.name});
        if (e.resource == RLIMIT_CPU) plan_.cpu_seconds = soft;
        row(field, std::to_string(soft), State::enforced,
            "setrlimit in the command before exec, soft " + std::to_string(soft) + ", hard " +
                std::to_string(hard) +
                (e.resource == RLIMIT_CPU ? " (SIGXCPU at the soft limit, SIGKILL at the hard)"
                                          : ""));
    }
    return Ok{};
}

Status Planner::plan_environment() {
    plan_.argv = req_.argv;
    plan_.env.insert(plan_.env.begin(), std::string("PATH=") + kDefaultPath);
    if (const char* term = getenv("TERM")) plan_.env.push_back(std::string("TERM=") + term);
    for (const auto& kv : req_.env) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0)
            return Error::msg("env", "\"" + kv + "\" is not of the form KEY=VALUE");
        std::string key = kv.substr(0, eq + 1);
        std::erase_if(plan_.env, [&](const std::string& e) { return e.rfind(key, 0) == 0; });
        plan_.env.push_back(kv);
    }
    if (req_.cwd) {
        if (req_.cwd->empty() || (*req_.cwd)[0] != '/')
            return Error::msg("cwd", "\"" + *req_.cwd + "\" is not an absolute path");
        plan_.cwd = *req_.cwd;
    } else if (char* here = getcwd(nullptr, 0)) {
        plan_.caller_cwd = here;
        free(here);
    } else {
        plan_.caller_cwd = "/";
    }
    return Ok{};
}

namespace ll = containerv::landlock;

constexpr std::uint64_t kLlRead = ll::kFsExecute | ll::kFsReadFile | ll::kFsReadDir;
constexpr std::uint64_t kLlWrite = ll::kFsWriteFile | ll::kFsRemoveDir | ll::kFsRemoveFile |
                                   ll::kFsMakeChar | ll::kFsMakeDir | ll::kFsMakeReg |
                                   ll::kFsMakeSock | ll::kFsMakeFifo | ll::kFsMakeBlock |
                                   ll::kFsMakeSym | ll::kFsRefer | ll::kFsTruncate;
// Devices a program writes without being asked to (/dev/null...), and terminals.
constexpr std::uint64_t kLlDevice =
    ll::kFsReadFile | ll::kFsWriteFile | ll::kFsTruncate | ll::kFsIoctlDev;

// The filesystem rights each ABI knows (1: the first thirteen; 2: REFER; 3: TRUNCATE;
// 5: IOCTL_DEV).
std::uint64_t landlock_fs_rights(int abi) {
    std::uint64_t rights = (ll::kFsMakeSym << 1) - 1;
    if (abi >= 2) rights |= ll::kFsRefer;
    if (abi >= 3) rights |= ll::kFsTruncate;
    if (abi >= 5) rights |= ll::kFsIoctlDev;
    return rights;
}

std::string landlock_rights_text(std::uint64_t rights) {
    static const std::pair<std::uint64_t, const char*> names[] = {
        {ll::kFsExecute, "execute"},      {ll::kFsWriteFile, "write_file"},
        {ll::kFsReadFile, "read_file"},   {ll::kFsReadDir, "read_dir"},
        {ll::kFsRemoveDir, "remove_dir"}, {ll::kFsRemoveFile, "remove_file"},
        {ll::kFsMakeChar, "make_char"},   {ll::kFsMakeDir, "make_dir"},
        {ll::kFsMakeReg, "make_reg"},     {ll::kFsMakeSock, "make_sock"},
        {ll::kFsMakeFifo, "make_fifo"},   {ll::kFsMakeBlock, "make_block"},
        {ll::kFsMakeSym, "make_sym"},     {ll::kFsRefer, "refer"},
        {ll::kFsTruncate, "truncate"},    {ll::kFsIoctlDev, "ioctl_dev"},
    };
    std::string out;
    for (const auto& [bit, name] : names)
        if (rights & bit) out += std::string(out.empty() ? "" : "+") + name;
    return out.empty() ? "nothing" : out;
}

// "tcp:80", "tcp:8000-8080", "udp:53": the TCP ports, expanded; *other_protocols is set when
// an entry names another protocol. Validation has checked the syntax already.
std::vector<std::uint16_t> Planner::tcp_ports(bool* other_protocols) const {
    std::vector<std::uint16_t> ports;
    *other_protocols = false;
    for (const auto& entry : profile_.network.allowed_ports) {
        if (entry.rfind("tcp:", 0) != 0) {
            *other_protocols = true;
            continue;
        }
        std::string range = entry.substr(4);
        auto dash = range.find('-');
        auto low = parse_id(range.substr(0, dash));
        auto high = dash == std::string::npos ? low : parse_id(range.substr(dash + 1));
        if (!low || !high || *low > *high || *high > 65535) continue;
        for (std::uint32_t port = *low; port <= *high; ++port)
            ports.push_back(static_cast<std::uint16_t>(port));
    }
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    return ports;
}

// --isolation landlock: the command stays on the host's own tree, in the host's namespaces.
// No mount is made, so everything the profile says about files is Landlock's to enforce.
Status Planner::plan_host_tree() {
    RootPlan& root = plan_.root;
    const FilesystemPolicy& fs = profile_.filesystem;
    if (req_.rootfs)
        return Error::msg("run",
                          "--rootfs needs a mount namespace; --isolation landlock runs on "
                          "the host's own tree");
    if (!req_.binds.empty())
        return Error::msg("run",
                          "--bind needs a mount namespace; --isolation landlock runs on "
                          "the host's own tree");
    root.source = "/";
    root.host_root = true;
    root.read_only = true;
    root.no_suid = fs.no_suid;
    bool root_writable = !fs.read_only_root;
    for (const auto& path : fs.writable_paths) {
        if (path == "/" || path == "/*") {
            root_writable = true;
            continue;
        }
        if (auto ok = check_sandbox_path("filesystem.writable_paths", path); !ok) return ok;
        for (const char* kernel : {"/proc", "/sys", "/dev"})
            if (under(path, kernel))
                return Error::msg("profile", "filesystem.writable_paths: \"" + path +
                                                 "\" is under " + kernel +
                                                 " (expected a path outside /proc, /sys and "
                                                 "/dev)");
        if (!is_dir(path))
            return Error::msg("profile", "filesystem.writable_paths: \"" + path +
                                             "\" is not a directory on this host (--isolation "
                                             "landlock writes the host's own directories)");
        root.writable.push_back({path, path, false});
    }
    std::vector<std::string> in_proc;
    for (const auto& path : fs.masked_paths) {
        if (auto ok = check_sandbox_path("filesystem.masked_paths", path); !ok) return ok;
        root.masked.push_back(path);
        if (under(path, "/proc")) in_proc.push_back(path);
    }
    for (const char* path : kBaselineMasked)
        if (std::find(root.masked.begin(), root.masked.end(), path) == root.masked.end())
            root.masked.emplace_back(path);
    for (const auto& path : fs.read_only_paths) {
        if (auto ok = check_sandbox_path("filesystem.read_only_paths", path); !ok) return ok;
        root.read_only_paths.push_back(path);
    }

    if (root_writable)
        row("filesystem.read_only_root", yes_no(fs.read_only_root), State::refused,
            "--isolation landlock: no mount namespace for a throw-away layer, so writes would "
            "reach the host's own files; if accepted the root stays read-only to the sandbox "
            "(Landlock) but for the writable paths");
    else
        row("filesystem.read_only_root", "true", State::enforced,
            "the host's own tree, no copy: Landlock gives no write right outside the writable "
            "paths");
    row("filesystem.writable_paths", join(fs.writable_paths),
        root.writable.empty() ? State::not_needed : State::enforced,
        "Landlock write rights on the host's own directories: writes persist after the "
        "sandbox, host sockets in them stay reachable");
    if (!in_proc.empty())
        row("filesystem.masked_paths", join(fs.masked_paths), State::refused,
            "--isolation landlock: " + join(in_proc) +
                " under the host's /proc, which Landlock cannot divide (its pid directories come "
                "and go) and no mount can cover here");
    else
        row("filesystem.masked_paths", join(fs.masked_paths), State::enforced,
            "Landlock: no right at all beneath them (EACCES), also for the baseline paths outside "
            "/proc; nothing is hidden by mounts");
    row("filesystem.read_only_paths", join(fs.read_only_paths),
        fs.read_only_paths.empty() ? State::not_needed : State::enforced,
        "Landlock: read and execute only");
    bool nnp = profile_.process.no_new_privileges || !host_.root;
    row("filesystem.no_suid", yes_no(fs.no_suid),
        !fs.no_suid ? State::not_needed
        : nnp       ? State::enforced
                    : State::refused,
        nnp ? "no_new_privs: set-user-ID bits and file capabilities ignored at exec"
            : "--isolation landlock mounts nothing (no MS_NOSUID) and the profile sets no "
              "no_new_privileges");
    return Ok{};
}

// --isolation landlock keeps the caller's ids: without a user namespace another id would be
// a real host account (or need privilege), and the caller's capabilities are never handed on.
void Planner::plan_landlock_identity() {
    std::string ids = std::to_string(plan_.uid) + ":" + std::to_string(plan_.gid);
    if (plan_.uid != host_.uid || plan_.gid != host_.gid)
        restate("process.run_as_uid/gid", State::refused,
                "--isolation landlock: no user namespace, the command keeps the caller's ids " +
                    std::to_string(host_.uid) + ":" + std::to_string(host_.gid));
    else
        restate("process.run_as_uid/gid", State::enforced, "the caller's own ids");
    plan_.uid = host_.uid;
    plan_.gid = host_.gid;
    plan_.rootless = !host_.root;
    plan_.clear_groups = host_.root;
    plan_.root.passwd.clear();
    plan_.root.group.clear();
    plan_.caps = 0;
    restate("capabilities.allowed", State::enforced,
            "--isolation landlock: none held; the host's capabilities are never handed on");
    if (!host_.root && !plan_.no_new_privileges) {
        plan_.no_new_privileges = true;
        restate("process.no_new_privileges", State::enforced,
                "set anyway: without privilege Landlock and seccomp require no_new_privs");
    }
}

void Planner::plan_landlock() {
    LandlockPlan& ll_plan = plan_.landlock;
    const Want want = profile_.mac.landlock;
    const int abi = host_.landlock_abi;
    const std::string value = std::string(to_string(want));
    if (want == Want::off) {
        row("mac.landlock", value, State::not_needed, "not asked for");
        return;
    }
    if (abi <= 0) {
        row("mac.landlock", value, want == Want::if_available ? State::unavailable : State::refused,
            std::string("this kernel has no Landlock") +
                (want == Want::if_available ? " (wanted only where available)" : ""));
        return;
    }
    ll_plan.enabled = true;
    ll_plan.abi = abi;
    ll_plan.handled_fs = landlock_fs_rights(abi);
    const std::uint64_t rd = kLlRead;
    const std::uint64_t rw = kLlRead | (kLlWrite & ll_plan.handled_fs);
    const RootPlan& root = plan_.root;
    const bool shared = landlock_mode();

    // What the mount layer makes writable, Landlock makes writable: the whole root when it is
    // writable (its throw-away layer), else the writable paths only.
    bool root_writable = !shared && !root.read_only;
    ll_plan.grants.push_back({"/", root_writable ? rw : rd});
    for (const char* kernel : {"/proc", "/sys", "/dev"}) ll_plan.excluded.emplace_back(kernel);
    ll_plan.grants.push_back({"/proc", rd});
    ll_plan.grants.push_back({"/sys", rd});
    ll_plan.grants.push_back({"/dev", rd | ll::kFsIoctlDev});
    for (const char* dev : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                            "/dev/tty", "/dev/pts"})
        ll_plan.grants.push_back({dev, kLlDevice});
    if (!shared) ll_plan.grants.push_back({"/dev/shm", rw});  // the sandbox's own tmpfs
    for (const auto& w : root.writable) ll_plan.grants.push_back({w.path, rw});
    // Masked paths under /proc stay the mount layer's: the sandbox's procfs gets a directory
    // per new process after the rules are made, so it cannot be granted entry by entry.
    std::vector<std::string> mount_only;
    for (const auto& written : root.masked) {
        // On the host's own tree a masked path may lie below a symlink (/lib, /var/run): the
        // exclusion is built on the directories the kernel walks, so it takes the real path.
        std::string m = written;
        char real[PATH_MAX];
        if (shared && realpath(written.c_str(), real)) m = real;
        if (under(m, "/proc")) {
            mount_only.push_back(m);
            continue;
        }
        ll_plan.excluded.push_back(m);
        // Only a path known to be a file here may have its parents listed.
        struct stat st;
        if (!under(m, "/sys") &&
            !(lstat(in_source(root.source, m).c_str(), &st) == 0 && !S_ISDIR(st.st_mode)))
            ll_plan.unlisted.push_back(m);
    }
    // Rootless on the host's own tree the command runs as the caller, who owns the cache of
    // compiled seccomp programs: Landlock keeps it out of reach (listing its names aside), or
    // a writable path above it would let the command rewrite a later sandbox's filter.
    // As root too: the command then runs as uid 0 without capabilities, still the owner of
    // root's cache. The profile directories likewise: a command that could write one would
    // decide what the caller's next `run --profile NAME` enforces.
    if (shared) {
        std::vector<std::string> keep_out = ProfileStore::from_environment().search_path();
        keep_out.push_back(seccomp::cache_dir());
        for (const auto& dir : keep_out) {
            char real[PATH_MAX];
            if (!dir.empty() && realpath(dir.c_str(), real)) ll_plan.excluded.emplace_back(real);
        }
    }
    // A read-only path inside something writable loses the write right, and is granted
    // reading on its own (unless it is masked).
    for (const auto& path : root.read_only_paths) {
        if (under(path, "/proc") || under(path, "/sys") || under(path, "/dev")) continue;
        bool masked = std::any_of(root.masked.begin(), root.masked.end(),
                                  [&](const std::string& m) { return under(path, m); });
        ll_plan.excluded.push_back(path);
        if (!masked) ll_plan.grants.push_back({path, rd});
    }
    // Landlock cannot make a directory writable without everything below it. A writable root
    // is therefore granted whole (so new entries can be made in /) when the profile masks or
    // protects nothing outside the kernel's directories, and the mounts alone keep those
    // read-only; otherwise entry by entry, so that Landlock holds for the profile's paths and
    // nothing new can be made directly in /.
    bool whole_root = false;
    if (root_writable) {
        whole_root =
            std::all_of(ll_plan.excluded.begin(), ll_plan.excluded.end(), [](const std::string& e) {
                return under(e, "/proc") || under(e, "/sys") || under(e, "/dev");
            });
        if (whole_root) {
            for (const auto& e : ll_plan.excluded) mount_only.push_back(e);
            ll_plan.excluded.clear();
            ll_plan.unlisted.clear();
        }
    }
    for (auto& g : ll_plan.grants) g.access &= ll_plan.handled_fs;

    std::vector<std::string> missing;
    bool other_protocols = false;
    std::vector<std::uint16_t> ports = tcp_ports(&other_protocols);
    bool restrict_tcp =
        !profile_.network.allowed_ports.empty() || (shared && profile_.network.isolated);
    std::string net_text;
    if (restrict_tcp && abi >= 4) {
        ll_plan.handled_net = ll::kNetBindTcp | ll::kNetConnectTcp;
        ll_plan.tcp_ports = ports;
        // As the cgroup port filter does: an automatic port is what any client gets, and what
        // it reaches is checked at connect. Not on an isolated network, where nothing is.
        ll_plan.bind_port_zero = !profile_.network.isolated;
        net_text = "; TCP bind and connect: " +
                   (ports.empty() ? std::string("no port") : join(profile_.network.allowed_ports));
    } else if (restrict_tcp) {
        missing.push_back("TCP port rules (ABI 4)");
    }
    bool scope = shared || profile_.level == Level::paranoid;
    // On the host's network, abstract unix sockets are the host's too: with allowed_hosts or
    // allowed_ports they would be a way past both filters, so they are scoped as well.
    const auto& hosts = profile_.network.allowed_hosts;
    const bool net_restricted =
        !profile_.network.isolated &&
        (!profile_.network.allowed_ports.empty() ||
         (!hosts.empty() && std::find(hosts.begin(), hosts.end(), "*") == hosts.end()));
    std::string scope_text;
    if (scope && abi >= 6) {
        ll_plan.scoped = ll::kScopeAbstractUnixSocket | ll::kScopeSignal;
        scope_text = "; scoped: abstract unix sockets and signals stay inside the sandbox";
    } else if (net_restricted && abi >= 6) {
        ll_plan.scoped = ll::kScopeAbstractUnixSocket;
        scope_text =
            "; scoped: abstract unix sockets stay inside the sandbox (the network "
            "is restricted)";
    } else if (scope) {
        missing.push_back("scoping of abstract unix sockets and signals (ABI 6)");
    } else if (net_restricted) {
        // Not the profile's own demand, so no refusal; said where it shows.
        scope_text =
            "; the host's abstract unix sockets stay reachable (their scoping needs "
            "ABI 6)";
    }
    ll_plan.after_no_new_privs = shared && !host_.root;

    std::string fs_text;
    for (const auto& g : ll_plan.grants) {
        if (!fs_text.empty()) fs_text += ", ";
        fs_text += g.path + " " + landlock_rights_text(g.access);
    }
    std::string mechanism = "Landlock ABI " + std::to_string(abi) + ", handling " +
                            landlock_rights_text(ll_plan.handled_fs) + ": " + fs_text;
    if (!ll_plan.excluded.empty())
        mechanism += "; nothing beneath " + join(ll_plan.excluded) + " but their own grants";
    if (whole_root) {
        mechanism +=
            "; the writable root is granted whole, so the mount layer alone keeps "
            "/proc, /sys and /dev read-only";
    } else if (root_writable) {
        // The grant on / reads as full write rights; it holds only for what / had at start.
        mechanism +=
            "; the writable root is granted entry by entry (what / holds at start), so "
            "nothing new can be made directly in /";
    }
    mechanism += net_text + scope_text;
    if (!mount_only.empty()) {
        mechanism += landlock_mode()
                         ? "; NOT masked in this mode (no mount layer, and Landlock cannot divide "
                           "the host's procfs): " +
                               join(mount_only)
                         : "; the mount layer alone masks " + join(mount_only);
    }
    if (missing.empty()) {
        row("mac.landlock", value, State::enforced, mechanism);
    } else if (want == Want::required) {
        row("mac.landlock", value, State::refused,
            "this kernel's Landlock (ABI " + std::to_string(abi) + ") lacks " +
                join(missing, ", ") + "; " + mechanism);
    } else {
        row("mac.landlock", value, State::enforced,
            mechanism + "; unavailable on ABI " + std::to_string(abi) + ": " + join(missing, ", "));
    }
    (void)other_protocols;
}

Result<Plan> Planner::build() {
    plan_.profile_name = profile_.name;
    if (auto ok = check_consistency(profile_); !ok) return ok.error();
    if (req_.argv.empty())
        return Error::msg("run",
                          "no command given (usage: containerv run [OPTIONS] -- COMMAND "
                          "[ARG...])");
    plan_.isolation = req_.isolation;
    if (landlock_mode()) {
        if (profile_.mac.landlock == Want::off)
            return Error::msg("run", "--isolation landlock: profile \"" + profile_.name +
                                         "\" turns Landlock off (mac.landlock), which is all "
                                         "this mode has for files");
        if (host_.landlock_abi <= 0)
            return Error::msg("run", "--isolation landlock: this kernel has no Landlock");
        plan_.clone_flags = 0;
        if (auto ok = plan_host_tree(); !ok) return ok.error();
    } else {
        if (!host_.user_namespaces)
            return Error::msg("namespaces",
                              "this host does not allow this user to create user "
                              "namespaces (see /proc/sys/kernel/unprivileged_userns_clone, and "
                              "AppArmor's kernel.apparmor_restrict_unprivileged_userns); "
                              "run --isolation landlock works without them");
        plan_.clone_flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
                            CLONE_NEWUTS | CLONE_NEWCGROUP;
        if (auto ok = plan_root(); !ok) return ok.error();
    }
    if (auto ok = plan_user(); !ok) return ok.error();
    plan_capabilities();
    if (landlock_mode()) plan_landlock_identity();
    if (auto ok = plan_syscalls(); !ok) return ok.error();
    if (auto ok = plan_network(); !ok) return ok.error();
    if (auto ok = plan_resources(); !ok) return ok.error();
    plan_landlock();
    plan_other_fields();
    if (auto ok = plan_environment(); !ok) return ok.error();
    for (const auto& field : req_.accept_weaker) {
        bool known = std::any_of(plan_.rows.begin(), plan_.rows.end(),
                                 [&](const Enforcement& r) { return r.field == field; });
        if (!known)
            return Error::msg("run", "--accept-weaker " + field +
                                         ": no such setting in the "
                                         "plan (see run --dry-run)");
    }
    return std::move(plan_);
}

}  // namespace

std::string_view to_string(Enforcement::State state) {
    switch (state) {
        case State::enforced:
            return "enforced";
        case State::not_needed:
            return "not needed";
        case State::unavailable:
            return "unavailable";
        case State::accepted_weaker:
            return "ACCEPTED WEAKER";
        case State::refused:
            return "REFUSED";
    }
    return "?";
}

Result<Plan> make_plan(const RunRequest& request, const HostFeatures& host) {
    return Planner(request, host).build();
}

Status check_enforceable(const Plan& plan) {
    std::string reasons;
    std::string flags;
    for (const auto& r : plan.rows) {
        if (r.state != State::refused) continue;
        if (!reasons.empty()) reasons += "; ";
        reasons += r.field + " (" + r.mechanism + ")";
        flags += " --accept-weaker " + r.field;
    }
    if (reasons.empty()) return Ok{};
    return Error::msg("plan", "profile \"" + plan.profile_name +
                                  "\" cannot be enforced on this host: " + reasons +
                                  "; to run without it anyway, pass" + flags);
}

std::string format_plan(const Plan& plan) {
    std::ostringstream out;
    out << "plan for profile \"" << plan.profile_name << "\" ("
        << (plan.rootless ? "rootless" : "as root, ids mapped to an unprivileged range") << ")\n";
    for (const auto& r : plan.rows) {
        out << "  " << r.field << " = " << r.value << "\n"
            << "      " << to_string(r.state) << ": " << r.mechanism << "\n";
    }
    out << "  command = " << join(plan.argv, " ") << "\n";
    out << "  environment = " << join(plan.env, " ") << "\n";
    return out.str();
}

const std::vector<std::string>& baseline_masked_paths() {
    static const std::vector<std::string> paths(std::begin(kBaselineMasked),
                                                std::end(kBaselineMasked));
    return paths;
}

const std::vector<std::string>& baseline_read_only_paths() {
    static const std::vector<std::string> paths(std::begin(kBaselineReadOnly),
                                                std::end(kBaselineReadOnly));
    return paths;
}

IdMap root_id_range(bool groups) {
    // A range far above the ids Debian's useradd hands out (1000+) and its subordinate ranges
    // (100000+), unless the administrator names one for "containerv".
    IdMap map{0, 1000000000, 65536};
    std::ifstream in(groups ? "/etc/subgid" : "/etc/subuid");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name, start, count;
        if (!std::getline(fields, name, ':') || name != "containerv") continue;
        if (!std::getline(fields, start, ':') || !std::getline(fields, count)) continue;
        auto s = parse_id(start);
        auto c = parse_id(count);
        if (s && c && *c >= 65536 && *s > 0) map = {0, *s, 65536};
    }
    return map;
}

}  // namespace containerv
