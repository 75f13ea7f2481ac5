#include "linux/network.hpp"

#include "linux/step_error.hpp"

#include <cerrno>
#include <cstring>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace containerv::linux_ {

int bring_loopback_up() {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("network", "socket", "lo");
    ifreq req{};
    std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFFLAGS, &req);
    if (rc == 0) {
        req.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &req);
    }
    int saved = errno;
    close(fd);
    return rc == 0 ? 0 : fail("network", "ioctl(SIOCSIFFLAGS)", "lo", saved);
}

}  // namespace containerv::linux_
