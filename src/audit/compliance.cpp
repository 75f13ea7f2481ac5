// The standards' controls as data: each names the audit findings that fail it and the checks
// whose facts are its evidence, or is manual / not applicable with the reason. Titles are
// containerv's own words for what each control asks.
#include "audit/compliance.hpp"

#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <set>

namespace containerv::audit {
namespace {

// A control's own test, where finding ids are not enough: a failure message, or nothing.
using Predicate = std::function<std::optional<Evidence>(const Audit&)>;

struct Def {
    std::string id;
    std::string title;
    std::vector<std::string> findings;          // ids that fail the control
    std::vector<Check> checks;                  // evidence, and their "unobservable" findings
    ControlStatus fixed = ControlStatus::pass;  // manual or not_applicable: not evaluated
    std::string reason;                         // for fixed controls
    std::string remediation;                    // when no finding gives one
    Predicate extra;
};

using C = Check;

Def na(std::string id, std::string title, std::string reason) {
    return {std::move(id),
            std::move(title),
            {},
            {},
            ControlStatus::not_applicable,
            std::move(reason),
            "",
            nullptr};
}

Def manual(std::string id, std::string title, std::string reason, std::vector<Check> checks = {}) {
    return {std::move(id),         std::move(title),  {}, std::move(checks),
            ControlStatus::manual, std::move(reason), "", nullptr};
}

Def control(std::string id, std::string title, std::vector<std::string> findings,
            std::vector<Check> checks, std::string remediation = "", Predicate extra = nullptr) {
    return {std::move(id),          std::move(title),    std::move(findings),
            std::move(checks),      ControlStatus::pass, "",
            std::move(remediation), std::move(extra)};
}

const std::vector<std::string> kHostNamespaces = {"host-pid-namespace", "host-ipc-namespace",
                                                  "host-uts-namespace", "host-mnt-namespace",
                                                  "host-user-namespace"};

// AppArmor or SELinux: a profile must ask for it; a process must carry a label other than
// "unconfined". A kernel with neither gives no label: then the control does not apply.
Predicate mac_wanted(bool apparmor) {
    return [apparmor](const Audit& a) -> std::optional<Evidence> {
        const Read<std::string>& r = apparmor ? a.apparmor : a.selinux;
        if (a.kind == "profile") {
            if (r.value && *r.value == "off") return Evidence{r.source, "off"};
            return std::nullopt;
        }
        if (r.value && (*r.value == "unconfined" || r.value->rfind("unconfined", 0) == 0))
            return Evidence{r.source, *r.value};
        return std::nullopt;
    };
}

// Live only: true when no LSM label could be read (the kernel has neither LSM).
bool no_lsm(const Audit& a) {
    return a.kind == "process" && (!a.apparmor.value || a.apparmor.value->empty());
}

Predicate only_net_bind_service() {
    return [](const Audit& a) -> std::optional<Evidence> {
        if (!a.held_caps) return Evidence{"capabilities", "unknown"};
        CapSet beyond = *a.held_caps & ~cap_bit(10);
        if (beyond == 0) return std::nullopt;
        std::string names;
        for (const auto& n : capability_names(beyond)) names += (names.empty() ? "" : ", ") + n;
        return Evidence{"capabilities held", names + " (only NET_BIND_SERVICE may be added)"};
    };
}

Predicate non_root() {
    return [](const Audit& a) -> std::optional<Evidence> {
        if (!a.uid) return Evidence{"uid", "unknown (the name is resolved when it runs)"};
        if (*a.uid != 0) return std::nullopt;
        return Evidence{"uid", "0"};
    };
}

std::vector<Def> cis() {
    const std::string engine =
        "a Docker engine setting with no counterpart in a containerv "
        "sandbox";
    return {
        control("5.1", "An AppArmor profile confines the sandbox (where the kernel has AppArmor)",
                {}, {C::isolation_complete}, "mac.apparmor: \"if-available\"", mac_wanted(true)),
        control("5.2", "SELinux options are set (where the kernel has SELinux)", {},
                {C::isolation_complete}, "mac.selinux: \"if-available\"", mac_wanted(false)),
        control("5.3", "Capabilities are limited to what the workload needs",
                {"cap-beyond-default"}, {C::capabilities_minimal}),
        control("5.4", "The sandbox is not privileged", {"privileged", "host-root"},
                {C::no_privileged_access}),
        manual("5.5", "Sensitive host directories are not mounted into the sandbox",
               "containerv's default root is the host's own tree bound read-only with the kernel "
               "paths masked; review each --bind and the --rootfs given"),
        manual("5.6", "No SSH daemon runs inside the sandbox",
               "the sandbox runs the one command it is given; review that command"),
        na("5.7", "Privileged host ports are not mapped into the sandbox",
           "containerv publishes no ports: a sandbox has the host's network or only loopback"),
        control("5.8", "Only the ports the workload needs are reachable",
                {"host-network", "ports-unfiltered"}, {C::network_controlled}),
        control("5.9", "The host's network namespace is not shared", {"host-network"},
                {C::network_controlled}),
        control("5.10", "Memory use is limited", {"no-memory-limit"}, {C::resources_limited}),
        control("5.11", "CPU use is limited", {"no-cpu-limit"}, {C::resources_limited}),
        control("5.12", "The root file system is read-only", {"root-writable"},
                {C::filesystem_restricted}),
        na("5.13", "Incoming traffic is bound to one host interface",
           "containerv publishes no ports, so nothing listens on the host for the sandbox"),
        na("5.14", "The restart policy is on-failure with at most 5 retries",
           "containerv never restarts a sandbox: the caller supervises it"),
        control("5.15", "The host's process namespace is not shared", {"host-pid-namespace"},
                {C::isolation_complete}),
        control("5.16", "The host's IPC namespace is not shared", {"host-ipc-namespace"},
                {C::isolation_complete}),
        control("5.17", "Host devices are not exposed to the sandbox", {"host-devices"},
                {C::no_privileged_access}),
        manual("5.18", "Resource ulimits are set for the workload where needed",
               "containerv sets the profile's resources.rlimits on the command; limits the profile "
               "does not name stay the caller's: review them"),
        control("5.19", "Mount propagation is not shared with the host", {"mount-shared"},
                {C::filesystem_restricted}),
        control("5.20", "The host's UTS namespace is not shared", {"host-uts-namespace"},
                {C::isolation_complete}),
        control("5.21", "A seccomp filter is in force", {"seccomp-off"}, {C::syscalls_filtered}),
        na("5.22", "Exec into the sandbox is not privileged",
           "containerv has no exec into a running sandbox; " + engine),
        na("5.23", "Exec into the sandbox does not use the root user",
           "containerv has no exec into a running sandbox; " + engine),
        manual("5.24", "The sandbox's cgroup is the one intended",
               "as root containerv makes each sandbox its own group under "
               "/sys/fs/cgroup/<controller>/containerv/ (rootless: the caller's group); "
               "compare /proc/PID/cgroup with the intended one",
               {C::resources_limited}),
        control("5.25", "The workload cannot gain privileges (no_new_privs)", {"nnp-off"},
                {C::no_privileged_access}),
        na("5.26", "Container health is checked at run time",
           "containerv has no health checks; the caller supervises the command"),
        na("5.27", "Images are pulled at their latest version",
           "containerv runs no images; " + engine),
        control("5.28", "The number of processes is limited (pids cgroup)", {"no-pids-limit"},
                {C::resources_limited}),
        na("5.29", "Docker's default bridge is not used",
           "containerv creates no bridge: a sandbox has the host's network or only loopback"),
        control("5.30", "The host's user namespace is not shared",
                {"host-user-namespace", "host-root"}, {C::isolation_complete}),
        control("5.31", "No container engine socket is reachable inside the sandbox",
                {"runtime-socket"}, {C::filesystem_restricted}),
    };
}

std::vector<Def> nist() {
    std::vector<std::string> config = {
        "cap-beyond-default", "privileged",   "host-root",      "nnp-off",    "mount-shared",
        "host-devices",       "mask-missing", "runtime-socket", "uid-differs"};
    std::vector<std::string> isolation = kHostNamespaces;
    isolation.push_back("host-network");
    return {
        manual("4.4.1", "The container runtime's own vulnerabilities are patched",
               "keep containerv, libseccomp and the kernel current (Debian security updates)"),
        control("4.4.2", "Network access from the sandbox is bounded",
                {"host-network", "ports-unfiltered"}, {C::network_controlled}),
        control("4.4.3-a", "The runtime gives the sandbox no privilege it does not need", config,
                {C::capabilities_minimal, C::no_privileged_access}),
        control("4.4.3-b", "The runtime separates the sandbox from the host", isolation,
                {C::isolation_complete}),
        control("4.4.3-c", "The runtime bounds the sandbox's resources",
                {"no-memory-limit", "no-pids-limit", "no-cpu-limit"}, {C::resources_limited}),
        control("4.4.4", "A compromised application is contained (syscalls, root, set-user-ID)",
                {"seccomp-off", "seccomp-denylist", "root-writable", "suid-allowed",
                 "fd-outside-root", "secret-env"},
                {C::syscalls_filtered, C::filesystem_restricted, C::secrets_protected}),
        manual("4.4.5", "Rogue sandboxes are kept out of production",
               "start sandboxes only from reviewed profiles and fail CI with `containerv report "
               "--fail-on fail`"),
    };
}

std::vector<Def> pci() {
    return {
        control("1.3.1", "Inbound traffic to the workload is restricted to what is needed",
                {"host-network", "ports-unfiltered"}, {C::network_controlled}),
        control("1.3.2", "Outbound traffic from the workload is restricted to what is needed",
                {"host-network", "ports-unfiltered"}, {C::network_controlled}),
        manual("2.2.1", "Configuration standards exist and are applied",
               "keep the profile under version control and this report as evidence that it is "
               "applied"),
        control("2.2.3", "Functions of different security levels are isolated", kHostNamespaces,
                {C::isolation_complete}),
        control("2.2.4", "Only the functions the workload needs are enabled",
                {"seccomp-off", "seccomp-denylist", "cap-beyond-default"},
                {C::syscalls_filtered, C::capabilities_minimal}),
        control("2.2.6", "Security parameters prevent misuse",
                {"nnp-off", "suid-allowed", "mask-missing", "root-writable", "mount-shared",
                 "host-devices"},
                {C::no_privileged_access, C::filesystem_restricted}),
        control("7.2.1", "Access follows least privilege",
                {"cap-beyond-default", "privileged", "host-root"},
                {C::capabilities_minimal, C::no_privileged_access}),
        control("7.2.5", "System and application accounts have the least privilege needed",
                {"host-root", "root-in-namespace", "uid-differs"}, {C::no_privileged_access}),
        control("8.6.2", "No passwords or secrets are written into the workload's configuration",
                {"secret-env"}, {C::secrets_protected}),
        manual("10.2.1", "Audit logs are enabled and active",
               "containerv logs every weakened setting (--accept-weaker) on stderr; send it and "
               "this report to the system's audit log"),
        manual("10.3.2", "Audit logs are protected from modification",
               "a containerv sandbox cannot reach the host's logs through its read-only root; "
               "protect them on the host"),
    };
}

std::vector<Def> pss() {
    return {
        na("baseline/host-process", "No Windows HostProcess pods", "a Windows-only setting"),
        control("baseline/host-namespaces",
                "The host's network, pid and IPC namespaces are not shared",
                {"host-network", "host-pid-namespace", "host-ipc-namespace"},
                {C::network_controlled, C::isolation_complete}),
        control("baseline/privileged", "The sandbox is not privileged", {"privileged", "host-root"},
                {C::no_privileged_access}),
        control("baseline/capabilities", "No capability beyond the default set is added",
                {"cap-beyond-default"}, {C::capabilities_minimal}),
        manual("baseline/host-path-volumes", "No host paths are mounted",
               "containerv's default root is the host's tree bound read-only (a hostPath in "
               "Kubernetes terms); use --rootfs for a root of its own and review each --bind"),
        na("baseline/host-ports", "No host ports are used", "containerv publishes no ports"),
        control("baseline/apparmor", "AppArmor is not set to unconfined", {},
                {C::isolation_complete}, "",
                [](const Audit& a) -> std::optional<Evidence> {
                    if (a.kind == "process" && a.apparmor.value &&
                        *a.apparmor.value == "unconfined")
                        return Evidence{a.apparmor.source, "unconfined"};
                    return std::nullopt;
                }),
        manual("baseline/selinux", "SELinux type and options are not overridden",
               "containerv sets no SELinux type of its own (mac.selinux)"),
        control("baseline/proc-mount", "The default /proc masks are in place", {"mask-missing"},
                {C::filesystem_restricted, C::secrets_protected}),
        control("baseline/seccomp", "Seccomp is not unconfined", {"seccomp-off"},
                {C::syscalls_filtered}),
        na("baseline/sysctls", "Only safe sysctls are set",
           "containerv sets no sysctls; /proc/sys is read-only in every sandbox"),
        manual("restricted/volume-types", "Only ephemeral and projected volume types are used",
               "review each --bind; the default root is the host's tree, read-only"),
        control("restricted/privilege-escalation", "Privilege escalation is not allowed",
                {"nnp-off"}, {C::no_privileged_access}),
        control("restricted/running-as-non-root", "The workload runs as a non-root user",
                {"host-root"}, {C::no_privileged_access}, "process.run_as_uid: a non-zero id",
                non_root()),
        control("restricted/seccomp", "A seccomp filter is in force (RuntimeDefault or Localhost)",
                {"seccomp-off"}, {C::syscalls_filtered}),
        control("restricted/capabilities", "All capabilities are dropped but NET_BIND_SERVICE", {},
                {C::capabilities_minimal}, "capabilities.allowed: [] (or [\"NET_BIND_SERVICE\"])",
                only_net_bind_service()),
    };
}

const char* title_of(Standard s) {
    switch (s) {
        case Standard::cis:
            return "CIS Docker Benchmark v1.6.0, section 5 (container runtime)";
        case Standard::nist:
            return "NIST SP 800-190, section 4.4 (container runtime countermeasures)";
        case Standard::pci:
            return "PCI-DSS v4.0 (system hardening, least privilege, audit logging)";
        case Standard::pss:
            return "Kubernetes Pod Security Standards (baseline and restricted)";
    }
    return "?";
}

Control evaluate(const Def& d, const Audit& a) {
    Control c;
    c.id = d.id;
    c.title = d.title;
    for (Check k : d.checks) c.checks.emplace_back(to_string(k));
    if (d.fixed != ControlStatus::pass) {
        c.status = d.fixed;
        c.evidence.push_back({"reason", d.reason});
        for (Check k : d.checks)
            for (const auto& f : a.result(k).facts) c.evidence.push_back(f);
        if (d.id == "5.18" && a.limits.value) c.evidence.push_back({a.limits.source, a.limits.raw});
        c.remediation = d.fixed == ControlStatus::manual ? d.reason : "";
        // A kernel without either LSM: the control has nothing to apply to.
        return c;
    }
    bool error = false, warning = false;
    std::vector<std::string> fixes;
    auto add_fix = [&](const std::string& fix) {
        if (!fix.empty() && std::find(fixes.begin(), fixes.end(), fix) == fixes.end())
            fixes.push_back(fix);
    };
    for (const auto& f : a.findings) {
        bool listed = std::find(d.findings.begin(), d.findings.end(), f.id) != d.findings.end();
        bool unobservable =
            f.id == "unobservable" &&
            std::find(d.checks.begin(), d.checks.end(), f.check) != d.checks.end() &&
            !d.findings.empty();
        if (!listed && !unobservable) continue;
        if (f.severity == Severity::info) continue;
        error = error || f.severity == Severity::fail;
        warning = warning || f.severity == Severity::warn;
        if (std::find(c.findings.begin(), c.findings.end(), f.id) == c.findings.end())
            c.findings.push_back(f.id);
        c.evidence.push_back({"finding " + f.id, f.message});
        for (const auto& e : f.evidence) c.evidence.push_back(e);
        add_fix(f.fix);
    }
    if (d.extra) {
        if (auto bad = d.extra(a)) {
            error = true;
            c.evidence.push_back(*bad);
            add_fix(d.remediation);
        }
    }
    if (error || warning) {
        c.status = ControlStatus::fail;
        c.level = error ? "error" : "warning";
        for (const auto& f : fixes) c.remediation += (c.remediation.empty() ? "" : "; ") + f;
        return c;
    }
    if ((d.id == "5.1" || d.id == "5.2") && no_lsm(a)) {
        c.status = ControlStatus::not_applicable;
        c.evidence.push_back({a.apparmor.source, a.apparmor.raw});
        return c;
    }
    c.status = ControlStatus::pass;
    for (Check k : d.checks)
        for (const auto& f : a.result(k).facts) c.evidence.push_back(f);
    return c;
}

}  // namespace

std::optional<Standard> standard_from_string(std::string_view name) {
    std::string n;
    for (char ch : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (n == "cis") return Standard::cis;
    if (n == "nist") return Standard::nist;
    if (n == "pci" || n == "pci-dss") return Standard::pci;
    if (n == "pss") return Standard::pss;
    return std::nullopt;
}

std::string_view to_string(Standard s) {
    switch (s) {
        case Standard::cis:
            return "cis";
        case Standard::nist:
            return "nist";
        case Standard::pci:
            return "pci";
        case Standard::pss:
            return "pss";
    }
    return "?";
}

std::string_view to_string(ControlStatus s) {
    switch (s) {
        case ControlStatus::pass:
            return "pass";
        case ControlStatus::fail:
            return "fail";
        case ControlStatus::manual:
            return "manual";
        case ControlStatus::not_applicable:
            return "not-applicable";
    }
    return "?";
}

int Report::count(ControlStatus status) const {
    return static_cast<int>(std::count_if(controls.begin(), controls.end(),
                                          [&](const Control& c) { return c.status == status; }));
}

bool Report::fails(bool on_warn) const {
    return std::any_of(controls.begin(), controls.end(), [&](const Control& c) {
        return c.status == ControlStatus::fail && (on_warn || c.level == "error");
    });
}

Report build_report(Standard standard, const Audit& audit, std::string artifact) {
    Report r;
    r.standard = standard;
    r.standard_title = title_of(standard);
    r.artifact = std::move(artifact);
    r.audit = audit;
    r.time = audit.time;
    r.auditor = audit.auditor;
    std::vector<Def> defs;
    switch (standard) {
        case Standard::cis:
            defs = cis();
            break;
        case Standard::nist:
            defs = nist();
            break;
        case Standard::pci:
            defs = pci();
            break;
        case Standard::pss:
            defs = pss();
            break;
    }
    for (const auto& d : defs) r.controls.push_back(evaluate(d, audit));
    return r;
}

std::optional<Format> format_from_string(std::string_view name) {
    if (name == "json") return Format::json;
    if (name == "markdown" || name == "md") return Format::markdown;
    if (name == "html") return Format::html;
    if (name == "sarif") return Format::sarif;
    return std::nullopt;
}

std::optional<Format> format_from_path(std::string_view path) {
    auto ends = [&](std::string_view s) {
        return path.size() >= s.size() && path.substr(path.size() - s.size()) == s;
    };
    if (ends(".sarif") || ends(".sarif.json")) return Format::sarif;
    if (ends(".json")) return Format::json;
    if (ends(".md") || ends(".markdown")) return Format::markdown;
    if (ends(".html") || ends(".htm")) return Format::html;
    return std::nullopt;
}

containerv::Status write_file_atomically(const std::string& path, const std::string& text) {
    return containerv::write_file_atomically(path, text, "report");
}

}  // namespace containerv::audit
