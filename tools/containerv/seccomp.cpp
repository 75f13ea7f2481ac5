// containerv seccomp: import, export and explain syscall policies.
#include "commands.hpp"

namespace containerv::cli {

void add_seccomp(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand("seccomp", "Import, export and explain syscall policies");
    cmd->require_subcommand(1);
    add_seccomp_import(*cmd, action);
    add_seccomp_export(*cmd, action);
}

}  // namespace containerv::cli
