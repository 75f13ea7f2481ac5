// cv-bench-seccomp: the seccomp figures of bench/run (measurements 2 and 3 of issue 10).
//
//   cv-bench-seccomp apply ROUNDS     warm (cached program) against cold (libseccomp) apply
//   cv-bench-seccomp syscall ROUNDS   cost of one call under each filter
//
// A loaded filter cannot be removed, so every sample runs in a forked child, which sends its
// figure back through a pipe. Variants are interleaved round by round, so that a noisy
// neighbour slows them all alike; the output is one "name median min max" line per figure, in
// microseconds (apply) or nanoseconds (syscall), for bench/run to turn into ratios.
//
// A small timing program rather than Google Benchmark: each sample needs a fresh process,
// and the interleaving across processes is what keeps the ratios honest on a shared machine.
#include "seccomp/cache.hpp"
#include "seccomp/compile.hpp"

#include <containerv/profile.hpp>

#include <seccomp.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

using containerv::Profile;
using containerv::seccomp::BpfProgram;
using containerv::seccomp::CompileOptions;

double now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "cv-bench-seccomp: %s\n", what.c_str());
    std::exit(2);
}

// Runs body in a child and returns the number it writes; the child exits right after.
double in_child(const std::function<double()>& body) {
    int fds[2];
    if (pipe(fds) != 0) die("pipe failed");
    pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
        close(fds[0]);
        double value = body();
        if (write(fds[1], &value, sizeof value) != sizeof value) _exit(3);
        _exit(0);
    }
    close(fds[1]);
    double value = -1;
    ssize_t got = read(fds[0], &value, sizeof value);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != sizeof value || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || value < 0) {
        die("a measuring child failed (status " + std::to_string(status) + ")");
    }
    return value;
}

void no_new_privs() {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(4);
}

void load_or_exit(const BpfProgram& program) {
    if (containerv::seccomp::load(program) != 0) _exit(5);
}

const Profile& builtin(const char* name) {
    const Profile* profile = containerv::find_builtin(name);
    if (profile == nullptr) die(std::string("no built-in profile ") + name);
    return *profile;
}

void print(const std::string& name, std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    std::printf("%s %.3f %.3f %.3f\n", name.c_str(), samples[samples.size() / 2], samples.front(),
                samples.back());
}

// Apply = make the program (compile, or read the cache) and load it, as the launcher does.
int apply(int rounds) {
    std::map<std::string, std::vector<double>> samples;
    for (const char* name : {"default", "untrusted"}) {
        const Profile& profile = builtin(name);
        const CompileOptions options = containerv::seccomp::options_for(profile.level);
        bool hit = false;
        auto ready = containerv::seccomp::compile_cached(profile.syscalls, options, &hit);
        if (!ready) die(std::string("cannot compile the filter of ") + name);
        for (int round = 0; round < rounds; ++round) {
            samples[std::string("apply_cold_") + name].push_back(in_child([&] {
                no_new_privs();
                double start = now_ns();
                auto program = containerv::seccomp::compile(profile.syscalls, options);
                if (!program) _exit(6);
                load_or_exit(*program);
                return (now_ns() - start) / 1e3;
            }));
            samples[std::string("apply_warm_") + name].push_back(in_child([&] {
                no_new_privs();
                double start = now_ns();
                bool warm = false;
                auto program =
                    containerv::seccomp::compile_cached(profile.syscalls, options, &warm);
                if (!program || !warm) _exit(7);
                load_or_exit(*program);
                return (now_ns() - start) / 1e3;
            }));
            // The kernel's share of a warm apply: the load of a program already in memory.
            samples[std::string("apply_load_only_") + name].push_back(in_child([&] {
                no_new_privs();
                double start = now_ns();
                load_or_exit(*ready);
                return (now_ns() - start) / 1e3;
            }));
        }
    }
    for (const auto& [name, values] : samples) print(name + "_us", values);
    return 0;
}

constexpr int kCalls = 200000;

double time_getppid() {
    double start = now_ns();
    for (int i = 0; i < kCalls; ++i) syscall(SYS_getppid);
    return (now_ns() - start) / kCalls;
}

// personality(0xffffffff) only queries; Docker's list allows it by an argument check.
double time_personality() {
    double start = now_ns();
    for (int i = 0; i < kCalls; ++i) syscall(SYS_personality, 0xffffffffUL);
    return (now_ns() - start) / kCalls;
}

// The kernel's floor for any filter: one instruction, allow.
BpfProgram one_rule() {
    BpfProgram program;
    program.insns.push_back(sock_filter{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW});
    return program;
}

// The reference of issue 10: the same rules handed straight to libseccomp with its binary-tree
// layout, for the native ABI only, with none of containerv's additions (32-bit argument
// guards, ENOSYS for newer calls, the compat ABIs). Allowing rules only: they are what the
// timed calls meet. Exported through a memfd into a program that containerv's load() takes.
BpfProgram libseccomp_tree(const containerv::SyscallPolicy& policy) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(1));
    if (ctx == nullptr) die("seccomp_init failed");
    if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
        seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
        die("seccomp_attr_set failed");
    auto add = [&](const std::string& name, const std::vector<containerv::ArgCondition>& args) {
        int nr = seccomp_syscall_resolve_name(name.c_str());
        if (nr == __NR_SCMP_ERROR) return;
        std::vector<scmp_arg_cmp> cmps;
        for (const auto& a : args) {
            using Op = containerv::ArgCondition::Op;
            scmp_compare op = a.op == Op::eq   ? SCMP_CMP_EQ
                              : a.op == Op::ne ? SCMP_CMP_NE
                              : a.op == Op::lt ? SCMP_CMP_LT
                              : a.op == Op::le ? SCMP_CMP_LE
                              : a.op == Op::gt ? SCMP_CMP_GT
                              : a.op == Op::ge ? SCMP_CMP_GE
                                               : SCMP_CMP_MASKED_EQ;
            cmps.push_back(scmp_arg_cmp{a.index, op, a.value, a.value_two});
        }
        seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, static_cast<unsigned>(cmps.size()),
                               cmps.data());
    };
    for (const auto& name : policy.allowed) add(name, {});
    for (const auto& rule : policy.rules) {
        if (rule.action != containerv::SyscallAction::allow) continue;
        for (const auto& name : rule.names) add(name, rule.args);
    }
    int fd = memfd_create("tree", MFD_CLOEXEC);
    if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0) die("seccomp_export_bpf failed");
    seccomp_release(ctx);
    BpfProgram program;
    off_t size = lseek(fd, 0, SEEK_END);
    program.insns.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
    if (pread(fd, program.insns.data(), static_cast<std::size_t>(size), 0) != size)
        die("reading the exported filter failed");
    close(fd);
    return program;
}

int syscalls(int rounds) {
    const Profile& profile = builtin("default");
    CompileOptions options = containerv::seccomp::options_for(profile.level);
    auto ours = containerv::seccomp::compile_cached(profile.syscalls, options);
    if (!ours) die("cannot compile the default profile's filter");
    const BpfProgram tree = libseccomp_tree(profile.syscalls);
    const std::vector<std::pair<std::string, const BpfProgram*>> variants = {
        {"none", nullptr}, {"onerule", nullptr}, {"containerv", &*ours}, {"tree", &tree}};
    const BpfProgram floor = one_rule();

    std::map<std::string, std::vector<double>> samples;
    for (int round = 0; round < rounds; ++round) {
        for (const auto& [name, program] : variants) {
            for (bool checked : {false, true}) {
                const std::string key = std::string(checked ? "personality_" : "getppid_") + name;
                samples[key].push_back(in_child([&, name = name, program = program] {
                    no_new_privs();
                    if (name == "onerule") load_or_exit(floor);
                    if (program != nullptr) load_or_exit(*program);
                    if (checked && syscall(SYS_personality, 0xffffffffUL) < 0) _exit(8);
                    return checked ? time_personality() : time_getppid();
                }));
            }
        }
    }
    for (const auto& [name, values] : samples) print(name + "_ns", values);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) die("usage: cv-bench-seccomp apply|syscall ROUNDS");
    const int rounds = std::atoi(argv[2]);
    if (rounds < 1) die("ROUNDS must be a positive number");
    const std::string mode = argv[1];
    if (mode == "apply") return apply(rounds);
    if (mode == "syscall") return syscalls(rounds);
    die("unknown mode " + mode);
}
