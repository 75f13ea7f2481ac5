// Explanations are made from the FilterLayout, the same value compile() turns into BPF, so
// that what they say is what the filter does.
#include "seccomp/explain.hpp"

#include "seccomp/args_expr.hpp"

#include <fmt/format.h>
#include <seccomp.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace containerv::seccomp {
namespace {

constexpr std::uint32_t kActionMask = 0xffff0000U;
constexpr std::uint32_t kDataMask = 0xffffU;
// Enough to cover every table libseccomp knows, x32's own calls (512..547) included.
constexpr int kLastNumber = 1023;
constexpr int kX32Bit = 0x40000000;

std::string source_text(const EntrySource& source) {
    switch (source.kind) {
        case EntrySource::Kind::allowed:
            return fmt::format("syscalls.allowed[{}]", source.index);
        case EntrySource::Kind::blocked:
            return fmt::format("syscalls.blocked[{}]", source.index);
        case EntrySource::Kind::rule:
            return fmt::format("syscalls.rules[{}]", source.index);
        case EntrySource::Kind::family:
            return fmt::format("syscalls.blocked[{}] (the same operation under another name)",
                               source.index);
        case EntrySource::Kind::newer:
            return "the answer to calls newer than the policy";
    }
    return "?";
}

std::string name_of(std::uint32_t arch, int nr) {
    std::unique_ptr<char, decltype(&std::free)> name(seccomp_syscall_resolve_num_arch(arch, nr),
                                                     &std::free);
    return name ? std::string(name.get()) : std::string();
}

std::vector<const AbiEntry*> entries_for(const AbiLayout& abi, std::string_view name) {
    std::vector<const AbiEntry*> out;
    for (const AbiEntry& entry : abi.entries) {
        if (entry.name == name) out.push_back(&entry);
    }
    return out;
}

bool absent(const AbiLayout& abi, std::string_view name) {
    // Pseudo numbers stand for calls behind a multiplexer (-101.. socketcall, -201.. ipc);
    // anything lower does not exist on the ABI.
    int nr = seccomp_syscall_resolve_name_arch(abi.arch, std::string(name).c_str());
    return nr < 0 && (nr <= -300 || nr == __NR_SCMP_ERROR);
}

std::string cell(const FilterLayout& layout, const AbiLayout& abi, std::string_view name) {
    if (absent(abi, name)) return "-";
    std::string out;
    std::set<std::string> actions;
    bool conditional = false;
    for (const AbiEntry* entry : entries_for(abi, name)) {
        if (!entry->in_filter) continue;
        std::string action = describe_action(entry->action);
        if (actions.insert(action).second) out += (out.empty() ? "" : "|") + action;
        conditional = conditional || !entry->args.empty();
    }
    if (out.empty()) return describe_action(layout.default_action);
    return conditional ? out + "*" : out;
}

std::string oci_action(std::uint32_t action) {
    switch (action & kActionMask) {
        case SCMP_ACT_ALLOW:
            return "SCMP_ACT_ALLOW";
        case SCMP_ACT_LOG:
            return "SCMP_ACT_LOG";
        case SCMP_ACT_KILL_PROCESS:
            return "SCMP_ACT_KILL_PROCESS";
        case SCMP_ACT_TRAP:
            return "SCMP_ACT_TRAP";
        case SCMP_ACT_ERRNO(0):
            return "SCMP_ACT_ERRNO";
        case SCMP_ACT_TRACE(0):
            return "SCMP_ACT_TRACE";
        default:
            return "SCMP_ACT_KILL_THREAD";
    }
}

std::string oci_arch(std::uint32_t arch) {
    switch (arch) {
        case SCMP_ARCH_X86_64:
            return "SCMP_ARCH_X86_64";
        case SCMP_ARCH_X86:
            return "SCMP_ARCH_X86";
        case SCMP_ARCH_X32:
            return "SCMP_ARCH_X32";
        case SCMP_ARCH_AARCH64:
            return "SCMP_ARCH_AARCH64";
        case SCMP_ARCH_ARM:
            return "SCMP_ARCH_ARM";
        case SCMP_ARCH_RISCV64:
            return "SCMP_ARCH_RISCV64";
        case SCMP_ARCH_PPC64LE:
            return "SCMP_ARCH_PPC64LE";
        case SCMP_ARCH_S390X:
            return "SCMP_ARCH_S390X";
        default:
            return fmt::format("{:#x}", arch);
    }
}

nlohmann::json oci_args(const std::vector<ArgCondition>& args) {
    static constexpr const char* kOps[] = {"SCMP_CMP_EQ",       "SCMP_CMP_NE", "SCMP_CMP_LT",
                                           "SCMP_CMP_LE",       "SCMP_CMP_GT", "SCMP_CMP_GE",
                                           "SCMP_CMP_MASKED_EQ"};
    nlohmann::json out = nlohmann::json::array();
    for (const ArgCondition& arg : args) {
        nlohmann::json j = {
            {"index", arg.index}, {"value", arg.value}, {"op", kOps[static_cast<int>(arg.op)]}};
        // The OCI (and libseccomp) order for masked equality: value is the mask.
        if (arg.op == ArgCondition::Op::masked_eq) j["valueTwo"] = arg.value_two;
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace

std::string explain_table(const FilterLayout& layout) {
    std::set<std::string> names;
    for (const AbiLayout& abi : layout.abis) {
        // Numbers without a name are summed up below the table, not listed one by one.
        for (const AbiEntry& entry : abi.entries) {
            if (!entry.name.starts_with("#")) names.insert(entry.name);
        }
        for (int nr = 0; nr <= kLastNumber; ++nr) {
            int number = abi.arch == SCMP_ARCH_X32 ? nr | kX32Bit : nr;
            if (std::string name = name_of(abi.arch, number); !name.empty()) names.insert(name);
        }
    }

    std::string out = fmt::format("default action: {}\n", describe_action(layout.default_action));
    for (const std::string& abi : layout.killed_abis) {
        out += fmt::format("every call through {} kills the process\n", abi);
    }
    out += "'*': conditions on the arguments decide; '-': no such call on the ABI\n\n";
    auto row = [](std::string line) {
        while (!line.empty() && line.back() == ' ') line.pop_back();
        return line + "\n";
    };
    std::string header = fmt::format("{:<28}", "SYSCALL");
    for (const AbiLayout& abi : layout.abis) header += fmt::format(" {:<16}", abi.name);
    out += row(header);
    for (const std::string& name : names) {
        std::string line = fmt::format("{:<28}", name);
        for (const AbiLayout& abi : layout.abis) {
            line += fmt::format(" {:<16}", cell(layout, abi, name));
        }
        out += row(line);
    }
    for (const AbiLayout& abi : layout.abis) {
        int first = -1;
        int last = -1;
        for (const AbiEntry& entry : abi.entries) {
            if (!entry.name.starts_with("#")) continue;
            first = first < 0 ? entry.nr : first;
            last = entry.nr;
        }
        if (first >= 0) {
            out += fmt::format(
                "{}: numbers {}..{}, without a name, answer errno({}): newer than "
                "the policy\n",
                abi.name, first, last, ENOSYS);
        }
    }
    return out;
}

Result<std::string> explain_syscall(const FilterLayout& layout, std::string_view name) {
    const std::string wanted(name);
    bool known = false;
    for (const AbiLayout& abi : layout.abis) known = known || !entries_for(abi, name).empty();
    for (const AbiLayout& abi : layout.abis) known = known || !absent(abi, name);
    if (!known) {
        return Error::msg("seccomp", fmt::format("unknown syscall \"{}\"", wanted));
    }

    const std::string fallback = describe_action(layout.default_action);
    std::string out = fmt::format("{}\n", wanted);
    for (const AbiLayout& abi : layout.abis) {
        if (absent(abi, name)) {
            out += fmt::format("  {}: no such call on this ABI\n", abi.name);
            continue;
        }
        int nr = seccomp_syscall_resolve_name_arch(abi.arch, wanted.c_str());
        out += nr >= 0 ? fmt::format("  {} (number {}):\n", abi.name, nr)
                       : fmt::format("  {} (behind a multiplexer):\n", abi.name);
        bool decided = false;
        bool conditional = false;
        for (const AbiEntry* entry : entries_for(abi, name)) {
            std::string line = fmt::format("    {}", describe_action(entry->action));
            if (!entry->args.empty()) line += " when " + format_args_expr(entry->args);
            line += ", by " + source_text(entry->source);
            if (!entry->note.empty()) line += "; " + entry->note;
            out += line + "\n";
            decided = decided || (entry->in_filter && entry->args.empty());
            conditional = conditional || (entry->in_filter && !entry->args.empty());
        }
        const bool named = !entries_for(abi, name).empty();
        if (conditional && !decided) {
            out += fmt::format("    otherwise {}, the default action\n", fallback);
        } else if (!decided && named) {
            out += fmt::format("    {}, the default action: no rule above is in the filter\n",
                               fallback);
        } else if (!decided) {
            out += fmt::format("    {}, the default action: no rule of the policy names it\n",
                               fallback);
        }
    }
    for (const std::string& abi : layout.killed_abis) {
        out += fmt::format(
            "  {}: kill, like every call through this ABI (strict and paranoid "
            "profiles run native code only)\n",
            abi);
    }
    return out;
}

nlohmann::json oci_seccomp(const FilterLayout& layout) {
    nlohmann::json out;
    out["defaultAction"] = oci_action(layout.default_action);
    if ((layout.default_action & kActionMask) == SCMP_ACT_ERRNO(0)) {
        out["defaultErrnoRet"] = layout.default_action & kDataMask;
    }
    nlohmann::json arches = nlohmann::json::array();
    for (const AbiLayout& abi : layout.abis) arches.push_back(oci_arch(abi.arch));
    out["architectures"] = arches;

    // Entries with the same action and conditions become one rule with a list of names, in
    // the order of their first appearance.
    struct Group {
        std::uint32_t action;
        std::vector<ArgCondition> args;
        std::vector<std::string> names;
    };
    std::vector<Group> groups;
    std::set<std::string> seen;
    auto add = [&](const AbiEntry& entry) {
        // A changed entry (behind a multiplexer) is the compat ABI's form of a native rule.
        bool changed = !entry.note.empty() && entry.source.kind != EntrySource::Kind::newer;
        if (!entry.in_filter || changed || entry.name.starts_with("#")) return;
        if (!seen.insert(fmt::format("{}/{}/{}", entry.name, entry.action,
                                     format_args_expr(entry.args)))
                 .second) {
            return;
        }
        for (Group& group : groups) {
            if (group.action == entry.action && group.args == entry.args) {
                group.names.push_back(entry.name);
                return;
            }
        }
        groups.push_back(Group{entry.action, entry.args, {entry.name}});
    };
    for (const AbiLayout& abi : layout.abis) {
        for (const AbiEntry& entry : abi.entries) {
            // The fill differs by ABI; the native one's names stand for it.
            if (&abi != &layout.abis.front() && entry.source.kind == EntrySource::Kind::newer) {
                continue;
            }
            add(entry);
        }
    }

    nlohmann::json rules = nlohmann::json::array();
    for (const Group& group : groups) {
        nlohmann::json rule = {{"names", group.names}, {"action", oci_action(group.action)}};
        if ((group.action & kActionMask) == SCMP_ACT_ERRNO(0)) {
            rule["errnoRet"] = group.action & kDataMask;
        }
        if (!group.args.empty()) rule["args"] = oci_args(group.args);
        rules.push_back(std::move(rule));
    }
    out["syscalls"] = rules;
    return out;
}

}  // namespace containerv::seccomp
