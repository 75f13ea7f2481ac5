// From a SyscallPolicy to a BPF program, through libseccomp; and loading that program.
#pragma once

#include <containerv/profile.hpp>

#include <linux/filter.h>

#include <vector>

namespace containerv::seccomp {

struct BpfProgram {
    std::vector<sock_filter> insns;
};

// Compiles the policy for the native ABI and every compat ABI of the machine (x86-64: also
// i386 and x32). Unknown syscall names, a name both allowed and blocked, and errno values
// outside 1..4094 (libseccomp 2.5 refuses 4095) are errors naming the syscall.
Result<BpfProgram> compile(const SyscallPolicy& policy);

// The sandbox's pid 1 only waits, forwards signals and exits; this filter allows just that
// and kills the process on anything else.
Result<BpfProgram> compile_init_filter();

// Loads the program on the calling thread. Returns 0 or an errno value. Async-signal-safe and
// allocation-free: it runs between clone and exec.
int load(const BpfProgram& program) noexcept;

}  // namespace containerv::seccomp
