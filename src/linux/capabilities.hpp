// Capability sets: bounding, permitted, effective, inheritable and ambient.
#pragma once

#include <containerv/profile.hpp>

namespace containerv::linux_ {

// Drops every capability not in `keep` from the bounding set. Needs CAP_SETPCAP, so it runs
// before the identity change.
int drop_bounding(CapSet keep, int cap_last_cap);

// Sets permitted, effective and inheritable to `caps`; ambient to `caps` when `ambient`
// (a process that is not uid 0 keeps nothing across execve otherwise), else empty.
int set_capabilities(CapSet caps, bool ambient, int cap_last_cap);

}  // namespace containerv::linux_
