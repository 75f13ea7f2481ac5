#include "base/trusted_dir.hpp"

#include "base/fd.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <string_view>
#include <vector>

namespace containerv {
namespace {

// The kernel's own limit on links followed in one lookup.
constexpr int kMaxLinks = 40;

void push_parts(std::deque<std::string>& todo, std::string_view path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        if (slash > start) parts.emplace_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    todo.insert(todo.begin(), parts.begin(), parts.end());
}

}  // namespace

int open_trusted_dir(const std::string& path, bool create, std::string* why) {
    const uid_t me = ::geteuid();
    auto fail = [&](int err, const std::string& what) {
        *why = what;
        errno = err;
        return -1;
    };
    if (path.empty() || path[0] != '/') return fail(EINVAL, path + ": not an absolute path");

    // Each directory walked, as an O_PATH descriptor: ".." goes back to the one before, as
    // the kernel's own lookup does after a link.
    std::vector<Fd> stack;
    std::vector<std::string> names;  // the walked path, for messages
    auto walked = [&](const std::string& more = "") {
        std::string p;
        for (const std::string& n : names) p += "/" + n;
        if (!more.empty()) p += "/" + more;
        return p.empty() ? std::string("/") : p;
    };
    // A directory on the way: root's or the caller's, and no one else may write in it unless
    // it is sticky. The last one: the caller's, and no one else may write in it at all.
    auto trusted = [&](int fd, bool last) {
        struct stat st;
        if (::fstat(fd, &st) != 0) return fail(errno, walked() + ": " + std::strerror(errno));
        const bool others = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
        const bool ok =
            last ? st.st_uid == me && !others
                 : (st.st_uid == 0 || st.st_uid == me) && (!others || (st.st_mode & S_ISVTX) != 0);
        if (ok) return 0;
        return fail(EPERM, fmt::format("{} belongs to uid {} with mode {:o}", walked(), st.st_uid,
                                       st.st_mode & 07777));
    };
    auto from_root = [&] {
        stack.clear();
        names.clear();
        Fd fd(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (fd.get() < 0) return fail(errno, std::string("/: ") + std::strerror(errno));
        stack.push_back(std::move(fd));
        return trusted(stack.back().get(), false);
    };
    if (from_root() != 0) return -1;

    std::deque<std::string> todo;
    push_parts(todo, path);
    int links = 0;
    while (!todo.empty()) {
        const std::string name = todo.front();
        todo.pop_front();
        if (name == ".") continue;
        if (name == "..") {
            if (stack.size() > 1) {
                stack.pop_back();
                names.pop_back();
            }
            continue;
        }
        const int dir = stack.back().get();
        struct stat st;
        if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT || !create)
                return fail(errno, walked(name) + ": " + std::strerror(errno));
            // Another process may make it at the same moment: that is as good.
            if (::mkdirat(dir, name.c_str(), 0700) != 0 && errno != EEXIST)
                return fail(errno, walked(name) + ": mkdir: " + std::strerror(errno));
            if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                return fail(errno, walked(name) + ": " + std::strerror(errno));
        }
        if (S_ISLNK(st.st_mode)) {
            if (st.st_uid != 0 && st.st_uid != me)
                return fail(EPERM, walked(name) + " is a link of uid " + std::to_string(st.st_uid));
            if (++links > kMaxLinks) return fail(ELOOP, path + ": too many links");
            char target[PATH_MAX];
            const ssize_t n = ::readlinkat(dir, name.c_str(), target, sizeof target);
            if (n <= 0 || n == static_cast<ssize_t>(sizeof target))
                return fail(n < 0 ? errno : ENAMETOOLONG, walked(name) + ": readlink");
            const std::string_view to(target, static_cast<std::size_t>(n));
            if (to[0] == '/' && from_root() != 0) return -1;
            push_parts(todo, to);
            continue;
        }
        if (!S_ISDIR(st.st_mode)) return fail(ENOTDIR, walked(name) + ": not a directory");
        Fd next(::openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (next.get() < 0) return fail(errno, walked(name) + ": " + std::strerror(errno));
        names.push_back(name);
        if (trusted(next.get(), false) != 0) return -1;
        stack.push_back(std::move(next));
    }
    if (trusted(stack.back().get(), true) != 0) return -1;
    const int fd = ::openat(stack.back().get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(errno, walked() + ": " + std::strerror(errno));
    return fd;
}

}  // namespace containerv
