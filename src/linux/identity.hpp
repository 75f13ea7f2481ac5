// The sandbox's user and groups.
#pragma once

#include <cstdint>

namespace containerv::linux_ {

// setgroups (cleared, when allowed), setresgid, setresuid, keeping the capabilities across the
// change so that set_capabilities can then trim them to the profile's set.
int set_identity(std::uint32_t uid, std::uint32_t gid, bool clear_groups);

}  // namespace containerv::linux_
