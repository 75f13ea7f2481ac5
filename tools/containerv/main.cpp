// containerv: run a command inside a sandbox described by a security profile.
#include "commands.hpp"

#include "base/printable.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

bool is_learning(int argc, char** argv) {
    return argc > 2 && std::strcmp(argv[1], "profile") == 0 && std::strcmp(argv[2], "learn") == 0;
}

int run_cli(int argc, char** argv) {
    // One line per message on stderr, quiet unless asked; stdout is the command's.
    auto logger = spdlog::stderr_logger_st("containerv");
    logger->set_pattern("containerv: %l: %v");
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);

    CLI::App app{"containerv: run programs inside a sandbox described by a security profile"};
    app.require_subcommand(1);
    // As bwrap, crun and runc answer it; CLI11 handles it before any subcommand is required.
    app.set_version_flag("--version", "containerv " CONTAINERV_VERSION_STRING);
    // run's COMMAND follows "--" and is never parsed: its options are its own.
    containerv::cli::AfterDashes after_dashes;
    bool learning = is_learning(argc, argv);
    if (argc > 1 && (std::strcmp(argv[1], "run") == 0 || learning)) {
        for (int i = 2; i < argc; ++i) {
            if (std::strcmp(argv[i], "--") != 0) continue;
            after_dashes.seen = true;
            after_dashes.words.assign(argv + i + 1, argv + argc);
            argc = i;
            break;
        }
    }
    containerv::cli::Action action;
    // Only the subcommand named by argv[1] is registered when it is one: CLI11 builds every
    // option with a handful of strings, and the whole tree was a fifth of a start's user time.
    // Anything else (no subcommand, --help, a typo) gets the whole tree for its message.
    const std::string first = argc > 1 ? argv[1] : "";
    const bool known = first == "run" || first == "profile" || first == "seccomp" ||
                       first == "audit" || first == "report";
    if (!known && first.size() > 1 && first[0] == '-' && first != "-h" && first != "--help" &&
        first != "--version") {
        // CLI11 would list the words it did not expect, backwards.
        std::fprintf(stderr,
                     "containerv: \"%s\" before the subcommand: options follow it, as in "
                     "containerv run --profile NAME -- COMMAND (see containerv --help)\n",
                     containerv::printable(first).c_str());
        return 2;
    }
    if (!known && argc > 1 && (first.empty() || first == "-" || first[0] != '-')) {
        // CLI11 would say a subcommand is required, which reads as if none had been given.
        std::fprintf(stderr,
                     "containerv: unknown subcommand \"%s\": run, profile, seccomp, audit or "
                     "report (see containerv --help)\n",
                     containerv::printable(first).c_str());
        return 2;
    }
    auto wanted = [&](const char* name) { return !known || first == name; };
    if (wanted("run")) containerv::cli::add_run(app, action, after_dashes);
    if (wanted("profile")) {
        containerv::cli::add_profile(app, action);
        containerv::cli::add_profile_learn(*app.get_subcommand("profile"), action, after_dashes);
    }
    if (wanted("seccomp")) containerv::cli::add_seccomp(app, action);
    if (wanted("audit")) containerv::cli::add_audit(app, action);
    if (wanted("report")) containerv::cli::add_report(app, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "containerv: %s (see containerv --help)\n",
                     containerv::printable(e.what()).c_str());
        // The container engines' code for "the runtime failed" when running; 2 elsewhere.
        bool running = (argc > 1 && std::strcmp(argv[1], "run") == 0) || learning;
        return running ? 125 : 2;
    }
    return action ? action() : 0;
}

}  // namespace

// Whatever escapes the commands (std::bad_alloc, a library's exception) is reported on one
// line with the subcommand's own failure status (125 for run and profile learn, as their
// failures are; 2 for the others, which answer with 0 or 1) rather than ending in
// std::terminate's abort. Nothing after clone gets here: sandbox_main is noexcept.
int main(int argc, char** argv) {
    try {
        return run_cli(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "containerv: %s\n", containerv::printable(e.what()).c_str());
    } catch (...) {
        std::fprintf(stderr, "containerv: an unknown exception\n");
    }
    bool running = argc > 1 && std::strcmp(argv[1], "run") == 0;
    return running || is_learning(argc, argv) ? 125 : 2;
}
