// Validation that reports every problem at once, each with where it is.
#pragma once

#include <containerv/profile.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace containerv {

struct Problem {
    std::string file;     // as given
    int line = 0;         // 1-based; 0 when unknown
    int column = 0;       // 1-based, in characters
    std::string pointer;  // JSON pointer, "" for the document
    std::string message;  // what is wrong (what was expected); may end with a suggestion
    // "FILE:LINE:COL: /json/pointer: message"; without the pointer part for the document
    // itself, without LINE:COL when unknown.
    std::string to_string() const;
};

struct ValidateOptions {
    // The document of the profile "extends" names, its own "extends" already merged (the
    // store's lookup: search order, cycles). Unset: a document with "extends" is checked on its
    // own values only, since contradictions need the merged profile.
    std::function<Result<nlohmann::json>(const std::string& name)> base;
    // Also report what this host cannot enforce: the plan `run` would make for `true`
    // (make_plan with probe_host()); each refused field is a problem at its pointer.
    bool check_host = false;
    // The name a stored file is found by: its "name", when it gives one, must be this.
    std::string stored_name;
};

// A document nested deeper than this is refused before anything walks it.
constexpr int kMaxProfileDepth = 64;

// Every problem of a profile document, sorted by position: syntax (the parser's byte offset as
// line and column), nesting, keys given twice, types, unknown keys, unknown names (capabilities,
// syscalls from libseccomp's tables for the native arch, levels, actions, with "did you mean"),
// ports, paths (absolute, normalised, writable inside masked), errno values, the name, and
// contradictions (allowed and dropped, allowed and blocked, paranoid without an isolated
// network) in the profile with "extends" merged. When there is none and `resolved` is given,
// it receives the document with "extends" merged.
std::vector<Problem> validate_profile_text(const std::string& text, const std::string& file,
                                           const ValidateOptions& options = {},
                                           nlohmann::json* resolved = nullptr);

}  // namespace containerv
