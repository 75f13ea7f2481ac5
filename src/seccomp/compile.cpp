// From a SyscallPolicy to a BPF program through libseccomp, and loading that program.
//
// Each ABI of the machine gets its own libseccomp context, filled with the rules whose syscall
// exists on that ABI, and the contexts are merged into one program at the end: a single
// context would apply every rule to every ABI, with no way to skip a name on one of them.
#include "seccomp/compile.hpp"

#include "seccomp/attribute.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>

#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace containerv::seccomp {
namespace {

// The kernel caps SECCOMP_RET_ERRNO data at MAX_ERRNO (4095); libseccomp 2.5 refuses 4095
// itself with EINVAL, so the clear error is given here, one lower.
constexpr int kMaxErrno = 4094;
constexpr unsigned kMaxArgIndex = 5;

struct ContextRelease {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextRelease>;

class OwnedFd {
public:
    explicit OwnedFd(int fd) : fd_(fd) {}
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    ~OwnedFd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// An ABI the filter covers. i386 passes the arguments of socket calls and of System V IPC
// through the socketcall and ipc multiplexers, as a pointer the filter cannot follow.
struct Abi {
    std::uint32_t arch;
    std::string_view name;
    bool has_socketcall;
    bool has_ipc;
};

bool resolves(std::uint32_t arch, const char* name) {
    return seccomp_syscall_resolve_name_arch(arch, name) >= 0;
}

Abi make_abi(std::uint32_t arch, std::string_view name) {
    return Abi{arch, name, resolves(arch, "socketcall"), resolves(arch, "ipc")};
}

// The native ABI and, on x86-64, the two the kernel also accepts from a 64-bit process:
// i386 through int 0x80 and x32 (numbers with bit 30 set). Rules must hold on all of them, or
// a blocked call would be one instruction away under another number.
std::vector<Abi> machine_abis() {
    std::uint32_t native = seccomp_arch_native();
    if (native == SCMP_ARCH_X86_64) {
        return {make_abi(SCMP_ARCH_X86_64, "x86_64"), make_abi(SCMP_ARCH_X86, "x86"),
                make_abi(SCMP_ARCH_X32, "x32")};
    }
    return {make_abi(native, "native")};
}

// The policy flattened: one syscall, one libseccomp action, its conditions, and where it
// comes from.
struct Entry {
    std::string name;
    std::uint32_t action = SCMP_ACT_ALLOW;
    std::vector<scmp_arg_cmp> args;
    std::vector<ArgCondition> conds;
    EntrySource source;
    std::string note;    // what the compiler changed, for explain
    bool guard = false;  // refuses upper bits in a 32-bit argument (narrow_to_kernel_width)

    bool shorthand() const { return source.kind != EntrySource::Kind::rule; }
};

bool same_args(const std::vector<scmp_arg_cmp>& a, const std::vector<scmp_arg_cmp>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].arg != b[i].arg || a[i].op != b[i].op || a[i].datum_a != b[i].datum_a ||
            a[i].datum_b != b[i].datum_b) {
            return false;
        }
    }
    return true;
}

std::string describe(std::uint32_t action) {
    // The action is the top 16 bits (SECCOMP_RET_ACTION_FULL); errno and trace data below.
    switch (action & 0xffff0000U) {
        case SCMP_ACT_ALLOW:
            return "allow";
        case SCMP_ACT_LOG:
            return "log";
        case SCMP_ACT_KILL_PROCESS:
            return "kill";
        case SCMP_ACT_TRAP:
            return "trap";
        case SCMP_ACT_ERRNO(0):
            return fmt::format("errno({})", action & 0xffffU);
        case SCMP_ACT_TRACE(0):
            return "trace";
        case SCMP_ACT_NOTIFY:
            return "notify";
        default:
            return fmt::format("action {:#x}", action);
    }
}

Result<int> checked_errno(int value, std::string_view what) {
    if (value < 1 || value > kMaxErrno) {
        return Error::msg("seccomp",
                          fmt::format("errno {} for {} is outside 1..{}", value, what, kMaxErrno));
    }
    return value;
}

Result<std::uint32_t> scmp_action(SyscallAction action, int errno_value, int default_errno,
                                  std::string_view what) {
    switch (action) {
        case SyscallAction::allow:
            return SCMP_ACT_ALLOW;
        case SyscallAction::errno_ret: {
            // 0 stands for the policy's default errno.
            auto value = checked_errno(errno_value != 0 ? errno_value : default_errno, what);
            if (!value) {
                return value.error();
            }
            return SCMP_ACT_ERRNO(static_cast<std::uint32_t>(*value));
        }
        case SyscallAction::kill:
            return SCMP_ACT_KILL_PROCESS;
        case SyscallAction::trap:
            return SCMP_ACT_TRAP;
        case SyscallAction::trace:
            return SCMP_ACT_TRACE(0);
        case SyscallAction::log:
            return SCMP_ACT_LOG;
    }
    return Error::msg("seccomp", fmt::format("unknown action for {}", what));
}

Result<scmp_arg_cmp> scmp_condition(const ArgCondition& cond, const std::string& name) {
    if (cond.index > kMaxArgIndex) {
        return Error::msg("seccomp", fmt::format("argument index {} for \"{}\" is outside 0..{}",
                                                 cond.index, name, kMaxArgIndex));
    }
    scmp_arg_cmp cmp{};
    cmp.arg = cond.index;
    cmp.datum_a = cond.value;
    switch (cond.op) {
        case ArgCondition::Op::eq:
            cmp.op = SCMP_CMP_EQ;
            break;
        case ArgCondition::Op::ne:
            cmp.op = SCMP_CMP_NE;
            break;
        case ArgCondition::Op::lt:
            cmp.op = SCMP_CMP_LT;
            break;
        case ArgCondition::Op::le:
            cmp.op = SCMP_CMP_LE;
            break;
        case ArgCondition::Op::gt:
            cmp.op = SCMP_CMP_GT;
            break;
        case ArgCondition::Op::ge:
            cmp.op = SCMP_CMP_GE;
            break;
        case ArgCondition::Op::masked_eq:
            // libseccomp's order: datum_a is the mask, datum_b the value to compare with.
            cmp.op = SCMP_CMP_MASKED_EQ;
            cmp.datum_b = cond.value_two;
            break;
    }
    return cmp;
}

Result<std::vector<scmp_arg_cmp>> scmp_conditions(const std::vector<ArgCondition>& conds,
                                                  const std::string& name) {
    std::vector<scmp_arg_cmp> out;
    for (const ArgCondition& cond : conds) {
        auto cmp = scmp_condition(cond, name);
        if (!cmp) {
            return cmp.error();
        }
        for (const scmp_arg_cmp& seen : out) {
            // libseccomp refuses a second comparison of the same argument with EINVAL.
            if (seen.arg == cmp->arg) {
                return Error::msg("seccomp", fmt::format("two conditions on argument {} of "
                                                         "\"{}\"; one per argument is supported",
                                                         cond.index, name));
            }
        }
        out.push_back(*cmp);
    }
    return out;
}

Status check_known(const std::string& name, const std::vector<Abi>& abis) {
    for (const Abi& abi : abis) {
        if (!name.empty() &&
            seccomp_syscall_resolve_name_arch(abi.arch, name.c_str()) != __NR_SCMP_ERROR) {
            return Ok{};
        }
    }
    return Error::msg("seccomp", fmt::format("unknown syscall \"{}\"", name));
}

// Arguments the kernel declares as int or unsigned int on the 64-bit ABIs, bit N for argument
// N. The syscall entry truncates the 64-bit register, so socket(0x100000028, ...) creates an
// AF_VSOCK socket while a filter comparing all 64 bits sees a family above 40. Conditions on
// these arguments are therefore made to decide on the low 32 bits (narrow_to_kernel_width).
// The list covers the calls whose arguments policies rule on (Docker's, podman's, ours); an
// argument of a call missing here is compared whole, which is exact for unsigned long.
struct Args32 {
    std::string_view name;
    unsigned mask;
};
constexpr Args32 kArgs32[] = {
    {"socket", 0b111},
    {"socketpair", 0b111},
    {"personality", 0b1},
    {"prctl", 0b1},
    {"ioctl", 0b11},
    {"fcntl", 0b11},
    {"kill", 0b11},
    {"tkill", 0b11},
    {"tgkill", 0b111},
    {"setsockopt", 0b10111},
    {"getsockopt", 0b111},
    {"setns", 0b11},
    {"accept4", 0b1001},
    {"open", 0b10},
    {"openat", 0b101},
    {"keyctl", 0b1},
    {"bpf", 0b101},
    {"seccomp", 0b11},
    {"madvise", 0b100},
    {"mlock2", 0b100},
    {"memfd_create", 0b10},
    {"pidfd_open", 0b11},
    {"kcmp", 0b111},
    {"setpriority", 0b111},
    {"sched_setscheduler", 0b11},
    {"perf_event_open", 0b1110},
    {"quotactl", 0b1},
    {"sendto", 0b1001},
    {"sendmsg", 0b101},
    {"recvmsg", 0b101},
    {"recvfrom", 0b1001},
    {"setuid", 0b1},
    {"setgid", 0b1},
    {"setresuid", 0b111},
    {"setresgid", 0b111},
};

unsigned args32(std::string_view name) {
    for (const Args32& a : kArgs32) {
        if (a.name == name) return a.mask;
    }
    return 0;
}

bool lets_through(std::uint32_t action) {
    std::uint32_t kind = action & 0xffff0000U;
    return kind == SCMP_ACT_ALLOW || kind == SCMP_ACT_LOG || kind == SCMP_ACT_TRACE(0);
}

// Makes each condition on a 32-bit argument decide on what the kernel reads:
// - == and masked == look at the low 32 bits only (exact);
// - != in a rule that lets calls through becomes < and > (two rules), which, with the guard
//   below, hold the upper bits at zero;
// - for every other comparison a guard rule refuses the call with EINVAL (EPERM when EINVAL
//   is the default) whenever the argument's upper 32 bits are set. libseccomp tests the
//   upper half first, and of two rules that reach the same upper-half test it keeps the
//   refusal (checked by SeccompLoad.ConditionsOnIntArgumentsSeeTheLow32Bits).
// No program passes an int with upper bits on purpose; glibc's sign extension of a negative
// int is one exception, and it is refused by the guard, which fails closed.
Result<std::vector<Entry>> narrow_to_kernel_width(std::vector<Entry> entries,
                                                  std::uint32_t default_action) {
    constexpr std::uint64_t kLow = 0xffffffffULL;
    std::map<std::string, const Entry*> unconditional;
    for (const Entry& entry : entries) {
        if (entry.args.empty()) unconditional.emplace(entry.name, &entry);
    }
    std::vector<Entry> out;
    std::vector<Entry> guards;
    std::vector<Entry> work(entries.rbegin(), entries.rend());
    while (!work.empty()) {
        Entry entry = std::move(work.back());
        work.pop_back();
        unsigned mask = args32(entry.name);
        bool changed = false;
        bool split = false;
        for (std::size_t i = 0; i < entry.conds.size() && !split; ++i) {
            ArgCondition& cond = entry.conds[i];
            if ((mask >> cond.index & 1U) == 0) continue;
            std::uint64_t high = cond.value >> 32;
            switch (cond.op) {
                case ArgCondition::Op::eq:
                    if (high == 0 || high == kLow) {
                        cond = {cond.index, ArgCondition::Op::masked_eq, kLow, cond.value & kLow};
                        changed = true;
                    }
                    continue;
                case ArgCondition::Op::masked_eq:
                    changed = changed || (cond.value & ~kLow) != 0;
                    cond.value &= kLow;
                    continue;
                case ArgCondition::Op::ne:
                    if (lets_through(entry.action) && high == 0) {
                        for (ArgCondition::Op op : {ArgCondition::Op::gt, ArgCondition::Op::lt}) {
                            Entry half = entry;
                            half.conds[i].op = op;
                            half.note = "!= split into < and >: the kernel reads 32 bits";
                            work.push_back(std::move(half));
                        }
                        split = true;
                        continue;
                    }
                    break;
                default:
                    break;
            }
            auto known = unconditional.find(entry.name);
            bool have_guard = std::any_of(guards.begin(), guards.end(), [&](const Entry& g) {
                return g.name == entry.name && g.conds[0].index == cond.index;
            });
            if (entry.action != default_action && known == unconditional.end() && !have_guard) {
                std::uint32_t action = default_action == SCMP_ACT_ERRNO(EINVAL)
                                           ? SCMP_ACT_ERRNO(EPERM)
                                           : SCMP_ACT_ERRNO(EINVAL);
                Entry guard{entry.name,
                            action,
                            {},
                            {{cond.index, ArgCondition::Op::gt, kLow, 0}},
                            entry.source,
                            fmt::format("guard: the kernel reads argument {} as 32 bits; a value "
                                        "with upper bits set is refused",
                                        cond.index),
                            false};
                guard.guard = true;
                guards.push_back(std::move(guard));
            }
        }
        if (split) continue;
        if (mask != 0 && !entry.conds.empty()) {
            auto args = scmp_conditions(entry.conds, entry.name);
            if (!args) return args.error();
            entry.args = std::move(*args);
        }
        if (changed) {
            if (entry.note.empty()) {
                entry.note = "compared on the low 32 bits: the kernel reads 32 bits";
            }
        }
        out.push_back(std::move(entry));
    }
    for (Entry& guard : guards) {
        auto args = scmp_conditions(guard.conds, guard.name);
        if (!args) return args.error();
        guard.args = std::move(*args);
        out.push_back(std::move(guard));
    }
    return out;
}

// Syscalls that are other doors to what the head of the family does.
const std::pair<const char*, std::vector<const char*>> kFamilies[] = {
    {"mount",
     {"fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr"}},
    {"umount2", {"umount"}},
    {"umount", {"umount2"}},
};

// Flattens the policy and rejects what libseccomp would get wrong silently.
Result<std::vector<Entry>> flatten(const SyscallPolicy& policy, const std::vector<Abi>& abis,
                                   std::uint32_t default_action) {
    using Kind = EntrySource::Kind;
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < policy.allowed.size(); ++i) {
        entries.push_back(Entry{policy.allowed[i], SCMP_ACT_ALLOW, {}, {}, {Kind::allowed, i}, ""});
    }
    for (std::size_t i = 0; i < policy.blocked.size(); ++i) {
        entries.push_back(
            Entry{policy.blocked[i], SCMP_ACT_ERRNO(EPERM), {}, {}, {Kind::blocked, i}, ""});
    }
    // Blocking "mount" blocks mounting: the new mount API reaches the same operations under
    // other names (fsopen + fsmount + move_mount mounts a tmpfs just as mount does). A family
    // member the policy names itself keeps what the policy says.
    auto named = [&](const std::string& n) {
        auto in = [&](const std::vector<std::string>& v) {
            return std::find(v.begin(), v.end(), n) != v.end();
        };
        return in(policy.allowed) || in(policy.blocked) ||
               std::any_of(policy.rules.begin(), policy.rules.end(),
                           [&](const SyscallRule& r) { return in(r.names); });
    };
    for (std::size_t i = 0; i < policy.blocked.size(); ++i) {
        for (const auto& [head, members] : kFamilies) {
            if (policy.blocked[i] != head) continue;
            for (const char* member : members) {
                if (!named(member)) {
                    entries.push_back(
                        Entry{member, SCMP_ACT_ERRNO(EPERM), {}, {}, {Kind::family, i}, ""});
                }
            }
        }
    }
    for (std::size_t i = 0; i < policy.rules.size(); ++i) {
        const SyscallRule& rule = policy.rules[i];
        for (const std::string& name : rule.names) {
            auto action = scmp_action(rule.action, rule.errno_value, policy.default_errno,
                                      fmt::format("\"{}\"", name));
            if (!action) {
                return action.error();
            }
            auto args = scmp_conditions(rule.args, name);
            if (!args) {
                return args.error();
            }
            entries.push_back(
                Entry{name, *action, std::move(*args), rule.args, {Kind::rule, i}, ""});
        }
    }

    std::vector<Entry> unique;
    std::map<std::string, const Entry*> unconditional;
    for (const Entry& entry : entries) {
        if (auto known = check_known(entry.name, abis); !known) {
            return known.error();
        }
        bool duplicate = false;
        for (const Entry& seen : unique) {
            duplicate = duplicate || (seen.name == entry.name && seen.action == entry.action &&
                                      same_args(seen.args, entry.args));
        }
        if (duplicate) {
            continue;
        }
        if (entry.args.empty()) {
            auto [it, inserted] = unconditional.emplace(entry.name, &entry);
            const Entry& first = *it->second;
            if (!inserted && first.action != entry.action) {
                if (first.shorthand() && entry.shorthand()) {
                    return Error::msg(
                        "seccomp", fmt::format("\"{}\" is both allowed and blocked", entry.name));
                }
                return Error::msg(
                    "seccomp",
                    fmt::format("\"{}\" has two unconditional actions: {} and {}", entry.name,
                                describe(first.action), describe(entry.action)));
            }
        }
        unique.push_back(entry);
    }

    // libseccomp folds conditional rules into an unconditional rule for the same syscall and
    // keeps only the latter: a conditional deny next to an unconditional allow would vanish.
    // An unconditional rule that repeats the default action is never added, and shadows nothing.
    for (const Entry& entry : unique) {
        auto it = unconditional.find(entry.name);
        if (!entry.args.empty() && it != unconditional.end() &&
            it->second->action != entry.action && it->second->action != default_action) {
            return Error::msg(
                "seccomp",
                fmt::format("the conditional {} rule for \"{}\" is shadowed by its "
                            "unconditional {} rule",
                            describe(entry.action), entry.name, describe(it->second->action)));
        }
    }
    return narrow_to_kernel_width(std::move(unique), default_action);
}

enum class Presence { real, multiplexed, absent };

// libseccomp's pseudo numbers: -101.. for calls behind socketcall, -201.. for calls behind
// ipc, -10000 and below for calls that do not exist on the ABI.
Presence presence(const Abi& abi, const std::string& name) {
    int nr = seccomp_syscall_resolve_name_arch(abi.arch, name.c_str());
    if (nr >= 0) {
        return Presence::real;
    }
    if ((abi.has_socketcall && nr <= -100 && nr > -200) ||
        (abi.has_ipc && nr <= -200 && nr > -300)) {
        return Presence::multiplexed;
    }
    return Presence::absent;
}

std::string_view multiplexer(const Abi& abi, const std::string& name) {
    int nr = seccomp_syscall_resolve_name_arch(abi.arch, name.c_str());
    return nr > -200 ? "socketcall" : "ipc";
}

Result<Context> new_context(std::uint32_t default_action, std::uint32_t arch) {
    Context ctx(seccomp_init(default_action));
    if (!ctx) {
        return Error::msg("seccomp", fmt::format("seccomp_init with default action {} failed",
                                                 describe(default_action)));
    }
    if (arch != seccomp_arch_native()) {
        if (int rc = seccomp_arch_add(ctx.get(), arch); rc < 0) {
            return Error::sys("seccomp", "seccomp_arch_add", fmt::format("{:#x}", arch), -rc);
        }
        if (int rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE); rc < 0) {
            return Error::sys("seccomp", "seccomp_arch_remove", "native", -rc);
        }
    }
    // containerv sets no_new_privs itself, or loads as a privileged process when the profile
    // leaves it off; libseccomp must not set it behind the profile's back.
    if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); rc < 0) {
        return Error::sys("seccomp", "seccomp_attr_set", "SCMP_FLTATR_CTL_NNP", -rc);
    }
    return ctx;
}

// A multiplexer let through without condition opens every call it carries, with their
// arguments behind a pointer the filter cannot follow: i386's socketcall(SYS_SOCKET, {40, ...})
// would create the AF_VSOCK socket that socket's family rule refuses. So the multiplexer stays
// open only while the policy also lets each call it carries through without condition;
// otherwise its rule is dropped and it gets the default action. The direct i386 calls (socket
// is 359 there) are what current libcs use.
void close_open_multiplexers(const Abi& abi, AbiLayout& out) {
    struct Mux {
        std::string_view name;
        int first;  // libseccomp's pseudo numbers of the carried calls, first..last
        int last;
        bool present;
    };
    const Mux muxes[] = {{"socketcall", -101, -120, abi.has_socketcall},
                         {"ipc", -201, -224, abi.has_ipc}};
    for (const Mux& mux : muxes) {
        if (!mux.present) continue;
        auto open = std::find_if(out.entries.begin(), out.entries.end(), [&](const AbiEntry& e) {
            return e.name == mux.name && e.in_filter && e.args.empty() && lets_through(e.action);
        });
        if (open == out.entries.end()) continue;
        for (int nr = mux.first; nr >= mux.last; --nr) {
            std::unique_ptr<char, decltype(&std::free)> carried(
                seccomp_syscall_resolve_num_arch(abi.arch, nr), &std::free);
            if (!carried) continue;
            bool free_pass =
                std::any_of(out.entries.begin(), out.entries.end(), [&](const AbiEntry& e) {
                    return e.name == carried.get() && e.in_filter && e.args.empty() &&
                           e.action == open->action;
                });
            if (!free_pass) {
                open->in_filter = false;
                open->note = fmt::format(
                    "dropped: it carries {}, which the policy does not let "
                    "through without conditions",
                    carried.get());
                spdlog::debug("seccomp: {}: {} {}", abi.name, mux.name, open->note);
                break;
            }
        }
    }
}

// The ABI's part of the filter: the entries whose syscall exists there, as libseccomp will
// get them.
Result<AbiLayout> abi_layout(const Abi& abi, const std::vector<Entry>& entries,
                             std::uint32_t default_action) {
    std::map<std::string_view, std::uint32_t> unconditional;
    for (const Entry& entry : entries) {
        if (entry.args.empty() && entry.action != default_action) {
            unconditional.emplace(entry.name, entry.action);
        }
    }

    AbiLayout out;
    out.arch = abi.arch;
    out.name = std::string(abi.name);
    std::vector<std::string_view> unchecked;
    for (const Entry& entry : entries) {
        Presence where = presence(abi, entry.name);
        // libseccomp compares only the low 32 bits on i386 and x32, and behind a multiplexer
        // nothing at all: the guard has nothing to catch there.
        if (entry.guard &&
            (where != Presence::real || abi.arch == SCMP_ARCH_X86 || abi.arch == SCMP_ARCH_X32)) {
            continue;
        }
        if (where == Presence::absent) {
            out.absent.push_back(entry.name);
            continue;
        }
        AbiEntry item{entry.name,   seccomp_syscall_resolve_name_arch(abi.arch, entry.name.c_str()),
                      entry.action, entry.conds,
                      entry.source, true,
                      entry.note};
        if (where == Presence::multiplexed) {
            // The arguments are behind a pointer here, and libseccomp would keep only the
            // multiplexer's call number, widening the rule. A rule that lets calls through is
            // dropped (the call gets the default action); one that denies denies every call.
            if (!item.args.empty()) {
                unchecked.push_back(entry.name);
                item.args.clear();
                if (entry.action == SCMP_ACT_ALLOW || entry.action == SCMP_ACT_LOG) {
                    item.in_filter = false;
                    item.note = fmt::format("dropped: its conditions cannot be checked behind {}",
                                            multiplexer(abi, entry.name));
                    out.entries.push_back(std::move(item));
                    continue;
                }
                item.note = fmt::format(
                    "applied without conditions: they cannot be checked "
                    "behind {}",
                    multiplexer(abi, entry.name));
            }
            // The rule becomes one on the multiplexer, which an unconditional rule with
            // another action for the multiplexer itself would swallow.
            auto mux = unconditional.find(multiplexer(abi, entry.name));
            if (mux != unconditional.end() && mux->second != entry.action) {
                return Error::msg("seccomp",
                                  fmt::format("the {} rule for \"{}\" is shadowed on {} by the "
                                              "unconditional {} rule for {}",
                                              describe(entry.action), entry.name, abi.name,
                                              describe(mux->second), mux->first));
            }
        }
        // libseccomp refuses a rule whose action is the default one; it would change nothing.
        if (entry.action == default_action) {
            item.in_filter = false;
            item.note = "the default action already";
        }
        out.entries.push_back(std::move(item));
    }

    if (!out.absent.empty()) {
        spdlog::debug("seccomp: {}: {} names absent on this ABI, skipped: {}", abi.name,
                      out.absent.size(), fmt::join(out.absent, " "));
    }
    if (!unchecked.empty()) {
        spdlog::debug("seccomp: {}: conditions unchecked behind the multiplexer: {}", abi.name,
                      fmt::join(unchecked, " "));
    }
    close_open_multiplexers(abi, out);
    return out;
}

// x32 numbers carry bit 30; its own calls 512..547 are x32 variants of old calls, placed past
// the table shared with x86-64, and say nothing about how new a policy is.
constexpr int kX32Bit = 0x40000000;
constexpr int kX32LegacyFirst = 512;
// The fill stops here: x86-64's table of common calls must stay below x32's 512, and every
// architecture numbers new calls alike since Linux 5.1 (424 and up), far below.
constexpr int kNewestFilled = 511;

bool newer_fill_wanted(std::uint32_t default_action) {
    return (default_action & 0xffff0000U) == SCMP_ACT_ERRNO(0) &&
           (default_action & 0xffffU) != ENOSYS;
}

// Numbers above the newest the policy names get ENOSYS: a program probing a call newer than
// the policy (glibc's clone3) then falls back as on an older kernel instead of failing on
// EPERM. libseccomp cannot compare the syscall number itself, so each number is a rule. On
// the native ABI every number up to kNewestFilled is added, named or not; on a compat ABI
// libseccomp translates by name, so only the numbers the linked libseccomp names are.
void add_newer(const Abi& abi, AbiLayout& out) {
    const bool x32 = abi.arch == SCMP_ARCH_X32;
    const bool native = abi.arch == seccomp_arch_native();
    for (const AbiEntry& entry : out.entries) {
        if (entry.nr < 0) continue;
        int plain = x32 ? entry.nr & ~kX32Bit : entry.nr;
        if (x32 && plain >= kX32LegacyFirst) continue;
        out.newest_named = std::max(out.newest_named, plain);
    }
    if (out.newest_named < 0) {
        return;
    }

    int added = 0;
    for (int plain = out.newest_named + 1; plain <= kNewestFilled; ++plain) {
        int nr = x32 ? plain | kX32Bit : plain;
        std::unique_ptr<char, decltype(&std::free)> name(
            seccomp_syscall_resolve_num_arch(abi.arch, nr), &std::free);
        // libseccomp turns a rule for i386's direct socket and IPC calls into one on the
        // socketcall or ipc multiplexer, an older door than the number meant: those are left
        // to the default action.
        bool translatable = name && seccomp_syscall_resolve_name(name.get()) != __NR_SCMP_ERROR &&
                            seccomp_syscall_resolve_name_arch(abi.arch, name.get()) == nr;
        if (!native && !translatable) continue;
        out.entries.push_back(AbiEntry{name ? std::string(name.get()) : fmt::format("#{}", nr),
                                       nr,
                                       SCMP_ACT_ERRNO(ENOSYS),
                                       {},
                                       {EntrySource::Kind::newer, 0},
                                       true,
                                       fmt::format("the newest call the policy names here "
                                                   "is number {}",
                                                   out.newest_named)});
        ++added;
    }
    spdlog::debug("seccomp: {}: ENOSYS for {} numbers above {}, the newest the policy names",
                  abi.name, added, out.newest_named);
}

// Adds one ABI's entries to a context of that ABI alone.
Status add_layout(void* ctx, const AbiLayout& abi) {
    const bool native = abi.arch == seccomp_arch_native();
    for (const AbiEntry& entry : abi.entries) {
        if (!entry.in_filter) continue;
        // The number passed is the native one; libseccomp maps it to the context's ABI by
        // name, pseudo numbers included. A native number without a name is passed as it is.
        int nr = seccomp_syscall_resolve_name(entry.name.c_str());
        if (nr == __NR_SCMP_ERROR && native && entry.source.kind == EntrySource::Kind::newer) {
            nr = entry.nr;
        }
        std::vector<scmp_arg_cmp> args;
        for (const ArgCondition& cond : entry.args) {
            auto cmp = scmp_condition(cond, entry.name);
            if (!cmp) return cmp.error();
            args.push_back(*cmp);
        }
        int rc = seccomp_rule_add_array(ctx, entry.action, nr, static_cast<unsigned>(args.size()),
                                        args.data());
        if (rc < 0) {
            return Error::sys("seccomp", "seccomp_rule_add",
                              fmt::format("{}:{}", abi.name, entry.name), -rc);
        }
    }
    return Ok{};
}

Result<BpfProgram> export_bpf(void* ctx) {
    OwnedFd fd(::memfd_create("containerv-seccomp", MFD_CLOEXEC));
    if (fd.get() < 0) {
        return Error::sys("seccomp", "memfd_create", "containerv-seccomp", errno);
    }
    if (int rc = seccomp_export_bpf(ctx, fd.get()); rc < 0) {
        return Error::sys("seccomp", "seccomp_export_bpf", "memfd", -rc);
    }
    off_t size = ::lseek(fd.get(), 0, SEEK_END);
    if (size < 0 || ::lseek(fd.get(), 0, SEEK_SET) != 0) {
        return Error::sys("seccomp", "lseek", "memfd", errno);
    }
    if (size == 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
        return Error::msg("seccomp", fmt::format("exported program of {} bytes is not a whole "
                                                 "number of BPF instructions",
                                                 size));
    }

    BpfProgram program;
    program.insns.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
    auto* out = reinterpret_cast<char*>(program.insns.data());
    std::size_t done = 0;
    while (done < static_cast<std::size_t>(size)) {
        ssize_t n = ::read(fd.get(), out + done, static_cast<std::size_t>(size) - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return Error::sys("seccomp", "read", "memfd", n < 0 ? errno : EIO);
        }
        done += static_cast<std::size_t>(n);
    }
    if (program.insns.size() > BPF_MAXINSNS) {
        return Error::msg("seccomp", fmt::format("program of {} instructions exceeds the "
                                                 "kernel's limit of {}",
                                                 program.insns.size(), BPF_MAXINSNS));
    }
    return program;
}

// run --explain: the calls the kernel refuses without a capability (mount, reboot, ...) are
// handed to the supervisor too when the filter allows them without condition, so that it can
// say the caller lacks the capability; it lets them run (CONTINUE), as the filter would.
// Conditional entries are left alone: a notification cannot be made to fit their conditions.
void watch_capability_checked(AbiLayout& abi, std::uint32_t default_action,
                              std::uint32_t notify_default) {
    for (const std::string& name : capability_checked_names()) {
        int nr = seccomp_syscall_resolve_name_arch(abi.arch, name.c_str());
        if (nr < 0) continue;
        bool found = false;
        bool conditional = false;
        for (const AbiEntry& entry : abi.entries) {
            if (entry.name != name) continue;
            found = true;
            conditional = conditional || !entry.args.empty();
        }
        if (conditional) continue;
        if (found) {
            for (AbiEntry& entry : abi.entries) {
                if (entry.name == name && entry.action == SCMP_ACT_ALLOW) {
                    entry.action = SCMP_ACT_NOTIFY;
                    entry.in_filter = notify_default != SCMP_ACT_NOTIFY;
                }
            }
        } else if (default_action == SCMP_ACT_ALLOW && notify_default == SCMP_ACT_ALLOW) {
            abi.entries.push_back(AbiEntry{name, nr, SCMP_ACT_NOTIFY, {}, {}, true, ""});
        }
    }
}

}  // namespace

CompileOptions options_for(Level level) {
    CompileOptions options;
    options.foreign_abis_kill = level >= Level::strict;
    return options;
}

std::string describe_action(std::uint32_t action) {
    return describe(action);
}

Result<FilterLayout> layout(const SyscallPolicy& policy, const CompileOptions& options) {
    std::vector<Abi> abis = machine_abis();

    auto default_action =
        scmp_action(policy.default_action, 0, policy.default_errno, "the default action");
    if (!default_action) {
        return default_action.error();
    }
    // Names are checked against every ABI of the machine even when only the native one is
    // filtered, so that a policy means the same at every level.
    auto entries = flatten(policy, abis, *default_action);
    if (!entries) {
        return entries.error();
    }

    FilterLayout out;
    out.default_action = *default_action;
    for (const Abi& abi : abis) {
        if (options.foreign_abis_kill && abi.arch != seccomp_arch_native()) {
            out.killed_abis.emplace_back(abi.name);
            continue;
        }
        auto part = abi_layout(abi, *entries, *default_action);
        if (!part) {
            return part.error();
        }
        if (newer_fill_wanted(*default_action)) {
            add_newer(abi, *part);
        }
        out.abis.push_back(std::move(*part));
    }
    return out;
}

Result<BpfProgram> compile(const SyscallPolicy& policy, const CompileOptions& options) {
    auto plan = layout(policy, options);
    if (!plan) {
        return plan.error();
    }
    if (options.notify_denials) {
        // Every errno answer goes to the supervisor, which answers with that errno. An entry
        // whose new action equals the new default is left out (libseccomp refuses it); the
        // supervisor tells it from the default by the layout, which keeps the old actions.
        auto notified = [](std::uint32_t action) {
            return (action & 0xffff0000U) == SCMP_ACT_ERRNO(0) ? SCMP_ACT_NOTIFY : action;
        };
        const std::uint32_t allowing = plan->default_action;
        plan->default_action = notified(plan->default_action);
        for (AbiLayout& abi : plan->abis) {
            for (AbiEntry& entry : abi.entries) {
                entry.action = notified(entry.action);
                if (entry.action == plan->default_action) entry.in_filter = false;
            }
            watch_capability_checked(abi, allowing, plan->default_action);
        }
    }

    Context merged;
    for (const AbiLayout& abi : plan->abis) {
        auto ctx = new_context(plan->default_action, abi.arch);
        if (!ctx) {
            return ctx.error();
        }
        if (!plan->killed_abis.empty()) {
            if (int rc =
                    seccomp_attr_set(ctx->get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
                rc < 0) {
                return Error::sys("seccomp", "seccomp_attr_set", "SCMP_FLTATR_ACT_BADARCH", -rc);
            }
            spdlog::debug("seccomp: calls through {} kill the process",
                          fmt::join(plan->killed_abis, ", "));
        }
        if (options.binary_tree) {
            if (int rc = seccomp_attr_set(ctx->get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0) {
                return Error::sys("seccomp", "seccomp_attr_set", "SCMP_FLTATR_CTL_OPTIMIZE", -rc);
            }
        }
        if (auto added = add_layout(ctx->get(), abi); !added) {
            return added.error();
        }
        if (!merged) {
            merged = std::move(*ctx);
            continue;
        }
        if (int rc = seccomp_merge(merged.get(), ctx->get()); rc < 0) {
            return Error::sys("seccomp", "seccomp_merge", abi.name, -rc);
        }
        (void)ctx->release();  // seccomp_merge freed it on success
    }
    return export_bpf(merged.get());
}

Result<BpfProgram> compile_init_filter() {
    // What pid 1 does: reap children, forward signals, report its outcome on a descriptor,
    // exit. Anything else means it was subverted.
    static constexpr const char* kInitCalls[] = {
        "wait4",          "waitid",       "kill",         "tgkill",          "rt_sigtimedwait",
        "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "restart_syscall", "exit",
        "exit_group",     "getpid",       "close",        "write",
    };

    auto ctx = new_context(SCMP_ACT_KILL_PROCESS, seccomp_arch_native());
    if (!ctx) {
        return ctx.error();
    }
    // A call through another ABI (int 0x80, x32 numbers) kills as well.
    if (int rc = seccomp_attr_set(ctx->get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        rc < 0) {
        return Error::sys("seccomp", "seccomp_attr_set", "SCMP_FLTATR_ACT_BADARCH", -rc);
    }
    for (const char* name : kInitCalls) {
        int rc =
            seccomp_rule_add(ctx->get(), SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(name), 0);
        if (rc < 0) {
            return Error::sys("seccomp", "seccomp_rule_add", name, -rc);
        }
    }
    return export_bpf(ctx->get());
}

Result<BpfProgram> compile_learn_filter() {
    auto ctx = new_context(SCMP_ACT_NOTIFY, seccomp_arch_native());
    if (!ctx) {
        return ctx.error();
    }
    for (const Abi& abi : machine_abis()) {
        if (abi.arch == seccomp_arch_native()) continue;
        if (int rc = seccomp_arch_add(ctx->get(), abi.arch); rc < 0 && rc != -EEXIST) {
            return Error::sys("seccomp", "seccomp_arch_add", std::string(abi.name), -rc);
        }
    }
    return export_bpf(ctx->get());
}

int load(const BpfProgram& program) noexcept {
    if (program.insns.empty() || program.insns.size() > BPF_MAXINSNS) {
        return EINVAL;
    }
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.insns.size());
    prog.filter = const_cast<sock_filter*>(program.insns.data());
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0U, &prog) != 0) {
        return errno;
    }
    return 0;
}

int load_with_listener(const BpfProgram& program, int* listener) noexcept {
    if (program.insns.empty() || program.insns.size() > BPF_MAXINSNS) {
        return EINVAL;
    }
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.insns.size());
    prog.filter = const_cast<sock_filter*>(program.insns.data());
    long fd =
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (fd < 0) {
        return errno;
    }
    *listener = static_cast<int>(fd);
    return 0;
}

}  // namespace containerv::seccomp
