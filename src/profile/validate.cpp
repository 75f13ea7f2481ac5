#include "profile/validate.hpp"

#include "plan/host.hpp"
#include "plan/plan.hpp"
#include "profile/json.hpp"
#include "profile/positions.hpp"
#include "profile/store.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace containerv {
namespace {

using nlohmann::json;

// "syntax error while parsing object - unexpected end of input; expected '}'" from the
// parser's what(), without its "[json.exception...] parse error at line L, column C: " (the
// position is ours, counted in characters) and in the shape "what (expected what)". The
// parser's offset is the last byte it read: the end of an unexpected token, not its start.
std::string syntax_message(const std::string& what) {
    std::string text = what;
    if (auto column = text.find(", column "); column != std::string::npos) {
        if (auto colon = text.find(": ", column); colon != std::string::npos) {
            text.erase(0, colon + 2);
        }
    }
    // "last read" quotes the input, which may be invalid UTF-8 or a control character.
    if (auto last = text.find("; last read:"); last != std::string::npos) text.erase(last);
    if (auto dash = text.find(" - "); dash != std::string::npos) text.replace(dash, 3, ": ");
    if (auto expected = text.find("; expected "); expected != std::string::npos) {
        text.replace(expected, 2, " (");
        text += ")";
    }
    return text;
}

std::string in_quotes(const std::string& s) {
    return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

// The path and every directory above it: "/a/b", "/a", "/".
std::vector<std::string> ancestors(std::string path) {
    std::vector<std::string> out;
    while (!path.empty()) {
        out.push_back(path);
        const auto slash = path.rfind('/');
        // "/" is the last; a relative path (reported already) has no "/" above it.
        if (path == "/" || slash == std::string::npos) break;
        path.erase(slash == 0 ? 1 : slash);
    }
    return out;
}

const json* at(const json& doc, const std::string& pointer) {
    try {
        const json::json_pointer p(pointer);
        return doc.contains(p) ? &doc.at(p) : nullptr;
    } catch (const json::exception&) {
        return nullptr;
    }
}

// The strings of a list in the merged document; items of another type were reported already.
std::vector<std::string> strings_at(const json& doc, const std::string& pointer) {
    std::vector<std::string> out;
    if (const json* list = at(doc, pointer); list && list->is_array()) {
        for (const json& item : *list) {
            if (item.is_string()) out.push_back(item.get<std::string>());
        }
    }
    return out;
}

// Capabilities compare by kernel number, so "cap_sys_admin" and "SYS_ADMIN" are one.
std::string canonical(const std::string& item, bool capability) {
    if (!capability) return item;
    if (auto cap = capability_from_name(item)) return std::string(capability_name(*cap));
    return item;
}

// Where a value of the merged document is written: in the file itself, or, inherited, at its
// "extends".
class Origin {
public:
    Origin(const json& own, std::string base) : own_(own), base_(std::move(base)) {}

    // The file's item of that list equal to `value`; "/extends" when the item is inherited.
    std::string item(const std::string& list, const std::string& value, bool capability) const {
        auto [index, fresh] = items_.try_emplace(list);
        if (fresh) {
            if (const json* items = at(own_, list); items && items->is_array()) {
                for (std::size_t i = items->size(); i-- > 0;) {
                    const json& x = (*items)[i];
                    if (x.is_string()) index->second[canonical(x, capability)] = i;
                }
            }
        }
        if (auto it = index->second.find(canonical(value, capability)); it != index->second.end()) {
            return list + "/" + std::to_string(it->second);
        }
        return base_.empty() ? field(list) : "/extends";
    }

    // The field, or the nearest enclosing one the file writes; "/extends" when it writes none.
    std::string field(const std::string& pointer) const {
        for (std::string p = pointer; !p.empty(); p.erase(p.rfind('/'))) {
            if (at(own_, p)) return p;
        }
        return base_.empty() ? "" : "/extends";
    }

    bool inherited(const std::string& pointer) const { return pointer == "/extends"; }
    std::string note(const std::string& pointer) const {
        return inherited(pointer) ? " (inherited from " + base_ + ")" : "";
    }

private:
    static std::string canonical(const json& item, bool capability) {
        return containerv::canonical(item.get<std::string>(), capability);
    }

    const json& own_;
    std::string base_;
    // Per list: entry -> index of its first occurrence in the file, built when first asked.
    mutable std::map<std::string, std::map<std::string, std::size_t>> items_;
};

struct Found {
    std::string pointer;
    std::string message;
    bool at_key = false;
};

// An entry in two lists that exclude each other: reported at the file's own entry.
void both_lists(const json& merged, const Origin& origin, const std::string& first,
                const std::string& second, bool capability, const std::string& what,
                std::vector<Found>& out) {
    std::set<std::string> a;
    for (const std::string& x : strings_at(merged, first)) a.insert(canonical(x, capability));
    for (const std::string& x : strings_at(merged, second)) {
        const std::string key = canonical(x, capability);
        if (!a.contains(key)) continue;
        std::string where = origin.item(second, x, capability);
        if (origin.inherited(where)) where = origin.item(first, x, capability);
        // One side from the base profile: say how the file takes it out of that side.
        std::string hint = " (expected it in one of them)";
        const std::string other = where.rfind(second, 0) == 0 ? first : second;
        if (!origin.inherited(where) && origin.inherited(origin.item(other, x, capability))) {
            hint = " (" + other + " has it from the base profile; expected \"-" + x + "\" in " +
                   other + " to take it out there)";
        }
        out.push_back({where, what + " " + key + " is in both " + first + " and " + second + hint +
                                  origin.note(where)});
    }
}

// Contradictions between fields, on the merged document.
void contradictions(const json& merged, const Origin& origin, std::vector<Found>& out) {
    both_lists(merged, origin, "/capabilities/allowed", "/capabilities/dropped", true, "capability",
               out);
    both_lists(merged, origin, "/syscalls/allowed", "/syscalls/blocked", false, "syscall", out);

    const json* level = at(merged, "/level");
    const json* isolated = at(merged, "/network/isolated");
    if (level && *level == "paranoid" && !(isolated && *isolated == true)) {
        std::string where = origin.field("/network/isolated");
        if (where != "/network/isolated") where = origin.field("/level");
        out.push_back({where,
                       "level paranoid needs an isolated network (expected "
                       "network.isolated true)" +
                           origin.note(where)});
    }

    // An unnamed call let through is no paranoid policy; an absent default is allow.
    const json* fallback = at(merged, "/syscalls/default_action");
    if (level && *level == "paranoid" &&
        (!fallback || *fallback == "allow" || *fallback == "log" || *fallback == "trace")) {
        std::string where = origin.field("/syscalls/default_action");
        if (where != "/syscalls/default_action") where = origin.field("/level");
        out.push_back({where,
                       "level paranoid needs a default action that refuses (expected "
                       "syscalls.default_action errno, kill or trap)" +
                           origin.note(where)});
    }

    // A writable path under a masked one is hidden, and under a read-only one stays
    // read-only: either way the profile would not get what it says.
    const std::pair<const char*, const char*> covering[] = {
        {"/filesystem/masked_paths",
         "masked path %s, which hides it (expected it outside every masked path)"},
        {"/filesystem/read_only_paths",
         "read-only path %s, which keeps it read-only (expected it outside every read-only "
         "path)"}};
    for (const auto& [list, what] : covering) {
        const auto cover_list = strings_at(merged, list);
        const std::set<std::string> cover(cover_list.begin(), cover_list.end());
        for (const std::string& path : strings_at(merged, "/filesystem/writable_paths")) {
            if (path == "/" || path == "/*") continue;
            for (const std::string& outer : ancestors(path)) {
                if (!cover.contains(outer)) continue;
                std::string where = origin.item("/filesystem/writable_paths", path, false);
                if (origin.inherited(where)) where = origin.item(list, outer, false);
                std::string reason = what;
                reason.replace(reason.find("%s"), 2, in_quotes(outer));
                out.push_back({where, "writable path " + in_quotes(path) + " is inside the " +
                                          reason + origin.note(where)});
            }
        }
    }
}

// Pointer of a plan row's field: "network.allowed_ports" -> "/network/allowed_ports", cut back
// to what the merged document has ("process.groups" is no profile field: "/process").
std::string row_pointer(const json& merged, const std::string& field) {
    std::string p = "/" + field;
    std::replace(p.begin(), p.end(), '.', '/');
    while (!p.empty() && !at(merged, p)) p.erase(p.rfind('/'));
    return p;
}

// Where make_plan's errors belong (the steps that can fail for a profile alone).
std::string step_pointer(const std::string& step) {
    if (step == "user") return "/process/run_as_user";
    if (step == "seccomp") return "/syscalls";
    return "";
}

// What this host cannot enforce, as `run` would plan it.
void host_problems(const json& merged, const Origin& origin, std::vector<Found>& out) {
    auto profile = profile_from_json(merged, "");
    if (!profile) {
        out.push_back({"", profile.error().message});
        return;
    }
    RunRequest request;
    request.profile = std::move(*profile);
    request.argv = {"true"};
    auto plan = make_plan(request, probe_host());
    if (!plan) {
        const std::string where = origin.field(step_pointer(plan.error().step));
        out.push_back(
            {where, "this host cannot run it: " + plan.error().to_string() + origin.note(where)});
        return;
    }
    for (const Enforcement& row : plan->rows) {
        if (row.state != Enforcement::State::refused) continue;
        const std::string where = origin.field(row_pointer(merged, row.field));
        out.push_back({where, row.mechanism + " (" + row.field +
                                  " cannot be enforced on "
                                  "this host; run refuses it unless --accept-weaker " +
                                  row.field + ")" + origin.note(where)});
    }
}

}  // namespace

std::string Problem::to_string() const {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += ": ";
    if (!pointer.empty()) out += pointer + ": ";
    return out + message;
}

std::vector<Problem> validate_profile_text(const std::string& text, const std::string& file,
                                           const ValidateOptions& options, json* resolved) {
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        // e.byte counts the bytes read, the offending one included.
        const TextPosition pos = position_at(text, e.byte > 0 ? e.byte - 1 : 0);
        return {{file, pos.line, pos.column, "", syntax_message(e.what())}};
    } catch (const json::out_of_range& e) {
        // A number beyond a double ("1e999"), found by fuzzing: nlohmann-json gives no offset,
        // only the literal, "number overflow parsing '1e999'"; the first such text is it.
        const std::string what = e.what();
        const auto open = what.find('\'');
        const auto close = what.rfind('\'');
        const std::string literal = open != std::string::npos && close > open
                                        ? what.substr(open + 1, close - open - 1)
                                        : "";
        const auto at = literal.empty() ? std::string::npos : text.find(literal);
        const TextPosition pos = position_at(text, at == std::string::npos ? 0 : at);
        return {{file, pos.line, pos.column, "",
                 "the number " + (literal.empty() ? std::string("") : literal + " ") +
                     "is too large (expected a number a double can hold)"}};
    }

    const JsonPositions positions = JsonPositions::scan(text, kMaxProfileDepth);
    std::vector<Found> found;
    if (positions.depth() > kMaxProfileDepth) {
        return {{file, 1, 1, "",
                 "nested more than " + std::to_string(kMaxProfileDepth) +
                     " levels deep (expected at most " + std::to_string(kMaxProfileDepth) +
                     "; a profile needs 4)"}};
    }
    for (const auto& [pointer, pos] : positions.duplicates()) {
        found.push_back({pointer,
                         "key given twice, and only the last one counts (expected "
                         "each key once)",
                         true});
    }
    for (JsonProblem& p : profile_json_problems(doc)) {
        found.push_back({std::move(p.pointer), std::move(p.message), p.at_key});
    }
    if (const json* name = at(doc, "/name"); name && name->is_string()) {
        if (auto ok = check_profile_name(name->get<std::string>()); !ok) {
            found.push_back({"/name", ok.error().message});
        } else if (!options.stored_name.empty() && *name != options.stored_name) {
            // A stored profile is named by its file, so that load("x") never gives a "y".
            found.push_back({"/name", "the file names the profile " + in_quotes(*name) +
                                          " (expected " + in_quotes(options.stored_name) +
                                          ", its file name, or no name)"});
        }
    }

    // The merged profile, when there is one to judge as a whole.
    std::optional<json> merged;
    std::string base_name;
    const json* extends = at(doc, "/extends");
    if (!doc.is_object()) {
        // Reported already; nothing more to judge.
    } else if (!extends) {
        merged = doc;
    } else if (extends->is_string() && options.base) {
        base_name = extends->get<std::string>();
        auto base = options.base(base_name);
        if (base) {
            merged = merge_extends(*base, doc);
        } else {
            const Error& e = base.error();
            found.push_back({"/extends", e.message.empty() ? e.to_string() : e.message});
        }
    }

    if (merged) {
        const Origin origin(doc, base_name);
        contradictions(*merged, origin, found);
        if (found.empty() && options.check_host) host_problems(*merged, origin, found);
        if (found.empty() && resolved) *resolved = std::move(*merged);
    }

    std::vector<Problem> problems;
    for (Found& f : found) {
        const TextPosition pos = positions.find(f.pointer, f.at_key);
        problems.push_back(
            {file, pos.line, pos.column, std::move(f.pointer), std::move(f.message)});
    }
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    return problems;
}

}  // namespace containerv
