// Planning a request on this host, as `containerv run` does before it starts anything.
#pragma once

#include "plan/plan.hpp"

#include <string>
#include <vector>

namespace containerv::capi {

// The plan for `request` with `argv` on this host (probed now: the caller's ids may have
// changed since the last call). A field the host cannot enforce, and that the request does
// not accept weaker, is the error, naming the field.
Result<Plan> plan_for_host(RunRequest request, std::vector<std::string> argv);

}  // namespace containerv::capi
