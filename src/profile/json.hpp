// The profile's JSON form (the shape of the original design's examples).
#pragma once

#include <containerv/profile.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace containerv {

// Sorted keys; every field written, so a dump with 2-space indent is byte-stable.
nlohmann::json profile_to_json(const Profile& profile);

// `source` names the file (or "<builtin>") in error messages, which carry the JSON pointer of
// the offending field.
Result<Profile> profile_from_json(const nlohmann::json& json, const std::string& source);

}  // namespace containerv
