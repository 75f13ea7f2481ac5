#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace containerv {

Result<OutputFile> OutputFile::pin(const std::string& path, const char* step) {
    const auto slash = path.rfind('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    if (base.empty() || base == "." || base == "..") {
        return Error::msg(step, path + ": not a file name");
    }
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    Fd dirfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dirfd.get() < 0) {
        if (errno == ENOTDIR) return Error::msg(step, dir + ": not a directory");
        return Error::sys(step, "open", dir, errno);
    }
    struct stat st;
    if (::fstatat(dirfd.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISREG(st.st_mode)) {
        return Error::msg(step, path + ": not a regular file (refusing to replace it)");
    }
    return OutputFile(path, std::move(base), step, std::move(dirfd));
}

Status OutputFile::replace(const std::string& text) const {
    // openat has no mkostemp: a random name, created exclusively, tried a few times.
    std::string temp;
    Fd fd;
    for (int attempt = 0; attempt < 16 && fd.get() < 0; ++attempt) {
        unsigned long long r = 0;
        if (::getrandom(&r, sizeof r, 0) != sizeof r)
            return Error::sys(step_, "getrandom", "", errno);
        char suffix[24];
        std::snprintf(suffix, sizeof suffix, ".%012llx", r & 0xffffffffffffULL);
        temp = "." + base_ + suffix;
        fd.reset(::openat(dir_.get(), temp.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (fd.get() < 0 && errno != EEXIST) return Error::sys(step_, "openat", temp, errno);
    }
    if (fd.get() < 0) return Error::sys(step_, "openat", temp, EEXIST);
    auto give_up = [&](const char* call) {
        const int err = errno;
        ::unlinkat(dir_.get(), temp.c_str(), 0);
        return Error::sys(step_, call, path_, err);
    };
    // The umask may have narrowed 0644; reports are meant to be read by others.
    if (::fchmod(fd.get(), 0644) != 0) return give_up("fchmod");
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return give_up("write");
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return give_up("fsync");
    if (fd.close() != 0) return give_up("close");
    if (::renameat(dir_.get(), temp.c_str(), dir_.get(), base_.c_str()) != 0)
        return give_up("renameat");
    return Ok{};
}

Result<Fd> OutputFile::open_stream() const {
    // O_NONBLOCK: a FIFO planted since pin must not hang the supervisor before fstat sees it.
    Fd fd(::openat(dir_.get(), base_.c_str(),
                   O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
        if (errno == ELOOP) return Error::msg(step_, path_ + ": a symlink (refusing to follow it)");
        return Error::sys(step_, "openat", path_, errno);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return Error::sys(step_, "fstat", path_, errno);
    if (!S_ISREG(st.st_mode))
        return Error::msg(step_, path_ + ": not a regular file (refusing to write to it)");
    // A second name means someone linked it here: writing would change that other file.
    if (st.st_nlink > 1)
        return Error::msg(step_, path_ + ": has another hard link (refusing to write to it)");
    if (::ftruncate(fd.get(), 0) != 0) return Error::sys(step_, "ftruncate", path_, errno);
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
        return Error::sys(step_, "fcntl", path_, errno);
    return fd;
}

Status write_file_atomically(const std::string& path, const std::string& text, const char* step) {
    auto out = OutputFile::pin(path, step);
    if (!out) return out.error();
    return out->replace(text);
}

}  // namespace containerv
