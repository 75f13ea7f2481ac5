// Syscall policies the built-in profiles are made of, written in containerv's own format.
#pragma once

#include <containerv/profile.hpp>

#include <string>
#include <vector>

namespace containerv::seccomp {

// As strong as Docker's default profile: its allow-list and argument rules, with the rules that
// Docker includes by capability decided for `allowed_caps`. Default action errno EPERM.
SyscallPolicy docker_like_policy(CapSet allowed_caps);

// What every dynamically linked program needs to start, run and exit (loader, libc start-up,
// stdio, signals, exit). Profiles whose own allow-list is too short are extended with it.
const std::vector<std::string>& base_syscalls();

// Docker's argument rules for clone (no namespace flags; clone3 answered ENOSYS so glibc falls
// back to clone) and socket (no AF_ALG, no AF_VSOCK), for a profile that would otherwise allow
// those calls whole. The policy must not name clone, clone3 or socket elsewhere.
void add_clone_and_socket_rules(SyscallPolicy& policy);

// The untrusted profile's allow-list: small, no namespaces, no new sockets families beyond
// unix and inet, nothing that reaches kernel attack surface. Default action errno EPERM.
SyscallPolicy untrusted_policy();

}  // namespace containerv::seccomp
