// Starts a plan as a sandbox and supervises it until it exits.
#pragma once

#include "plan/plan.hpp"

#include <optional>

namespace containerv::linux_ {

struct Outcome {
    int exit_code = 125;          // the command's status, 128+N for signal N, 125-127 for ours
    std::optional<Error> error;   // why the sandbox could not run the command, if it could not
};

// Runs the plan's command confined and waits for it. Signals sent to the caller are passed on
// to the command; if the caller dies, the kernel kills the sandbox.
Outcome launch(const Plan& plan);

}  // namespace containerv::linux_
