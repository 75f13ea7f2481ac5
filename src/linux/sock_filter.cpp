// The socket address programs, assembled here (docs/DECISIONS.md: like the device program,
// small, no maps or helpers). One program per hook; each is
//   protocol and port:  allowed when some range of the socket's protocol holds the port (bind
//                       also lets port 0 through: an automatic port is not one the profile
//                       names; the later connect or send is checked);
//   host (connect and sendmsg only): allowed when some network holds the address; for IPv6
//                       hooks an IPv4 network also matches its ::ffff:a.b.c.d form;
//   socket creation:    TCP and UDP only (create_program), so no socket escapes the hooks;
//   privileged bind:    with bind_privileged, a listed port answers 3 instead of 1, which
//                       tells the kernel to skip its CAP_NET_BIND_SERVICE check for that bind
//                       (ports below net.ipv4.ip_unprivileged_port_start). Port 0 answers 1.
// The ports and addresses in struct bpf_sock_addr are in network byte order: a port is
// swapped to host order once (BPF_END), an address is compared as loaded, with networks and
// masks prepared in the same byte order here.
#include "linux/sock_filter.hpp"

#include "linux/bpf_attach.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>

#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace containerv::linux_ {
namespace {

bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off,
              std::int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

// Jumps are emitted with a label and patched once the label's place is known.
class Assembler {
public:
    int label() { return static_cast<int>(labels_.emplace_back(-1), labels_.size() - 1); }
    void place(int label) { labels_[label] = static_cast<int>(code_.size()); }
    void emit(bpf_insn i) { code_.push_back(i); }
    void jump(std::uint8_t code, std::uint8_t reg, std::int32_t imm, int label) {
        fixups_.push_back({code_.size(), label});
        code_.push_back(insn(code, reg, 0, 0, imm));
    }
    void load32(std::uint8_t reg, std::size_t offset) {
        emit(insn(BPF_LDX | BPF_MEM | BPF_W, reg, BPF_REG_6, static_cast<std::int16_t>(offset), 0));
    }
    void ret(int value) {
        emit(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, value));
        emit(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    }
    std::vector<bpf_insn> finish() {
        for (const auto& [at, label] : fixups_)
            code_[at].off = static_cast<std::int16_t>(labels_[label] - static_cast<int>(at) - 1);
        return code_;
    }

private:
    std::vector<bpf_insn> code_;
    std::vector<int> labels_;
    std::vector<std::pair<std::size_t, int>> fixups_;
};

std::int32_t word(const std::uint8_t* bytes) {
    std::uint32_t w;
    std::memcpy(&w, bytes, 4);  // as the program's 4-byte load sees it
    return static_cast<std::int32_t>(w);
}

std::array<std::uint8_t, 16> mask_bytes(int prefix) {
    std::array<std::uint8_t, 16> m{};
    for (int i = 0; i < 16; ++i) {
        int bits = prefix - i * 8;
        m[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - bits));
    }
    return m;
}

// One network's test: every word of the address (4 for IPv6, 1 for IPv4) masked equal to it.
void match_net(Assembler& a, const std::uint8_t* net, const std::uint8_t* mask, int words,
               std::size_t offset, int allow) {
    int next = a.label();
    for (std::size_t w = 0; w < static_cast<std::size_t>(words); ++w) {
        a.load32(BPF_REG_4, offset + 4 * w);
        a.emit(insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_4, 0, 0, word(mask + 4 * w)));
        a.jump(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_4, word(net + 4 * w), next);
    }
    a.jump(BPF_JMP | BPF_JA, 0, 0, allow);
    a.place(next);
}

std::vector<bpf_insn> program(const NetRules& rules, bool v6, bool bind) {
    Assembler a;
    const int deny = a.label();
    const int port_ok = a.label();
    const int allow = a.label();
    // The verifier refuses unreachable code: the label exists only where a jump leads to it.
    const bool privileged = bind && rules.bind_privileged && !rules.ports.empty();
    const int listed_bind = privileged ? a.label() : port_ok;
    a.emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0));
    if (rules.restrict_ports) {
        a.load32(BPF_REG_2, offsetof(bpf_sock_addr, protocol));
        a.load32(BPF_REG_3, offsetof(bpf_sock_addr, user_port));
        a.emit(insn(BPF_ALU | BPF_END | BPF_TO_BE, BPF_REG_3, 0, 0, 16));
        if (bind) a.jump(BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_3, 0, port_ok);
        for (const auto& r : rules.ports) {
            int next = a.label();
            a.jump(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, r.protocol, next);
            a.jump(BPF_JMP32 | BPF_JLT | BPF_K, BPF_REG_3, r.low, next);
            a.jump(BPF_JMP32 | BPF_JGT | BPF_K, BPF_REG_3, r.high, next);
            a.jump(BPF_JMP | BPF_JA, 0, 0, listed_bind);
            a.place(next);
        }
        a.jump(BPF_JMP | BPF_JA, 0, 0, deny);
    }
    a.place(port_ok);
    if (bind || !rules.restrict_hosts) a.jump(BPF_JMP | BPF_JA, 0, 0, allow);
    // The verifier refuses unreachable code: bind never looks at hosts.
    for (const auto& h : bind ? std::vector<HostNet>{} : rules.hosts) {
        if (!v6 && h.v6) continue;
        auto mask = mask_bytes(h.prefix);
        if (!v6) {
            match_net(a, h.addr.data(), mask.data(), 1, offsetof(bpf_sock_addr, user_ip4), allow);
        } else if (h.v6) {
            match_net(a, h.addr.data(), mask.data(), 4, offsetof(bpf_sock_addr, user_ip6), allow);
        } else {
            // ::ffff:a.b.c.d, the form an IPv4 address takes on a dual-stack socket.
            std::array<std::uint8_t, 16> mapped{};
            mapped[10] = mapped[11] = 0xff;
            std::memcpy(&mapped[12], h.addr.data(), 4);
            auto m = mask_bytes(96 + h.prefix);
            match_net(a, mapped.data(), m.data(), 4, offsetof(bpf_sock_addr, user_ip6), allow);
        }
    }
    a.place(deny);
    a.ret(0);
    a.place(allow);
    a.ret(1);
    if (privileged) {
        a.place(listed_bind);
        a.ret(3);  // allowed, without the host's CAP_NET_BIND_SERVICE check
    }
    return a.finish();
}

// At socket creation: only TCP and UDP sockets of the inet families. The address hooks above
// see connect, bind and UDP sendmsg only, so a ping (ICMP) socket's sendto, or any other
// protocol's, would pass no check at all; such sockets are refused when they are made.
std::vector<bpf_insn> create_program() {
    Assembler a;
    const int allow = a.label();
    a.emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0));
    a.load32(BPF_REG_2, offsetof(bpf_sock, protocol));
    a.jump(BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_2, IPPROTO_TCP, allow);
    a.jump(BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_2, IPPROTO_UDP, allow);
    a.ret(0);
    a.place(allow);
    a.ret(1);
    return a.finish();
}

Status load_and_attach(int dir_fd, const std::string& dir, const std::vector<bpf_insn>& prog,
                       bpf_attach_type type, const char* hook,
                       bpf_prog_type prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR) {
    return attach_cgroup_program(dir_fd, dir, prog, prog_type, type, "network", hook);
}

}  // namespace

Status attach_sock_filters(const std::string& dir, const NetRules& rules) {
    if (!rules.active) return Ok{};
    int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return Error::sys("network", "open", dir, errno);
    struct Hook {
        bpf_attach_type type;
        const char* name;
        bool v6;
        bool bind;
    };
    const Hook hooks[] = {
        {BPF_CGROUP_INET4_CONNECT, "connect4", false, false},
        {BPF_CGROUP_INET6_CONNECT, "connect6", true, false},
        {BPF_CGROUP_UDP4_SENDMSG, "sendmsg4", false, false},
        {BPF_CGROUP_UDP6_SENDMSG, "sendmsg6", true, false},
        {BPF_CGROUP_INET4_BIND, "bind4", false, true},
        {BPF_CGROUP_INET6_BIND, "bind6", true, true},
    };
    Status result = Ok{};
    for (const auto& h : hooks) {
        if (h.bind && !rules.restrict_ports) continue;  // bind is checked for ports only
        result = load_and_attach(dir_fd, dir, program(rules, h.v6, h.bind), h.type, h.name);
        if (!result) break;
    }
    if (result) {
        result = load_and_attach(dir_fd, dir, create_program(), BPF_CGROUP_INET_SOCK_CREATE,
                                 "inet_sock_create", BPF_PROG_TYPE_CGROUP_SOCK);
    }
    close(dir_fd);
    return result;
}

}  // namespace containerv::linux_
