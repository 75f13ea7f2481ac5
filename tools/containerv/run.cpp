// containerv run: plan the sandbox for a profile, print it (--dry-run) or launch it.
#include "commands.hpp"

#include "base/atomic_file.hpp"

#include "linux/launcher.hpp"
#include "plan/host.hpp"
#include "plan/plan.hpp"
#include "profile/store.hpp"
#include "seccomp/import.hpp"

#include <containerv/profile.hpp>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <optional>

#include <unistd.h>
#include <memory>

namespace containerv::cli {
namespace {

struct RunOptions {
    std::string profile = "default";
    std::string rootfs;
    std::vector<std::string> binds;
    std::string user;
    bool user_given = false;
    std::vector<std::string> env;
    std::string cwd;
    bool dry_run = false;
    std::string log_level = "warn";
    std::vector<std::string> accept_weaker;
    std::string seccomp;  // --seccomp FILE|unconfined
    double timeout = 0;   // --timeout SECONDS
    bool timeout_given = false;
    std::string report;  // --report text|json|json:FILE
    bool explain = false;
    std::string explain_json;
    std::string isolation = "namespaces";
    std::vector<std::string> command;
};

int fail(const Error& error) {
    std::fprintf(stderr, "containerv: %s\n", error.to_string().c_str());
    return 125;
}

// --seccomp FILE: the file's policy in place of the profile's syscall section, as Docker's
// --security-opt seccomp=FILE; "unconfined" is decided by the planner.
Status replace_syscalls(Profile& profile, const std::string& spec) {
    if (spec == "unconfined") return Ok{};
    auto ctx = seccomp::host_import_context(profile.allowed_caps & ~profile.dropped_caps);
    auto policy = seccomp::import_policy_file(spec, ctx);
    if (!policy) return policy.error();
    profile.syscalls = std::move(*policy);
    return Ok{};
}

// After the sandbox ended: the one-line reason when a limit or the clock ended it (always with
// --report text), the JSON report with --report json[:FILE].
void emit_report(const RunOptions& opt, const linux_::ExitReport& report,
                 const std::optional<OutputFile>& report_file) {
    using Reason = linux_::ExitReport::Reason;
    const bool limit = report.reason != Reason::exited && report.reason != Reason::signaled;
    if (opt.report == "text" || (limit && opt.report != "json"))
        std::fprintf(stderr, "containerv: sandbox ended: %s\n", describe(report).c_str());
    if (opt.report == "json") {
        std::fputs(linux_::report_json(report).c_str(), stderr);
    } else if (report_file) {
        if (auto ok = report_file->replace(linux_::report_json(report)); !ok)
            std::fprintf(stderr, "containerv: %s\n", ok.error().to_string().c_str());
    }
}

int run(const RunOptions& opt) {
    auto level = spdlog::level::from_str(opt.log_level);
    if (level == spdlog::level::off && opt.log_level != "off")
        return fail(Error::msg("run", "--log-level: unknown level \"" + opt.log_level + "\""));
    spdlog::set_level(level);
    if (!opt.report.empty() && opt.report != "text" && opt.report != "json" &&
        !(opt.report.rfind("json:", 0) == 0 && opt.report.size() > 5))
        return fail(
            Error::msg("run", "--report \"" + opt.report + "\": expected text, json or json:FILE"));
    // 0 is an error, not "no timeout": a caller computing the limit should learn it reached 0.
    if (opt.timeout_given && !(opt.timeout > 0 && std::isfinite(opt.timeout)))
        return fail(Error::msg("run", "--timeout: expected seconds above 0"));

    // A NAME through the store (stored or built-in), or a FILE (a '/' or ".json").
    auto profile = ProfileStore::from_environment().load_name_or_file(opt.profile);
    if (!profile) return fail(profile.error());
    // Saving such a profile takes --shadow-builtin, but a run under the built-in's name gave
    // no sign that the caller's store decided what "untrusted" means (red-team trial).
    if (profile->shadows_builtin)
        spdlog::warn("profile \"{}\" is {}, which shadows the built-in profile of that name",
                     profile->profile.name, profile->source);

    RunRequest request;
    request.profile = profile->profile;
    request.explain = opt.explain || !opt.explain_json.empty();
    request.explain_json = opt.explain_json;
    request.profile_source = profile->source == "built-in"
                                 ? "built-in profile \"" + profile->profile.name + "\""
                                 : "profile " + profile->source;
    if (!opt.seccomp.empty()) {
        if (auto replaced = replace_syscalls(request.profile, opt.seccomp); !replaced)
            return fail(replaced.error());
        request.seccomp_override = opt.seccomp;
    }
    if (opt.isolation == "landlock")
        request.isolation = Isolation::landlock;
    else if (opt.isolation != "namespaces")
        return fail(Error::msg("run", "--isolation: unknown mode \"" + opt.isolation +
                                          "\" (expected namespaces or landlock)"));
    if (!opt.rootfs.empty()) request.rootfs = opt.rootfs;
    for (const auto& spec : opt.binds) {
        auto bind = parse_bind(spec);
        if (!bind) return fail(bind.error());
        request.binds.push_back(*bind);
    }
    if (opt.user_given) request.user = opt.user;
    request.env = opt.env;
    if (!opt.cwd.empty()) request.cwd = opt.cwd;
    request.accept_weaker.insert(opt.accept_weaker.begin(), opt.accept_weaker.end());
    request.argv = opt.command;

    auto plan = make_plan(request, probe_host());
    if (!plan) return fail(plan.error());
    if (opt.seccomp == "unconfined")
        spdlog::warn("--seccomp unconfined: profile \"{}\" runs without a seccomp filter",
                     request.profile.name);

    for (const auto& row : plan->rows) {
        if (row.state == Enforcement::State::accepted_weaker)
            spdlog::warn("{} = {} is NOT enforced ({}); accepted by --accept-weaker", row.field,
                         row.value, row.mechanism);
        else
            spdlog::debug("{} = {}: {}: {}", row.field, row.value, to_string(row.state),
                          row.mechanism);
    }
    if (request.explain && !plan->has_filter)
        spdlog::warn("--explain: no seccomp filter is loaded, so no refused call is reported");
    auto enforceable = check_enforceable(*plan);
    if (opt.dry_run) {
        std::fputs(format_plan(*plan).c_str(), stdout);
        if (!enforceable) return fail(enforceable.error());
        return 0;
    }
    if (!enforceable) return fail(enforceable.error());
    // Its directory pinned now, before the sandbox can touch it (see OutputFile).
    std::optional<OutputFile> report_file;
    if (opt.report.rfind("json:", 0) == 0) {
        auto pinned = OutputFile::pin(opt.report.substr(5), "report");
        if (!pinned) return fail(pinned.error());
        report_file.emplace(std::move(*pinned));
    }

    // Blocked before the start, so a signal that arrives meanwhile is forwarded, not lost.
    sigset_t forwarded = linux_::forwarded_signals();
    sigprocmask(SIG_BLOCK, &forwarded, nullptr);
    auto sandbox = linux_::Sandbox::start(*plan);
    if (!sandbox) {
        std::fprintf(stderr, "containerv: %s\n", sandbox.error().to_string().c_str());
        return linux_::exit_code_for(sandbox.error());
    }
    int code = sandbox->supervise(
        forwarded, opt.timeout > 0 ? std::optional<double>(opt.timeout) : std::nullopt);
    emit_report(opt, sandbox->report(), report_file);
    return code;
}

}  // namespace

// SRC, SRC:DST, or SRC:DST:OPT with OPT exactly "ro" or "rw". Anything else is refused rather
// than guessed: a mistyped "RO" must not silently give a writable mount.
Result<BindRequest> parse_bind(const std::string& spec) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t colon; (colon = spec.find(':', start)) != std::string::npos; start = colon + 1)
        parts.push_back(spec.substr(start, colon - start));
    parts.push_back(spec.substr(start));

    auto bad = [&](const std::string& why) {
        return Error::msg("bind", "--bind \"" + spec + "\": " + why +
                                      " (expected SRC[:DST[:ro|rw]]; paths cannot contain ':')");
    };
    if (parts.size() > 3) return bad("too many ':'");
    BindRequest bind;
    bind.source = parts[0];
    bind.target = parts.size() > 1 ? parts[1] : parts[0];
    if (bind.source.empty() || bind.target.empty()) return bad("empty path");
    if (parts.size() == 3) {
        if (parts[2] != "ro" && parts[2] != "rw") return bad("unknown option \"" + parts[2] + "\"");
        bind.read_only = parts[2] == "ro";
    }
    return bind;
}

std::vector<std::string> command_words(const std::vector<std::string>& remaining,
                                       const AfterDashes& after_dashes) {
    if (!remaining.empty() && remaining[0].size() > 1 && remaining[0][0] == '-') {
        throw CLI::ValidationError("unknown option \"" + remaining[0] +
                                   "\" (options come before the command)");
    }
    std::vector<std::string> command = remaining;
    if (after_dashes.seen && !command.empty()) command.emplace_back("--");
    command.insert(command.end(), after_dashes.words.begin(), after_dashes.words.end());
    return command;
}

void add_run(CLI::App& app, Action& action, const AfterDashes& after_dashes) {
    auto opt = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "Run COMMAND inside a sandbox");
    cmd->add_option("--profile", opt->profile,
                    "Security profile: NAME, or FILE (with a '/' or ending in .json)");
    cmd->add_option("--rootfs", opt->rootfs, "Use DIR as the root instead of the host's /");
    cmd->add_option("--bind", opt->binds, "Bind SRC to DST, read-only with :ro")
        ->type_name("SRC[:DST][:ro]");
    cmd->add_option("--user", opt->user, "Run as U[:G] (names or ids) instead of the profile's")
        ->each([opt](const std::string&) { opt->user_given = true; });
    cmd->add_option("--env", opt->env, "Set K=V in the command's environment")->type_name("K=V");
    cmd->add_option("--cwd", opt->cwd, "Working directory inside the sandbox");
    cmd->add_option("--seccomp", opt->seccomp,
                    "Syscall policy FILE (Docker, OCI or containerv) instead of the profile's, "
                    "or \"unconfined\"")
        ->type_name("FILE|unconfined");
    cmd->add_option("--timeout", opt->timeout,
                    "Kill the whole sandbox after SECONDS of wall time (exit status 124)")
        ->type_name("SECONDS")
        ->each([opt](const std::string&) { opt->timeout_given = true; });
    cmd->add_option("--report", opt->report,
                    "After the run, say why it ended: text (stderr), json (stderr) or "
                    "json:FILE")
        ->type_name("text|json|json:FILE");
    cmd->add_flag("--explain", opt->explain,
                  "Report on stderr each syscall the filter refuses: the call, the rule and "
                  "where the profile writes it (the answer stays the profile's)");
    cmd->add_option("--explain-json", opt->explain_json,
                    "With --explain, also write each report as one JSON object a line to FILE")
        ->type_name("FILE");
    cmd->add_option("--isolation", opt->isolation,
                    "namespaces (default), or landlock: no namespaces, for hosts that forbid "
                    "user namespaces; Landlock and seccomp carry the profile on the host's tree")
        ->type_name("namespaces|landlock");
    cmd->add_flag("--dry-run", opt->dry_run, "Print the plan and do not run");
    cmd->add_option("--log-level", opt->log_level, "trace, debug, info, warn, error, off");
    cmd->add_option("--accept-weaker", opt->accept_weaker,
                    "Run although FIELD cannot be enforced on this host (logged)")
        ->type_name("FIELD");
    // Each repeatable option takes one value per use, so none can swallow the command.
    for (auto* o : cmd->get_options()) o->allow_extra_args(false);
    // Everything from COMMAND on belongs to the command, its options included.
    cmd->prefix_command();
    cmd->footer("Usage: containerv run [OPTIONS] [--] COMMAND [ARG...]");
    cmd->callback([opt, cmd, &action, &after_dashes] {
        opt->command = command_words(cmd->remaining(), after_dashes);
        action = [opt] { return run(*opt); };
    });
}

}  // namespace containerv::cli
