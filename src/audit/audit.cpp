// The eight checks. A profile and a live process are first turned into the same State (what
// is, or would be, in force, each item with where it was read), so that one set of rules
// judges both, and a profile's State compared with a process's gives the drift.
#include "audit/audit.hpp"

#include "plan/plan.hpp"

#include <nlohmann/json.hpp>

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace containerv::audit {
namespace {

// To the nearest integer, halves up, for the non-negative values here. Not std::round or
// std::llround: they were the CLI's only calls into libm, a library every start then mapped
// and relocated against (bench/README.md, the supervisor's RSS).
std::uint64_t nearest(double value) {
    const auto whole = static_cast<std::uint64_t>(value);
    return whole + (value - static_cast<double>(whole) >= 0.5 ? 1 : 0);  // exact below 2^52
}

using json = nlohmann::json;

// Docker's default capability set: Kubernetes' baseline and CIS 5.3 accept these; anything
// beyond reaches the kernel's administration.
constexpr CapSet kDockerDefault = cap_bit(0) | cap_bit(1) | cap_bit(3) | cap_bit(4) | cap_bit(5) |
                                  cap_bit(6) | cap_bit(7) | cap_bit(8) | cap_bit(10) | cap_bit(13) |
                                  cap_bit(18) | cap_bit(27) | cap_bit(29) | cap_bit(31);
constexpr int kSysAdmin = 21;

// The State: every item a Read (value, where it came from, the text read), nullopt when it
// could not be read. Static audits fill it from the profile and the plan's constants.
struct State {
    Read<CapSet> held;
    Read<CapSet> bounding;
    Read<bool> nnp;
    Read<int> seccomp;
    Read<bool> allow_list;  // static only: a default action other than allow
    Read<std::uint32_t> uid;
    Read<bool> host_root;  // the process's uid is the host's root
    std::map<std::string, Read<bool>> own_ns;
    Read<bool> root_ro;
    Read<std::vector<std::string>> suid_mounts;
    Read<std::vector<std::string>> shared_mounts;
    std::map<std::string, Read<bool>> masked;
    Read<std::vector<std::string>> sockets;
    Read<std::vector<std::string>> devices;
    Read<std::vector<std::string>> interfaces;
    Read<std::vector<std::string>> net_programs;  // cgroup BPF network filters in force
    Read<std::vector<std::string>> device_programs;
    Read<std::string> devices_list;
    Read<std::uint64_t> memory, pids, cpu;  // nullopt: not in force
    Read<std::vector<std::string>> dirs_outside, files_outside;
    Read<std::vector<std::string>> secret_env;
    Read<std::string> mac;
    Read<std::string> landlock;
};

template <class T>
Read<T> known(T value, std::string source, std::string raw) {
    return Read<T>{std::move(value), std::move(source), std::move(raw)};
}

template <class T>
Evidence ev(const Read<T>& r) {
    return {r.source, r.raw};
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
    return out;
}

std::string cap_list(CapSet set) {
    auto names = capability_names(set);
    return names.empty() ? "none" : join(names);
}

std::string json_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& i : items) out += (out.size() > 1 ? ", \"" : "\"") + i + "\"";
    return out + "]";
}

// ---- State from a profile -------------------------------------------------------------

State state_of(const Profile& p) {
    State s;
    const std::string src = "profile \"" + p.name + "\"";
    CapSet caps = p.allowed_caps & ~p.dropped_caps;
    s.held = known(caps, src + " capabilities.allowed", cap_list(caps));
    s.bounding =
        known(caps, src + " capabilities (bounding set trimmed to allowed)", cap_list(caps));
    s.nnp = known(p.process.no_new_privileges, src + " process.no_new_privileges",
                  std::string(p.process.no_new_privileges ? "true" : "false"));
    const SyscallPolicy& sc = p.syscalls;
    bool filter =
        sc.default_action != SyscallAction::allow || !sc.blocked.empty() || !sc.rules.empty();
    s.seccomp = known(filter ? 2 : 0, src + " syscalls",
                      "default_action " + std::string(to_string(sc.default_action)) + ", " +
                          std::to_string(sc.allowed.size()) + " allowed, " +
                          std::to_string(sc.blocked.size()) + " blocked, " +
                          std::to_string(sc.rules.size()) + " rules");
    s.allow_list =
        known(sc.default_action != SyscallAction::allow, src + " syscalls.default_action",
              std::string(to_string(sc.default_action)));
    if (p.process.uid) {
        s.uid = known(*p.process.uid, src + " process.run_as_uid", std::to_string(*p.process.uid));
    } else if (p.process.run_as_user.empty()) {
        s.uid = known(0u, src + " process.run_as_user/run_as_uid", "unset: uid 0");
    } else {
        s.uid.source = src + " process.run_as_user";
        s.uid.raw = "\"" + p.process.run_as_user + "\", looked up in the root when it runs";
    }
    s.host_root = known(false, "containerv's plan (docs/ARCHITECTURE.md)",
                        "ids mapped to an unprivileged host range, never host root");
    for (const char* ns : {"user", "mnt", "pid", "ipc", "uts", "cgroup"})
        s.own_ns[ns] =
            known(true, "containerv's plan: always a new " + std::string(ns) + " namespace", "own");
    s.own_ns["net"] = known(p.network.isolated, src + " network.isolated",
                            std::string(p.network.isolated ? "true" : "false"));
    s.root_ro = known(p.filesystem.read_only_root, src + " filesystem.read_only_root",
                      std::string(p.filesystem.read_only_root ? "true" : "false"));
    std::vector<std::string> suid;
    if (!p.filesystem.no_suid) suid.push_back("/");
    s.suid_mounts = known(suid, src + " filesystem.no_suid",
                          std::string(p.filesystem.no_suid ? "true" : "false"));
    s.shared_mounts = known(std::vector<std::string>{},
                            "containerv's plan: every mount made private", "none shared");
    for (const auto& path : sensitive_paths())
        s.masked[path] = known(true, "containerv's plan: baseline masked paths", path);
    for (const auto& path : p.filesystem.masked_paths)
        s.masked[path] = known(true, src + " filesystem.masked_paths", path);
    s.sockets = known(std::vector<std::string>{},
                      "containerv's plan: fresh /run and /var/run on the host's root", "none");
    s.devices = known(p.resources.devices, src + " resources.devices",
                      p.resources.devices.empty() ? "none beyond null, zero, full, random, "
                                                    "urandom, tty"
                                                  : join(p.resources.devices));
    if (p.network.isolated)
        s.interfaces = known(std::vector<std::string>{"lo"}, src + " network.isolated", "lo");
    else
        s.interfaces.source = src + " network.isolated", s.interfaces.raw = "the host's";
    // allowed_ports and allowed_hosts are cgroup sock_addr programs (src/linux/sock_filter);
    // a rootless run refuses them unless accepted as weaker, which a live audit then shows.
    const bool any_host = std::find(p.network.allowed_hosts.begin(), p.network.allowed_hosts.end(),
                                    "*") != p.network.allowed_hosts.end();
    const bool filtered = !p.network.isolated && (!p.network.allowed_ports.empty() ||
                                                  (!p.network.allowed_hosts.empty() && !any_host));
    if (filtered) {
        s.net_programs = known(std::vector<std::string>{"connect", "bind", "sendmsg"},
                               src + " network.allowed_ports, network.allowed_hosts",
                               "cgroup sock_addr BPF programs on connect, bind and UDP sendmsg");
    } else {
        s.net_programs =
            known(std::vector<std::string>{}, "containerv's plan",
                  "no cgroup BPF network filter (no allowed_ports or allowed_hosts to enforce)");
    }
    auto limit = [&](const std::optional<std::uint64_t>& v, const std::string& field) {
        Read<std::uint64_t> r;
        r.source = src + " " + field;
        r.raw = v ? std::to_string(*v) : "unset";
        r.value = v;
        return r;
    };
    s.memory = limit(p.resources.memory_bytes, "resources.memory");
    s.pids = limit(p.resources.pids, "resources.pids");
    std::optional<std::uint64_t> cpu;
    if (p.resources.cpus) cpu = nearest(*p.resources.cpus * 1000);
    s.cpu = limit(cpu, "resources.cpus (thousandths)");
    s.dirs_outside = known(std::vector<std::string>{},
                           "containerv's plan: every descriptor but stdio closed", "none");
    s.files_outside = s.dirs_outside;
    s.secret_env = known(std::vector<std::string>{},
                         "containerv's plan: environment is PATH, HOME, TERM and --env", "none");
    s.mac = known(std::string(to_string(p.mac.apparmor)), src + " mac.apparmor",
                  std::string(to_string(p.mac.apparmor)));
    s.landlock.source = "(not in the profile format yet)";
    s.landlock.raw = "not in force";
    return s;
}

// ---- State from an observation --------------------------------------------------------

State state_of(const Observation& o) {
    State s;
    if (o.cap_prm.value && o.cap_eff.value && o.cap_amb.value) {
        CapSet held = *o.cap_prm.value | *o.cap_eff.value | *o.cap_amb.value;
        s.held = known(held, o.proc + "/status CapPrm|CapEff|CapAmb",
                       "CapPrm=" + o.cap_prm.raw + " CapEff=" + o.cap_eff.raw +
                           " CapAmb=" + o.cap_amb.raw + " (" + cap_list(held) + ")");
    } else {
        s.held = {std::nullopt, o.cap_prm.source, o.cap_prm.raw};
    }
    s.bounding = o.cap_bnd;
    if (o.cap_bnd.value) s.bounding.raw += " (" + cap_list(*o.cap_bnd.value) + ")";
    s.nnp.source = o.no_new_privs.source;
    s.nnp.raw = o.no_new_privs.raw;
    if (o.no_new_privs.value) s.nnp.value = *o.no_new_privs.value != 0;
    s.seccomp = o.seccomp;
    if (o.seccomp.value)
        s.seccomp.raw = "Seccomp=" + o.seccomp.raw + " Seccomp_filters=" + o.seccomp_filters.raw;
    s.uid = o.inner_euid;
    // The auditor's view of the euid: 0 is the host's root (when the auditor is on the host).
    s.host_root.source = o.euid.source;
    s.host_root.raw = o.euid.raw;
    if (o.euid.value) s.host_root.value = *o.euid.value == 0;
    for (const char* ns : {"user", "mnt", "pid", "net", "ipc", "uts", "cgroup"}) {
        auto it = o.own_namespace.find(ns);
        if (it != o.own_namespace.end())
            s.own_ns[ns] = it->second;
        else
            s.own_ns[ns] = {std::nullopt, o.proc + "/ns/" + ns, "not read"};
    }
    s.root_ro.source = o.mounts.source;
    s.suid_mounts.source = s.shared_mounts.source = o.mounts.source;
    if (o.mounts.value) {
        const MountEntry* root = nullptr;
        std::vector<std::string> suid, shared;
        for (const auto& m : *o.mounts.value) {
            if (m.mount_point == "/") root = &m;
            std::istringstream in(m.options);
            bool nosuid = false;
            for (std::string opt; std::getline(in, opt, ',');) nosuid = nosuid || opt == "nosuid";
            if (!nosuid) suid.push_back(m.mount_point);
            if (m.propagation.find("shared:") != std::string::npos) shared.push_back(m.mount_point);
        }
        if (root) {
            bool ro = ("," + root->options + ",").find(",ro,") != std::string::npos;
            s.root_ro = known(ro, o.mounts.source, "/ " + root->fstype + " " + root->options);
        } else {
            s.root_ro.raw = "no mount on / in mountinfo";
        }
        auto shown = [](const std::vector<std::string>& v) {
            if (v.empty()) return std::string("none");
            std::vector<std::string> first(v.begin(), v.begin() + std::min<size_t>(v.size(), 8));
            return join(first) + (v.size() > 8 ? ", ... (" + std::to_string(v.size()) + ")" : "");
        };
        s.suid_mounts = known(suid, o.mounts.source, "mounts without nosuid: " + shown(suid));
        s.shared_mounts = known(shared, o.mounts.source, "shared mounts: " + shown(shared));
    } else {
        s.root_ro.raw = s.suid_mounts.raw = s.shared_mounts.raw = o.mounts.raw;
    }
    s.masked = o.masked;
    s.sockets = o.runtime_sockets;
    s.devices = o.devices;
    if (o.devices.value && !o.devices.value->empty()) {
        std::vector<std::string> first(
            o.devices.value->begin(),
            o.devices.value->begin() + std::min<size_t>(o.devices.value->size(), 8));
        s.devices.raw += ": " + join(first) + (o.devices.value->size() > 8 ? ", ..." : "");
    }
    s.interfaces = o.interfaces;
    s.net_programs = o.net_programs;
    s.device_programs = o.device_programs;
    s.devices_list = o.devices_list;
    auto limit = [](const CgroupLimit& l) {
        Read<std::uint64_t> r;
        r.value = l.value;
        r.source = l.source;
        r.raw = l.raw;
        return r;
    };
    s.memory = limit(o.memory);
    s.pids = limit(o.pids);
    s.cpu = limit(o.cpu);
    s.dirs_outside = o.dirs_outside;
    s.files_outside = o.files_outside;
    if (o.dirs_outside.value && !o.dirs_outside.value->empty())
        s.dirs_outside.raw = join(*o.dirs_outside.value);
    if (o.files_outside.value && !o.files_outside.value->empty())
        s.files_outside.raw = join(*o.files_outside.value);
    s.secret_env = o.secret_env;
    s.mac = o.lsm;
    s.landlock = o.landlock;
    return s;
}

// ---- The rules --------------------------------------------------------------------------

class Judge {
public:
    explicit Judge(Audit& audit) : audit_(audit) {
        for (Check c : all_checks()) audit_.checks.push_back({c, true, {}});
    }

    void fact(Check c, const Evidence& e) { result(c).facts.push_back(e); }

    void find(Check c, Severity sev, std::string id, std::string message,
              std::vector<Evidence> evidence, std::string fix, bool drift = false) {
        audit_.findings.push_back({std::move(id), c, sev, std::move(message), std::move(evidence),
                                   std::move(fix), drift});
        if (sev == Severity::fail) result(c).passed = false;
    }

    // An item that could not be read fails its check: the audit cannot vouch for it.
    template <class T>
    bool unknown(Check c, const Read<T>& r, const std::string& what) {
        if (r.value) return false;
        find(c, Severity::fail, "unobservable", "cannot verify " + what + ": " + r.raw, {ev(r)},
             "run the audit as root, or as the user who started the sandbox");
        return true;
    }

private:
    CheckResult& result(Check c) { return audit_.checks[static_cast<int>(c)]; }
    Audit& audit_;
};

void judge(const State& s, bool live, Judge& j) {
    using C = Check;
    using S = Severity;

    // capabilities_minimal: what is held, and what a setuid/file-capability exec could gain.
    for (const auto* r : {&s.held, &s.bounding}) j.fact(C::capabilities_minimal, ev(*r));
    j.fact(C::capabilities_minimal, ev(s.nnp));
    if (!j.unknown(C::capabilities_minimal, s.held, "the capabilities held") &&
        !j.unknown(C::capabilities_minimal, s.bounding, "the bounding set")) {
        CapSet reach = *s.held.value;
        if (!s.nnp.value || !*s.nnp.value) reach |= *s.bounding.value;
        CapSet beyond = reach & ~kDockerDefault;
        if (beyond != 0) {
            std::vector<Evidence> e{ev(s.held)};
            if (reach != *s.held.value) e.push_back(ev(s.bounding));
            j.find(
                C::capabilities_minimal, S::fail, "cap-beyond-default",
                "capabilities beyond Docker's default set " +
                    std::string(reach != *s.held.value ? "held or gainable by exec: " : "held: ") +
                    cap_list(beyond),
                e,
                "capabilities.allowed: remove " + json_list(capability_names(beyond)) +
                    " (or list them in capabilities.dropped)");
        } else if (*s.held.value != 0) {
            j.find(C::capabilities_minimal, S::info, "cap-held",
                   "holds " + std::to_string(capability_names(*s.held.value).size()) +
                       " capabilities of Docker's default set: " + cap_list(*s.held.value),
                   {ev(s.held)}, "capabilities.allowed: keep only those the command needs");
        }
    }

    // no_privileged_access
    j.fact(C::no_privileged_access, ev(s.uid));
    j.fact(C::no_privileged_access, ev(s.host_root));
    j.fact(C::no_privileged_access, ev(s.devices));
    if (live) {
        j.fact(C::no_privileged_access, ev(s.device_programs));
        j.fact(C::no_privileged_access, ev(s.devices_list));
    }
    if (s.held.value && s.bounding.value) {
        CapSet reach = *s.held.value | ((s.nnp.value && *s.nnp.value) ? 0 : *s.bounding.value);
        if (reach & cap_bit(kSysAdmin))
            j.find(C::no_privileged_access, S::fail, "privileged",
                   "CAP_SYS_ADMIN is held or gainable: as good as a privileged container",
                   {ev(s.held), ev(s.bounding)},
                   "capabilities.dropped: [\"SYS_ADMIN\"]; process.no_new_privileges: true");
    }
    if (!j.unknown(C::no_privileged_access, s.host_root, "the effective uid") && *s.host_root.value)
        j.find(C::no_privileged_access, S::fail, "host-root",
               "runs as the host's root (uid " +
                   (s.uid.value ? std::to_string(*s.uid.value) : "?") + " maps to host uid 0)",
               {ev(s.uid), ev(s.host_root)},
               "run it in a sandbox with its own user namespace; process.run_as_uid: a non-zero "
               "id");
    else if (s.uid.value && *s.uid.value == 0)
        j.find(C::no_privileged_access, S::warn, "root-in-namespace",
               "runs as uid 0 inside its user namespace (not the host's root)", {ev(s.uid)},
               "process.run_as_uid: a non-zero id (Kubernetes' restricted level requires it)");
    if (!j.unknown(C::no_privileged_access, s.nnp, "no_new_privs") && !*s.nnp.value)
        j.find(C::no_privileged_access, S::fail, "nnp-off",
               "no_new_privs is off: exec of a set-user-ID program or a file with capabilities "
               "gains privileges",
               {ev(s.nnp)}, "process.no_new_privileges: true");
    if (!j.unknown(C::no_privileged_access, s.devices, "the device nodes") &&
        !s.devices.value->empty())
        j.find(C::no_privileged_access, S::fail, "host-devices",
               "device nodes beyond the usual few are reachable", {ev(s.devices)},
               "resources.devices: []");

    // filesystem_restricted
    j.fact(C::filesystem_restricted, ev(s.root_ro));
    j.fact(C::filesystem_restricted, ev(s.suid_mounts));
    j.fact(C::filesystem_restricted, ev(s.shared_mounts));
    j.fact(C::filesystem_restricted, ev(s.sockets));
    if (!j.unknown(C::filesystem_restricted, s.root_ro, "the root's mount flags") &&
        !*s.root_ro.value)
        j.find(C::filesystem_restricted, S::warn, "root-writable",
               "the root file system is writable", {ev(s.root_ro)},
               "filesystem.read_only_root: true, with filesystem.writable_paths for what must be "
               "written");
    if (!j.unknown(C::filesystem_restricted, s.suid_mounts, "the mounts' nosuid flags") &&
        !s.suid_mounts.value->empty()) {
        // no_new_privs makes the kernel ignore set-user-ID bits: nosuid then adds nothing.
        bool nnp = s.nnp.value && *s.nnp.value;
        j.find(C::filesystem_restricted, nnp ? S::info : S::fail, "suid-allowed",
               std::string("mounts honour set-user-ID bits") +
                   (nnp ? " (no_new_privs keeps exec from gaining them)" : ""),
               {ev(s.suid_mounts), ev(s.nnp)}, "filesystem.no_suid: true");
    }
    if (!j.unknown(C::filesystem_restricted, s.shared_mounts, "the mounts' propagation") &&
        !s.shared_mounts.value->empty())
        j.find(C::filesystem_restricted, S::fail, "mount-shared",
               "mounts propagate to and from the host (shared)", {ev(s.shared_mounts)},
               "run it in a sandbox: containerv makes every mount private");
    std::vector<std::string> exposed;
    std::vector<Evidence> exposed_ev;
    for (const auto& [path, r] : s.masked) {
        bool secret = path == "/proc/kcore" || path == "/proc/keys";
        Check c = secret ? C::secrets_protected : C::filesystem_restricted;
        j.fact(c, ev(r));
        if (j.unknown(c, r, path)) continue;
        if (*r.value) continue;
        if (secret)
            j.find(c, S::fail, "mask-missing",
                   path + " is readable: it exposes " +
                       (path == "/proc/kcore" ? "kernel memory" : "the kernel keyring"),
                   {ev(r)}, "filesystem.masked_paths: add \"" + path + "\"");
        else {
            exposed.push_back(path);
            exposed_ev.push_back(ev(r));
        }
    }
    if (!exposed.empty())
        j.find(C::filesystem_restricted, S::fail, "mask-missing",
               "kernel paths not masked: " + join(exposed), exposed_ev,
               "filesystem.masked_paths: add " + json_list(exposed) +
                   " (containerv masks them in every sandbox)");
    if (!j.unknown(C::filesystem_restricted, s.sockets, "container engine sockets") &&
        !s.sockets.value->empty())
        j.find(C::filesystem_restricted, S::fail, "runtime-socket",
               "a container engine's socket is reachable: " + join(*s.sockets.value),
               {ev(s.sockets)}, "remove the bind of " + join(*s.sockets.value));
    j.fact(C::filesystem_restricted, ev(s.dirs_outside));
    if (!j.unknown(C::filesystem_restricted, s.dirs_outside, "open descriptors") &&
        !s.dirs_outside.value->empty())
        j.find(C::filesystem_restricted, S::fail, "fd-outside-root",
               "open directories from outside its root (an fchdir away from escaping)",
               {ev(s.dirs_outside)}, "start it with those descriptors closed");
    if (s.files_outside.value && !s.files_outside.value->empty())
        j.find(C::filesystem_restricted, S::warn, "fd-outside-root",
               "open files from outside its root", {ev(s.files_outside)},
               "start it with those descriptors closed");

    // network_controlled
    const auto& net = s.own_ns.at("net");
    j.fact(C::network_controlled, ev(net));
    j.fact(C::network_controlled, ev(s.interfaces));
    j.fact(C::network_controlled, ev(s.net_programs));
    if (!j.unknown(C::network_controlled, net, "the network namespace")) {
        // On the host's network, cgroup BPF programs on bind/connect/traffic are the other way
        // a kernel restricts it: then sharing is a warning, and what filters it is shown.
        bool filtered = s.net_programs.value && !s.net_programs.value->empty();
        if (!*net.value && filtered)
            j.find(C::network_controlled, S::warn, "host-network",
                   "shares the host's network namespace, filtered by cgroup BPF programs (" +
                       s.net_programs.raw + ")",
                   {ev(net), ev(s.net_programs)}, "network.isolated: true");
        else if (!*net.value)
            j.find(C::network_controlled, S::fail, "host-network",
                   "shares the host's network namespace: every host interface and port",
                   {ev(net), ev(s.net_programs)}, "network.isolated: true");
        else if (s.interfaces.value) {
            std::vector<std::string> other;
            for (const auto& i : *s.interfaces.value)
                if (i != "lo") other.push_back(i);
            if (!other.empty())
                j.find(C::network_controlled, S::info, "net-interfaces",
                       "own network namespace with interfaces " + join(other), {ev(s.interfaces)},
                       "network.isolated: true for loopback only");
        }
    }

    // syscalls_filtered
    j.fact(C::syscalls_filtered, ev(s.seccomp));
    if (!j.unknown(C::syscalls_filtered, s.seccomp, "the seccomp mode")) {
        if (*s.seccomp.value == 0)
            j.find(C::syscalls_filtered, S::fail, "seccomp-off",
                   "no seccomp filter: every system call reaches the kernel", {ev(s.seccomp)},
                   "syscalls.default_action: \"errno\" with syscalls.allowed (the default "
                   "profile's list is Docker's)");
        else if (!live && s.allow_list.value && !*s.allow_list.value)
            j.find(C::syscalls_filtered, S::warn, "seccomp-denylist",
                   "the filter allows what it does not name (a deny-list)", {ev(s.allow_list)},
                   "syscalls.default_action: \"errno\" with syscalls.allowed");
    }

    // resources_limited
    struct LimitRule {
        const Read<std::uint64_t>* r;
        const char* id;
        const char* what;
        Severity sev;
        const char* fix;
    };
    for (const LimitRule& l :
         {LimitRule{&s.memory, "no-memory-limit", "memory", S::fail, "resources.memory: 536870912"},
          LimitRule{&s.pids, "no-pids-limit", "process count", S::fail, "resources.pids: 256"},
          LimitRule{&s.cpu, "no-cpu-limit", "CPU time", S::warn, "resources.cpus: 1.0"}}) {
        j.fact(C::resources_limited, ev(*l.r));
        if (!l.r->value)
            j.find(C::resources_limited, l.sev, l.id,
                   std::string("no ") + l.what + " limit in force", {ev(*l.r)}, l.fix);
    }

    // isolation_complete
    for (const char* ns : {"user", "mnt", "pid", "ipc", "uts", "cgroup"}) {
        const auto& r = s.own_ns.at(ns);
        j.fact(C::isolation_complete, ev(r));
        if (j.unknown(C::isolation_complete, r, std::string("the ") + ns + " namespace")) continue;
        if (!*r.value)
            j.find(C::isolation_complete, std::string(ns) == "cgroup" ? S::warn : S::fail,
                   std::string("host-") + ns + "-namespace",
                   std::string("shares the host's ") + ns + " namespace", {ev(r)},
                   "run it in a sandbox: containerv gives every sandbox its own");
    }
    j.fact(C::isolation_complete, ev(s.mac));
    j.fact(C::isolation_complete, ev(s.landlock));

    // secrets_protected
    j.fact(C::secrets_protected, ev(s.secret_env));
    if (!j.unknown(C::secrets_protected, s.secret_env, "the environment") &&
        !s.secret_env.value->empty())
        j.find(C::secrets_protected, S::fail, "secret-env",
               "environment variables that look like secrets (names only): " +
                   join(*s.secret_env.value),
               {ev(s.secret_env)},
               "pass secrets as files (a read-only --bind), not in the environment");
}

// What the profile asks for and the kernel does not show: the loudest findings.
void compare(const State& want, const State& have, const std::string& profile, Judge& j) {
    using C = Check;
    const std::string lead = "PROFILE NOT IN FORCE: profile \"" + profile + "\" asks for ";
    auto drift = [&](C c, const std::string& id, const std::string& asked, const std::string& seen,
                     std::vector<Evidence> e, const std::string& fix) {
        j.find(c, Severity::fail, id, lead + asked + ", the kernel shows " + seen, std::move(e),
               fix, true);
    };
    if (want.held.value && have.held.value && (*have.held.value & ~*want.held.value))
        drift(C::capabilities_minimal, "cap-beyond-default",
              "capabilities " + cap_list(*want.held.value),
              cap_list(*have.held.value & ~*want.held.value) + " held as well",
              {ev(want.held), ev(have.held)}, "start the sandbox with this profile");
    if (want.nnp.value && *want.nnp.value && have.nnp.value && !*have.nnp.value)
        drift(C::no_privileged_access, "nnp-off", "no_new_privs", "it off",
              {ev(want.nnp), ev(have.nnp)}, "start the sandbox with this profile");
    if (want.seccomp.value && *want.seccomp.value != 0 && have.seccomp.value &&
        *have.seccomp.value == 0)
        drift(C::syscalls_filtered, "seccomp-off", "a seccomp filter", "none",
              {ev(want.seccomp), ev(have.seccomp)}, "start the sandbox with this profile");
    if (want.uid.value && have.uid.value && *want.uid.value != *have.uid.value)
        drift(C::no_privileged_access, "uid-differs", "uid " + std::to_string(*want.uid.value),
              "uid " + std::to_string(*have.uid.value), {ev(want.uid), ev(have.uid)},
              "start the sandbox with this profile");
    for (const auto& [ns, w] : want.own_ns) {
        auto it = have.own_ns.find(ns);
        if (w.value && *w.value && it != have.own_ns.end() && it->second.value &&
            !*it->second.value)
            drift(ns == "net" ? C::network_controlled : C::isolation_complete,
                  ns == "net" ? "host-network" : "host-" + ns + "-namespace",
                  "its own " + ns + " namespace", "the host's", {ev(w), ev(it->second)},
                  "start the sandbox with this profile");
    }
    if (want.root_ro.value && *want.root_ro.value && have.root_ro.value && !*have.root_ro.value)
        drift(C::filesystem_restricted, "root-writable", "a read-only root", "it writable",
              {ev(want.root_ro), ev(have.root_ro)}, "start the sandbox with this profile");
    for (const auto& [path, w] : want.masked) {
        auto it = have.masked.find(path);
        if (it == have.masked.end()) continue;  // a profile path the observation did not read
        if (it->second.value && !*it->second.value)
            drift(path == "/proc/kcore" || path == "/proc/keys" ? C::secrets_protected
                                                                : C::filesystem_restricted,
                  "mask-missing", path + " masked", "it readable", {ev(w), ev(it->second)},
                  "start the sandbox with this profile");
    }
    struct L {
        const Read<std::uint64_t>& w;
        const Read<std::uint64_t>& h;
        const char* id;
        const char* what;
    };
    for (const L& l : {L{want.memory, have.memory, "no-memory-limit", "memory limit"},
                       L{want.pids, have.pids, "no-pids-limit", "pids limit"},
                       L{want.cpu, have.cpu, "no-cpu-limit", "cpu limit"}}) {
        if (l.w.value && (!l.h.value || *l.h.value > *l.w.value))
            drift(C::resources_limited, l.id,
                  std::string("a ") + l.what + " of " + std::to_string(*l.w.value),
                  l.h.value ? std::to_string(*l.h.value) : std::string("none"), {ev(l.w), ev(l.h)},
                  "run without --accept-weaker resources.* once the host enforces it");
    }
}

double score_of(const Audit& a) {
    double score = 0;
    for (Check c : all_checks()) {
        bool fail = false, warn = false;
        for (const auto& f : a.findings) {
            if (f.check != c) continue;
            fail = fail || f.severity == Severity::fail;
            warn = warn || f.severity == Severity::warn;
        }
        score += fail ? weight(c) : warn ? weight(c) / 2 : 0;
    }
    return static_cast<double>(nearest(score * 10)) / 10;
}

void finish(Audit& a) {
    // Drift first: it is the finding that matters most.
    std::stable_sort(a.findings.begin(), a.findings.end(), [](const Finding& x, const Finding& y) {
        if (x.drift != y.drift) return x.drift;
        return static_cast<int>(x.check) < static_cast<int>(y.check);
    });
    a.score = score_of(a);
    a.time = std::time(nullptr);
    a.auditor = default_auditor();
}

}  // namespace

const std::vector<Check>& all_checks() {
    static const std::vector<Check> checks = {
        Check::capabilities_minimal, Check::no_privileged_access, Check::filesystem_restricted,
        Check::network_controlled,   Check::syscalls_filtered,    Check::resources_limited,
        Check::isolation_complete,   Check::secrets_protected,
    };
    return checks;
}

std::string_view to_string(Check check) {
    switch (check) {
        case Check::capabilities_minimal:
            return "capabilities_minimal";
        case Check::no_privileged_access:
            return "no_privileged_access";
        case Check::filesystem_restricted:
            return "filesystem_restricted";
        case Check::network_controlled:
            return "network_controlled";
        case Check::syscalls_filtered:
            return "syscalls_filtered";
        case Check::resources_limited:
            return "resources_limited";
        case Check::isolation_complete:
            return "isolation_complete";
        case Check::secrets_protected:
            return "secrets_protected";
    }
    return "?";
}

double weight(Check check) {
    switch (check) {
        case Check::capabilities_minimal:
            return 1.5;
        case Check::no_privileged_access:
            return 2.0;
        case Check::filesystem_restricted:
            return 1.5;
        case Check::network_controlled:
            return 1.0;
        case Check::syscalls_filtered:
            return 1.5;
        case Check::resources_limited:
            return 0.5;
        case Check::isolation_complete:
            return 1.5;
        case Check::secrets_protected:
            return 0.5;
    }
    return 0;
}

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::info:
            return "info";
        case Severity::warn:
            return "warn";
        case Severity::fail:
            return "fail";
    }
    return "?";
}

bool Audit::all_passed() const {
    return std::all_of(checks.begin(), checks.end(), [](const CheckResult& c) { return c.passed; });
}

bool Audit::has_drift() const {
    return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.drift; });
}

const CheckResult& Audit::result(Check check) const {
    return checks.at(static_cast<int>(check));
}

Audit audit_profile(const Profile& profile) {
    Audit a;
    a.kind = "profile";
    a.subject = "profile \"" + profile.name + "\"";
    a.profile = profile.name;
    State s = state_of(profile);
    a.held_caps = s.held.value;
    a.uid = s.uid.value;
    a.apparmor = s.mac;
    a.selinux = known(std::string(to_string(profile.mac.selinux)),
                      "profile \"" + profile.name + "\" mac.selinux",
                      std::string(to_string(profile.mac.selinux)));
    Judge j(a);
    judge(s, false, j);
    finish(a);
    return a;
}

Audit audit_observation(const Observation& o, const Profile* expected) {
    Audit a;
    a.kind = "process";
    a.pid = o.pid;
    a.subject = "pid " + std::to_string(o.pid) + " (" + o.comm + ")";
    State s = state_of(o);
    a.held_caps = s.held.value;
    a.uid = s.uid.value;
    a.apparmor = a.selinux = o.lsm;
    a.comm = o.comm;
    a.limits.source = o.limits.source;
    a.limits.raw = o.limits.raw;
    Judge j(a);
    judge(s, true, j);
    if (expected) {
        a.profile = expected->name;
        State want = state_of(*expected);
        compare(want, s, expected->name, j);
        const auto& net = s.own_ns.at("net");
        bool filtered = s.net_programs.value && !s.net_programs.value->empty();
        if (!expected->network.allowed_ports.empty() && net.value && !*net.value && !filtered)
            j.find(Check::network_controlled, Severity::fail, "ports-unfiltered",
                   "PROFILE NOT IN FORCE: profile \"" + expected->name + "\" allows only ports " +
                       join(expected->network.allowed_ports) +
                       ", the process shares the host's network and no port filter is in force",
                   {{"profile \"" + expected->name + "\" network.allowed_ports",
                     join(expected->network.allowed_ports)},
                    ev(net)},
                   "network.isolated: true, or run without --accept-weaker network.allowed_ports "
                   "once ports are enforced",
                   true);
    }
    finish(a);
    return a;
}

Result<Audit> audit_process(int pid, const Profile* expected, const ObserveOptions& options) {
    auto o = observe(pid, options);
    if (!o) return o.error();
    return audit_observation(*o, expected);
}

std::string default_auditor() {
    char host[256] = "?";
    ::gethostname(host, sizeof host - 1);
    uid_t uid = ::geteuid();
    std::string user = std::to_string(uid);
    if (passwd* pw = ::getpwuid(uid)) user += " (" + std::string(pw->pw_name) + ")";
    return "containerv " CONTAINERV_VERSION_STRING ", uid " + user + " on " + host;
}

std::string format_text(const Audit& a) {
    std::ostringstream out;
    std::vector<const Finding*> drift;
    for (const auto& f : a.findings)
        if (f.drift) drift.push_back(&f);
    if (!drift.empty()) {
        out << "!!! THE SANDBOX DIFFERS FROM ITS PROFILE (" << drift.size() << ") !!!\n";
        for (const auto* f : drift) out << "!!! " << f->message << "\n";
        out << "\n";
    }
    out << "audit of " << a.subject;
    if (a.kind == "process" && !a.profile.empty())
        out << " against profile \"" << a.profile << "\"";
    out << "\nexposure " << a.score << "/10 (0 locked down, 10 unconfined)\n\n";
    for (const auto& c : a.checks) {
        out << (c.passed ? "PASS  " : "FAIL  ") << to_string(c.check) << "\n";
        for (const auto& f : a.findings) {
            if (f.check != c.check) continue;
            out << "      " << to_string(f.severity) << " [" << f.id << "] " << f.message << "\n";
            for (const auto& e : f.evidence)
                out << "        evidence: " << e.source << ": " << e.value << "\n";
            out << "        fix: " << f.fix << "\n";
        }
    }
    out << "\n" << (a.all_passed() ? "all checks passed" : "some checks failed") << "\n";
    return out.str();
}

json to_json(const Audit& a) {
    json checks = json::object();
    for (const auto& c : a.checks) {
        json facts = json::array();
        for (const auto& e : c.facts) facts.push_back({{"source", e.source}, {"value", e.value}});
        checks[std::string(to_string(c.check))] = {{"passed", c.passed}, {"facts", facts}};
    }
    json findings = json::array();
    for (const auto& f : a.findings) {
        json e = json::array();
        for (const auto& x : f.evidence) e.push_back({{"source", x.source}, {"value", x.value}});
        findings.push_back({{"id", f.id},
                            {"check", std::string(to_string(f.check))},
                            {"severity", std::string(to_string(f.severity))},
                            {"drift", f.drift},
                            {"message", f.message},
                            {"evidence", e},
                            {"fix", f.fix}});
    }
    char when[32] = "";
    std::tm tm{};
    gmtime_r(&a.time, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json out = {{"kind", a.kind},      {"subject", a.subject},     {"profile", a.profile},
                {"score", a.score},    {"passed", a.all_passed()}, {"drift", a.has_drift()},
                {"checks", checks},    {"findings", findings},     {"time", when},
                {"auditor", a.auditor}};
    if (a.pid) out["pid"] = a.pid;
    return out;
}

std::string summary(const Audit& a) {
    std::ostringstream out;
    out << a.subject << ": exposure " << a.score << "/10; ";
    if (a.has_drift()) out << "DIFFERS FROM ITS PROFILE; ";
    std::vector<std::string> failed;
    for (const auto& c : a.checks)
        if (!c.passed) failed.emplace_back(to_string(c.check));
    out << (failed.empty() ? "all checks passed" : "failed: " + join(failed));
    for (const auto& f : a.findings)
        if (f.severity == Severity::fail) out << "\n" << f.id << ": " << f.message;
    return out.str();
}

}  // namespace containerv::audit
