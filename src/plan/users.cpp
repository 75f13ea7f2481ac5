#include "plan/users.hpp"

#include "base/fd.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>
#include <vector>

namespace containerv {
namespace {

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream in(line);
    while (std::getline(in, field, sep)) fields.push_back(field);
    if (!line.empty() && line.back() == sep) fields.emplace_back();
    return fields;
}

std::optional<std::uint32_t> number(const std::string& text) {
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// A passwd or group file is a few KiB; more is not one.
constexpr off_t kMaxFileSize = 8 << 20;

// ROOT's file at PATH, read the way the sandbox will see it: symlinks resolved inside ROOT
// (a --rootfs tree is not trusted: its /etc/passwd may point at the host's /etc/shadow),
// regular files only (a FIFO or /dev/zero would hang or exhaust memory), at most
// kMaxFileSize. Anything else reads as absent, with a warning.
std::string root_file(const std::string& root, const char* path) {
    Fd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return {};
    open_how how{};
    how.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    Fd fd(static_cast<int>(::syscall(SYS_openat2, dir.get(), path, &how, sizeof how)));
    if (fd.get() < 0) {
        if (errno != ENOENT) {
            spdlog::warn("{}{}: cannot open ({}); read as absent", root, path,
                         std::strerror(errno));
        }
        return {};
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxFileSize) {
        spdlog::warn("{}{}: not a regular file of at most {} bytes; read as absent", root, path,
                     kMaxFileSize);
        return {};
    }
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > static_cast<std::size_t>(kMaxFileSize)) return {};
    }
    return text;
}

// Calls `match` on each well-formed passwd line until it returns true.
template <class Match>
std::optional<PasswdEntry> scan_passwd(const std::string& root, Match match) {
    std::istringstream in(root_file(root, "/etc/passwd"));
    std::string line;
    while (std::getline(in, line)) {
        auto f = split(line, ':');
        if (f.size() < 7) continue;
        auto uid = number(f[2]);
        auto gid = number(f[3]);
        if (!uid || !gid) continue;
        PasswdEntry entry{f[0], *uid, *gid, f[5]};
        if (match(entry)) return entry;
    }
    return std::nullopt;
}

std::string file_text(const std::string& root, const char* path) {
    std::string s = root_file(root, path);
    if (!s.empty() && s.back() != '\n') s += '\n';
    return s;
}

}  // namespace

std::optional<PasswdEntry> find_user(const std::string& root, const std::string& name) {
    return scan_passwd(root, [&](const PasswdEntry& e) { return e.name == name; });
}

std::optional<PasswdEntry> find_user_by_uid(const std::string& root, std::uint32_t uid) {
    return scan_passwd(root, [&](const PasswdEntry& e) { return e.uid == uid; });
}

std::optional<std::uint32_t> find_group(const std::string& root, const std::string& name) {
    std::istringstream in(root_file(root, "/etc/group"));
    std::string line;
    while (std::getline(in, line)) {
        auto f = split(line, ':');
        if (f.size() >= 3 && f[0] == name) return number(f[2]);
    }
    return std::nullopt;
}

// The profile's line comes first: lookups by id take the first match, and the root may give
// the same id another name (gid 999 is systemd-journal on Debian, the database profile's
// group here).
std::string passwd_with(const std::string& root, const PasswdEntry& user) {
    return user.name + ":x:" + std::to_string(user.uid) + ":" + std::to_string(user.gid) +
           "::" + user.home + ":/usr/sbin/nologin\n" + file_text(root, "/etc/passwd");
}

std::string group_with(const std::string& root, const std::string& name, std::uint32_t gid) {
    return name + ":x:" + std::to_string(gid) + ":\n" + file_text(root, "/etc/group");
}

}  // namespace containerv
