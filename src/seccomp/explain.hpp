// A compiled policy told back to people and to other runtimes: the decision for each syscall
// on each ABI, which rule makes one decision and why, and the OCI runtime-spec form.
#pragma once

#include "seccomp/compile.hpp"

#include <containerv/profile.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace containerv::seccomp {

// One line per syscall the machine knows (and per name the layout holds), one column per
// ABI: the action, "-" where the call does not exist, a '*' where conditions decide.
std::string explain_table(const FilterLayout& layout);

// For one syscall, on each ABI: its number, the entries that decide it with their conditions
// and where the policy writes them (syscalls.rules[3]), or the default action and why.
// An unknown name is an error.
Result<std::string> explain_syscall(const FilterLayout& layout, std::string_view name);

// The OCI runtime-spec's linux.seccomp object for the layout: the native ABI's entries, the
// names only a compat ABI has, and ENOSYS for the newer calls the native ABI can name.
nlohmann::json oci_seccomp(const FilterLayout& layout);

}  // namespace containerv::seccomp
