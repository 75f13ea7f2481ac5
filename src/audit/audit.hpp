// The audit: the eight checks of the original design, evaluated from a profile (what it asks
// for) or from a live process (what the kernel says is in force), each failure a finding with
// its evidence and its fix, and an exposure score. docs/AUDIT.md documents every finding id.
#pragma once

#include "audit/observe.hpp"

#include <containerv/error.hpp>
#include <containerv/profile.hpp>

#include <nlohmann/json_fwd.hpp>

#include <ctime>
#include <string>
#include <vector>

namespace containerv::audit {

enum class Check {
    capabilities_minimal,
    no_privileged_access,
    filesystem_restricted,
    network_controlled,
    syscalls_filtered,
    resources_limited,
    isolation_complete,
    secrets_protected,
};
inline constexpr int kCheckCount = 8;
const std::vector<Check>& all_checks();
std::string_view to_string(Check check);
// The check's share of the exposure score; the eight add up to 10.
double weight(Check check);

enum class Severity { info, warn, fail };
std::string_view to_string(Severity severity);

struct Evidence {
    std::string source;  // the file read (or the profile field)
    std::string value;   // what it said
};

struct Finding {
    std::string id;  // stable, e.g. "seccomp-off"; see docs/AUDIT.md
    Check check = Check::capabilities_minimal;
    Severity severity = Severity::fail;
    std::string message;
    std::vector<Evidence> evidence;
    std::string fix;     // as a profile change where one exists
    bool drift = false;  // the live process does not have what its profile asks for
};

struct CheckResult {
    Check check = Check::capabilities_minimal;
    bool passed = true;           // no finding of severity fail
    std::vector<Evidence> facts;  // everything read for it, passing or not
};

struct Audit {
    std::string kind;     // "profile" (static) or "process" (live)
    std::string subject;  // "profile \"default\"", "pid 42 (sleep)"
    std::string profile;  // the profile audited or compared with; may be empty
    int pid = 0;
    std::vector<CheckResult> checks;  // all eight, in the design's order
    std::vector<Finding> findings;    // drift first, then by check
    double score = 0;                 // 0 locked down .. 10 unconfined
    std::time_t time = 0;
    std::string auditor;

    bool all_passed() const;
    bool has_drift() const;
    const CheckResult& result(Check check) const;
    // Held capabilities (CapPrm|CapEff|CapAmb, or the profile's), when known.
    std::optional<CapSet> held_caps;
    std::optional<std::uint32_t> uid;
    // MAC: the profile's wants (static) or the process's LSM label (live, both the same file).
    Read<std::string> apparmor, selinux;
    Read<std::vector<std::string>> limits;  // static: none; live: /proc/PID/limits
    std::string comm;                       // live: the process's name
};

// Static: what the profile asks for, with what containerv always adds (its plan's baseline).
Audit audit_profile(const Profile& profile);

// Live: what the kernel says about the process; with `expected`, every difference from that
// profile is a drift finding.
Audit audit_observation(const Observation& observation, const Profile* expected);
Result<Audit> audit_process(int pid, const Profile* expected, const ObserveOptions& options = {});

// "containerv 0.1.0, uid 0 (root) on HOST".
std::string default_auditor();

std::string format_text(const Audit& audit);
nlohmann::json to_json(const Audit& audit);
// A short summary for the C API's audit_log: score, failed checks, drift, first findings.
std::string summary(const Audit& audit);

}  // namespace containerv::audit
