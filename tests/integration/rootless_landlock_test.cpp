// Landlock from inside real sandboxes: writes only where the profile says, nothing in masked
// paths, TCP only to allowed ports; under namespaces (where the mounts would allow more) and
// under --isolation landlock (where nothing but Landlock and seccomp stands in the way).
#include "sandbox_run.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace cvtest {
namespace {

// Landlock constants the tests need, as the kernel defines them (the headers here are older).
constexpr unsigned kCreateRulesetVersion = 1U << 0;

int landlock_abi() {
    long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
    return abi > 0 ? static_cast<int>(abi) : 0;
}

std::optional<std::string> missing_landlock() {
    int abi = landlock_abi();
    if (abi >= 4) return std::nullopt;
    return "this kernel's Landlock ABI is " + std::to_string(abi) + " (TCP port rules need ABI 4)";
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

void make_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0) throw std::runtime_error("mkdir " + path);
}

class RootlessLandlock : public ::testing::Test {
protected:
    void SetUp() override {
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        CV_SKIP_IF(missing_landlock());
        probe_dir();
    }

    // A profile file in its own directory: read-only root, the given writable and masked
    // paths, TCP to `port` only, Landlock as `landlock` says.
    std::string profile(const std::string& writable, const std::string& masked,
                        const std::string& port, const std::string& landlock = "required") {
        std::string path = profiles_.path() + "/ll-" + std::to_string(count_++) + ".json";
        write_text(path,
                   "{\"name\": \"ll-test\", \"extends\": \"default\",\n"
                   " \"process\": {\"run_as_uid\": " +
                       std::to_string(::getuid()) +
                       ", \"run_as_gid\": " + std::to_string(::getgid()) + "},\n" +
                       " \"filesystem\": {\"read_only_root\": true, \"writable_paths\": [\"" +
                       writable + "\"], \"masked_paths\": [\"" + masked + "\"]},\n" +
                       " \"network\": {\"allowed_ports\": [\"tcp:" + port + "\"]},\n" +
                       " \"mac\": {\"landlock\": \"" + landlock + "\"}}\n");
        return path;
    }

    // `run` with PROFILE and the flags it needs, then the probe (at PROBE) with ARGS.
    std::map<std::string, std::string> run_probe(const std::string& profile_file,
                                                 const std::vector<std::string>& options,
                                                 const std::string& probe,
                                                 const std::vector<std::string>& args) {
        std::vector<std::string> argv{"run", "--profile", profile_file, "--accept-weaker",
                                      "network.allowed_ports"};
        if (rootless_caller_has_other_groups()) {
            argv.push_back("--accept-weaker");
            argv.push_back("process.groups");
        }
        argv.insert(argv.end(), options.begin(), options.end());
        argv.push_back("--");
        argv.push_back(probe);
        argv.insert(argv.end(), args.begin(), args.end());
        Outcome outcome = containerv(argv);
        EXPECT_EQ(outcome.code(), 0)
            << ::testing::PrintToString(args) << ": " << outcome.describe();
        return parse_report(outcome.out);
    }

    TempDir profiles_;
    int count_ = 0;
};

// Namespaces and Landlock together. The host directory is bound writable at /mnt (and open to
// every id, so the mounts and permissions let the sandbox write there) and holds a masked
// directory: the mounts alone let the sandbox write and show the mask as an empty directory;
// with Landlock the same operations fail with EACCES, so Landlock holds whatever the mounts
// say. (A masked file is /dev/null bound over it, whose inode the sandbox may read and write
// anyway: it reads as empty under both layers.)
TEST_F(RootlessLandlock, HoldsBeneathWhatTheMountsAllow) {
    TempDir data(0777);
    make_dir(data.path() + "/hidden");
    write_text(data.path() + "/hidden/secret", "secret\n");
    Listener allowed;
    Listener other;
    const std::vector<std::string> bind{"--bind", probe_dir() + ":" + kProbeMount + ":ro", "--bind",
                                        data.path() + ":/mnt"};
    const std::string probe = probe_in_sandbox();

    std::string with = profile("/tmp/ok", "/mnt/hidden", allowed.port());
    std::string without = profile("/tmp/ok", "/mnt/hidden", allowed.port(), "off");

    EXPECT_EQ(run_probe(with, bind, probe, {"write", "/tmp/ok/file"})["result"], "ok")
        << "a writable path is writable";

    // The bind is writable for the mount layer...
    EXPECT_EQ(run_probe(without, bind, probe, {"write", "/mnt/new"})["result"], "ok");
    // ...and Landlock, which the profile does not let write there, says no.
    EXPECT_EQ(run_probe(with, bind, probe, {"write", "/mnt/new2"})["result"], "EACCES");
    EXPECT_FALSE(path_exists(data.path() + "/new2"));

    // The mask alone is an empty directory; with Landlock it cannot be opened at all.
    auto masked = run_probe(without, bind, probe, {"ls", "/mnt/hidden"});
    EXPECT_EQ(masked["result"], "ok");
    EXPECT_EQ(masked["count"], "0");
    EXPECT_EQ(run_probe(without, bind, probe, {"read", "/mnt/hidden/secret"})["result"], "ENOENT");
    EXPECT_EQ(run_probe(with, bind, probe, {"ls", "/mnt/hidden"})["result"], "EACCES");

    // The rest of the root stays readable.
    EXPECT_EQ(run_probe(with, bind, probe, {"read", "/etc/passwd"})["result"], "ok");

    // TCP: the allowed port connects, another one is refused before anything is sent.
    EXPECT_EQ(run_probe(with, bind, probe, {"connect", "127.0.0.1", allowed.port()})["result"],
              "ok");
    EXPECT_EQ(allowed.accept_all(), 1);
    EXPECT_EQ(run_probe(with, bind, probe, {"connect", "127.0.0.1", other.port()})["result"],
              "EACCES");
    EXPECT_EQ(other.accept_all(), 0) << "a connection to a port not allowed arrived";
    // bind to an automatic port stays possible, as with the cgroup port filter; another
    // fixed port does not.
    EXPECT_EQ(run_probe(with, bind, probe, {"bind", "tcp", "0"})["result"], "ok");
    EXPECT_EQ(run_probe(with, bind, probe, {"bind", "tcp", other.port()})["result"], "EACCES");
}

// --isolation landlock: no namespace, no mount; the host's own tree with Landlock on it. The
// test's own directory is writable for the caller, so every EACCES below is Landlock's.
TEST_F(RootlessLandlock, IsolationLandlockConfinesOnTheHostsTree) {
    TempDir data;
    make_dir(data.path() + "/ok");
    make_dir(data.path() + "/other");
    write_text(data.path() + "/secret", "secret\n");
    Listener allowed;
    Listener other;
    // Rootless there is no device cgroup, and the host's /dev is the sandbox's: the plan
    // refuses resources.devices for that unless accepted.
    std::vector<std::string> mode{"--isolation", "landlock"};
    if (::geteuid() != 0) mode.insert(mode.end(), {"--accept-weaker", "resources.devices"});
    const std::string probe = probe_dir() + "/cv-probe";
    std::string file = profile(data.path() + "/ok", data.path() + "/secret", allowed.port());

    EXPECT_EQ(run_probe(file, mode, probe, {"write", data.path() + "/ok/file"})["result"], "ok");
    EXPECT_TRUE(path_exists(data.path() + "/ok/file")) << "writes land in the host's directory";

    EXPECT_EQ(run_probe(file, mode, probe, {"write", data.path() + "/other/file"})["result"],
              "EACCES");
    EXPECT_FALSE(path_exists(data.path() + "/other/file"));
    EXPECT_EQ(run_probe(file, mode, probe, {"write", data.path() + "/new"})["result"], "EACCES");

    EXPECT_EQ(run_probe(file, mode, probe, {"read", data.path() + "/secret"})["result"], "EACCES");
    EXPECT_EQ(run_probe(file, mode, probe, {"ls", data.path()})["result"], "ok")
        << "the masked file's directory stays readable";

    EXPECT_EQ(run_probe(file, mode, probe, {"connect", "127.0.0.1", allowed.port()})["result"],
              "ok");
    EXPECT_EQ(allowed.accept_all(), 1);
    EXPECT_EQ(run_probe(file, mode, probe, {"connect", "127.0.0.1", other.port()})["result"],
              "EACCES");
    EXPECT_EQ(other.accept_all(), 0);

    // No namespace: the probe sees the host's pid namespace; seccomp and no_new_privs hold.
    auto status = run_probe(file, mode, probe, {"status"});
    EXPECT_EQ(status["NoNewPrivs"], "1");
    EXPECT_EQ(status["Seccomp"], "2");
    EXPECT_EQ(status["CapEff"], "0000000000000000");
}

// On the host's tree a masked path may be written through a symlinked parent (/lib, /var/run):
// both names of the file stay unreadable.
TEST_F(RootlessLandlock, IsolationLandlockMasksAPathBelowASymlink) {
    TempDir data;
    make_dir(data.path() + "/ok");
    make_dir(data.path() + "/real");
    write_text(data.path() + "/real/secret", "secret\n");
    ASSERT_EQ(::symlink("real", (data.path() + "/link").c_str()), 0);
    Listener server;
    std::vector<std::string> mode{"--isolation", "landlock"};
    if (::geteuid() != 0) mode.insert(mode.end(), {"--accept-weaker", "resources.devices"});
    const std::string probe = probe_dir() + "/cv-probe";
    std::string file = profile(data.path() + "/ok", data.path() + "/link/secret", server.port());
    for (const char* name : {"/link/secret", "/real/secret"}) {
        EXPECT_EQ(run_probe(file, mode, probe, {"read", data.path() + name})["result"], "EACCES")
            << name;
    }
}

TEST_F(RootlessLandlock, IsolationLandlockRefusesWhatItCannotGive) {
    // untrusted wants an isolated network and a private pid namespace (paranoid).
    Outcome outcome = containerv(
        {"run", "--isolation", "landlock", "--profile", "untrusted", "--dry-run", "--", "true"});
    EXPECT_NE(outcome.code(), 0) << outcome.describe();
    EXPECT_NE(outcome.err.find("network.isolated"), std::string::npos) << outcome.describe();
    EXPECT_NE(outcome.err.find("namespaces"), std::string::npos) << outcome.describe();
    EXPECT_NE(outcome.err.find("filesystem.masked_paths"), std::string::npos) << outcome.describe();
    if (::geteuid() != 0) {
        EXPECT_NE(outcome.err.find("resources.devices"), std::string::npos) << outcome.describe();
    }
}

TEST_F(RootlessLandlock, PlanListsTheEnforcedRights) {
    Outcome outcome = containerv({"run", "--profile", "untrusted", "--dry-run", "--", "true"});
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_NE(outcome.out.find("mac.landlock = if-available\n      enforced: Landlock ABI "),
              std::string::npos)
        << outcome.out;
    if (landlock_abi() >= 6) {
        EXPECT_NE(outcome.out.find("scoped: abstract unix sockets and signals"), std::string::npos)
            << outcome.out;
    }
}

}  // namespace
}  // namespace cvtest
