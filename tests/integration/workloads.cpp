#include "workloads.hpp"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace cvtest {

std::optional<std::string> workloads_cannot_run() {
    if (::geteuid() != 0)
        return std::string(
            "the workloads need root: port filters and privileged ports are "
            "cgroup BPF programs");
    return missing_kernel_feature();
}

void write_text_file(const std::string& path, const std::string& text, mode_t mode) {
    {
        std::ofstream out(path, std::ios::trunc);
        out << text;
        ASSERT_TRUE(out.flush()) << "cannot write " << path;
    }
    ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Outcome host_command(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
    Child child(argv);
    return child.wait(limit);
}

long uid_inside(pid_t pid) {
    const std::string proc = "/proc/" + std::to_string(pid);
    std::istringstream status(read_text_file(proc + "/status"));
    long host_uid = -1;
    for (std::string line; std::getline(status, line);)
        if (line.rfind("Uid:", 0) == 0) host_uid = std::stol(line.substr(4));
    std::istringstream map(read_text_file(proc + "/uid_map"));
    for (long inside, outside, count; map >> inside >> outside >> count;)
        if (host_uid >= outside && host_uid < outside + count) return host_uid - outside + inside;
    return -1;
}

bool loopback_port_open(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return open;
}

namespace {
nlohmann::json audit_json(const std::vector<std::string>& args) {
    std::vector<std::string> all{"audit", "--format", "json"};
    all.insert(all.end(), args.begin(), args.end());
    Outcome out = containerv(all);
    EXPECT_TRUE(out.code() == 0 || out.code() == 1) << out.describe();
    EXPECT_EQ(out.err.find("DIFFERS FROM PROFILE"), std::string::npos) << out.err;
    try {
        return nlohmann::json::parse(out.out);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "audit is not JSON: " << e.what() << "\n" << out.describe();
        return nlohmann::json::object();
    }
}
}  // namespace

void expect_audit_passes(pid_t pid, const std::string& profile) {
    nlohmann::json live = audit_json({"--pid", std::to_string(pid), "--profile", profile});
    nlohmann::json promised = audit_json({"--profile", profile});
    ASSERT_TRUE(live.contains("checks") && promised.contains("checks"));
    EXPECT_EQ(live["kind"], "process");
    for (const auto& finding : live["findings"])
        EXPECT_FALSE(finding["drift"].get<bool>())
            << "pid " << pid << " differs from " << profile << ": " << finding.dump();
    for (const auto& [check, result] : promised["checks"].items())
        EXPECT_EQ(live["checks"][check]["passed"], result["passed"])
            << "pid " << pid << ", check " << check << ": live " << live["checks"][check].dump()
            << "\nthe profile: " << result.dump();
}

}  // namespace cvtest
