// containerv seccomp import: read a Docker, OCI or containerv policy file.
#include "commands.hpp"

namespace containerv::cli {

void add_seccomp_import(CLI::App&, Action&) {}

}  // namespace containerv::cli
