// The exit report: why a sandbox ended, for people (one line) and for machines (JSON).
#include "linux/launcher.hpp"

#include <nlohmann/json.hpp>

#include <cstring>
#include <sstream>

namespace containerv::linux_ {

std::string_view to_string(ExitReport::Reason reason) {
    switch (reason) {
        case ExitReport::Reason::exited:
            return "exited";
        case ExitReport::Reason::signaled:
            return "signaled";
        case ExitReport::Reason::oom:
            return "oom";
        case ExitReport::Reason::pids_limit:
            return "pids_limit";
        case ExitReport::Reason::cpu_limit:
            return "cpu_limit";
        case ExitReport::Reason::timeout:
            return "timeout";
    }
    return "?";
}

namespace {

std::string signal_text(int sig) {
    const char* name = sigabbrev_np(sig);
    return std::to_string(sig) + (name ? std::string(" (SIG") + name + ")" : "");
}

}  // namespace

std::string describe(const ExitReport& r) {
    std::ostringstream out;
    switch (r.reason) {
        case ExitReport::Reason::exited:
            out << "exited with status " << r.status;
            break;
        case ExitReport::Reason::signaled:
            out << "killed by signal " << signal_text(r.signal);
            break;
        case ExitReport::Reason::oom:
            out << "out of memory: killed at the memory limit";
            if (r.memory_limit) out << " of " << *r.memory_limit << " bytes";
            break;
        case ExitReport::Reason::pids_limit:
            out << "the pids limit";
            if (r.pids_limit) out << " of " << *r.pids_limit;
            out << " stopped a fork; the command then "
                << (r.signal ? "was killed by signal " + signal_text(r.signal)
                             : "exited with status " + std::to_string(r.status));
            break;
        case ExitReport::Reason::cpu_limit:
            out << "cpu-seconds limit";
            if (r.cpu_seconds_limit) out << " of " << *r.cpu_seconds_limit << " s";
            out << " reached: killed by signal " << signal_text(r.signal);
            break;
        case ExitReport::Reason::timeout:
            out << "timeout";
            if (r.timeout_seconds) out << " of " << *r.timeout_seconds << " s";
            out << ": the whole tree was killed";
            break;
    }
    return out.str();
}

std::string report_json(const ExitReport& r) {
    auto optional = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    nlohmann::json j = {
        {"reason", to_string(r.reason)},
        {"description", describe(r)},
        {"exit_code", r.exit_code},
        {"status", r.status >= 0 ? nlohmann::json(r.status) : nlohmann::json(nullptr)},
        {"signal", r.signal ? nlohmann::json(r.signal) : nlohmann::json(nullptr)},
        {"oom_killed", r.oom_killed},
        {"pids_limit_hit", r.pids_limit_hit},
        {"timed_out", r.timed_out},
        {"wall_seconds", r.wall_seconds},
        {"cpu_seconds", r.user_cpu_seconds + r.system_cpu_seconds},
        {"user_cpu_seconds", r.user_cpu_seconds},
        {"system_cpu_seconds", r.system_cpu_seconds},
        {"peak_memory_bytes", optional(r.peak_memory)},
        {"peak_memory_source", r.peak_memory_source},
        {"limits",
         {{"memory_bytes", optional(r.memory_limit)},
          {"pids", optional(r.pids_limit)},
          {"cpu_seconds", optional(r.cpu_seconds_limit)},
          {"timeout_seconds", optional(r.timeout_seconds)}}},
    };
    if (r.explained) {
        nlohmann::json denials = nlohmann::json::array();
        for (const std::string& event : r.denials) denials.push_back(nlohmann::json::parse(event));
        j["denials"] = std::move(denials);
    }
    return j.dump() + "\n";
}

}  // namespace containerv::linux_
