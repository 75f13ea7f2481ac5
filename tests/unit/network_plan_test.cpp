// How the plan gives a profile's NET_BIND_SERVICE on the host's network: the bind programs
// answer "no capability check" for the listed ports, only where those programs exist (a group
// of ours in the unified tree) and only for a profile that allows the capability. Hosts are
// described, not probed.
#include "plan/plan.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

namespace containerv {
namespace {

HostFeatures host_with_cgroups(bool writable) {
    HostFeatures host;
    host.root = writable;
    host.uid = getuid();
    host.gid = getgid();
    host.user_namespaces = true;
    host.seccomp_filter = true;
    host.landlock_abi = 6;
    host.cgroup_version = linux_::CgroupVersion::v2;
    host.cgroups_writable = writable;
    host.cgroups_unwritable = writable ? "" : "this user cannot create cgroups";
    return host;
}

Plan plan_for(const Profile& profile, bool cgroups = true,
              Isolation isolation = Isolation::namespaces) {
    RunRequest request;
    request.profile = profile;
    request.argv = {"true"};
    request.isolation = isolation;
    request.accept_weaker = {"process.groups", "network.allowed_ports", "filesystem.read_only_root",
                             "process.run_as_uid/gid"};
    auto plan = make_plan(request, host_with_cgroups(cgroups));
    EXPECT_TRUE(plan) << plan.error().to_string();
    return plan ? *plan : Plan{};
}

TEST(NetworkPlan, WebServerBindsItsListedPrivilegedPortsAsRoot) {
    Plan plan = plan_for(*find_builtin("web-server"));
    EXPECT_TRUE(plan.cgroup.net.restrict_ports);
    EXPECT_TRUE(plan.cgroup.net.bind_privileged);
}

TEST(NetworkPlan, NoPrivilegedBindWithoutTheCapabilityTheListOrTheGroup) {
    Profile no_cap = *find_builtin("web-server");
    no_cap.allowed_caps &= ~cap_bit(10);  // NET_BIND_SERVICE
    EXPECT_FALSE(plan_for(no_cap).cgroup.net.bind_privileged);
    // default allows the capability but lists no port: no bind program to answer.
    EXPECT_FALSE(plan_for(*find_builtin("default")).cgroup.net.bind_privileged);
    // Rootless: no group, no programs.
    EXPECT_FALSE(plan_for(*find_builtin("web-server"), false).cgroup.net.bind_privileged);
    // database lists ports but does not allow the capability.
    EXPECT_FALSE(plan_for(*find_builtin("database")).cgroup.net.bind_privileged);
}

TEST(NetworkPlan, IsolationLandlockGivesNoPrivilegedBind) {
    Plan plan = plan_for(*find_builtin("web-server"), true, Isolation::landlock);
    EXPECT_FALSE(plan.cgroup.net.bind_privileged);
}

}  // namespace
}  // namespace containerv
