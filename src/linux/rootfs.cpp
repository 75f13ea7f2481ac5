// Order of the build (each step names the kernel behaviour it relies on):
//  1. every mount private, so nothing done here propagates back to the host;
//  2. a staging tmpfs becomes the root with pivot_root, the host's root now at /oldroot: all
//     sources are read from there, and no file is ever created on the host;
//  3. the new root: the host's top-level entries bound read-only onto a tmpfs, or, when the
//     root is writable, one throw-away overlay of the host's root file system with each of
//     the host's mounts covered again (as root) or one overlay per top-level directory
//     (rootless); or the --rootfs tree bound whole;
//  4. /proc, /dev, /sys, /tmp, /run; writable paths; --bind mounts; masked and read-only paths;
//  5. pivot_root into the new root and detach the old one, host and staging alike.
#include "linux/rootfs.hpp"

#include "linux/fault.hpp"

#include "base/fd.hpp"
#include "linux/step_error.hpp"

#include <algorithm>
#include <cerrno>
#include <set>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace containerv::linux_ {
namespace {

const std::string kStage = "/tmp";      // mount point of the staging tmpfs, before pivot
const std::string kOld = "/oldroot";    // the host's root, after the first pivot
const std::string kNew = "/newroot";    // the sandbox's root, before the second pivot
const std::string kLayers = "/layers";  // upper and work directories of the overlays

constexpr const char* kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};

int mnt(const char* source, const std::string& target, const char* type, unsigned long flags,
        const std::string& data, const char* step) {
    if (mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0)
        return fail(step, "mount", target.c_str());
    return 0;
}

// Mount attributes with the new mount API: one call applies them to a whole tree, and flags
// inherited from a more privileged namespace can be added to, never cleared.
int set_attr(const std::string& target, std::uint64_t attrs, bool recursive, const char* step) {
    mount_attr attr{};
    attr.attr_set = attrs;
    unsigned flags = AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW | (recursive ? AT_RECURSIVE : 0);
    if (syscall(SYS_mount_setattr, AT_FDCWD, target.c_str(), flags, &attr, sizeof attr) != 0)
        return fail(step, "mount_setattr", target.c_str());
    return 0;
}

int bind(const std::string& source, const std::string& target, std::uint64_t attrs,
         const char* step) {
    if (mnt(source.c_str(), target, nullptr, MS_BIND | MS_REC, "", step) != 0) return -1;
    return attrs ? set_attr(target, attrs, true, step) : 0;
}

int mkdir_p(const std::string& path, mode_t mode, const char* step) {
    for (size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos != path.size() && path[pos] != '/') continue;
        std::string part = path.substr(0, pos);
        if (mkdir(part.c_str(), mode) != 0 && errno != EEXIST)
            return fail(step, "mkdir", part.c_str());
    }
    return 0;
}

// A mount point of the same kind as `source`: a directory, or an empty file.
int make_mount_point(const std::string& source, const std::string& target, const char* step) {
    struct stat st;
    if (stat(source.c_str(), &st) != 0) return fail(step, "stat", source.c_str());
    if (S_ISDIR(st.st_mode)) return mkdir_p(target, 0755, step);
    if (mkdir_p(target.substr(0, target.rfind('/')), 0755, step) != 0) return -1;
    int fd = open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno != EEXIST) return fail(step, "open", target.c_str());
    if (fd >= 0) close(fd);
    return 0;
}

bool exists(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

// A --rootfs tree may hold symlinks planted by an earlier sandbox that could write it (runc's
// CVE-2021-30465 class): a target path is therefore resolved as if the tree were / with
// openat2's RESOLVE_IN_ROOT, so no symlink leads out of it, and mounts are made on the
// descriptor (open_tree, move_mount) rather than on a path that could be swapped meanwhile.
int open_in_tree(int tree, const std::string& path, int flags) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return static_cast<int>(syscall(SYS_openat2, tree, path.c_str(), &how, sizeof how));
}

// PATH in TREE as an O_PATH descriptor, the missing components made on the way (directories,
// and the last one an empty file unless `directory`), each created relative to its parent's
// descriptor. Returns -1 with the error recorded.
int make_in_tree(int tree, const std::string& path, bool directory, const char* step) {
    Fd at(open_in_tree(tree, "/", O_PATH | O_DIRECTORY));
    if (at.get() < 0) return fail(step, "openat2", "/");
    std::string prefix;
    for (size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos != path.size() && path[pos] != '/') continue;
        size_t start = prefix.size() + 1;
        std::string name = path.substr(start, pos - start);
        prefix = path.substr(0, pos);
        if (name.empty()) continue;
        bool last = pos == path.size();
        int fd = open_in_tree(tree, prefix, O_PATH);
        if (fd < 0 && errno == ENOENT) {
            if (last && !directory) {
                int made = openat(at.get(), name.c_str(),
                                  O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (made < 0 && errno != EEXIST) return fail(step, "openat", prefix.c_str());
                if (made >= 0) close(made);
            } else if (mkdirat(at.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
                return fail(step, "mkdirat", prefix.c_str());
            }
            fd = open_in_tree(tree, prefix, O_PATH);
        }
        if (fd < 0) return fail(step, "openat2", prefix.c_str());
        at.reset(fd);
    }
    return at.release();
}

// Binds the tree at SOURCE (a descriptor) onto TARGET (a descriptor) with ATTRS, recursively:
// the clone gets its attributes before it is attached, so it is never visible without them.
int bind_fd(int source, int target, std::uint64_t attrs, const char* step, const char* what) {
    Fd tree(static_cast<int>(
        syscall(SYS_open_tree, source, "",
                AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
    if (tree.get() < 0) return fail(step, "open_tree", what);
    if (attrs) {
        mount_attr attr{};
        attr.attr_set = attrs;
        if (syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                    sizeof attr) != 0)
            return fail(step, "mount_setattr", what);
    }
    if (syscall(SYS_move_mount, tree.get(), "", target, "",
                MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
        return fail(step, "move_mount", what);
    return 0;
}

// The top-level names of the host's mounts, from pid 1's own mount table (the host's as of
// the clone, below /oldroot): `deep` has the directories with a mount below them, `top` the
// entries that are mount points themselves. Read here, not taken from the plan, so that a
// mount made on the host since the plan is covered all the same.
struct HostMounts {
    std::set<std::string> deep;
    std::set<std::string> top;
};

// mountinfo writes space, tab, newline and backslash in a path as \ooo.
std::string unescape(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' &&
            field[i + 1] <= '7') {
            out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                     (field[i + 3] - '0'));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

int read_host_mounts(HostMounts* mounts) {
    // The host's /proc, the only one mounted yet; "self" is still this process.
    const std::string table = kOld + "/proc/self/mountinfo";
    Fd fd(open(table.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return fail("rootfs", "open", table.c_str());
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail("rootfs", "read", table.c_str());
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    const std::string prefix = kOld + "/";
    size_t line = 0;
    while (line < text.size()) {
        size_t end = text.find('\n', line);
        if (end == std::string::npos) end = text.size();
        // Fields: id, parent id, major:minor, root, mount point, ...
        size_t at = line;
        for (int field = 0; field < 4 && at < end; ++field) {
            at = text.find(' ', at);
            at = at == std::string::npos || at > end ? end : at + 1;
        }
        size_t stop = text.find(' ', at);
        if (stop == std::string::npos || stop > end) stop = end;
        std::string point = unescape(text.substr(at, stop - at));
        line = end + 1;
        if (point.compare(0, prefix.size(), prefix) != 0 || point.size() == prefix.size()) continue;
        std::string rel = point.substr(prefix.size());
        size_t slash = rel.find('/');
        if (slash == std::string::npos)
            mounts->top.insert(rel);
        else
            mounts->deep.insert(rel.substr(0, slash));
    }
    return 0;
}

class RootBuilder {
public:
    RootBuilder(const RootPlan& plan, std::uint32_t uid, std::uint32_t gid, int host_layer)
        : plan_(plan), uid_(uid), gid_(gid), host_layer_(host_layer) {
        common_ = MOUNT_ATTR_NODEV | (plan.no_suid ? MOUNT_ATTR_NOSUID : 0);
    }

    int build();

private:
    int stage();
    int host_top_level();
    int host_entry(const std::string& name);
    int host_layer();
    bool carried_over(const std::string& name) const;
    int rootfs_tree();
    int layer_dirs(mode_t mode, bool own, std::string* upper, std::string* work);
    int overlay(const std::string& lower, const std::string& target, bool own);
    int proc_dev_sys();
    int dev();
    int fresh_tmpfs(const std::string& path, const char* mode, bool writable);
    int writable_paths();
    int user_binds();
    int tree_bind(int source, const std::string& target, std::uint64_t attrs, const char* step);
    int masks_and_read_only();
    int identity_files();
    int enter();

    std::string source(const std::string& path) const {
        return kOld + (plan_.source == "/" ? "" : plan_.source) + path;
    }

    const RootPlan& plan_;
    std::uint32_t uid_;
    std::uint32_t gid_;
    std::uint64_t common_;
    int layers_ = 0;
    Fd host_layer_;   // one_layer: the host's root file system alone, from the supervisor
    Fd tree_;         // --rootfs: the tree as bound at /newroot, where targets are resolved
    Fd source_tree_;  // --rootfs: the tree as the host has it, where writable sources are
    unsigned long ms_nosuid() const { return plan_.no_suid ? MS_NOSUID : 0; }
};

int RootBuilder::stage() {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return fail("rootfs", "mount(MS_PRIVATE)", "/");
    if (mnt("tmpfs", kStage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", "rootfs") != 0) return -1;
    if (chdir(kStage.c_str()) != 0) return fail("rootfs", "chdir", kStage.c_str());
    if (mkdir("oldroot", 0755) != 0) return fail("rootfs", "mkdir", "oldroot");
    if (syscall(SYS_pivot_root, ".", "oldroot") != 0)
        return fail("rootfs", "pivot_root", kStage.c_str());
    if (chdir("/") != 0) return fail("rootfs", "chdir", "/");
    if (mkdir(kNew.c_str(), 0755) != 0) return fail("rootfs", "mkdir", kNew.c_str());
    if (mkdir(kLayers.c_str(), 0700) != 0) return fail("rootfs", "mkdir", kLayers.c_str());
    return 0;
}

// Only the top level is walked, so the cost grows with the number of entries in / and of
// mounts, never with the size of the host's filesystem.
int RootBuilder::host_top_level() {
    if (plan_.one_layer) return host_layer();
    if (mnt("tmpfs", kNew, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", "rootfs") != 0) return -1;
    DIR* dir = opendir(kOld.c_str());
    if (!dir) return fail("rootfs", "opendir", kOld.c_str());
    int rc = 0;
    while (dirent* entry = readdir(dir)) {
        std::string name = entry->d_name;
        if (!carried_over(name)) continue;
        if ((rc = host_entry(name)) != 0) break;
    }
    closedir(dir);
    return rc;
}

int RootBuilder::host_entry(const std::string& name) {
    std::string from = kOld + "/" + name;
    std::string to = kNew + "/" + name;
    struct stat st;
    if (lstat(from.c_str(), &st) != 0) return fail("rootfs", "lstat", from.c_str());

    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(from.c_str(), target, sizeof target - 1);
        if (n < 0) return fail("rootfs", "readlink", from.c_str());
        target[n] = '\0';
        if (symlink(target, to.c_str()) != 0) return fail("rootfs", "symlink", to.c_str());
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(to.c_str(), st.st_mode & 07777) != 0) return fail("rootfs", "mkdir", to.c_str());
        if (!plan_.read_only && !plan_.top_with_mounts.count(name)) return overlay(from, to, false);
        // The host's tree is never writable from the sandbox, whatever the profile says.
        return bind(from, to, MOUNT_ATTR_RDONLY | common_, "rootfs");
    }
    if (S_ISREG(st.st_mode)) {
        if (make_mount_point(from, to, "rootfs") != 0) return -1;
        return bind(from, to, MOUNT_ATTR_RDONLY | common_, "rootfs");
    }
    return 0;  // sockets, fifos and devices at the top of / are not carried over
}

// The top-level entries of the host's / that the new root takes over, in both ways of building
// it: /proc, /sys, /dev and the fresh directories get mounts of their own later.
bool RootBuilder::carried_over(const std::string& name) const {
    if (name == "." || name == ".." || name == "proc" || name == "sys" || name == "dev")
        return false;
    return std::none_of(plan_.fresh.begin(), plan_.fresh.end(),
                        [&](const FreshDir& d) { return d.path == "/" + name; });
}

// The writable host root as one overlay whose lower is the host's root file system alone
// (the supervisor's clone). That lower shows what the host's mounts hide, so each of them is
// covered again before anything runs: a top-level directory with mounts below is bound
// read-only from the host, recursively, as in a read-only root; a top-level mount point
// gets its own overlay; /proc, /sys, /dev and the fresh directories get their own mounts
// later. A top-level directory of the overlay takes its owner and mode from its directory
// in the upper layer, made here: the namespace's root, the host's mode, as the overlay per
// directory has it.
int RootBuilder::host_layer() {
    const std::string lower = kLayers + "/host";
    if (mkdir(lower.c_str(), 0700) != 0) return fail("rootfs", "mkdir", lower.c_str());
    if (syscall(SYS_move_mount, host_layer_.get(), "", AT_FDCWD, lower.c_str(),
                MOVE_MOUNT_F_EMPTY_PATH) != 0)
        return fail("rootfs", "move_mount", lower.c_str());
    host_layer_.reset(-1);
    HostMounts mounts;
    if (read_host_mounts(&mounts) != 0) return -1;

    struct stat root;
    if (stat(lower.c_str(), &root) != 0) return fail("rootfs", "stat", lower.c_str());
    std::string upper;
    std::string work;
    if (layer_dirs(root.st_mode, false, &upper, &work) != 0) return -1;
    Fd up(open(upper.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (up.get() < 0) return fail("rootfs", "open", upper.c_str());

    std::vector<std::string> covered;  // top-level entries with a mount of their own on top
    DIR* dir = opendir(lower.c_str());
    if (!dir) return fail("rootfs", "opendir", lower.c_str());
    int rc = 0;
    while (dirent* entry = readdir(dir)) {
        std::string name = entry->d_name;
        if (!carried_over(name)) continue;
        if (mounts.deep.count(name) || mounts.top.count(name)) {
            covered.push_back(name);
            continue;
        }
        struct stat st;
        std::string from = lower + "/" + name;
        if (lstat(from.c_str(), &st) != 0) {
            rc = fail("rootfs", "lstat", from.c_str());
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            if (mkdirat(up.get(), name.c_str(), 0700) != 0 ||
                fchmodat(up.get(), name.c_str(), st.st_mode & 07777, 0) != 0) {
                rc = fail("rootfs", "mkdirat", (upper + "/" + name).c_str());
                break;
            }
        } else if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
            // Sockets, fifos and devices at the top of / are not carried over: a whiteout
            // (a 0:0 character device in the upper layer) hides each.
            if (mknodat(up.get(), name.c_str(), S_IFCHR, makedev(0, 0)) != 0) {
                rc = fail("rootfs", "mknodat", (upper + "/" + name).c_str());
                break;
            }
        }
    }
    closedir(dir);
    if (rc != 0) return rc;

    std::string data =
        "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + ",userxattr";
    if (mnt("overlay", kNew, "overlay", MS_NODEV | ms_nosuid(), data, "overlay") != 0) return -1;
    for (const auto& name : covered) {
        std::string from = kOld + "/" + name;
        std::string to = kNew + "/" + name;
        struct stat st;
        if (stat(from.c_str(), &st) != 0) return fail("rootfs", "stat", from.c_str());
        if (S_ISDIR(st.st_mode) && !mounts.deep.count(name)) {
            if (overlay(from, to, false) != 0) return -1;
        } else if (bind(from, to, MOUNT_ATTR_RDONLY | common_, "rootfs") != 0) {
            return -1;
        }
    }
    return 0;
}

int RootBuilder::rootfs_tree() {
    if (bind(source(""), kNew, common_, "rootfs") != 0) return -1;
    source_tree_.reset(open(source("").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (source_tree_.get() < 0) return fail("rootfs", "open", plan_.source.c_str());
    tree_.reset(open(kNew.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (tree_.get() < 0) return fail("rootfs", "open", plan_.source.c_str());

    // Mount points first, while the tree is still writable.
    for (const auto& w : plan_.writable) {
        Fd point(make_in_tree(tree_.get(), w.path, true, "writable"));
        if (point.get() < 0) return -1;
    }
    for (const auto& b : plan_.binds) {
        struct stat st;
        if (stat((kOld + b.source).c_str(), &st) != 0)
            return fail("bind", "stat", b.source.c_str());
        Fd point(make_in_tree(tree_.get(), b.target, S_ISDIR(st.st_mode), "bind"));
        if (point.get() < 0) return -1;
    }

    if (plan_.read_only && set_attr(kNew, MOUNT_ATTR_RDONLY, true, "rootfs") != 0) return -1;
    return 0;
}

// A throw-away layer over `lower`: writes land in a tmpfs that dies with the sandbox. The
// overlay's root directory takes its owner and mode from the upper directory, which is how a
// writable path becomes writable for the sandbox's user without touching the host.
int RootBuilder::layer_dirs(mode_t mode, bool own, std::string* upper, std::string* work) {
    std::string base = kLayers + "/" + std::to_string(layers_++);
    *upper = base + "/upper";
    *work = base + "/work";
    for (const auto& dir : {base, *upper, *work})
        if (mkdir(dir.c_str(), 0755) != 0) return fail("overlay", "mkdir", dir.c_str());
    if (chmod(upper->c_str(), mode & 07777) != 0) return fail("overlay", "chmod", upper->c_str());
    if (own && chown(upper->c_str(), uid_, gid_) != 0)
        return fail("overlay", "chown", upper->c_str());
    return 0;
}

int RootBuilder::overlay(const std::string& lower, const std::string& target, bool own) {
    struct stat st;
    if (stat(lower.c_str(), &st) != 0) return fail("overlay", "stat", lower.c_str());
    std::string upper;
    std::string work;
    if (layer_dirs(st.st_mode, own, &upper, &work) != 0) return -1;
    // userxattr: the only xattr namespace an overlay in a user namespace may use.
    std::string data =
        "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + ",userxattr";
    return mnt("overlay", target, "overlay", MS_NODEV | ms_nosuid(), data, "overlay");
}

int RootBuilder::fresh_tmpfs(const std::string& path, const char* mode, bool writable) {
    std::string target = kNew + path;
    // Below the top level the directory is in a read-only bind: skip it if the host lacks it.
    if (path.find('/', 1) != std::string::npos && !exists(target)) return 0;
    if (mkdir_p(target, 0755, "rootfs") != 0) return -1;
    unsigned long flags = MS_NODEV | ms_nosuid() | (writable ? 0 : MS_RDONLY);
    return mnt("tmpfs", target, "tmpfs", flags, std::string("mode=") + mode, "rootfs");
}

int RootBuilder::dev() {
    std::string d = kNew + "/dev";
    if (mkdir_p(d, 0755, "dev") != 0) return -1;
    if (mnt("tmpfs", d, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755", "dev") != 0) return -1;
    for (const char* node : kDevices) {
        std::string target = d + "/" + node;
        if (make_mount_point(kOld + "/dev/null", target, "dev") != 0) return -1;
        if (mnt((kOld + "/dev/" + node).c_str(), target, nullptr, MS_BIND, "", "dev") != 0)
            return -1;
        if (set_attr(target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false, "dev") != 0) return -1;
    }
    // The profile's resources.devices, from the host's /dev (the plan checked each is one).
    for (const auto& path : plan_.devices) {
        std::string target = kNew + path;
        if (make_mount_point(kOld + "/dev/null", target, "dev") != 0) return -1;
        if (mnt((kOld + path).c_str(), target, nullptr, MS_BIND, "", "dev") != 0) return -1;
        if (set_attr(target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false, "dev") != 0) return -1;
    }
    // A private devpts instance: the sandbox sees only its own terminals.
    if (mkdir_p(d + "/pts", 0755, "dev") != 0) return -1;
    if (mnt("devpts", d + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
            "newinstance,ptmxmode=0666,mode=0620", "dev") != 0)
        return -1;
    if (symlink("pts/ptmx", (d + "/ptmx").c_str()) != 0) return fail("dev", "symlink", "ptmx");
    if (mkdir_p(d + "/shm", 01777, "dev") != 0) return -1;
    // 64 MiB, as Docker gives /dev/shm: tmpfs pages are memory, and a profile without a memory
    // limit would otherwise let the sandbox pin half the host's RAM here. The sandbox's other
    // tmpfs mounts (/tmp, the writable layers) have no size yet: docs/THREATS.md.
    if (mnt("tmpfs", d + "/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m", "dev") != 0)
        return -1;
    const char* links[][2] = {{"/proc/self/fd", "fd"},
                              {"/proc/self/fd/0", "stdin"},
                              {"/proc/self/fd/1", "stdout"},
                              {"/proc/self/fd/2", "stderr"}};
    for (const auto& link : links)
        if (symlink(link[0], (d + "/" + link[1]).c_str()) != 0)
            return fail("dev", "symlink", link[1]);
    return set_attr(d, MOUNT_ATTR_RDONLY, false, "dev");
}

int RootBuilder::proc_dev_sys() {
    std::string proc = kNew + "/proc";
    if (mkdir_p(proc, 0555, "proc") != 0) return -1;
    if (mnt("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", "proc") != 0) return -1;
    if (dev() != 0) return -1;

    std::string sys = kNew + "/sys";
    if (mkdir_p(sys, 0555, "sys") != 0) return -1;
    if (plan_.sysfs_fresh)
        return mnt("sysfs", sys, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", "sys");
    // sysfs can only be mounted by the owner of the network namespace: bind the host's.
    return bind(kOld + "/sys", sys,
                MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                "sys");
}

int RootBuilder::writable_paths() {
    std::vector<WritableMount> paths = plan_.writable;
    std::sort(paths.begin(), paths.end(),
              [](const auto& a, const auto& b) { return a.path.size() < b.path.size(); });
    for (const auto& w : paths) {
        std::string target = kNew + w.path;
        if (w.in_fresh_tmpfs) {
            if (mkdir_p(target, 0755, "writable") != 0) return -1;
            struct stat st;
            // A sticky, world-writable directory (/tmp) is writable as it is.
            if (stat(target.c_str(), &st) == 0 && (st.st_mode & 01002) == 01002) continue;
            if (chown(target.c_str(), uid_, gid_) != 0)
                return fail("writable", "chown", w.path.c_str());
            continue;
        }
        if (!plan_.host_root) {
            Fd from(open_in_tree(source_tree_.get(), w.path, O_PATH | O_DIRECTORY));
            if (from.get() < 0) return fail("writable", "openat2", w.path.c_str());
            if (tree_bind(from.get(), w.path, common_, "writable") != 0) return -1;
            continue;
        }
        if (w.existing == w.path) {
            if (overlay(kOld + w.path, target, true) != 0) return -1;
            continue;
        }
        // The path is missing on the host: a layer over its nearest existing ancestor makes
        // room for it, the path is bound onto itself so it stays writable, and the ancestor
        // is made read-only again when the root is.
        if (w.existing != "/" && overlay(kOld + w.existing, kNew + w.existing, false) != 0)
            return -1;
        if (mkdir_p(target, 0755, "writable") != 0) return -1;
        if (chown(target.c_str(), uid_, gid_) != 0)
            return fail("writable", "chown", w.path.c_str());
        if (bind(target, target, 0, "writable") != 0) return -1;
        if (w.existing != "/" && plan_.read_only &&
            set_attr(kNew + w.existing, MOUNT_ATTR_RDONLY, false, "writable") != 0)
            return -1;
    }
    return 0;
}

// Onto TARGET as resolved in the --rootfs tree, which has no symlink out of it.
int RootBuilder::tree_bind(int source, const std::string& target, std::uint64_t attrs,
                           const char* step) {
    Fd to(open_in_tree(tree_.get(), target, O_PATH));
    if (to.get() < 0) return fail(step, "openat2", target.c_str());
    return bind_fd(source, to.get(), attrs, step, target.c_str());
}

// Targets are resolved inside the new root on the host's root too: a target below another
// bind passes through a directory an earlier sandbox could write, and pid 1 still sees the
// host at /oldroot, so a link planted there (say /data/sub -> /oldroot/tmp) made it create
// the mount point on the host and mount the caller's source outside the sandbox.
int RootBuilder::user_binds() {
    Fd host_tree;
    if (plan_.host_root && !plan_.binds.empty()) {
        host_tree.reset(open(kNew.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (host_tree.get() < 0) return fail("bind", "open", kNew.c_str());
    }
    for (const auto& b : plan_.binds) {
        std::uint64_t attrs = common_ | (b.read_only ? MOUNT_ATTR_RDONLY : 0);
        // The source is the caller's own path on the host, followed as the caller wrote it.
        Fd from(open((kOld + b.source).c_str(), O_PATH | O_CLOEXEC));
        if (from.get() < 0) return fail("bind", "open", b.source.c_str());
        if (!plan_.host_root) {
            // --rootfs: the mount point was made while the tree was writable.
            if (tree_bind(from.get(), b.target, attrs, "bind") != 0) return -1;
            continue;
        }
        struct stat st;
        if (fstat(from.get(), &st) != 0) return fail("bind", "fstat", b.source.c_str());
        Fd point(make_in_tree(host_tree.get(), b.target, S_ISDIR(st.st_mode), "bind"));
        if (point.get() < 0) return -1;
        if (bind_fd(from.get(), point.get(), attrs, "bind", b.target.c_str()) != 0) return -1;
    }
    return 0;
}

// Known limit: a mask or read-only path inside a tree the sandbox can write (a --rootfs tree
// it owns, a writable bind) guards what is at that path when the sandbox starts, no more: an
// earlier run can rename the content away (the red-team trial moved /data/ro to /data/ro2),
// and no resolution of the path brings it back. A link planted on the way is followed by
// path here, but only into pid 1's own view of /oldroot: the mount lands there, in a private
// namespace, and is detached with the host's root, so nothing of the host is touched.
int RootBuilder::masks_and_read_only() {
    for (const auto& path : plan_.read_only_paths) {
        std::string target = kNew + path;
        if (!exists(target)) continue;
        if (bind(target, target, MOUNT_ATTR_RDONLY | common_, "read-only") != 0) return -1;
    }
    for (const auto& path : plan_.masked) {
        std::string target = kNew + path;
        struct stat st;
        if (lstat(target.c_str(), &st) != 0) continue;  // absent: nothing to hide
        if (S_ISDIR(st.st_mode)) {
            if (mnt("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    "size=4k,mode=0555", "mask") != 0)
                return -1;
        } else {
            if (mnt((kOld + "/dev/null").c_str(), target, nullptr, MS_BIND, "", "mask") != 0)
                return -1;
            // Not nodev: the mask is the null device, and it must open to read as empty.
            if (set_attr(target, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID, false,
                         "mask"))
                return -1;
        }
    }
    return 0;
}

// The sandbox's own /etc/passwd and /etc/group when the profile's user is not in the root's.
int RootBuilder::identity_files() {
    const std::pair<const std::string*, const char*> files[] = {{&plan_.passwd, "passwd"},
                                                                {&plan_.group, "group"}};
    for (const auto& [text, name] : files) {
        if (text->empty()) continue;
        std::string staged = std::string("/") + name;
        int fd = open(staged.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) return fail("identity", "open", staged.c_str());
        ssize_t n = write(fd, text->data(), text->size());
        int saved = errno;
        close(fd);
        if (n != static_cast<ssize_t>(text->size()))
            return fail("identity", "write", staged.c_str(), n < 0 ? saved : EIO);
        std::string target = kNew + "/etc/" + name;
        if (bind(staged, target, MOUNT_ATTR_RDONLY | common_, "identity") != 0) return -1;
    }
    return 0;
}

int RootBuilder::enter() {
    // Test builds: the tree is built and the host's root still attached (fault.hpp).
    if (fault("pivot")) return fail("pivot", "fault injection", "", ECANCELED);
    if (plan_.host_root && plan_.read_only && set_attr(kNew, MOUNT_ATTR_RDONLY, false, "rootfs"))
        return -1;
    if (chdir(kNew.c_str()) != 0) return fail("pivot", "chdir", kNew.c_str());
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching "." then
    // removes the staging tmpfs and, below it, the host's root.
    if (syscall(SYS_pivot_root, ".", ".") != 0) return fail("pivot", "pivot_root", kNew.c_str());
    if (umount2(".", MNT_DETACH) != 0) return fail("pivot", "umount2", "old root");
    if (chdir("/") != 0) return fail("pivot", "chdir", "/");
    return 0;
}

int RootBuilder::build() {
    if (stage() != 0) return -1;
    if (plan_.host_root) {
        if (host_top_level() != 0) return -1;
        for (const auto& fresh : plan_.fresh)
            if (fresh_tmpfs(fresh.path, fresh.mode.c_str(), fresh.writable) != 0) return -1;
    } else if (rootfs_tree() != 0) {
        return -1;
    }
    if (proc_dev_sys() != 0) return -1;
    if (writable_paths() != 0) return -1;
    if (user_binds() != 0) return -1;
    if (masks_and_read_only() != 0) return -1;
    if (identity_files() != 0) return -1;
    return enter();
}

}  // namespace

Result<Fd> clone_host_layer() {
    // Not AT_RECURSIVE: the root file system's own mount, none of the mounts below it.
    Fd tree(static_cast<int>(
        syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
    if (tree.get() < 0) return Error::sys("rootfs", "open_tree", "/", errno);
    // Private, so nothing propagates between it and the host; read-only, since a lower layer
    // is never written.
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    attr.propagation = MS_PRIVATE;
    if (syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
        return Error::sys("rootfs", "mount_setattr", "/", errno);
    return tree;
}

int build_root(const RootPlan& root, std::uint32_t uid, std::uint32_t gid, int host_layer) {
    return RootBuilder(root, uid, gid, host_layer).build();
}

}  // namespace containerv::linux_
