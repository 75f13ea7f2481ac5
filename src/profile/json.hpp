// The profile's JSON form (the shape of the original design's examples).
#pragma once

#include <containerv/profile.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace containerv {

// Sorted keys; every field written, so a dump with 2-space indent is byte-stable.
nlohmann::json profile_to_json(const Profile& profile);

// `source` names the file (or "<builtin>") in error messages, which carry the JSON pointer of
// the offending field. The first problem profile_json_problems finds is the error. A document
// with "extends" is refused: the profile store resolves it (ProfileStore::load_file).
Result<Profile> profile_from_json(const nlohmann::json& json, const std::string& source);

// One problem of a document: where (RFC 6901 pointer) and what is wrong.
struct JsonProblem {
    std::string pointer;
    std::string message;
    bool at_key = false;  // about the member's key (an unknown key), not its value
};

// Every problem of one document's own values, in the order the reader meets them: types,
// unknown keys, names (levels, actions, capabilities, syscalls), integer ranges (errno
// 1..4094), ports, paths (absolute, normalised). Accepts a top-level "extends" string and,
// when it is present, "-ENTRY" items in lists (they remove an inherited entry). Contradictions
// between fields are validate.cpp's: they need the merged profile.
std::vector<JsonProblem> profile_json_problems(const nlohmann::json& json);

// A document built on `base` (both free of problems, base without "extends"): objects merge
// member by member, lists get the child's entries they lack and lose those a "-ENTRY" names
// (capabilities compared by kernel name), anything else the child gives overrides. The result
// has neither "extends" nor removal entries, and no_suid only under "filesystem".
nlohmann::json merge_extends(const nlohmann::json& base, const nlohmann::json& child);

// The name is in the linked libseccomp's table for the native architecture. A call the native
// ABI lacks (socketcall on x86-64) has a pseudo number there and counts: the seccomp compiler
// applies it on the compat ABIs.
bool syscall_name_known(std::string_view name);

// " (did you mean X?)" when `word` is a near miss of one candidate, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// A key as a JSON pointer token (RFC 6901: "~" becomes "~0", "/" becomes "~1").
std::string pointer_token(std::string_view key);

}  // namespace containerv
