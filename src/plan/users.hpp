// Users and groups as the sandbox's root sees them: its own /etc/passwd and /etc/group, never
// the host's name service.
#pragma once

#include <containerv/error.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace containerv {

struct PasswdEntry {
    std::string name;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::string home;
};

// Looks `name` up in ROOT/etc/passwd. Empty when the file or the entry is missing.
std::optional<PasswdEntry> find_user(const std::string& root, const std::string& name);
std::optional<PasswdEntry> find_user_by_uid(const std::string& root, std::uint32_t uid);
std::optional<std::uint32_t> find_group(const std::string& root, const std::string& name);

// The root's file with one line put first, for a user the root does not know.
std::string passwd_with(const std::string& root, const PasswdEntry& user);
std::string group_with(const std::string& root, const std::string& name, std::uint32_t gid);

}  // namespace containerv
