// containerv profile: list, show, create, save, delete, validate, diff and export profiles.
#include "commands.hpp"

#include "linux/apparmor.hpp"
#include "profile/json.hpp"
#include "profile/store.hpp"

#include <containerv/profile.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace containerv::cli {
namespace {

using nlohmann::json;

// Exit statuses: validate and diff answer with 0 or 1, so their trouble is 2 (as diff(1)).
constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

int fail(const Error& error, int status = kFailed) {
    std::fprintf(stderr, "containerv: %s\n", error.to_string().c_str());
    return status;
}

void print_json(const Profile& profile) {
    std::fputs((profile_to_json(profile).dump(2) + "\n").c_str(), stdout);
}

std::string join(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
    return out;
}

int list() {
    const ProfileStore store = ProfileStore::from_environment();
    std::printf("%-24s %-11s %s\n", "NAME", "LEVEL", "SOURCE");
    for (const StoredProfile& s : store.list()) {
        std::string source = s.source;
        if (!s.shadows.empty()) source += " (shadows " + join(s.shadows, ", ") + ")";
        const std::string level =
            s.error.empty() ? std::string(to_string(s.profile.level)) : "invalid";
        std::printf("%-24s %-11s %s\n", s.profile.name.c_str(), level.c_str(), source.c_str());
        if (!s.error.empty()) std::fprintf(stderr, "containerv: %s\n", s.error.c_str());
    }
    return kOk;
}

int show(const std::string& spec) {
    auto loaded = ProfileStore::from_environment().load_name_or_file(spec);
    if (!loaded) return fail(loaded.error());
    print_json(loaded->profile);
    return kOk;
}

int export_profile(const std::string& spec, const std::string& format) {
    if (format == "apparmor") {
        auto loaded = ProfileStore::from_environment().load_name_or_file(spec);
        if (!loaded) return fail(loaded.error());
        std::fputs(linux_::apparmor_profile_text(loaded->profile).c_str(), stdout);
        return kOk;
    }
    if (format != "json") {
        return fail(Error::msg("profile", "export: unknown format \"" + format +
                                              "\" (expected json or apparmor)"),
                    kUsage);
    }
    return show(spec);
}

struct CreateOptions {
    std::string name;
    std::string level;
    bool level_given = false;  // --level "" is a bad level, not no level
    std::string from;          // empty: the level's starting profile
    bool system = false;
};

int create(const CreateOptions& opt) {
    if (!opt.level_given && opt.from.empty()) {
        return fail(Error::msg("profile", "create: give --level, --from or both"), kUsage);
    }
    const ProfileStore store = ProfileStore::from_environment();
    Profile profile;
    if (!opt.from.empty()) {
        auto base = store.load_name_or_file(opt.from);
        if (!base) return fail(base.error());
        profile = base->profile;
    }
    // Without --level a copy keeps the level of the profile it copies.
    if (opt.level_given) {
        const auto level = level_from_string(opt.level);
        if (!level) {
            return fail(Error::msg("profile", "create: unknown level \"" + opt.level +
                                                  "\" (expected permissive, restricted, strict "
                                                  "or paranoid)"),
                        kUsage);
        }
        if (opt.from.empty()) {
            profile = profile_for_level(*level);
        } else {
            profile.level = *level;
        }
    }
    profile.description = "Made from " + profile.name;
    profile.name = opt.name;
    SaveOptions save;
    save.system = opt.system;
    auto path = store.save(profile, save);
    if (!path) return fail(path.error());
    std::printf("%s\n", path->c_str());
    return kOk;
}

struct SaveFileOptions {
    std::string file;
    SaveOptions save;
};

int save_file(const SaveFileOptions& opt) {
    const ProfileStore store = ProfileStore::from_environment();
    auto loaded = store.load_file(opt.file);
    if (!loaded) return fail(loaded.error());
    auto path = store.save(loaded->profile, opt.save);
    if (!path) return fail(path.error());
    std::printf("%s\n", path->c_str());
    return kOk;
}

int remove(const std::string& name, bool system) {
    if (auto ok = ProfileStore::from_environment().remove(name, system); !ok) {
        return fail(ok.error());
    }
    return kOk;
}

// Exit 0 valid, 1 invalid (the problems on stdout), 2 nothing to validate.
int validate(const std::string& spec) {
    const ProfileStore store = ProfileStore::from_environment();
    auto problems =
        is_profile_path(spec) ? store.validate_file(spec, true) : store.validate(spec, true);
    if (!problems) {
        const Error& e = problems.error();
        // Nothing there is a usage error; a file that is there but cannot be a profile (too
        // large, not a regular file, writable by others) is an invalid one, said at its start.
        if ((e.syscall == "open" && e.err == ENOENT) || !is_profile_path(spec) ||
            e.message.rfind(spec + ": ", 0) != 0) {
            return fail(e, kUsage);
        }
        std::printf("%s:1:1: /: %s\n", spec.c_str(), e.message.substr(spec.size() + 2).c_str());
        return kFailed;
    }
    for (const Problem& p : *problems) std::printf("%s\n", p.to_string().c_str());
    return problems->empty() ? kOk : kFailed;
}

// One line per difference: "/pointer: A -> B" for values, "/pointer: -X +Y" for lists.
void diff_json(const json& a, const json& b, const std::string& pointer,
               std::vector<std::string>& out) {
    if (a.is_object() && b.is_object()) {
        std::vector<std::string> keys;
        for (const auto& [key, value] : a.items()) keys.push_back(key);
        for (const auto& [key, value] : b.items()) {
            if (!a.contains(key)) keys.push_back(key);
        }
        std::sort(keys.begin(), keys.end());
        for (const std::string& key : keys) {
            const json none;
            diff_json(a.contains(key) ? a[key] : none, b.contains(key) ? b[key] : none,
                      pointer + "/" + key, out);
        }
        return;
    }
    if (a.is_array() && b.is_array()) {
        std::string line;
        for (const json& item : a) {
            if (std::find(b.begin(), b.end(), item) == b.end()) {
                line += " -" + (item.is_string() ? item.get<std::string>() : item.dump());
            }
        }
        for (const json& item : b) {
            if (std::find(a.begin(), a.end(), item) == a.end()) {
                line += " +" + (item.is_string() ? item.get<std::string>() : item.dump());
            }
        }
        // Order matters for rules (the first match wins in a filter) and reads as intent.
        if (line.empty() && a != b) line = " same entries, another order";
        if (!line.empty()) out.push_back(pointer + ":" + line);
        return;
    }
    if (a != b) out.push_back(pointer + ": " + a.dump() + " -> " + b.dump());
}

// Exit 0 same, 1 different, 2 a profile could not be loaded.
int diff(const std::string& first, const std::string& second) {
    const ProfileStore store = ProfileStore::from_environment();
    auto a = store.load_name_or_file(first);
    if (!a) return fail(a.error(), kUsage);
    auto b = store.load_name_or_file(second);
    if (!b) return fail(b.error(), kUsage);
    std::vector<std::string> lines;
    diff_json(profile_to_json(a->profile), profile_to_json(b->profile), "", lines);
    for (const std::string& line : lines) std::printf("%s\n", line.c_str());
    return lines.empty() ? kOk : kFailed;
}

}  // namespace

void add_profile(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand("profile", "Manage security profiles");
    cmd->require_subcommand(1);
    cmd->footer(
        "NAME is a stored or built-in profile; FILE a path (with a '/' or ending in "
        ".json). Search order: $CONTAINERV_PROFILE_PATH, the user's directory, "
        "/etc/containerv/profiles, the built-ins.");

    cmd->add_subcommand("list", "List the profiles, where each comes from, what it shadows")
        ->callback([&action] { action = [] { return list(); }; });

    auto show_name = std::make_shared<std::string>();
    CLI::App* s = cmd->add_subcommand("show", "Print a profile as JSON, extends resolved");
    s->add_option("profile", *show_name, "NAME or FILE")->required();
    s->callback([show_name, &action] { action = [show_name] { return show(*show_name); }; });

    auto create_opt = std::make_shared<CreateOptions>();
    CLI::App* c = cmd->add_subcommand("create", "Store a new profile made from another");
    c->add_option("name", create_opt->name, "Name of the new profile")->required();
    c->add_option("--level", create_opt->level,
                  "permissive, restricted, strict, paranoid (default: --from's level)")
        ->each([create_opt](const std::string&) { create_opt->level_given = true; });
    c->add_option("--from", create_opt->from, "Profile to start from (default: the level's own)");
    c->add_flag("--system", create_opt->system, "Store in /etc/containerv/profiles");
    c->callback([create_opt, &action] { action = [create_opt] { return create(*create_opt); }; });

    auto save_opt = std::make_shared<SaveFileOptions>();
    CLI::App* sv = cmd->add_subcommand("save", "Validate FILE and store it under its name");
    sv->add_option("file", save_opt->file, "Profile file (JSON)")->required();
    sv->add_flag("--system", save_opt->save.system, "Store in /etc/containerv/profiles");
    sv->add_flag("--replace", save_opt->save.replace, "Overwrite a stored profile of that name");
    sv->add_flag("--shadow-builtin", save_opt->save.shadow_builtin,
                 "Allow a name that shadows a built-in profile");
    sv->callback([save_opt, &action] { action = [save_opt] { return save_file(*save_opt); }; });

    auto delete_name = std::make_shared<std::string>();
    auto delete_system = std::make_shared<bool>(false);
    CLI::App* d = cmd->add_subcommand("delete", "Delete a stored profile (not a built-in)");
    d->add_option("name", *delete_name, "Profile name")->required();
    d->add_flag("--system", *delete_system, "Delete from /etc/containerv/profiles");
    d->callback([delete_name, delete_system, &action] {
        action = [delete_name, delete_system] { return remove(*delete_name, *delete_system); };
    });

    auto validate_spec = std::make_shared<std::string>();
    CLI::App* v = cmd->add_subcommand(
        "validate",
        "Report every problem, and what this host cannot enforce (exit 0 valid, "
        "1 invalid, 2 usage)");
    v->add_option("profile", *validate_spec, "FILE or NAME")->required();
    v->callback([validate_spec, &action] {
        action = [validate_spec] { return validate(*validate_spec); };
    });

    auto diff_specs = std::make_shared<std::vector<std::string>>();
    CLI::App* df = cmd->add_subcommand("diff",
                                       "Show how B differs from A (exit 0 same, 1 "
                                       "different)");
    df->add_option("profiles", *diff_specs, "A B (NAME or FILE each)")->required()->expected(2);
    df->callback([diff_specs, &action] {
        action = [diff_specs] { return diff((*diff_specs)[0], (*diff_specs)[1]); };
    });

    auto export_name = std::make_shared<std::string>();
    auto export_format = std::make_shared<std::string>("json");
    CLI::App* e = cmd->add_subcommand("export", "Print a profile in a file format");
    e->add_option("profile", *export_name, "NAME or FILE")->required();
    e->add_option("--format", *export_format, "json (the default) or apparmor");
    e->callback([export_name, export_format, &action] {
        action = [export_name, export_format] {
            return export_profile(*export_name, *export_format);
        };
    });
}

}  // namespace containerv::cli
