// network.allowed_ports and allowed_hosts on the host's network, enforced by cgroup BPF
// programs: servers on the host's loopback only, made by the test on ports the kernel picks.
#include "sandbox_run.hpp"

#include <cstddef>

#include <cstring>

#include <sys/un.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

namespace cvtest {
namespace {

// A listening TCP socket (or a bound UDP one) on ADDRESS, port chosen by the kernel.
class Server {
public:
    Server(const char* address, int type, int port = 0) {
        fd_ = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, address, &addr.sin_addr);
        ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
              (type != SOCK_STREAM || ::listen(fd_, 16) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~Server() { ::close(fd_); }
    bool ok() const { return ok_; }
    std::string port() const { return std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
    bool ok_ = false;
};

// A port nothing listens on: bound and closed again.
std::string free_port(int type) {
    Server s("127.0.0.1", type);
    return s.port();
}

class RootNetwork : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            if (skips_forbidden()) FAIL() << "needs root to create cgroups";
            GTEST_SKIP() << "needs root to create cgroups (run as uid " << ::geteuid() << ")";
        }
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        probe_dir();
    }

    std::string profile_with(const std::string& network) {
        const std::string path = dir_.path() + "/net.json";
        // Landlock off: these tests observe the cgroup BPF layer alone (EPERM); Landlock's TCP
        // rules, the second layer, answer EACCES and have tests of their own.
        std::ofstream(path)
            << R"({"name": "net", "extends": "default", "mac": {"landlock": "off"},)"
            << R"( "network": )" << network << "}\n";
        return path;
    }

    TempDir dir_;
};

TEST_F(RootNetwork, AllowedPortIsReachableOthersAreRefused) {
    Server allowed("127.0.0.1", SOCK_STREAM);
    Server other("127.0.0.1", SOCK_STREAM);
    ASSERT_TRUE(allowed.ok() && other.ok());
    const std::string profile =
        profile_with(R"({"allowed_ports": ["tcp:)" + allowed.port() + R"("]})");
    EXPECT_EQ(probe(profile, {"connect", "127.0.0.1", allowed.port()})["result"], "ok");
    EXPECT_EQ(probe(profile, {"connect", "127.0.0.1", other.port()})["result"], "EPERM");
    // Without the filter the other port is reachable: the refusal above is the filter's.
    EXPECT_EQ(probe("default", {"connect", "127.0.0.1", other.port()})["result"], "ok");
}

TEST_F(RootNetwork, AllowedHostIsReachableOthersAreRefused) {
    Server one("127.0.0.1", SOCK_STREAM);
    Server two("127.0.0.2", SOCK_STREAM, std::stoi(one.port()));
    ASSERT_TRUE(one.ok() && two.ok());
    const std::string profile = profile_with(R"({"allowed_ports": ["tcp:)" + one.port() +
                                             R"("], "allowed_hosts": ["localhost"]})");
    EXPECT_EQ(probe(profile, {"connect", "127.0.0.1", one.port()})["result"], "ok");
    EXPECT_EQ(probe(profile, {"connect", "127.0.0.2", one.port()})["result"], "EPERM");
    // A network: 127.0.0.0/30 holds both.
    const std::string net = profile_with(R"({"allowed_hosts": ["127.0.0.0/30"]})");
    EXPECT_EQ(probe(net, {"connect", "127.0.0.2", one.port()})["result"], "ok");
}

// The address hooks see only TCP and UDP calls; a socket of another inet protocol (ping
// sockets, UDP-Lite) would send past them, so it is refused when it is made. UDP-Lite needs
// no privilege and no sysctl; it stands for them all here.
TEST_F(RootNetwork, SocketsOfOtherProtocolsAreRefusedAtCreation) {
    const std::string profile = profile_with(R"({"allowed_hosts": ["127.0.0.1"]})");
    const std::string script =
        "import socket\n"
        "for proto in (136, 0):\n"
        "    try:\n"
        "        socket.socket(socket.AF_INET, socket.SOCK_DGRAM, proto).close()\n"
        "        print(proto, 'made')\n"
        "    except OSError as e:\n"
        "        print(proto, e.errno)\n";
    Outcome outcome = containerv({"run", "--profile", profile, "--", "python3", "-c", script});
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_EQ(outcome.out, "136 " + std::to_string(EPERM) + "\n0 made\n") << outcome.describe();
}

// On the host's network the abstract unix socket namespace is the host's: with hosts or
// ports restricted, Landlock scopes it (ABI 6), or a host service would be a way out.
TEST_F(RootNetwork, AbstractUnixSocketsOfTheHostAreOutOfReachWhenTheNetworkIsRestricted) {
    const std::string name = unique_name();
    int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    const std::string path = dir_.path() + "/restricted.json";
    std::ofstream(path) << R"({"name": "restricted", "extends": "default",)"
                        << R"( "network": {"allowed_hosts": ["127.0.0.1"]}})";
    const std::string script =
        "import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n"
        "    s.connect('\\0" +
        name +
        "')\n    print('connected')\n"
        "except OSError as e:\n    print(e.errno)\n";
    Outcome restricted = containerv({"run", "--profile", path, "--", "python3", "-c", script});
    EXPECT_EQ(restricted.out, std::to_string(EPERM) + "\n") << restricted.describe();
    // Without a network restriction, as under Docker's default, the host's namespace is shared.
    Outcome open = containerv({"run", "--", "python3", "-c", script});
    EXPECT_EQ(open.out, "connected\n") << open.describe();
    ::close(listener);
}

TEST_F(RootNetwork, BindingAPortNotAllowedIsRefused) {
    const std::string allowed = free_port(SOCK_STREAM);
    const std::string other = free_port(SOCK_STREAM);
    const std::string profile =
        profile_with(R"({"allowed_ports": ["tcp:)" + allowed + R"(", "udp:)" + allowed + R"("]})");
    EXPECT_EQ(probe(profile, {"bind", "tcp", allowed})["result"], "ok");
    EXPECT_EQ(probe(profile, {"bind", "tcp", other})["result"], "EPERM");
    EXPECT_EQ(probe(profile, {"bind", "udp", allowed})["result"], "ok");
    EXPECT_EQ(probe(profile, {"bind", "udp", other})["result"], "EPERM");
    EXPECT_EQ(probe(profile, {"bind", "tcp", "0"})["result"], "ok");
}

TEST_F(RootNetwork, UdpSendsOnlyToAllowedPortsAndHosts) {
    Server sink("127.0.0.1", SOCK_DGRAM);
    ASSERT_TRUE(sink.ok());
    const std::string other = free_port(SOCK_DGRAM);
    const std::string profile = profile_with(R"({"allowed_ports": ["udp:)" + sink.port() +
                                             R"("], "allowed_hosts": ["127.0.0.1"]})");
    EXPECT_EQ(probe(profile, {"sendto", "127.0.0.1", sink.port()})["result"], "ok");
    EXPECT_EQ(probe(profile, {"sendto", "127.0.0.1", other})["result"], "EPERM");
    EXPECT_EQ(probe(profile, {"sendto", "127.0.0.2", sink.port()})["result"], "EPERM");
    // tcp:PORT does not open udp:PORT.
    const std::string tcp_only =
        profile_with(R"({"allowed_ports": ["tcp:)" + sink.port() + R"("]})");
    EXPECT_EQ(probe(tcp_only, {"sendto", "127.0.0.1", sink.port()})["result"], "EPERM");
}

TEST_F(RootNetwork, BuiltinServersRunWithoutAWeakeningFlag) {
    for (const char* profile : {"web-server", "database"}) {
        Outcome outcome =
            containerv({"run", "--profile", profile, "--bind", probe_dir() + ":/srv:ro", "--",
                        probe_in_sandbox(), "bind", "tcp", profile[0] == 'w' ? "8080" : "5432"});
        EXPECT_EQ(outcome.code(), 0) << outcome.describe();
        EXPECT_EQ(parse_report(outcome.out)["result"], "ok") << outcome.describe();
        Outcome other = containerv({"run", "--profile", profile, "--bind", probe_dir() + ":/srv:ro",
                                    "--", probe_in_sandbox(), "bind", "tcp", "8081"});
        // EACCES from Landlock's TCP rules, or EPERM from the cgroup filter behind them.
        const std::string refused = parse_report(other.out)["result"];
        EXPECT_TRUE(refused == "EACCES" || refused == "EPERM") << other.describe();
    }
}

// How many programs of TYPE are attached to the cgroup directory DIR (BPF_PROG_QUERY).
int attached(const std::string& dir, bpf_attach_type type) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    bpf_attr attr{};
    attr.query.target_fd = static_cast<std::uint32_t>(fd);
    attr.query.attach_type = type;
    long rc = ::syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof attr);
    ::close(fd);
    return rc == 0 ? static_cast<int>(attr.query.prog_cnt) : -1;
}

TEST_F(RootNetwork, ProgramsSitOnTheSandboxsGroupInTheUnifiedTree) {
    const std::string unified = ::access("/sys/fs/cgroup/unified", F_OK) == 0
                                    ? "/sys/fs/cgroup/unified/containerv"
                                    : "/sys/fs/cgroup/containerv";
    const std::string profile = profile_with(R"({"allowed_ports": ["tcp:9"]})");
    const std::string tag = unique_name();
    Child child(containerv_argv(run_args(profile, {probe_in_sandbox(), "sleep", "300", tag})));
    ASSERT_TRUE(wait_until(
        [&] {
            return !find_processes({"cv-probe", "sleep", "300", tag}).empty();
        },
        30s));
    const std::string group = unified + "/" + std::to_string(child.pid()) + "-";
    std::string dir;
    if (DIR* d = ::opendir(unified.c_str())) {
        while (dirent* e = ::readdir(d))
            if ((unified + "/" + e->d_name).rfind(group, 0) == 0) dir = unified + "/" + e->d_name;
        ::closedir(d);
    }
    ASSERT_FALSE(dir.empty()) << "no group of supervisor " << child.pid() << " in " << unified;
    EXPECT_EQ(attached(dir, BPF_CGROUP_DEVICE), 1);
    for (auto type : {BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_INET4_BIND,
                      BPF_CGROUP_INET6_BIND, BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP6_SENDMSG})
        EXPECT_EQ(attached(dir, type), 1) << "attach type " << type;
    child.signal(SIGTERM);
    child.wait();
}

TEST_F(RootNetwork, APatternIsAValidationError) {
    const std::string profile = profile_with(R"({"allowed_hosts": ["*.example.com"]})");
    Outcome outcome = containerv({"profile", "validate", profile});
    EXPECT_EQ(outcome.code(), 1) << outcome.describe();
    EXPECT_NE((outcome.out + outcome.err)
                  .find("/network/allowed_hosts/0: \"*.example.com\" is a "
                        "pattern, which cannot be enforced"),
              std::string::npos)
        << outcome.describe();
}

TEST_F(RootNetwork, PlanShowsResolvedAddresses) {
    const std::string profile = profile_with(R"({"allowed_hosts": ["localhost"]})");
    Outcome outcome = containerv({"run", "--profile", profile, "--dry-run", "--", "true"});
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_NE(outcome.out.find("network.allowed_hosts = localhost (127.0.0.1"), std::string::npos)
        << outcome.out;
}

}  // namespace
}  // namespace cvtest
