// containerv report: a compliance report of a profile (static) or of a process (live) against
// CIS, NIST, PCI-DSS or the Kubernetes Pod Security Standards, written atomically to -o FILE.
// Exit 0, or 1 when --fail-on is given and a control fails at that level; 2 on trouble.
#include "commands.hpp"

#include "audit/compliance.hpp"
#include "profile/store.hpp"

#include <cstdio>
#include <memory>

namespace containerv::cli {
namespace {

struct ReportOptions {
    std::string standard;
    std::string profile;
    int pid = 0;
    bool pid_given = false;
    std::string format;
    std::string output;
    std::string fail_on;
};

int trouble(const Error& error) {
    std::fprintf(stderr, "containerv: %s\n", error.to_string().c_str());
    return 2;
}

int report(const ReportOptions& opt) {
    auto standard = audit::standard_from_string(opt.standard);
    if (!standard)
        return trouble(Error::msg("report", "--standard: unknown standard \"" + opt.standard +
                                                "\" (expected cis, nist, pci or pss)"));
    std::optional<audit::Format> format = opt.format.empty()
                                              ? audit::format_from_path(opt.output)
                                              : audit::format_from_string(opt.format);
    if (!format)
        return trouble(
            Error::msg("report", opt.format.empty()
                                     ? "--format not given and -o \"" + opt.output +
                                           "\" has no known extension (.json, .md, .html, .sarif)"
                                     : "--format: unknown format \"" + opt.format +
                                           "\" (expected json, markdown, html or sarif)"));
    if (!opt.fail_on.empty() && opt.fail_on != "fail" && opt.fail_on != "warn")
        return trouble(Error::msg(
            "report", "--fail-on: unknown level \"" + opt.fail_on + "\" (expected fail or warn)"));
    auto result = audit_subject(opt.profile, opt.pid, opt.pid_given);
    if (!result) return trouble(result.error());

    std::string artifact;
    if (opt.pid_given)
        artifact = "containerv:pid/" + std::to_string(opt.pid);
    else if (is_profile_path(opt.profile))
        artifact = opt.profile;
    else
        artifact = "containerv:profile/" + opt.profile;
    auto r = audit::build_report(*standard, *result, artifact);
    std::string text = audit::render(r, *format);
    if (opt.output == "-") {
        std::fputs(text.c_str(), stdout);
    } else if (auto ok = audit::write_file_atomically(opt.output, text); !ok) {
        return trouble(ok.error());
    }
    std::fprintf(stderr, "containerv: report: %s: %d pass, %d fail, %d manual, %d not applicable\n",
                 std::string(audit::to_string(*standard)).c_str(),
                 r.count(audit::ControlStatus::pass), r.count(audit::ControlStatus::fail),
                 r.count(audit::ControlStatus::manual),
                 r.count(audit::ControlStatus::not_applicable));
    if (r.audit.has_drift())
        std::fprintf(stderr, "containerv: report: %s DIFFERS FROM PROFILE \"%s\"\n",
                     r.audit.subject.c_str(), r.audit.profile.c_str());
    if (!opt.fail_on.empty() && r.fails(opt.fail_on == "warn")) return 1;
    return 0;
}

}  // namespace

void add_report(CLI::App& app, Action& action) {
    auto opt = std::make_shared<ReportOptions>();
    CLI::App* cmd = app.add_subcommand(
        "report", "Write a compliance report (CIS, NIST, PCI-DSS, Kubernetes PSS)");
    cmd->add_option("--standard", opt->standard, "cis, nist, pci or pss")->required();
    cmd->add_option("--profile", opt->profile,
                    "Profile NAME or FILE: reported alone, or what the process must match");
    cmd->add_option("--pid", opt->pid, "Process to audit live")->each([opt](const std::string&) {
        opt->pid_given = true;
    });
    cmd->add_option("--format", opt->format,
                    "json, markdown, html or sarif (default: from -o's extension)");
    cmd->add_option("-o,--output", opt->output, "FILE to write, or - for stdout")->required();
    cmd->add_option("--fail-on", opt->fail_on,
                    "Exit 1 when a control fails: fail (errors only) or warn (warnings too)");
    cmd->callback([opt, &action] { action = [opt] { return report(*opt); }; });
}

}  // namespace containerv::cli
