// Landlock: the profile's file and TCP rules enforced a second time, by the kernel, on the
// sandbox's final tree, whatever the mounts below say.
#pragma once

#include "plan/plan.hpp"

namespace containerv::linux_ {

// Builds the plan's ruleset and restricts the calling process (and everything it starts) to
// it. Runs in the command between clone and exec: no allocation; a failure is recorded with
// fail() and -1 returned. Paths the plan names that do not exist get no rule (less access).
int apply_landlock(const LandlockPlan& plan);

}  // namespace containerv::linux_
