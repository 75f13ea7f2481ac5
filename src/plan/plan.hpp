// The Plan: every profile setting mapped to the mechanism that enforces it on this host, or
// refused with the name of the setting that cannot be enforced. `run --dry-run` prints it and
// the launcher executes it; nothing the launcher does is decided anywhere else.
#pragma once

#include "plan/host.hpp"
#include "seccomp/attribute.hpp"
#include "seccomp/compile.hpp"

#include <containerv/profile.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace containerv {

struct BindRequest {
    std::string source;  // host path
    std::string target;  // path in the sandbox
    bool read_only = false;
};

// How the sandbox is separated from the host: namespaces (the default), or, for hosts that
// forbid user namespaces, no namespaces at all, Landlock and seccomp carrying the profile on
// the host's own tree (`run --isolation landlock`).
enum class Isolation { namespaces, landlock };

// What the caller asks for on top of the profile (the CLI's run flags, the C API's options).
struct RunRequest {
    Profile profile;
    std::optional<std::string> rootfs;
    std::vector<BindRequest> binds;
    std::optional<std::string> user;  // "U" or "U:G", names or numbers
    std::vector<std::string> env;     // "K=V"
    std::optional<std::string> cwd;
    std::vector<std::string> argv;
    std::set<std::string> accept_weaker;  // profile fields whose weakening the user accepts
    // --seccomp: the file whose policy replaced the profile's syscalls (shown in the plan), or
    // "unconfined" for no filter at all, which a paranoid profile refuses.
    std::string seccomp_override;
    // run --explain: report each call the filter refuses (src/linux/seccomp_notify.hpp).
    bool explain = false;
    std::string explain_json;    // --explain-json FILE: the same reports, one JSON a line
    std::string profile_source;  // where the profile comes from, named in the reports
    // profile learn: the filter allows and records every call into this record instead.
    std::shared_ptr<seccomp::LearnRecord> learn;
    Isolation isolation = Isolation::namespaces;
};

// One row of the plan: a setting, its value, and what enforces it.
struct Enforcement {
    enum class State {
        enforced,         // a kernel mechanism holds it
        not_needed,       // the value asks for nothing (an empty list, "*" hosts)
        unavailable,      // wanted only where available, and this host lacks it
        accepted_weaker,  // cannot be enforced here; the user accepted that by name
        refused,          // cannot be enforced here; run refuses
    };
    std::string field;  // JSON path of the profile field, e.g. "network.allowed_ports"
    std::string value;
    State state = State::enforced;
    std::string mechanism;  // or, when not enforced, the reason
};

std::string_view to_string(Enforcement::State state);

// How the sandbox's ids appear on the host.
struct IdMap {
    std::uint32_t inside = 0;
    std::uint32_t outside = 0;
    std::uint32_t count = 0;
};

// Where a writable path's writes go.
struct WritableMount {
    std::string path;             // in the sandbox
    std::string existing;         // nearest existing ancestor in the source root (path itself
                                  // when it exists)
    bool in_fresh_tmpfs = false;  // under a fresh directory (/tmp...): just make the directory
};

// A directory of the host's root the sandbox gets empty, as a fresh tmpfs.
struct FreshDir {
    std::string path;
    std::string mode;       // tmpfs mode= option
    bool writable = false;  // else mounted read-only
};

struct RootPlan {
    std::string source;     // "/" for the host's root, or --rootfs DIR
    bool host_root = true;  // the default root: never written, writes go to a layer
    bool read_only = true;
    std::set<std::string> top_with_mounts;  // top-level dirs with mounts below (no overlay)
    // A writable host root as one overlay of the host's root file system, whose lower the
    // supervisor clones before the user namespace exists (docs/DECISIONS.md); else one
    // overlay per top-level directory.
    bool one_layer = false;
    std::vector<WritableMount> writable;
    std::vector<std::string> masked;
    std::vector<std::string> read_only_paths;
    std::vector<BindRequest> binds;
    bool no_suid = true;
    std::vector<FreshDir> fresh;       // host root only
    bool sysfs_fresh = false;          // own sysfs (own network namespace), else a ro bind
    std::string passwd;                // non-empty: bind over /etc/passwd
    std::string group;                 // non-empty: bind over /etc/group
    std::vector<std::string> devices;  // resources.devices: host device paths bound into /dev
};

// One setrlimit the command gets before exec.
struct RlimitSetting {
    int resource = 0;  // RLIMIT_*
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
    const char* name = "";  // "nofile", for errors
};

// One Landlock rule on a path of the sandbox's final tree: `access` on everything beneath,
// except the excluded subtrees below it (see LandlockPlan::excluded).
struct LandlockGrant {
    std::string path;
    std::uint64_t access = 0;
};

// The Landlock domain the command enters, computed from the profile alone (never from the
// mounts), so that a mistake in the mount layer does not open what the profile closes.
struct LandlockPlan {
    bool enabled = false;
    int abi = 0;                    // the ABI the rights below were chosen for
    std::uint64_t handled_fs = 0;   // rights the domain restricts
    std::uint64_t handled_net = 0;  // ABI 4+: TCP bind and connect
    std::uint64_t scoped = 0;       // ABI 6+: abstract unix sockets, signals
    std::vector<LandlockGrant> grants;
    // Subtrees no grant above them reaches: masked paths, and /proc, /sys and /dev below /
    // (they have their own grants). A grant with an excluded path below it is given to each
    // entry of the directories on the way instead of to the directory itself.
    std::vector<std::string> excluded;
    // Masked directories among them. A directory on the way to an excluded path is given
    // read_dir on itself (which reaches everything below it, listing only) unless one of
    // these is below it: their entries' names stay hidden too.
    std::vector<std::string> unlisted;
    std::vector<std::uint16_t> tcp_ports;  // bind and connect allowed; all others denied
    bool bind_port_zero = false;           // bind to port 0 (an automatic port) allowed too
    bool after_no_new_privs = false;       // no CAP_SYS_ADMIN to restrict without it
};

struct Plan {
    std::string profile_name;
    std::vector<Enforcement> rows;

    Isolation isolation = Isolation::namespaces;
    int clone_flags = 0;
    bool rootless = false;
    IdMap uid_map;
    IdMap gid_map;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    bool clear_groups = true;  // setgroups is denied to rootless sandboxes
    std::string hostname = "containerv";
    bool loopback_up = false;

    RootPlan root;

    CapSet caps = 0;
    int cap_last_cap = 40;
    bool no_new_privileges = true;
    seccomp::BpfProgram filter;
    bool has_filter = false;
    seccomp::BpfProgram init_filter;
    // run --explain: the filter notifies instead of answering errno; the supervisor reads
    // this layout (the policy's own actions) to attribute and answer each call.
    bool explain = false;
    seccomp::FilterLayout explain_layout;
    std::string explain_source;
    std::string explain_json;
    std::shared_ptr<seccomp::LearnRecord> learn;  // profile learn: record, do not filter

    // The sandbox's cgroup (version none: no group, rootless or no usable hierarchy) and the
    // command's rlimits.
    linux_::CgroupSpec cgroup;
    std::vector<RlimitSetting> rlimits;
    std::optional<std::uint64_t> cpu_seconds;  // resources.rlimits.cpu, for the exit report
    LandlockPlan landlock;

    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::string cwd;         // --cwd: must exist in the sandbox
    std::string caller_cwd;  // otherwise the caller's, when the sandbox has it, else /
};

// Builds the plan, or the first bad request (unknown user, missing bind source...). Settings this
// host cannot enforce are rows in state `refused` (or `accepted_weaker` when the request named
// them); check_enforceable turns them into the error `run` stops with.
Result<Plan> make_plan(const RunRequest& request, const HostFeatures& host);
Status check_enforceable(const Plan& plan);

// The plan as the dry run prints it, one setting per line.
std::string format_plan(const Plan& plan);

// Docker's masked and read-only kernel paths, which every sandbox gets whatever its profile
// says (the AppArmor export denies them too; the audit checks them in any process).
const std::vector<std::string>& baseline_masked_paths();
const std::vector<std::string>& baseline_read_only_paths();

// Host ids the sandbox uses when containerv runs as root: a range no host account uses, so
// the sandbox's root is never the host's. /etc/subuid and /etc/subgid may name a range for
// the user "containerv".
IdMap root_id_range(bool groups);

}  // namespace containerv
