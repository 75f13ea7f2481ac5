// The CLI's subcommands; each file registers one on the application.
#pragma once

#include "plan/plan.hpp"
#include "audit/audit.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace containerv::cli {

// A subcommand's action, run after parsing; returns the process exit status.
using Action = std::function<int()>;

// `after_dashes`: the words after run's "--", which CLI11 would otherwise try to parse.
void add_run(CLI::App& app, Action& action, const std::vector<std::string>& after_dashes);
void add_profile(CLI::App& app, Action& action);
// `profile learn` (its own file); `after_dashes` as for run.
void add_profile_learn(CLI::App& profile, Action& action,
                       const std::vector<std::string>& after_dashes);

// --bind's SRC[:DST[:ro|rw]], shared by run and profile learn.
Result<BindRequest> parse_bind(const std::string& spec);
void add_seccomp(CLI::App& app, Action& action);
// The seccomp subcommand's own subcommands, one file each.
void add_seccomp_import(CLI::App& seccomp, Action& action);
void add_seccomp_export(CLI::App& seccomp, Action& action);
void add_audit(CLI::App& app, Action& action);
void add_report(CLI::App& app, Action& action);

// What audit and report audit: the profile alone (static), the process alone, or the process
// compared with the profile. PROFILE_SPEC may be empty; PID is used when PID_GIVEN.
Result<audit::Audit> audit_subject(const std::string& profile_spec, int pid, bool pid_given);

}  // namespace containerv::cli
