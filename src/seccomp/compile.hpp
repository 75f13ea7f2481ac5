// From a SyscallPolicy to a BPF program, through libseccomp; and loading that program.
#pragma once

#include <containerv/profile.hpp>

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace containerv::seccomp {

struct BpfProgram {
    std::vector<sock_filter> insns;
};

struct CompileOptions {
    // Leave the compat ABIs (i386 through int 0x80, x32) out of the filter, so that any call
    // through them meets the bad-architecture action: kill the process.
    bool foreign_abis_kill = false;
    // run --explain: every errno answer (rules, the default, ENOSYS for newer calls) becomes
    // SECCOMP_RET_USER_NOTIF, so that the supervisor can report the call and answer it with
    // the very errno the policy decided (see attribute() and src/linux/seccomp_notify.cpp).
    // Kill, trap, trace and log stay as written: the kernel carries them out.
    bool notify_denials = false;
    // libseccomp's binary-tree layout (SCMP_FLTATR_CTL_OPTIMIZE 2): a call reaches its rule
    // in log(n) comparisons instead of walking the list. Off only to compare (docs/DECISIONS).
    bool binary_tree = true;
};

// Strict and paranoid profiles kill calls through a non-native ABI.
CompileOptions options_for(Level level);

// Where an entry of the filter comes from in the policy.
struct EntrySource {
    enum class Kind {
        allowed,  // syscalls.allowed[index]
        blocked,  // syscalls.blocked[index]
        rule,     // syscalls.rules[index]
        family,   // blocked with the head of its family, syscalls.blocked[index]
        newer,    // newer than every syscall the policy names on the ABI: ENOSYS
    };
    Kind kind = Kind::rule;
    std::size_t index = 0;
};

// One rule of one ABI's part of the filter.
struct AbiEntry {
    std::string name;  // "#N" for a number the linked libseccomp has no name for
    int nr = 0;        // the ABI's own number; negative behind a multiplexer (i386 socketcall)
    std::uint32_t action = 0;  // libseccomp's SCMP_ACT_* value
    std::vector<ArgCondition> args;
    EntrySource source;
    bool in_filter = true;  // false: it repeats the default action, or was dropped (note says)
    std::string note;       // why the entry differs from what the policy wrote, if it does
};

struct AbiLayout {
    std::uint32_t arch = 0;  // SCMP_ARCH_*
    std::string name;        // "x86_64", "x86", "x32"
    std::vector<AbiEntry> entries;
    std::vector<std::string> absent;  // names the policy gives that do not exist on this ABI
    int newest_named = -1;            // the highest number the policy names here
};

// What compile() puts into the filter, ABI by ABI, before libseccomp turns it into BPF.
struct FilterLayout {
    std::uint32_t default_action = 0;
    std::vector<AbiLayout> abis;
    std::vector<std::string> killed_abis;  // every call through these kills the process
};

// Flattens and checks the policy for the machine's ABIs (see compile()).
Result<FilterLayout> layout(const SyscallPolicy& policy, const CompileOptions& options = {});

// Compiles the policy for the native ABI and every compat ABI of the machine (x86-64: also
// i386 and x32). Unknown syscall names, a name both allowed and blocked, and errno values
// outside 1..4094 (libseccomp 2.5 refuses 4095) are errors naming the syscall. When the
// default action is an errno, numbers above the newest one the policy names answer ENOSYS.
Result<BpfProgram> compile(const SyscallPolicy& policy, const CompileOptions& options = {});

// "allow", "errno(1)", "kill", "trap", "trace", "log" for a libseccomp action.
std::string describe_action(std::uint32_t action);

// The sandbox's pid 1 only waits, forwards signals and exits; this filter allows just that
// and kills the process on anything else.
Result<BpfProgram> compile_init_filter();

// profile learn: every call of every ABI goes to the supervisor (SECCOMP_RET_USER_NOTIF),
// which records it and lets it run. Not a security boundary.
Result<BpfProgram> compile_learn_filter();

// Loads the program on the calling thread. Returns 0 or an errno value. Async-signal-safe and
// allocation-free: it runs between clone and exec.
int load(const BpfProgram& program) noexcept;

// Loads the program with SECCOMP_FILTER_FLAG_NEW_LISTENER: *listener receives the
// notification descriptor (close-on-exec). Returns 0 or an errno value; allocation-free.
int load_with_listener(const BpfProgram& program, int* listener) noexcept;

}  // namespace containerv::seccomp
