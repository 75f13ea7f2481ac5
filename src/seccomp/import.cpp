// Reading Docker, OCI and containerv seccomp policies into a SyscallPolicy.
//
// Docker's and OCI's formats are one grammar: OCI's linux.seccomp object is Docker's file
// without archMap, includes, excludes and the old "name". Both are read by one reader; the
// format reported is "docker" when a Docker-only key appears.
#include "seccomp/import.hpp"
#include "profile/positions.hpp"

#include "profile/json.hpp"
#include "profile/store.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>

#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <set>

namespace containerv::seccomp {
namespace {

using json = nlohmann::json;

constexpr int kMaxErrno = 4094;  // libseccomp 2.5 refuses 4095 (see compile.cpp)
constexpr std::uint64_t kMaxArgIndex = 5;

// An entry's action in containerv's terms, and whether it takes an errno.
struct Action {
    SyscallAction action = SyscallAction::allow;
    bool errno_action = false;
};

bool permits(SyscallAction action) {
    return action == SyscallAction::allow || action == SyscallAction::log;
}

// Names Docker (Go's GOARCH) and libseccomp use for this machine's ABIs. The filter applies
// every rule on all three; see applies() for how an entry naming only a compat ABI is read.
constexpr std::string_view kNativeArches[] = {"amd64", "x86_64", "SCMP_ARCH_X86_64"};
constexpr std::string_view kCompatArches[] = {"x86", "386",           "i386",
                                              "x32", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
constexpr std::string_view kScmpArches[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB"};
// Architecture names Docker's includes and excludes use (Go's GOARCH, and the names of the
// archMap): a name outside them is a typo, refused, since a misspelt "amd64" in an include would
// silently drop a deny.
constexpr std::string_view kDockerArches[] = {
    "amd64",       "x86_64",    "x86",         "386",    "i386",     "x32",
    "arm",         "arm64",     "aarch64",     "mips",   "mipsle",   "mips64",
    "mips64le",    "mips64n32", "mips64len32", "mipsel", "mipsel64", "ppc",
    "ppc64",       "ppc64le",   "s390",        "s390x",  "riscv64",  "loong64",
    "loongarch64", "parisc",    "parisc64",    "m68k",   "sh",       "sheb"};
// Filter flags change how the kernel installs or logs the filter, never what it allows, except
// SPEC_ALLOW (speculation mitigations left off), which containerv leaving out only tightens.
constexpr std::string_view kFlags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",       "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",  "SECCOMP_FILTER_FLAG_NEW_LISTENER",
    "SECCOMP_FILTER_FLAG_TSYNC_ESRCH", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};

constexpr std::string_view kTopKeys[] = {"defaultAction", "defaultErrnoRet", "defaultErrno",
                                         "architectures", "archMap",         "syscalls",
                                         "flags",         "listenerPath",    "listenerMetadata"};
constexpr std::string_view kEntryKeys[] = {"names", "name",    "action",   "errnoRet", "errno",
                                           "args",  "comment", "includes", "excludes"};
constexpr std::string_view kArgKeys[] = {"index", "value", "valueTwo", "op"};
constexpr std::string_view kFilterKeys[] = {"caps", "arches", "minKernel"};
// Keys only Docker's format has; their presence names the format "docker".
constexpr std::string_view kDockerOnly[] = {"archMap", "name",         "includes", "excludes",
                                            "comment", "defaultErrno", "errno"};

template <class Names>
bool among(const Names& names, std::string_view word) {
    return std::find(std::begin(names), std::end(names), word) != std::end(names);
}

// The machine's ABIs as libseccomp numbers them: a name is known when any of them resolves it.
bool known_to_libseccomp(const std::string& name) {
    for (std::uint32_t arch : {std::uint32_t{SCMP_ARCH_X86_64}, std::uint32_t{SCMP_ARCH_X86},
                               std::uint32_t{SCMP_ARCH_X32}}) {
        if (seccomp_syscall_resolve_name_arch(arch, name.c_str()) != __NR_SCMP_ERROR) {
            return true;
        }
    }
    return seccomp_syscall_resolve_name(name.c_str()) != __NR_SCMP_ERROR;
}

// "EPERM" -> 1, through glibc's own table (strerrorname_np, glibc 2.32+).
std::optional<int> errno_from_name(std::string_view name) {
    for (int e = 1; e <= kMaxErrno; ++e) {
        const char* n = strerrorname_np(e);
        if (n != nullptr && name == n) {
            return e;
        }
    }
    return std::nullopt;
}

class Reader {
public:
    Reader(const ImportContext& ctx, std::string source, ImportReport& report)
        : ctx_(ctx), source_(std::move(source)), report_(report) {}

    Error error(const std::string& pointer, const std::string& what) const {
        return Error::msg("seccomp import", fmt::format("{}: {}: {}", source_,
                                                        pointer.empty() ? "/" : pointer, what));
    }

    Result<SyscallPolicy> read(const json& doc, const std::string& base);

private:
    Status check_keys(const json& obj, const std::string& ptr, auto&& allowed) const {
        for (const auto& [key, value] : obj.items()) {
            if (!among(allowed, key)) {
                return error(ptr + "/" + pointer_token(key), "unknown key \"" + key + "\"");
            }
        }
        return Ok{};
    }
    Result<Action> read_action(const json& entry, const std::string& ptr, const char* key) const;
    Result<int> read_errno(const json& obj, const std::string& ptr, const Action& action,
                           const char* number_key, const char* name_key) const;
    Status read_arches(const json& doc, const std::string& ptr) const;
    Status read_flags(const json& doc, const std::string& ptr);
    Result<std::vector<ArgCondition>> read_args(const json& entry, const std::string& ptr) const;
    Result<bool> applies(const json& entry, const std::string& ptr, SyscallAction action) const;
    Result<std::vector<std::string>> read_names(const json& entry, const std::string& ptr) const;
    Status read_entry(const json& entry, const std::string& ptr, SyscallPolicy& policy);

    const ImportContext& ctx_;
    std::string source_;
    ImportReport& report_;
    std::set<std::string> allowed_;
};

Result<Action> Reader::read_action(const json& entry, const std::string& ptr,
                                   const char* key) const {
    const std::string where = ptr + "/" + key;
    auto it = entry.find(key);
    if (it == entry.end()) {
        return error(where, "missing");
    }
    if (!it->is_string()) {
        return error(where, "expected a string such as \"SCMP_ACT_ERRNO\"");
    }
    const std::string name = it->get<std::string>();
    static const std::map<std::string_view, SyscallAction> kActions = {
        {"SCMP_ACT_ALLOW", SyscallAction::allow},
        {"SCMP_ACT_ERRNO", SyscallAction::errno_ret},
        // libseccomp's KILL is KILL_THREAD; containerv kills the whole process, since a
        // process with one thread killed under it is left in a state nobody planned for.
        {"SCMP_ACT_KILL", SyscallAction::kill},
        {"SCMP_ACT_KILL_THREAD", SyscallAction::kill},
        {"SCMP_ACT_KILL_PROCESS", SyscallAction::kill},
        {"SCMP_ACT_TRAP", SyscallAction::trap},
        {"SCMP_ACT_TRACE", SyscallAction::trace},
        {"SCMP_ACT_LOG", SyscallAction::log},
    };
    if (name == "SCMP_ACT_NOTIFY") {
        return error(where, "SCMP_ACT_NOTIFY (user notification) is not supported yet");
    }
    auto found = kActions.find(name);
    if (found == kActions.end()) {
        return error(where, "unknown action \"" + name +
                                "\" (expected SCMP_ACT_ALLOW, ERRNO, KILL, KILL_PROCESS, "
                                "KILL_THREAD, TRAP, TRACE or LOG)");
    }
    return Action{found->second, found->second == SyscallAction::errno_ret};
}

// The errno of an ERRNO action: the number, or containers/common's name for it, or EPERM (what
// runc and crun use when neither is given). Given with another action, the writer expected
// something containerv would not do: an error.
Result<int> Reader::read_errno(const json& obj, const std::string& ptr, const Action& action,
                               const char* number_key, const char* name_key) const {
    std::optional<int> number;
    if (auto it = obj.find(number_key); it != obj.end() && !it->is_null()) {
        const std::string where = ptr + "/" + number_key;
        if (!it->is_number_integer()) {
            return error(where, "expected an integer");
        }
        auto value = it->get<std::int64_t>();
        if (value < 1 || value > kMaxErrno) {
            return error(where, fmt::format("errno {} is outside 1..{} (libseccomp's range; the "
                                            "kernel's MAX_ERRNO is 4095)",
                                            value, kMaxErrno));
        }
        number = static_cast<int>(value);
    }
    std::optional<int> named;
    if (auto it = obj.find(name_key); it != obj.end() && !it->is_null()) {
        const std::string where = ptr + "/" + name_key;
        if (!it->is_string()) {
            return error(where, "expected an errno name such as \"EPERM\"");
        }
        named = errno_from_name(it->get<std::string>());
        if (!named) {
            return error(where, "unknown errno name \"" + it->get<std::string>() + "\"");
        }
        if (number && *number != *named) {
            return error(where, fmt::format("\"{}\" is {}, but {} says {}", it->get<std::string>(),
                                            *named, number_key, *number));
        }
    }
    if (!action.errno_action) {
        if (number || named) {
            return error(ptr + "/" + (number ? number_key : name_key),
                         "an errno is given for an action that returns none; containerv's "
                         "trace action passes no data to the tracer");
        }
        return 0;
    }
    return number ? *number : named ? *named : EPERM;
}

Status Reader::read_arches(const json& doc, const std::string& ptr) const {
    bool ours = false;
    bool any = false;
    if (auto it = doc.find("architectures"); it != doc.end() && !it->is_null()) {
        if (!it->is_array()) {
            return error(ptr + "/architectures", "expected a list of SCMP_ARCH_ names");
        }
        for (std::size_t i = 0; i < it->size(); ++i) {
            const json& a = (*it)[i];
            const std::string where = fmt::format("{}/architectures/{}", ptr, i);
            if (!a.is_string() || !among(kScmpArches, a.get<std::string>())) {
                return error(where, "unknown architecture " + a.dump());
            }
            any = true;
            ours = ours || among(kNativeArches, a.get<std::string>()) ||
                   among(kCompatArches, a.get<std::string>());
        }
    }
    if (any && !ours) {
        return error(ptr + "/architectures",
                     "the policy is written for other architectures than x86-64");
    }
    if (auto it = doc.find("archMap"); it != doc.end() && !it->is_null()) {
        if (!it->is_array()) {
            return error(ptr + "/archMap", "expected a list");
        }
        for (std::size_t i = 0; i < it->size(); ++i) {
            const json& m = (*it)[i];
            const std::string where = fmt::format("{}/archMap/{}", ptr, i);
            if (!m.is_object() || !m.contains("architecture") || !m["architecture"].is_string() ||
                !among(kScmpArches, m["architecture"].get<std::string>())) {
                return error(where,
                             "expected {\"architecture\": SCMP_ARCH_..., "
                             "\"subArchitectures\": [...]}");
            }
            for (const json& sub : m.value("subArchitectures", json::array())) {
                if (!sub.is_string() || !among(kScmpArches, sub.get<std::string>())) {
                    return error(where + "/subArchitectures", "unknown architecture " + sub.dump());
                }
            }
        }
    }
    return Ok{};
}

Status Reader::read_flags(const json& doc, const std::string& ptr) {
    auto it = doc.find("flags");
    if (it == doc.end() || it->is_null()) {
        return Ok{};
    }
    if (!it->is_array()) {
        return error(ptr + "/flags", "expected a list of SECCOMP_FILTER_FLAG_ names");
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
        const json& f = (*it)[i];
        if (!f.is_string() || !among(kFlags, f.get<std::string>())) {
            return error(fmt::format("{}/flags/{}", ptr, i), "unknown filter flag " + f.dump());
        }
        report_.notes.push_back("flag " + f.get<std::string>() +
                                " ignored: containerv installs the filter its own way");
    }
    return Ok{};
}

Result<std::vector<ArgCondition>> Reader::read_args(const json& entry,
                                                    const std::string& ptr) const {
    std::vector<ArgCondition> out;
    auto it = entry.find("args");
    if (it == entry.end() || it->is_null()) {
        return out;
    }
    if (!it->is_array()) {
        return error(ptr + "/args", "expected a list");
    }
    static const std::map<std::string_view, ArgCondition::Op> kOps = {
        {"SCMP_CMP_EQ", ArgCondition::Op::eq},
        {"SCMP_CMP_NE", ArgCondition::Op::ne},
        {"SCMP_CMP_LT", ArgCondition::Op::lt},
        {"SCMP_CMP_LE", ArgCondition::Op::le},
        {"SCMP_CMP_GT", ArgCondition::Op::gt},
        {"SCMP_CMP_GE", ArgCondition::Op::ge},
        {"SCMP_CMP_MASKED_EQ", ArgCondition::Op::masked_eq},
    };
    for (std::size_t i = 0; i < it->size(); ++i) {
        const json& a = (*it)[i];
        const std::string where = fmt::format("{}/args/{}", ptr, i);
        if (!a.is_object()) {
            return error(where, "expected an object with index, value, valueTwo and op");
        }
        if (auto keys = check_keys(a, where, kArgKeys); !keys) {
            return keys.error();
        }
        ArgCondition cond;
        const json* index = a.contains("index") ? &a["index"] : nullptr;
        if (index == nullptr || !index->is_number_unsigned()) {
            return error(where + "/index", "expected an argument index 0..5");
        }
        if (index->get<std::uint64_t>() > kMaxArgIndex) {
            return error(where + "/index", fmt::format("argument index {} is outside 0..5",
                                                       index->get<std::uint64_t>()));
        }
        cond.index = static_cast<unsigned>(index->get<std::uint64_t>());
        for (const char* key : {"value", "valueTwo"}) {
            if (!a.contains(key)) {
                continue;
            }
            if (!a[key].is_number_unsigned()) {
                return error(where + "/" + key, "expected an integer 0..2^64-1");
            }
            (std::string_view(key) == "value" ? cond.value : cond.value_two) =
                a[key].get<std::uint64_t>();
        }
        if (!a.contains("value")) {
            return error(where + "/value", "missing");
        }
        const json* op = a.contains("op") ? &a["op"] : nullptr;
        auto found =
            op != nullptr && op->is_string() ? kOps.find(op->get<std::string>()) : kOps.end();
        if (found == kOps.end()) {
            return error(where + "/op", "unknown comparison " + (op ? op->dump() : "(missing)") +
                                            " (expected SCMP_CMP_EQ, NE, LT, LE, GT, GE or "
                                            "MASKED_EQ)");
        }
        cond.op = found->second;
        // libseccomp ignores valueTwo except for MASKED_EQ: a value there means the writer
        // expected a comparison that will not happen.
        if (cond.op != ArgCondition::Op::masked_eq && cond.value_two != 0) {
            return error(where + "/valueTwo",
                         "valueTwo is only used by SCMP_CMP_MASKED_EQ; here it would be ignored");
        }
        for (const ArgCondition& seen : out) {
            // runc turns two conditions on one argument into two alternative rules, libseccomp
            // into a conjunction: the entry means different things to different runtimes.
            if (seen.index == cond.index) {
                return error(where + "/index",
                             fmt::format("a second condition on argument {}: runc reads two "
                                         "conditions on one argument as alternatives, libseccomp "
                                         "as both; write two entries",
                                         cond.index));
            }
        }
        out.push_back(cond);
    }
    return out;
}

// Docker's includes and excludes (moby's seccomp.go): excluded when the arch is named, when any
// excluded capability is held, or when the kernel is at least minKernel; included only when
// the arch is named, every included capability is held, and the kernel is at least minKernel.
// A compat ABI name (x86, x32) counts only where it makes the filter narrower: the rules apply
// on all three ABIs, so "include on x86" is honoured for denying rules and "exclude on x86"
// for allowing ones.
Result<bool> Reader::applies(const json& entry, const std::string& ptr,
                             SyscallAction action) const {
    bool result = true;
    for (const char* side : {"excludes", "includes"}) {
        auto it = entry.find(side);
        if (it == entry.end() || it->is_null()) {
            continue;
        }
        const std::string where = ptr + "/" + side;
        const bool include = std::string_view(side) == "includes";
        if (!it->is_object()) {
            return error(where, "expected an object with caps, arches or minKernel");
        }
        if (auto keys = check_keys(*it, where, kFilterKeys); !keys) {
            return keys.error();
        }
        if (auto arches = it->find("arches"); arches != it->end() && !arches->is_null()) {
            if (!arches->is_array()) {
                return error(where + "/arches", "expected a list of architecture names");
            }
            bool compat_counts = include ? !permits(action) : permits(action);
            bool named = false;
            for (std::size_t i = 0; i < arches->size(); ++i) {
                const json& a = (*arches)[i];
                if (!a.is_string()) {
                    return error(where + "/arches", "expected strings");
                }
                if (!among(kDockerArches, a.get<std::string>()) &&
                    !among(kScmpArches, a.get<std::string>())) {
                    return error(fmt::format("{}/arches/{}", where, i),
                                 "unknown architecture " + a.dump());
                }
                named = named || among(kNativeArches, a.get<std::string>()) ||
                        (compat_counts && among(kCompatArches, a.get<std::string>()));
            }
            if (!arches->empty() && named != include) {
                result = false;
            }
        }
        if (auto caps = it->find("caps"); caps != it->end() && !caps->is_null()) {
            if (!caps->is_array()) {
                return error(where + "/caps", "expected a list of capability names");
            }
            bool all = true;
            bool any = false;
            for (std::size_t i = 0; i < caps->size(); ++i) {
                const json& c = (*caps)[i];
                auto cap =
                    c.is_string() ? capability_from_name(c.get<std::string>()) : std::nullopt;
                if (!cap) {
                    return error(fmt::format("{}/caps/{}", where, i),
                                 "unknown capability " + c.dump());
                }
                bool held = (ctx_.caps & cap_bit(*cap)) != 0;
                all = all && held;
                any = any || held;
            }
            if (!caps->empty() && (include ? !all : any)) {
                result = false;
            }
        }
        if (auto min = it->find("minKernel"); min != it->end() && !min->is_null()) {
            auto version =
                min->is_string() ? parse_kernel_version(min->get<std::string>()) : std::nullopt;
            if (!version) {
                return error(where + "/minKernel", "expected a version \"X.Y\"");
            }
            bool at_least = ctx_.kernel >= *version;
            if (include ? !at_least : at_least) {
                result = false;
            }
        }
    }
    return result;
}

Result<std::vector<std::string>> Reader::read_names(const json& entry,
                                                    const std::string& ptr) const {
    const bool has_names = entry.contains("names") && !entry["names"].is_null();
    const bool has_name = entry.contains("name") && !entry["name"].is_null();
    if (has_names && has_name) {
        return error(ptr + "/name", "both \"name\" and \"names\"; give one");
    }
    std::vector<std::string> names;
    if (has_name) {
        if (!entry["name"].is_string() || entry["name"].get<std::string>().empty()) {
            return error(ptr + "/name", "expected a syscall name");
        }
        names.push_back(entry["name"].get<std::string>());
    } else if (has_names) {
        const json& list = entry["names"];
        if (!list.is_array()) {
            return error(ptr + "/names", "expected a list of syscall names");
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (!list[i].is_string() || list[i].get<std::string>().empty()) {
                return error(fmt::format("{}/names/{}", ptr, i), "expected a syscall name");
            }
            names.push_back(list[i].get<std::string>());
        }
    }
    if (names.empty()) {
        return error(ptr, "no syscall named (\"names\" or \"name\")");
    }
    return names;
}

Status Reader::read_entry(const json& entry, const std::string& ptr, SyscallPolicy& policy) {
    if (!entry.is_object()) {
        return error(ptr, "expected an object");
    }
    if (auto keys = check_keys(entry, ptr, kEntryKeys); !keys) {
        return keys.error();
    }
    auto names = read_names(entry, ptr);
    if (!names) {
        return names.error();
    }
    auto action = read_action(entry, ptr, "action");
    if (!action) {
        return action.error();
    }
    auto errno_value = read_errno(entry, ptr, *action, "errnoRet", "errno");
    if (!errno_value) {
        return errno_value.error();
    }
    auto args = read_args(entry, ptr);
    if (!args) {
        return args.error();
    }
    // Checked in full before deciding, so an entry for another host is still a valid entry.
    auto applies_here = applies(entry, ptr, action->action);
    if (!applies_here) {
        return applies_here.error();
    }
    if (!*applies_here) {
        spdlog::debug("seccomp import: {}: {} does not apply here (includes/excludes)", source_,
                      ptr);
        return Ok{};
    }

    SyscallRule rule{{}, action->action, *errno_value, std::move(*args)};
    for (std::size_t i = 0; i < names->size(); ++i) {
        const std::string& name = (*names)[i];
        if (known_to_libseccomp(name)) {
            rule.names.push_back(name);
            continue;
        }
        // A deny that disappears fails open, unless the default denies as well (trace does not:
        // an attached tracer may let the call through).
        const bool default_may_permit =
            permits(policy.default_action) || policy.default_action == SyscallAction::trace;
        if (!permits(action->action) && default_may_permit) {
            return error(
                entry.contains("name") ? ptr + "/name" : fmt::format("{}/names/{}", ptr, i),
                "unknown syscall \"" + name +
                    "\" (not in the linked libseccomp's tables) in a rule that denies, "
                    "while the default action lets it through");
        }
        spdlog::debug(
            "seccomp import: {}: {}: \"{}\" is unknown to libseccomp; skipped (the "
            "default action applies to it)",
            source_, ptr, name);
        report_.skipped.push_back(name);
    }
    if (rule.names.empty()) {
        return Ok{};
    }
    if (rule.action == SyscallAction::allow && rule.args.empty()) {
        for (const std::string& name : rule.names) {
            if (allowed_.insert(name).second) {
                policy.allowed.push_back(name);
            }
        }
        return Ok{};
    }
    policy.rules.push_back(std::move(rule));
    return Ok{};
}

Result<SyscallPolicy> Reader::read(const json& doc, const std::string& base) {
    if (!doc.is_object()) {
        return error(base, "expected an object");
    }
    if (auto keys = check_keys(doc, base, kTopKeys); !keys) {
        return keys.error();
    }
    SyscallPolicy policy;
    auto action = read_action(doc, base, "defaultAction");
    if (!action) {
        return action.error();
    }
    policy.default_action = action->action;
    auto default_errno = read_errno(doc, base, *action, "defaultErrnoRet", "defaultErrno");
    if (!default_errno) {
        return default_errno.error();
    }
    policy.default_errno = action->errno_action ? *default_errno : EPERM;
    if (auto ok = read_arches(doc, base); !ok) {
        return ok.error();
    }
    if (auto ok = read_flags(doc, base); !ok) {
        return ok.error();
    }
    if (auto it = doc.find("listenerPath");
        it != doc.end() && !it->is_null() && !(it->is_string() && it->get<std::string>().empty())) {
        return error(base + "/listenerPath", "user notification is not supported yet");
    }

    if (auto it = doc.find("syscalls"); it != doc.end() && !it->is_null()) {
        if (!it->is_array()) {
            return error(base + "/syscalls", "expected a list of entries");
        }
        for (std::size_t i = 0; i < it->size(); ++i) {
            if (auto ok = read_entry((*it)[i], fmt::format("{}/syscalls/{}", base, i), policy);
                !ok) {
                return ok.error();
            }
        }
    }

    // A name both allowed and denied without condition by entries that both apply here (the
    // containers/common default allows setns and denies it without CAP_SYS_ADMIN): the deny is
    // kept, the narrower reading; libseccomp would refuse the pair.
    std::set<std::string> denied;
    for (const SyscallRule& rule : policy.rules) {
        if (rule.args.empty() && !permits(rule.action)) {
            denied.insert(rule.names.begin(), rule.names.end());
        }
    }
    std::erase_if(policy.allowed, [&](const std::string& name) {
        if (!denied.contains(name)) {
            return false;
        }
        report_.notes.push_back("\"" + name +
                                "\" is allowed by one entry and denied by another; denied");
        return true;
    });

    // On i386 the socket and System V IPC calls also go through socketcall and ipc, which
    // carry the real arguments behind a pointer. A file that denies such a call (say socket
    // for NETLINK_AUDIT) and allows the multiplexer without condition has a deny the i386 door
    // walks around (Docker and podman leave it so); the multiplexer is left to the default
    // action instead, so that 32-bit programs lose those calls rather than the deny holding
    // only on x86-64.
    std::set<std::string> multiplexers;
    for (const SyscallRule& rule : policy.rules) {
        if (permits(rule.action)) {
            continue;
        }
        for (const std::string& name : rule.names) {
            int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name.c_str());
            if (nr <= -100 && nr > -200) {
                multiplexers.insert("socketcall");
            } else if (nr <= -200 && nr > -300) {
                multiplexers.insert("ipc");
            }
        }
    }
    std::erase_if(policy.allowed, [&](const std::string& name) {
        if (!multiplexers.contains(name)) {
            return false;
        }
        report_.notes.push_back("\"" + name +
                                "\" left to the default action: behind it, on i386, the file's "
                                "denies of the calls it multiplexes could not be checked");
        return true;
    });
    return policy;
}

bool has_docker_only_keys(const json& doc) {
    for (std::string_view key : kDockerOnly) {
        if (doc.contains(key)) {
            return true;
        }
    }
    if (auto it = doc.find("syscalls"); it != doc.end() && it->is_array()) {
        for (const json& entry : *it) {
            if (entry.is_object()) {
                for (std::string_view key : kDockerOnly) {
                    if (entry.contains(key)) {
                        return true;
                    }
                }
            }
        }
    }
    return false;
}

constexpr std::string_view kSectionKeys[] = {"default_action", "default_errno", "allowed",
                                             "blocked", "rules"};

}  // namespace

std::optional<KernelVersion> parse_kernel_version(std::string_view release) {
    KernelVersion v;
    const char* p = release.data();
    const char* end = release.data() + release.size();
    auto [major_end, e1] = std::from_chars(p, end, v.major);
    if (e1 != std::errc{} || major_end == end || *major_end != '.') {
        return std::nullopt;
    }
    auto [minor_end, e2] = std::from_chars(major_end + 1, end, v.minor);
    if (e2 != std::errc{} || minor_end == major_end + 1) {
        return std::nullopt;
    }
    return v;
}

ImportContext host_import_context(CapSet caps) {
    ImportContext ctx;
    ctx.caps = caps;
    struct utsname name {};
    if (::uname(&name) == 0) {
        // An unparsable release reads as kernel 0.0: every minKernel include then fails,
        // which only leaves calls out.
        ctx.kernel = parse_kernel_version(name.release).value_or(KernelVersion{});
    }
    return ctx;
}

Result<SyscallPolicy> import_policy(const nlohmann::json& doc, const ImportContext& ctx,
                                    const std::string& source, ImportReport* report) {
    ImportReport local;
    ImportReport& out = report != nullptr ? *report : local;
    Reader reader(ctx, source, out);
    if (!doc.is_object()) {
        return reader.error("", "expected a JSON object (a Docker, OCI or containerv policy)");
    }

    if (auto linux_ = doc.find("linux"); linux_ != doc.end()) {
        auto seccomp = linux_->is_object() ? linux_->find("seccomp") : linux_->end();
        if (!linux_->is_object() || seccomp == linux_->end() || seccomp->is_null()) {
            return reader.error("/linux/seccomp", "an OCI config without a seccomp policy");
        }
        out.format = "oci config.json";
        return reader.read(*seccomp, "/linux/seccomp");
    }
    if (doc.contains("defaultAction")) {
        out.format = has_docker_only_keys(doc) ? "docker" : "oci";
        return reader.read(doc, "");
    }
    if (auto sys = doc.find("syscalls"); sys != doc.end() && sys->is_array()) {
        return reader.error("/defaultAction", "missing (a Docker or OCI policy needs one)");
    }

    json section;
    if (auto sys = doc.find("syscalls"); sys != doc.end()) {
        // The section of a profile that extends another is merged with the base's; read
        // alone it would mean something else.
        if (doc.contains("extends")) {
            return reader.error("/extends",
                                "a profile that extends another; its syscall "
                                "section alone is not its policy (use --profile)");
        }
        out.format = "containerv profile";
        section = *sys;
    } else if (std::any_of(std::begin(kSectionKeys), std::end(kSectionKeys),
                           [&](std::string_view k) { return doc.contains(k); })) {
        out.format = "containerv syscalls";
        section = doc;
    } else {
        return reader.error("",
                            "not a seccomp policy: no defaultAction (Docker, OCI), "
                            "linux.seccomp (OCI config.json) or syscalls (containerv)");
    }
    auto parsed = profile_from_json(json{{"syscalls", section}}, source);
    if (!parsed) {
        return parsed.error();
    }
    return parsed->syscalls;
}

Result<SyscallPolicy> import_policy_file(const std::string& path, const ImportContext& ctx,
                                         ImportReport* report) {
    auto text = read_profile_text(path);
    if (!text) {
        return text.error();
    }
    json doc;
    try {
        doc = json::parse(*text);
    } catch (const json::exception& e) {
        // nlohmann's message carries the line and column; its "[json.exception...] " tag
        // says nothing more.
        std::string what = e.what();
        if (auto end = what.find("] "); what.starts_with("[json.") && end != std::string::npos) {
            what.erase(0, end + 2);
        }
        return Error::msg("seccomp import", path + ": " + what);
    }
    // The parser keeps the last of two equal keys; which one the author meant is a guess, and
    // a policy is never guessed wider ({"action": ERRNO, "action": ALLOW}).
    const JsonPositions positions = JsonPositions::scan(*text);
    if (!positions.duplicates().empty()) {
        const auto& [pointer, at] = positions.duplicates().front();
        return Error::msg("seccomp import", fmt::format("{}:{}:{}: {}: key given twice (expected "
                                                        "each key once in an object)",
                                                        path, at.line, at.column, pointer));
    }
    return import_policy(doc, ctx, path, report);
}

}  // namespace containerv::seccomp
