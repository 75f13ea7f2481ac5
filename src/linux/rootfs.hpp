// The sandbox's root: built in a private mount namespace, entered with pivot_root, with the
// host's root detached afterwards.
#pragma once

#include "base/fd.hpp"
#include "containerv/error.hpp"
#include "plan/plan.hpp"

#include <cstdint>

namespace containerv::linux_ {

// Runs in the supervisor, as real root, before the user namespace exists: a detached,
// private copy of the mount of the host's root file system alone, without the mounts below
// it, which the kernel would refuse to make inside the user namespace. RootPlan::one_layer.
Result<Fd> clone_host_layer();

// Runs in the sandbox's pid 1, in its own user and mount namespaces, as the namespace's
// root (root mode) or the mapped user (rootless), before any capability is dropped.
// HOST_LAYER: clone_host_layer's descriptor when root.one_layer, else -1; closed here.
int build_root(const RootPlan& root, std::uint32_t uid, std::uint32_t gid, int host_layer);

}  // namespace containerv::linux_
