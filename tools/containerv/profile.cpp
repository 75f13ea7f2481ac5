// containerv profile: list and show profiles.
#include "commands.hpp"

#include "profile/json.hpp"

#include <containerv/profile.hpp>

#include <cstdio>
#include <memory>

namespace containerv::cli {
namespace {

int list() {
    std::printf("%-20s %-11s %-9s %s\n", "NAME", "LEVEL", "SOURCE", "DESCRIPTION");
    for (const auto& p : builtin_profiles())
        std::printf("%-20s %-11s %-9s %s\n", p.name.c_str(), to_string(p.level).data(),
                    "built-in", p.description.c_str());
    return 0;
}

int show(const std::string& name) {
    const Profile* profile = find_builtin(name);
    if (!profile) {
        std::fprintf(stderr, "containerv: profile: unknown profile \"%s\"\n", name.c_str());
        return 1;
    }
    std::printf("%s\n", profile_to_json(*profile).dump(2).c_str());
    return 0;
}

}  // namespace

void add_profile(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand("profile", "List and show security profiles");
    cmd->require_subcommand(1);
    cmd->add_subcommand("list", "List the profiles")->callback([&action] {
        action = [] { return list(); };
    });
    auto name = std::make_shared<std::string>();
    CLI::App* s = cmd->add_subcommand("show", "Print a profile as JSON");
    s->add_option("name", *name, "Profile name")->required();
    s->callback([name, &action] { action = [name] { return show(*name); }; });
}

}  // namespace containerv::cli
