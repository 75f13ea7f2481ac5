#include "plan/users.hpp"

#include <charconv>
#include <fstream>
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

// Calls `match` on each well-formed passwd line until it returns true.
template <class Match>
std::optional<PasswdEntry> scan_passwd(const std::string& root, Match match) {
    std::ifstream in(root + "/etc/passwd");
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

std::string file_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
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
    std::ifstream in(root + "/etc/group");
    std::string line;
    while (std::getline(in, line)) {
        auto f = split(line, ':');
        if (f.size() >= 3 && f[0] == name) return number(f[2]);
    }
    return std::nullopt;
}

std::string passwd_with(const std::string& root, const PasswdEntry& user) {
    return file_text(root + "/etc/passwd") + user.name + ":x:" + std::to_string(user.uid) + ":" +
           std::to_string(user.gid) + "::" + user.home + ":/usr/sbin/nologin\n";
}

std::string group_with(const std::string& root, const std::string& name, std::uint32_t gid) {
    return file_text(root + "/etc/group") + name + ":x:" + std::to_string(gid) + ":\n";
}

}  // namespace containerv
