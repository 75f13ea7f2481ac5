// What the kernel says about one process, read from /proc/PID and the cgroup file systems.
// Nothing here judges: src/audit/audit.cpp turns an Observation into findings.
#pragma once

#include <containerv/error.hpp>
#include <containerv/profile.hpp>

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace containerv::audit {

// A value read, or why it could not be read. `source` names the file, `raw` the text read
// from it (or the error), so that every finding can show its evidence.
template <class T>
struct Read {
    std::optional<T> value;
    std::string source;
    std::string raw;
};

struct MountEntry {
    int id = 0;
    std::string mount_point;  // relative to the process's root
    std::string options;      // per-mount options: "ro,nosuid,nodev,..."
    std::string propagation;  // optional fields: "shared:1", "master:2", "" (private)
    std::string fstype;
    std::string source;
};

struct CgroupLimit {
    std::optional<std::uint64_t> value;  // nullopt: no limit at any level
    std::string source;                  // the file that set the tightest limit, or the last read
    std::string raw;
};

struct Observation {
    pid_t pid = 0;
    std::string comm;
    std::string proc;  // "/proc/PID"

    // /proc/PID/status
    Read<CapSet> cap_prm, cap_eff, cap_bnd, cap_amb;
    Read<int> no_new_privs;
    Read<int> seccomp;               // 0 off, 1 strict, 2 filter
    Read<int> seccomp_filters;       // absent on kernels before 5.9
    Read<std::uint32_t> euid, egid;  // as the auditor's user namespace sees them

    // uid_map/gid_map as the auditor's user namespace sees them ("inside outside count"),
    // and the euid inside the process's own user namespace (what a profile's uid names).
    Read<std::string> uid_map, gid_map;
    Read<std::uint32_t> inner_euid;

    // ns name -> whether the process has its own (differs from the reference's).
    std::map<std::string, Read<bool>> own_namespace;
    std::string ns_reference;  // "/proc/1/ns" or, when that is not readable, "/proc/self/ns"

    Read<std::vector<MountEntry>> mounts;
    // path -> covered (a mount on it, or absent from the process's root)
    std::map<std::string, Read<bool>> masked;
    Read<std::vector<std::string>> runtime_sockets;  // container engine sockets reachable
    Read<std::vector<std::string>> devices;          // device nodes beyond the usual few

    Read<std::vector<std::string>> cgroups;  // lines of /proc/PID/cgroup
    CgroupLimit memory, pids, cpu;           // bytes; tasks; thousandths of a CPU
    Read<std::string> limits;                // /proc/PID/limits "Max processes" line

    Read<std::vector<std::string>> interfaces;  // /proc/PID/net/dev
    // cgroup BPF programs in force on the process's v2 cgroup (effective, inherited included),
    // "inet4_connect: 1" per attach type with programs; the ways a port or device filter
    // can be enforced without a network namespace. Needs CAP_SYS_ADMIN to query.
    Read<std::vector<std::string>> net_programs;
    Read<std::vector<std::string>> device_programs;
    Read<std::string> devices_list;  // cgroup v1 devices.list of the process's cgroup

    Read<std::vector<std::string>> dirs_outside;   // "fd 3: /home/user (directory)"
    Read<std::vector<std::string>> files_outside;  // regular files from outside the root

    Read<std::vector<std::string>> secret_env;  // names only, never the values

    Read<std::string> lsm;       // /proc/PID/attr/current (AppArmor or SELinux label)
    Read<std::string> landlock;  // always unknown today: no kernel interface reports it
};

struct ObserveOptions {
    std::string proc_root = "/proc";
    std::string cgroup_root = "/sys/fs/cgroup";
    // Called between reads; tests use it to end the process mid-audit.
    std::function<void()> between_reads;
};

// Reads everything. Fails with a clear error when the pid does not exist, is a zombie, or
// ended (or was replaced by another process with the same pid) before the reads were done.
Result<Observation> observe(pid_t pid, const ObserveOptions& options = {});

// Fills o.memory, o.pids, o.cpu, o.devices_list and the cgroup BPF programs from the lines of
// /proc/PID/cgroup, under `cgroup_root` (v1 controllers in their directories; v2 at the root,
// or at unified/ on a hybrid host). Each limit is the tightest from the cgroup up to the root.
void read_cgroup_limits(const std::vector<std::string>& cgroup_lines,
                        const std::string& cgroup_root, Observation& o);

// Docker's masked kernel paths, which containerv's plan adds to every sandbox.
const std::vector<std::string>& sensitive_paths();

// Environment variable names that usually carry a secret (PASSWORD, TOKEN, API_KEY, ...).
bool looks_like_secret(const std::string& name);

}  // namespace containerv::audit
