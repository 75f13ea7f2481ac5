// The sandbox's user namespace maps, written by the supervisor from outside.
#pragma once

#include "plan/plan.hpp"

#include <sys/types.h>

namespace containerv::linux_ {

// Rootless: "deny" to setgroups first, as the kernel requires of an unprivileged writer.
Status write_id_maps(pid_t pid, const Plan& plan);

}  // namespace containerv::linux_
