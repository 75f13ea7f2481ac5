// containerv: run a command inside a sandbox described by a security profile.
#include "commands.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    // One line per message on stderr, quiet unless asked; stdout is the command's.
    auto logger = spdlog::stderr_logger_st("containerv");
    logger->set_pattern("containerv: %l: %v");
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);

    CLI::App app{"containerv: run programs inside a sandbox described by a security profile"};
    app.require_subcommand(1);
    // run's COMMAND follows "--" and is never parsed: its options are its own.
    std::vector<std::string> after_dashes;
    bool learning =
        argc > 2 && std::strcmp(argv[1], "profile") == 0 && std::strcmp(argv[2], "learn") == 0;
    if (argc > 1 && (std::strcmp(argv[1], "run") == 0 || learning)) {
        for (int i = 2; i < argc; ++i) {
            if (std::strcmp(argv[i], "--") != 0) continue;
            after_dashes.assign(argv + i + 1, argv + argc);
            argc = i;
            break;
        }
    }
    containerv::cli::Action action;
    containerv::cli::add_run(app, action, after_dashes);
    containerv::cli::add_profile(app, action);
    containerv::cli::add_profile_learn(*app.get_subcommand("profile"), action, after_dashes);
    containerv::cli::add_seccomp(app, action);
    containerv::cli::add_audit(app, action);
    containerv::cli::add_report(app, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "containerv: %s (see containerv --help)\n", e.what());
        // The container engines' code for "the runtime failed" when running; 2 elsewhere.
        bool running = argc > 1 && std::strcmp(argv[1], "run") == 0;
        return running ? 125 : 2;
    }
    return action ? action() : 0;
}
