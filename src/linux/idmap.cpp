#include "linux/idmap.hpp"

#include <cerrno>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace containerv::linux_ {
namespace {

Status write_file(const std::string& path, const std::string& text) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Error::sys("idmap", "open", path, errno);
    ssize_t n = write(fd, text.data(), text.size());
    int saved = errno;
    close(fd);
    if (n != static_cast<ssize_t>(text.size()))
        return Error::sys("idmap", "write", path + " \"" + text.substr(0, text.size() - 1) + "\"",
                          n < 0 ? saved : EIO);
    return Ok{};
}

std::string line(const IdMap& map) {
    return std::to_string(map.inside) + " " + std::to_string(map.outside) + " " +
           std::to_string(map.count) + "\n";
}

}  // namespace

Status write_id_maps(pid_t pid, const Plan& plan) {
    std::string proc = "/proc/" + std::to_string(pid);
    if (plan.rootless)
        if (auto ok = write_file(proc + "/setgroups", "deny\n"); !ok) return ok;
    if (auto ok = write_file(proc + "/uid_map", line(plan.uid_map)); !ok) return ok;
    return write_file(proc + "/gid_map", line(plan.gid_map));
}

}  // namespace containerv::linux_
