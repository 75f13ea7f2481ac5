// The sandbox's root: built in a private mount namespace, entered with pivot_root, with the
// host's root detached afterwards.
#pragma once

#include "plan/plan.hpp"

#include <cstdint>

namespace containerv::linux_ {

// Runs in the sandbox's pid 1, in its own user and mount namespaces, as the namespace's
// root (root mode) or the mapped user (rootless), before any capability is dropped.
int build_root(const RootPlan& root, std::uint32_t uid, std::uint32_t gid);

}  // namespace containerv::linux_
