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

// run's (and learn's) first "--" and what follows it, cut from argv before CLI11 parses it,
// which would otherwise take the command's own options for ours.
struct AfterDashes {
    bool seen = false;
    std::vector<std::string> words;
};

// The command to run: CLI11's words from the first one that is not ours, then the cut-off
// "--" and its words. A "--" after the command's first word is the command's own (as for
// bwrap, env or sudo: `run rm -- -f` removes a file named -f); a first word that looks like an
// option is a misspelt option of ours, not a program (CLI::ValidationError).
std::vector<std::string> command_words(const std::vector<std::string>& remaining,
                                       const AfterDashes& after_dashes);

void add_run(CLI::App& app, Action& action, const AfterDashes& after_dashes);
void add_profile(CLI::App& app, Action& action);
// `profile learn` (its own file); `after_dashes` as for run.
void add_profile_learn(CLI::App& profile, Action& action, const AfterDashes& after_dashes);

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
