#include "profile/json.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <limits>
#include <optional>
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

// Edit distance, for "did you mean" on a near miss.
std::size_t distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The closest candidate when it is close enough to be a typo, else nothing.
template <class Range>
std::optional<std::string> nearest(std::string_view word, const Range& candidates) {
    std::optional<std::string> best;
    std::size_t best_distance = std::max<std::size_t>(1, std::min<std::size_t>(2, word.size() / 3));
    for (const auto& candidate : candidates) {
        const std::size_t d = distance(word, candidate);
        if (d <= best_distance && (!best || d < best_distance)) {
            best = std::string(candidate);
            best_distance = d;
        }
    }
    return best;
}

std::string suggestion(std::string_view word, const auto& candidates) {
    if (auto near = nearest(word, candidates)) return " (did you mean " + *near + "?)";
    return {};
}

// As JSON writes it, so a control character in a bad value cannot garble the one-line error.
std::string in_quotes(std::string_view s) {
    return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
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

std::string type_word(const json& j) {
    if (j.is_number_float()) return "a number with a fraction";
    if (j.is_number()) return "a number";
    const std::string name = j.type_name();
    return (name == "array" || name == "object" ? "an " : "a ") + name;
}

// Walks the document and keeps the first error, so the field readers below stay flat; every
// read after a failure does nothing.
class Reader {
public:
    explicit Reader(const std::string& source) : source_(source) {}

    bool failed() const { return error_.has_value(); }
    const Error& error() const { return *error_; }

    void fail(const std::string& pointer, const std::string& what) {
        if (failed()) return;
        const std::string where = pointer.empty() ? "" : pointer + ": ";
        error_ = Error::msg("profile", source_ + ": " + where + what);
    }

    // False, with the error kept, when `j` is no object or has a key not in `keys`.
    bool object(const json& j, const std::string& pointer,
                std::initializer_list<std::string_view> keys) {
        if (failed()) return false;
        if (!j.is_object()) {
            fail(pointer, "expected an object, got " + type_word(j));
            return false;
        }
        for (const auto& [key, value] : j.items()) {
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
                fail(pointer + "/" + pointer_token(key),
                     "unknown key " + in_quotes(key) + suggestion(key, keys));
                return false;
            }
        }
        return true;
    }

    const json* member(const json& obj, std::string_view key) const {
        if (failed() || !obj.is_object()) return nullptr;
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

    void strings(const json& obj, const std::string& pointer, std::string_view key,
                 std::vector<std::string>& out) {
        const json* j = member(obj, key);
        if (!j) return;
        const std::string here = at(pointer, key);
        if (!j->is_array()) return wrong_type(*j, here, "an array of strings");
        out.clear();
        for (std::size_t i = 0; i < j->size(); ++i) {
            const json& item = (*j)[i];
            if (!item.is_string()) {
                return wrong_type(item, here + "/" + std::to_string(i), "a string");
            }
            out.push_back(item.get<std::string>());
        }
    }

    // An integer in [lo, hi]; nullopt after an error.
    std::optional<std::uint64_t> integer(const json& j, const std::string& pointer,
                                         std::uint64_t lo, std::uint64_t hi) {
        if (failed()) return std::nullopt;
        if (!j.is_number_integer()) {
            wrong_type(j, pointer, "an integer");
            return std::nullopt;
        }
        // A negative number reads as a huge unsigned one; it is out of range either way.
        const bool negative = !j.is_number_unsigned() && j.get<std::int64_t>() < 0;
        const auto value = j.get<std::uint64_t>();
        if (negative || value < lo || value > hi) {
            fail(pointer, "expected an integer from " + std::to_string(lo) + " to "
                              + std::to_string(hi) + ", got " + j.dump());
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

    static std::string at(const std::string& pointer, std::string_view key) {
        return pointer + "/" + pointer_token(key);
    }

private:
    const std::string& source_;
    std::optional<Error> error_;
};

std::vector<std::string_view> capability_candidates() {
    std::vector<std::string_view> names;
    for (int cap = 0; cap <= kCapLast; ++cap) names.push_back(capability_name(cap));
    return names;
}

void read_capabilities(Reader& r, const json& j, const std::string& pointer, CapSet& out) {
    if (!j.is_array()) return r.wrong_type(j, pointer, "an array of capability names");
    out = 0;
    for (std::size_t i = 0; i < j.size() && !r.failed(); ++i) {
        const std::string here = pointer + "/" + std::to_string(i);
        const json& item = j[i];
        if (!item.is_string()) return r.wrong_type(item, here, "a capability name");
        const auto name = item.get<std::string>();
        const auto cap = capability_from_name(name);
        if (!cap) {
            std::string key = name;
            for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (key.starts_with("CAP_")) key.erase(0, 4);
            return r.fail(here, "unknown capability " + in_quotes(name)
                                    + suggestion(key, capability_candidates()));
        }
        out |= cap_bit(*cap);
    }
}

template <class Enum, class Parse>
void read_enum(Reader& r, const json& obj, const std::string& pointer, std::string_view key,
               std::string_view what, std::span<const std::string_view> names, Parse parse,
               Enum& out) {
    const json* j = r.member(obj, key);
    if (!j) return;
    const std::string here = Reader::at(pointer, key);
    if (!j->is_string()) return r.wrong_type(*j, here, "a string");
    const auto name = j->get<std::string>();
    if (auto value = parse(name)) {
        out = *value;
        return;
    }
    // A near miss gets the one name meant; anything else gets the whole list.
    std::string hint = suggestion(name, names);
    if (hint.empty()) {
        for (auto n : names) hint += (hint.empty() ? " (expected one of: " : ", ") + std::string(n);
        hint += ")";
    }
    r.fail(here, "unknown " + std::string(what) + " " + in_quotes(name) + hint);
}

void read_rule(Reader& r, const json& j, const std::string& pointer, SyscallRule& rule) {
    if (!r.object(j, pointer, {"names", "action", "errno", "args"})) return;
    r.strings(j, pointer, "names", rule.names);
    read_enum(r, j, pointer, "action", "syscall action", kActionNames,
              syscall_action_from_string, rule.action);
    if (const json* e = r.member(j, "errno")) {
        if (auto v = r.integer(*e, pointer + "/errno", 0, 4095)) rule.errno_value = int(*v);
    }

    const json* args = r.member(j, "args");
    if (!args) return;
    const std::string args_ptr = pointer + "/args";
    if (!args->is_array()) return r.wrong_type(*args, args_ptr, "an array");
    for (std::size_t i = 0; i < args->size() && !r.failed(); ++i) {
        const json& a = (*args)[i];
        const std::string here = args_ptr + "/" + std::to_string(i);
        if (!r.object(a, here, {"index", "op", "value", "value_two"})) return;
        ArgCondition cond;
        if (const json* idx = r.member(a, "index")) {
            if (auto v = r.integer(*idx, here + "/index", 0, 5)) cond.index = unsigned(*v);
        }
        read_enum(r, a, here, "op", "comparison", kOpNames,
                  [](std::string_view s) -> std::optional<ArgCondition::Op> {
                      for (std::size_t k = 0; k < kOpNames.size(); ++k) {
                          if (kOpNames[k] == s) return static_cast<ArgCondition::Op>(k);
                      }
                      return std::nullopt;
                  },
                  cond.op);
        constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
        if (const json* v = r.member(a, "value")) {
            if (auto n = r.integer(*v, here + "/value", 0, kMax)) cond.value = *n;
        }
        if (const json* v = r.member(a, "value_two")) {
            if (auto n = r.integer(*v, here + "/value_two", 0, kMax)) cond.value_two = *n;
        }
        rule.args.push_back(cond);
    }
}

void read_syscalls(Reader& r, const json& j, const std::string& pointer, SyscallPolicy& out) {
    if (!r.object(j, pointer,
                  {"default_action", "default_errno", "allowed", "blocked", "rules"})) {
        return;
    }
    read_enum(r, j, pointer, "default_action", "syscall action", kActionNames,
              syscall_action_from_string, out.default_action);
    if (const json* e = r.member(j, "default_errno")) {
        if (auto v = r.integer(*e, pointer + "/default_errno", 1, 4095)) {
            out.default_errno = int(*v);
        }
    }
    r.strings(j, pointer, "allowed", out.allowed);
    r.strings(j, pointer, "blocked", out.blocked);

    const json* rules = r.member(j, "rules");
    if (!rules) return;
    const std::string rules_ptr = pointer + "/rules";
    if (!rules->is_array()) return r.wrong_type(*rules, rules_ptr, "an array");
    out.rules.clear();
    for (std::size_t i = 0; i < rules->size() && !r.failed(); ++i) {
        SyscallRule rule;
        read_rule(r, (*rules)[i], rules_ptr + "/" + std::to_string(i), rule);
        out.rules.push_back(std::move(rule));
    }
}

void read_cpus(Reader& r, const json& obj, const std::string& pointer, ResourcePolicy& out) {
    const json* j = r.member(obj, "cpus");
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
         {{"apparmor", to_string(p.mac.apparmor)},
          {"apparmor_profile", p.mac.apparmor_profile},
          {"selinux", to_string(p.mac.selinux)},
          {"selinux_context", p.mac.selinux_context}}},
        {"resources",
         {{"memory", optional_value(p.resources.memory_bytes)},
          {"cpus", optional_value(p.resources.cpus)},
          {"pids", optional_value(p.resources.pids)},
          {"devices", string_list(p.resources.devices)}}},
        {"windows",
         {{"app_container", p.windows.app_container},
          {"integrity_level", p.windows.integrity_level},
          {"capability_sids", string_list(p.windows.capability_sids)},
          {"privileges", string_list(p.windows.privileges)}}},
    };
}

Result<Profile> profile_from_json(const nlohmann::json& j, const std::string& source) {
    Reader r(source);
    Profile p;

    if (!r.object(j, "",
                  {"name", "level", "description", "capabilities", "filesystem", "network",
                   "process", "syscalls", "mac", "resources", "windows"})) {
        return r.error();
    }
    r.string(j, "", "name", p.name);
    read_enum(r, j, "", "level", "level", kLevelNames, level_from_string, p.level);
    r.string(j, "", "description", p.description);

    if (const json* caps = r.member(j, "capabilities")) {
        if (r.object(*caps, "/capabilities", {"allowed", "dropped"})) {
            if (const json* a = r.member(*caps, "allowed")) {
                read_capabilities(r, *a, "/capabilities/allowed", p.allowed_caps);
            }
            if (const json* d = r.member(*caps, "dropped")) {
                read_capabilities(r, *d, "/capabilities/dropped", p.dropped_caps);
            }
        }
    }

    // The design's two examples put no_suid in different sections; both are accepted, and a
    // file that sets it in both must agree with itself.
    std::optional<bool> fs_no_suid;
    std::optional<bool> process_no_suid;

    if (const json* fs = r.member(j, "filesystem")) {
        const std::string ptr = "/filesystem";
        if (r.object(*fs, ptr, {"read_only_root", "writable_paths", "masked_paths",
                                "read_only_paths", "no_suid"})) {
            r.boolean(*fs, ptr, "read_only_root", p.filesystem.read_only_root);
            r.strings(*fs, ptr, "writable_paths", p.filesystem.writable_paths);
            r.strings(*fs, ptr, "masked_paths", p.filesystem.masked_paths);
            r.strings(*fs, ptr, "read_only_paths", p.filesystem.read_only_paths);
            if (r.member(*fs, "no_suid")) {
                bool v = true;
                r.boolean(*fs, ptr, "no_suid", v);
                fs_no_suid = v;
            }
        }
    }

    if (const json* net = r.member(j, "network")) {
        const std::string ptr = "/network";
        if (r.object(*net, ptr, {"isolated", "allowed_ports", "allowed_hosts"})) {
            r.boolean(*net, ptr, "isolated", p.network.isolated);
            r.strings(*net, ptr, "allowed_ports", p.network.allowed_ports);
            r.strings(*net, ptr, "allowed_hosts", p.network.allowed_hosts);
        }
    }

    if (const json* proc = r.member(j, "process")) {
        const std::string ptr = "/process";
        if (r.object(*proc, ptr, {"run_as_user", "run_as_uid", "run_as_gid",
                                  "no_new_privileges", "no_suid"})) {
            r.string(*proc, ptr, "run_as_user", p.process.run_as_user);
            r.optional_integer(*proc, ptr, "run_as_uid", p.process.uid);
            r.optional_integer(*proc, ptr, "run_as_gid", p.process.gid);
            r.boolean(*proc, ptr, "no_new_privileges", p.process.no_new_privileges);
            if (r.member(*proc, "no_suid")) {
                bool v = true;
                r.boolean(*proc, ptr, "no_suid", v);
                process_no_suid = v;
            }
        }
    }

    if (fs_no_suid && process_no_suid && *fs_no_suid != *process_no_suid) {
        r.fail("/process/no_suid", std::string(*process_no_suid ? "true" : "false")
                                       + " contradicts /filesystem/no_suid");
    }
    if (fs_no_suid) p.filesystem.no_suid = *fs_no_suid;
    if (process_no_suid) p.filesystem.no_suid = *process_no_suid;

    if (const json* sys = r.member(j, "syscalls")) read_syscalls(r, *sys, "/syscalls", p.syscalls);

    if (const json* mac = r.member(j, "mac")) {
        const std::string ptr = "/mac";
        if (r.object(*mac, ptr, {"apparmor", "apparmor_profile", "selinux", "selinux_context"})) {
            read_enum(r, *mac, ptr, "apparmor", "value", kWantNames, want_from_string,
                      p.mac.apparmor);
            r.string(*mac, ptr, "apparmor_profile", p.mac.apparmor_profile);
            read_enum(r, *mac, ptr, "selinux", "value", kWantNames, want_from_string,
                      p.mac.selinux);
            r.string(*mac, ptr, "selinux_context", p.mac.selinux_context);
        }
    }

    if (const json* res = r.member(j, "resources")) {
        const std::string ptr = "/resources";
        if (r.object(*res, ptr, {"memory", "cpus", "pids", "devices"})) {
            r.optional_integer(*res, ptr, "memory", p.resources.memory_bytes);
            read_cpus(r, *res, ptr, p.resources);
            r.optional_integer(*res, ptr, "pids", p.resources.pids);
            r.strings(*res, ptr, "devices", p.resources.devices);
        }
    }

    if (const json* win = r.member(j, "windows")) {
        const std::string ptr = "/windows";
        if (r.object(*win, ptr,
                     {"app_container", "integrity_level", "capability_sids", "privileges"})) {
            r.boolean(*win, ptr, "app_container", p.windows.app_container);
            r.string(*win, ptr, "integrity_level", p.windows.integrity_level);
            r.strings(*win, ptr, "capability_sids", p.windows.capability_sids);
            r.strings(*win, ptr, "privileges", p.windows.privileges);
        }
    }

    if (r.failed()) return r.error();
    return p;
}

}  // namespace containerv
