// containerv seccomp export and explain: a profile's filter as OCI JSON or BPF, and why a
// syscall gets its action.
#include "commands.hpp"

#include "profile/store.hpp"
#include "seccomp/compile.hpp"
#include "seccomp/explain.hpp"

#include <containerv/profile.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

namespace containerv::cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

int fail(const Error& error, int status = kFailed) {
    std::fprintf(stderr, "containerv: %s\n", error.to_string().c_str());
    return status;
}

Result<Profile> load_profile(const std::string& spec) {
    auto loaded = ProfileStore::from_environment().load_name_or_file(spec);
    if (!loaded) return loaded.error();
    return loaded->profile;
}

// The profile's policy laid out as `run` compiles it, the profile's level included.
Result<seccomp::FilterLayout> profile_layout(const Profile& profile) {
    return seccomp::layout(profile.syscalls, seccomp::options_for(profile.level));
}

Status write_all(int fd, const char* data, std::size_t size, const std::string& path) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("seccomp", "write", path, errno);
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return Ok{};
}

// Raw sock_filter instructions, as seccomp(2) and `bpf_asm`-style tools read them.
int export_bpf(const Profile& profile, const std::string& output) {
    auto program = seccomp::compile(profile.syscalls, seccomp::options_for(profile.level));
    if (!program) return fail(program.error());
    const auto* data = reinterpret_cast<const char*>(program->insns.data());
    const std::size_t size = program->insns.size() * sizeof(sock_filter);
    if (output.empty() || output == "-") {
        if (auto ok = write_all(STDOUT_FILENO, data, size, "stdout"); !ok) return fail(ok.error());
        return kOk;
    }
    int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(Error::sys("seccomp", "open", output, errno));
    Status written = write_all(fd, data, size, output);
    if (::close(fd) != 0 && written) written = Error::sys("seccomp", "close", output, errno);
    if (!written) return fail(written.error());
    return kOk;
}

int export_oci(const seccomp::FilterLayout& layout, const std::string& output) {
    const std::string text = seccomp::oci_seccomp(layout).dump(2) + "\n";
    if (output.empty() || output == "-") {
        std::fputs(text.c_str(), stdout);
        return kOk;
    }
    int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(Error::sys("seccomp", "open", output, errno));
    Status written = write_all(fd, text.data(), text.size(), output);
    if (::close(fd) != 0 && written) written = Error::sys("seccomp", "close", output, errno);
    if (!written) return fail(written.error());
    return kOk;
}

struct ExportOptions {
    std::string profile;
    std::string format = "oci";
    std::string output;
};

int export_policy(const ExportOptions& opt) {
    if (opt.format != "oci" && opt.format != "bpf") {
        return fail(Error::msg("seccomp", "export: unknown format \"" + opt.format +
                                              "\" (expected oci or bpf)"),
                    kUsage);
    }
    auto profile = load_profile(opt.profile);
    if (!profile) return fail(profile.error());
    if (opt.format == "bpf") return export_bpf(*profile, opt.output);
    auto layout = profile_layout(*profile);
    if (!layout) return fail(layout.error());
    return export_oci(*layout, opt.output);
}

int explain(const std::string& spec, const std::string& syscall) {
    auto profile = load_profile(spec);
    if (!profile) return fail(profile.error());
    auto layout = profile_layout(*profile);
    if (!layout) return fail(layout.error());
    if (syscall.empty()) {
        std::fputs(seccomp::explain_table(*layout).c_str(), stdout);
        return kOk;
    }
    auto text = seccomp::explain_syscall(*layout, syscall);
    if (!text) return fail(text.error());
    std::fputs(text->c_str(), stdout);
    return kOk;
}

}  // namespace

void add_seccomp_export(CLI::App& seccomp, Action& action) {
    auto export_opt = std::make_shared<ExportOptions>();
    CLI::App* e = seccomp.add_subcommand("export", "Print a profile's syscall filter");
    e->add_option("profile", export_opt->profile, "NAME or FILE")->required();
    e->add_option("--format", export_opt->format,
                  "oci (linux.seccomp JSON, the default) or bpf (raw sock_filter program)");
    e->add_option("-o,--output", export_opt->output, "Write to FILE instead of stdout");
    e->callback(
        [export_opt, &action] { action = [export_opt] { return export_policy(*export_opt); }; });

    auto explain_spec = std::make_shared<std::string>();
    auto explain_syscall = std::make_shared<std::string>();
    CLI::App* x = seccomp.add_subcommand(
        "explain", "Show the action for each syscall and ABI, or why one syscall gets its own");
    x->add_option("profile", *explain_spec, "NAME or FILE")->required();
    x->add_option("--syscall", *explain_syscall, "Explain this syscall only");
    x->callback([explain_spec, explain_syscall, &action] {
        action = [explain_spec, explain_syscall] {
            return explain(*explain_spec, *explain_syscall);
        };
    });
}

}  // namespace containerv::cli
