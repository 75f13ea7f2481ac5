// How the plan negotiates Landlock with the host's ABI, and what --isolation landlock refuses.
// Hosts are described, not probed, so every ABI can be planned for on any machine.
#include "linux/landlock_compat.hpp"
#include "plan/plan.hpp"
#include "seccomp/cache.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace containerv {
namespace {

namespace ll = containerv::landlock;
using State = Enforcement::State;

HostFeatures host_with(int abi) {
    HostFeatures host;
    host.root = geteuid() == 0;
    host.uid = getuid();
    host.gid = getgid();
    host.user_namespaces = true;
    host.seccomp_filter = true;
    host.landlock_abi = abi;
    return host;
}

RunRequest request_for(const std::string& name) {
    RunRequest request;
    request.profile = *find_builtin(name);
    request.argv = {"true"};
    request.accept_weaker = {"process.groups"};  // a rootless caller's own groups
    return request;
}

const Enforcement* row(const Plan& plan, const std::string& field) {
    auto it = std::find_if(plan.rows.begin(), plan.rows.end(),
                           [&](const Enforcement& r) { return r.field == field; });
    return it == plan.rows.end() ? nullptr : &*it;
}

TEST(LandlockPlan, BuiltinsWantItWhereAvailable) {
    for (const auto& p : builtin_profiles())
        EXPECT_EQ(p.mac.landlock, Want::if_available) << p.name;
    auto plan = make_plan(request_for("default"), host_with(0));
    ASSERT_TRUE(plan) << plan.error().to_string();
    ASSERT_NE(row(*plan, "mac.landlock"), nullptr);
    EXPECT_EQ(row(*plan, "mac.landlock")->state, State::unavailable);
    EXPECT_FALSE(plan->landlock.enabled);
}

TEST(LandlockPlan, RequiredOnAHostWithoutItIsRefused) {
    RunRequest request = request_for("default");
    request.profile.mac.landlock = Want::required;
    auto plan = make_plan(request, host_with(0));
    ASSERT_TRUE(plan);
    EXPECT_EQ(row(*plan, "mac.landlock")->state, State::refused);
    EXPECT_FALSE(check_enforceable(*plan));
    request.accept_weaker.insert("mac.landlock");
    plan = make_plan(request, host_with(0));
    ASSERT_TRUE(plan);
    EXPECT_EQ(row(*plan, "mac.landlock")->state, State::accepted_weaker);
}

TEST(LandlockPlan, RightsFollowTheAbi) {
    auto plan = make_plan(request_for("default"), host_with(1));
    ASSERT_TRUE(plan);
    EXPECT_TRUE(plan->landlock.enabled);
    EXPECT_EQ(plan->landlock.handled_fs & (ll::kFsRefer | ll::kFsTruncate | ll::kFsIoctlDev), 0u);
    EXPECT_EQ(plan->landlock.handled_net, 0u);

    plan = make_plan(request_for("default"), host_with(7));
    ASSERT_TRUE(plan);
    EXPECT_NE(plan->landlock.handled_fs & ll::kFsTruncate, 0u);
    EXPECT_NE(plan->landlock.handled_fs & ll::kFsIoctlDev, 0u);
    // default's root is writable (a throw-away layer) and it masks nothing outside the
    // kernel's directories: Landlock grants the root whole.
    ASSERT_FALSE(plan->landlock.grants.empty());
    EXPECT_EQ(plan->landlock.grants[0].path, "/");
    EXPECT_NE(plan->landlock.grants[0].access & ll::kFsMakeReg, 0u);
    EXPECT_TRUE(plan->landlock.excluded.empty());

    // A mask outside them: the root's entries are granted one by one around it.
    RunRequest masked = request_for("default");
    masked.profile.filesystem.masked_paths = {"/etc/ssl"};
    plan = make_plan(masked, host_with(7));
    ASSERT_TRUE(plan);
    for (const char* dir : {"/proc", "/sys", "/dev", "/etc/ssl"})
        EXPECT_NE(std::find(plan->landlock.excluded.begin(), plan->landlock.excluded.end(), dir),
                  plan->landlock.excluded.end())
            << dir;
    EXPECT_EQ(plan->landlock.handled_net, 0u) << "default lists no ports";
}

TEST(LandlockPlan, ReadOnlyRootIsReadOnlyForLandlock) {
    auto plan = make_plan(request_for("untrusted"), host_with(7));
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->landlock.grants[0].path, "/");
    EXPECT_EQ(plan->landlock.grants[0].access & ll::kFsWriteFile, 0u);
    bool tmp_writable = false;
    for (const auto& g : plan->landlock.grants)
        if (g.path == "/tmp") tmp_writable = (g.access & ll::kFsMakeReg) != 0;
    EXPECT_TRUE(tmp_writable);
    // /sys/firmware is masked by untrusted: excluded; /proc/kcore stays the mounts' own.
    auto& ex = plan->landlock.excluded;
    EXPECT_NE(std::find(ex.begin(), ex.end(), "/sys/firmware"), ex.end());
    EXPECT_EQ(std::find(ex.begin(), ex.end(), "/proc/kcore"), ex.end());
}

// A writable root with a mask outside /proc, /sys and /dev is granted entry by entry: the
// plan must not read as if / itself were writable.
TEST(LandlockPlan, AWritableRootGrantedEntryByEntrySaysSo) {
    RunRequest request = request_for("default");
    auto whole = make_plan(request, host_with(7));
    ASSERT_TRUE(whole);
    ASSERT_NE(row(*whole, "mac.landlock"), nullptr);
    const std::string& whole_text = row(*whole, "mac.landlock")->mechanism;
    EXPECT_NE(whole_text.find("granted whole"), std::string::npos) << whole_text;

    request.profile.filesystem.masked_paths.push_back("/etc/shadow");
    auto split = make_plan(request, host_with(7));
    ASSERT_TRUE(split);
    const std::string& text = row(*split, "mac.landlock")->mechanism;
    EXPECT_NE(text.find("entry by entry"), std::string::npos) << text;
    EXPECT_NE(text.find("nothing new can be made directly in /"), std::string::npos) << text;
    EXPECT_EQ(text.find("granted whole"), std::string::npos) << text;
}

TEST(LandlockPlan, PortsNeedAbi4AndParanoidScopingAbi6) {
    RunRequest request = request_for("web-server");
    request.accept_weaker.insert("network.allowed_ports");
    auto plan = make_plan(request, host_with(3));
    ASSERT_TRUE(plan);
    EXPECT_EQ(row(*plan, "mac.landlock")->state, State::enforced);
    EXPECT_NE(row(*plan, "mac.landlock")->mechanism.find("unavailable on ABI 3"),
              std::string::npos);
    EXPECT_EQ(plan->landlock.handled_net, 0u);

    request.profile.mac.landlock = Want::required;
    plan = make_plan(request, host_with(3));
    ASSERT_TRUE(plan);
    EXPECT_EQ(row(*plan, "mac.landlock")->state, State::refused);

    plan = make_plan(request, host_with(4));
    ASSERT_TRUE(plan);
    EXPECT_EQ(row(*plan, "mac.landlock")->state, State::enforced);
    EXPECT_EQ(plan->landlock.handled_net, ll::kNetBindTcp | ll::kNetConnectTcp);
    EXPECT_EQ(plan->landlock.tcp_ports, (std::vector<std::uint16_t>{80, 443, 8080}));

    RunRequest paranoid = request_for("untrusted");
    paranoid.profile.mac.landlock = Want::required;
    plan = make_plan(paranoid, host_with(5));
    ASSERT_TRUE(plan);
    EXPECT_EQ(row(*plan, "mac.landlock")->state, State::refused);
    plan = make_plan(paranoid, host_with(6));
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->landlock.scoped, ll::kScopeAbstractUnixSocket | ll::kScopeSignal);
}

TEST(LandlockPlan, ForbiddenUserNamespacesSuggestIsolationLandlock) {
    HostFeatures host = host_with(7);
    host.user_namespaces = false;
    auto plan = make_plan(request_for("default"), host);
    ASSERT_FALSE(plan);
    EXPECT_NE(plan.error().to_string().find("--isolation landlock"), std::string::npos)
        << plan.error().to_string();
}

TEST(LandlockPlan, IsolationLandlockRefusesByField) {
    HostFeatures host = host_with(7);
    host.user_namespaces = false;
    RunRequest request = request_for("default");
    request.isolation = Isolation::landlock;
    auto plan = make_plan(request, host);
    ASSERT_TRUE(plan) << plan.error().to_string();
    EXPECT_EQ(plan->clone_flags, 0);
    // default: writable root (no throw-away layer here), uid 1000 (no user namespace).
    EXPECT_EQ(row(*plan, "filesystem.read_only_root")->state, State::refused);
    if (getuid() != 1000) {
        EXPECT_EQ(row(*plan, "process.run_as_uid/gid")->state, State::refused);
    }
    EXPECT_EQ(row(*plan, "namespaces")->state, State::not_needed);
    EXPECT_EQ(plan->uid, getuid());
    EXPECT_EQ(plan->caps, 0u);
    EXPECT_EQ(plan->landlock.grants[0].access & ll::kFsWriteFile, 0u)
        << "the host's root is never writable";
    EXPECT_NE(plan->landlock.scoped, 0u);

    RunRequest untrusted = request_for("untrusted");
    untrusted.isolation = Isolation::landlock;
    plan = make_plan(untrusted, host);
    ASSERT_TRUE(plan);
    EXPECT_EQ(row(*plan, "network.isolated")->state, State::refused);
    EXPECT_EQ(row(*plan, "namespaces")->state, State::refused);
    EXPECT_EQ(row(*plan, "filesystem.masked_paths")->state, State::refused);

    RunRequest off = request_for("default");
    off.isolation = Isolation::landlock;
    off.profile.mac.landlock = Want::off;
    EXPECT_FALSE(make_plan(off, host));
    EXPECT_FALSE(make_plan(request, host_with(0)));
    off.profile.mac.landlock = Want::if_available;
    off.binds.push_back({"/", "/mnt", false});
    EXPECT_FALSE(make_plan(off, host));
}

}  // namespace
}  // namespace containerv

namespace containerv {
namespace {

TEST(LandlockPlan, IsolationLandlockKeepsARootlessCallersSeccompCacheOutOfReach) {
    HostFeatures host = host_with(7);
    host.root = false;
    RunRequest request = request_for("default");
    request.isolation = Isolation::landlock;
    auto plan = make_plan(request, host);
    ASSERT_TRUE(plan) << plan.error().to_string();
    char cache[PATH_MAX];
    ASSERT_NE(realpath(seccomp::cache_dir().c_str(), cache), nullptr)
        << "planning compiles the filter into the cache: " << seccomp::cache_dir();
    const auto& ex = plan->landlock.excluded;
    EXPECT_NE(std::find(ex.begin(), ex.end(), std::string(cache)), ex.end());
}

}  // namespace
}  // namespace containerv
