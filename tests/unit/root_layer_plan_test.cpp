// When the plan makes a writable host root one overlay (RootPlan::one_layer): as root only,
// whose supervisor can clone the lower before the user namespace, and never for a profile
// keeping CAP_SYS_ADMIN, which could unmount the covers over the host's mounts. Hosts are
// described, not probed.
#include "plan/plan.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>

#include <linux/capability.h>
#include <unistd.h>

namespace containerv {
namespace {

constexpr CapSet kSysAdmin = cap_bit(CAP_SYS_ADMIN);

Plan plan_for(const Profile& profile, bool root) {
    HostFeatures host;
    host.root = root;
    host.uid = getuid();
    host.gid = getgid();
    host.user_namespaces = true;
    host.seccomp_filter = true;
    RunRequest request;
    request.profile = profile;
    request.argv = {"true"};
    request.accept_weaker = {"process.groups", "process.run_as_uid/gid", "resources.devices",
                             "network.allowed_ports"};
    auto plan = make_plan(request, host);
    EXPECT_TRUE(plan) << plan.error().to_string();
    return plan ? *plan : Plan{};
}

TEST(RootLayerPlan, WritableHostRootAsRootIsOneLayer) {
    EXPECT_TRUE(plan_for(*find_builtin("default"), true).root.one_layer);
    EXPECT_TRUE(plan_for(*find_builtin("build-environment"), true).root.one_layer);
}

TEST(RootLayerPlan, ReadOnlyRootRootlessOrSysAdminKeepTheOverlaysPerDirectory) {
    EXPECT_FALSE(plan_for(*find_builtin("untrusted"), true).root.one_layer);
    EXPECT_FALSE(plan_for(*find_builtin("default"), false).root.one_layer);
    Profile admin = *find_builtin("default");
    admin.dropped_caps &= ~kSysAdmin;  // default lists it as dropped
    admin.allowed_caps |= kSysAdmin;
    Plan plan = plan_for(admin, true);
    EXPECT_TRUE(plan.caps & kSysAdmin);
    EXPECT_FALSE(plan.root.one_layer);
}

}  // namespace
}  // namespace containerv
