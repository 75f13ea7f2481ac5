#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace containerv {

Status check_output_path(const std::string& path, const char* step) {
    const auto slash = path.rfind('/');
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    if (base.empty() || base == "." || base == "..") {
        return Error::msg(step, path + ": not a file name");
    }
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        return Error::msg(step, path + ": not a regular file (refusing to replace it)");
    }
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    if (::stat(dir.c_str(), &st) != 0) return Error::sys(step, "stat", dir, errno);
    if (!S_ISDIR(st.st_mode)) return Error::msg(step, dir + ": not a directory");
    return Ok{};
}

Status write_file_atomically(const std::string& path, const std::string& text, const char* step) {
    if (auto ok = check_output_path(path, step); !ok) return ok;
    const auto slash = path.rfind('/');
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    std::string temp =
        path.substr(0, slash == std::string::npos ? 0 : slash + 1) + "." + base + ".XXXXXX";
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) return Error::sys(step, "mkostemp", temp, errno);
    auto give_up = [&](const char* call) {
        const int err = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        return Error::sys(step, call, path, err);
    };
    if (::fchmod(fd, 0644) != 0) return give_up("fchmod");
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return give_up("write");
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) return give_up("fsync");
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        return Error::sys(step, "close", path, err);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        return Error::sys(step, "rename", path, err);
    }
    return Ok{};
}

}  // namespace containerv
