// Attribution reads the same FilterLayout compile() turned into BPF, with the actions the
// policy wrote (before run --explain turned errno answers into notifications). The registers
// in a notification are the values the filter compared, so the match here is the filter's.
#include "seccomp/attribute.hpp"

#include <fmt/format.h>
#include <seccomp.h>

#include <linux/reboot.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>

#include <cstdlib>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace containerv::seccomp {
namespace {

constexpr std::uint32_t kActionMask = 0xffff0000U;
constexpr int kX32Bit = 0x40000000;

// The kernel's precedence (include/uapi/linux/seccomp.h): lower is more restrictive.
int rank(std::uint32_t action) {
    switch (action & kActionMask) {
        case SCMP_ACT_KILL_PROCESS:
            return 0;
        case SCMP_ACT_KILL_THREAD:
            return 1;
        case SCMP_ACT_TRAP:
            return 2;
        case SCMP_ACT_ERRNO(0):
            return 3;
        case SCMP_ACT_NOTIFY:
            return 4;
        case SCMP_ACT_TRACE(0):
            return 5;
        case SCMP_ACT_LOG:
            return 6;
        default:
            return 7;
    }
}

bool holds(const ArgCondition& cond, const std::uint64_t (&args)[6]) {
    if (cond.index > 5) return false;
    const std::uint64_t arg = args[cond.index];
    switch (cond.op) {
        case ArgCondition::Op::eq:
            return arg == cond.value;
        case ArgCondition::Op::ne:
            return arg != cond.value;
        case ArgCondition::Op::lt:
            return arg < cond.value;
        case ArgCondition::Op::le:
            return arg <= cond.value;
        case ArgCondition::Op::gt:
            return arg > cond.value;
        case ArgCondition::Op::ge:
            return arg >= cond.value;
        case ArgCondition::Op::masked_eq:
            return (arg & cond.value) == cond.value_two;
    }
    return false;
}

// Flag words as NAME|NAME|0xREST.
std::string flags(std::uint64_t value,
                  const std::vector<std::pair<std::uint64_t, const char*>>& names) {
    std::string out;
    for (const auto& [bit, name] : names) {
        if ((value & bit) == bit && bit != 0) {
            out += (out.empty() ? "" : "|") + std::string(name);
            value &= ~bit;
        }
    }
    if (value != 0 || out.empty()) out += fmt::format("{}{:#x}", out.empty() ? "" : "|", value);
    return out;
}

std::string one_of(std::uint64_t value,
                   const std::vector<std::pair<std::uint64_t, const char*>>& names) {
    for (const auto& [v, name] : names) {
        if (v == value) return name;
    }
    // Small numbers read best in decimal, magic values in hex.
    return value < 4096 ? fmt::format("{}", value) : fmt::format("{:#x}", value);
}

const std::vector<std::pair<std::uint64_t, const char*>> kCloneFlags = {
    {CLONE_NEWUSER, "CLONE_NEWUSER"},
    {CLONE_NEWNS, "CLONE_NEWNS"},
    {CLONE_NEWPID, "CLONE_NEWPID"},
    {CLONE_NEWNET, "CLONE_NEWNET"},
    {CLONE_NEWIPC, "CLONE_NEWIPC"},
    {CLONE_NEWUTS, "CLONE_NEWUTS"},
    {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
    {0x00000080, "CLONE_NEWTIME"},
    {CLONE_VM, "CLONE_VM"},
    {CLONE_FS, "CLONE_FS"},
    {CLONE_FILES, "CLONE_FILES"},
    {CLONE_SIGHAND, "CLONE_SIGHAND"},
    {CLONE_THREAD, "CLONE_THREAD"},
    {CLONE_PTRACE, "CLONE_PTRACE"},
    {CLONE_VFORK, "CLONE_VFORK"},
    {CLONE_PARENT, "CLONE_PARENT"},
    {CLONE_SETTLS, "CLONE_SETTLS"},
    {CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"},
    {CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"},
    {CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"},
    {CLONE_SYSVSEM, "CLONE_SYSVSEM"},
    {CLONE_IO, "CLONE_IO"},
    {17, "SIGCHLD"},
};

const std::vector<std::pair<std::uint64_t, const char*>> kFamilies = {
    {AF_UNIX, "AF_UNIX"},       {AF_INET, "AF_INET"},           {AF_INET6, "AF_INET6"},
    {AF_NETLINK, "AF_NETLINK"}, {AF_PACKET, "AF_PACKET"},       {AF_ALG, "AF_ALG"},
    {AF_VSOCK, "AF_VSOCK"},     {AF_BLUETOOTH, "AF_BLUETOOTH"}, {AF_KEY, "AF_KEY"},
    {AF_UNSPEC, "AF_UNSPEC"},
};

std::string socket_type(std::uint64_t value) {
    std::string base = one_of(value & 0xf, {{SOCK_STREAM, "SOCK_STREAM"},
                                            {SOCK_DGRAM, "SOCK_DGRAM"},
                                            {SOCK_RAW, "SOCK_RAW"},
                                            {SOCK_SEQPACKET, "SOCK_SEQPACKET"}});
    if (value & SOCK_NONBLOCK) base += "|SOCK_NONBLOCK";
    if (value & SOCK_CLOEXEC) base += "|SOCK_CLOEXEC";
    return base;
}

const std::vector<std::pair<std::uint64_t, const char*>> kMountFlags = {
    {MS_RDONLY, "MS_RDONLY"}, {MS_NOSUID, "MS_NOSUID"},   {MS_NODEV, "MS_NODEV"},
    {MS_NOEXEC, "MS_NOEXEC"}, {MS_REMOUNT, "MS_REMOUNT"}, {MS_BIND, "MS_BIND"},
    {MS_MOVE, "MS_MOVE"},     {MS_REC, "MS_REC"},         {MS_PRIVATE, "MS_PRIVATE"},
    {MS_SLAVE, "MS_SLAVE"},   {MS_SHARED, "MS_SHARED"},   {MS_UNBINDABLE, "MS_UNBINDABLE"},
};

std::string hex(std::uint64_t v) {
    return fmt::format("{:#x}", v);
}

// What the kernel checks first for each call, in the caller's user namespace.
const std::vector<std::pair<std::string, int>>& capability_table() {
    static const std::vector<std::pair<std::string, int>> table = {
        {"mount", 21},         {"umount2", 21},       {"umount", 21},
        {"pivot_root", 21},    {"fsopen", 21},        {"fsmount", 21},
        {"fspick", 21},        {"move_mount", 21},    {"open_tree", 21},
        {"mount_setattr", 21}, {"swapon", 21},        {"swapoff", 21},
        {"sethostname", 21},   {"setdomainname", 21}, {"chroot", 18},
        {"reboot", 22},        {"kexec_load", 22},    {"kexec_file_load", 22},
        {"init_module", 16},   {"finit_module", 16},  {"delete_module", 16},
        {"acct", 20},          {"settimeofday", 25},  {"clock_settime", 25},
        {"iopl", 17},          {"ioperm", 17},        {"vhangup", 26},
    };
    return table;
}

}  // namespace

int capability_checked(std::string_view name) {
    for (const auto& [call, cap] : capability_table()) {
        if (call == name) return cap;
    }
    return -1;
}

const std::vector<std::string>& capability_checked_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& entry : capability_table()) out.push_back(entry.first);
        return out;
    }();
    return names;
}

std::string name_of(std::uint32_t arch, int nr) {
    std::unique_ptr<char, decltype(&std::free)> name(seccomp_syscall_resolve_num_arch(arch, nr),
                                                     &std::free);
    return name ? std::string(name.get()) : fmt::format("#{}", nr);
}

std::string arch_name(std::uint32_t arch) {
    switch (arch) {
        case SCMP_ARCH_X86_64:
            return "x86_64";
        case SCMP_ARCH_X86:
            return "x86";
        case SCMP_ARCH_X32:
            return "x32";
        case SCMP_ARCH_AARCH64:
            return "aarch64";
        default:
            return fmt::format("arch {:#x}", arch);
    }
}

Attribution attribute(const FilterLayout& layout, std::uint32_t arch, int nr,
                      const std::uint64_t (&args)[6]) {
    // The kernel reports an x32 call as AUDIT_ARCH_X86_64 with bit 30 set in the number;
    // libseccomp keeps x32 apart under its own arch token.
    if (arch == SCMP_ARCH_X86_64 && (nr & kX32Bit) != 0) arch = SCMP_ARCH_X32;
    Attribution out;
    out.action = layout.default_action;
    out.name = name_of(arch, nr);
    out.arch = arch;
    for (const AbiLayout& abi : layout.abis) {
        if (abi.arch == arch) out.abi = &abi;
    }
    if (!out.abi) return out;

    // On i386 the filter sees socketcall(SYS_SOCKET, ...) and ipc(SEMOP, ...); libseccomp's
    // pseudo numbers for the carried calls are -100 - call and -200 - call.
    int carried = 0;
    if (args[0] < 100) {
        if (seccomp_syscall_resolve_name_arch(arch, "socketcall") == nr)
            carried = -100 - static_cast<int>(args[0]);
        if (seccomp_syscall_resolve_name_arch(arch, "ipc") == nr)
            carried = -200 - static_cast<int>(args[0] & 0xffff);
    }
    // libseccomp compares only the low 32 bits of each argument on i386 and x32 (their
    // arch definitions are 32-bit); the attribution must see what the filter saw, or an x32
    // call with upper bits set would be judged by a rule the filter never applied.
    std::uint64_t seen[6];
    const bool narrow = arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_X32;
    for (int i = 0; i < 6; ++i) seen[i] = narrow ? (args[i] & 0xffffffffULL) : args[i];
    for (const AbiEntry& entry : out.abi->entries) {
        if (entry.nr != nr && (carried == 0 || entry.nr != carried)) continue;
        // An entry that repeats the default action is not in the filter, but it is the line
        // of the policy that asks for that answer; a dropped entry decides nothing.
        if (!entry.in_filter && entry.action != layout.default_action) continue;
        bool all = true;
        for (const ArgCondition& cond : entry.args) all = all && holds(cond, seen);
        if (!all) continue;
        if (!out.entry || rank(entry.action) < rank(out.entry->action)) {
            out.entry = &entry;
            out.action = entry.action;
        }
    }
    return out;
}

std::string describe_call(const std::string& name, const std::uint64_t (&a)[6]) {
    std::string inner;
    if (name == "clone") {
        inner = "flags=" + flags(a[0], kCloneFlags);
    } else if (name == "unshare") {
        inner = "flags=" + flags(a[0], kCloneFlags);
    } else if (name == "setns") {
        inner = fmt::format("fd={}, nstype={}", static_cast<int>(a[0]), flags(a[1], kCloneFlags));
    } else if (name == "socket" || name == "socketpair") {
        inner = fmt::format("family={}, type={}, protocol={}", one_of(a[0], kFamilies),
                            socket_type(a[1]), a[2]);
    } else if (name == "mount") {
        inner = fmt::format("source={}, target={}, fstype={}, flags={}", hex(a[0]), hex(a[1]),
                            hex(a[2]), flags(a[3], kMountFlags));
    } else if (name == "umount2") {
        inner = fmt::format("target={}, flags={}", hex(a[0]), hex(a[1]));
    } else if (name == "ptrace") {
        inner = fmt::format("request={}, pid={}",
                            one_of(a[0], {{PTRACE_TRACEME, "PTRACE_TRACEME"},
                                          {PTRACE_ATTACH, "PTRACE_ATTACH"},
                                          {PTRACE_SEIZE, "PTRACE_SEIZE"},
                                          {PTRACE_PEEKDATA, "PTRACE_PEEKDATA"},
                                          {PTRACE_POKEDATA, "PTRACE_POKEDATA"}}),
                            static_cast<int>(a[1]));
    } else if (name == "reboot") {
        inner = fmt::format("magic={}, magic2={}, cmd={}", hex(a[0]), hex(a[1]),
                            one_of(a[2], {{LINUX_REBOOT_CMD_RESTART, "RESTART"},
                                          {LINUX_REBOOT_CMD_HALT, "HALT"},
                                          {LINUX_REBOOT_CMD_POWER_OFF, "POWER_OFF"},
                                          {LINUX_REBOOT_CMD_CAD_ON, "CAD_ON"},
                                          {LINUX_REBOOT_CMD_CAD_OFF, "CAD_OFF"},
                                          {LINUX_REBOOT_CMD_KEXEC, "KEXEC"}}));
    } else if (name == "personality") {
        inner = "persona=" + hex(a[0]);
    } else if (name == "prctl") {
        inner = fmt::format("option={}, arg2={}", a[0], hex(a[1]));
    } else if (name == "kill" || name == "tgkill" || name == "tkill") {
        inner = fmt::format("pid={}, ...", static_cast<int>(a[0]));
    } else if (name == "ioctl") {
        inner = fmt::format("fd={}, request={}", static_cast<int>(a[0]), hex(a[1]));
    } else {
        inner = fmt::format("{}, {}, {}, ...", hex(a[0]), hex(a[1]), hex(a[2]));
    }
    return name + "(" + inner + ")";
}

std::string entry_source(const Attribution& at) {
    if (!at.entry) return "the default action (syscalls.default_action)";
    const EntrySource& s = at.entry->source;
    switch (s.kind) {
        case EntrySource::Kind::allowed:
            return fmt::format("syscalls.allowed[{}]", s.index);
        case EntrySource::Kind::blocked:
            return fmt::format("syscalls.blocked[{}]", s.index);
        case EntrySource::Kind::rule:
            return fmt::format("syscalls.rules[{}]", s.index);
        case EntrySource::Kind::family:
            return fmt::format("syscalls.blocked[{}] (the same operation under another name)",
                               s.index);
        case EntrySource::Kind::newer:
            return "the answer to calls newer than the policy (" + at.entry->note + ")";
    }
    return "?";
}

std::string entry_pointer(const Attribution& at) {
    if (!at.entry) return "/syscalls/default_action";
    const EntrySource& s = at.entry->source;
    switch (s.kind) {
        case EntrySource::Kind::allowed:
            return fmt::format("/syscalls/allowed/{}", s.index);
        case EntrySource::Kind::blocked:
        case EntrySource::Kind::family:
            return fmt::format("/syscalls/blocked/{}", s.index);
        case EntrySource::Kind::rule:
            return fmt::format("/syscalls/rules/{}", s.index);
        case EntrySource::Kind::newer:
            return "";
    }
    return "";
}

}  // namespace containerv::seccomp
