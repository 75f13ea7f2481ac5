// containerv audit: a profile's static audit, or a live audit of any process by pid, compared
// with a profile when one is given. Exit 0 when every check passes, 1 when one fails, 2 when
// the audit could not be made.
#include "commands.hpp"

#include "audit/audit.hpp"
#include "profile/store.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace containerv::cli {
namespace {

struct AuditOptions {
    std::string profile;
    int pid = 0;
    bool pid_given = false;
    std::string format = "text";
};

int trouble(const Error& error) {
    std::fprintf(stderr, "containerv: %s\n", error.to_string().c_str());
    return 2;
}

int audit(const AuditOptions& opt) {
    if (opt.format != "text" && opt.format != "json")
        return trouble(Error::msg(
            "audit", "--format: unknown format \"" + opt.format + "\" (expected text or json)"));
    auto result = audit_subject(opt.profile, opt.pid_given ? opt.pid : 0, opt.pid_given);
    if (!result) return trouble(result.error());
    const audit::Audit& a = *result;
    if (opt.format == "json")
        std::printf("%s\n", audit::to_json(a).dump(2).c_str());
    else
        std::fputs(audit::format_text(a).c_str(), stdout);
    if (a.has_drift())
        std::fprintf(stderr, "containerv: audit: %s DIFFERS FROM PROFILE \"%s\"\n",
                     a.subject.c_str(), a.profile.c_str());
    return a.all_passed() ? 0 : 1;
}

}  // namespace

Result<audit::Audit> audit_subject(const std::string& profile_spec, int pid, bool pid_given) {
    if (profile_spec.empty() && !pid_given)
        return Error::msg("audit", "nothing to audit: give --profile NAME|FILE, --pid N, or both");
    std::optional<Profile> profile;
    if (!profile_spec.empty()) {
        auto loaded = ProfileStore::from_environment().load_name_or_file(profile_spec);
        if (!loaded) return loaded.error();
        profile = loaded->profile;
    }
    if (!pid_given) return audit::audit_profile(*profile);
    if (pid <= 0)
        return Error::msg("audit",
                          "--pid " + std::to_string(pid) + ": expected a process id above 0");
    return audit::audit_process(pid, profile ? &*profile : nullptr);
}

void add_audit(CLI::App& app, Action& action) {
    auto opt = std::make_shared<AuditOptions>();
    CLI::App* cmd = app.add_subcommand(
        "audit", "Audit a profile, or a running process (any sandbox) against a profile");
    cmd->add_option("--profile", opt->profile,
                    "Profile NAME or FILE: audited alone, or what the process must match");
    cmd->add_option("--pid", opt->pid, "Process to audit live (read from /proc/PID)")
        ->each([opt](const std::string&) { opt->pid_given = true; });
    cmd->add_option("--format", opt->format, "text or json");
    cmd->callback([opt, &action] { action = [opt] { return audit(*opt); }; });
}

}  // namespace containerv::cli
