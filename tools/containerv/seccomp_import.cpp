// containerv seccomp import: read a Docker, OCI or containerv policy file and print it in
// containerv's own format (a profile's "syscalls" section).
#include "commands.hpp"

#include "profile/json.hpp"
#include "seccomp/compile.hpp"
#include "seccomp/import.hpp"

#include <containerv/profile.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

namespace containerv::cli {
namespace {

struct ImportOptions {
    std::string file;
    std::vector<std::string> caps;
    std::string log_level = "warn";
};

int fail(const Error& error) {
    std::fprintf(stderr, "containerv: %s\n", error.to_string().c_str());
    return 1;
}

int import(const ImportOptions& opt) {
    auto level = spdlog::level::from_str(opt.log_level);
    if (level == spdlog::level::off && opt.log_level != "off")
        return fail(
            Error::msg("seccomp import", "--log-level: unknown level \"" + opt.log_level + "\""));
    spdlog::set_level(level);

    CapSet caps = 0;
    for (const std::string& name : opt.caps) {
        auto cap = capability_from_name(name);
        if (!cap)
            return fail(
                Error::msg("seccomp import", "--caps: unknown capability \"" + name + "\""));
        caps |= cap_bit(*cap);
    }

    seccomp::ImportReport report;
    auto policy =
        seccomp::import_policy_file(opt.file, seccomp::host_import_context(caps), &report);
    if (!policy) return fail(policy.error());
    // What libseccomp would refuse is refused here too, so that a file that imports also runs.
    if (auto program = seccomp::compile(*policy); !program)
        return fail(Error::msg("seccomp import", opt.file + ": " + program.error().to_string()));

    Profile profile;
    profile.syscalls = *policy;
    std::printf("%s\n", profile_to_json(profile)["syscalls"].dump(2).c_str());

    for (const std::string& note : report.notes)
        std::fprintf(stderr, "containerv: %s: %s\n", opt.file.c_str(), note.c_str());
    std::string summary =
        fmt::format("containerv: {}: {} format, default {}{}, {} allowed, {} rules", opt.file,
                    report.format, to_string(policy->default_action),
                    policy->default_action == SyscallAction::errno_ret
                        ? fmt::format(" {}", policy->default_errno)
                        : "",
                    policy->allowed.size(), policy->rules.size());
    if (!report.skipped.empty())
        summary +=
            fmt::format("; skipped (unknown to libseccomp): {}", fmt::join(report.skipped, ", "));
    std::fprintf(stderr, "%s\n", summary.c_str());
    return 0;
}

}  // namespace

void add_seccomp_import(CLI::App& seccomp, Action& action) {
    auto opt = std::make_shared<ImportOptions>();
    CLI::App* cmd = seccomp.add_subcommand(
        "import", "Read a Docker, OCI or containerv seccomp policy and print it as containerv's");
    cmd->add_option("FILE", opt->file, "The policy file")->required();
    cmd->add_option("--caps", opt->caps,
                    "Capabilities the sandbox holds, for Docker's includes/excludes")
        ->delimiter(',')
        ->type_name("CAP,...");
    cmd->add_option("--log-level", opt->log_level, "trace, debug, info, warn, error, off");
    cmd->callback([opt, &action] { action = [opt] { return import(*opt); }; });
}

}  // namespace containerv::cli
