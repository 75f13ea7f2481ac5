// The profile reader: validation of a profile file's text (JSON parse, the position scanner,
// every field's checks, "extends" merged onto a built-in) and the model reader behind --profile.
// Beyond "no crash": a problem has a position inside the text, and a profile that reads writes
// back to JSON that reads to the same profile.
#include "profile/json.hpp"
#include "profile/positions.hpp"
#include "profile/validate.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

using containerv::Result;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);

    // The scanner on any text, also text the parser would refuse.
    auto scanned = containerv::JsonPositions::scan(text);
    (void)scanned.find("/syscalls/rules/0/names/0");
    (void)scanned.find("/name", true);

    containerv::ValidateOptions options;
    options.base = [](const std::string& name) -> Result<nlohmann::json> {
        if (const auto* builtin = containerv::find_builtin(name))
            return containerv::profile_to_json(*builtin);
        return containerv::Error::msg("profile", "no built-in named " + name);
    };
    nlohmann::json resolved;
    auto problems = containerv::validate_profile_text(text, "fuzz.json", options, &resolved);
    int lines = 1;
    for (char c : text) lines += c == '\n';
    for (const auto& p : problems)
        if (p.line < 0 || p.line > lines || p.column < 0 || p.to_string().empty()) std::abort();

    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        return 0;
    }
    if (doc.is_object() && doc.contains("extends")) {
        if (!problems.empty()) return 0;
        doc = resolved;
    }
    auto profile = containerv::profile_from_json(doc, "fuzz.json");
    if (!profile) return 0;
    auto again = containerv::profile_from_json(containerv::profile_to_json(*profile), "again");
    if (!again || !(*again == *profile)) std::abort();
    return 0;
}
