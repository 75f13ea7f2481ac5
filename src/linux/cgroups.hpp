// A per-sandbox cgroup: resource limits and the device allow-list, one implementation per
// cgroup generation (cgroup_v1.cpp: one directory per controller; cgroup_v2.cpp: the unified
// tree, devices by a BPF program). The supervisor creates it before clone, moves pid 1 into it
// before releasing it, reads what the sandbox used after it ended, and removes it on every
// path; a supervisor killed with SIGKILL leaves an empty directory that the next start removes
// (remove_stale_cgroups).
#pragma once

#include "linux/sock_filter.hpp"

#include <containerv/error.hpp>

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace containerv::linux_ {

enum class CgroupVersion { none, v1, v2 };

// One allowed device: type 'c' or 'b', major and minor (-1 for any), access of "rwm".
struct DeviceRule {
    char type = 'c';
    long major = -1;
    long minor = -1;
    std::string access = "rwm";
    bool operator==(const DeviceRule&) const = default;
};

// "c 1:3 rwm", the devices controller's (and the plan's) notation.
std::string to_string(const DeviceRule& rule);

// The default allow-list: null, zero, full, random, urandom, tty, ptmx and the pts devices.
std::vector<DeviceRule> default_device_rules();

struct CgroupSpec {
    CgroupVersion version = CgroupVersion::none;
    std::optional<std::uint64_t> memory;  // bytes
    std::optional<std::uint64_t> swap;    // bytes on top of memory
    std::optional<double> cpus;
    std::optional<std::uint64_t> cpu_weight;  // 1-10000
    std::optional<std::uint64_t> pids;
    std::vector<DeviceRule> devices;
    // Hybrid hosts: the unified tree where cgroup BPF programs attach (the device program too,
    // as a second layer under the v1 devices controller). Empty: none.
    std::string unified_root;
    // network.allowed_ports / allowed_hosts: socket address programs on the unified group.
    NetRules net;
};

// What the sandbox used and hit, read after it ended.
struct CgroupUsage {
    bool oom_killed = false;                   // the memory limit's OOM killer ran
    bool pids_limit_hit = false;               // a fork or clone failed at the pids limit
    std::optional<std::uint64_t> peak_memory;  // bytes, when the kernel keeps it
};

class Cgroup {
public:
    virtual ~Cgroup() = default;
    // Moves `pid` (and so its future children) into every controller's group.
    virtual Status add(pid_t pid) = 0;
    virtual CgroupUsage usage() const = 0;
    // Kills whatever is still in the group (SIGKILL), where the kernel can do it at once.
    virtual void kill_all() = 0;
    // Removes the directories; called again (by the destructor) it does nothing.
    virtual Status remove() = 0;
    // The directory names, for logs and tests.
    virtual std::vector<std::string> paths() const = 0;
};

// Where this host's containerv groups live, per generation: "/sys/fs/cgroup/memory/containerv",
// ... (v1) or "/sys/fs/cgroup/containerv" (v2).
std::vector<std::string> cgroup_parents(CgroupVersion version, const std::string& unified_root);

// Creates the group named for this process (pid and start time) with the limits applied.
Result<std::unique_ptr<Cgroup>> create_cgroup(const CgroupSpec& spec);

// Removes groups left by supervisors that are gone (killed with SIGKILL); a group whose owner
// still runs, or that still holds processes, stays.
void remove_stale_cgroups(CgroupVersion version, const std::string& unified_root);

// Implementation helpers shared by the two generations (cgroup_common in cgroups.cpp).
namespace cgroup_detail {
// "<pid>-<start time in ticks>" of this process.
std::string own_name();
// True when a group of that name belongs to a process that no longer runs.
bool owner_gone(const std::string& name);
Status write_file(const std::string& path, const std::string& value);
std::optional<std::string> read_file(const std::string& path);
// The number after KEY in a "key value" per line file (memory.events, pids.events ...).
std::optional<std::uint64_t> keyed_value(const std::string& path, const std::string& key);
Status make_dir(const std::string& path);
Status remove_dir(const std::string& path);
Result<std::unique_ptr<Cgroup>> create_v1(const CgroupSpec& spec, const std::string& name);
Result<std::unique_ptr<Cgroup>> create_v2(const CgroupSpec& spec, const std::string& name);
// The unified-tree group of a hybrid host, holding only the device program.
Result<std::unique_ptr<Cgroup>> create_v2_bpf_only(const CgroupSpec& spec, const std::string& name);
}  // namespace cgroup_detail

}  // namespace containerv::linux_
