// The C API's container options and containers, over RunRequest, the planner and Sandbox.
#include "capi/boundary.hpp"
#include "capi/convert.hpp"
#include "capi/host_plan.hpp"

#include "audit/audit.hpp"
#include "linux/launcher.hpp"
#include "plan/host.hpp"

#include <containerv/containerv.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace containerv;
using namespace containerv::capi;

// What the caller asks for on top of the profile; the profile starts as the built-in default.
struct containerv_options {
    RunRequest request;
};

// The request the container was created with, and the sandbox of its current command.
struct containerv_container {
    RunRequest request;
    std::optional<linux_::Sandbox> sandbox;
};

namespace containerv::capi {

Result<Plan> plan_for_host(RunRequest request, std::vector<std::string> argv) {
    request.argv = std::move(argv);
    auto plan = make_plan(request, probe_host());
    if (!plan) return plan.error();
    if (auto ok = check_enforceable(*plan); !ok) return ok.error();
    return plan;
}

}  // namespace containerv::capi

namespace {

bool running(const containerv_container& container) {
    return container.sandbox && container.sandbox->pid() > 0;
}

}  // namespace

extern "C" {

containerv_options* containerv_options_new(void) {
    return guarded<containerv_options*>(nullptr, [] {
        auto options = std::make_unique<containerv_options>();
        const Profile* profile = find_builtin("default");
        if (!profile) throw std::logic_error("built-in profile \"default\" is missing");
        options->request.profile = *profile;
        return options.release();
    });
}

void containerv_options_free(containerv_options* options) {
    clear_error();
    delete options;
}

int containerv_options_set_security_profile(containerv_options* options,
                                            const containerv_security_profile* profile) {
    return guarded(-1, [&] {
        if (!options || !profile)
            return fail(
                "options: the options and the profile must not "
                "be NULL");
        auto p = to_profile(*profile);
        if (!p) return fail(p.error());
        if (auto ok = check_consistency(*p); !ok) return fail(ok.error());
        options->request.profile = std::move(*p);
        return 0;
    });
}

int containerv_options_set_rootfs(containerv_options* options, const char* path) {
    return guarded(-1, [&] {
        if (!options) return fail("options: rootfs: the options are NULL");
        if (path)
            options->request.rootfs = path;
        else
            options->request.rootfs.reset();
        return 0;
    });
}

int containerv_options_add_bind(containerv_options* options, const char* source, const char* target,
                                bool read_only) {
    return guarded(-1, [&] {
        if (!options || !source || !*source)
            return fail("options: bind: the options and the source must not be NULL or empty");
        options->request.binds.push_back({source, target ? target : source, read_only});
        return 0;
    });
}

int containerv_options_add_env(containerv_options* options, const char* key_value) {
    return guarded(-1, [&] {
        if (!options || !key_value) return fail("options: env: NULL argument");
        const std::string kv = key_value;
        if (auto eq = kv.find('='); eq == std::string::npos || eq == 0)
            return fail("options: env: \"" + kv + "\" is not of the form KEY=VALUE");
        options->request.env.push_back(kv);
        return 0;
    });
}

int containerv_options_set_user(containerv_options* options, const char* user) {
    return guarded(-1, [&] {
        if (!options) return fail("options: user: the options are NULL");
        if (user && !*user) return fail("options: user: empty user (NULL means the profile's)");
        if (user)
            options->request.user = user;
        else
            options->request.user.reset();
        return 0;
    });
}

int containerv_options_set_cwd(containerv_options* options, const char* path) {
    return guarded(-1, [&] {
        if (!options) return fail("options: cwd: the options are NULL");
        if (path && path[0] != '/')
            return fail("options: cwd: \"" + std::string(path) + "\" is not an absolute path");
        if (path)
            options->request.cwd = path;
        else
            options->request.cwd.reset();
        return 0;
    });
}

int containerv_options_set_explain(containerv_options* options, int on) {
    return guarded(-1, [&] {
        if (!options) return fail("options: explain: the options are NULL");
        options->request.explain = on != 0;
        return 0;
    });
}

int containerv_options_accept_weaker(containerv_options* options, const char* field) {
    return guarded(-1, [&] {
        if (!options || !field || !*field)
            return fail(
                "options: accept weaker: the options and the field must not be NULL "
                "or empty");
        options->request.accept_weaker.insert(field);
        return 0;
    });
}

int containerv_create(const containerv_options* options, containerv_container** container) {
    return guarded(-1, [&] {
        if (!container) return fail("create: the output pointer is NULL");
        *container = nullptr;
        if (!options) return fail("create: the options are NULL");

        // Planned now so that a profile this host cannot enforce fails before anything runs;
        // spawn plans again with the real command.
        if (auto plan = plan_for_host(options->request, {"true"}); !plan) return fail(plan.error());
        auto created = std::make_unique<containerv_container>();
        created->request = options->request;
        *container = created.release();
        return 0;
    });
}

int containerv_spawn(containerv_container* container, const char* const* argv, pid_t* pid) {
    return guarded(-1, [&] {
        if (!container) return fail("spawn: the container is NULL");
        if (!argv || !argv[0] || !*argv[0]) return fail("spawn: no command given");
        if (running(*container))
            return fail("spawn: a command is already running in this container (pid " +
                        std::to_string(container->sandbox->pid()) +
                        "); containerv_wait for it first");

        std::vector<std::string> args;
        for (const char* const* arg = argv; *arg; ++arg) args.emplace_back(*arg);
        auto plan = plan_for_host(container->request, std::move(args));
        if (!plan) return fail(plan.error());
        auto started = linux_::Sandbox::start(*plan);
        if (!started) return fail(started.error());

        container->sandbox.reset();
        container->sandbox.emplace(std::move(*started));
        if (pid) *pid = container->sandbox->pid();
        return 0;
    });
}

int containerv_wait(containerv_container* container, int* exit_code) {
    return guarded(-1, [&] {
        if (!container || !exit_code)
            return fail("wait: the container and the exit code pointer must not be NULL");
        if (!container->sandbox) return fail("wait: nothing was spawned in this container");
        *exit_code = container->sandbox->wait();
        return 0;
    });
}

int containerv_kill(containerv_container* container, int sig) {
    return guarded(-1, [&] {
        if (!container) return fail("kill: the container is NULL");
        if (!running(*container)) return fail("kill: no command is running in this container");
        if (auto ok = container->sandbox->kill(sig); !ok) return fail(ok.error());
        return 0;
    });
}

void containerv_destroy(containerv_container* container) {
    clear_error();
    // The sandbox's destructor kills and reaps a command nobody waited for.
    delete container;
}

}  // extern "C"

// ---- Audit ----------------------------------------------------------------------------------

namespace {

// The sandbox's command: the only child of its pid 1 (containerv's init). The kernel lists
// a task's children in /proc/PID/task/PID/children.
Result<pid_t> command_of(pid_t init) {
    const std::string path =
        "/proc/" + std::to_string(init) + "/task/" + std::to_string(init) + "/children";
    std::ifstream in(path);
    long child = 0;
    if (!(in >> child) || child <= 0)
        return Error::msg("audit", "the container's command is not running (" + path +
                                       " lists no child of its init)");
    return static_cast<pid_t>(child);
}

void copy_text(char* buffer, size_t size, const std::string& text) {
    size_t n = std::min(size - 1, text.size());
    std::memcpy(buffer, text.data(), n);
    buffer[n] = '\0';
}

}  // namespace

extern "C" {

int containerv_security_audit(containerv_container* container,
                              const containerv_security_profile* profile,
                              struct containerv_security_audit* audit) {
    // The function's name hides the struct's in C++, hence "struct" above.
    return guarded(-1, [&] {
        if (!audit) return fail("audit: the audit result must not be NULL");
        std::memset(audit, 0, sizeof *audit);
        if (!container && !profile)
            return fail("audit: give a container, a profile, or both (both NULL)");
        std::optional<Profile> expected;
        if (profile) {
            auto p = to_profile(*profile);
            if (!p) return fail(p.error());
            expected = std::move(*p);
        } else {
            expected = container->request.profile;
        }
        Result<audit::Audit> result = audit::audit_profile(*expected);
        if (container) {
            if (!running(*container))
                return fail(
                    "audit: the container has no running command (containerv_spawn it "
                    "first)");
            auto command = command_of(container->sandbox->pid());
            if (!command) return fail(command.error());
            result = audit::audit_process(*command, &*expected);
            if (!result) return fail(result.error());
        }
        const audit::Audit& a = *result;
        using audit::Check;
        audit->capabilities_minimal = a.result(Check::capabilities_minimal).passed;
        audit->no_privileged_access = a.result(Check::no_privileged_access).passed;
        audit->filesystem_restricted = a.result(Check::filesystem_restricted).passed;
        audit->network_controlled = a.result(Check::network_controlled).passed;
        audit->syscalls_filtered = a.result(Check::syscalls_filtered).passed;
        audit->resources_limited = a.result(Check::resources_limited).passed;
        audit->isolation_complete = a.result(Check::isolation_complete).passed;
        audit->secrets_protected = a.result(Check::secrets_protected).passed;
        copy_text(audit->audit_log, sizeof audit->audit_log, audit::summary(a));
        audit->audit_time = a.time;
        copy_text(audit->auditor, sizeof audit->auditor, a.auditor);
        if (a.all_passed()) return 0;
        std::string first = audit::summary(a);
        return fail("audit: " + first.substr(0, first.find('\n')));
    });
}

}  // extern "C"
