// What the workload tests (workload_*_test.cpp as root, rootless_workload_*) share: the
// Debian programs they start, files, commands on the host, and the live audit of a running
// workload against its own profile.
#pragma once

#include "sandbox_run.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace cvtest {

// Why the workloads cannot run here: they need root (the cgroup port filters, the privileged
// ports) and a kernel that can make sandboxes.
std::optional<std::string> workloads_cannot_run();

// A program a workload needs: its absence is a broken set-up (scripts/setup installs it),
// never a skip.
#define CV_REQUIRE_PROGRAM(PATH) \
    ASSERT_TRUE(::cvtest::path_exists(PATH)) << (PATH) << " is missing: scripts/setup installs it"

void write_text_file(const std::string& path, const std::string& text, mode_t mode = 0644);
std::string read_text_file(const std::string& path);

// A host program (not sandboxed), waited for.
Outcome host_command(const std::vector<std::string>& argv, std::chrono::milliseconds limit = 60s);

// PID's real uid as its own user namespace sees it (-1 when unreadable or unmapped).
long uid_inside(pid_t pid);

// True when a TCP connection to 127.0.0.1:PORT is accepted.
bool loopback_port_open(int port);

// The live audit of PID against PROFILE passes as the profile itself does: no drift, and each
// of the eight checks passes or fails as in the static audit of the profile (the built-ins
// set no cgroup limits, so resources_limited fails in both). Non-fatal failures.
void expect_audit_passes(pid_t pid, const std::string& profile);

}  // namespace cvtest
