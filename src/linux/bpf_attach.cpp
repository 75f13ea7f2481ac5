#include "linux/bpf_attach.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace containerv::linux_ {

Status attach_cgroup_program(int dir_fd, const std::string& dir, const std::vector<bpf_insn>& prog,
                             bpf_prog_type prog_type, bpf_attach_type attach_type, const char* step,
                             const char* what) {
    static const char kLicense[] = "GPL";
    // Without a log first (a full verifier log of a long program outgrows any small buffer,
    // and a truncated log fails the load with ENOSPC); again with one to explain a refusal.
    std::vector<char> log(65536);
    int prog_fd = -1;
    int err = 0;
    for (std::uint32_t level : {0u, 1u}) {
        bpf_attr load{};
        load.prog_type = prog_type;
        load.expected_attach_type = attach_type;
        load.insns = reinterpret_cast<std::uintptr_t>(prog.data());
        load.insn_cnt = static_cast<std::uint32_t>(prog.size());
        load.license = reinterpret_cast<std::uintptr_t>(kLicense);
        if (level) {
            load.log_buf = reinterpret_cast<std::uintptr_t>(log.data());
            load.log_size = static_cast<std::uint32_t>(log.size());
            load.log_level = level;
        }
        prog_fd = static_cast<int>(syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load));
        if (prog_fd >= 0) break;
        if (!level) err = errno;
    }
    if (prog_fd < 0) {
        std::string text(log.data());
        if (text.size() > 300) text = "..." + text.substr(text.size() - 300);
        return Error::sys(step, std::string("bpf(BPF_PROG_LOAD ") + what + ")", text, err);
    }
    bpf_attr at{};
    at.target_fd = static_cast<std::uint32_t>(dir_fd);
    at.attach_bpf_fd = static_cast<std::uint32_t>(prog_fd);
    at.attach_type = attach_type;
    const int rc = static_cast<int>(syscall(SYS_bpf, BPF_PROG_ATTACH, &at, sizeof at));
    err = errno;
    close(prog_fd);
    if (rc != 0)
        return Error::sys(step, std::string("bpf(BPF_PROG_ATTACH ") + what + ")", dir, err);
    return Ok{};
}

}  // namespace containerv::linux_
