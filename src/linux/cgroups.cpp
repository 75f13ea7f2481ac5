// What both cgroup generations share: naming a group for its owner, the stale-group sweep,
// and reading and writing the small control files.
#include "linux/cgroups.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace containerv::linux_ {
namespace cgroup_detail {
namespace {

// Field 22 of /proc/PID/stat: the start time in clock ticks after boot. With the pid it names
// a process for good; a pid alone could be reused by the time the sweep looks.
std::optional<std::string> start_time(const std::string& pid) {
    auto stat = read_file("/proc/" + pid + "/stat");
    if (!stat) return std::nullopt;
    auto close = stat->rfind(')');  // the command name may hold spaces and parentheses
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(stat->substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i)
        if (i == 22) return field;
    return std::nullopt;
}

}  // namespace

std::string own_name() {
    const std::string pid = std::to_string(getpid());
    return pid + "-" + start_time(pid).value_or("0");
}

bool owner_gone(const std::string& name) {
    auto dash = name.find('-');
    if (dash == std::string::npos || dash == 0) return false;  // not one of ours: leave it
    const std::string pid = name.substr(0, dash);
    if (pid.find_first_not_of("0123456789") != std::string::npos) return false;
    auto started = start_time(pid);
    return !started || *started != name.substr(dash + 1);
}

Status write_file(const std::string& path, const std::string& value) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Error::sys("cgroup", "open", path, errno);
    ssize_t n = write(fd, value.data(), value.size());
    int err = errno;
    close(fd);
    if (n != static_cast<ssize_t>(value.size()))
        return Error::sys("cgroup", "write", path + " <- " + value, n < 0 ? err : EIO);
    return Ok{};
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::optional<std::uint64_t> keyed_value(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    std::string k;
    std::uint64_t v = 0;
    while (in >> k >> v)
        if (k == key) return v;
    return std::nullopt;
}

Status make_dir(const std::string& path) {
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        return Error::sys("cgroup", "mkdir", path, errno);
    return Ok{};
}

Status remove_dir(const std::string& path) {
    // The kernel may still be finishing the last exits (v1 memory groups release their pages
    // after the tasks): EBUSY for a moment is normal, so try a few times.
    for (int attempt = 0;; ++attempt) {
        if (rmdir(path.c_str()) == 0 || errno == ENOENT) return Ok{};
        if (errno != EBUSY || attempt == 50) return Error::sys("cgroup", "rmdir", path, errno);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace cgroup_detail

std::string to_string(const DeviceRule& rule) {
    auto number = [](long n) { return n < 0 ? std::string("*") : std::to_string(n); };
    return std::string(1, rule.type) + " " + number(rule.major) + ":" + number(rule.minor) + " " +
           rule.access;
}

std::vector<DeviceRule> default_device_rules() {
    // The nodes the sandbox's /dev has (rootfs.cpp), plus its private devpts instance.
    return {{'c', 1, 3, "rwm"}, {'c', 1, 5, "rwm"}, {'c', 1, 7, "rwm"}, {'c', 1, 8, "rwm"},
            {'c', 1, 9, "rwm"}, {'c', 5, 0, "rwm"}, {'c', 5, 2, "rwm"}, {'c', 136, -1, "rwm"}};
}

std::vector<std::string> cgroup_parents(CgroupVersion version, const std::string& unified_root) {
    std::vector<std::string> out;
    if (version == CgroupVersion::v1)
        for (const char* c : {"memory", "cpu", "pids", "devices"})
            out.push_back(std::string("/sys/fs/cgroup/") + c + "/containerv");
    if (version == CgroupVersion::v2) out.push_back("/sys/fs/cgroup/containerv");
    if (version == CgroupVersion::v1 && !unified_root.empty())
        out.push_back(unified_root + "/containerv");
    return out;
}

Result<std::unique_ptr<Cgroup>> create_cgroup(const CgroupSpec& spec) {
    const std::string name = cgroup_detail::own_name();
    if (spec.version == CgroupVersion::v1) return cgroup_detail::create_v1(spec, name);
    if (spec.version == CgroupVersion::v2) return cgroup_detail::create_v2(spec, name);
    return Error::msg("cgroup", "no cgroup generation to create a group in");
}

void remove_stale_cgroups(CgroupVersion version, const std::string& unified_root) {
    for (const auto& parent : cgroup_parents(version, unified_root)) {
        DIR* dir = opendir(parent.c_str());
        if (!dir) continue;
        std::vector<std::string> stale;
        while (dirent* e = readdir(dir))
            if (e->d_type == DT_DIR && e->d_name[0] != '.' && cgroup_detail::owner_gone(e->d_name))
                stale.push_back(parent + "/" + e->d_name);
        closedir(dir);
        // A group that still holds processes stays (rmdir would refuse it anyway); an empty
        // one may be busy for a moment while the kernel finishes the last exits.
        for (const auto& path : stale) {
            auto procs = cgroup_detail::read_file(path + "/cgroup.procs");
            if (procs && procs->find_first_of("0123456789") == std::string::npos)
                (void)cgroup_detail::remove_dir(path);
        }
    }
}

}  // namespace containerv::linux_
