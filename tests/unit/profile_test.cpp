// The profile layer: names and numbers, the built-ins with the values issue 2 fixes, the JSON
// codec, and conformance with the original design's JSON examples.
#include <containerv/profile.hpp>

#include "profile/json.hpp"
#include "seccomp/baseline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <ostream>
#include <set>

namespace containerv {

// Failures print the profile as JSON instead of gtest's byte dump.
void PrintTo(const Profile& p, std::ostream* os) {
    *os << profile_to_json(p).dump(2);
}

namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

CapSet bits(std::initializer_list<int> numbers) {
    CapSet set = 0;
    for (int n : numbers) set |= CapSet{1} << n;
    return set;
}

// Every field set explicitly, so an expectation below does not lean on the model's defaults.
Profile blank(const std::string& name, Level level, const std::string& description) {
    Profile p;
    p.name = name;
    p.level = level;
    p.description = description;
    p.allowed_caps = 0;
    p.dropped_caps = 0;
    p.syscalls = SyscallPolicy{SyscallAction::allow, 1, {}, {}, {}};
    p.network = NetworkPolicy{false, {}, {}};
    p.filesystem = FilesystemPolicy{false, {}, {}, {}, true};
    p.process = ProcessPolicy{"", std::nullopt, std::nullopt, true};
    p.mac = MacPolicy{Want::off, "", Want::off, ""};
    p.resources = ResourcePolicy{};
    p.windows = WindowsPolicy{false, "", {}, {}};
    return p;
}

const Profile& builtin(std::string_view name) {
    const Profile* p = find_builtin(name);
    if (!p) throw std::runtime_error("no built-in profile " + std::string(name));
    return *p;
}

// Both: the JSON diff is what a reader wants to see, operator== is what decides.
void expect_same(const Profile& actual, const Profile& expected) {
    EXPECT_EQ(profile_to_json(actual).dump(2), profile_to_json(expected).dump(2));
    EXPECT_TRUE(actual == expected);
}

bool has_duplicates(const Strings& names) {
    return std::set<std::string>(names.begin(), names.end()).size() != names.size();
}

// ---- names and numbers -------------------------------------------------------------------

TEST(Capability, KernelNumbersAndNames) {
    EXPECT_EQ(capability_name(0), "CHOWN");
    EXPECT_EQ(capability_name(1), "DAC_OVERRIDE");
    EXPECT_EQ(capability_name(10), "NET_BIND_SERVICE");
    EXPECT_EQ(capability_name(21), "SYS_ADMIN");
    EXPECT_EQ(capability_name(31), "SETFCAP");
    EXPECT_EQ(capability_name(38), "PERFMON");
    EXPECT_EQ(capability_name(39), "BPF");
    EXPECT_EQ(capability_name(40), "CHECKPOINT_RESTORE");
    EXPECT_EQ(capability_name(41), "");
    EXPECT_EQ(capability_name(-1), "");
    EXPECT_EQ(kCapLast, 40);
}

TEST(Capability, FromNameWithOrWithoutPrefixAnyCase) {
    EXPECT_EQ(capability_from_name("SYS_ADMIN"), 21);
    EXPECT_EQ(capability_from_name("CAP_SYS_ADMIN"), 21);
    EXPECT_EQ(capability_from_name("sys_admin"), 21);
    EXPECT_EQ(capability_from_name("cap_sys_admin"), 21);
    EXPECT_EQ(capability_from_name("Cap_Chown"), 0);
    EXPECT_EQ(capability_from_name("checkpoint_restore"), 40);
    EXPECT_EQ(capability_from_name("SYS_ADMINN"), std::nullopt);
    EXPECT_EQ(capability_from_name(""), std::nullopt);
    EXPECT_EQ(capability_from_name("CAP_"), std::nullopt);
    EXPECT_EQ(capability_from_name("CAP_CAP_CHOWN"), std::nullopt);
}

TEST(Capability, EveryNumberRoundTripsThroughItsName) {
    std::set<std::string> seen;
    for (int cap = 0; cap <= kCapLast; ++cap) {
        const std::string name(capability_name(cap));
        ASSERT_FALSE(name.empty()) << cap;
        EXPECT_FALSE(name.starts_with("CAP_")) << name;
        EXPECT_EQ(capability_from_name(name), cap) << name;
        EXPECT_TRUE(seen.insert(name).second) << "duplicate " << name;
    }
}

TEST(Capability, NamesOfASetInNumberOrder) {
    EXPECT_EQ(capability_names(bits({21, 0, 40, 7})),
              (Strings{"CHOWN", "SETUID", "SYS_ADMIN", "CHECKPOINT_RESTORE"}));
    EXPECT_TRUE(capability_names(0).empty());
}

TEST(Enums, LevelsByNameAndNumber) {
    EXPECT_EQ(static_cast<int>(Level::permissive), 0);
    EXPECT_EQ(static_cast<int>(Level::restricted), 1);
    EXPECT_EQ(static_cast<int>(Level::strict), 2);
    EXPECT_EQ(static_cast<int>(Level::paranoid), 3);
    for (auto [level, name] :
         {std::pair{Level::permissive, "permissive"}, std::pair{Level::restricted, "restricted"},
          std::pair{Level::strict, "strict"}, std::pair{Level::paranoid, "paranoid"}}) {
        EXPECT_EQ(to_string(level), name);
        EXPECT_EQ(level_from_string(name), level);
    }
    EXPECT_EQ(level_from_string("Strict"), std::nullopt);
    EXPECT_EQ(level_from_string(""), std::nullopt);
}

TEST(Enums, SyscallActionsAndWants) {
    for (auto [action, name] :
         {std::pair{SyscallAction::allow, "allow"}, std::pair{SyscallAction::errno_ret, "errno"},
          std::pair{SyscallAction::kill, "kill"}, std::pair{SyscallAction::trap, "trap"},
          std::pair{SyscallAction::trace, "trace"}, std::pair{SyscallAction::log, "log"}}) {
        EXPECT_EQ(to_string(action), name);
        EXPECT_EQ(syscall_action_from_string(name), action);
    }
    EXPECT_EQ(syscall_action_from_string("errno_ret"), std::nullopt);

    for (auto [want, name] :
         {std::pair{Want::off, "off"}, std::pair{Want::if_available, "if-available"},
          std::pair{Want::required, "required"}}) {
        EXPECT_EQ(to_string(want), name);
        EXPECT_EQ(want_from_string(name), want);
    }
    EXPECT_EQ(want_from_string("if_available"), std::nullopt);
}

// ---- errors ------------------------------------------------------------------------------

TEST(ErrorText, SyscallFailureNamesStepSyscallPathAndErrno) {
    const Error e = Error::sys("rootfs", "mount", "/proc", ENOENT);
    EXPECT_EQ(e.to_string(), std::string("rootfs: mount(/proc): ") + std::strerror(ENOENT));
    EXPECT_EQ(e.err, ENOENT);
}

TEST(ErrorText, MessageWithAndWithoutPath) {
    Error e = Error::msg("profile", "capability SYS_ADMIN is both allowed and dropped");
    EXPECT_EQ(e.to_string(), "profile: capability SYS_ADMIN is both allowed and dropped");
    e.path = "mine";
    EXPECT_EQ(e.to_string(), "profile: mine: capability SYS_ADMIN is both allowed and dropped");
}

// ---- consistency -------------------------------------------------------------------------

TEST(Consistency, CapabilityBothAllowedAndDroppedIsNamed) {
    Profile p = blank("mine", Level::restricted, "");
    p.allowed_caps = bits({0, 21});
    p.dropped_caps = bits({21, 16});
    const Status s = check_consistency(p);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().to_string().find("SYS_ADMIN"), std::string::npos) << s.error().to_string();
    EXPECT_EQ(s.error().to_string().find("CHOWN"), std::string::npos);
}

TEST(Consistency, ParanoidNeedsAnIsolatedNetwork) {
    Profile p = blank("mine", Level::paranoid, "");
    const Status s = check_consistency(p);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().to_string().find("paranoid"), std::string::npos);

    p.network.isolated = true;
    EXPECT_TRUE(check_consistency(p).ok());
}

TEST(Consistency, SyscallBothAllowedAndBlockedIsNamed) {
    Profile p = blank("mine", Level::restricted, "");
    p.syscalls.allowed = {"read", "ptrace", "write"};
    p.syscalls.blocked = {"mount", "ptrace"};
    const Status s = check_consistency(p);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().to_string().find("ptrace"), std::string::npos);
    EXPECT_EQ(s.error().to_string().find("mount"), std::string::npos);
}

TEST(Consistency, EveryBuiltinIsConsistent) {
    for (const auto& p : builtin_profiles()) {
        const Status s = check_consistency(p);
        EXPECT_TRUE(s.ok()) << p.name << ": " << (s.ok() ? "" : s.error().to_string());
    }
}

// ---- built-ins ---------------------------------------------------------------------------

TEST(Builtins, FiveInTheDesignsOrder) {
    Strings names;
    for (const auto& p : builtin_profiles()) names.push_back(p.name);
    EXPECT_EQ(names,
              (Strings{"default", "web-server", "database", "build-environment", "untrusted"}));
    // find_builtin makes only the profile asked for: the same value, not the same object.
    ASSERT_NE(find_builtin("untrusted"), nullptr);
    EXPECT_EQ(*find_builtin("untrusted"), builtin_profiles()[4]);
    EXPECT_EQ(find_builtin("untrusted"), find_builtin("untrusted"));
    EXPECT_EQ(find_builtin("Default"), nullptr);
    EXPECT_EQ(find_builtin(""), nullptr);
}

TEST(Builtins, Default) {
    Profile e =
        blank("default", Level::restricted, "Balanced security for general container workloads");
    // CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7,
    // NET_BIND_SERVICE 10, SYS_CHROOT 18.
    e.allowed_caps = bits({0, 1, 3, 4, 5, 6, 7, 10, 18});
    // SYS_ADMIN 21, SYS_MODULE 16, SYS_RAWIO 17, SYS_BOOT 22, MAC_ADMIN 33.
    e.dropped_caps = bits({21, 16, 17, 22, 33});
    e.process.no_new_privileges = true;
    e.network.isolated = false;
    e.filesystem.read_only_root = false;
    e.filesystem.no_suid = true;
    e.process.uid = 1000;
    e.process.gid = 1000;
    e.syscalls = seccomp::docker_like_policy(e.allowed_caps);
    expect_same(builtin("default"), e);

    EXPECT_EQ(capability_names(builtin("default").allowed_caps),
              (Strings{"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
                       "NET_BIND_SERVICE", "SYS_CHROOT"}));
    EXPECT_EQ(capability_names(builtin("default").dropped_caps),
              (Strings{"SYS_MODULE", "SYS_RAWIO", "SYS_ADMIN", "SYS_BOOT", "MAC_ADMIN"}));
}

TEST(Builtins, WebServer) {
    Profile e =
        blank("web-server", Level::restricted, "Security profile optimized for web servers");
    e.allowed_caps = bits({10, 7, 6, 0});  // NET_BIND_SERVICE, SETUID, SETGID, CHOWN
    e.process.no_new_privileges = true;
    e.filesystem.read_only_root = true;
    e.filesystem.writable_paths = {"/var/log", "/var/cache", "/tmp"};
    e.network.allowed_ports = {"tcp:80", "tcp:443", "tcp:8080"};
    e.filesystem.no_suid = true;
    e.process.run_as_user = "www-data";
    e.process.uid = 33;
    e.process.gid = 33;
    e.syscalls = seccomp::docker_like_policy(e.allowed_caps);
    expect_same(builtin("web-server"), e);
}

const Strings kDatabaseExampleAllowed = {
    "read",    "write",      "open",       "close", "stat",   "fstat", "mmap",   "munmap",
    "brk",     "ioctl",      "select",     "poll",  "socket", "bind",  "listen", "accept",
    "connect", "setsockopt", "getsockopt", "clone", "execve", "exit"};

const Strings kDatabaseBlocked = {"ptrace", "process_vm_readv", "process_vm_writev", "mount",
                                  "umount", "swapon",           "swapoff",           "reboot"};

TEST(Builtins, Database) {
    Profile e = blank("database", Level::restricted, "Security profile for database containers");
    e.allowed_caps = bits({7, 6, 0, 1});  // SETUID, SETGID, CHOWN, DAC_OVERRIDE
    e.dropped_caps = bits({21, 12, 16});  // SYS_ADMIN, NET_ADMIN, SYS_MODULE
    e.filesystem.read_only_root = false;
    e.filesystem.writable_paths = {"/var/lib/database", "/var/log", "/tmp"};
    e.filesystem.masked_paths = {"/proc/kcore", "/proc/keys"};
    e.filesystem.no_suid = true;
    e.network.isolated = false;
    e.network.allowed_ports = {"tcp:5432", "tcp:3306", "tcp:27017"};
    e.process.run_as_user = "database";
    e.process.uid = 999;
    e.process.gid = 999;
    e.process.no_new_privileges = true;
    e.syscalls.default_action = SyscallAction::errno_ret;
    e.syscalls.default_errno = EPERM;
    e.syscalls.blocked = kDatabaseBlocked;

    // The example's own entries first, then the base set, then what PostgreSQL calls beyond
    // both (docs/PROFILES.md), without repeats; a base name the profile blocks stays blocked.
    e.syscalls.allowed = kDatabaseExampleAllowed;
    Strings wanted = seccomp::base_syscalls();
    for (const char* name :
         {"chmod",     "rmdir",           "truncate",  "pwrite64",   "pwritev",   "fallocate",
          "fadvise64", "sync_file_range", "fstatfs",   "shmget",     "shmat",     "shmdt",
          "shmctl",    "epoll_create1",   "epoll_ctl", "epoll_wait", "signalfd4", "pselect6",
          "setitimer", "getsockname",     "recvfrom",  "sendto",     "setsid",    "getrusage"})
        wanted.push_back(name);
    for (const auto& name : wanted) {
        const auto& a = e.syscalls.allowed;
        const auto& b = e.syscalls.blocked;
        if (std::find(a.begin(), a.end(), name) == a.end() &&
            std::find(b.begin(), b.end(), name) == b.end()) {
            e.syscalls.allowed.push_back(name);
        }
    }
    // clone and socket are narrowed by Docker's argument rules instead of allowed whole.
    std::erase_if(e.syscalls.allowed,
                  [](const std::string& n) { return n == "clone" || n == "socket"; });
    const std::uint64_t namespaces = 0x7E020000;  // CLONE_NEWNS ... CLONE_NEWNET
    const std::uint64_t af_alg = 38, af_vsock = 40;
    // glibc needs ENOSYS from clone3 to fall back to clone for threads; PostgreSQL's children
    // ask for a signal at the postmaster's death (PR_SET_PDEATHSIG), no other prctl.
    using Op = ArgCondition::Op;
    e.syscalls.rules = {
        SyscallRule{{"clone"}, SyscallAction::allow, 0, {{0, Op::masked_eq, namespaces, 0}}},
        SyscallRule{{"clone3"}, SyscallAction::errno_ret, ENOSYS, {}},
        SyscallRule{{"socket"}, SyscallAction::allow, 0, {{0, Op::lt, af_alg, 0}}},
        SyscallRule{{"socket"}, SyscallAction::allow, 0, {{0, Op::eq, af_alg + 1, 0}}},
        SyscallRule{{"socket"}, SyscallAction::allow, 0, {{0, Op::gt, af_vsock, 0}}},
        SyscallRule{{"prctl"}, SyscallAction::allow, 0, {{0, Op::eq, 1, 0}}}};
    expect_same(builtin("database"), e);

    // The example's list, less the two calls the rules narrow, stays the list's prefix.
    Strings example = kDatabaseExampleAllowed;
    std::erase_if(example, [](const std::string& n) { return n == "clone" || n == "socket"; });
    const Strings& allowed = builtin("database").syscalls.allowed;
    EXPECT_FALSE(has_duplicates(allowed));
    ASSERT_GE(allowed.size(), example.size());
    EXPECT_TRUE(std::equal(example.begin(), example.end(), allowed.begin()));
}

TEST(Builtins, BuildEnvironment) {
    Profile e = blank("build-environment", Level::permissive,
                      "Relaxed security for build containers that need more access");
    // SETUID, SETGID, CHOWN, DAC_OVERRIDE, FOWNER, MKNOD 27, SETFCAP 31, SYS_CHROOT 18.
    e.allowed_caps = bits({7, 6, 0, 1, 3, 27, 31, 18});
    e.filesystem.read_only_root = false;
    e.filesystem.writable_paths = {"/*"};
    e.filesystem.no_suid = false;
    e.network.isolated = false;
    e.network.allowed_hosts = {"*"};
    e.process.run_as_user = "builder";
    e.process.uid = 1000;
    e.process.gid = 1000;
    e.process.no_new_privileges = false;
    e.syscalls.default_action = SyscallAction::allow;
    e.syscalls.blocked = {"reboot",  "kexec_load",    "mount",
                          "umount2", "delete_module", "init_module"};
    expect_same(builtin("build-environment"), e);
}

TEST(Builtins, Untrusted) {
    Profile e =
        blank("untrusted", Level::paranoid, "Maximum security for untrusted or unknown workloads");
    e.process.no_new_privileges = true;
    e.network.isolated = true;
    e.filesystem.read_only_root = true;
    e.filesystem.no_suid = true;
    e.filesystem.writable_paths = {"/tmp"};
    e.filesystem.masked_paths = {"/proc/kcore",       "/proc/keys",    "/proc/timer_list",
                                 "/proc/sched_debug", "/sys/firmware", "/proc/scsi"};
    e.process.uid = 65534;
    e.process.gid = 65534;
    e.syscalls = seccomp::untrusted_policy();
    e.resources.rlimits.nproc = 64;  // a fork bomb stops there
    e.mac.apparmor = Want::if_available;
    e.mac.selinux = Want::if_available;
    e.mac.selinux_context = "unconfined_u:unconfined_r:container_untrusted_t:s0";
    expect_same(builtin("untrusted"), e);
    EXPECT_EQ(builtin("untrusted").allowed_caps, 0u);
}

TEST(Builtins, AllowListPoliciesDenyWithEperm) {
    for (const char* name : {"default", "web-server", "database", "untrusted"}) {
        const SyscallPolicy& s = builtin(name).syscalls;
        EXPECT_EQ(s.default_action, SyscallAction::errno_ret) << name;
        EXPECT_EQ(s.default_errno, EPERM) << name;
        EXPECT_FALSE(s.allowed.empty() && s.rules.empty()) << name;
    }
}

// ---- JSON --------------------------------------------------------------------------------

Result<Profile> parse(const std::string& text) {
    return profile_from_json(json::parse(text), "bad.json");
}

std::string error_of(const std::string& text) {
    const auto r = parse(text);
    if (r.ok()) return "(no error)";
    return r.error().to_string();
}

TEST(Json, EveryBuiltinRoundTrips) {
    for (const auto& p : builtin_profiles()) {
        const json j = profile_to_json(p);
        const auto back = profile_from_json(j, "<builtin>");
        ASSERT_TRUE(back.ok()) << p.name << ": " << back.error().to_string();
        expect_same(*back, p);

        // Through text too, byte for byte.
        const std::string text = j.dump(2);
        const auto again = profile_from_json(json::parse(text), "<builtin>");
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(profile_to_json(*again).dump(2), text) << p.name;
    }
}

TEST(Json, EveryFieldOfTheModelRoundTrips) {
    Profile p = blank("full", Level::strict, "all fields");
    p.allowed_caps = bits({0, 40});
    p.dropped_caps = bits({21});
    p.syscalls.default_action = SyscallAction::kill;
    p.syscalls.default_errno = 38;
    p.syscalls.allowed = {"read"};
    p.syscalls.blocked = {"mount"};
    p.syscalls.rules = {
        {{"personality"}, SyscallAction::allow, 0, {{0, ArgCondition::Op::eq, 0xffffffff, 0}}},
        {{"clone", "clone3"},
         SyscallAction::errno_ret,
         38,
         {{0, ArgCondition::Op::masked_eq, 0x7e020000, 0},
          {5, ArgCondition::Op::masked_eq, ~std::uint64_t{0}, 7}}},
        {{"acct"}, SyscallAction::log, 0, {}}};
    p.network = {true, {"udp:53"}, {"example.org"}};
    p.filesystem = {true, {"/tmp"}, {"/proc/kcore"}, {"/etc"}, false};
    p.process = {"someone", 12, std::nullopt, false};
    p.mac = {Want::required, "my-profile", Want::if_available, "a:b:c:s0"};
    p.resources.memory_bytes = 512ull << 20;
    p.resources.swap_bytes = 0;
    p.resources.cpus = 1.5;
    p.resources.cpu_weight = 200;
    p.resources.pids = 64;
    p.resources.devices = {"/dev/fuse", "/dev/net/tun:rwm"};
    p.resources.rlimits = {1024, 100, 0, 1 << 20, 60, 1ull << 30};
    p.windows = {true, "low", {"S-1-15-3-1"}, {"SeChangeNotifyPrivilege"}};

    const auto back = profile_from_json(profile_to_json(p), "<test>");
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    expect_same(*back, p);
}

TEST(Json, ShapeWithCapabilityNamesInNumberOrder) {
    const json j = profile_to_json(builtin("default"));
    Strings keys;
    for (const auto& [key, value] : j.items()) keys.push_back(key);
    EXPECT_EQ(keys, (Strings{"capabilities", "description", "filesystem", "level", "mac", "name",
                             "network", "process", "resources", "syscalls", "windows"}));
    EXPECT_EQ(j["capabilities"]["allowed"],
              json({"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
                    "NET_BIND_SERVICE", "SYS_CHROOT"}));
    EXPECT_EQ(j["level"], "restricted");
    EXPECT_EQ(j["process"]["run_as_uid"], 1000);
    EXPECT_TRUE(profile_to_json(builtin("untrusted"))["process"]["run_as_user"] == "");
    EXPECT_EQ(profile_to_json(builtin("untrusted"))["mac"]["selinux"], "if-available");
    EXPECT_EQ(profile_to_json(builtin("database"))["syscalls"]["default_action"], "errno");
}

TEST(Json, MissingFieldsTakeTheModelsDefaults) {
    const auto r = parse("{}");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(*r == Profile{});
}

TEST(Json, CapabilityNamesWithPrefixAndAnyCase) {
    const auto r = parse(R"({"capabilities": {"allowed": ["cap_chown", "CAP_KILL", "Bpf"]}})");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->allowed_caps, bits({0, 5, 39}));
}

TEST(Json, NoSuidUnderFilesystemOrProcess) {
    auto r = parse(R"({"filesystem": {"no_suid": false}})");
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->filesystem.no_suid);

    r = parse(R"({"process": {"no_suid": false}})");
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->filesystem.no_suid);

    r = parse(R"({"filesystem": {"no_suid": true}, "process": {"no_suid": true}})");
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->filesystem.no_suid);

    EXPECT_NE(error_of(R"({"filesystem": {"no_suid": true}, "process": {"no_suid": false}})")
                  .find("/process/no_suid"),
              std::string::npos);
}

TEST(Json, UnknownCapabilityGivesPointerAndSuggestion) {
    const std::string e =
        error_of(R"({"capabilities": {"allowed": ["CHOWN", "KILL", "SYS_ADMINN"]}})");
    EXPECT_NE(e.find("bad.json"), std::string::npos) << e;
    EXPECT_NE(e.find("/capabilities/allowed/2: unknown capability \"SYS_ADMINN\" "
                     "(did you mean SYS_ADMIN?)"),
              std::string::npos)
        << e;

    const auto r = parse(R"({"capabilities": {"dropped": ["NOPE_AT_ALL"]}})");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("bad.json"), std::string::npos);
    EXPECT_NE(r.error().message.find("/capabilities/dropped/0"), std::string::npos);
    EXPECT_EQ(r.error().message.find("did you mean"), std::string::npos);
}

TEST(Json, WrongTypeGivesPointer) {
    // A second value on a comparison that reads one is a rule that does not do what it says.
    EXPECT_NE(error_of(R"({"syscalls": {"rules": [{"names": ["personality"], "action": "errno",
                 "args": [{"index": 0, "op": "==", "value": 1, "value_two": 2}]}]}})")
                  .find("/syscalls/rules/0/args/0/value_two: value_two is only used by"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"network": {"isolated": "yes"}})").find("/network/isolated: expected"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"filesystem": {"writable_paths": ["/tmp", 3]}})")
                  .find("/filesystem/writable_paths/1"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"process": {"run_as_uid": -1}})").find("/process/run_as_uid"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"process": {"run_as_uid": 4294967296}})").find("/process/run_as_uid"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"capabilities": "CHOWN"})").find("/capabilities"), std::string::npos);
    EXPECT_NE(error_of(R"({"syscalls": {"rules": [{"args": [{"index": 6}]}]}})")
                  .find("/syscalls/rules/0/args/0/index"),
              std::string::npos);
    EXPECT_NE(error_of("[]").find("expected an object"), std::string::npos);
}

TEST(Json, UnknownKeysAndNamesGivePointer) {
    const std::string key = error_of(R"({"filesystem": {"read_only_rot": true}})");
    EXPECT_NE(key.find("/filesystem/read_only_rot: unknown key"), std::string::npos) << key;
    EXPECT_NE(key.find("did you mean read_only_root?"), std::string::npos) << key;

    EXPECT_NE(error_of(R"({"extra": 1})").find("/extra: unknown key"), std::string::npos);

    const std::string level = error_of(R"({"level": "stricter"})");
    EXPECT_NE(level.find("/level: unknown level \"stricter\""), std::string::npos) << level;

    EXPECT_NE(
        error_of(R"({"syscalls": {"default_action": "deny"}})").find("/syscalls/default_action"),
        std::string::npos);
    EXPECT_NE(error_of(R"({"syscalls": {"rules": [{"args": [{"op": "=~"}]}]}})")
                  .find("/syscalls/rules/0/args/0/op"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"mac": {"apparmor": "yes"}})").find("/mac/apparmor"), std::string::npos);
}

// ---- conformance with the design's examples ----------------------------------------------

const std::filesystem::path kFixtures =
    std::filesystem::path(CONTAINERV_SOURCE_DIR) / ".." / "shared" / "fixtures" / "profiles";

Profile load_fixture(const std::string& file) {
    std::ifstream in(kFixtures / file);
    if (!in) throw std::runtime_error("cannot read " + (kFixtures / file).string());
    const auto r = profile_from_json(json::parse(in), file);
    if (!r.ok()) throw std::runtime_error(r.error().to_string());
    return *r;
}

// The built-in equals the example on every field but two: the user ids the example lacks, and
// the syscall allow-list the built-in extends (the example's list must stay its prefix; in
// database, less clone and socket, which argument rules narrow).
void expect_conforms(const std::string& name) {
    if (!std::filesystem::is_directory(kFixtures)) {
        GTEST_SKIP() << "the design's example profiles are not at " << kFixtures.string();
    }
    const Profile example = load_fixture(name + ".json");
    Profile p = builtin(name);

    EXPECT_FALSE(example.process.uid.has_value());
    EXPECT_FALSE(example.process.gid.has_value());
    p.process.uid.reset();
    p.process.gid.reset();

    Strings listed = example.syscalls.allowed;
    if (name == std::string("database")) {
        // Allowed whole by the example, narrowed by argument rules in the built-in; its rules
        // (clone, clone3, socket, prctl) are additions (see Builtins.Database).
        for (const char* narrowed : {"clone", "socket"}) {
            EXPECT_NE(std::find(listed.begin(), listed.end(), narrowed), listed.end());
            auto ruled = std::find_if(
                p.syscalls.rules.begin(), p.syscalls.rules.end(), [&](const SyscallRule& r) {
                    return r.names == Strings{narrowed} && r.action == SyscallAction::allow;
                });
            EXPECT_NE(ruled, p.syscalls.rules.end()) << narrowed;
        }
        std::erase_if(listed, [](const std::string& n) { return n == "clone" || n == "socket"; });
        p.syscalls.rules.clear();
    }
    ASSERT_GE(p.syscalls.allowed.size(), listed.size());
    EXPECT_TRUE(std::equal(listed.begin(), listed.end(), p.syscalls.allowed.begin()));
    p.syscalls.allowed = example.syscalls.allowed;

    expect_same(p, example);
}

TEST(Conformance, DatabaseEqualsTheDesignsExample) {
    expect_conforms("database");
}

TEST(Conformance, BuildEnvironmentEqualsTheDesignsExample) {
    expect_conforms("build-environment");
}

}  // namespace
}  // namespace containerv
