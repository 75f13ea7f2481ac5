// Which entry of a filter's layout decided a call the kernel reported, and the call told in
// words: what `run --explain` prints for each refused syscall.
#pragma once

#include "seccomp/compile.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace containerv::seccomp {

struct Attribution {
    const AbiLayout* abi = nullptr;   // null: the layout has no part for this architecture
    const AbiEntry* entry = nullptr;  // null: the default action decided
    std::uint32_t action = 0;         // the policy's action (SCMP_ACT_*), before notify
    std::string name;                 // the syscall's name on its ABI, or "#N"
    std::uint32_t arch = 0;           // SCMP_ARCH_* of the ABI (x32 told apart from x86_64)
};

// Looks the call up in the layout compile() was given: the entries for this number whose
// conditions all hold on the registers (what the filter compared), the most restrictive first
// (kill, trap, errno, trace, log, allow, as the kernel ranks actions); else the default.
// On i386 a socketcall or ipc call also matches the rules of the call it carries.
Attribution attribute(const FilterLayout& layout, std::uint32_t arch, int nr,
                      const std::uint64_t (&args)[6]);

// "socket(family=AF_NETLINK, type=SOCK_RAW, protocol=0)": the arguments the filter can see,
// decoded for the calls where flags or families say more than numbers (clone, unshare,
// setns, socket, socketpair, mount, umount2, ptrace, reboot, personality, prctl, kill, ioctl);
// others show their first three registers in hex. Pointers are shown, never followed.
std::string describe_call(const std::string& name, const std::uint64_t (&args)[6]);

// Where the entry is written in the profile: "syscalls.rules[5]", "the default action".
std::string entry_source(const Attribution& attribution);
// The same as a JSON pointer into the (resolved) profile: "/syscalls/rules/5"; empty for the
// ENOSYS answer to newer calls, which no field writes.
std::string entry_pointer(const Attribution& attribution);

// What `profile learn` saw a command do (filled by the supervisor's listener thread, read
// after the sandbox has ended).
struct LearnRecord {
    std::set<std::string> syscalls;   // names, every ABI
    std::set<std::string> written;    // absolute paths opened for writing, created, removed
    std::set<std::string> contacted;  // "127.0.0.1:8080", "[::1]:53" (connect, sendto)
};

// Calls the kernel refuses without one capability, whatever their arguments (mount needs
// CAP_SYS_ADMIN, reboot CAP_SYS_BOOT, ...): run --explain watches them when the filter allows
// them. Returns the capability's number, or -1.
int capability_checked(std::string_view name);
// Every name capability_checked() knows.
const std::vector<std::string>& capability_checked_names();

// The syscall's name on the ABI, or "#N".
std::string name_of(std::uint32_t arch, int nr);

// "x86_64", "x86", "x32", or the number in hex.
std::string arch_name(std::uint32_t arch);

}  // namespace containerv::seccomp
