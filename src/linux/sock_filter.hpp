// Port and host filtering for a sandbox that shares the host's network: cgroup BPF programs
// on the socket address hooks (connect4/6, bind4/6, sendmsg4/6 for UDP) of the sandbox's group
// in the unified tree. The kernel runs them on every connect, bind and unconnected UDP send of
// any process in the group and fails the call with EPERM when the program says no. The bind
// programs can also answer "allowed, and needs no CAP_NET_BIND_SERVICE" (3, kernel 5.12+): that
// is how a root sandbox on the host's network gets the privileged ports its profile lists.
#pragma once

#include <containerv/error.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace containerv::linux_ {

struct PortRange {
    int protocol = 6;  // IPPROTO_TCP or IPPROTO_UDP
    std::uint16_t low = 0;
    std::uint16_t high = 0;
    bool operator==(const PortRange&) const = default;
};

// An address with a prefix length; IPv4 in the first 4 bytes.
struct HostNet {
    bool v6 = false;
    std::array<std::uint8_t, 16> addr{};  // network byte order
    int prefix = 32;
    bool operator==(const HostNet&) const = default;
};

struct NetRules {
    bool active = false;          // any restriction at all
    bool restrict_ports = false;  // else every port
    std::vector<PortRange> ports;
    bool restrict_hosts = false;  // else every host
    std::vector<HostNet> hosts;
    // The profile's CAP_NET_BIND_SERVICE on the host's network: the bind programs let a listed
    // port below the host's ip_unprivileged_port_start through without the capability in the
    // host's user namespace, which a sandbox in its own user namespace can never hold.
    // Known shortcoming: a cgroup program cannot see the caller's capabilities, so any process
    // of the sandbox may bind a listed privileged port, also one that dropped the capability.
    bool bind_privileged = false;
    bool operator==(const NetRules&) const = default;
};

// Loads the six programs and attaches them to the group directory DIR (unified tree).
Status attach_sock_filters(const std::string& dir, const NetRules& rules);

}  // namespace containerv::linux_
