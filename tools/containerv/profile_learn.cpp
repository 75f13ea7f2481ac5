// containerv profile learn: run a command with every syscall allowed and recorded, then write
// the smallest profile that lets that run pass. Learning is not a security boundary.
#include "commands.hpp"

#include "base/atomic_file.hpp"

#include "linux/launcher.hpp"
#include "plan/host.hpp"
#include "plan/plan.hpp"
#include "profile/store.hpp"

#include <containerv/profile.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace containerv::cli {
namespace {

using nlohmann::json;

struct LearnOptions {
    std::string from = "default";
    std::string output;
    std::string merge;
    std::vector<std::string> binds;
    std::vector<std::string> accept_weaker;
    std::vector<std::string> command;
};

int fail(const Error& error) {
    std::fprintf(stderr, "containerv: %s\n", error.to_string().c_str());
    return 125;
}

// Where writes never need a profile entry: the sandbox's own fresh directories.
bool in_fresh_place(const std::string& path, const std::vector<BindRequest>& binds) {
    for (const char* dir : {"/tmp/", "/var/tmp/", "/run/", "/dev/", "/proc/", "/sys/"}) {
        if (path.rfind(dir, 0) == 0) return true;
    }
    for (const auto& b : binds) {
        if (path == b.target || path.rfind(b.target + "/", 0) == 0) return true;
    }
    return false;
}

std::string parent_dir(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::set<std::string> string_set(const json& j, const char* a, const char* b) {
    std::set<std::string> out;
    if (j.contains(a) && j[a].is_object() && j[a].contains(b) && j[a][b].is_array()) {
        for (const auto& v : j[a][b]) {
            if (v.is_string() && v.get<std::string>().rfind("-", 0) != 0)
                out.insert(v.get<std::string>());
        }
    }
    return out;
}

// The profile text: FROM extended, an allow-list of what the run called (names FROM's own
// rules decide are left to those rules, which keep their argument conditions), everything
// FROM allowed or blocked otherwise taken out, errno EPERM by default.
json learned_profile(const Profile& from, const std::string& from_spec, const std::string& name,
                     const std::set<std::string>& calls, const std::set<std::string>& writable,
                     const std::vector<std::string>& command) {
    std::set<std::string> ruled;
    for (const auto& rule : from.syscalls.rules) ruled.insert(rule.names.begin(), rule.names.end());
    json allowed = json::array();
    for (const auto& call : calls) {
        if (!ruled.count(call) && call.rfind("#", 0) != 0) allowed.push_back(call);
    }
    for (const auto& inherited : from.syscalls.allowed) {
        if (!calls.count(inherited)) allowed.push_back("-" + inherited);
    }
    json blocked = json::array();
    for (const auto& inherited : from.syscalls.blocked) {
        if (calls.count(inherited)) blocked.push_back("-" + inherited);
    }
    std::string cmd;
    for (const auto& word : command) cmd += (cmd.empty() ? "" : " ") + word;
    json out = {
        {"name", name},
        {"extends", from_spec},
        {"description", "Learned by containerv profile learn from: " + cmd +
                            ". Learning is not a security boundary: review it."},
        {"syscalls", {{"default_action", "errno"}, {"default_errno", 1}, {"allowed", allowed}}}};
    if (!blocked.empty()) out["syscalls"]["blocked"] = blocked;
    if (!writable.empty()) out["filesystem"] = {{"writable_paths", writable}};
    return out;
}

int learn(const LearnOptions& opt) {
    if (opt.output.empty()) return fail(Error::msg("learn", "-o FILE is required"));
    // Before the run, not after it: a long run must not be lost to a typo in -o.
    // Pinned, not only checked: the command may swap the directory for a link while it runs.
    auto output = OutputFile::pin(opt.output, "learn");
    if (!output) return fail(output.error());
    if (opt.command.empty()) return fail(Error::msg("learn", "no COMMAND after --"));
    // The learned profile extends FROM by name, as every "extends" does.
    if (is_profile_path(opt.from))
        return fail(Error::msg("learn", "--from " + opt.from +
                                            ": a profile NAME (stored or built-in) is needed, "
                                            "since the learned profile extends it by name"));
    auto from = ProfileStore::from_environment().load_name_or_file(opt.from);
    if (!from) return fail(from.error());

    // Earlier runs to merge: their syscalls and writable paths.
    std::set<std::string> calls;
    std::set<std::string> writable;
    if (!opt.merge.empty()) {
        auto text = read_profile_text(opt.merge);
        if (!text) return fail(text.error());
        json earlier = json::parse(*text, nullptr, false);
        if (earlier.is_discarded() || !earlier.is_object())
            return fail(Error::msg("learn", "--merge " + opt.merge + ": not a JSON object"));
        calls = string_set(earlier, "syscalls", "allowed");
        writable = string_set(earlier, "filesystem", "writable_paths");
    }

    RunRequest request;
    request.profile = from->profile;
    for (const auto& spec : opt.binds) {
        auto bind = parse_bind(spec);
        if (!bind) return fail(bind.error());
        request.binds.push_back(*bind);
    }
    request.accept_weaker.insert(opt.accept_weaker.begin(), opt.accept_weaker.end());
    request.argv = opt.command;
    request.learn = std::make_shared<seccomp::LearnRecord>();
    auto plan = make_plan(request, probe_host());
    if (!plan) return fail(plan.error());
    if (auto ok = check_enforceable(*plan); !ok) return fail(ok.error());

    std::fputs(
        "containerv: learn: every syscall of the command is allowed and recorded. "
        "Learning is not a security boundary: run only what you would run unconfined.\n",
        stderr);
    sigset_t forwarded = linux_::forwarded_signals();
    sigprocmask(SIG_BLOCK, &forwarded, nullptr);
    int status;
    {
        auto sandbox = linux_::Sandbox::start(*plan);
        if (!sandbox) {  // 126/127 for a command that cannot run, as run says
            std::fprintf(stderr, "containerv: %s\n", sandbox.error().to_string().c_str());
            return linux_::exit_code_for(sandbox.error());
        }
        status = sandbox->supervise(forwarded);
    }

    const seccomp::LearnRecord& seen = *request.learn;
    calls.insert(seen.syscalls.begin(), seen.syscalls.end());
    for (const auto& path : seen.written) {
        if (!in_fresh_place(path, request.binds)) writable.insert(parent_dir(path));
    }
    std::string name = opt.output.substr(opt.output.find_last_of('/') + 1);
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0)
        name.resize(name.size() - 5);
    json out = learned_profile(from->profile, opt.from, name, calls, writable, opt.command);
    if (auto ok = output->replace(out.dump(2) + "\n"); !ok) return fail(ok.error());

    std::fprintf(stderr, "containerv: learn: %zu syscalls this run, %zu in %s\n",
                 seen.syscalls.size(), calls.size(), opt.output.c_str());
    for (const auto& path : seen.written)
        std::fprintf(stderr, "containerv: learn: wrote %s\n", path.c_str());
    for (const auto& peer : seen.contacted)
        std::fprintf(stderr,
                     "containerv: learn: contacted %s (not written into the profile: no "
                     "mechanism enforces network.allowed_hosts/allowed_ports yet)\n",
                     peer.c_str());
    if (status != 0)
        std::fprintf(stderr,
                     "containerv: learn: the command failed with status %d; the "
                     "profile lets this failing run pass, no more\n",
                     status);
    return status;
}

}  // namespace

void add_profile_learn(CLI::App& profile, Action& action, const AfterDashes& after_dashes) {
    auto opt = std::make_shared<LearnOptions>();
    CLI::App* cmd = profile.add_subcommand(
        "learn",
        "Run COMMAND with every syscall allowed and recorded, and write the smallest profile "
        "that lets it pass (NOT a security boundary)");
    cmd->add_option("--from", opt->from, "Profile to extend: NAME or FILE (default: default)");
    // Required, but checked by learn(): CLI11's own check would come before a misspelt
    // option is named (command_words).
    cmd->add_option("-o,--output", opt->output, "The learned profile's FILE (required)");
    cmd->add_option("--merge", opt->merge, "A profile learned before: its calls are kept")
        ->type_name("FILE");
    cmd->add_option("--bind", opt->binds, "Bind SRC to DST, read-only with :ro")
        ->type_name("SRC[:DST][:ro]");
    cmd->add_option("--accept-weaker", opt->accept_weaker,
                    "Run although FIELD cannot be enforced on this host (logged)")
        ->type_name("FIELD");
    for (auto* o : cmd->get_options()) o->allow_extra_args(false);
    cmd->prefix_command();
    cmd->footer(
        "Usage: containerv profile learn [--from PROFILE] -o FILE [--merge FILE] -- "
        "COMMAND [ARG...]");
    cmd->callback([opt, cmd, &action, &after_dashes] {
        opt->command = command_words(cmd->remaining(), after_dashes);
        action = [opt] { return learn(*opt); };
    });
}

}  // namespace containerv::cli
