// Validation that reports every problem at once, each with where it is.
#pragma once

#include <containerv/profile.hpp>

#include <string>
#include <vector>

namespace containerv {

struct Problem {
    std::string file;     // as given
    int line = 0;         // 1-based; 0 when unknown
    int column = 0;       // 1-based
    std::string pointer;  // JSON pointer, "" for the document
    std::string message;  // what is wrong (what was expected); may end with a suggestion
    // "FILE:LINE:COL: /json/pointer: message"
    std::string to_string() const;
};

// Every problem of a profile document: syntax (with the parser's line and column), types,
// unknown keys, unknown capabilities and syscalls (libseccomp's tables, native arch), ports,
// paths (absolute, normalised; writable inside masked), errno values, contradictions. Does
// not resolve "extends" or check the host (see the CLI's validate, which adds the plan).
std::vector<Problem> validate_profile_text(const std::string& text, const std::string& file);

}  // namespace containerv
