// Fault injection for the teardown tests (tests/integration/root_fault_test.cpp), compiled
// only into test builds (cmake -DCONTAINERV_FAULT_INJECTION=ON); a release build has no switch
// at all: fault() is a constant false there.
//
//   CONTAINERV_FAULT_STEP=NAME   the set-up step NAME fails with ECANCELED, its error naming
//                                the step and the syscall "fault injection"
//   CONTAINERV_FAULT_HOLD=NAME   at step NAME the process doing it writes
//                                "containerv-fault: holding at NAME" on stderr and waits
//                                forever, so that a test can SIGKILL the supervisor right
//                                there (the sandbox cannot: the supervisor is outside its
//                                pid namespace)
//
// The step names are kFaultSteps; the variables are read once, before clone, so the checks
// in the sandbox neither allocate nor call anything but write(2) and nanosleep(2).
#pragma once

namespace containerv::linux_ {

#ifdef CONTAINERV_FAULT_INJECTION
// Reads the variables; the supervisor calls it once before the set-up.
void fault_init();
// True when `step` is to fail now (errno is then ECANCELED); never returns when `step` is
// the hold step. Async-signal-safe.
bool fault(const char* step);
#else
inline void fault_init() {}
constexpr bool fault(const char*) {
    return false;
}
#endif

// Every name fault() is asked about, in set-up order (for tests and docs).
inline constexpr const char* kFaultSteps[] = {
    "cgroup",             // supervisor: create the group
    "launch",             // supervisor: the pipes
    "namespaces",         // supervisor: clone
    "idmap",              // supervisor: uid_map, gid_map
    "cgroup-add",         // supervisor: move pid 1 into the group
    "init",               // pid 1: parent-death signal, session
    "identity-root",      // pid 1: become the namespace's root
    "rootfs",             // pid 1: build the root
    "pivot",              // pid 1: the root built, about to pivot into it
    "uts",                // pid 1: hostname
    "network",            // pid 1: loopback up
    "fork",               // pid 1: fork the command
    "init-shed",          // pid 1: drop everything, its filter
    "landlock",           // command
    "capabilities",       // command: bounding set, capability sets
    "identity",           // command: ids and groups
    "cwd",                // command
    "rlimits",            // command
    "descriptors",        // command: close-on-exec
    "no_new_privileges",  // command
    "seccomp",            // command: the filter
    "exec",               // command: execve
};

}  // namespace containerv::linux_
