// Loading a hand-assembled cgroup BPF program and attaching it to a cgroup directory: shared
// by the device program (cgroup_v2.cpp) and the socket programs (sock_filter.cpp).
#pragma once

#include <containerv/error.hpp>

#include <linux/bpf.h>

#include <string>
#include <vector>

namespace containerv::linux_ {

// Loads PROG as PROG_TYPE for ATTACH_TYPE and attaches it to the cgroup open as DIR_FD (DIR
// names it in errors). The group keeps the program from then on: its descriptor is closed.
// No override flag, so nothing below can replace it. STEP and WHAT name it in errors, with
// the tail of the verifier's log when the kernel refuses the program.
Status attach_cgroup_program(int dir_fd, const std::string& dir, const std::vector<bpf_insn>& prog,
                             bpf_prog_type prog_type, bpf_attach_type attach_type, const char* step,
                             const char* what);

}  // namespace containerv::linux_
