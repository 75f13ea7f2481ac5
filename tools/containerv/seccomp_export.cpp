// containerv seccomp export and explain: a profile's filter as OCI JSON or BPF, and why a
// syscall gets its action.
#include "commands.hpp"

namespace containerv::cli {

void add_seccomp_export(CLI::App&, Action&) {}

}  // namespace containerv::cli
