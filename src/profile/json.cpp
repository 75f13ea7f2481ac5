#include "profile/json.hpp"

#include <arpa/inet.h>
#include <seccomp.h>

#include <algorithm>
#include <cmath>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <string_view>

namespace containerv {
namespace {

using nlohmann::json;

// ---- writing -------------------------------------------------------------------------------

// Names in the order of the model's enums.
constexpr std::array<std::string_view, 7> kOpNames = {"==", "!=", "<", "<=", ">", ">=", "&="};
constexpr std::array<std::string_view, 4> kLevelNames = {"permissive", "restricted", "strict",
                                                         "paranoid"};
constexpr std::array<std::string_view, 6> kActionNames = {"allow", "errno", "kill",
                                                          "trap",  "trace", "log"};
constexpr std::array<std::string_view, 3> kWantNames = {"off", "if-available", "required"};

json string_list(const std::vector<std::string>& items) {
    json out = json::array();
    for (const auto& item : items) out.push_back(item);
    return out;
}

template <class T>
json optional_value(const std::optional<T>& value) {
    return value ? json(*value) : json(nullptr);
}

// Empty for a value outside the enum, which the reader then refuses.
std::string_view op_name(ArgCondition::Op op) {
    const auto i = static_cast<std::size_t>(op);
    return i < kOpNames.size() ? kOpNames[i] : std::string_view{};
}

json rule_to_json(const SyscallRule& rule) {
    json args = json::array();
    for (const auto& arg : rule.args) {
        args.push_back({{"index", arg.index},
                        {"op", op_name(arg.op)},
                        {"value", arg.value},
                        {"value_two", arg.value_two}});
    }
    return {{"names", string_list(rule.names)},
            {"action", to_string(rule.action)},
            {"errno", rule.errno_value},
            {"args", std::move(args)}};
}

// ---- reading -------------------------------------------------------------------------------

// Keys of each object, in the order the format documents them (schema/profile.schema.json).
constexpr std::array<std::string_view, 12> kTopKeys = {
    "name",    "extends", "level",    "description", "capabilities", "filesystem",
    "network", "process", "syscalls", "mac",         "resources",    "windows"};
constexpr std::array<std::string_view, 2> kCapabilityKeys = {"allowed", "dropped"};
constexpr std::array<std::string_view, 5> kFilesystemKeys = {
    "read_only_root", "writable_paths", "masked_paths", "read_only_paths", "no_suid"};
constexpr std::array<std::string_view, 3> kNetworkKeys = {"isolated", "allowed_ports",
                                                          "allowed_hosts"};
constexpr std::array<std::string_view, 5> kProcessKeys = {"run_as_user", "run_as_uid", "run_as_gid",
                                                          "no_new_privileges", "no_suid"};
constexpr std::array<std::string_view, 5> kSyscallKeys = {"default_action", "default_errno",
                                                          "allowed", "blocked", "rules"};
constexpr std::array<std::string_view, 4> kRuleKeys = {"names", "action", "errno", "args"};
constexpr std::array<std::string_view, 4> kArgKeys = {"index", "op", "value", "value_two"};
constexpr std::array<std::string_view, 5> kMacKeys = {"landlock", "apparmor", "apparmor_profile",
                                                      "selinux", "selinux_context"};
constexpr std::array<std::string_view, 7> kResourceKeys = {
    "memory", "memory_swap", "cpus", "cpu_weight", "pids", "devices", "rlimits"};
constexpr std::array<std::string_view, 6> kRlimitKeys = {"nofile", "nproc", "core",
                                                         "fsize",  "cpu",   "as"};
constexpr std::array<std::string_view, 4> kWindowsKeys = {"app_container", "integrity_level",
                                                          "capability_sids", "privileges"};

// libseccomp 2.5 refuses SECCOMP_RET_ERRNO data of 4095 (it is MAX_ERRNO, which the kernel
// reads as "no error"), so the highest errno a rule can return is 4094.
constexpr std::uint64_t kMaxErrno = 4094;

// Edit distance, for "did you mean" on a near miss. Two swapped neighbours count as one edit
// (optimal string alignment), since "levle" is one slip, not two.
std::size_t distance(std::string_view a, std::string_view b) {
    // Three rows of the table: two back for a swap, the previous, the current.
    std::vector<std::size_t> before(b.size() + 1);
    std::vector<std::size_t> prev(b.size() + 1);
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                row[j] = std::min(row[j], before[j - 2] + 1);
            }
        }
        std::swap(before, prev);
        std::swap(prev, row);
    }
    return prev[b.size()];
}

// The closest candidate when it is close enough to be a typo, else nothing.
template <class Range>
std::optional<std::string> nearest(std::string_view word, const Range& candidates) {
    std::optional<std::string> best;
    std::size_t best_distance = std::max<std::size_t>(1, std::min<std::size_t>(2, word.size() / 3));
    for (const auto& candidate : candidates) {
        // The distance is at least the difference in length: most candidates end here.
        const std::size_t length = std::string_view(candidate).size();
        if (std::max(length, word.size()) - std::min(length, word.size()) > best_distance) {
            continue;
        }
        const std::size_t d = distance(word, candidate);
        if (d <= best_distance && (!best || d < best_distance)) {
            best = std::string(candidate);
            best_distance = d;
        }
    }
    return best;
}

template <class Range>
std::string suggestion(std::string_view word, const Range& candidates) {
    if (auto near = nearest(word, candidates)) return " (did you mean " + *near + "?)";
    return {};
}

// A near miss gets the one name meant; anything else gets the whole list.
template <class Range>
std::string suggestion_or_list(std::string_view word, const Range& candidates) {
    std::string hint = suggestion(word, candidates);
    if (!hint.empty()) return hint;
    for (const auto& c : candidates) {
        hint += (hint.empty() ? " (expected one of: " : ", ") + std::string(c);
    }
    return hint + ")";
}

// As JSON writes it, so a control character in a bad value cannot garble the one-line error.
std::string in_quotes(std::string_view s) {
    return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string type_word(const json& j) {
    if (j.is_number_float()) {
        // nlohmann-json reads an integer beyond 64 bits as a double.
        const double d = j.get<double>();
        if (d >= 1.8e19 || d <= -9.2e18) return "a number out of range";
        return std::trunc(d) == d ? "a number with a decimal point" : "a number with a fraction";
    }
    if (j.is_number()) return "a number";
    const std::string name = j.type_name();
    return (name == "array" || name == "object" ? "an " : "a ") + name;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::string_view> capability_candidates() {
    std::vector<std::string_view> names;
    for (int cap = 0; cap <= kCapLast; ++cap) names.push_back(capability_name(cap));
    return names;
}

// libseccomp 2.5 has no call to list its table, so it is read back number by number: the
// native numbers (MIPS starts at 4000, its n32 ABI at 6000) and the pseudo numbers libseccomp
// gives calls the native ABI lacks (__PNR_*, -101 down to about -10250).
const std::vector<std::string>& syscall_candidates() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        auto add = [&out](int nr) {
            if (char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr)) {
                out.emplace_back(name);
                std::free(name);
            }
        };
        for (int nr = 0; nr < 6500; ++nr) add(nr);
        for (int nr = -10400; nr <= -100; ++nr) add(nr);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }();
    return names;
}

// Messages for one list item; empty when the item is fine.
std::string path_problem(std::string_view path, bool writable) {
    // "/" and "/*" in writable_paths make the whole root writable (the design's example).
    if (writable && (path == "/" || path == "/*")) return {};
    if (path.empty() || path[0] != '/') {
        return in_quotes(path) + " is not an absolute path (expected a path starting with /)";
    }
    // The plan refuses the same paths: what the plan shows and what the kernel gets must agree.
    std::string normal = std::filesystem::path(path).lexically_normal().string();
    if (normal.size() > 1 && normal.back() == '/') normal.pop_back();
    if (normal != path) {
        return in_quotes(path) + " is not normalised (expected " + in_quotes(normal) + ")";
    }
    if (writable && path.find_first_of(",:\\") != std::string_view::npos) {
        return in_quotes(path) +
               " contains ',', ':' or '\\' (overlayfs options cannot carry "
               "them; expected a path without them)";
    }
    return {};
}

std::string writable_path_problem(std::string_view path) {
    return path_problem(path, true);
}
std::string other_path_problem(std::string_view path) {
    return path_problem(path, false);
}

std::optional<unsigned> port_number(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value < 1 || value > 65535) return std::nullopt;
    return value;
}

// "tcp:80", "udp:53", or a range "tcp:8000-8080".
std::string port_problem(std::string_view spec) {
    const std::string expected = " (expected tcp:PORT, udp:PORT or tcp:LOW-HIGH, ports 1-65535)";
    const auto colon = spec.find(':');
    const std::string_view proto = spec.substr(0, colon);
    if (colon == std::string_view::npos || (proto != "tcp" && proto != "udp")) {
        return in_quotes(spec) + " names no protocol" + expected;
    }
    const std::string_view ports = spec.substr(colon + 1);
    const auto dash = ports.find('-');
    const auto low = port_number(ports.substr(0, dash));
    const auto high = dash == std::string_view::npos ? low : port_number(ports.substr(dash + 1));
    if (!low || !high) return in_quotes(spec) + " is not a port or port range" + expected;
    if (*low > *high) return in_quotes(spec) + " is an empty range" + expected;
    return {};
}

// "*", an IPv4 or IPv6 address, either with a /PREFIX, or a host name (resolved once when a
// sandbox starts). A pattern such as "*.example.com" is refused: a name's addresses can be
// known at start, a pattern's cannot, and the kernel filters addresses.
std::string host_problem(std::string_view spec) {
    const std::string expected =
        " (expected \"*\", an IPv4 or IPv6 address, ADDRESS/PREFIX, or a host name)";
    if (spec == "*") return {};
    if (spec.find('*') != std::string_view::npos)
        return in_quotes(spec) + " is a pattern, which cannot be enforced (addresses are " +
               "resolved once at start; list each host name)" + expected;
    std::string text(spec);
    std::string prefix;
    if (auto slash = text.find('/'); slash != std::string::npos) {
        prefix = text.substr(slash + 1);
        text.resize(slash);
    }
    unsigned char buf[16];
    const bool v4 = inet_pton(AF_INET, text.c_str(), buf) == 1;
    const bool v6 = !v4 && inet_pton(AF_INET6, text.c_str(), buf) == 1;
    if (!prefix.empty() || spec.find('/') != std::string_view::npos) {
        const int max = v4 ? 32 : 128;
        if (!v4 && !v6) return in_quotes(spec) + " is not an address with a prefix" + expected;
        if (prefix.empty() || prefix.size() > 3 ||
            prefix.find_first_not_of("0123456789") != std::string::npos || std::stoi(prefix) > max)
            return in_quotes(spec) + " has a bad prefix length (0-" + std::to_string(max) + ")" +
                   expected;
        return {};
    }
    if (v4 || v6) return {};
    // A DNS name: labels of letters, digits and '-', not at a label's ends.
    if (text.empty() || text.size() > 253) return in_quotes(spec) + " is not a host" + expected;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t dot = text.find('.', start);
        if (dot == std::string::npos) dot = text.size();
        const std::string label = text.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
            label.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789-") != std::string::npos)
            return in_quotes(spec) + " is not a host name or address" + expected;
        start = dot + 1;
        if (dot == text.size()) break;
    }
    return {};
}

// "/dev/fuse" or "/dev/fuse:rwm": a host device path under /dev and what the sandbox may do
// with it (r read, w write, m mknod), rw when not given.
std::string device_problem(std::string_view spec) {
    const std::string expected = " (expected /dev/NAME or /dev/NAME:ACCESS, ACCESS of r, w, m)";
    const auto colon = spec.find(':');
    const std::string_view path = spec.substr(0, colon);
    if (!path.starts_with("/dev/")) return in_quotes(spec) + " is not a path under /dev" + expected;
    if (std::string what = path_problem(path, false); !what.empty()) return what;
    if (colon != std::string_view::npos) {
        const std::string_view access = spec.substr(colon + 1);
        if (access.empty() || access.size() > 3 ||
            access.find_first_not_of("rwm") != std::string_view::npos)
            return in_quotes(spec) + " has a bad access " + in_quotes(access) + expected;
    }
    return {};
}

std::string syscall_problem(std::string_view name) {
    if (syscall_name_known(name)) return {};
    std::string hint = suggestion(name, syscall_candidates());
    if (hint.empty()) hint = " (not in libseccomp's table for this architecture)";
    return "unknown syscall " + in_quotes(name) + hint;
}

// An SELinux context is USER:ROLE:TYPE, optionally :LEVEL (s0, s0-s0:c0.c1023). Checked for
// shape always, since a typo would only surface on a host with SELinux.
std::string selinux_context_problem(std::string_view context) {
    const std::string expected =
        " (expected USER:ROLE:TYPE[:LEVEL], e.g. "
        "system_u:system_r:container_t:s0)";
    auto ident = [](std::string_view part) {
        return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        });
    };
    std::string_view rest = context;
    for (int i = 0; i < 3; ++i) {
        auto colon = rest.find(':');
        std::string_view part = rest.substr(0, colon);
        if (!ident(part)) return in_quotes(context) + " is not an SELinux context" + expected;
        if (colon == std::string_view::npos) {
            if (i < 2) return in_quotes(context) + " is not an SELinux context" + expected;
            return "";
        }
        rest = rest.substr(colon + 1);
    }
    bool level_ok = !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ',' || c == ':' ||
               c == '-' || c == '_';
    });
    if (!level_ok) return in_quotes(context) + " has no valid MLS level" + expected;
    return "";
}

using ItemCheck = std::string (*)(std::string_view);

// Walks the document and collects every problem; each reader checks what it reads and goes on,
// so one document gets one complete list.
class Reader {
public:
    // `removals`: "-ENTRY" list items are removals from an inherited list (a document with
    // "extends"); their ENTRY is checked.
    explicit Reader(bool removals) : removals_(removals) {}

    std::vector<JsonProblem>& problems() { return problems_; }

    void fail(const std::string& pointer, const std::string& what, bool at_key = false) {
        problems_.push_back({pointer, what, at_key});
    }

    // False, with a problem, when `j` is no object; every key not in `keys` is a problem.
    template <std::size_t N>
    bool object(const json& j, const std::string& pointer,
                const std::array<std::string_view, N>& keys) {
        if (!j.is_object()) {
            fail(pointer, "expected an object, got " + type_word(j));
            return false;
        }
        for (const auto& [key, value] : j.items()) {
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
                fail(at(pointer, key),
                     "unknown key " + in_quotes(key) + suggestion_or_list(key, keys), true);
            }
        }
        return true;
    }

    static const json* member(const json& obj, std::string_view key) {
        if (!obj.is_object()) return nullptr;
        auto it = obj.find(key);
        return it == obj.end() ? nullptr : &*it;
    }

    void boolean(const json& obj, const std::string& pointer, std::string_view key, bool& out) {
        const json* j = member(obj, key);
        if (!j) return;
        if (!j->is_boolean()) return wrong_type(*j, at(pointer, key), "a boolean");
        out = j->get<bool>();
    }

    void string(const json& obj, const std::string& pointer, std::string_view key,
                std::string& out) {
        const json* j = member(obj, key);
        if (!j) return;
        if (!j->is_string()) return wrong_type(*j, at(pointer, key), "a string");
        out = j->get<std::string>();
    }

    // A list of strings; `check` (if any) judges each item, after a removal's "-".
    void strings(const json& obj, const std::string& pointer, std::string_view key,
                 std::vector<std::string>& out, ItemCheck check = nullptr) {
        const json* j = member(obj, key);
        if (!j) return;
        const std::string here = at(pointer, key);
        if (!j->is_array()) return wrong_type(*j, here, "an array of strings");
        out.clear();
        for (std::size_t i = 0; i < j->size(); ++i) {
            const json& item = (*j)[i];
            const std::string item_ptr = here + "/" + std::to_string(i);
            if (!item.is_string()) {
                wrong_type(item, item_ptr, "a string");
                continue;
            }
            out.push_back(item.get<std::string>());
            if (!check) continue;
            bool removal = false;
            const std::string_view entry = subject(out.back(), removal);
            if (std::string what = check(entry); !what.empty()) {
                fail(item_ptr, what + removal_hint(out.back(), removal));
            }
        }
    }

    // An integer in [lo, hi]; nullopt after a problem.
    std::optional<std::uint64_t> integer(const json& j, const std::string& pointer,
                                         std::uint64_t lo, std::uint64_t hi) {
        if (!j.is_number_integer()) {
            wrong_type(j, pointer, "an integer");
            return std::nullopt;
        }
        // A negative number reads as a huge unsigned one; it is out of range either way.
        const bool negative = !j.is_number_unsigned() && j.get<std::int64_t>() < 0;
        const auto value = j.get<std::uint64_t>();
        if (negative || value < lo || value > hi) {
            fail(pointer, "expected an integer from " + std::to_string(lo) + " to " +
                              std::to_string(hi) + ", got " + j.dump());
            return std::nullopt;
        }
        return value;
    }

    // An optional integer: absent keeps the model's default, null unsets it.
    template <class T>
    void optional_integer(const json& obj, const std::string& pointer, std::string_view key,
                          std::optional<T>& out) {
        const json* j = member(obj, key);
        if (!j) return;
        if (j->is_null()) {
            out.reset();
            return;
        }
        if (auto v = integer(*j, at(pointer, key), 0, std::numeric_limits<T>::max())) {
            out = static_cast<T>(*v);
        }
    }

    void wrong_type(const json& j, const std::string& pointer, std::string_view expected) {
        fail(pointer, "expected " + std::string(expected) + ", got " + type_word(j));
    }

    // The entry an item is about: without the "-" of a removal.
    std::string_view subject(std::string_view item, bool& removal) const {
        removal = removals_ && item.starts_with('-');
        return removal ? item.substr(1) : item;
    }

    // Said when a rejected item looks like a removal in a document that inherits nothing.
    std::string removal_hint(std::string_view item, bool removal) const {
        if (removal || !item.starts_with('-')) return {};
        return " (a leading \"-\" removes an inherited entry, only in a profile with \"extends\")";
    }

    static std::string at(const std::string& pointer, std::string_view key) {
        return pointer + "/" + pointer_token(key);
    }

private:
    bool removals_;
    std::vector<JsonProblem> problems_;
};

void read_capabilities(Reader& r, const json& j, const std::string& pointer, CapSet& out) {
    if (!j.is_array()) return r.wrong_type(j, pointer, "an array of capability names");
    out = 0;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string here = pointer + "/" + std::to_string(i);
        const json& item = j[i];
        if (!item.is_string()) {
            r.wrong_type(item, here, "a capability name");
            continue;
        }
        const auto name = item.get<std::string>();
        bool removal = false;
        const std::string_view entry = r.subject(name, removal);
        const auto cap = capability_from_name(entry);
        if (!cap) {
            std::string key = upper(entry);
            if (key.starts_with("CAP_")) key.erase(0, 4);
            std::string hint = suggestion(key, capability_candidates());
            if (hint.empty()) hint = " (expected a kernel capability name such as NET_RAW)";
            r.fail(here,
                   "unknown capability " + in_quotes(entry) + hint + r.removal_hint(name, removal));
            continue;
        }
        // A removal names what to take away from the inherited set, not a member of this one.
        if (!removal) out |= cap_bit(*cap);
    }
}

template <class Enum, class Parse>
void read_enum(Reader& r, const json& obj, const std::string& pointer, std::string_view key,
               std::string_view what, std::span<const std::string_view> names, Parse parse,
               Enum& out) {
    const json* j = Reader::member(obj, key);
    if (!j) return;
    const std::string here = Reader::at(pointer, key);
    if (!j->is_string()) return r.wrong_type(*j, here, "a string");
    const auto name = j->get<std::string>();
    if (auto value = parse(name)) {
        out = *value;
        return;
    }
    r.fail(here, "unknown " + std::string(what) + " " + in_quotes(name) +
                     suggestion_or_list(name, names));
}

std::optional<ArgCondition::Op> op_from_string(std::string_view s) {
    for (std::size_t k = 0; k < kOpNames.size(); ++k) {
        if (kOpNames[k] == s) return static_cast<ArgCondition::Op>(k);
    }
    return std::nullopt;
}

void read_arg(Reader& r, const json& a, const std::string& here, ArgCondition& cond) {
    if (!r.object(a, here, kArgKeys)) return;
    if (const json* idx = Reader::member(a, "index")) {
        if (auto v = r.integer(*idx, here + "/index", 0, 5)) cond.index = unsigned(*v);
    }
    read_enum(r, a, here, "op", "comparison", kOpNames, op_from_string, cond.op);
    constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
    if (const json* v = Reader::member(a, "value")) {
        if (auto n = r.integer(*v, here + "/value", 0, kMax)) cond.value = *n;
    }
    if (const json* v = Reader::member(a, "value_two")) {
        if (auto n = r.integer(*v, here + "/value_two", 0, kMax)) cond.value_two = *n;
    }
    // Only masked equality reads a second value; one given to another comparison says the
    // author meant something the rule does not do.
    if (cond.op != ArgCondition::Op::masked_eq && cond.value_two != 0)
        r.fail(here + "/value_two", "value_two is only used by \"&=\" (masked equality)");
}

void read_rule(Reader& r, const json& j, const std::string& pointer, SyscallRule& rule) {
    if (!r.object(j, pointer, kRuleKeys)) return;
    r.strings(j, pointer, "names", rule.names, syscall_problem);
    read_enum(r, j, pointer, "action", "syscall action", kActionNames, syscall_action_from_string,
              rule.action);
    // 0 means the policy's default_errno.
    if (const json* e = Reader::member(j, "errno")) {
        if (auto v = r.integer(*e, pointer + "/errno", 0, kMaxErrno)) rule.errno_value = int(*v);
    }

    if (const json* args = Reader::member(j, "args")) {
        const std::string args_ptr = pointer + "/args";
        if (!args->is_array()) {
            r.wrong_type(*args, args_ptr, "an array");
        } else {
            std::set<unsigned> seen;
            for (std::size_t i = 0; i < args->size(); ++i) {
                ArgCondition cond;
                const std::string here = args_ptr + "/" + std::to_string(i);
                const std::size_t before = r.problems().size();
                read_arg(r, (*args)[i], here, cond);
                // libseccomp refuses a second comparison of one argument (EINVAL at rule add).
                if (r.problems().size() == before && !seen.insert(cond.index).second) {
                    r.fail(here, "a second condition on argument " + std::to_string(cond.index) +
                                     " (libseccomp takes one per argument; expected each "
                                     "index once in a rule)");
                }
                rule.args.push_back(cond);
            }
        }
    }

    // Last, so that a document's first problem stays the one the reader always reported first.
    const json* names = Reader::member(j, "names");
    if (!names || (names->is_array() && names->empty())) {
        r.fail(pointer + (names ? "/names" : ""),
               "the rule names no syscall (expected \"names\" with at least one name)");
    }
}

void read_syscalls(Reader& r, const json& j, const std::string& pointer, SyscallPolicy& out) {
    if (!r.object(j, pointer, kSyscallKeys)) return;
    read_enum(r, j, pointer, "default_action", "syscall action", kActionNames,
              syscall_action_from_string, out.default_action);
    if (const json* e = Reader::member(j, "default_errno")) {
        if (auto v = r.integer(*e, pointer + "/default_errno", 1, kMaxErrno)) {
            out.default_errno = int(*v);
        }
    }
    r.strings(j, pointer, "allowed", out.allowed, syscall_problem);
    r.strings(j, pointer, "blocked", out.blocked, syscall_problem);

    const json* rules = Reader::member(j, "rules");
    if (!rules) return;
    const std::string rules_ptr = pointer + "/rules";
    if (!rules->is_array()) return r.wrong_type(*rules, rules_ptr, "an array");
    out.rules.clear();
    for (std::size_t i = 0; i < rules->size(); ++i) {
        SyscallRule rule;
        read_rule(r, (*rules)[i], rules_ptr + "/" + std::to_string(i), rule);
        out.rules.push_back(std::move(rule));
    }
}

void read_cpus(Reader& r, const json& obj, const std::string& pointer, ResourcePolicy& out) {
    const json* j = Reader::member(obj, "cpus");
    if (!j) return;
    if (j->is_null()) {
        out.cpus.reset();
        return;
    }
    const std::string here = pointer + "/cpus";
    if (!j->is_number()) return r.wrong_type(*j, here, "a number");
    const double cpus = j->get<double>();
    if (!(cpus > 0)) return r.fail(here, "expected a number above 0, got " + j->dump());
    out.cpus = cpus;
}

// An optional integer from lo to hi: absent keeps the default, null unsets it.
void bounded(Reader& r, const json& obj, const std::string& pointer, std::string_view key,
             std::uint64_t lo, std::uint64_t hi, std::optional<std::uint64_t>& out) {
    const json* j = Reader::member(obj, key);
    if (!j) return;
    if (j->is_null()) {
        out.reset();
        return;
    }
    if (auto v = r.integer(*j, pointer + "/" + std::string(key), lo, hi)) out = *v;
}

void read_resources(Reader& r, const json& res, const std::string& ptr, ResourcePolicy& out) {
    constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max();
    // Below a MiB no program starts; the kernel would take it and kill everything at once.
    bounded(r, res, ptr, "memory", 1 << 20, kMax, out.memory_bytes);
    bounded(r, res, ptr, "memory_swap", 0, kMax, out.swap_bytes);
    read_cpus(r, res, ptr, out);
    bounded(r, res, ptr, "cpu_weight", 1, 10000, out.cpu_weight);
    // containerv's own pid 1 counts: a limit of 1 could never start the command.
    bounded(r, res, ptr, "pids", 2, kMax, out.pids);
    r.strings(res, ptr, "devices", out.devices, device_problem);
    if (out.swap_bytes && !out.memory_bytes && Reader::member(res, "memory_swap"))
        r.fail(ptr + "/memory_swap",
               "swap is limited on top of memory (expected \"memory\" to be set too)");
    const json* lim = Reader::member(res, "rlimits");
    if (!lim) return;
    const std::string here = ptr + "/rlimits";
    if (!r.object(*lim, here, kRlimitKeys)) return;
    Rlimits& l = out.rlimits;
    bounded(r, *lim, here, "nofile", 1, 1 << 20, l.nofile);  // fs.nr_open's default ceiling
    bounded(r, *lim, here, "nproc", 1, kMax, l.nproc);
    bounded(r, *lim, here, "core", 0, kMax, l.core);
    bounded(r, *lim, here, "fsize", 0, kMax, l.fsize);
    bounded(r, *lim, here, "cpu", 1, kMax - 1, l.cpu_seconds);
    bounded(r, *lim, here, "as", 1 << 20, kMax, l.address_space);
}

// no_suid under filesystem or process (the design's two examples differ); unset when neither.
std::optional<bool> read_no_suid(Reader& r, const json& j) {
    std::optional<bool> fs_no_suid;
    std::optional<bool> process_no_suid;
    const json* fs = Reader::member(j, "filesystem");
    const json* proc = Reader::member(j, "process");
    if (fs && Reader::member(*fs, "no_suid")) {
        bool v = true;
        const std::size_t before = r.problems().size();
        r.boolean(*fs, "/filesystem", "no_suid", v);
        if (r.problems().size() == before) fs_no_suid = v;
    }
    if (proc && Reader::member(*proc, "no_suid")) {
        bool v = true;
        const std::size_t before = r.problems().size();
        r.boolean(*proc, "/process", "no_suid", v);
        if (r.problems().size() == before) process_no_suid = v;
    }
    // A file that sets it in both must agree with itself.
    if (fs_no_suid && process_no_suid && *fs_no_suid != *process_no_suid) {
        r.fail("/process/no_suid", std::string(*process_no_suid ? "true" : "false") +
                                       " contradicts /filesystem/no_suid (expected the same "
                                       "value in both, or one of them)");
    }
    return process_no_suid ? process_no_suid : fs_no_suid;
}

// Reads every field into `p` and collects every problem in `r`.
void read_profile(Reader& r, const json& j, Profile& p) {
    if (!r.object(j, "", kTopKeys)) return;
    if (const json* e = Reader::member(j, "extends"); e && !e->is_string()) {
        r.wrong_type(*e, "/extends", "a profile name");
    }
    r.string(j, "", "name", p.name);
    read_enum(r, j, "", "level", "level", kLevelNames, level_from_string, p.level);
    r.string(j, "", "description", p.description);

    if (const json* caps = Reader::member(j, "capabilities")) {
        if (r.object(*caps, "/capabilities", kCapabilityKeys)) {
            if (const json* a = Reader::member(*caps, "allowed")) {
                read_capabilities(r, *a, "/capabilities/allowed", p.allowed_caps);
            }
            if (const json* d = Reader::member(*caps, "dropped")) {
                read_capabilities(r, *d, "/capabilities/dropped", p.dropped_caps);
            }
        }
    }

    if (const json* fs = Reader::member(j, "filesystem")) {
        const std::string ptr = "/filesystem";
        if (r.object(*fs, ptr, kFilesystemKeys)) {
            r.boolean(*fs, ptr, "read_only_root", p.filesystem.read_only_root);
            r.strings(*fs, ptr, "writable_paths", p.filesystem.writable_paths,
                      writable_path_problem);
            r.strings(*fs, ptr, "masked_paths", p.filesystem.masked_paths, other_path_problem);
            r.strings(*fs, ptr, "read_only_paths", p.filesystem.read_only_paths,
                      other_path_problem);
        }
    }

    if (const json* net = Reader::member(j, "network")) {
        const std::string ptr = "/network";
        if (r.object(*net, ptr, kNetworkKeys)) {
            r.boolean(*net, ptr, "isolated", p.network.isolated);
            r.strings(*net, ptr, "allowed_ports", p.network.allowed_ports, port_problem);
            r.strings(*net, ptr, "allowed_hosts", p.network.allowed_hosts, host_problem);
        }
    }

    if (const json* proc = Reader::member(j, "process")) {
        const std::string ptr = "/process";
        if (r.object(*proc, ptr, kProcessKeys)) {
            r.string(*proc, ptr, "run_as_user", p.process.run_as_user);
            r.optional_integer(*proc, ptr, "run_as_uid", p.process.uid);
            r.optional_integer(*proc, ptr, "run_as_gid", p.process.gid);
            r.boolean(*proc, ptr, "no_new_privileges", p.process.no_new_privileges);
        }
    }

    if (auto no_suid = read_no_suid(r, j)) p.filesystem.no_suid = *no_suid;

    if (const json* sys = Reader::member(j, "syscalls")) {
        read_syscalls(r, *sys, "/syscalls", p.syscalls);
    }

    if (const json* mac = Reader::member(j, "mac")) {
        const std::string ptr = "/mac";
        if (r.object(*mac, ptr, kMacKeys)) {
            read_enum(r, *mac, ptr, "landlock", "value", kWantNames, want_from_string,
                      p.mac.landlock);
            read_enum(r, *mac, ptr, "apparmor", "value", kWantNames, want_from_string,
                      p.mac.apparmor);
            r.string(*mac, ptr, "apparmor_profile", p.mac.apparmor_profile);
            read_enum(r, *mac, ptr, "selinux", "value", kWantNames, want_from_string,
                      p.mac.selinux);
            r.string(*mac, ptr, "selinux_context", p.mac.selinux_context);
            if (!p.mac.selinux_context.empty())
                if (auto problem = selinux_context_problem(p.mac.selinux_context); !problem.empty())
                    r.fail(ptr + "/selinux_context", problem);
        }
    }

    if (const json* res = Reader::member(j, "resources")) {
        const std::string ptr = "/resources";
        if (r.object(*res, ptr, kResourceKeys)) {
            read_resources(r, *res, ptr, p.resources);
        }
    }

    if (const json* win = Reader::member(j, "windows")) {
        const std::string ptr = "/windows";
        if (r.object(*win, ptr, kWindowsKeys)) {
            r.boolean(*win, ptr, "app_container", p.windows.app_container);
            r.string(*win, ptr, "integrity_level", p.windows.integrity_level);
            r.strings(*win, ptr, "capability_sids", p.windows.capability_sids);
            r.strings(*win, ptr, "privileges", p.windows.privileges);
        }
    }
}

// ---- extends -------------------------------------------------------------------------------

// What two list items are compared by: capabilities by kernel number, the rest as written.
json list_key(const json& item, bool capabilities) {
    if (capabilities && item.is_string()) {
        if (auto cap = capability_from_name(item.get<std::string>())) return *cap;
    }
    return item;
}

bool is_removal(const json& item) {
    return item.is_string() && item.get_ref<const std::string&>().starts_with('-');
}

// "-ENTRY" removes ENTRY from the inherited list; other entries are added unless present.
json merge_list(const json& base, const json& child, bool capabilities) {
    std::set<json> removed;
    for (const json& item : child) {
        if (is_removal(item)) {
            removed.insert(list_key(json(item.get<std::string>().substr(1)), capabilities));
        }
    }
    json out = json::array();
    std::set<json> present;
    auto add = [&](const json& item) {
        if (present.insert(list_key(item, capabilities)).second) out.push_back(item);
    };
    if (base.is_array()) {
        for (const json& item : base) {
            if (!removed.contains(list_key(item, capabilities))) add(item);
        }
    }
    for (const json& item : child) {
        if (!is_removal(item)) add(item);
    }
    return out;
}

// `base` may be null (the base has no such member).
json merge_value(const json& base, const json& child, const std::string& pointer) {
    if (child.is_object()) {
        json out = base.is_object() ? base : json::object();
        for (const auto& [key, value] : child.items()) {
            if (pointer.empty() && key == "extends") continue;
            const auto it = out.find(key);
            json inherited = it == out.end() ? json() : *it;
            out[key] = merge_value(inherited, value, pointer + "/" + pointer_token(key));
        }
        return out;
    }
    if (child.is_array()) return merge_list(base, child, pointer.starts_with("/capabilities/"));
    return child;
}

// no_suid moved under "filesystem", so that a child's process.no_suid overrides a base's
// filesystem.no_suid instead of contradicting it.
json with_no_suid_under_filesystem(json doc) {
    auto proc = doc.find("process");
    if (proc == doc.end() || !proc->is_object() || !proc->contains("no_suid")) return doc;
    json value = (*proc)["no_suid"];
    proc->erase("no_suid");
    doc["filesystem"]["no_suid"] = std::move(value);
    return doc;
}

}  // namespace

nlohmann::json profile_to_json(const Profile& p) {
    json rules = json::array();
    for (const auto& rule : p.syscalls.rules) rules.push_back(rule_to_json(rule));

    return {
        {"name", p.name},
        {"level", to_string(p.level)},
        {"description", p.description},
        {"capabilities",
         {{"allowed", string_list(capability_names(p.allowed_caps))},
          {"dropped", string_list(capability_names(p.dropped_caps))}}},
        {"filesystem",
         {{"read_only_root", p.filesystem.read_only_root},
          {"writable_paths", string_list(p.filesystem.writable_paths)},
          {"masked_paths", string_list(p.filesystem.masked_paths)},
          {"read_only_paths", string_list(p.filesystem.read_only_paths)},
          {"no_suid", p.filesystem.no_suid}}},
        {"network",
         {{"isolated", p.network.isolated},
          {"allowed_ports", string_list(p.network.allowed_ports)},
          {"allowed_hosts", string_list(p.network.allowed_hosts)}}},
        {"process",
         {{"run_as_user", p.process.run_as_user},
          {"run_as_uid", optional_value(p.process.uid)},
          {"run_as_gid", optional_value(p.process.gid)},
          {"no_new_privileges", p.process.no_new_privileges}}},
        {"syscalls",
         {{"default_action", to_string(p.syscalls.default_action)},
          {"default_errno", p.syscalls.default_errno},
          {"allowed", string_list(p.syscalls.allowed)},
          {"blocked", string_list(p.syscalls.blocked)},
          {"rules", std::move(rules)}}},
        {"mac",
         {{"landlock", to_string(p.mac.landlock)},
          {"apparmor", to_string(p.mac.apparmor)},
          {"apparmor_profile", p.mac.apparmor_profile},
          {"selinux", to_string(p.mac.selinux)},
          {"selinux_context", p.mac.selinux_context}}},
        {"resources",
         {{"memory", optional_value(p.resources.memory_bytes)},
          {"memory_swap", optional_value(p.resources.swap_bytes)},
          {"cpus", optional_value(p.resources.cpus)},
          {"cpu_weight", optional_value(p.resources.cpu_weight)},
          {"pids", optional_value(p.resources.pids)},
          {"devices", string_list(p.resources.devices)},
          {"rlimits",
           {{"nofile", optional_value(p.resources.rlimits.nofile)},
            {"nproc", optional_value(p.resources.rlimits.nproc)},
            {"core", optional_value(p.resources.rlimits.core)},
            {"fsize", optional_value(p.resources.rlimits.fsize)},
            {"cpu", optional_value(p.resources.rlimits.cpu_seconds)},
            {"as", optional_value(p.resources.rlimits.address_space)}}}}},
        {"windows",
         {{"app_container", p.windows.app_container},
          {"integrity_level", p.windows.integrity_level},
          {"capability_sids", string_list(p.windows.capability_sids)},
          {"privileges", string_list(p.windows.privileges)}}},
    };
}

Result<Profile> profile_from_json(const nlohmann::json& j, const std::string& source) {
    Reader r(false);
    Profile p;
    read_profile(r, j, p);
    if (Reader::member(j, "extends")) {
        r.fail("/extends",
               "\"extends\" is resolved by the profile store (expected the file to "
               "be loaded with containerv profile commands or ProfileStore)");
    }
    if (r.problems().empty()) return p;
    const JsonProblem& first = r.problems().front();
    const std::string where = first.pointer.empty() ? "" : first.pointer + ": ";
    return Error::msg("profile", source + ": " + where + first.message);
}

std::vector<JsonProblem> profile_json_problems(const nlohmann::json& j) {
    Reader r(j.is_object() && j.contains("extends"));
    Profile ignored;
    read_profile(r, j, ignored);
    return std::move(r.problems());
}

nlohmann::json merge_extends(const nlohmann::json& base, const nlohmann::json& child) {
    return merge_value(with_no_suid_under_filesystem(base), with_no_suid_under_filesystem(child),
                       "");
}

bool syscall_name_known(std::string_view name) {
    // An empty name would resolve to nothing anyway; a NUL inside would cut the C string.
    if (name.empty() || name.find('\0') != std::string_view::npos) return false;
    return seccomp_syscall_resolve_name(std::string(name).c_str()) != __NR_SCMP_ERROR;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    return suggestion(word, candidates);
}

// RFC 6901: "~" and "/" in a key are escaped.
std::string pointer_token(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace containerv
